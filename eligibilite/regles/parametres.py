"""Per-exercice rule parameters, each value with the text it comes from (as OpenFisca does).

The database holds the parameters of each exercice (``programmation.ParametresExercice``, seeded by a data
migration from the values below); the rules receive them as a frozen ``Parametres``. A year without
parameters is an error, never a silent fallback to another year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

ANNEXE_2018 = "Annexe 1 de la circulaire FIPD 2018"


class LecturePlafond(StrEnum):
    """How « 4 000 € ou au maximum 20 % » reads (DESIGN.md §3.2)."""

    FAVORABLE = "favorable"  # the larger of the two
    STRICT = "strict"  # the smaller of the two


class ExerciceSansParametres(LookupError):
    def __init__(self, annee: int):
        self.annee = annee
        super().__init__(f"Aucun paramètre n'est défini pour l'exercice {annee}.")


@dataclass(frozen=True)
class Parametres:
    annee: int
    plancher_formation: Decimal
    part_formation: Decimal
    lecture_plafond_formation: LecturePlafond
    taux_prevention_primaire: Decimal
    code_analytique_contrat_de_ville: str
    porteurs_credits_centraux: tuple[str, ...]
    sources: tuple[tuple[str, str], ...] = ()

    def source(self, nom: str) -> str:
        return dict(self.sources).get(nom, "")


SOURCES_ANNEXE_2018 = (
    ("plancher_formation", f"{ANNEXE_2018}, §2.2 : « n'excèdera pas 4 000 € »"),
    ("part_formation", f"{ANNEXE_2018}, §2.2 : « au maximum 20 % du montant total de la programmation »"),
    ("lecture_plafond_formation", f"{ANNEXE_2018}, §2.2 ; lecture retenue : docs/decisions/001"),
    ("taux_prevention_primaire", f"{ANNEXE_2018}, §2.3 : « au taux de 20 % maximum »"),
    (
        "code_analytique_contrat_de_ville",
        f"{ANNEXE_2018}, §2.4 : « 09-FI0000001 Financement Contrats de ville »",
    ),
    ("porteurs_credits_centraux", f"{ANNEXE_2018}, §2.2 : LICRA, CONVIVENCIA, ARTEMIS sur crédits centraux"),
)

# The 2018 annex values. No later text in seeds/ changes them, so every exercice from 2018 to 2026 starts
# with them (DESIGN.md §3.3); the SG-CIPDR edits an exercice's parameters in the admin when a circular does.
VALEURS_ANNEXE_2018 = {
    "plancher_formation": Decimal("4000.00"),
    "part_formation": Decimal("0.20"),
    "lecture_plafond_formation": LecturePlafond.FAVORABLE,
    "taux_prevention_primaire": Decimal("0.20"),
    "code_analytique_contrat_de_ville": "09-FI0000001",
    "porteurs_credits_centraux": ("LICRA", "CONVIVENCIA", "ARTEMIS"),
}
ANNEES_REFERENCE = tuple(range(2018, 2027))


def parametres_annexe_2018(annee: int) -> Parametres:
    """The reference parameters of an exercice from 2018 to 2026 (the data migration's values)."""
    if annee not in ANNEES_REFERENCE:
        raise ExerciceSansParametres(annee)
    return Parametres(annee=annee, sources=SOURCES_ANNEXE_2018, **VALEURS_ANNEXE_2018)
