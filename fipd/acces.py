"""Who may do what (DESIGN.md §1). Reading is scoped in querysets (``for_user``); these say who may write.

Every write view checks one of these explicitly, after loading the object through ``for_user`` (so an
object outside the user's scope is a 404 before any role question arises).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def peut_saisir(user, programmation) -> bool:
    """An agent de préfecture of the department (or an administrator) edits actions, porteurs and
    decisions, while the programmation is a draft or returned, in an open exercice."""
    if not user.is_authenticated:
        return False
    est_agent = (
        user.est_agent_prefecture and user.departements.filter(pk=programmation.departement_id).exists()
    )
    return (est_agent or user.is_superuser) and programmation.modifiable


def peut_transmettre(user, programmation) -> bool:
    if not user.is_authenticated:
        return False
    est_agent = (
        user.est_agent_prefecture and user.departements.filter(pk=programmation.departement_id).exists()
    )
    return est_agent or user.is_superuser


def peut_instruire(user) -> bool:
    """SG-CIPDR reviewers and administrators validate, return and reopen programmations."""
    return user.is_authenticated and user.est_national


def exiger(autorise: bool, message: str = "Vous n'avez pas le droit d'effectuer cette opération.") -> None:
    if not autorise:
        raise PermissionDenied(message)
