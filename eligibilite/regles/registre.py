"""The rules of each programme, in the order reports list them, with their code, level, field, source and the
parameters they read; each programme's categories and parameter definitions.

Programme ``R`` (the 2018 annex, « Programme B à gestion régionale ») has every rule of DESIGN.md §3.1;
programmes ``D`` (the SNPD 2026-2030, ``delinquance.py``) and ``S`` (the securing programme's calls for projects,
``securisation.py``) have their own rule sets (DESIGN.md §3.5) beside the coherence rules and the envelope;
programme ``K`` has the coherence rules and the envelope only. Each rule set's functions, parameters and dated
values live in a module of their own; the registry gives each rule its code, level, field and source.

A rule is evaluated for an exercice only when every parameter it reads has a value in force that year
(DESIGN.md §3.3): otherwise it is listed as not evaluated, with the reason, never silently passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from . import actions as a
from . import delinquance as d
from . import programmations as pg
from . import securisation as sc
from .codes import CATEGORIES_D, CATEGORIES_K, CATEGORIES_R, CATEGORIES_S, Codes
from .faits import CATEGORIES_FORMATION, FaitsAction, FaitsProgrammation, Niveau, Totaux, Verdict
from .format import pourcentage
from .formation import marge_formation, plafond_formation
from .parametres import (
    ANNEXE_2018,
    PARAMETRES_R,
    DefinitionParametre,
    Parametres,
    ValeurDatee,
    valeurs_annexe_2018,
)

ACTION = "action"
PROGRAMMATION = "programmation"
ZERO = Decimal("0")


@dataclass(frozen=True)
class Borne:
    """The most one rule lets the FIPD give an action (the live preview shows each, and their minimum)."""

    regle: str
    libelle: str
    valeur: Decimal
    detail: str = ""


@dataclass(frozen=True)
class Regle:
    code: str
    niveau: Niveau
    portee: str  # ACTION or PROGRAMMATION
    source: str
    fonction: Callable
    champ: str | None = None  # the action field a form shows the verdict beside
    parametres: tuple[str, ...] = ()  # the codes of the parameters it reads
    # (action, totals of the other retained actions, programmation, parameters) → (label, bound, detail)
    borne: Callable | None = field(default=None, compare=False)

    def verdict(self, message: str, exces: Decimal | None = None, champ: str | None = None) -> Verdict:
        return Verdict(self.code, self.niveau, message, self.source, champ or self.champ, exces)

    def evaluable(self, p: Parametres) -> bool:
        return all(p.en_vigueur(code) for code in self.parametres)


@dataclass(frozen=True)
class NonEvaluee:
    """A rule not evaluated for an exercice, and why (DESIGN.md §3.3)."""

    regle: str
    raison: str

    def en_dict(self) -> dict:
        return {"regle": self.regle, "raison": self.raison}


# --- Bounds of the maximum FIPD amount (the live preview) -----------------------------------------------


def _borne_cout(action: FaitsAction, t: Totaux, f: FaitsProgrammation, p: Parametres):
    if action.cout_total is None:
        return None
    return "Coût total de l'action", action.cout_total, ""


def _borne_prevention_primaire(action: FaitsAction, t: Totaux, f: FaitsProgrammation, p: Parametres):
    if not action.est_prevention_primaire or action.cout_total is None:
        return None
    taux = p.taux_prevention_primaire
    return f"{pourcentage(taux)} du coût total (prévention primaire)", action.cout_total * taux, ""


def _borne_formation(action: FaitsAction, t: Totaux, f: FaitsProgrammation, p: Parametres):
    if action.categorie not in CATEGORIES_FORMATION:
        return None
    marge = marge_formation(t.total_fipd, t.total_formation, p)
    return "Marge sous le plafond de formation", marge, pg.lecture_plafond(p)


def _borne_enveloppe(action: FaitsAction, t: Totaux, f: FaitsProgrammation, p: Parametres):
    reste = (f.enveloppe or ZERO) - t.total_fipd
    return "Reste de l'enveloppe (sans cette action)", reste, ""


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
    "PREVENTION_PRIMAIRE_TAUX",
    B,
    ACTION,
    f"{ANNEXE_2018}, §2.3",
    a.taux_prevention_primaire,
    "montant_fipd",
    parametres=("taux_prevention_primaire",),
    borne=_borne_prevention_primaire,
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
    parametres=("code_analytique_contrat_de_ville",),
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
    "CREDITS_CENTRAUX",
    A,
    ACTION,
    f"{ANNEXE_2018}, §2.2, §2.3 et §3",
    a.credits_centraux,
    "categorie",  # "porteur" when the porteur's name triggers it
    parametres=("porteurs_credits_centraux",),
)
MONTANT_INVALIDE = Regle(
    "MONTANT_INVALIDE",
    B,
    ACTION,
    "Cohérence des montants",
    a.montant_invalide,
    "montant_fipd",
    borne=_borne_cout,
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
    "FORMATION_PLAFOND",
    B,
    PROGRAMMATION,
    f"{ANNEXE_2018}, §2.2",
    pg.plafond_formation,
    "montant_fipd",
    parametres=("plancher_formation", "part_formation", "lecture_plafond_formation"),
    borne=_borne_formation,
)
ENVELOPPE_DEPASSEE = Regle(
    "ENVELOPPE_DEPASSEE",
    B,
    PROGRAMMATION,
    "Délégation de crédits (enveloppe notifiée)",
    pg.enveloppe_depassee,
    "montant_fipd",
    borne=_borne_enveloppe,
)
DOTATION_SANS_CELLULE = Regle(
    "DOTATION_SANS_CELLULE", A, PROGRAMMATION, f"{ANNEXE_2018}, §1", pg.dotation_sans_cellule
)


# --- Programme D: the SNPD 2026-2030 (DESIGN.md §3.5) ---------------------------------------------------------

ISCG_TAUX = Regle(
    "ISCG_TAUX",
    B,
    ACTION,
    d.MESURE_35,
    d.iscg_taux,
    "montant_fipd",
    parametres=d.PARAMETRES_TAUX_ISCG,
    borne=d.borne_iscg_taux,
)
ISCG_PREMIERE_ANNEE = Regle(
    "ISCG_PREMIERE_ANNEE",
    B,
    ACTION,
    f"{d.MESURE_35} (« financement dégressif »)",
    d.iscg_premiere_annee,
    "iscg_premiere_annee",
    parametres=d.PARAMETRES_STRATEGIE,
)
MESURE_SNPD_ABSENTE = Regle(
    "MESURE_SNPD_ABSENTE",
    A,
    ACTION,
    f"{d.SNPD}, « indicateurs d'évaluation » de chaque mesure",
    d.mesure_snpd_absente,
    "mesure_snpd",
    parametres=d.PARAMETRES_STRATEGIE,
)

# --- Programme S: the securing programme's calls for projects (DESIGN.md §3.5) -------------------------------

S_EQUIPEMENT_PLAFOND = Regle(
    "S_EQUIPEMENT_PLAFOND",
    B,
    ACTION,
    f"{sc.MOSELLE_2022}, §I.1 à §I.3",
    sc.equipement_plafond,
    "montant_fipd",
    parametres=sc.PARAMETRES_EQUIPEMENT,
    borne=sc.borne_equipement,
)
S_QUANTITE_MANQUANTE = Regle(
    "S_QUANTITE_MANQUANTE",
    B,
    ACTION,
    f"{sc.MOSELLE_2022}, §I.1 à §I.3",
    sc.quantite_manquante,
    "quantite",
    parametres=sc.PARAMETRES_QUANTITE,
)
S_MONTANT_MINIMAL = Regle(
    "S_MONTANT_MINIMAL",
    B,
    ACTION,
    sc.ISERE_2024,
    sc.montant_minimal,
    "cout_total",
    parametres=("montant_minimal_dossier",),
)
S_PART_ETAT = Regle(
    "S_PART_ETAT",
    B,
    ACTION,
    sc.ISERE_2024,
    sc.part_etat,
    "montant_fipd",
    parametres=("part_maximale_etat",),
    borne=sc.borne_part_etat,
)

COHERENCE = (MONTANT_INVALIDE, MONTANT_SUPERIEUR_DEMANDE, BUDGET_NON_EQUILIBRE, ENVELOPPE_DEPASSEE)
SNPD_2026_2030 = (ISCG_TAUX, ISCG_PREMIERE_ANNEE, MESURE_SNPD_ABSENTE, *COHERENCE)
SECURISATION = (S_EQUIPEMENT_PLAFOND, S_QUANTITE_MANQUANTE, S_MONTANT_MINIMAL, S_PART_ETAT, *COHERENCE)
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
    """Everything the rules say of one programmation: totals, the training cap, the verdicts, and the rules
    that could not be evaluated. The cap figures are None when the programme has no training cap or when it
    was not evaluated."""

    totaux: Totaux
    plafond_formation: Decimal | None
    marge_formation: Decimal | None
    verdicts_programmation: tuple[Verdict, ...]
    verdicts_actions: tuple[tuple[Verdict, ...], ...]  # in the order of the actions given
    retenues: tuple[bool, ...] = ()  # whether each action is retained, in the same order
    non_evaluees: tuple[NonEvaluee, ...] = ()

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
class Maxima:
    """The most the FIPD may give one action if retained: each rule's bound, and the smallest (never < 0)."""

    bornes: tuple[Borne, ...]

    @property
    def maximum(self) -> Decimal | None:
        if not self.bornes:
            return None
        return max(ZERO, min(b.valeur for b in self.bornes))


