"""The FIPD eligibility rules: pure functions over frozen dataclasses (standard library only).

Nothing here imports Django or ``programmation``; a test parses these files to keep it so.
"""

from .ecriture import Refus, refus_ecriture
from .faits import Decision, FaitsAction, FaitsProgrammation, LigneRetenue, Niveau, Totaux, Verdict
from .format import arrondi_centime, arrondi_inferieur, montant, pourcentage
from .formation import marge_formation, plafond_formation
from .parametres import ExerciceSansParametres, LecturePlafond, Parametres, parametres_annexe_2018
from .registre import REGISTRES, ProgrammeInconnu, Rapport, Registre, Regle, registre, toutes_les_regles

__all__ = [
    "REGISTRES",
    "Decision",
    "ExerciceSansParametres",
    "FaitsAction",
    "FaitsProgrammation",
    "LecturePlafond",
    "LigneRetenue",
    "Niveau",
    "Parametres",
    "ProgrammeInconnu",
    "Rapport",
    "Refus",
    "Regle",
    "Registre",
    "Totaux",
    "Verdict",
    "arrondi_centime",
    "arrondi_inferieur",
    "marge_formation",
    "montant",
    "parametres_annexe_2018",
    "plafond_formation",
    "pourcentage",
    "refus_ecriture",
    "registre",
    "toutes_les_regles",
]
