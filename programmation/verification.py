"""Checking a programmation held in a file, without writing anything (DESIGN.md §4).

Three steps, so that the CSV/XLSX reader and the import can reuse the last two:

1. reading (``lire_json``): the file's text → a ``ProgrammationLue`` of plain values, and every problem found
   in the file itself (structure, types, keys, amounts, codes, duplicate references); no database;
2. checking (``controler``): what only the database knows (department, programme, exercice and its
   parameters, follow-up cell) → the facts the rules read;
3. evaluating (``evaluer``): the programme's rule registry → the report of §4.

``verifier(texte)`` chains them and raises ``FichierInvalide`` carrying every problem, one French line each,
naming the action and the field. Every action of a file counts as retained.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.utils import OperationalError, ProgrammingError

from eligibilite.ecriture import parametres_exercice
from eligibilite.regles import (
    ExerciceSansParametres,
    FaitsAction,
    FaitsProgrammation,
    Parametres,
    ProgrammeInconnu,
    Registre,
    arrondi_inferieur,
    registre,
)
from eligibilite.regles.montants import MontantIllisible, NombreNonFini, lire_montant, lisible

from .models import (
    Categorie,
    CelluleSuivi,
    Departement,
    Exercice,
    Milieu,
    Programme,
    Public,
    Theme,
    TypePorteur,
)
from .validators import siret_valide

CHAMPS_ENTETE = ("departement", "annee", "programme", "enveloppe", "actions")
CHAMPS_ACTION = (
    "reference",
    "intitule",
    "porteur",
    "categorie",
    "public",
    "milieu",
    "cout_total",
    "montant_demande",
    "montant_fipd",
    "cofinancements",
    "contrat_de_ville",
    "code_analytique",
    "theme_prevention_primaire",
    "justification",
)
CHAMPS_PORTEUR = ("nom", "type", "siret")
CHAMPS_COFINANCEMENT = ("financeur", "montant")
# Header fields that the command's options may give (for CSV/XLSX) or override (for JSON).
OPTIONS_ENTETE = ("departement", "annee", "programme", "enveloppe")
ANNEES_POSSIBLES = range(2000, 2101)  # the Exercice model's constraint
SIRET = re.compile(r"[0-9]{14}", re.ASCII)
ANNEE = re.compile(r"[0-9]{1,4}", re.ASCII)


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
class Code:
    """A set of codes a field takes, and how a message names the field."""

    valeurs: tuple[str, ...]
    inconnu: str  # « catégorie inconnue »

    def message(self, valeur: str) -> str:
        return f"{self.inconnu} « {lisible(valeur)} » (codes admis : {', '.join(self.valeurs)})."


CATEGORIE = Code(tuple(Categorie.values), "catégorie inconnue")
PUBLIC = Code(tuple(Public.values), "public inconnu")
MILIEU = Code(tuple(Milieu.values), "milieu inconnu")
THEME = Code(tuple(Theme.values), "thème de prévention primaire inconnu")
TYPE_PORTEUR = Code(tuple(TypePorteur.values), "type de porteur inconnu")


# --- Intermediate data: what a reader (JSON now, CSV/XLSX later) produces ----------------------------------


class Problemes:
    """The bad-input lines found so far, kept in file order: the header first, then each action."""

    def __init__(self, options: Iterable[str] = ()):
        self.options = frozenset(options)  # header fields given on the command line
        self._lignes: list[tuple[int, int, int, str]] = []

    def __bool__(self) -> bool:
        return bool(self._lignes)

    def ajouter(self, numero: int, ligne: str, rang: int = 0) -> None:
        """``numero``: 0 for the file and its header, n for the n-th action; ``rang`` orders the header's
        fields, whichever step found their problem."""
        ligne = " ".join(ligne.splitlines())  # one problem, one line
        self._lignes.append((numero, rang, len(self._lignes), ligne))

    def entete(self, champ: str, message: str) -> None:
        rang = CHAMPS_ENTETE.index(champ) + 1 if champ in CHAMPS_ENTETE else 0
        if champ in self.options:
            self.ajouter(0, f"Option --{champ} : {message}", rang)
        else:
            self.ajouter(0, f"Champ « {champ} » : {message}", rang)

    def lignes(self) -> list[str]:
        return [ligne for *_, ligne in sorted(self._lignes)]


@dataclass(frozen=True)
class CofinancementLu:
    financeur: str | None
    montant: Decimal | None


@dataclass(frozen=True)
class ActionLue:
    """One action as read from a file. A field that could not be read is None (its problem is recorded);
    an optional field left out holds its default (DESIGN.md §4)."""

    numero: int  # position in the file, from 1
    designation: str  # how problems name the action: « Action R2 », « Action sans référence (action n° 3) »
    reference: str | None = None
    intitule: str | None = None
    porteur_nom: str | None = None
    porteur_type: str | None = None
    porteur_siret: str | None = None  # None: not given
    categorie: str | None = None
    public: str | None = Public.PERSONNES_SUIVIES.value
    milieu: str | None = Milieu.LIBRE.value
    cout_total: Decimal | None = None
    montant_demande: Decimal | None = None  # None: unknown
    montant_fipd: Decimal | None = None
    cofinancements: tuple[CofinancementLu, ...] = ()
    contrat_de_ville: bool | None = False
    code_analytique: str | None = ""
    theme_prevention_primaire: str | None = None
    justification: str | None = ""

    def faits(self) -> FaitsAction:
        """The facts the rules read; only for an action read without problems."""
        return FaitsAction(
            reference=self.reference,
            categorie=self.categorie,
            cout_total=self.cout_total,
            montant_fipd=self.montant_fipd,
            porteur_nom=self.porteur_nom,
            porteur_type=self.porteur_type,
            public=self.public,
            milieu=self.milieu,
            montant_demande=self.montant_demande,
            cofinancements=tuple(c.montant for c in self.cofinancements),
            contrat_de_ville=self.contrat_de_ville,
            code_analytique=self.code_analytique,
            theme_prevention_primaire=self.theme_prevention_primaire,
            justification=self.justification,
            retenue=True,  # every action of a checked file counts as retained
        )


@dataclass
class ProgrammationLue:
    """A programmation as read from a file, with the problems found in it."""

    problemes: Problemes
    departement: str | None = None
    annee: int | None = None
    programme: str | None = None
    enveloppe: Decimal | None = None
    actions: list[ActionLue] = field(default_factory=list)


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


# --- 1. Reading JSON (no database) ------------------------------------------------------------------------


class _Objet(dict):
    """A JSON object that remembers the keys it was given more than once (``json`` keeps the last)."""

    doublons: tuple[str, ...] = ()


def _objet(paires: list[tuple[str, object]]) -> _Objet:
    objet = _Objet(paires)
    if len(objet) != len(paires):
        compte = Counter(cle for cle, _ in paires)
        objet.doublons = tuple(cle for cle in objet if compte[cle] > 1)
    return objet


def _entier(texte: str) -> int | Decimal:
    """JSON integers; a very long one stays a Decimal (Python refuses to convert over 4 300 digits)."""
    return int(texte) if len(texte) <= 100 else Decimal(texte)


def charger_json(texte: str) -> object:
    """Amounts as written: decimals (never floats), NaN and Infinity kept apart, repeated keys noted."""
    return json.loads(
        texte,
        parse_float=Decimal,
        parse_int=_entier,
        parse_constant=NombreNonFini,
        object_pairs_hook=_objet,
    )


ERREURS_JSON = {  # json's messages (their beginning), in French
    "Expecting value": "une valeur est attendue",
    "Expecting property name enclosed in double quotes": "un nom de clé entre guillemets doubles est attendu",
    "Expecting ',' delimiter": "une virgule est attendue",
    "Expecting ':' delimiter": "deux-points (:) sont attendus",
    "Unterminated string starting at": "chaîne de caractères non terminée",
    "Invalid control character at": "caractère de contrôle dans une chaîne",
    "Invalid \\uXXXX escape": "séquence \\u invalide",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Extra data": "contenu en trop après l'objet principal",
}


def lire_json(texte: str, entete: Mapping[str, object] | None = None) -> ProgrammationLue:
    """Reads a programmation in the JSON format of DESIGN.md §4, recording every problem."""
    entete = {cle: valeur for cle, valeur in (entete or {}).items() if valeur is not None}
    lue = ProgrammationLue(Problemes(entete))
    texte = texte.removeprefix("\ufeff")
    if not texte.strip():
        lue.problemes.ajouter(0, "Le fichier est vide : un objet JSON est attendu.")
        return lue
    try:
        donnees = charger_json(texte)
    except json.JSONDecodeError as e:
        raison = next((fr for en, fr in ERREURS_JSON.items() if e.msg.startswith(en)), "syntaxe incorrecte")
        lue.problemes.ajouter(
            0, f"Le fichier n'est pas du JSON valide (ligne {e.lineno}, colonne {e.colno}) : {raison}."
        )
        return lue
    except (ValueError, RecursionError):
        lue.problemes.ajouter(0, "Le fichier n'est pas du JSON valide.")
        return lue
    if not isinstance(donnees, dict):
        lue.problemes.ajouter(
            0,
            "Le fichier doit contenir un objet JSON ({…}) avec les champs departement, annee, programme, "
            f"enveloppe et actions ; il contient {_nature(donnees)}.",
        )
        return lue

    lecteur = _Lecteur(lue.problemes, 0, None)
    lecteur.cles(donnees, CHAMPS_ENTETE)
    donnees = {**donnees, **entete}
    lire_entete(donnees, lue)
    present, actions = lecteur.brut(donnees, "actions", obligatoire=True)
    if present and not isinstance(actions, list):
        lecteur.signaler("actions", f"une liste d'actions ([…]) est attendue ; reçu : {_nature(actions)}.")
    elif present:
        lue.actions = _lire_actions(actions, lue.problemes)
    return lue


def lire_entete(valeurs: Mapping[str, object], lue: ProgrammationLue) -> None:
    """Reads the header fields into ``lue``: from the JSON object (options merged in), or, for CSV/XLSX,
    from the command's options alone (their problems then read « Option --annee : … »)."""
    lecteur = _Lecteur(lue.problemes, 0, None)
    lue.departement = lecteur.texte(valeurs, "departement", obligatoire=True)
    lue.annee = lecteur.annee(valeurs, "annee")
    lue.programme = lecteur.texte(valeurs, "programme", obligatoire=True)
    lue.enveloppe = lecteur.montant(valeurs, "enveloppe", obligatoire=True)


