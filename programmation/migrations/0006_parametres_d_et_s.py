"""The dated values of the parameters of programmes D and S (DESIGN.md §3.3, §3.5): the SNPD 2026-2030 from
2026, the municipal police equipment caps from 2022 (Moselle 2022), the 3 000 € minimum and the 80 % State
share from 2024 (Isère 2024). The values come from the rule sets' modules, which the pure tests check; before
a value's first exercice, the rules that read it are not evaluated and the reports say so."""

from django.db import migrations

from eligibilite.regles import VALEURS_DE_REFERENCE, registre

PROGRAMMES = ("D", "S")


def creer_les_parametres(apps, schema_editor):
    """The dated values of programmes D and S (DESIGN.md §3.5), each from the first exercice its source applies
    to, stored as the rule set's definitions write them (« 0.8 », « 250.00 »)."""
    Programme = apps.get_model("programmation", "Programme")
    Exercice = apps.get_model("programmation", "Exercice")
    ValeurParametre = apps.get_model("programmation", "ValeurParametre")
    for code_programme in PROGRAMMES:
        programme = Programme.objects.get(code=code_programme)
        definitions = registre(code_programme)
        for v in VALEURS_DE_REFERENCE[code_programme]:
            exercice, _ = Exercice.objects.get_or_create(annee=v.debut)
            ValeurParametre.objects.get_or_create(
                programme=programme,
                code=v.code,
                exercice=exercice,
                defaults={"valeur": definitions.definition(v.code).texte(v.valeur), "source": v.source},
            )


def retirer_les_parametres(apps, schema_editor):
    ValeurParametre = apps.get_model("programmation", "ValeurParametre")
    for code_programme in PROGRAMMES:
        codes = [v.code for v in VALEURS_DE_REFERENCE[code_programme]]
        ValeurParametre.objects.filter(programme__code=code_programme, code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("programmation", "0005_mesures_snpd")]

    operations = [migrations.RunPython(creer_les_parametres, retirer_les_parametres)]
