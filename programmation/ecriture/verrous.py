"""Locks and the read-only states, shared by every write (DESIGN.md §3.4).

Lock order, when several are needed: regional envelope, departmental envelope, programmations by primary key.
On PostgreSQL the row locks do the work; on SQLite, ``select_for_update`` does nothing and the IMMEDIATE
transactions of the settings hold the database's write lock from their first statement.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from programmation.models import Exercice, Programmation


def exiger_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a lock must be taken inside transaction.atomic()")


def verrouiller(programmation_id: int) -> Programmation:
    """Locks the programmation row and returns it with its exercice, department and programme."""
    exiger_transaction()
    return (
        Programmation.objects.select_for_update(of=("self",))
        .select_related("exercice", "departement", "programme")
        .get(pk=programmation_id)
    )


def verrouiller_plusieurs(programmation_ids) -> dict[int, Programmation]:
    """Locks several programmations, in primary-key order."""
    return {pk: verrouiller(pk) for pk in sorted(set(programmation_ids))}


def controler_exercice_ouvert(exercice: Exercice, objet: str = "sa programmation est") -> None:
    """A closed exercice is read-only for everyone; ``objet`` completes the message."""
    if exercice.cloture:
        raise ValidationError(
            f"L'exercice {exercice.annee} est clôturé : {objet} en lecture seule.",
            code="exercice_cloture",
        )


def controler_modifiable(programmation: Programmation) -> None:
    controler_exercice_ouvert(programmation.exercice)
    if not programmation.modifiable:
        raise ValidationError(
            f"La programmation est « {programmation.get_statut_display()} » : ses actions ne peuvent être "
            "modifiées qu'en brouillon ou à corriger.",
            code="programmation_non_modifiable",
        )
