"""Envelope movements (DESIGN.md §2, §3.4): never refused by the eligibility rules, they only change
verdicts; but an envelope cannot go below 0, and the departmental envelopes of a region never add up to more
than its regional envelope. Locks, in this order: regional envelope, departmental envelopes, then the
programmations (``recalculer``, by primary key).

``enregistrer_mouvement`` writes one movement (the model's ``save``/``delete`` call it);
``fixer_dotations`` writes many initial allocations at once, all or nothing (the year's table, its XLSX
upload, a region's split), checking the totals once every line is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from eligibilite.regles import montant
from programmation.models import (
    Departement,
    Enveloppe,
    Exercice,
    MouvementEnveloppe,
    NatureMouvement,
    Programmation,
    Programme,
    Region,
)

from .actions import recalculer
from .faits import ZERO, decimal
from .verrous import controler_exercice_ouvert, exiger_transaction


def programmations_de(enveloppes: Iterable[Enveloppe]):
    """The programmations the departmental envelopes among ``enveloppes`` fund."""
    condition = Q(pk__in=[])
    for e in enveloppes:
        if e.departement_id:
            condition |= Q(
                exercice_id=e.exercice_id, programme_id=e.programme_id, departement_id=e.departement_id
            )
    return Programmation.objects.filter(condition)


def apres_suppression_enveloppe(enveloppe: Enveloppe) -> None:
    """An envelope without movements was deleted: its programmation now has no envelope at all."""
    recalculer(programmations_de([enveloppe]))


def region_de(enveloppe: Enveloppe) -> int | None:
    return enveloppe.region_id or (enveloppe.departement.region_id if enveloppe.departement_id else None)


def verrouiller_enveloppes(enveloppes: Iterable[Enveloppe]) -> None:
    """Locks the regional envelopes the writes depend on, then the departmental ones, by primary key."""
    exiger_transaction()
    enveloppes = list(enveloppes)
    regionales = set()
    for e in enveloppes:
        if e.programme.gestion_regionale:
            regionales.add((e.exercice_id, e.programme_id, region_de(e)))
    for exercice_id, programme_id, region_id in sorted(regionales):
        list(
            Enveloppe.objects.select_for_update()
            .filter(exercice_id=exercice_id, programme_id=programme_id, region_id=region_id)
            .values_list("pk", flat=True)
        )
    departementales = sorted({e.pk for e in enveloppes if e.departement_id})
    if departementales:
        list(
            Enveloppe.objects.select_for_update()
            .filter(pk__in=departementales)
            .order_by("pk")
            .values_list("pk")
        )


def controler_enveloppes(enveloppes: Iterable[Enveloppe]) -> None:
    """Stores each envelope's sum and checks it is not negative, and that no region's departmental
    envelopes exceed its regional one. Raises a ValidationError on ``montant`` naming the envelope."""
    regions = set()
    for e in enveloppes:
        solde = somme_mouvements(e.pk)
        if solde < 0:
            raise ValidationError(
                {
                    "montant": f"Ce retrait rendrait l'enveloppe {e.programme.code} de {e.beneficiaire} négative ({montant(solde)})."
                },
                code="enveloppe_negative",
            )
        Enveloppe.objects.filter(pk=e.pk).update(montant=solde)
        if e.programme.gestion_regionale:
            regions.add((e.exercice_id, e.programme_id, region_de(e)))
    for exercice_id, programme_id, region_id in sorted(regions):
        controler_repartition(exercice_id, programme_id, region_id)


def controler_repartition(exercice_id: int, programme_id: int, region_id: int) -> None:
    """The departmental envelopes of a region add up to at most its regional envelope."""
    regionale = Enveloppe.objects.filter(
        exercice_id=exercice_id, programme_id=programme_id, region_id=region_id
    ).first()
    plafond = somme_mouvements(regionale.pk) if regionale else ZERO
    reparti = somme(
        Enveloppe.objects.filter(
            exercice_id=exercice_id, programme_id=programme_id, departement__region_id=region_id
        ).values_list("montant", flat=True)
    )
    if reparti > plafond:
        region = Region.objects.get(pk=region_id)
        programme = Programme.objects.get(pk=programme_id)
        raise ValidationError(
            {
                "montant": ValidationError(
                    f"Les enveloppes départementales du programme {programme.code} en {region} "
                    f"({montant(reparti)}) dépasseraient l'enveloppe régionale ({montant(plafond)}) de "
                    f"{montant(reparti - plafond)}.",
                    code="enveloppe_regionale_depassee",
                )
            }
        )


def enregistrer_mouvement(
    mouvement: MouvementEnveloppe, ecrire: Callable[[], None], suppression=False
) -> None:
    """Records (or deletes) one envelope movement and recomputes the verdicts of the programmation it funds."""
    if not suppression:
        mouvement.full_clean()
    with transaction.atomic():
        enveloppe = Enveloppe.objects.select_related("programme", "exercice", "departement").get(
            pk=mouvement.enveloppe_id
        )
        controler_exercice_ouvert(enveloppe.exercice, "ses enveloppes sont")
        verrouiller_enveloppes([enveloppe])
        ecrire()
        controler_enveloppes([enveloppe])
        recalculer(programmations_de([enveloppe]))


# --- Many initial allocations at once -------------------------------------------------------------------


@dataclass(frozen=True)
class Dotation:
    """One initial allocation to set: a programme's envelope for a region or a department; ``montant`` None
    or 0 removes the initial allocation."""

    programme: Programme
    montant: Decimal | None
    region: Region | None = None
    departement: Departement | None = None

    @property
    def beneficiaire(self):
        return self.departement or self.region


class DotationsRefusees(ValidationError):
    """Some lines of a batch were refused: ``erreurs`` maps each line's key to its French messages."""

    def __init__(self, erreurs: dict):
        super().__init__([m for messages in erreurs.values() for m in messages])
        self.erreurs = erreurs


