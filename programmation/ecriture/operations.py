"""Operations a page starts that write several actions at once, through the write rule."""

from __future__ import annotations

from dataclasses import dataclass

from programmation.models import Action, Decision, Programmation

from .actions import ecrire_actions
from .faits import Cofinanceur

# What « Reconduire » copies of last year's action: everything the prefecture typed but the decision and the
# dates; co-funders are copied with their State flag.
CHAMPS_RECONDUITS = (
    "reference",
    "intitule",
    "porteur",
    "categorie",
    "public",
    "milieu",
    "cout_total",
    "montant_demande",
    "montant_fipd",
    "contrat_de_ville",
    "code_analytique",
    "theme_prevention_primaire",
    "justification",
    # The facts of programmes D and S: the ISCG post's first year stays, so that its rank follows.
    "quantite",
    "iscg_premiere_annee",
    "mesure_snpd_id",  # the measure's number, read without a query
)


@dataclass(frozen=True)
class Reconduction:
    copiees: int
    ignorees: int  # actions whose reference exists already


def reconduire(programmation: Programmation, precedente: Programmation) -> Reconduction:
    """Copies ``precedente``'s actions into ``programmation`` as « en instruction », in one guarded write;
    references already present are skipped. Raises the write rule's ``ValidationError``."""
    existantes = set(programmation.actions.values_list("reference", flat=True))
    copies, cofinancements, ignorees = [], {}, 0
    for source in (
        precedente.actions.select_related("porteur").prefetch_related("cofinancements").order_by("reference")
    ):
        if source.reference in existantes:
            ignorees += 1
            continue
        copie = Action(
            programmation=programmation,
            decision=Decision.EN_INSTRUCTION,
            **{champ: getattr(source, champ) for champ in CHAMPS_RECONDUITS},
        )
        cofis = [Cofinanceur.de(c) for c in source.cofinancements.all()]
        if cofis:
            cofinancements[len(copies)] = cofis
        copies.append(copie)
    if copies:
        ecrire_actions(programmation.pk, copies, cofinancements=cofinancements)
    return Reconduction(len(copies), ignorees)
