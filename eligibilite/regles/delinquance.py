"""Programme D « Prévention de la délinquance »: the rules of the national strategy SNPD 2026-2030
(DESIGN.md §3.5, ``seeds/003_…``), their parameters and their dated values.

Measure 35 co-funds the posts of social workers in police stations and gendarmerie units (ISCG) on a
degressive scale: « 80 % en première année, 50 % la deuxième puis 33 % du coût du poste ». The rank of a post in
an exercice is r = year − first year + 1, the first year being the first exercice in which the FIPD co-funded
it. Overseas, « l'État s'engage à les financer à hauteur de 80 % du coût du poste (50 % par le ministère de
l'Intérieur, 30 % par le ministère des Outre-mer) »: the FIPD carries the Interior's 50 %, every year
(docs/decisions/005). Each measure is followed by its indicators, so every action names the measure it serves.

The three rules belong to the strategy: each reads ``strategie_snpd``, whose value (« SNPD 2026-2030 ») is in
force from 2026, so that before 2026 none of them is evaluated and reports say why (DESIGN.md §3.3). When the
next strategy comes, the SG-CIPDR adds its name as a new dated value, and its rates if they change.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .actions import exces, plafond_affiche
from .faits import FaitsAction, FaitsProgrammation, Totaux
from .format import montant, pourcentage
from .parametres import DefinitionParametre, Parametres, TypeParametre, ValeurDatee
from .snpd import DERNIERE_MESURE, MESURES_PAR_NUMERO, PREMIERE_MESURE, SNPD, STRATEGIE

CATEGORIE_ISCG = "poste_iscg"
# DESIGN.md §3.5: « the overseas departments (971–976) ».
DEPARTEMENTS_OUTRE_MER = frozenset({"971", "972", "973", "974", "975", "976"})
MESURE_35 = f"{SNPD}, mesure 35"
DEBUT_SNPD = 2026

# --- Parameters -------------------------------------------------------------------------------------------

UN = Decimal("1")
ZERO = Decimal("0")


def _taux(code: str, libelle: str, aide: str) -> DefinitionParametre:
    return DefinitionParametre(code, libelle, TypeParametre.TAUX, minimum=ZERO, maximum=UN, aide=aide)


PARAMETRES_D = (
    DefinitionParametre(
        "strategie_snpd",
        "Stratégie nationale de prévention de la délinquance",
        TypeParametre.TEXTE,
        aide=f"Le nom de la stratégie dont les règles du programme D s'appliquent, par exemple « {SNPD} ».",
    ),
    _taux("taux_iscg_annee_1", "Taux ISCG : 1re année", f"« 80 % en première année » ({MESURE_35})."),
    _taux("taux_iscg_annee_2", "Taux ISCG : 2e année", f"« 50 % la deuxième » ({MESURE_35})."),
    _taux(
        "taux_iscg_annees_suivantes",
        "Taux ISCG : 3e année et suivantes",
        f"« puis 33 % du coût du poste » ({MESURE_35}).",
    ),
    _taux(
        "taux_iscg_outre_mer",
        "Taux ISCG en outre-mer",
        f"« 50 % par le ministère de l'Intérieur » ({MESURE_35}), chaque année ; lecture retenue : "
        "docs/decisions/005.",
    ),
)

VALEURS_SNPD: tuple[ValeurDatee, ...] = (
    ValeurDatee("strategie_snpd", DEBUT_SNPD, SNPD, f"{STRATEGIE} ({SNPD}), 50 mesures en trois axes"),
    ValeurDatee(
        "taux_iscg_annee_1", DEBUT_SNPD, Decimal("0.80"), f"{MESURE_35} : « 80 % en première année »"
    ),
    ValeurDatee("taux_iscg_annee_2", DEBUT_SNPD, Decimal("0.50"), f"{MESURE_35} : « 50 % la deuxième »"),
    ValeurDatee(
        "taux_iscg_annees_suivantes",
        DEBUT_SNPD,
        Decimal("0.33"),
        f"{MESURE_35} : « puis 33 % du coût du poste »",
    ),
    ValeurDatee(
        "taux_iscg_outre_mer",
        DEBUT_SNPD,
        Decimal("0.50"),
        f"{MESURE_35} : « 80 % du coût du poste (50 % par le ministère de l'Intérieur, 30 % par le ministère "
        "des Outre-mer) » ; lecture retenue : docs/decisions/005",
    ),
)
"""Programme D's dated values: the strategy, in force from 2026 (the data migration's values)."""

PARAMETRES_STRATEGIE = ("strategie_snpd",)
PARAMETRES_TAUX_ISCG = (
    "strategie_snpd",
    "taux_iscg_annee_1",
    "taux_iscg_annee_2",
    "taux_iscg_annees_suivantes",
    "taux_iscg_outre_mer",
)


# --- The rate of an ISCG post -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TauxIscg:
    """The rate at which the FIPD co-funds an ISCG post in an exercice, and why."""

    taux: Decimal
    rang: int
    premiere_annee: int
    departement: str
    outre_mer: bool

    @property
    def annee(self) -> str:
        """« 1re année », « 2e année »…"""
        return f"{self.rang}{'re' if self.rang == 1 else 'e'} année"

    def libelle(self) -> str:
        if self.outre_mer:
            return f"{pourcentage(self.taux)} du coût total (poste d'ISCG en outre-mer)"
        return f"{pourcentage(self.taux)} du coût total (poste d'ISCG en {self.annee})"


def rang_iscg(a: FaitsAction, p: Parametres) -> int | None:
    """r = year − first year + 1; None when the first year is not given or is later than the year."""
    if a.iscg_premiere_annee is None or a.iscg_premiere_annee > p.annee:
        return None
    return p.annee - a.iscg_premiere_annee + 1


def taux_iscg(a: FaitsAction, p: Parametres) -> TauxIscg | None:
    """The rate that applies to an ISCG post; None for another category, or when the rank cannot be computed
    (``ISCG_PREMIERE_ANNEE`` says so)."""
    if a.categorie != CATEGORIE_ISCG:
        return None
    rang = rang_iscg(a, p)
    if rang is None:
        return None
    outre_mer = a.departement in DEPARTEMENTS_OUTRE_MER
    if outre_mer:
        taux = p.taux_iscg_outre_mer
    elif rang == 1:
        taux = p.taux_iscg_annee_1
    elif rang == 2:
        taux = p.taux_iscg_annee_2
    else:
        taux = p.taux_iscg_annees_suivantes
    return TauxIscg(taux, rang, a.iscg_premiere_annee, a.departement, outre_mer)


def rang_et_taux(a: FaitsAction, p: Parametres) -> str | None:
    """What the action form says of an ISCG post: its rank in the programmation's year and the rate that
    applies, « 2e année de cofinancement : 50 % du coût ». None for another category, when the rank cannot be
    computed (``ISCG_PREMIERE_ANNEE`` says why), or when the rates have no value in force that year (the rule
    is then reported as not evaluated)."""
    if not all(p.en_vigueur(code) for code in PARAMETRES_TAUX_ISCG):
        return None
    t = taux_iscg(a, p)
    if t is None:
        return None
    if t.outre_mer:
        return (
            f"{t.annee} de cofinancement, en outre-mer (département {t.departement}) : "
            f"{pourcentage(t.taux)} du coût, chaque année"
        )
    return f"{t.annee} de cofinancement : {pourcentage(t.taux)} du coût"


# --- The rules ----------------------------------------------------------------------------------------------


def iscg_taux(a: FaitsAction, p: Parametres) -> str | None:
    """SNPD 2026-2030, measure 35: « 80 % en première année, 50 % la deuxième puis 33 % du coût du poste »;
    overseas, the Interior's 50 % every year. Compared unrounded."""
    t = taux_iscg(a, p)
    if t is None:
        return None
    plafond = a.cout_total * t.taux
    if a.montant_fipd <= plafond:
        return None
    if t.outre_mer:
        regle = (
            f"Un poste d'ISCG en outre-mer (département {t.departement}) est cofinancé par le FIPD à "
            f"{pourcentage(t.taux)} de son coût au plus, chaque année (part du ministère de l'Intérieur)"
        )
    else:
        regle = (
            f"Un poste d'ISCG en {t.annee} de cofinancement (premier cofinancement en {t.premiere_annee}) "
            f"est cofinancé par le FIPD à {pourcentage(t.taux)} de son coût au plus"
        )
    return (
        f"{regle} : {montant(a.montant_fipd)} de FIPD pour un coût de {montant(a.cout_total)}, soit "
        f"{exces(a.montant_fipd - plafond)} de plus que le maximum de {plafond_affiche(plafond)}."
    )