def _lire_actions(actions: list, problemes: Problemes) -> list[ActionLue]:
    references = [a.get("reference") if isinstance(a, dict) else None for a in actions]
    compte = Counter(r for r in references if isinstance(r, str) and r.strip())
    premiere: dict[str, int] = {}
    lues = []
    for numero, brute in enumerate(actions, start=1):
        if not isinstance(brute, dict):
            problemes.ajouter(
                numero,
                f"Champ « actions », action n° {numero} : une action est un objet JSON ({{…}}) ; reçu : "
                f"{_nature(brute)}.",
            )
            continue
        reference = references[numero - 1]
        if isinstance(reference, str) and reference.strip():
            designation = f"Action {lisible(reference)}"
            if compte[reference] > 1:
                designation += f" (action n° {numero})"
        else:
            designation = f"Action sans référence (action n° {numero})"
        lues.append(_lire_action(brute, _Lecteur(problemes, numero, designation), premiere))
    return lues


def _lire_action(brute: dict, lecteur: _Lecteur, premiere: dict[str, int]) -> ActionLue:
    """``premiere``: the number of the first action with each reference read so far."""
    lecteur.cles(brute, CHAMPS_ACTION)
    reference = lecteur.texte(brute, "reference", obligatoire=True)
    if reference in premiere:
        lecteur.signaler(
            "reference",
            f"référence déjà utilisée par l'action n° {premiere[reference]} : chaque référence est unique "
            "dans le fichier.",
        )
    elif reference is not None:
        premiere[reference] = lecteur.numero
    valeurs = {
        "numero": lecteur.numero,
        "designation": lecteur.lieu,
        "reference": reference,
        "intitule": lecteur.texte(brute, "intitule", obligatoire=True),
    }
    present, porteur = lecteur.brut(brute, "porteur", obligatoire=True)
    if present and not isinstance(porteur, dict):
        lecteur.signaler("porteur", f"un objet {{nom, type, siret}} est attendu ; reçu : {_nature(porteur)}.")
    elif present:
        du_porteur = _Lecteur(lecteur.problemes, lecteur.numero, lecteur.lieu, prefixe="porteur.")
        du_porteur.cles(porteur, CHAMPS_PORTEUR)
        valeurs["porteur_nom"] = du_porteur.texte(porteur, "nom", obligatoire=True)
        valeurs["porteur_type"] = du_porteur.code(porteur, "type", TYPE_PORTEUR, obligatoire=True)
        valeurs["porteur_siret"] = du_porteur.siret(porteur, "siret")
    valeurs.update(
        categorie=lecteur.code(brute, "categorie", CATEGORIE, obligatoire=True),
        public=lecteur.code(brute, "public", PUBLIC, defaut=Public.PERSONNES_SUIVIES.value),
        milieu=lecteur.code(brute, "milieu", MILIEU, defaut=Milieu.LIBRE.value),
        cout_total=lecteur.montant(brute, "cout_total", obligatoire=True),
        montant_demande=lecteur.montant(brute, "montant_demande"),
        montant_fipd=lecteur.montant(brute, "montant_fipd", obligatoire=True),
        cofinancements=_lire_cofinancements(brute, lecteur),
        contrat_de_ville=lecteur.booleen(brute, "contrat_de_ville"),
        code_analytique=lecteur.texte(brute, "code_analytique"),
        theme_prevention_primaire=lecteur.code(brute, "theme_prevention_primaire", THEME, defaut=None),
        justification=lecteur.texte(brute, "justification"),
    )
    return ActionLue(**valeurs)


