"""Dated rule parameters, each value citing its source, as OpenFisca does (DESIGN.md §3.3).

A parameter belongs to a programme and is named by a code; the rule set that reads it declares it here, with
its type and bounds (``DefinitionParametre``). The database holds only dated values (``ValeurDatee``): the
first exercice each applies to, the value and its source. The value for an exercice is the latest one that
has started; a parameter without a started value is not in force, and the rules that read it are not
evaluated that year (the report says so). Nothing is copied year after year, and a new rule set adds
parameters as data, never as a new database column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from .format import montant, pourcentage
from .montants import MontantIllisible, lire_montant

ANNEXE_2018 = "Annexe 1 de la circulaire FIPD 2018"


class LecturePlafond(StrEnum):
    """How « 4 000 € ou au maximum 20 % » reads (DESIGN.md §3.2)."""

    FAVORABLE = "favorable"  # the larger of the two
    STRICT = "strict"  # the smaller of the two


class ExerciceSansParametres(LookupError):
    def __init__(self, annee: int):
        self.annee = annee
        super().__init__(f"Aucun paramètre n'est défini pour l'exercice {annee}.")


class ValeurParametreInvalide(ValueError):
    """A parameter value that cannot be read; its text is a French message."""


class TypeParametre(StrEnum):
    MONTANT = "montant"  # Decimal, in euros
    TAUX = "taux"  # Decimal, 0.20 for 20 %
    TEXTE = "texte"  # str
    LISTE = "liste"  # tuple[str, ...], one item per line
    CHOIX = "choix"  # one code of ``choix``


POURCENT = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*%\s*$")


@dataclass(frozen=True)
class DefinitionParametre:
    """A parameter a rule set reads: its code, its French label, its type and bounds."""

    code: str
    libelle: str
    type: TypeParametre
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    maximum_exclu: bool = False
    choix: tuple[tuple[str, str], ...] = ()
    aide: str = ""

    def lire(self, valeur: object) -> object:
        """The typed value of ``valeur`` (text typed by a user, or a stored value); raises
        ``ValeurParametreInvalide`` with a French message."""
        if self.type is TypeParametre.LISTE:
            elements = valeur if isinstance(valeur, list | tuple) else str(valeur).splitlines()
            liste = tuple(" ".join(str(e).split()) for e in elements if str(e).strip())
            if not liste:
                raise ValeurParametreInvalide("Donnez au moins un élément (un par ligne).")
            return liste
        texte = valeur if isinstance(valeur, str) else str(valeur)
        if self.type is TypeParametre.TEXTE:
            texte = " ".join(texte.split())
            if not texte:
                raise ValeurParametreInvalide("La valeur ne peut pas être vide.")
            return texte
        if self.type is TypeParametre.CHOIX:
            codes = dict(self.choix)
            texte = texte.strip()
            if texte not in codes:
                admis = ", ".join(f"« {c} » ({libelle})" for c, libelle in self.choix)
                raise ValeurParametreInvalide(f"Valeur inconnue « {texte} » : valeurs admises {admis}.")
            return texte
        nombre = self._nombre(valeur)
        self._borner(nombre)
        return nombre

    def _nombre(self, valeur: object) -> Decimal:
        if isinstance(valeur, Decimal):
            return valeur
        texte = str(valeur)
        pourcent = POURCENT.match(texte) if self.type is TypeParametre.TAUX else None
        try:
            if pourcent:
                return lire_montant(pourcent.group(1), decimales=4) / 100
            return lire_montant(texte, decimales=4 if self.type is TypeParametre.TAUX else 2)
        except MontantIllisible as e:
            raise ValeurParametreInvalide(f"La valeur n'est pas lisible : {e}") from None

    def _borner(self, nombre: Decimal) -> None:
        if self.minimum is not None and nombre < self.minimum:
            raise ValeurParametreInvalide(f"La valeur doit être au moins {self.afficher(self.minimum)}.")
        if self.maximum is not None:
            if self.maximum_exclu and nombre >= self.maximum:
                raise ValeurParametreInvalide(
                    f"La valeur doit être inférieure à {self.afficher(self.maximum)}."
                )
            if nombre > self.maximum:
                raise ValeurParametreInvalide(f"La valeur doit être au plus {self.afficher(self.maximum)}.")

    def texte(self, valeur: object) -> str:
        """How a typed value is stored (and offered again for editing)."""
        if self.type is TypeParametre.LISTE:
            return "\n".join(valeur)
        if self.type is TypeParametre.MONTANT:
            return f"{valeur:.2f}"
        if self.type is TypeParametre.TAUX:
            return f"{valeur.normalize():f}"
        return str(valeur)

    def afficher(self, valeur: object) -> str:
        """A typed value as a page shows it: « 4 000,00 € », « 20 % », « LICRA, CONVIVENCIA »."""
        if self.type is TypeParametre.MONTANT:
            return montant(valeur)
        if self.type is TypeParametre.TAUX:
            return pourcentage(valeur)
        if self.type is TypeParametre.LISTE:
            return ", ".join(valeur)
        if self.type is TypeParametre.CHOIX:
            return dict(self.choix).get(valeur, str(valeur))
        return str(valeur)


@dataclass(frozen=True)
class ValeurDatee:
    """One value of a parameter: from the exercice ``debut`` on, until a later value starts."""

    code: str
    debut: int
    valeur: object
    source: str


@dataclass(frozen=True)
class Parametres:
    """The parameters in force in one exercice for one programme, read as attributes
    (``p.taux_prevention_primaire``). A parameter with no value in force is absent: reading it raises
    ``AttributeError``, and ``en_vigueur`` says so beforehand."""

    annee: int
    valeurs: Mapping[str, object] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    debuts: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self):
        for nom in ("valeurs", "sources", "debuts"):
            object.__setattr__(self, nom, MappingProxyType(dict(getattr(self, nom))))

    def __getattr__(self, nom: str):
        if nom.startswith("__"):
            raise AttributeError(nom)
        try:
            return object.__getattribute__(self, "valeurs")[nom]
        except KeyError:
            raise AttributeError(f"aucune valeur de « {nom} » n'est en vigueur en {self.annee}") from None

    def __reduce__(self):
        return (Parametres, (self.annee, dict(self.valeurs), dict(self.sources), dict(self.debuts)))

    def en_vigueur(self, code: str) -> bool:
        return code in self.valeurs

    def source(self, code: str) -> str:
        return self.sources.get(code, "")

    def avec(self, **valeurs) -> Parametres:
        """The same parameters with some values replaced (tests, what-if previews)."""
        return Parametres(self.annee, {**self.valeurs, **valeurs}, self.sources, self.debuts)


def en_vigueur(annee: int, valeurs: Iterable[ValeurDatee]) -> Parametres:
    """The parameters in force in ``annee``: for each code, the latest value that has started."""
    retenues: dict[str, ValeurDatee] = {}
    for v in valeurs:
        if v.debut <= annee and (v.code not in retenues or v.debut > retenues[v.code].debut):
            retenues[v.code] = v
    return Parametres(
        annee=annee,
        valeurs={code: v.valeur for code, v in retenues.items()},
        sources={code: v.source for code, v in retenues.items()},
        debuts={code: v.debut for code, v in retenues.items()},
    )


# --- Programme R: the 2018 annex --------------------------------------------------------------------------

PARAMETRES_R = (
    DefinitionParametre(
        "plancher_formation",
        "Plancher du plafond de formation",
        TypeParametre.MONTANT,
        minimum=Decimal("0"),
        aide="« n'excèdera pas 4 000 € » (annexe §2.2).",
    ),
    DefinitionParametre(
        "part_formation",
        "Part de la programmation pour la formation",
        TypeParametre.TAUX,
        minimum=Decimal("0"),
        maximum=Decimal("1"),
        maximum_exclu=True,
        aide="« au maximum 20 % du montant total de la programmation » (annexe §2.2) ; par exemple 20 %.",
    ),
    DefinitionParametre(
        "lecture_plafond_formation",
        "Lecture du plafond de formation",
        TypeParametre.CHOIX,
        choix=(
            (LecturePlafond.FAVORABLE.value, "favorable : le plus haut des deux"),
            (LecturePlafond.STRICT.value, "stricte : le plus bas des deux"),
        ),
    ),
    DefinitionParametre(
        "taux_prevention_primaire",
        "Taux maximal de la prévention primaire",
        TypeParametre.TAUX,
        minimum=Decimal("0"),
        maximum=Decimal("1"),
        aide="« au taux de 20 % maximum » (annexe §2.3).",
    ),
    DefinitionParametre(
        "code_analytique_contrat_de_ville",
        "Code analytique des contrats de ville",
        TypeParametre.TEXTE,
        aide="« 09-FI0000001 Financement Contrats de ville » (annexe §2.4).",
    ),
    DefinitionParametre(
        "porteurs_credits_centraux",
        "Porteurs financés sur crédits centraux",
        TypeParametre.LISTE,
        aide="Un nom par ligne (annexe §2.2, §2.3 et §3).",
    ),
)

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

# The 2018 annex values. No later text in seeds/ changes them: they are in force from 2018 on.
VALEURS_ANNEXE_2018 = {
    "plancher_formation": Decimal("4000.00"),
    "part_formation": Decimal("0.20"),
    "lecture_plafond_formation": LecturePlafond.FAVORABLE,
    "taux_prevention_primaire": Decimal("0.20"),
    "code_analytique_contrat_de_ville": "09-FI0000001",
    "porteurs_credits_centraux": ("LICRA", "CONVIVENCIA", "ARTEMIS"),
}
ANNEES_REFERENCE = tuple(range(2018, 2027))


def valeurs_annexe_2018() -> tuple[ValeurDatee, ...]:
    """Programme R's dated values: the annex, in force from 2018 (the data migration's values)."""
    sources = dict(SOURCES_ANNEXE_2018)
    return tuple(ValeurDatee(code, 2018, v, sources[code]) for code, v in VALEURS_ANNEXE_2018.items())


def parametres_annexe_2018(annee: int) -> Parametres:
    """Programme R's parameters for an exercice from 2018 to 2026, the years the reference data create."""
    if annee not in ANNEES_REFERENCE:
        raise ExerciceSansParametres(annee)
    return en_vigueur(annee, valeurs_annexe_2018())
