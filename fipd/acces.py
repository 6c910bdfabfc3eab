"""Who may do what (DESIGN.md §1). Reading is scoped in querysets (``for_user``); these say who may write.

Every write view checks one of these explicitly, after loading the object through ``for_user`` (so an
object outside the user's scope is a 404 before any role question arises).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def peut_saisir(user, programmation) -> bool:
    """An agent de préfecture of the department (or an administrator) edits actions, porteurs and
    decisions, while the programmation is a draft or returned, in an open exercice."""
    return peut_transmettre(user, programmation) and programmation.modifiable


def motif_refus_saisie(user, programmation) -> str | None:
    """Why ``user`` may not change ``programmation`` now (``peut_saisir`` says no), in French; ``None`` when
    they may. The role comes first: the status is only news to someone who could otherwise write."""
    p = programmation
    if not peut_transmettre(user, p):
        return (
            "Seuls les agents de la préfecture du département saisissent cette programmation : votre rôle ne "
            "permet pas de la modifier."
        )
    if p.exercice.cloture:
        return f"L'exercice {p.exercice.annee} est clôturé : la programmation est en lecture seule."
    if not p.exercice.ouvert:
        return (
            f"L'exercice {p.exercice.annee} n'est pas ouvert : les préfectures ne peuvent pas encore saisir leur "
            "programmation."
        )
    if not p.modifiable:
        return (
            f"La programmation est désormais « {p.get_statut_display()} » : elle ne se modifie qu'en brouillon "
            "ou lorsque le SG-CIPDR la renvoie pour correction. Rien n'a été enregistré."
        )
    return None


def exiger_saisie(user, programmation) -> None:
    """A 403 that says why (role, closed exercice, status) when ``user`` may not change ``programmation``."""
    motif = motif_refus_saisie(user, programmation)
    if motif:
        raise PermissionDenied(motif)


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


def peut_modifier_porteur(user, porteur) -> bool:
    """An agent de préfecture of the porteur's department (or an administrator) edits and merges its
    porteurs, whatever the state of the programmations: the rules never refuse a porteur's change (DESIGN.md
    §3.4), they only recompute the verdicts of open exercices."""
    if not user.is_authenticated:
        return False
    est_agent = user.est_agent_prefecture and user.departements.filter(pk=porteur.departement_id).exists()
    return est_agent or user.is_superuser
