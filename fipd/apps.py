from django.apps import AppConfig


class FipdConfig(AppConfig):
    name = "fipd"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from . import verifications  # noqa: F401  (registers the deployment checks)
