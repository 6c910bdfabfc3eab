"""Rules that read a whole programmation (DESIGN.md §3.1, « at: programmation »).

Each returns ``(message, excess)`` or None when the rule holds. The excess (how far over) lets the write rule
accept a write that does not make a standing excess worse (DESIGN.md §3.4).
"""

from __future__ import annotations

from decimal import Decimal

from .actions import exces
from .faits import FaitsProgrammation, Totaux
from .format import arrondi_inferieur, montant, pourcentage
from .formation import plafond_formation as calcul_plafond_formation
from .parametres import LecturePlafond, Parametres

ZERO = Decimal("0")


def plafond_formation(f: FaitsProgrammation, t: Totaux, p: Parametres) -> tuple[str, Decimal] | None:
    """Annexe 1 §2.2: « n'excèdera pas 4 000 € ou au maximum 20 % du montant total de la programmation »."""
    plafond = calcul_plafond_formation(t.total_fipd, p)
    if t.total_formation <= plafond:
        return None
    depassement = t.total_formation - plafond
    return (
        f"Les actions de formation et d'accompagnement des équipes retenues ({montant(t.total_formation)}) "
        f"dépassent de {exces(depassement)} le plafond de {montant(arrondi_inferieur(plafond))} "
        f"({lecture_plafond(p)}, pour un total retenu de {montant(t.total_fipd)}). Ce plafond dépend du "
        f"total retenu : retirer ou réduire une autre action l'abaisse.",
        depassement,
    )


def enveloppe_depassee(f: FaitsProgrammation, t: Totaux, p: Parametres) -> tuple[str, Decimal] | None:
    """Delegation: the retained total stays within the delegated envelope."""
    enveloppe = f.enveloppe if f.enveloppe is not None else ZERO
    if t.total_fipd <= enveloppe:
        return None
    depassement = t.total_fipd - enveloppe
    if f.enveloppe is None:
        return (
            f"Aucune enveloppe n'est notifiée pour ce programme et cet exercice : le total retenu de "
            f"{montant(t.total_fipd)} ne peut pas être engagé.",
            depassement,
        )
    return (
        f"Le total retenu ({montant(t.total_fipd)}) dépasse l'enveloppe notifiée ({montant(enveloppe)}) de "
        f"{exces(depassement)}.",
        depassement,
    )


def dotation_sans_cellule(f: FaitsProgrammation, t: Totaux, p: Parametres) -> tuple[str, Decimal] | None:
    """Annexe 1 §1: only departments whose follow-up cell ran actions the year before get an initial
    allocation."""
    if f.cellule_suivi_active or not f.dotation_initiale:
        return None
    return (
        f"Une dotation initiale de {montant(f.dotation_initiale)} est notifiée alors que la cellule de suivi "
        f"du département n'est pas déclarée active pour {f.annee} : seuls les départements ayant mis en "
        f"place des actions de suivi l'année précédente ont vocation à en bénéficier.",
        ZERO,
    )


def lecture_plafond(p: Parametres) -> str:
    """How the cap reads, said next to the figure wherever it is shown."""
    plancher, part = montant(p.plancher_formation), pourcentage(p.part_formation)
    if p.lecture_plafond_formation == LecturePlafond.STRICT:
        return f"lecture stricte : le plus bas de {plancher} et {part} du total retenu"
    return f"lecture favorable : le plus haut de {plancher} et {part} du total retenu"