def iscg_premiere_annee(a: FaitsAction, p: Parametres) -> str | None:
    """SNPD 2026-2030, measure 35, « financement dégressif »: the rate follows the post's rank, which its first
    year gives."""
    if a.categorie != CATEGORIE_ISCG:
        return None
    if a.iscg_premiere_annee is None:
        return (
            "Indiquez l'exercice du premier cofinancement du poste d'ISCG par le FIPD : le financement est "
            f"dégressif selon l'ancienneté du poste ({p.strategie_snpd}, mesure 35)."
        )
    if a.iscg_premiere_annee > p.annee:
        return (
            f"L'exercice du premier cofinancement du poste d'ISCG ({a.iscg_premiere_annee}) ne peut pas être "
            f"postérieur à celui de la programmation ({p.annee})."
        )
    return None


def mesure_snpd_absente(a: FaitsAction, p: Parametres) -> str | None:
    """SNPD 2026-2030: each measure is followed by its « indicateurs d'évaluation »."""
    if a.mesure_snpd is None:
        return (
            f"Indiquez la mesure de la {p.strategie_snpd} que sert l'action (de {PREMIERE_MESURE} à "
            f"{DERNIERE_MESURE}) : la stratégie est suivie mesure par mesure."
        )
    if a.mesure_snpd not in MESURES_PAR_NUMERO:
        return (
            f"La {p.strategie_snpd} n'a pas de mesure n° {a.mesure_snpd} (mesures {PREMIERE_MESURE} à "
            f"{DERNIERE_MESURE}) : indiquez celle que sert l'action."
        )
    return None


# --- The bound on the FIPD amount (the live preview) ---------------------------------------------------------


def borne_iscg_taux(a: FaitsAction, t: Totaux, f: FaitsProgrammation, p: Parametres):
    taux = taux_iscg(a, p)
    if taux is None or a.cout_total is None:
        return None
    if taux.outre_mer:
        detail = "chaque année : part du ministère de l'Intérieur"
    else:
        detail = f"premier cofinancement en {taux.premiere_annee}"
    return taux.libelle(), a.cout_total * taux.taux, detail
