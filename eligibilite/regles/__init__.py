"""The FIPD eligibility rules: pure functions over frozen dataclasses (standard library only).

Nothing here imports Django, ``programmation`` or ``fipd``; a test parses these files to keep it so.
"""

from .codes import CATEGORIES, DECISIONS, MILIEUX, PUBLICS, THEMES, TYPES_PORTEUR
from .ecriture import Refus, refus_ecriture
from .faits import Decision, FaitsAction, FaitsProgrammation, LigneRetenue, Niveau, Totaux, Verdict
from .format import arrondi_centime, arrondi_inferieur, montant, pourcentage
from .formation import marge_formation, plafond_formation
from .parametres import (
    DefinitionParametre,
    ExerciceSansParametres,
    LecturePlafond,
    Parametres,
    TypeParametre,
    ValeurDatee,
    ValeurParametreInvalide,
    en_vigueur,
    parametres_annexe_2018,
    valeurs_annexe_2018,
)
from .registre import (
    REGISTRES,
    VALEURS_DE_REFERENCE,
    Borne,
    Maxima,
    NonEvaluee,
    ProgrammeInconnu,
    Rapport,
    Registre,
    Regle,
    registre,
    toutes_les_regles,
)

__all__ = [
    "CATEGORIES",
    "DECISIONS",
    "MILIEUX",
    "PUBLICS",
    "REGISTRES",
    "THEMES",
    "TYPES_PORTEUR",
    "VALEURS_DE_REFERENCE",
    "Borne",
    "Decision",
    "DefinitionParametre",
    "ExerciceSansParametres",
    "FaitsAction",
    "FaitsProgrammation",
    "LecturePlafond",
    "LigneRetenue",
    "Maxima",
    "Niveau",
    "NonEvaluee",
    "Parametres",
    "ProgrammeInconnu",
    "Rapport",
    "Refus",
    "Regle",
    "Registre",
    "Totaux",
    "TypeParametre",
    "ValeurDatee",
    "ValeurParametreInvalide",
    "Verdict",
    "arrondi_centime",
    "arrondi_inferieur",
    "en_vigueur",
    "marge_formation",
    "montant",
    "parametres_annexe_2018",
    "plafond_formation",
    "pourcentage",
    "refus_ecriture",
    "registre",
    "toutes_les_regles",
    "valeurs_annexe_2018",
]
