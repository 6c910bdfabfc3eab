"""Envelope movements (DESIGN.md §2, §3.4): never refused by the eligibility rules, they only change
verdicts; but an envelope cannot go below 0, and the departmental envelopes of a region never add up to more
than its regional envelope. Locks: regional envelope, departmental envelope, then the programmation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from eligibilite.regles import montant
from programmation.models import Enveloppe, MouvementEnveloppe, NatureMouvement, Programmation

from .actions import recalculer
from .faits import ZERO, decimal
from .verrous import controler_exercice_ouvert


def programmations_de(enveloppe: Enveloppe):
    """The programmation a departmental envelope funds (an empty queryset for a regional one)."""
    if not enveloppe.departement_id:
        return Programmation.objects.none()
    return Programmation.objects.filter(
        exercice_id=enveloppe.exercice_id,
        programme_id=enveloppe.programme_id,
        departement_id=enveloppe.departement_id,
    )


def apres_suppression_enveloppe(enveloppe: Enveloppe) -> None:
    """An envelope without movements was deleted: its programmation now has no envelope at all."""
    recalculer(programmations_de(enveloppe))


def enregistrer_mouvement(
    mouvement: MouvementEnveloppe, ecrire: Callable[[], None], suppression=False
) -> None:
    """Records (or deletes) an envelope movement and recomputes the verdicts of the programmation it funds."""
    if not suppression:
        mouvement.full_clean()
    with transaction.atomic():
        enveloppe = Enveloppe.objects.select_related("programme", "exercice", "departement").get(
            pk=mouvement.enveloppe_id
        )
        controler_exercice_ouvert(enveloppe.exercice, "ses enveloppes sont")
        regionale = None
        region_id = enveloppe.region_id or (
            enveloppe.departement.region_id if enveloppe.departement_id else None
        )
        if enveloppe.programme.gestion_regionale:
            regionale = (
                Enveloppe.objects.select_for_update()
                .filter(
                    exercice_id=enveloppe.exercice_id,
                    programme_id=enveloppe.programme_id,
                    region_id=region_id,
                )
                .first()
            )
        if enveloppe.departement_id:
            Enveloppe.objects.select_for_update().filter(pk=enveloppe.pk).first()
        ecrire()
        solde = somme_mouvements(enveloppe.pk)
        if solde < 0:
            raise ValidationError(
                {"montant": f"Ce retrait rendrait l'enveloppe négative ({montant(solde)})."},
                code="enveloppe_negative",
            )
        Enveloppe.objects.filter(pk=enveloppe.pk).update(montant=solde)
        if enveloppe.programme.gestion_regionale:
            controler_repartition(enveloppe, region_id, regionale)
        recalculer(programmations_de(enveloppe))


def controler_repartition(enveloppe: Enveloppe, region_id: int, regionale: Enveloppe | None) -> None:
    """The departmental envelopes of a region add up to at most its regional envelope."""
    plafond = somme_mouvements(regionale.pk) if regionale else ZERO
    reparti = somme(
        Enveloppe.objects.filter(
            exercice_id=enveloppe.exercice_id,
            programme_id=enveloppe.programme_id,
            departement__region_id=region_id,
        ).values_list("montant", flat=True)
    )
    if reparti > plafond:
        raise ValidationError(
            {
                "montant": f"Les enveloppes départementales de la région ({montant(reparti)}) dépasseraient "
                f"l'enveloppe régionale ({montant(plafond)}) de {montant(reparti - plafond)}."
            },
            code="enveloppe_regionale_depassee",
        )


def somme_mouvements(enveloppe_id: int) -> Decimal:
    total = ZERO
    for nature, valeur in MouvementEnveloppe.objects.filter(enveloppe_id=enveloppe_id).values_list(
        "nature", "montant"
    ):
        total += -decimal(valeur) if nature == NatureMouvement.RETRAIT else decimal(valeur)
    return total


def somme(valeurs: Iterable) -> Decimal:
    return sum((decimal(v) for v in valeurs), ZERO)
