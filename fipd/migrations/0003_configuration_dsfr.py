"""The DSFR configuration row that django-dsfr's context processor reads (site title, brand, footer)."""

from django.db import migrations

CONFIGURATION = {
    "site_title": "FIPD Programmation",
    "site_tagline": (
        "Programmation et contrôle des crédits du Fonds interministériel de prévention de la délinquance"
    ),
    "header_brand": "Ministère de l'Intérieur",
    "header_brand_html": "Ministère<br>de l'Intérieur",
    "footer_brand": "Ministère de l'Intérieur",
    "footer_brand_html": "Ministère<br>de l'Intérieur",
    "footer_description": (
        "FIPD Programmation est le service du Secrétariat général du Comité interministériel de prévention "
        "de la délinquance et de la radicalisation (SG-CIPDR) par lequel les préfectures saisissent leur "
        "programmation annuelle du Fonds interministériel de prévention de la délinquance et la "
        "transmettent pour instruction."
    ),
    "beta_tag": False,
    "mourning": False,
    "accessibility_status": "NOT",
    "notice_title": "",
    "notice_description": "",
}


def creer(apps, schema_editor):
    DsfrConfig = apps.get_model("dsfr", "DsfrConfig")
    DsfrConfig.objects.update_or_create(language="fr", defaults=CONFIGURATION)


def supprimer(apps, schema_editor):
    apps.get_model("dsfr", "DsfrConfig").objects.filter(language="fr").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dsfr", "0012_dsfrconfig_notice_description_and_more"),
        ("fipd", "0002_initial"),
    ]

    operations = [migrations.RunPython(creer, supprimer)]
