"""Benchmark of the programmation PDF (DESIGN.md §8), one command: `.venv/bin/python bench/pdf.py`.

Builds (once) three programmations of programme R for 2026 — 250, 500 and 1 000 actions, retained, in every
category, with co-funders, alerts and titles long enough to wrap — in its own database
(bench/resultats/pdf.sqlite3 unless DATABASE_URL is set), then measures in the same run, size by size:

- the PDF as the view makes it (``rendre_pdf``: the queries, the template, WeasyPrint), split into the Django
  part (data and HTML) and the layout;
- a bare WeasyPrint table of the same rows (one <table>, no web font, no other section), the reference figure;

interleaved, ``--repetitions`` times, keeping the best of each. Times are CPU times of this process
(``time.process_time``: WeasyPrint runs in one thread), steadier than wall-clock times on a machine shared with
other work; wall-clock times are given beside them. Then the peak memory of one PDF at each size (tracemalloc: Python allocations; ru_maxrss: the process's
high-water mark, which only grows). Budget: ≤ 1,5 × the bare table, linear, under 10 s at 1 000 actions.
Prints the figures and writes them to bench/resultats/pdf.json.
"""

import argparse
import gc
import json
import os
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
RESULTATS = RACINE / "bench" / "resultats"
sys.path.insert(0, str(RACINE))

TAILLES = {"59": 250, "69": 500, "93": 1000}  # department → number of actions
CATEGORIES = ["sante_mentale", "insertion", "parentalite", "referent_parcours", "formation", "autre"]
INTITULES = [
    "Consultations de psychologues et de psychiatres pour les personnes suivies par la cellule",
    "Atelier d'expression",
    "Groupes de parole pour les familles des jeunes suivis, animés par une association de soutien à la "
    "parentalité, avec un suivi individuel des situations les plus difficiles",
    "Référent de parcours",
    "Formation des professionnels de terrain aux signaux faibles de la radicalisation",
]


def preparer_django():
    RESULTATS.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{RESULTATS / 'pdf.sqlite3'}")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fipd.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def construire():
    from django.db import transaction

    from programmation.models import Departement, Exercice, Programmation, Programme

    exercice = Exercice.objects.get(annee=2026)
    programme = Programme.objects.get(code="R")
    for code, n in TAILLES.items():
        dep = Departement.objects.get(code=code)
        if Programmation.objects.filter(exercice=exercice, departement=dep, programme=programme).exists():
            continue
        debut = time.perf_counter()
        with transaction.atomic():
            construire_une(exercice, programme, dep, code, n)
        print(f"programmation de {n} actions construite en {time.perf_counter() - debut:.0f} s", flush=True)


def construire_une(exercice, programme, dep, code, n):
    """One programmation of ``n`` retained actions, through the guarded write path."""
    from datetime import date

    from programmation.ecriture import ecrire_actions
    from programmation.models import Action, Enveloppe, MouvementEnveloppe, Porteur, Programmation

    for beneficiaire in ({"region": dep.region}, {"departement": dep}):
        env, _ = Enveloppe.objects.get_or_create(exercice=exercice, programme=programme, **beneficiaire)
        MouvementEnveloppe(
            enveloppe=env,
            date=date(2026, 1, 20),
            nature="initiale",
            montant=Decimal("90000000.00"),
            motif="Dotation initiale (bench)",
        ).save()
    p = Programmation.objects.create(exercice=exercice, departement=dep, programme=programme)
    porteurs = []
    for i in range(20):
        porteur = Porteur(departement=dep, nom=f"Association n° {i} pour la prévention", type="association")
        porteur.save()
        porteurs.append(porteur)
    actions, cofinancements = [], {}
    for i in range(n):
        fipd = Decimal("1000.00") + i % 97
        cofinance = i % 3 == 0
        actions.append(
            Action(
                programmation=p,
                porteur=porteurs[i % len(porteurs)],
                reference=f"R-{code}-{i:05d}",
                intitule=INTITULES[i % len(INTITULES)],
                categorie=CATEGORIES[i % len(CATEGORIES)],
                milieu="ouvert" if i % 20 == 0 else "libre",  # an alert on one action in twenty
                # A co-funded action's budget balances (no BUDGET_NON_EQUILIBRE alert).
                cout_total=fipd + Decimal("5000.00") if cofinance else fipd * 2,
                montant_fipd=fipd,
                contrat_de_ville=i % 7 == 0,
                code_analytique="09-FI0000001" if i % 7 == 0 else "",
                decision="retenue",
            )
        )
        if cofinance:
            cofinancements[i] = [("Commune (bench)", Decimal("5000.00"))]
    ecrire_actions(p.pk, actions, cofinancements=cofinancements)


