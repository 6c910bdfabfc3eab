"""Reading spreadsheet programmations (issue 10), one command: `.venv/bin/python bench/tableur.py`.

Builds CSV (« ; », Windows-1252, French amounts) and XLSX files of 2 000 and 5 000 actions in the import
format (20 columns, labels for codes, two co-funders), then measures, in-process, the reading alone
(``lire_csv``/``lire_xlsx``: file → ``ProgrammationLue``, no database) and the whole check
(``verifier_fichier``: reading, database checks, rules, report), median CPU time of a few runs, and the peak memory
of one reading (tracemalloc). The database is an SQLite file of its own (bench/resultats/tableur.sqlite3).
"""

import argparse
import csv
import io
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
RESULTATS = RACINE / "bench" / "resultats"
sys.path.insert(0, str(RACINE))

ENTETE = [
    "Référence",
    "Intitulé",
    "Porteur",
    "Type de porteur",
    "SIRET",
    "Catégorie",
    "Public",
    "Milieu",
    "Coût total",
    "Montant demandé",
    "Montant FIPD",
    "Contrat de ville",
    "Code analytique",
    "Thème de prévention primaire",
    "Justification",
    "Décision",
    "Cofinanceur 1",
    "Montant cofinanceur 1",
    "Cofinanceur 2",
    "Montant cofinanceur 2",
]


def ligne(i: int, texte: bool) -> list:
    montant = (lambda x: f"{x:,.2f} €".replace(",", "\u00a0").replace(".", ",")) if texte else (lambda x: x)
    return [
        f"A{i}",
        f"Action éducative n° {i} au collège Jean-Jaurès",
        f"Association Été Jeunesse {i % 300}",
        "Association",
        "73282932000074",
        "Action éducative, citoyenne ou d'insertion",
        "Personnes suivies par la cellule",
        "Milieu libre",
        montant(3000.0),
        montant(1500.0),
        montant(1000.01),
        "non",
        "",
        "",
        "",
        "Retenue",
        "Commune",
        montant(1000.0),
        "Département",
        montant(999.99),
    ]


def fichier_csv(n: int) -> bytes:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(ENTETE)
    ecrivain.writerows(ligne(i, texte=True) for i in range(n))
    return tampon.getvalue().encode("cp1252")


def fichier_xlsx(n: int) -> bytes:
    from openpyxl import Workbook

    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("Actions")
    feuille.append(ENTETE)
    for i in range(n):
        feuille.append(ligne(i, texte=False))
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()


def mediane(fonction, repetitions: int) -> float:
    """The median CPU time of the process (less sensitive than wall time to other work on a shared
    machine: the reading is single-threaded and waits on nothing)."""
    durees = []
    for _ in range(repetitions):
        debut = time.process_time()
        fonction()
        durees.append(time.process_time() - debut)
    return statistics.median(durees)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--tailles", type=int, nargs="+", default=[2000, 5000])
    arguments = parser.parse_args()

    RESULTATS.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{RESULTATS / 'tableur.sqlite3'}"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fipd.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from programmation.tableur import lire_csv, lire_xlsx
    from programmation.verification import verifier_fichier

    entete = {"departement": "59", "annee": "2026", "programme": "R", "enveloppe": "99999999"}
    print(f"{'fichier':<22} {'taille':>9} {'lecture':>9} {'vérification':>13} {'mémoire (pic)':>14}")
    for n in arguments.tailles:
        for nom, construire, lire in (("csv", fichier_csv, lire_csv), ("xlsx", fichier_xlsx, lire_xlsx)):
            contenu = construire(n)
            lue = lire(contenu, entete)
            assert not lue.problemes and len(lue.actions) == n, lue.problemes.lignes()[:3]
            tracemalloc.start()
            lire(contenu, entete)
            pic = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            lecture = mediane(lambda contenu=contenu, lire=lire: lire(contenu, entete), arguments.repetitions)
            rapport = verifier_fichier(contenu, f"programmation.{nom}", entete)
            assert rapport["eligible"] and len(rapport["actions"]) == n
            verification = mediane(
                lambda contenu=contenu, nom=nom: verifier_fichier(contenu, f"programmation.{nom}", entete),
                arguments.repetitions,
            )
            print(
                f"{n:>5} actions, {nom:<5}    {len(contenu) / 1e6:>6.2f} Mo {lecture:>8.2f}s {verification:>12.2f}s"
                f" {pic / 1e6:>11.1f} Mo"
            )


if __name__ == "__main__":
    main()