def fixer_dotations(
    exercice: Exercice, dotations: Iterable[Dotation], le: date, motif: str
) -> list[Enveloppe]:
    """Sets initial allocations, all or nothing: every movement is written, then every envelope and region
    checked once (so that lowering a region and its departments together works), then the programmations
    recomputed. Refusals name the envelope; nothing is written when one line is refused."""
    controler_exercice_ouvert(exercice, "ses enveloppes sont")
    dotations = list(dotations)
    with transaction.atomic():
        enveloppes = []
        for d in dotations:
            enveloppe, _ = Enveloppe.objects.get_or_create(
                exercice=exercice, programme=d.programme, region=d.region, departement=d.departement
            )
            enveloppe.programme, enveloppe.exercice = d.programme, exercice
            if d.departement is not None:
                enveloppe.departement = d.departement
            enveloppes.append((enveloppe, d))
        verrouiller_enveloppes([e for e, _ in enveloppes])
        touchees = []
        for enveloppe, d in enveloppes:
            initiale = MouvementEnveloppe.objects.filter(
                enveloppe=enveloppe, nature=NatureMouvement.INITIALE
            ).first()
            valeur = d.montant or ZERO
            if initiale is None and valeur:
                initiale = MouvementEnveloppe(
                    enveloppe=enveloppe, date=le, nature=NatureMouvement.INITIALE, montant=valeur, motif=motif
                )
            elif initiale is not None and valeur and initiale.montant != valeur:
                initiale.montant, initiale.date, initiale.motif = valeur, le, motif
            elif initiale is not None and not valeur:
                models.Model.delete(initiale)  # checked below with the others, not one by one
                touchees.append(enveloppe)
                continue
            else:
                continue
            initiale.full_clean()
            models.Model.save(initiale)  # checked below with the others, not one by one
            touchees.append(enveloppe)
        controler_enveloppes(touchees)
        recalculer(programmations_de(touchees))
    return touchees


def somme_mouvements(enveloppe_id: int) -> Decimal:
    total = ZERO
    for nature, valeur in MouvementEnveloppe.objects.filter(enveloppe_id=enveloppe_id).values_list(
        "nature", "montant"
    ):
        total += -decimal(valeur) if nature == NatureMouvement.RETRAIT else decimal(valeur)
    return total


def somme(valeurs: Iterable) -> Decimal:
    return sum((decimal(v) for v in valeurs), ZERO)
