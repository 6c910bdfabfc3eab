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
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from eligibilite.regles import Niveau
from eligibilite.regles.libelles import texte_de_refus
from programmation.models import (
    Action,
    CelluleSuivi,
    Cofinancement,
    Decision,
    EtatExercice,
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
    existant = porteur.pk is not None and not porteur._state.adding
    with transaction.atomic():
        ancien = Porteur.objects.filter(pk=porteur.pk).values("type", "nom").first() if existant else None
        change = ancien and (ancien["type"] != porteur.type or ancien["nom"] != porteur.nom)
        if change:
            # The lock order of every write: programmations (by primary key) before the porteur's row, as an
            # action write locks its programmation before it references the porteur, and as a merge does.
            verrouiller_plusieurs(
                Programmation.objects.filter(actions__porteur=porteur)
                .exclude(exercice__etat=EtatExercice.CLOTURE)
                .values_list("pk", flat=True)
                .distinct()
            )
        if existant and not Porteur.objects.select_for_update().filter(pk=porteur.pk).exists():
            # Checked under the row's lock, after the programmations' (a merge that committed meanwhile, while
            # this save waited on them, deleted it): saving would insert it again.
            raise ValidationError(
                "Ce porteur a été supprimé ou fusionné dans un autre depuis que vous l'avez ouvert : rien n'a "
                "été enregistré.",
                code="porteur_supprime",
            )
        sauver()
        if change:
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


# --- Merging duplicate porteurs ---------------------------------------------------------------------------


MESSAGE_FUSION_CONCURRENTE = "Des actions de ce porteur ont été enregistrées pendant la fusion : recommencez."


@dataclass(frozen=True)
class Fusion:
    deplacees: int  # actions moved to the kept porteur
    programmations: int  # programmations recomputed


def retenues_bloquees(porteur_id: int) -> list[Action]:
    """The porteur's retained actions that keep a blocking verdict in an exercice that is not closed: what a
    change of its type (or a merge) may leave, and what the page says after saving."""
    return list(
        Action.objects.filter(porteur_id=porteur_id, decision=Decision.RETENUE, nb_bloquants__gt=0)
        .exclude(programmation__exercice__etat=EtatExercice.CLOTURE)
        .select_related("programmation__exercice", "programmation__programme")
        .order_by("-programmation__exercice__annee", "reference")
    )


def motif_refus_fusion(garde: Porteur, absorbe: Porteur) -> str | None:
    """Why ``absorbe`` cannot be merged into ``garde``, in French; ``None`` when it can.

    A closed exercice is read-only for everyone: its actions keep their porteur, so an absorbed porteur that
    has actions in a closed exercice cannot disappear (docs/decisions: merging porteurs)."""
    if garde.pk == absorbe.pk:
        return "Un porteur ne peut pas être fusionné avec lui-même : choisissez un autre porteur."
    if garde.departement_id != absorbe.departement_id:
        return (
            "Les deux porteurs ne sont pas du même département : seuls les doublons d'un même département "
            "peuvent être fusionnés."
        )
    cloturees = sorted(
        set(
            Action.objects.filter(
                porteur_id=absorbe.pk, programmation__exercice__etat=EtatExercice.CLOTURE
            ).values_list("programmation__exercice__annee", flat=True)
        )
    )
    if cloturees:
        annees = ", ".join(str(a) for a in cloturees)
        return (
            f"« {absorbe.nom} » a des actions dans un exercice clôturé ({annees}), en lecture seule : elles ne "
            "peuvent pas changer de porteur. Fusionnez dans l'autre sens (gardez ce porteur) ou laissez les "
            "deux porteurs."
        )
    return None


def fusionner_porteurs(garde: Porteur, absorbe: Porteur) -> Fusion:
    """Moves every action of ``absorbe`` to ``garde`` and deletes ``absorbe``, in one transaction.

    The programmations of the moved actions are locked first, in primary-key order, then the actions move
    (each saved, so that its history records the change) and those programmations are recomputed: the kept
    porteur's type and name are what the rules read now. Like a change of type, a merge is a fact about the
    porteurs and is not refused by the eligibility rules (DESIGN.md §3.4); it is refused, with nothing
    written, across departments or when the absorbed porteur has actions in a closed exercice.
    """
    try:
        return _fusionner(garde, absorbe)
    except IntegrityError as erreur:
        # An action referencing the absorbed porteur committed in another programmation between the check
        # and the delete (PostgreSQL checks the deferred foreign key at commit): nothing was written.
        raise ValidationError(MESSAGE_FUSION_CONCURRENTE, code="fusion_concurrente") from erreur


def _fusionner(garde: Porteur, absorbe: Porteur) -> Fusion:
    with transaction.atomic():
        ids = sorted(
            set(Action.objects.filter(porteur_id=absorbe.pk).values_list("programmation_id", flat=True))
        )
        verrouiller_plusieurs(ids)
        # Read again under the locks: what was saved in between is seen now.
        verrouilles = {
            p.pk: p for p in Porteur.objects.select_for_update().filter(pk__in=[garde.pk, absorbe.pk])
        }
        if garde.pk not in verrouilles or absorbe.pk not in verrouilles:
            raise ValidationError(
                "L'un des deux porteurs vient d'être supprimé ou fusionné par quelqu'un d'autre : rechargez la "
                "page.",
                code="fusion_concurrente",
            )
        garde, absorbe = verrouilles[garde.pk], verrouilles[absorbe.pk]
        motif = motif_refus_fusion(garde, absorbe)
        if motif:
            raise ValidationError(motif, code="fusion_refusee")
        actions = list(Action.objects.filter(porteur_id=absorbe.pk).order_by("pk"))
        if {a.programmation_id for a in actions} - set(ids):
            raise ValidationError(MESSAGE_FUSION_CONCURRENTE, code="fusion_concurrente")
        for action in actions:
            action.porteur_id = garde.pk
            action.version = (action.version or 0) + 1
            models.Model.save(action, update_fields=["porteur", "version", "modifie_le"])
        try:
            models.Model.delete(absorbe)
        except models.ProtectedError as erreur:
            raise ValidationError(MESSAGE_FUSION_CONCURRENTE, code="fusion_concurrente") from erreur
        for programmation_id in ids:
            recalculer_programmation(programmation_id)
    return Fusion(deplacees=len(actions), programmations=len(ids))
