"""Benchmarks of DESIGN.md §8, one command: `make bench` (or `.venv/bin/python bench/run.py`).

Builds (once) the national data set — 101 departments × 4 programmes × 100 actions, plus one programmation of
500 actions — in its own database (bench/resultats/bench.sqlite3 unless DATABASE_URL is set), then measures,
in-process with Django's test client (every page served the same way, a bare DSFR page as the reference):

- saving an action with all its checks, in the 500-action programmation (budget: < 50 ms);
- the programmation page at 500 actions and the home/national pages (budget: median < 300 ms);

and prints the medians and 95th percentiles, also written to bench/resultats/derniers.json.
"""

import argparse
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
RESULTATS = RACINE / "bench" / "resultats"
sys.path.insert(0, str(RACINE))


def preparer_django():
    RESULTATS.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{RESULTATS / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fipd.settings_test")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def construire(actions_par_programmation: int):
    from datetime import date

    from fipd.models import Role, Utilisateur
    from programmation.ecriture import ecrire_actions
    from programmation.models import (
        Action,
        Departement,
        Enveloppe,
        Exercice,
        MouvementEnveloppe,
        Porteur,
        Programmation,
        Programme,
        Region,
    )

    if Utilisateur.objects.filter(username="bench.sgcipdr").exists():  # built to the end before
        return
    debut = time.perf_counter()
    exercice = Exercice.objects.get(annee=2026)
    # Categories of each programme; the costs meet every rule set (S: at least 3 000 €, 80 % State share).
    categories = {
        "R": ["sante_mentale", "insertion", "parentalite", "referent_parcours", "formation", "autre"],
        "D": ["action_prevention", "autre"],
        "S": ["videoprotection", "securisation_scolaire", "autre"],
        "K": ["securisation_site", "autre"],
    }
    for programme in Programme.objects.all():
        for region in Region.objects.all():
            if programme.gestion_regionale:
                env = Enveloppe.objects.create(exercice=exercice, programme=programme, region=region)
                MouvementEnveloppe(
                    enveloppe=env,
                    date=date(2026, 1, 15),
                    nature="initiale",
                    montant=Decimal("9000000.00"),
                    motif="bench",
                ).save()
        for dep in Departement.objects.all():
            env = Enveloppe.objects.create(exercice=exercice, programme=programme, departement=dep)
            MouvementEnveloppe(
                enveloppe=env,
                date=date(2026, 1, 20),
                nature="initiale",
                montant=Decimal("600000.00"),
                motif="bench",
            ).save()
            p = Programmation.objects.create(exercice=exercice, departement=dep, programme=programme)
            n = 500 if (dep.code, programme.code) == ("59", "R") else actions_par_programmation
            porteur = Porteur(departement=dep, nom=f"Association {dep.code}", type="association")
            porteur.save()
            actions = [
                Action(
                    programmation=p,
                    porteur=porteur,
                    reference=f"{programme.code}-{i:04d}",
                    intitule=f"Action {i} du {dep.nom}",
                    categorie=categories[programme.code][i % len(categories[programme.code])],
                    cout_total=Decimal("4000.00"),
                    montant_fipd=Decimal("1000.00"),
                    decision="retenue" if i % 5 else "en_instruction",
                )
                for i in range(n)
            ]
            ecrire_actions(p.pk, actions)
    agent = Utilisateur.objects.create_user("bench.nord", password="bench", role=Role.AGENT_PREFECTURE)
    agent.departements.set(Departement.objects.filter(code="59"))
    Utilisateur.objects.create_user("bench.sgcipdr", password="bench", role=Role.INSTRUCTEUR_SGCIPDR)
    print(f"données construites en {time.perf_counter() - debut:.0f} s : {Action.objects.count()} actions")


def chronometrer(fonction, repetitions: int) -> dict:
    fonction()  # warm-up
    mesures = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        fonction()
        mesures.append((time.perf_counter() - debut) * 1000)
    mesures.sort()
    return {
        "mediane_ms": round(statistics.median(mesures), 1),
        "p95_ms": round(mesures[int(len(mesures) * 0.95) - 1], 1),
        "n": repetitions,
    }


def mesurer(repetitions: int) -> dict:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from programmation.models import Action, Programmation

    p = Programmation.objects.get(exercice__annee=2026, departement__code="59", programme__code="R")
    action = Action.objects.select_related("porteur").filter(programmation=p, decision="retenue").first()
    resultats = {"actions": Action.objects.count(), "actions_programmation_59_R": p.actions.count()}

    montants = [Decimal("900.00"), Decimal("1000.00")]

    def enregistrer():
        action.montant_fipd = montants[0]
        montants.reverse()
        action.save()

    resultats["enregistrer_une_action"] = chronometrer(enregistrer, repetitions)

    agent, national = Client(), Client()
    agent.login(username="bench.nord", password="bench")
    national.login(username="bench.sgcipdr", password="bench")
    pages = [
        ("page_reference_dsfr", agent, "accessibilite", {}),
        (
            "page_programmation_500_actions",
            agent,
            "programmation",
            {"annee": 2026, "departement": "59", "programme": "R"},
        ),
        ("accueil_agent", agent, "accueil", {}),
        ("accueil_national", national, "accueil", {}),
        ("tableau_national", national, "national", {"annee": 2026}),
    ]
    for nom, client, url, kwargs in pages:
        try:
            adresse = reverse(url, kwargs=kwargs)
        except NoReverseMatch:
            resultats[nom] = "page absente"
            continue

        def obtenir(client=client, adresse=adresse):
            reponse = client.get(adresse)
            assert reponse.status_code == 200, (adresse, reponse.status_code)

        try:
            resultats[nom] = chronometrer(obtenir, max(5, repetitions // 2))
        except Exception as e:  # a page under construction must not hide the other figures
            resultats[nom] = f"erreur : {type(e).__name__}: {e}"[:200]
    return resultats


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions-par-programmation", type=int, default=100)
    parser.add_argument("--repetitions", type=int, default=40)
    args = parser.parse_args()
    preparer_django()
    construire(args.actions_par_programmation)
    resultats = mesurer(args.repetitions)
    (RESULTATS / "derniers.json").write_text(json.dumps(resultats, indent=2, ensure_ascii=False))
    print(json.dumps(resultats, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
