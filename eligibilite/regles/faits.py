"""Plain facts the rules read, and the verdicts they return.

The Django side (``programmation.ecriture``) and the readers of ``eligibilite.lecture`` gather these from the
database or from a file; the rules never see a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Niveau(StrEnum):
    BLOQUANT = "bloquant"
    ALERTE = "alerte"


class Decision(StrEnum):
    EN_INSTRUCTION = "en_instruction"
    RETENUE = "retenue"
    NON_RETENUE = "non_retenue"


CATEGORIES_FORMATION = frozenset({"formation", "accompagnement_equipes"})
CATEGORIE_PREVENTION_PRIMAIRE = "prevention_primaire"


@dataclass(frozen=True)
class FaitsAction:
    """One action as the rules see it. ``montant_demande`` is None when the requested amount is unknown;
    ``cofinancements`` holds the co-funders' amounts (empty when none are given) and ``cofinancements_etat``
    the amounts of those among them that are State money (DETR, DSIL, another ministry: DESIGN.md §3.5).

    ``departement`` is the code of the programmation's department (ISCG posts overseas have a rate of their
    own); the year is the parameters' (``Parametres.annee``). ``quantite``, ``iscg_premiere_annee`` and
    ``mesure_snpd`` are the facts of programmes D and S (DESIGN.md §3.5), None when not given."""

    reference: str
    categorie: str
    cout_total: Decimal
    montant_fipd: Decimal
    porteur_nom: str = ""
    porteur_type: str = "association"
    public: str = "personnes_suivies"
    milieu: str = "libre"
    montant_demande: Decimal | None = None
    cofinancements: tuple[Decimal, ...] = ()
    contrat_de_ville: bool = False
    code_analytique: str = ""
    theme_prevention_primaire: str | None = None
    justification: str = ""
    retenue: bool = True
    departement: str = ""
    cofinancements_etat: tuple[Decimal, ...] = ()
    quantite: int | None = None
    iscg_premiere_annee: int | None = None
    mesure_snpd: int | None = None

    @property
    def est_formation(self) -> bool:
        return self.categorie in CATEGORIES_FORMATION

    @property
    def est_prevention_primaire(self) -> bool:
        return self.categorie == CATEGORIE_PREVENTION_PRIMAIRE


@dataclass(frozen=True)
class LigneRetenue:
    """What the programmation-level rules read of one retained action."""

    categorie: str
    montant_fipd: Decimal


@dataclass(frozen=True)
class FaitsProgrammation:
    """A programmation as the programmation-level rules see it.

    ``enveloppe`` is None when no envelope is notified (it then counts as 0 €); ``dotation_initiale`` is the
    envelope's initial allocation, None when there is none.
    """

    annee: int
    departement: str
    programme: str
    enveloppe: Decimal | None
    retenues: tuple[LigneRetenue, ...] = ()
    dotation_initiale: Decimal | None = None
    cellule_suivi_active: bool = True

    @classmethod
    def depuis_actions(cls, actions, **entete) -> FaitsProgrammation:
        retenues = tuple(LigneRetenue(a.categorie, a.montant_fipd) for a in actions if a.retenue)
        return cls(retenues=retenues, **entete)


@dataclass(frozen=True)
class Totaux:
    """Retained totals of a programmation (every figure counts retained actions only)."""

    total_fipd: Decimal = Decimal("0.00")
    total_formation: Decimal = Decimal("0.00")
    total_prevention_primaire: Decimal = Decimal("0.00")

    @classmethod
    def depuis(cls, retenues) -> Totaux:
        total = formation = primaire = Decimal("0.00")
        for ligne in retenues:
            total += ligne.montant_fipd
            if ligne.categorie in CATEGORIES_FORMATION:
                formation += ligne.montant_fipd
            elif ligne.categorie == CATEGORIE_PREVENTION_PRIMAIRE:
                primaire += ligne.montant_fipd
        return cls(total, formation, primaire)

    def sans(self, ligne: LigneRetenue) -> Totaux:
        """The totals without one retained line (the room the rules leave an action being edited)."""
        formation = self.total_formation - (
            ligne.montant_fipd if ligne.categorie in CATEGORIES_FORMATION else 0
        )
        primaire = self.total_prevention_primaire - (
            ligne.montant_fipd if ligne.categorie == CATEGORIE_PREVENTION_PRIMAIRE else 0
        )
        return Totaux(self.total_fipd - ligne.montant_fipd, formation, primaire)


@dataclass(frozen=True)
class Verdict:
    """What one rule says of an action or a programmation.

    ``champ`` names the action field the verdict concerns (so that a form shows it beside that field);
    ``exces`` is, for programmation-level rules, by how much the programmation goes over (the write rule
    compares it before and after a write).
    """

    regle: str
    niveau: Niveau
    message: str
    source: str
    champ: str | None = None
    exces: Decimal | None = field(default=None, compare=False)

    @property
    def bloquant(self) -> bool:
        return self.niveau == Niveau.BLOQUANT

    def en_dict(self) -> dict:
        return {
            "regle": self.regle,
            "niveau": str(self.niveau),
            "message": self.message,
            "source": self.source,
        }
