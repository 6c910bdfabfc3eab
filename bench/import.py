"""Importing spreadsheet programmations (issue 10), one command: `.venv/bin/python bench/import.py`.

Builds CSV (« ; », Windows-1252, French amounts, labels for codes) and XLSX files of 2 000 actions in the
import format (20 columns, 300 porteurs of which a tenth with a SIRET, two co-funders each), then measures,
in-process, on a programmation of its own per format:

- the preview: reading the file and the import's dry run (``lire_fichier_importe`` + ``importer(dry_run=True)``:
  porteurs matched, actions compared, the write rule run on the whole resulting state; no write);
- the import into an empty programmation: 2 000 actions, 300 porteurs and 4 000 co-funders created, each with
  its history row, in one transaction under the programmation's lock;
- the same file again: 2 000 actions unchanged, nothing written;
- the file with every FIPD amount changed: 2 000 actions updated, their co-funders kept.

Each figure is the median wall time of a few runs (each run of a write rolled back but the last, so that every
run starts from the same state) and the number of SQL queries of one run. The database is an SQLite file of its
own (bench/resultats/import.sqlite3), rebuilt at each run.
"""

import argparse
import csv
import io
import os
import statistics
import sys
import time
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


def siret(n: int) -> str:
    """A SIRET passing the Luhn check: 13 digits and the check digit."""
    debut = f"{732829320 + n:09d}0001"
    for cle in "0123456789":
        chiffres = debut + cle
        total = 0
        for i, c in enumerate(reversed(chiffres)):
            d = int(c) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return chiffres
    raise AssertionError


def ligne(i: int, texte: bool, fipd: float = 1000.01) -> list:
    montant = (lambda x: f"{x:,.2f} €".replace(",", "\u00a0").replace(".", ",")) if texte else (lambda x: x)
    porteur = i % 300
    return [
        f"A{i:05d}",
        f"Action éducative n° {i} au collège Jean-Jaurès",
        f"Association Été Jeunesse n° {porteur}",
        "Association",
        siret(porteur) if porteur % 10 == 0 else "",
        "Action éducative, citoyenne ou d'insertion",
        "Personnes suivies par la cellule",
        "Milieu libre",
        montant(3000.0),
        montant(1500.0),
        montant(fipd),
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


def fichier_csv(n: int, fipd: float = 1000.01) -> bytes:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(ENTETE)
    ecrivain.writerows(ligne(i, texte=True, fipd=fipd) for i in range(n))
    return tampon.getvalue().encode("cp1252")


def fichier_xlsx(n: int, fipd: float = 1000.01) -> bytes:
    from openpyxl import Workbook

    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("Actions")
    feuille.append(ENTETE)
    for i in range(n):
        feuille.append(ligne(i, texte=False, fipd=fipd))
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()


def mesurer(fonction, repetitions: int, annuler: bool) -> tuple[float, int, object]:
    """(median wall time, queries of one run, the last run's result); ``annuler``: every run but the last
    is rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    durees, requetes, resultat = [], 0, None
    for r in range(repetitions):
        derniere = r == repetitions - 1
        with CaptureQueriesContext(connection) as capture:
            debut = time.perf_counter()
            with transaction.atomic():
                resultat = fonction()
                if annuler and not derniere:
                    transaction.set_rollback(True)
            durees.append(time.perf_counter() - debut)
        requetes = len(capture)
    return statistics.median(durees), requetes, resultat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--actions", type=int, default=2000)
    arguments = parser.parse_args()

    RESULTATS.mkdir(parents=True, exist_ok=True)
    base = RESULTATS / "import.sqlite3"
    base.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{base}"
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fipd.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from programmation.ecriture.import_ import importer, lire_fichier_importe, motif_import
    from programmation.models import Programmation
    from tests.factories import ProgrammationFactory, departement, doter

    n = arguments.actions
    print(f"{n} actions ; médiane de {arguments.repetitions} exécutions, SQLite")
    print(f"{'fichier':<8} {'étape':<42} {'durée':>8} {'requêtes':>9}")
    for nom, construire, code in (("csv", fichier_csv, "59"), ("xlsx", fichier_xlsx, "62")):
        p = ProgrammationFactory(departement=departement(code))
        doter(p, "99999999")
        fichier = f"programmation.{nom}"
        contenus = {"initial": construire(n), "modifie": construire(n, fipd=1000.02)}

        def lire_et_importer(contenu, p=p, fichier=fichier, **options):
            p = Programmation.objects.get(pk=p.pk)
            lue = lire_fichier_importe(p, contenu, fichier)
            assert not lue.problemes, lue.problemes.lignes()[:3]
            return importer(p, lue.actions, motif=motif_import(fichier), colonnes=lue.colonnes, **options)

        etapes = (
            ("aperçu (lecture + simulation), vide", contenus["initial"], {"dry_run": True}, False, (n, 0, 0)),
            ("import : 2 000 créées, 300 porteurs", contenus["initial"], {}, True, (n, 0, 0)),
            ("aperçu, même fichier", contenus["initial"], {"dry_run": True}, False, (0, 0, n)),
            ("même fichier : 2 000 inchangées", contenus["initial"], {}, True, (0, 0, n)),
            ("montants changés : 2 000 modifiées", contenus["modifie"], {}, True, (0, n, 0)),
        )
        for libelle, contenu, options, ecrit, attendu in etapes:
            duree, requetes, bilan = mesurer(
                lambda contenu=contenu, options=options: lire_et_importer(contenu, **options),
                arguments.repetitions,
                annuler=ecrit,
            )
            assert bilan.acceptable, (bilan.erreurs[:3], bilan.refus[:3])
            assert (bilan.nb_creees, bilan.nb_modifiees, bilan.nb_inchangees) == attendu, bilan.resume()
            print(f"{nom:<8} {libelle:<42} {duree:>7.2f}s {requetes:>9}")
        lue = lire_fichier_importe(p, contenus["initial"], fichier)
        debut = time.perf_counter()
        for _ in range(arguments.repetitions):
            lire_fichier_importe(p, contenus["initial"], fichier)
        lecture = (time.perf_counter() - debut) / arguments.repetitions
        print(
            f"{nom:<8} {'dont lecture seule du fichier':<42} {lecture:>7.2f}s {0:>9}  ({len(lue.actions)} lignes)"
        )


if __name__ == "__main__":
    main()