def _lire_cofinancements(brute: dict, lecteur: _Lecteur) -> tuple[CofinancementLu, ...]:
    present, liste = lecteur.brut(brute, "cofinancements")
    if not present:
        return ()
    if not isinstance(liste, list):
        lecteur.signaler(
            "cofinancements",
            "une liste de cofinancements ([{financeur, montant}, …]) est attendue ; reçu : "
            f"{_nature(liste)}.",
        )
        return ()
    cofinancements = []
    for rang, cofinancement in enumerate(liste, start=1):
        lieu = f"{lecteur.lieu}, cofinancement n° {rang}"
        if not isinstance(cofinancement, dict):
            lecteur.problemes.ajouter(
                lecteur.numero,
                f"{lieu} : un objet {{financeur, montant}} est attendu ; reçu : {_nature(cofinancement)}.",
            )
            continue
        du_cofinancement = _Lecteur(lecteur.problemes, lecteur.numero, lieu)
        du_cofinancement.cles(cofinancement, CHAMPS_COFINANCEMENT)
        cofinancements.append(
            CofinancementLu(
                financeur=du_cofinancement.texte(cofinancement, "financeur", obligatoire=True),
                montant=du_cofinancement.montant(cofinancement, "montant", obligatoire=True),
            )
        )
    return tuple(cofinancements)


