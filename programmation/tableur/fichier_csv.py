"""Reading a programmation in CSV, as French spreadsheets write it (DESIGN.md §5).

The separator is « ; » or « , » (or a tab), whichever the header line uses most outside quotes; the text is
UTF-8, with or without BOM, else Windows-1252 (UTF-8 is tried first: a Windows-1252 file with accents is
never valid UTF-8, while UTF-8 text would decode as Windows-1252 into mojibake). A binary file, a workbook
renamed ``.csv`` or a UTF-16 « texte Unicode » export is refused with a French message before any row is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping

from eligibilite.lecture import ProgrammationLue

from .feuille import Cellules, TableurIllisible, collecter, lire_feuille, nouvelle_lue, trop_gros

SEPARATEURS = (";", ",", "\t")
NEUTRALISES = tuple("=+-@\t\r")  # what an export's leading apostrophe protects (``classeurs.neutraliser``)
CONTROLES = tuple(chr(c) for c in range(32) if chr(c) not in "\t\n\r")  # what no text file holds
PART_DE_CONTROLES_MAXIMALE = 0.01  # above it, the text is a binary file's bytes
MESSAGE_BINAIRE = (
    "Ce fichier n'est pas un fichier texte CSV : il contient des données binaires (une image, un PDF ou un "
    "classeur renommé ?). Enregistrez la programmation au format « CSV UTF-8 » ou « CSV (point-virgule) »."
)


def lire_csv(contenu: bytes, entete: Mapping[str, object]) -> ProgrammationLue:
    """The programmation in ``contenu`` (a CSV file's bytes), its header fields from ``entete`` (the
    command's options), with every problem found."""
    lue = nouvelle_lue(entete)
    try:
        if message := trop_gros(contenu):
            raise TableurIllisible(message)
        texte = decoder(contenu)
        feuille = collecter(lignes_csv(texte), lue.problemes, separateur(texte))
    except TableurIllisible as e:
        lue.problemes.ajouter(0, str(e))
        return lue
    lire_feuille(feuille, lue)
    return lue


def decoder(contenu: bytes) -> str:
    """The file's text; ``TableurIllisible`` for what is no CSV text."""
    if not contenu.strip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf").strip(b" \t\r\n"):
        raise TableurIllisible(
            "Le fichier est vide : une ligne d'en-tête puis une ligne par action sont attendues."
        )
    if contenu.startswith(b"PK\x03\x04"):
        raise TableurIllisible(
            "Ce fichier est un classeur XLSX (une archive ZIP), pas un fichier CSV : donnez-lui l'extension "
            ".xlsx, ou enregistrez-le au format CSV."
        )
    if contenu.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableurIllisible(
            "Ce fichier est un classeur Excel 97-2003 (.xls) ou un classeur protégé par un mot de passe, pas "
            "un fichier CSV : enregistrez-le au format CSV ou .xlsx, sans mot de passe."
        )
    if contenu.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TableurIllisible(
            "Le fichier est encodé en UTF-16 (« texte Unicode ») : enregistrez-le au format « CSV UTF-8 » ou "
            "« CSV (point-virgule) »."
        )
    if b"\x00" in contenu:
        raise TableurIllisible(MESSAGE_BINAIRE)
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            texte = contenu.decode("cp1252")
        except UnicodeDecodeError:
            raise TableurIllisible(
                "Le fichier n'est encodé ni en UTF-8 ni en Windows-1252 : enregistrez-le au format "
                "« CSV UTF-8 »."
            ) from None
    controles = sum(texte.count(c) for c in CONTROLES)
    if controles > PART_DE_CONTROLES_MAXIMALE * len(texte):
        raise TableurIllisible(MESSAGE_BINAIRE)
    return texte


def separateur(texte: str) -> str:
    """The separator the first non-empty line uses most, outside quotes (« ; » when none)."""
    ligne = next((ligne for ligne in texte.splitlines() if ligne.strip()), "")
    comptes = dict.fromkeys(SEPARATEURS, 0)
    entre_guillemets = False
    for c in ligne:
        if c == '"':
            entre_guillemets = not entre_guillemets
        elif not entre_guillemets and c in comptes:
            comptes[c] += 1
    return max(SEPARATEURS, key=lambda s: comptes[s])  # max keeps the first on a tie: « ; »


def sans_neutralisation(cellule: str) -> str:
    """A cell as it was before a CSV export neutralised it: the application's exports (DESIGN.md §9) write an
    apostrophe before a text that a spreadsheet would run as a formula (« '=HYPERLINK(…) », « '-1 »); the
    import removes it, so that an export re-imports unchanged."""
    if cellule[:1] == "'" and cellule[1:2] in NEUTRALISES:
        return cellule[1:]
    return cellule


def lignes_csv(texte: str) -> Iterator[tuple[int, Cellules]]:
    """Each record with its number (a spreadsheet's row number: a quoted cell may span lines) and its
    non-empty cells."""
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur(texte))
    numero = 0
    try:
        for numero, cellules in enumerate(lecteur, start=1):  # noqa: B007 (numero is read after the loop)
            yield numero, {i: sans_neutralisation(v) for i, v in enumerate(cellules) if v.strip()}
    except csv.Error as e:
        ligne = numero + 1
        if "field larger than field limit" in str(e):
            raise TableurIllisible(
                f"Ligne {ligne} : une cellule dépasse {csv.field_size_limit()} caractères (un guillemet "
                "ouvert et jamais fermé ?)."
            ) from None
        raise TableurIllisible(f"Ligne {ligne} : le fichier CSV est mal formé.") from None
