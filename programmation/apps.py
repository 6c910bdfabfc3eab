from django.apps import AppConfig


class ProgrammationConfig(AppConfig):
    name = "programmation"
    verbose_name = "Programmation FIPD"
