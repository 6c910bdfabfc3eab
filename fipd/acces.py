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


def peut_gerer_campagnes(user) -> bool:
    """The SG-CIPDR and administrators open and close exercices and set every envelope."""
    return user.is_authenticated and user.est_national


def peut_voir_enveloppes(user) -> bool:
    """The envelope pages: the SG-CIPDR (all) and regional agents (the regional programmes of their region)."""
    return user.is_authenticated and (user.est_national or user.est_agent_regional)


def peut_doter(user, programme, region_id: int | None = None, departement=None) -> bool:
    """Who sets an envelope (initial allocation and movements): the SG-CIPDR any; a regional agent the
    departmental envelopes of a regionally managed programme in their region (the split of the regional
    envelope), never the regional envelope itself nor a centrally managed programme's."""
    if not user.is_authenticated:
        return False
    if user.est_national:
        return True
    return bool(
        user.est_agent_regional
        and programme.gestion_regionale
        and departement is not None
        and departement.region_id == user.region_id
    )