BRUT = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><style>
@page {{ size: A4 landscape; margin: 14mm 12mm 16mm 12mm; }}
body {{ font-size: 8.5pt; }}
table {{ width: 100%; border-collapse: collapse; }}
th, td {{ border: 0.5pt solid #929292; padding: 1mm 1.5mm; vertical-align: top; }}
</style></head><body><table><thead><tr><th>Référence</th><th>Intitulé</th><th>Porteur</th><th>Coût total</th>
<th>Montant FIPD</th><th>Cofinancements</th><th>Code analytique</th></tr></thead><tbody>{lignes}</tbody></table>
</body></html>"""


def table_brute(donnees) -> str:
    """The same rows in one bare <table>: what a first version would lay out."""
    from django.utils.html import escape

    from eligibilite.regles import montant

    lignes = []
    for groupe in donnees.groupes:
        for tableau in groupe.tableaux:
            for a in tableau:
                cofis = "<br>".join(f"{escape(f)} : {montant(m)}" for f, m in a.cofinancements) or "—"
                lignes.append(
                    f"<tr><td>{escape(a.reference)}</td><td>{escape(a.intitule)}</td><td>{escape(a.porteur)}</td>"
                    f"<td>{montant(a.cout_total)}</td><td>{montant(a.montant_fipd)}</td><td>{cofis}</td>"
                    f"<td>{escape(a.code_analytique)}</td></tr>"
                )
    return BRUT.format(lignes="".join(lignes))


def pages(pdf: bytes) -> int | None:
    """The page count, read by poppler's pdfinfo when it is installed."""
    import re
    import shutil
    import subprocess

    if not shutil.which("pdfinfo"):
        return None
    sortie = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    return int(re.search(rb"Pages:\s+(\d+)", sortie).group(1))


def mesurer(repetitions: int) -> dict:
    from weasyprint import HTML

    from programmation.documents.donnees import LIGNES_PAR_TABLEAU, charger, donnees_programmation
    from programmation.documents.pdf import html_en_pdf, rendre_html
    from programmation.models import Programmation

    resultats = {"lignes_par_tableau": LIGNES_PAR_TABLEAU, "repetitions": repetitions, "tailles": {}}
    # Warm-up: imports, fonts, template cache.
    petite = Programmation.objects.get(departement__code="59", exercice__annee=2026, programme__code="R")
    html_en_pdf(rendre_html(donnees_programmation(charger(petite.pk))))

    for code, n in TAILLES.items():
        pk = Programmation.objects.get(departement__code=code, exercice__annee=2026, programme__code="R").pk
        donnees = donnees_programmation(charger(pk))
        brut_html = table_brute(donnees)
        mesures = {"html": [], "weasyprint": [], "pdf": [], "brut": [], "pdf_mur": [], "brut_mur": []}
        for _ in range(repetitions):  # interleaved, so that both see the same machine
            gc.collect()
            m0, c0 = time.perf_counter(), time.process_time()
            html = rendre_html(donnees_programmation(charger(pk)))
            c1 = time.process_time()
            pdf = html_en_pdf(html)
            m2, c2 = time.perf_counter(), time.process_time()
            gc.collect()
            m3, c3 = time.perf_counter(), time.process_time()
            brut = HTML(string=brut_html).write_pdf()
            m4, c4 = time.perf_counter(), time.process_time()
            mesures["html"].append(c1 - c0)
            mesures["weasyprint"].append(c2 - c1)
            mesures["pdf"].append(c2 - c0)
            mesures["brut"].append(c4 - c3)
            mesures["pdf_mur"].append(m2 - m0)
            mesures["brut_mur"].append(m4 - m3)
        m = {cle: min(valeurs) for cle, valeurs in mesures.items()}
        resultats["tailles"][n] = {
            "pdf_cpu_s": round(m["pdf"], 2),
            "dont_donnees_et_html_cpu_s": round(m["html"], 2),
            "dont_weasyprint_cpu_s": round(m["weasyprint"], 2),
            "table_brute_cpu_s": round(m["brut"], 2),
            "rapport_a_la_table_brute": round(m["pdf"] / m["brut"], 2),
            "ms_cpu_par_action": round(m["pdf"] / n * 1000, 2),
            "pdf_mur_s": round(m["pdf_mur"], 2),
            "table_brute_mur_s": round(m["brut_mur"], 2),
            "verdicts_d_actions": donnees.nb_verdicts_actions,
            "pages": pages(pdf),
            "pages_table_brute": pages(brut),
            "octets": len(pdf),
        }
        print(n, "actions:", resultats["tailles"][n], flush=True)

    t = resultats["tailles"]
    resultats["linearite_1000_sur_250"] = round(t[1000]["pdf_cpu_s"] / t[250]["pdf_cpu_s"], 2)  # linear: 4
    resultats["linearite_table_brute_1000_sur_250"] = round(
        t[1000]["table_brute_cpu_s"] / t[250]["table_brute_cpu_s"], 2
    )

    # Peak memory, after the timings (tracemalloc slows Python down).
    for code, n in TAILLES.items():
        pk = Programmation.objects.get(departement__code=code, exercice__annee=2026, programme__code="R").pk
        gc.collect()
        tracemalloc.start()
        html_en_pdf(rendre_html(donnees_programmation(charger(pk))))
        _, pic = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        resultats["tailles"][n]["pic_python_mio"] = round(pic / 2**20, 1)
        resultats["tailles"][n]["ru_maxrss_processus_mio"] = round(maxrss / 1024, 1)
        print(n, "actions: pic Python", resultats["tailles"][n]["pic_python_mio"], "Mio", flush=True)
    return resultats


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    preparer_django()
    construire()
    resultats = mesurer(args.repetitions)
    (RESULTATS / "pdf.json").write_text(json.dumps(resultats, indent=2, ensure_ascii=False))
    print(json.dumps(resultats, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
