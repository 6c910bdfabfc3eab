"""Campaigns (DESIGN.md §2): the SG-CIPDR prepares an exercice, opens it to the prefectures, closes it.

    (new) ─ préparer ─→ en_preparation ─ ouvrir ─→ ouvert ─ clôturer ─→ cloture

A closed exercice is read-only for everyone and for good: its programmations, envelopes, parameter values
and follow-up cells no longer change, nor do their stored verdicts.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from programmation.models import EtatExercice, Exercice

TRANSITIONS = {
    "ouvrir": (EtatExercice.EN_PREPARATION, EtatExercice.OUVERT),
    "cloturer": (EtatExercice.OUVERT, EtatExercice.CLOTURE),
}


def preparer_exercice(annee: int) -> Exercice:
    """Creates the exercice ``annee``, in preparation: the SG-CIPDR sets its envelopes and parameters, the
    prefectures do not see it yet. The parameters in force are the latest started values (DESIGN.md §3.3)."""
    if not 2000 <= annee <= 2100:
        raise ValidationError("L'année de l'exercice doit être comprise entre 2000 et 2100.", code="annee")
    try:
        with transaction.atomic():
            return Exercice.objects.create(annee=annee, etat=EtatExercice.EN_PREPARATION)
    except IntegrityError:
        raise ValidationError(f"L'exercice {annee} existe déjà.", code="exercice_existant") from None


def changer_etat(exercice_id: int, transition: str) -> Exercice:
    """Runs ``transition`` (« ouvrir », « clôturer ») under the exercice's row lock."""
    if transition not in TRANSITIONS:
        raise ValidationError("Changement d'état inconnu.", code="transition")
    depuis, vers = TRANSITIONS[transition]
    with transaction.atomic():
        exercice = Exercice.objects.select_for_update().get(pk=exercice_id)
        if exercice.etat != depuis:
            raise ValidationError(
                f"L'exercice {exercice.annee} est « {exercice.get_etat_display().lower()} » : il ne peut pas "
                f"passer à « {EtatExercice(vers).label.lower()} ».",
                code="etat",
            )
        exercice.etat = vers
        exercice.save(update_fields=["etat"])
    return exercice
