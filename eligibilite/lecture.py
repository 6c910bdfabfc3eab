"""One way from any source to the facts: the description of an action's fields, and the reader that turns a
JSON action, a form's cleaned data or a spreadsheet row into the same plain ``ActionLue`` (DESIGN.md §4, §5).

Standard library only. The reader records every problem it meets, one French line each, naming the action and
the field, and never stops at the first: a file is reported whole. What only the database knows (department,
exercice, porteurs) is checked by the Django side afterwards.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .regles.codes import CATEGORIES, MILIEUX, PUBLICS, THEMES, TYPES_PORTEUR, Codes, valeurs
from .regles.faits import FaitsAction
from .regles.montants import (
    MontantIllisible,
    NombreHorsLimites,
    NombreNonFini,
    lire_montant,
    lisible,
    nombre_json,
)
from .regles.registre import REGISTRES
from .regles.snpd import DERNIERE_MESURE, PREMIERE_MESURE

# --- The fields -------------------------------------------------------------------------------------------

TEXTE, MONTANT, CODE, BOOLEEN, ENTIER, PORTEUR, COFINANCEMENTS = (
    "texte",
    "montant",
    "code",
    "booleen",
    "entier",
    "porteur",
    "cofinancements",
)
ANNEES_PLAUSIBLES = (2000, 2100)  # the exercices' range (the Exercice model's constraint)


@dataclass(frozen=True)
class Champ:
    """One field of an action: its name (JSON key, model field, spreadsheet column), its French label, its
    type, whether it is required, its default, for a coded field its codes (None for the category, whose
    codes belong to the programme) and how a message names an unknown one, and for an integer its bounds and
    what a message says is expected."""

    nom: str
    libelle: str
    type: str
    obligatoire: bool = False
    defaut: object = None
    codes: Codes | None = None
    inconnu: str = ""
    minimum: int | None = None
    maximum: int | None = None
    attendu: str = ""


CHAMPS_ACTION: tuple[Champ, ...] = (
    Champ("reference", "Référence", TEXTE, obligatoire=True),
    Champ("intitule", "Intitulé", TEXTE, obligatoire=True),
    Champ("porteur", "Porteur", PORTEUR, obligatoire=True),
    Champ("categorie", "Catégorie", CODE, obligatoire=True, inconnu="catégorie inconnue"),
    Champ("public", "Public", CODE, defaut="personnes_suivies", codes=PUBLICS, inconnu="public inconnu"),
    Champ("milieu", "Milieu", CODE, defaut="libre", codes=MILIEUX, inconnu="milieu inconnu"),
    Champ("cout_total", "Coût total", MONTANT, obligatoire=True),
    Champ("montant_demande", "Montant demandé", MONTANT),
    Champ("montant_fipd", "Montant FIPD", MONTANT, obligatoire=True),
    Champ("cofinancements", "Cofinancements", COFINANCEMENTS, defaut=()),
    Champ("contrat_de_ville", "Plan d'action du contrat de ville", BOOLEEN, defaut=False),
    Champ("code_analytique", "Code analytique", TEXTE, defaut=""),
    Champ(
        "theme_prevention_primaire",
        "Thème de prévention primaire",
        CODE,
        codes=THEMES,
        inconnu="thème de prévention primaire inconnu",
    ),
    Champ("justification", "Justification de l'intérêt majeur", TEXTE, defaut=""),
    # The facts of programmes D and S (DESIGN.md §3.5): integers, null when not given.
    Champ(
        "quantite",
        "Quantité",
        ENTIER,
        minimum=1,
        attendu="un nombre entier d'au moins 1 (le nombre d'équipements) est attendu",
    ),
    Champ(
        "iscg_premiere_annee",
        "Première année de cofinancement du poste d'ISCG",
        ENTIER,
        minimum=ANNEES_PLAUSIBLES[0],
        maximum=ANNEES_PLAUSIBLES[1],
        attendu=f"une année est attendue (un nombre entier de {ANNEES_PLAUSIBLES[0]} à {ANNEES_PLAUSIBLES[1]})",
    ),
    Champ(
        "mesure_snpd",
        "Mesure de la SNPD",
        ENTIER,
        minimum=PREMIERE_MESURE,
        maximum=DERNIERE_MESURE,
        attendu=f"un numéro de mesure de la SNPD est attendu (un nombre entier de {PREMIERE_MESURE} à "
        f"{DERNIERE_MESURE})",
    ),
)
CHAMPS = {c.nom: c for c in CHAMPS_ACTION}
CHAMPS_PORTEUR = ("nom", "type", "siret")
CHAMPS_COFINANCEMENT = ("financeur", "montant", "etat")
TYPE_PORTEUR = Champ("type", "Type de porteur", CODE, codes=TYPES_PORTEUR, inconnu="type de porteur inconnu")
CHAMPS_ENTETE = ("departement", "annee", "programme", "enveloppe", "actions")


def categories(programme: str | None) -> Codes:
    """The categories of a programme; every programme's when the programme is unknown."""
    registre = REGISTRES.get(programme or "")
    return registre.categories if registre else CATEGORIES