@dataclass
class _Lecteur:
    """Reads the fields of one JSON object, recording each problem with the action and the field."""

    problemes: Problemes
    numero: int  # 0: the header
    lieu: str | None  # « Action R1 », « Action R1, cofinancement n° 2 »; None for the header
    prefixe: str = ""  # « porteur. » for the porteur's fields

    def signaler(self, cle: str, message: str) -> None:
        if self.lieu is None:
            self.problemes.entete(cle, message)
        else:
            self.problemes.ajouter(
                self.numero, f"{self.lieu}, champ « {self.prefixe}{lisible(cle)} » : {message}"
            )

    def cles(self, objet: dict, admises: tuple[str, ...]) -> None:
        for cle in objet:
            if cle not in admises:
                proches = difflib.get_close_matches(cle, admises, n=1)
                suggestion = f" (vouliez-vous dire « {proches[0]} » ?)" if proches else ""
                self.signaler(cle, f"clé inconnue{suggestion} ; clés admises : {', '.join(admises)}.")
        for cle in getattr(objet, "doublons", ()):
            self.signaler(cle, "clé présente plusieurs fois : une seule valeur est admise.")

    def brut(self, objet: dict, cle: str, *, obligatoire: bool = False) -> tuple[bool, object]:
        """(True, value) when the field holds a value; a missing or null required field is a problem, a
        missing or null optional one takes its default."""
        if cle not in objet:
            if obligatoire:
                self.signaler(cle, "champ obligatoire absent.")
            return False, None
        valeur = objet[cle]
        if valeur is None:
            if obligatoire:
                self.signaler(cle, "champ obligatoire à null : une valeur est requise.")
            return False, None
        return True, valeur

    def texte(
        self, objet: dict, cle: str, *, obligatoire: bool = False, defaut: str | None = ""
    ) -> str | None:
        present, valeur = self.brut(objet, cle, obligatoire=obligatoire)
        if not present:
            return None if obligatoire else defaut
        if not isinstance(valeur, str):
            self.signaler(cle, f"une chaîne de caractères est attendue ; reçu : {_nature(valeur)}.")
            return None
        if obligatoire and not valeur.strip():
            self.signaler(cle, "champ obligatoire vide.")
            return None
        return valeur

    def code(
        self, objet: dict, cle: str, code: Code, *, obligatoire: bool = False, defaut: str | None = None
    ) -> str | None:
        valeur = self.texte(objet, cle, obligatoire=obligatoire, defaut=defaut)
        if valeur is None or (not obligatoire and valeur == ""):
            return defaut  # « "" as a theme means null »; unreadable values are already reported
        if valeur not in code.valeurs:
            self.signaler(cle, code.message(valeur))
            return None
        return valeur

    def montant(self, objet: dict, cle: str, *, obligatoire: bool = False) -> Decimal | None:
        present, valeur = self.brut(objet, cle, obligatoire=obligatoire)
        if not present:
            return None
        try:
            return lire_montant(valeur)
        except MontantIllisible as e:
            self.signaler(cle, str(e))
            return None

    def booleen(self, objet: dict, cle: str) -> bool | None:
        present, valeur = self.brut(objet, cle)
        if not present:
            return False
        if not isinstance(valeur, bool):
            self.signaler(cle, f"true ou false est attendu ; reçu : {_nature(valeur)}.")
            return None
        return valeur

    def annee(self, objet: dict, cle: str) -> int | None:
        present, valeur = self.brut(objet, cle, obligatoire=True)
        if not present:
            return None
        if cle in self.problemes.options and isinstance(valeur, str) and ANNEE.fullmatch(valeur.strip()):
            return int(valeur)
        if isinstance(valeur, bool) or not isinstance(valeur, int):
            self.signaler(cle, f"un nombre entier est attendu (par exemple 2026) ; reçu : {_nature(valeur)}.")
            return None
        return valeur

    def siret(self, objet: dict, cle: str) -> str | None:
        valeur = self.texte(objet, cle, defaut=None)
        if not valeur:
            return None
        siret = valeur.replace(" ", "")
        if not SIRET.fullmatch(siret):
            self.signaler(cle, f"le SIRET compte exactement 14 chiffres ; reçu « {lisible(valeur)} ».")
            return None
        if not siret_valide(siret):
            self.signaler(cle, f"le SIRET {siret} n'est pas valide : sa clé de contrôle ne correspond pas.")
            return None
        return siret


