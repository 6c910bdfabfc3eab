"""Checking a programmation held in a file, without writing anything (DESIGN.md §4).

Three steps, shared with the import:

1. reading (``eligibilite.lecture``): the file → a ``ProgrammationLue`` of plain values, and every problem
   found in the file itself (structure, types, keys, amounts, codes, duplicate references); no database;
2. checking (``controler``): what only the database knows (department, programme, exercice and the
   parameters in force, follow-up cell) → the facts the rules read, each action's with the programmation's
   department and year (programme D's overseas ISCG rate, the rules' dated parameters);
3. evaluating (``evaluer``): the programme's rule registry → the report of §4.

``verifier(texte)`` chains them for JSON, ``verifier_fichier(contenu, nom)`` for a file in any format (JSON,
CSV, XLSX: ``programmation.tableur``); both raise ``FichierInvalide`` carrying every problem, one French line
each, naming the action and the field (or a spreadsheet's line and column). Every action of a file counts as
retained, whatever a spreadsheet's ``decision`` column says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.utils import OperationalError, ProgrammingError

from eligibilite.lecture import CHAMPS_ENTETE, ProgrammationLue, lire_json
from eligibilite.regles import (
    FaitsAction,
    FaitsProgrammation,
    Parametres,
    ProgrammeInconnu,
    Registre,
    arrondi_inferieur,
    registre,
)
from eligibilite.regles.montants import lisible

from .ecriture.faits import cellule_active, parametres
from .models import Departement, Exercice, Programme
from .tableur import est_un_tableur, lire_tableur, trop_gros

# Header fields that the command's options may give (for CSV/XLSX) or override (for JSON).
OPTIONS_ENTETE = CHAMPS_ENTETE[:4]
ANNEES_POSSIBLES = range(2000, 2101)  # the Exercice model's constraint
PROBLEMES_AFFICHES = 200  # bad input lists its first problems, then their count (DESIGN.md §4)


class FichierInvalide(Exception):
    """Bad input: ``erreurs`` holds every problem, one French line each."""

    def __init__(self, erreurs: Iterable[str]):
        self.erreurs = list(erreurs)
        super().__init__("\n".join(self.erreurs))


class BaseNonMigree(Exception):
    """The database has no tables or no reference data: nothing can be checked."""

    def __init__(self):
        super().__init__(
            "La base de données n'est pas initialisée (tables ou données de référence absentes) : lancez "
            "d'abord « python manage.py migrate »."
        )


@dataclass(frozen=True)
class Verification:
    """Everything the rules need, gathered from a file and the database."""

    entete: FaitsProgrammation
    actions: tuple[FaitsAction, ...]
    parametres: Parametres
    registre: Registre


# --- Entry points -----------------------------------------------------------------------------------------


def verifier(texte: str, entete: Mapping[str, object] | None = None) -> dict:
    """The report of DESIGN.md §4 for a programmation in JSON; ``entete`` overrides header fields (the
    command's options). Raises ``FichierInvalide`` (every problem) or ``BaseNonMigree``."""
    return verifier_lue(lire_json(texte, entete))


def verifier_lue(lue: ProgrammationLue) -> dict:
    """The report for a programmation read by any reader."""
    return evaluer(controler(lue))


def verifier_fichier(contenu: bytes, nom: str, entete: Mapping[str, object] | None = None) -> dict:
    """The report for a file's bytes, read according to its name's extension (``.csv``, ``.xlsx``,
    otherwise JSON); for a spreadsheet, ``entete`` gives the header fields."""
    return verifier_lue(lire_programmation(contenu, nom, entete or {}))


def lire_programmation(contenu: bytes, nom: str, entete: Mapping[str, object]) -> ProgrammationLue:
    """A file's programmation, with the problems found in the file itself; ``FichierInvalide`` for a JSON
    file that is too large or not UTF-8."""
    if est_un_tableur(nom):
        return lire_tableur(contenu, nom, entete)
    if message := trop_gros(contenu):
        raise FichierInvalide([message])
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FichierInvalide([f"Le fichier « {lisible(nom)} » n'est pas encodé en UTF-8."]) from None
    return lire_json(texte, entete)


def problemes_affiches(erreurs: list[str]) -> list[str]:
    """The first ``PROBLEMES_AFFICHES`` problems, then a line with their count."""
    if len(erreurs) <= PROBLEMES_AFFICHES:
        return erreurs
    reste = len(erreurs) - PROBLEMES_AFFICHES
    return [
        *erreurs[:PROBLEMES_AFFICHES],
        f"… et {reste} autre{'s' if reste > 1 else ''} problème{'s' if reste > 1 else ''} ({len(erreurs)} au "
        "total) : corrigez ceux-ci, puis vérifiez de nouveau le fichier.",
    ]


# --- Checking against the database ---------------------------------------------------------------------


def controler(lue: ProgrammationLue) -> Verification:
    """The facts of a programmation read from a file, after what only the database knows: the department,
    the programme (and its rule registry), the exercice and the parameters in force, the follow-up cell.
    Raises ``FichierInvalide`` with every problem of the file, ``BaseNonMigree`` without reference data."""
    problemes = lue.problemes
    try:
        departements = dict(Departement.objects.values_list("code", "pk"))
        programmes = dict(Programme.objects.values_list("code", "pk"))
    except (OperationalError, ProgrammingError):
        raise BaseNonMigree() from None
    if not departements or not programmes:
        raise BaseNonMigree()

    departement_id = departements.get(lue.departement)
    if lue.departement is not None and departement_id is None:
        problemes.entete("departement", f"département inconnu « {lisible(lue.departement)} ».")

    regles = None
    if lue.programme is not None:
        if lue.programme not in programmes:
            problemes.entete(
                "programme",
                f"programme inconnu « {lisible(lue.programme)} » "
                f"(codes admis : {', '.join(sorted(programmes))}).",
            )
        else:
            try:
                regles = registre(lue.programme)
            except ProgrammeInconnu as e:
                problemes.entete("programme", _minuscule(str(e)))

    exercice = None
    if lue.annee is not None:
        if lue.annee in ANNEES_POSSIBLES:
            exercice = Exercice.objects.filter(annee=lue.annee).first()
        if exercice is None:
            problemes.entete(
                "annee",
                f"l'exercice {lue.annee} n'existe pas : aucun paramètre n'est défini pour cette année.",
            )

    if problemes:
        raise FichierInvalide(problemes.lignes())

    entete = FaitsProgrammation(
        annee=lue.annee,
        departement=lue.departement,
        programme=lue.programme,
        enveloppe=lue.enveloppe,
        # A notified envelope counts as the initial allocation (for DOTATION_SANS_CELLULE).
        dotation_initiale=lue.enveloppe,
        cellule_suivi_active=cellule_active(departement_id, exercice.pk),
    )
    # The rules read the programmation's department on each action (the overseas ISCG rate): the checked
    # header's, whichever reader read the actions.
    return Verification(
        entete,
        tuple(replace(a, departement=lue.departement).faits() for a in lue.actions),
        parametres(programmes[lue.programme], lue.annee),
        regles,
    )


def _minuscule(texte: str) -> str:
    return texte[:1].lower() + texte[1:]


# --- Evaluating: the report of DESIGN.md §4 ------------------------------------------------------------


def evaluer(v: Verification) -> dict:
    """Runs the programme's rules and builds the report: amounts as strings with two decimals, verdicts in
    the registry's order, the training cap rounded down to the cent (null for a programme without one, or
    whose parameters are not in force), the rules not evaluated with their reason."""
    rapport = v.registre.evaluer(v.entete, v.actions, v.parametres)
    a_un_plafond = rapport.plafond_formation is not None
    return {
        "eligible": rapport.eligible,
        "programmation": {
            "departement": v.entete.departement,
            "annee": v.entete.annee,
            "programme": v.entete.programme,
            "enveloppe": _montant(v.entete.enveloppe),
            "total_fipd": _montant(rapport.totaux.total_fipd),
            "total_formation": _montant(rapport.totaux.total_formation) if a_un_plafond else None,
            "plafond_formation": _montant(arrondi_inferieur(rapport.plafond_formation))
            if a_un_plafond
            else None,
            "lecture_plafond_formation": str(v.parametres.lecture_plafond_formation)
            if a_un_plafond
            else None,
            "regles_non_evaluees": [n.en_dict() for n in rapport.non_evaluees],
            "verdicts": [verdict.en_dict() for verdict in rapport.verdicts_programmation],
        },
        "actions": [
            {
                "reference": action.reference,
                "eligible": not any(verdict.bloquant for verdict in verdicts),
                "verdicts": [verdict.en_dict() for verdict in verdicts],
            }
            for action, verdicts in zip(v.actions, rapport.verdicts_actions, strict=True)
        ],
    }


def _montant(valeur: Decimal) -> str:
    return f"{valeur:.2f}"
