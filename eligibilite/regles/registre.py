"""The rules of each programme, in the order reports list them, with their code, level, field and source.

Programme ``R`` (the 2018 annex, « Programme B à gestion régionale ») has every rule of DESIGN.md §3.1; the
other programmes have the coherence rules and the envelope. A programme's own rule set (programme ``D``'s
ISCG rates of the 2026-2030 strategy, say) is added as new functions in a module of its own and a new tuple
below; the existing rules do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import actions as a
from . import programmations as pg
from .faits import FaitsAction, FaitsProgrammation, Niveau, Totaux, Verdict
from .formation import marge_formation, plafond_formation
from .parametres import ANNEXE_2018, Parametres

ACTION = "action"
PROGRAMMATION = "programmation"


@dataclass(frozen=True)
class Regle:
    code: str
    niveau: Niveau
    portee: str  # ACTION or PROGRAMMATION
    source: str
    fonction: Callable
    champ: str | None = None  # the action field a form shows the verdict beside

    def verdict(self, message: str, exces: Decimal | None = None, champ: str | None = None) -> Verdict:
        return Verdict(self.code, self.niveau, message, self.source, champ or self.champ, exces)


B, A = Niveau.BLOQUANT, Niveau.ALERTE

MILIEU_CARCERAL = Regle("MILIEU_CARCERAL", B, ACTION, f"{ANNEXE_2018}, §2.1", a.milieu_carceral, "milieu")
MILIEU_OUVERT = Regle("MILIEU_OUVERT", A, ACTION, f"{ANNEXE_2018}, §2.1", a.milieu_ouvert, "milieu")
PREVENTION_PRIMAIRE_THEME = Regle(
    "PREVENTION_PRIMAIRE_THEME",
    B,
    ACTION,
    f"{ANNEXE_2018}, §2.3",
    a.theme_prevention_primaire,
    "theme_prevention_primaire",
)
PREVENTION_PRIMAIRE_TAUX = Regle(
    "PREVENTION_PRIMAIRE_TAUX", B, ACTION, f"{ANNEXE_2018}, §2.3", a.taux_prevention_primaire, "montant_fipd"
)
PREVENTION_PRIMAIRE_JUSTIFICATION = Regle(
    "PREVENTION_PRIMAIRE_JUSTIFICATION",
    B,
    ACTION,
    f"{ANNEXE_2018}, §2.3",
    a.justification_prevention_primaire,
    "justification",
)
PUBLIC_NON_CIBLE = Regle("PUBLIC_NON_CIBLE", A, ACTION, f"{ANNEXE_2018}, §2.3", a.public_non_cible, "public")
CODE_ANALYTIQUE_CONTRAT_DE_VILLE = Regle(
    "CODE_ANALYTIQUE_CONTRAT_DE_VILLE",
    B,
    ACTION,
    f"{ANNEXE_2018}, §2.4",
    a.code_analytique_contrat_de_ville,
    "code_analytique",
)
REFERENT_PARCOURS_NON_ASSOCIATIF = Regle(
    "REFERENT_PARCOURS_NON_ASSOCIATIF",
    B,
    ACTION,
    f"{ANNEXE_2018}, §1",
    a.referent_parcours_non_associatif,
    "porteur",
)
CREDITS_CENTRAUX = Regle(
    "CREDITS_CENTRAUX", A, ACTION, f"{ANNEXE_2018}, §2.2, §2.3 et §3", a.credits_centraux, "categorie"
)  # "porteur" when the porteur's name triggers it
MONTANT_INVALIDE = Regle(
    "MONTANT_INVALIDE", B, ACTION, "Cohérence des montants", a.montant_invalide, "montant_fipd"
)
MONTANT_SUPERIEUR_DEMANDE = Regle(
    "MONTANT_SUPERIEUR_DEMANDE",
    A,
    ACTION,
    "Cohérence des montants",
    a.montant_superieur_demande,
    "montant_fipd",
)
BUDGET_NON_EQUILIBRE = Regle(
    "BUDGET_NON_EQUILIBRE",
    A,
    ACTION,
    "Pratique du Cerfa n° 12156 (budget prévisionnel équilibré)",
    a.budget_non_equilibre,
    "cout_total",
)
FORMATION_PLAFOND = Regle(
    "FORMATION_PLAFOND", B, PROGRAMMATION, f"{ANNEXE_2018}, §2.2", pg.plafond_formation, "montant_fipd"
)
ENVELOPPE_DEPASSEE = Regle(
    "ENVELOPPE_DEPASSEE",
    B,
    PROGRAMMATION,
    "Délégation de crédits (enveloppe notifiée)",
    pg.enveloppe_depassee,
    "montant_fipd",
)
DOTATION_SANS_CELLULE = Regle(
    "DOTATION_SANS_CELLULE", A, PROGRAMMATION, f"{ANNEXE_2018}, §1", pg.dotation_sans_cellule
)

COHERENCE = (MONTANT_INVALIDE, MONTANT_SUPERIEUR_DEMANDE, BUDGET_NON_EQUILIBRE, ENVELOPPE_DEPASSEE)
ANNEXE_RADICALISATION = (
    MILIEU_CARCERAL,
    MILIEU_OUVERT,
    PREVENTION_PRIMAIRE_THEME,
    PREVENTION_PRIMAIRE_TAUX,
    PREVENTION_PRIMAIRE_JUSTIFICATION,
    PUBLIC_NON_CIBLE,
    CODE_ANALYTIQUE_CONTRAT_DE_VILLE,
    REFERENT_PARCOURS_NON_ASSOCIATIF,
    CREDITS_CENTRAUX,
    MONTANT_INVALIDE,
    MONTANT_SUPERIEUR_DEMANDE,
    BUDGET_NON_EQUILIBRE,
    FORMATION_PLAFOND,
    ENVELOPPE_DEPASSEE,
    DOTATION_SANS_CELLULE,
)


@dataclass(frozen=True)
class Rapport:
    """Everything the rules say of one programmation: totals, the training cap, the verdicts."""

    totaux: Totaux
    plafond_formation: Decimal
    marge_formation: Decimal
    verdicts_programmation: tuple[Verdict, ...]
    verdicts_actions: tuple[tuple[Verdict, ...], ...]  # in the order of the actions given
    retenues: tuple[bool, ...] = ()  # whether each action is retained, in the same order

    @property
    def eligible(self) -> bool:
        """No blocking verdict at programmation level nor on a retained action (an action recorded but not
        retained keeps its verdicts without blocking anything)."""
        retenues = self.retenues or (True,) * len(self.verdicts_actions)
        tous = self.verdicts_programmation + tuple(
            v for vs, retenue in zip(self.verdicts_actions, retenues, strict=True) if retenue for v in vs
        )
        return not any(v.bloquant for v in tous)


@dataclass(frozen=True)
class Registre:
    programme: str
    regles: tuple[Regle, ...]

    @property
    def regles_action(self) -> tuple[Regle, ...]:
        return tuple(r for r in self.regles if r.portee == ACTION)

    @property
    def regles_programmation(self) -> tuple[Regle, ...]:
        return tuple(r for r in self.regles if r.portee == PROGRAMMATION)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.regles)

    def verdicts_action(self, action: FaitsAction, p: Parametres) -> tuple[Verdict, ...]:
        verdicts = []
        for regle in self.regles_action:
            constat = regle.fonction(action, p)
            if isinstance(constat, tuple):
                message, champ = constat
                verdicts.append(regle.verdict(message, champ=champ))
            elif constat is not None:
                verdicts.append(regle.verdict(constat))
        return tuple(verdicts)

    def verdicts_programmation(
        self, f: FaitsProgrammation, p: Parametres, totaux: Totaux | None = None
    ) -> tuple[Verdict, ...]:
        totaux = totaux or Totaux.depuis(f.retenues)
        verdicts = []
        for regle in self.regles_programmation:
            constat = regle.fonction(f, totaux, p)
            if constat is not None:
                verdicts.append(regle.verdict(*constat))
        return tuple(verdicts)

    def evaluer(self, f: FaitsProgrammation, actions: Sequence[FaitsAction], p: Parametres) -> Rapport:
        """Checks a whole programmation; ``f.retenues`` is taken from the retained ``actions``."""
        f = FaitsProgrammation.depuis_actions(
            actions,
            annee=f.annee,
            departement=f.departement,
            programme=f.programme,
            enveloppe=f.enveloppe,
            dotation_initiale=f.dotation_initiale,
            cellule_suivi_active=f.cellule_suivi_active,
        )
        totaux = Totaux.depuis(f.retenues)
        return Rapport(
            totaux=totaux,
            plafond_formation=plafond_formation(totaux.total_fipd, p),
            marge_formation=marge_formation(totaux.total_fipd, totaux.total_formation, p),
            verdicts_programmation=self.verdicts_programmation(f, p, totaux),
            verdicts_actions=tuple(self.verdicts_action(action, p) for action in actions),
            retenues=tuple(action.retenue for action in actions),
        )


REGISTRES = {
    "R": Registre("R", ANNEXE_RADICALISATION),
    "D": Registre("D", COHERENCE),
    "S": Registre("S", COHERENCE),
    "K": Registre("K", COHERENCE),
}


class ProgrammeInconnu(LookupError):
    pass


def registre(programme: str) -> Registre:
    try:
        return REGISTRES[programme]
    except KeyError:
        raise ProgrammeInconnu(f"Aucune règle n'est définie pour le programme « {programme} ».") from None


def toutes_les_regles() -> Iterable[Regle]:
    """Every rule once, in the order of the fullest registry."""
    vues = {}
    for reg in REGISTRES.values():
        for regle in reg.regles:
            vues.setdefault(regle.code, regle)
    return vues.values()