@dataclass(frozen=True)
class Registre:
    programme: str
    regles: tuple[Regle, ...]
    categories: Codes = ()
    parametres: tuple[DefinitionParametre, ...] = ()

    @property
    def regles_action(self) -> tuple[Regle, ...]:
        return tuple(r for r in self.regles if r.portee == ACTION)

    @property
    def regles_programmation(self) -> tuple[Regle, ...]:
        return tuple(r for r in self.regles if r.portee == PROGRAMMATION)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.regles)

    @property
    def a_un_plafond_de_formation(self) -> bool:
        return any(r is FORMATION_PLAFOND for r in self.regles)  # identity: no field-by-field comparison

    def definition(self, code: str) -> DefinitionParametre | None:
        return next((d for d in self.parametres if d.code == code), None)

    def non_evaluees(self, p: Parametres) -> tuple[NonEvaluee, ...]:
        """The rules that ``p`` leaves without a parameter in force, with the reason."""
        resultat = []
        for regle in self.regles:
            manquants = [code for code in regle.parametres if not p.en_vigueur(code)]
            if manquants:
                noms = ", ".join(self._libelle(code) for code in manquants)
                resultat.append(NonEvaluee(regle.code, f"aucun paramètre en vigueur en {p.annee} ({noms})"))
        return tuple(resultat)

    def _libelle(self, code: str) -> str:
        """A parameter's label inside a sentence: its first letter in lower case (« l'État » stays)."""
        definition = self.definition(code)
        return definition.libelle[:1].lower() + definition.libelle[1:] if definition else code

    def verdicts_action(self, action: FaitsAction, p: Parametres) -> tuple[Verdict, ...]:
        verdicts = []
        for regle in self.regles_action:
            if not regle.evaluable(p):
                continue
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
            if not regle.evaluable(p):
                continue
            constat = regle.fonction(f, totaux, p)
            if constat is not None:
                verdicts.append(regle.verdict(*constat))
        return tuple(verdicts)

    def plafond_formation(self, totaux: Totaux, p: Parametres) -> tuple[Decimal | None, Decimal | None]:
        """(the training cap, the room left under it), exact; (None, None) when the programme has no cap or
        its parameters are not in force."""
        if not self.a_un_plafond_de_formation or not FORMATION_PLAFOND.evaluable(p):
            return None, None
        return (
            plafond_formation(totaux.total_fipd, p),
            marge_formation(totaux.total_fipd, totaux.total_formation, p),
        )

    def maxima(self, action: FaitsAction, autres: Totaux, f: FaitsProgrammation, p: Parametres) -> Maxima:
        """Each rule's bound on the FIPD amount of ``action`` if retained; ``autres``: the retained totals
        without this action. Programmation-level bounds first (the envelope, then the caps)."""
        ordre = sorted(self.regles, key=lambda r: (r.portee != PROGRAMMATION, r.code != "ENVELOPPE_DEPASSEE"))
        bornes = []
        for regle in ordre:
            if regle.borne is None or not regle.evaluable(p):
                continue
            borne = regle.borne(action, autres, f, p)
            if borne is not None:
                bornes.append(Borne(regle.code, *borne))
        return Maxima(tuple(bornes))

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
        plafond, marge = self.plafond_formation(totaux, p)
        return Rapport(
            totaux=totaux,
            plafond_formation=plafond,
            marge_formation=marge,
            verdicts_programmation=self.verdicts_programmation(f, p, totaux),
            verdicts_actions=tuple(self.verdicts_action(action, p) for action in actions),
            retenues=tuple(action.retenue for action in actions),
            non_evaluees=self.non_evaluees(p),
        )


REGISTRES = {
    "R": Registre("R", ANNEXE_RADICALISATION, CATEGORIES_R, PARAMETRES_R),
    "D": Registre("D", SNPD_2026_2030, CATEGORIES_D, d.PARAMETRES_D),
    "S": Registre("S", SECURISATION, CATEGORIES_S, sc.PARAMETRES_S),
    "K": Registre("K", COHERENCE, CATEGORIES_K),
}

# Each programme's dated values as its source texts give them: what the data migrations create.
VALEURS_DE_REFERENCE: dict[str, tuple[ValeurDatee, ...]] = {
    "R": valeurs_annexe_2018(),
    "D": d.VALEURS_SNPD,
    "S": sc.VALEURS_SECURISATION,
    "K": (),
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
