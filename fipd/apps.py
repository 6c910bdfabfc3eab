from django.apps import AppConfig


class FipdConfig(AppConfig):
    name = "fipd"
    verbose_name = "Comptes et rôles"