# --- What a reader produces -------------------------------------------------------------------------------


class Problemes:
    """The bad-input lines found so far, kept in file order: the header first, then each action."""

    def __init__(self, options: Iterable[str] = ()):
        self.options = frozenset(options)  # header fields given on the command line
        self._lignes: list[tuple[int, int, int, str]] = []

    def __bool__(self) -> bool:
        return bool(self._lignes)

    def __len__(self) -> int:
        return len(self._lignes)

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

    def numeros(self) -> set[int]:
        """The actions (their ``numero``: a spreadsheet's line) that have a problem; 0 for the file itself."""
        return {numero for numero, *_ in self._lignes}


@dataclass(frozen=True)
class CofinancementLu:
    financeur: str | None
    montant: Decimal | None
    etat: bool = False  # State money (DETR, DSIL, another ministry: DESIGN.md §3.5)


@dataclass(frozen=True)
class ActionLue:
    """One action as read from any source. A field that could not be read is None (its problem is
    recorded); an optional field left out holds its default (DESIGN.md §4)."""

    numero: int = 1  # position in the source, from 1
    designation: str = ""  # how problems name the action: « Action R2 », « Action sans référence (…) »
    reference: str | None = None
    intitule: str | None = None
    porteur_nom: str | None = None
    porteur_type: str | None = None
    porteur_siret: str | None = None  # None: not given
    categorie: str | None = None
    public: str | None = "personnes_suivies"
    milieu: str | None = "libre"
    cout_total: Decimal | None = None
    montant_demande: Decimal | None = None  # None: unknown
    montant_fipd: Decimal | None = None
    cofinancements: tuple[CofinancementLu, ...] = ()
    contrat_de_ville: bool | None = False
    code_analytique: str | None = ""
    theme_prevention_primaire: str | None = None
    justification: str | None = ""
    quantite: int | None = None
    iscg_premiere_annee: int | None = None
    mesure_snpd: int | None = None
    retenue: bool = True  # every action of a checked file counts as retained
    departement: str = ""  # the programmation's department code (not a field of the action: its context)
    decision: str | None = None  # as the source gives it (a spreadsheet's column), None when it gives none

    @property
    def complete(self) -> bool:
        """Whether the rules can read it: the fields they compare are known."""
        return None not in (self.categorie, self.cout_total, self.montant_fipd)

    def faits(self) -> FaitsAction:
        """The facts the rules read: the one place where ``FaitsAction`` is built from a source."""
        return FaitsAction(
            reference=self.reference or "",
            categorie=self.categorie or "",
            cout_total=self.cout_total,
            montant_fipd=self.montant_fipd,
            porteur_nom=self.porteur_nom or "",
            porteur_type=self.porteur_type or "",
            public=self.public or "personnes_suivies",
            milieu=self.milieu or "libre",
            montant_demande=self.montant_demande,
            cofinancements=tuple(c.montant for c in self.cofinancements if c.montant is not None),
            cofinancements_etat=tuple(
                c.montant for c in self.cofinancements if c.montant is not None and c.etat
            ),
            contrat_de_ville=bool(self.contrat_de_ville),
            code_analytique=(self.code_analytique or "").strip(),
            theme_prevention_primaire=self.theme_prevention_primaire or None,
            justification=self.justification or "",
            retenue=self.retenue,
            departement=self.departement,
            quantite=self.quantite,
            iscg_premiere_annee=self.iscg_premiere_annee,
            mesure_snpd=self.mesure_snpd,
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
    # A spreadsheet's columns: each field's path (« montant_fipd », « porteur.type »,
    # « cofinancements.2.montant ») → its header as written. None for JSON, which names fields by their keys.
    colonnes: dict[str, str] | None = None


# --- Reading one action ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Illisible:
    """A raw value its source already knows to be bad (a spreadsheet's formula without a computed value, a
    « peut-être » in a yes/no column): the reader reports ``message`` beside the field, as for its own
    problems, and reads no value."""

    message: str


# How a spreadsheet names a field's place: its path (« montant_fipd », « porteur.type »,
# « cofinancements.2.montant ») → « Ligne 5, colonne « Montant FIPD » ».
Nommer = Callable[[str], str]


def lire_action(
    brute: Mapping[str, object],
    problemes: Problemes | None = None,
    *,
    numero: int = 1,
    designation: str | None = None,
    programme: str | None = None,
    departement: str | None = None,
    cles_connues: bool = True,
    retenue: bool = True,
    premiere: dict[str, int] | None = None,
    nommer: Nommer | None = None,
) -> ActionLue:
    """Reads an action given as a mapping of ``CHAMPS_ACTION`` names to raw values: a JSON object, a form's
    cleaned data or a spreadsheet row. ``porteur`` is a mapping {nom, type, siret}; ``cofinancements`` a list
    of mappings {financeur, montant, etat}. ``programme`` gives the categories; ``departement`` (its code) is
    what the rules need to know of the programmation besides its year. ``cles_connues``: report keys that are
    not fields (JSON). ``premiere``: the number of the first action with each reference read so far (a file's
    references are unique). ``nommer``: how problems name a field's place, for a spreadsheet row (by default
    « Action R2, champ « montant_fipd » »)."""
    problemes = problemes if problemes is not None else Problemes()
    reference = brute.get("reference")
    if designation is None:
        if isinstance(reference, str) and reference.strip():
            designation = f"Action {lisible(reference)}"
        else:
            designation = f"Action sans référence (action n° {numero})"
    lecteur = Lecteur(problemes, numero, designation, nommer=nommer)
    if cles_connues:
        lecteur.cles(brute, tuple(CHAMPS))
    valeurs_lues: dict[str, object] = {
        "numero": numero,
        "designation": designation,
        "retenue": retenue,
        "departement": departement or "",
    }
    for champ in CHAMPS_ACTION:
        if champ.type == PORTEUR:
            valeurs_lues.update(_lire_porteur(brute, lecteur))
        elif champ.type == COFINANCEMENTS:
            valeurs_lues["cofinancements"] = _lire_cofinancements(brute, lecteur)
        elif champ.type == MONTANT:
            valeurs_lues[champ.nom] = lecteur.montant(brute, champ.nom, obligatoire=champ.obligatoire)
        elif champ.type == BOOLEEN:
            valeurs_lues[champ.nom] = lecteur.booleen(brute, champ.nom)
        elif champ.type == ENTIER:
            valeurs_lues[champ.nom] = lecteur.entier(brute, champ)
        elif champ.type == CODE:
            codes = champ.codes if champ.codes is not None else categories(programme)
            valeurs_lues[champ.nom] = lecteur.code(
                brute, champ.nom, codes, champ.inconnu, obligatoire=champ.obligatoire, defaut=champ.defaut
            )
        else:
            valeurs_lues[champ.nom] = lecteur.texte(
                brute, champ.nom, obligatoire=champ.obligatoire, defaut=champ.defaut
            )
        if champ.nom == "reference" and premiere is not None:
            _unique(valeurs_lues["reference"], premiere, lecteur)
    return ActionLue(**valeurs_lues)


def _unique(reference: str | None, premiere: dict[str, int], lecteur: Lecteur) -> None:
    if reference in premiere:
        lecteur.signaler(
            "reference",
            f"référence déjà utilisée par l'action n° {premiere[reference]} : chaque référence est unique "
            "dans le fichier.",
        )
    elif reference is not None:
        premiere[reference] = lecteur.numero


def _lire_porteur(brute: Mapping, lecteur: Lecteur) -> dict[str, object]:
    present, porteur = lecteur.brut(brute, "porteur", obligatoire=True)
    if not present:
        return {}
    if not isinstance(porteur, Mapping):
        lecteur.signaler("porteur", f"un objet {{nom, type, siret}} est attendu ; reçu : {nature(porteur)}.")
        return {}
    du_porteur = Lecteur(
        lecteur.problemes, lecteur.numero, lecteur.lieu, prefixe="porteur.", nommer=lecteur.nommer
    )
    du_porteur.cles(porteur, CHAMPS_PORTEUR)
    return {
        "porteur_nom": du_porteur.texte(porteur, "nom", obligatoire=True),
        "porteur_type": du_porteur.code(
            porteur, "type", TYPE_PORTEUR.codes, TYPE_PORTEUR.inconnu, obligatoire=True
        ),
        "porteur_siret": du_porteur.siret(porteur, "siret"),
    }


def _lire_cofinancements(brute: Mapping, lecteur: Lecteur) -> tuple[CofinancementLu, ...]:
    present, liste = lecteur.brut(brute, "cofinancements")
    if not present:
        return ()
    if not isinstance(liste, list | tuple):
        lecteur.signaler(
            "cofinancements",
            "une liste de cofinancements ([{financeur, montant}, …]) est attendue ; reçu : "
            f"{nature(liste)}.",
        )
        return ()
    cofinancements = []
    for rang, cofinancement in enumerate(liste, start=1):
        lieu = f"{lecteur.lieu}, cofinancement n° {rang}"
        if not isinstance(cofinancement, Mapping):
            lecteur.problemes.ajouter(
                lecteur.numero,
                f"{lieu} : un objet {{financeur, montant}} est attendu ; reçu : {nature(cofinancement)}.",
            )
            continue
        du_cofinancement = Lecteur(
            lecteur.problemes, lecteur.numero, lieu, nommer=lecteur.nommer, chemin=f"cofinancements.{rang}."
        )
        du_cofinancement.cles(cofinancement, CHAMPS_COFINANCEMENT)
        cofinancements.append(
            CofinancementLu(
                financeur=du_cofinancement.texte(cofinancement, "financeur", obligatoire=True),
                montant=du_cofinancement.montant(cofinancement, "montant", obligatoire=True),
                etat=bool(du_cofinancement.booleen(cofinancement, "etat")),
            )
        )
    return tuple(cofinancements)


SIRET = re.compile(r"[0-9]{14}", re.ASCII)
SURROGAT = re.compile("[\ud800-\udfff]")  # a lone half of a UTF-16 pair: no character, not writable in UTF-8
CONTROLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # invisible controls (tab and line breaks are text)
ACTIONS_MAXIMALES = 5000  # DESIGN.md §4
ANNEE = re.compile(r"[0-9]{1,4}", re.ASCII)
SIREN_LA_POSTE = "356000000"


def luhn_valide(chiffres: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(chiffres)):
        n = int(c)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def siret_valide(siret: str) -> bool:
    """14 digits passing the Luhn check; La Poste's establishments use a digit sum multiple of 5 instead."""
    if not SIRET.fullmatch(siret):
        return False
    if siret.startswith(SIREN_LA_POSTE) and siret != "35600000000048":
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_valide(siret)


@dataclass
class Lecteur:
    """Reads the fields of one object, recording each problem with the action and the field."""

    problemes: Problemes
    numero: int  # 0: the header
    lieu: str | None  # « Action R1 », « Action R1, cofinancement n° 2 »; None for the header
    prefixe: str = ""  # « porteur. » for the porteur's fields
    nommer: Nommer | None = None  # a spreadsheet row's naming of places (see ``lire_action``)
    chemin: str | None = None  # the prefix of a field's path for ``nommer``; by default ``prefixe``

    def signaler(self, cle: str, message: str) -> None:
        if self.nommer is not None:
            chemin = self.prefixe if self.chemin is None else self.chemin
            self.problemes.ajouter(self.numero, f"{self.nommer(chemin + cle)} : {message}")
        elif self.lieu is None:
            self.problemes.entete(cle, message)
        else:
            self.problemes.ajouter(
                self.numero, f"{self.lieu}, champ « {self.prefixe}{lisible(cle)} » : {message}"
            )

    def cles(self, objet: Mapping, admises: tuple[str, ...]) -> None:
        for cle in objet:
            if cle not in admises:
                proches = difflib.get_close_matches(str(cle), admises, n=1)
                suggestion = f" (vouliez-vous dire « {proches[0]} » ?)" if proches else ""
                self.signaler(str(cle), f"clé inconnue{suggestion} ; clés admises : {', '.join(admises)}.")
        for cle in getattr(objet, "doublons", ()):
            self.signaler(cle, "clé présente plusieurs fois : une seule valeur est admise.")

    def brut(self, objet: Mapping, cle: str, *, obligatoire: bool = False) -> tuple[bool, object]:
        """(True, value) when the field holds a value; a missing or null required field is a problem, a
        missing or null optional one takes its default."""
        if cle not in objet:
            if obligatoire:
                self.signaler(cle, "champ obligatoire absent.")
            return False, None
        valeur = objet[cle]
        if isinstance(valeur, Illisible):
            self.signaler(cle, valeur.message)
            return False, None
        if valeur is None:
            if obligatoire:
                self.signaler(cle, "champ obligatoire à null : une valeur est requise.")
            return False, None
        return True, valeur

    def texte(
        self, objet: Mapping, cle: str, *, obligatoire: bool = False, defaut: str | None = ""
    ) -> str | None:
        present, valeur = self.brut(objet, cle, obligatoire=obligatoire)
        if not present:
            return None if obligatoire else defaut
        if not isinstance(valeur, str):
            self.signaler(cle, f"une chaîne de caractères est attendue ; reçu : {nature(valeur)}.")
            return None
        if SURROGAT.search(valeur):
            self.signaler(cle, "le texte contient un caractère invalide (une moitié de paire UTF-16 isolée).")
            return None
        if CONTROLE.search(valeur):
            self.signaler(cle, "le texte contient un caractère de contrôle invisible : retirez-le.")
            return None
        if obligatoire and not valeur.strip():
            self.signaler(cle, "champ obligatoire vide.")
            return None
        return valeur

    def code(
        self,
        objet: Mapping,
        cle: str,
        codes: Codes,
        inconnu: str,
        *,
        obligatoire: bool = False,
        defaut: str | None = None,
    ) -> str | None:
        valeur = self.texte(objet, cle, obligatoire=obligatoire, defaut=defaut)
        if valeur is None or (not obligatoire and valeur == ""):
            return defaut  # « "" as a theme means null »; unreadable values are already reported
        admis = valeurs(codes)
        if valeur not in admis:
            self.signaler(cle, f"{inconnu} « {lisible(valeur)} » (codes admis : {', '.join(admis)}).")
            return None
        return valeur

    def montant(self, objet: Mapping, cle: str, *, obligatoire: bool = False) -> Decimal | None:
        present, valeur = self.brut(objet, cle, obligatoire=obligatoire)
        if not present:
            return None
        try:
            return lire_montant(valeur)
        except MontantIllisible as e:
            self.signaler(cle, str(e))
            return None

    def booleen(self, objet: Mapping, cle: str) -> bool | None:
        present, valeur = self.brut(objet, cle)
        if not present:
            return False
        if not isinstance(valeur, bool):
            self.signaler(cle, f"true ou false est attendu ; reçu : {nature(valeur)}.")
            return None
        return valeur

    def entier(self, objet: Mapping, champ: Champ) -> int | None:
        """An optional integer within the field's bounds; a string, a float or a boolean is bad input, as JSON
        says what it holds (a spreadsheet reader converts its cells before)."""
        present, valeur = self.brut(objet, champ.nom)
        if not present:
            return None
        # JSON integers longer than 100 digits come as a Decimal (``_entier``): out of any range, refused too.
        if (
            isinstance(valeur, bool)
            or not isinstance(valeur, int)
            or (champ.minimum is not None and valeur < champ.minimum)
            or (champ.maximum is not None and valeur > champ.maximum)
        ):
            self.signaler(champ.nom, f"{champ.attendu} ; reçu : {nature(valeur)}.")
            return None
        return valeur

    def annee(self, objet: Mapping, cle: str) -> int | None:
        present, valeur = self.brut(objet, cle, obligatoire=True)
        if not present:
            return None
        if cle in self.problemes.options and isinstance(valeur, str) and ANNEE.fullmatch(valeur.strip()):
            return int(valeur)
        if isinstance(valeur, bool) or not isinstance(valeur, int):
            self.signaler(cle, f"un nombre entier est attendu (par exemple 2026) ; reçu : {nature(valeur)}.")
            return None
        return valeur

    def siret(self, objet: Mapping, cle: str) -> str | None:
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


def nature(valeur: object) -> str:
    """What a value is, for messages: « la chaîne « 12 » », « le nombre 12 », « une liste »."""
    if valeur is None:
        return "null"
    if isinstance(valeur, bool):
        return "le booléen true" if valeur else "le booléen false"
    if isinstance(valeur, NombreNonFini | NombreHorsLimites):
        return lisible(valeur.texte)
    if isinstance(valeur, int | Decimal):
        return f"le nombre {lisible(str(valeur))}"
    if isinstance(valeur, str):
        return f"la chaîne « {lisible(valeur)} »"
    if isinstance(valeur, list | tuple):
        return "une liste"
    return "un objet"


# --- Reading a programmation in JSON (DESIGN.md §4) ---------------------------------------------------------


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
        parse_float=nombre_json,
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
    """Reads a programmation in the JSON format of DESIGN.md §4, recording every problem; ``entete``
    overrides header fields (the command's options)."""
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
    except (ValueError, RecursionError, ArithmeticError):
        lue.problemes.ajouter(0, "Le fichier n'est pas du JSON valide.")
        return lue
    if not isinstance(donnees, dict):
        lue.problemes.ajouter(
            0,
            "Le fichier doit contenir un objet JSON ({…}) avec les champs departement, annee, programme, "
            f"enveloppe et actions ; il contient {nature(donnees)}.",
        )
        return lue

    lecteur = Lecteur(lue.problemes, 0, None)
    lecteur.cles(donnees, CHAMPS_ENTETE)
    donnees = {**donnees, **entete}
    lire_entete(donnees, lue)
    present, actions = lecteur.brut(donnees, "actions", obligatoire=True)
    if present and not isinstance(actions, list):
        lecteur.signaler("actions", f"une liste d'actions ([…]) est attendue ; reçu : {nature(actions)}.")
    elif present and len(actions) > ACTIONS_MAXIMALES:
        # Not read one by one: millions of items would cost minutes and gigabytes for nothing.
        lecteur.signaler(
            "actions",
            f"le fichier compte {len(actions)} actions : {ACTIONS_MAXIMALES} au plus sont admises par fichier.",
        )
    elif present:
        lue.actions = lire_actions(actions, lue.problemes, lue.programme, lue.departement)
    return lue


def lire_entete(valeurs_entete: Mapping[str, object], lue: ProgrammationLue) -> None:
    """Reads the header fields into ``lue``: from the JSON object (options merged in), or, for CSV/XLSX,
    from the command's options alone (their problems then read « Option --annee : … »)."""
    lecteur = Lecteur(lue.problemes, 0, None)
    lue.departement = lecteur.texte(valeurs_entete, "departement", obligatoire=True)
    lue.annee = lecteur.annee(valeurs_entete, "annee")
    lue.programme = lecteur.texte(valeurs_entete, "programme", obligatoire=True)
    lue.enveloppe = lecteur.montant(valeurs_entete, "enveloppe", obligatoire=True)


def lire_actions(
    actions: list, problemes: Problemes, programme: str | None, departement: str | None = None
) -> list[ActionLue]:
    """Reads a list of JSON actions of the programmation of ``programme`` in ``departement``; a reference used
    twice is reported on the second."""
    references = [a.get("reference") if isinstance(a, Mapping) else None for a in actions]
    compte = Counter(r for r in references if isinstance(r, str) and r.strip())
    premiere: dict[str, int] = {}
    lues = []
    for numero, brute in enumerate(actions, start=1):
        if not isinstance(brute, Mapping):
            problemes.ajouter(
                numero,
                f"Champ « actions », action n° {numero} : une action est un objet JSON ({{…}}) ; reçu : "
                f"{nature(brute)}.",
            )
            continue
        reference = references[numero - 1]
        designation = None
        if isinstance(reference, str) and reference.strip() and compte[reference] > 1:
            designation = f"Action {lisible(reference)} (action n° {numero})"
        lues.append(
            lire_action(
                brute,
                problemes,
                numero=numero,
                designation=designation,
                programme=programme,
                departement=departement,
                premiere=premiere,
            )
        )
    return lues
