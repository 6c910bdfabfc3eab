"""Reference data present after `migrate` on any empty database: regions, departments, programmes, and the
exercices 2018 to 2026 with the parameters of the 2018 annex (DESIGN.md §3.3)."""

from decimal import Decimal

from django.db import migrations

from programmation.referentiel import DEPARTEMENTS, REGIONS

PROGRAMMES = [
    ("R", "Prévention de la radicalisation", True),
    ("D", "Prévention de la délinquance", True),
    ("S", "Sécurisation", True),
    ("K", "Sécurisation des sites sensibles", False),
]
ANNEXE = "Annexe 1 de la circulaire FIPD 2018"
PARAMETRES_2018 = {
    "plancher_formation": Decimal("4000.00"),
    "source_plancher_formation": f"{ANNEXE}, §2.2 : « n'excèdera pas 4 000 € »",
    "part_formation": Decimal("0.2000"),
    "source_part_formation": f"{ANNEXE}, §2.2 : « au maximum 20 % du montant total de la programmation »",
    "lecture_plafond_formation": "favorable",
    "source_lecture_plafond_formation": f"{ANNEXE}, §2.2 ; lecture retenue : docs/decisions/001",
    "taux_prevention_primaire": Decimal("0.2000"),
    "source_taux_prevention_primaire": f"{ANNEXE}, §2.3 : « au taux de 20 % maximum »",
    "code_analytique_contrat_de_ville": "09-FI0000001",
    "source_code_analytique_contrat_de_ville": f"{ANNEXE}, §2.4 : « 09-FI0000001 Financement Contrats de ville »",
    "porteurs_credits_centraux": "LICRA\nCONVIVENCIA\nARTEMIS",
    "source_porteurs_credits_centraux": f"{ANNEXE}, §2.2 : LICRA, CONVIVENCIA, ARTEMIS sur crédits centraux",
}


def charger(apps, schema_editor):
    Region = apps.get_model("programmation", "Region")
    Departement = apps.get_model("programmation", "Departement")
    Programme = apps.get_model("programmation", "Programme")
    Exercice = apps.get_model("programmation", "Exercice")
    ParametresExercice = apps.get_model("programmation", "ParametresExercice")
    regions = {}
    for code, nom in REGIONS:
        regions[code], _ = Region.objects.update_or_create(code=code, defaults={"nom": nom})
    for code, nom, region in DEPARTEMENTS:
        Departement.objects.update_or_create(code=code, defaults={"nom": nom, "region": regions[region]})
    for code, libelle, regional in PROGRAMMES:
        Programme.objects.update_or_create(
            code=code, defaults={"libelle": libelle, "gestion_regionale": regional}
        )
    for annee in range(2018, 2027):
        exercice, _ = Exercice.objects.get_or_create(annee=annee)
        ParametresExercice.objects.get_or_create(exercice=exercice, defaults=PARAMETRES_2018)


class Migration(migrations.Migration):
    dependencies = [("programmation", "0001_initial")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