def _nature(valeur: object) -> str:
    """What a JSON value is, for messages: « la chaîne « 12 » », « le nombre 12 », « une liste »."""
    if valeur is None:
        return "null"
    if isinstance(valeur, bool):
        return "le booléen true" if valeur else "le booléen false"
    if isinstance(valeur, NombreNonFini):
        return valeur.texte
    if isinstance(valeur, int | Decimal):
        return f"le nombre {lisible(str(valeur))}"
    if isinstance(valeur, str):
        return f"la chaîne « {lisible(valeur)} »"
    if isinstance(valeur, list):
        return "une liste"
    return "un objet"


# --- 2. Checking against the database ---------------------------------------------------------------------


def controler(lue: ProgrammationLue) -> Verification:
    """The facts of a programmation read from a file, after what only the database knows: the department,
    the programme (and its rule registry), the exercice's parameters and the follow-up cell. Raises
    ``FichierInvalide`` with every problem of the file, ``BaseNonMigree`` without reference data."""
    problemes = lue.problemes
    try:
        departements = dict(Departement.objects.values_list("code", "pk"))
        programmes = set(Programme.objects.values_list("code", flat=True))
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

    exercice = parametres = None
    if lue.annee is not None:
        if lue.annee in ANNEES_POSSIBLES:
            exercice = Exercice.objects.select_related("parametres").filter(annee=lue.annee).first()
        if exercice is None:
            problemes.entete(
                "annee",
                f"l'exercice {lue.annee} n'existe pas : aucun paramètre n'est défini pour cette année.",
            )
        else:
            try:
                parametres = parametres_exercice(exercice)
            except ExerciceSansParametres:
                problemes.entete(
                    "annee",
                    f"l'exercice {lue.annee} n'a pas de paramètres (plafonds, taux, code analytique) : un "
                    "administrateur doit les saisir avant toute vérification.",
                )

    if problemes:
        raise FichierInvalide(problemes.lignes())

    cellule_active = (
        CelluleSuivi.objects.filter(departement_id=departement_id, exercice=exercice)
        .values_list("active", flat=True)
        .first()
    )
    entete = FaitsProgrammation(
        annee=lue.annee,
        departement=lue.departement,
        programme=lue.programme,
        enveloppe=lue.enveloppe,
        # A notified envelope counts as the initial allocation (for DOTATION_SANS_CELLULE).
        dotation_initiale=lue.enveloppe,
        cellule_suivi_active=cellule_active is not False,  # no row: active (see CelluleSuivi)
    )
    return Verification(entete, tuple(a.faits() for a in lue.actions), parametres, regles)


def _minuscule(texte: str) -> str:
    return texte[:1].lower() + texte[1:]


# --- 3. Evaluating: the report of DESIGN.md §4 ------------------------------------------------------------


def evaluer(v: Verification) -> dict:
    """Runs the programme's rules and builds the report: amounts as strings with two decimals, verdicts in
    the registry's order, the training cap rounded down to the cent."""
    rapport = v.registre.evaluer(v.entete, v.actions, v.parametres)
    return {
        "eligible": rapport.eligible,
        "programmation": {
            "departement": v.entete.departement,
            "annee": v.entete.annee,
            "programme": v.entete.programme,
            "enveloppe": _montant(v.entete.enveloppe),
            "total_fipd": _montant(rapport.totaux.total_fipd),
            "total_formation": _montant(rapport.totaux.total_formation),
            "plafond_formation": _montant(arrondi_inferieur(rapport.plafond_formation)),
            "lecture_plafond_formation": str(v.parametres.lecture_plafond_formation),
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
