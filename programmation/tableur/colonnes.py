"""The columns of the import format (DESIGN.md §5), derived from the one description of an action's fields
(``eligibilite.lecture.CHAMPS_ACTION``), and how a header and a cell are understood.

Every field of ``CHAMPS_ACTION`` is a column named by its code (``montant_fipd``) or its French label
(« Montant FIPD »); the porteur gives three (``porteur``, ``type_porteur``, ``siret``), the co-funders numbered
pairs (``cofinanceur 1`` / ``montant cofinanceur 1``, with an optional ``cofinanceur 1 etat``), and ``decision``
one more. A field added to ``CHAMPS_ACTION`` becomes a column without changing this module. Headers and coded
values are compared without regard to case, accents, spaces or punctuation (``Coût total`` = ``cout_total``).
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from eligibilite.lecture import (
    BOOLEEN,
    CHAMPS_ACTION,
    CODE,
    COFINANCEMENTS,
    MONTANT,
    PORTEUR,
    TEXTE,
    TYPE_PORTEUR,
    Illisible,
    categories,
)
from eligibilite.regles.codes import DECISIONS, Codes
from eligibilite.regles.montants import lisible

IGNOREE = "ignoree"  # the type of a column the reader skips (notes)
ENTIER = "entier"  # any field type this module does not know is read as an integer (DESIGN.md §4, §3.5)
TYPES_CONNUS = (TEXTE, MONTANT, CODE, BOOLEEN)
OUI_NON: Codes = (("oui", "Oui"), ("non", "Non"))
VRAI = frozenset({"oui", "vrai", "true", "1"})
FAUX = frozenset({"non", "faux", "false", "0"})
# The programme whose column each of them is (DESIGN.md §3.5); every other column is every programme's.
COLONNES_DU_PROGRAMME = {"quantite": "S", "iscg_premiere_annee": "D", "mesure_snpd": "D"}
PROGRAMMES_COFINANCEUR_ETAT = ("S",)
# Headers starting so are notes of the agent's, not data: the reader ignores their column.
DEBUTS_DE_NOTES = ("commentaire", "note", "observation", "remarque")
COFINANCEUR = re.compile(r"cofinanceur([0-9]{1,3})")
MONTANT_COFINANCEUR = re.compile(r"montantcofinanceur([0-9]{1,3})")
ETAT_COFINANCEUR = re.compile(r"(?:cofinanceur([0-9]{1,3})etat|etatcofinanceur([0-9]{1,3}))")
CHIFFRES_EXCEL = 15  # Excel keeps and shows 15 significant digits


LONGUEUR_D_UN_NOM = 120  # longer than any header, code or label: never one, never normalized in a cache


def normaliser(texte: str) -> str:
    """« Coût total » → « couttotal »: without case, accents, spaces, underscores or punctuation."""
    if len(texte) > LONGUEUR_D_UN_NOM:
        return _normaliser(texte)
    return _normaliser_en_cache(texte)  # a column's values repeat: labels, codes, oui/non


def _normaliser(texte: str) -> str:
    decompose = unicodedata.normalize("NFKD", texte)
    return "".join(c for c in decompose.casefold() if c.isalnum() and not unicodedata.combining(c))


_normaliser_en_cache = functools.lru_cache(maxsize=4096)(_normaliser)


@dataclass(frozen=True)
class Colonne:
    """One column: ``cle`` names it in code (``montant_fipd``, ``type_porteur``, ``cofinanceur_2``),
    ``chemin`` is the field's path in the reader's messages (``porteur.type``, ``cofinancements.2.montant``
    with the co-funder's number), ``libelle`` its French header, ``type`` how its cells are read, ``codes``
    the allowed codes of a coded column (None: the programme's categories)."""

    cle: str
    chemin: str
    libelle: str
    type: str
    obligatoire: bool = False
    codes: Codes | None = None
    inconnu: str = ""
    numero: int | None = None  # a co-funder's number

    def codes_admis(self, programme: str | None) -> Codes:
        if self.type == BOOLEEN:
            return OUI_NON
        return self.codes if self.codes is not None else categories(programme)


def _type(champ_type: str) -> str:
    return champ_type if champ_type in TYPES_CONNUS else ENTIER


def colonnes_action() -> tuple[Colonne, ...]:
    """The columns of one action, co-funders aside, in ``CHAMPS_ACTION``'s order."""
    colonnes = []
    for champ in CHAMPS_ACTION:
        if champ.type == PORTEUR:
            colonnes += [
                Colonne("porteur", "porteur.nom", "Porteur", TEXTE, obligatoire=True),
                Colonne(
                    "type_porteur",
                    "porteur.type",
                    TYPE_PORTEUR.libelle,
                    CODE,
                    obligatoire=True,
                    codes=TYPE_PORTEUR.codes,
                    inconnu=TYPE_PORTEUR.inconnu,
                ),
                Colonne("siret", "porteur.siret", "SIRET", TEXTE),
            ]
        elif champ.type != COFINANCEMENTS:
            colonnes.append(
                Colonne(
                    champ.nom,
                    champ.nom,
                    champ.libelle,
                    _type(champ.type),
                    obligatoire=champ.obligatoire,
                    codes=champ.codes,
                    inconnu=champ.inconnu,
                )
            )
    colonnes.append(
        Colonne("decision", "decision", "Décision", CODE, codes=DECISIONS, inconnu="décision inconnue")
    )
    return tuple(colonnes)


def colonnes_cofinanceur(numero: int) -> tuple[Colonne, Colonne, Colonne]:
    """The co-funder ``numero``'s name, amount and « État » columns."""
    chemin = f"cofinancements.{numero}."
    return (
        Colonne(f"cofinanceur_{numero}", chemin + "financeur", f"Cofinanceur {numero}", TEXTE, numero=numero),
        Colonne(
            f"montant_cofinanceur_{numero}",
            chemin + "montant",
            f"Montant cofinanceur {numero}",
            MONTANT,
            numero=numero,
        ),
        Colonne(
            f"cofinanceur_{numero}_etat",
            chemin + "etat",
            f"Cofinanceur {numero} État",
            BOOLEEN,
            numero=numero,
        ),
    )


def colonnes_du_modele(programme: str, cofinanceurs: int = 3) -> tuple[Colonne, ...]:
    """The columns of the programme's template, in order: those that apply to it (DESIGN.md §3.5), the
    decision, then ``cofinanceurs`` co-funder pairs (with an « État » column for programme S)."""
    *champs, decision = colonnes_action()
    colonnes = [c for c in (*champs, decision) if COLONNES_DU_PROGRAMME.get(c.cle, programme) == programme]
    for numero in range(1, cofinanceurs + 1):
        financeur, montant, etat = colonnes_cofinanceur(numero)
        colonnes += [financeur, montant]
        if programme in PROGRAMMES_COFINANCEUR_ETAT:
            colonnes.append(etat)
    return tuple(colonnes)


# --- Understanding a header ----------------------------------------------------------------------------


NOTE = Colonne("note", "note", "Note", IGNOREE)  # a column of notes


@functools.cache
def _noms_admis() -> dict[str, Colonne]:
    """Every normalized header the reader knows → its column (codes first, then labels and aliases)."""
    colonnes = colonnes_action()
    noms: dict[str, Colonne] = {}
    for colonne in colonnes:
        for nom in (colonne.cle, colonne.libelle, colonne.chemin):
            noms.setdefault(normaliser(nom), colonne)
    porteur = {c.cle: c for c in colonnes if c.chemin.startswith("porteur.")}
    for alias, cle in (("Nom du porteur", "porteur"), ("SIRET du porteur", "siret")):
        noms.setdefault(normaliser(alias), porteur[cle])
    return noms


def reconnaitre(entete: str) -> Colonne | None:
    """The column a header names (of type ``IGNOREE`` for notes), None for an unknown header."""
    nom = normaliser(entete)
    if entete.lstrip().startswith("#") or nom.startswith(DEBUTS_DE_NOTES):
        return NOTE
    connue = _noms_admis().get(nom)
    if connue is not None:
        return connue
    for motif, rang in ((COFINANCEUR, 0), (MONTANT_COFINANCEUR, 1), (ETAT_COFINANCEUR, 2)):
        trouve = motif.fullmatch(nom)
        if trouve:
            numero = int(next(g for g in trouve.groups() if g is not None))
            return colonnes_cofinanceur(numero)[rang] if numero >= 1 else None
    return None


def suggestion(entete: str) -> str | None:
    """The label of the known column closest to an unknown header, if one is close."""
    noms = _noms_admis()
    proches = difflib.get_close_matches(normaliser(entete), list(noms), n=1, cutoff=0.75)
    return noms[proches[0]].libelle if proches else None


# --- Understanding a cell ------------------------------------------------------------------------------


class FormuleSansValeur:
    """A formula cell saved without its computed value (a file written by a program, never opened)."""

    def __repr__(self) -> str:
        return "FORMULE_SANS_VALEUR"


FORMULE_SANS_VALEUR = FormuleSansValeur()
MESSAGE_FORMULE = (
    "formule sans valeur calculée : ouvrez et enregistrez le fichier dans votre tableur, qui calculera sa "
    "valeur."
)


def vide(valeur: object) -> bool:
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


def nombre_excel(valeur: float) -> Decimal:
    """A spreadsheet's number as it shows it: the float's shortest decimal representation (4000.01, not
    4000.0100000000002), rounded to Excel's 15 significant digits (a sum cached as 0.30000000000000004 shows
    0.3)."""
    nombre = Decimal(repr(valeur))
    if nombre.is_finite() and len(nombre.as_tuple().digits) > CHIFFRES_EXCEL:
        exposant = nombre.adjusted() - CHIFFRES_EXCEL + 1
        nombre = nombre.quantize(Decimal(1).scaleb(exposant)).normalize()
    return nombre


def texte_de(valeur: object) -> str:
    """A cell as text, as the spreadsheet shows it (a number without exponent nor trailing zeros, a date
    day/month/year)."""
    if isinstance(valeur, str):
        return valeur.strip()
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, Decimal):
        return (
            format(valeur.normalize(), "f") if valeur == valeur.to_integral_value() else format(valeur, "f")
        )
    if isinstance(valeur, datetime.datetime):
        return valeur.date().isoformat() if valeur.time() == datetime.time() else valeur.isoformat(" ")
    if isinstance(valeur, datetime.date | datetime.time | datetime.timedelta):
        return str(valeur)
    return str(valeur)


def valeur_de(colonne: Colonne, valeur: object, programme: str | None) -> object:
    """A non-empty cell as the reader of ``eligibilite.lecture`` takes it: text for text, the amount as
    written (text) or as a number for amounts, a code for a code given by its code or French label, a
    boolean for oui/non; ``Illisible`` with the French reason when the cell cannot be such a value."""
    if valeur is FORMULE_SANS_VALEUR:
        return Illisible(MESSAGE_FORMULE)
    if colonne.type == TEXTE:
        return texte_de(valeur)
    if colonne.type == MONTANT:
        return _montant(valeur)
    if colonne.type == CODE:
        return _code(colonne, texte_de(valeur), programme)
    if colonne.type == BOOLEEN:
        return _booleen(valeur)
    return _entier(valeur)


def _montant(valeur: object) -> object:
    if isinstance(valeur, bool):
        return Illisible(f"une valeur {'VRAI' if valeur else 'FAUX'} n'est pas un montant.")
    if isinstance(valeur, datetime.date | datetime.time | datetime.timedelta):
        return Illisible(f"une date n'est pas un montant ({texte_de(valeur)}).")
    if isinstance(valeur, str):
        return valeur.strip()
    return valeur  # an int or a Decimal: ``lire_montant`` reads it


def _code(colonne: Colonne, texte: str, programme: str | None) -> object:
    codes = colonne.codes_admis(programme)
    code = _par_nom(codes).get(normaliser(texte))
    if code is not None:
        return code
    return Illisible(
        f"{colonne.inconnu} « {lisible(texte)} » : indiquez un code ({', '.join(c for c, _ in codes)}) ou son "
        "libellé (voir la feuille « Codes » du modèle de tableur)."
    )


@functools.cache
def _par_nom(codes: Codes) -> dict[str, str]:
    """Normalized code or label → code (a code wins over another code's label)."""
    par_nom = {normaliser(code): code for code, _ in codes}
    for code, libelle in codes:
        par_nom.setdefault(normaliser(libelle), code)
    return par_nom


def _booleen(valeur: object) -> object:
    if isinstance(valeur, bool):
        return valeur
    texte = normaliser(texte_de(valeur))
    if texte in VRAI:
        return True
    if texte in FAUX:
        return False
    return Illisible(f"oui ou non est attendu ; reçu « {lisible(texte_de(valeur))} ».")


def _entier(valeur: object) -> object:
    """An integer field (``quantite``, ``mesure_snpd``…): the cell's integer; an integral number or text of
    digits read as one; anything else passed as it is, for the field's reader to refuse."""
    if isinstance(valeur, bool):
        return valeur
    if isinstance(valeur, Decimal) and valeur.is_finite() and valeur == valeur.to_integral_value():
        return int(valeur)
    if isinstance(valeur, str) and re.fullmatch(r"[+-]?[0-9]{1,18}", valeur.strip(), re.ASCII):
        return int(valeur.strip())
    return valeur.strip() if isinstance(valeur, str) else valeur
