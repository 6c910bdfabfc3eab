from django.apps import AppConfig


class EligibiliteConfig(AppConfig):
    name = "eligibilite"
    verbose_name = "Règles d'éligibilité"
