"""Recomputes every stored verdict, total and count from the rules (DESIGN.md §3.4).

A closed exercice is read-only: its stored verdicts are those it was closed with, and stay so.
"""

from django.core.management.base import BaseCommand

from programmation.ecriture import recalculer_programmation
from programmation.models import Programmation


class Command(BaseCommand):
    help = (
        "Recalcule les verdicts, les totaux et les compteurs stockés des programmations des exercices non "
        "clôturés (ceux d'un exercice clôturé ne changent plus)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--annee", type=int, help="Seulement les programmations de cet exercice.")
        parser.add_argument("--departement", help="Seulement les programmations de ce département (code).")

    def handle(self, *args, annee=None, departement=None, **options):
        programmations = Programmation.objects.exclude(exercice__etat="cloture")
        if annee:
            programmations = programmations.filter(exercice__annee=annee)
        if departement:
            programmations = programmations.filter(departement__code=departement)
        pks = sorted(programmations.values_list("pk", flat=True))
        for pk in pks:  # one transaction each: a national recomputation does not hold every lock at once
            recalculer_programmation(pk)
        n = len(pks)
        self.stdout.write(f"{n} programmation{'s' if n > 1 else ''} recalculée{'s' if n > 1 else ''}.")
