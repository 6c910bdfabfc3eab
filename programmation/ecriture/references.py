"""Writes that change verdicts besides the action writes (DESIGN.md §3.4): parameter values, follow-up cells
and porteurs, which the eligibility rules never refuse, and co-funders saved one by one (the admin's inline),
which are part of their action: a retained action may not gain a blocking verdict through them (programme S's
State share counts the co-funders flagged ``etat``). Each recomputes, in the same transaction, the stored
verdicts and totals of the programmations it affects; a closed exercice is read-only and its stored verdicts
never change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import models, transaction

from eligibilite.regles import Niveau
from eligibilite.regles.libelles import texte_de_refus
from programmation.models import (
    Action,
    CelluleSuivi,
    Cofinancement,
    Decision,
    Exercice,
    Porteur,
    Programmation,
    ValeurParametre,
)

from .actions import recalculer, recalculer_programmation
from .verrous import controler_exercice_ouvert, controler_modifiable, verrouiller, verrouiller_plusieurs

# --- Parameter values (DESIGN.md §3.3) -------------------------------------------------------------------


def _en_vigueur_par_annee(valeurs: dict[int, tuple[str, str]], annees: list[int]) -> dict[int, tuple]:
    """For each year, the (value, source) in force given values by starting year."""
    resultat, courante = {}, None
    debuts = sorted(valeurs)
    for annee in sorted(annees):
        while debuts and debuts[0] <= annee:
            courante = valeurs[debuts.pop(0)]
        resultat[annee] = courante
    return resultat


def annees_touchees(valeur: ValeurParametre, suppression: bool = False) -> list[Exercice]:
    """The exercices whose value in force this write changes: from its start until the next value starts
    (and, when a value moves or goes, the years it left)."""
    autres = ValeurParametre.objects.filter(programme_id=valeur.programme_id, code=valeur.code)
    if valeur.pk:
        autres = autres.exclude(pk=valeur.pk)
    avant = dict(
        (annee, (texte, source))
        for annee, texte, source in ValeurParametre.objects.filter(
            programme_id=valeur.programme_id, code=valeur.code
        ).values_list("exercice__annee", "valeur", "source")
    )
    apres = {
        annee: (texte, source)
        for annee, texte, source in autres.values_list("exercice__annee", "valeur", "source")
    }
    if not suppression:
        apres[Exercice.objects.values_list("annee", flat=True).get(pk=valeur.exercice_id)] = (
            valeur.valeur,
            valeur.source,
        )
    exercices = list(Exercice.objects.order_by("annee"))
    annees = [e.annee for e in exercices]
    v_avant, v_apres = _en_vigueur_par_annee(avant, annees), _en_vigueur_par_annee(apres, annees)
    return [e for e in exercices if v_avant[e.annee] != v_apres[e.annee]]


def enregistrer_valeur_parametre(
    valeur: ValeurParametre, ecrire: Callable[[], None], suppression: bool = False
) -> None:
    """Adds, changes or deletes a dated parameter value, then recomputes the programmations of the
    programme in the exercices whose value in force changes. Refused when one of them is closed."""
    if not suppression:
        valeur.full_clean()
    with transaction.atomic():
        touchees = annees_touchees(valeur, suppression)
        for exercice in touchees:
            controler_exercice_ouvert(exercice, "la valeur de ce paramètre qui s'y applique est")
        ecrire()
        recalculer(
            Programmation.objects.filter(
                programme_id=valeur.programme_id, exercice__in=[e.pk for e in touchees]
            )
        )


# --- Follow-up cells ------------------------------------------------------------------------------------


def enregistrer_cellule(cellule: CelluleSuivi, sauver: Callable[[], None]) -> None:
    """Saves a department's follow-up cell flag, then recomputes that department's programmations of the
    exercice."""
    with transaction.atomic():
        controler_exercice_ouvert(Exercice.objects.get(pk=cellule.exercice_id), "ses cellules de suivi sont")
        sauver()
        recalculer(
            Programmation.objects.filter(
                exercice_id=cellule.exercice_id, departement_id=cellule.departement_id
            )
        )


# --- Porteurs -------------------------------------------------------------------------------------------


def enregistrer_porteur(porteur: Porteur, sauver: Callable[[], None]) -> None:
    """Saves a porteur; a change of type or name (which rules read) recomputes the verdicts of its actions
    in open exercices."""
    porteur.full_clean()  # Porteur.clean(): a porteur that has actions stays in its department
    with transaction.atomic():
        ancien = Porteur.objects.filter(pk=porteur.pk).values("type", "nom").first() if porteur.pk else None
        sauver()
        if ancien and (ancien["type"] != porteur.type or ancien["nom"] != porteur.nom):
            recalculer(Programmation.objects.filter(actions__porteur=porteur).distinct())


# --- Co-funders -----------------------------------------------------------------------------------------


def enregistrer_cofinancement(cofinancement: Cofinancement, ecrire: Callable[[], None]) -> None:
    """Saves or deletes a co-funder and recomputes its action's verdicts, under the write rule: the change
    is refused (and undone) when it leaves its retained action with a blocking verdict (``S_PART_ETAT``)."""
    with transaction.atomic():
        programmation_id = Action.objects.values_list("programmation_id", flat=True).get(
            pk=cofinancement.action_id
        )
        controler_modifiable(verrouiller(programmation_id))
        ecrire()
        recalculer_programmation(programmation_id, seulement=[cofinancement.action_id])
        _refuser_si_bloquee(cofinancement.action_id)


def _refuser_si_bloquee(action_id: int) -> None:
    """The write rule's first clause for an action changed through its co-funders: a retained action keeps
    no blocking verdict."""
    action = Action.objects.values("reference", "decision", "verdicts").get(pk=action_id)
    if action["decision"] != Decision.RETENUE:
        return
    bloquants = [v for v in action["verdicts"] if v["niveau"] == Niveau.BLOQUANT]
    if bloquants:
        raise ValidationError(
            [
                ValidationError(texte_de_refus(v["regle"], v["message"], v["source"]), code=v["regle"])
                for v in bloquants
            ]
        )


def supprimer_cofinancements(queryset) -> tuple[int, dict[str, int]]:
    """Deletes co-funders (a queryset) and recomputes the verdicts of their actions."""
    with transaction.atomic():
        par_programmation = defaultdict(set)
        for action_id, programmation_id in queryset.values_list("action_id", "action__programmation_id"):
            par_programmation[programmation_id].add(action_id)
        for programmation in verrouiller_plusieurs(par_programmation).values():
            controler_modifiable(programmation)
        resultat = models.QuerySet.delete(queryset)
        for programmation_id, actions in sorted(par_programmation.items()):
            recalculer_programmation(programmation_id, seulement=actions)
    return resultat
