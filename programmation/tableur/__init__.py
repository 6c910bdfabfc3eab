"""Spreadsheets in and out (DESIGN.md §5): reading a programmation from CSV or XLSX into the same
``ProgrammationLue`` as the JSON reader, through the one action reader of ``eligibilite.lecture``, and the
XLSX template to fill. No database here: what only the database knows is checked afterwards
(``programmation.verification.controler``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from eligibilite.lecture import ProgrammationLue

from .classeur import lire_xlsx
from .feuille import LIGNES_MAXIMALES, message_trop_gros, nouvelle_lue, taille_maximale, trop_gros
from .fichier_csv import lire_csv

FORMATS = {".csv": lire_csv, ".xlsx": lire_xlsx}
FORMATS_REFUSES = {
    ".xls": "Le format .xls (Excel 97-2003) n'est pas pris en charge : enregistrez le classeur au format "
    "« Classeur Excel (.xlsx) » ou au format CSV.",
    ".ods": "Le format .ods (LibreOffice) n'est pas pris en charge : enregistrez le classeur au format "
    "« Classeur Excel (.xlsx) » ou au format CSV.",
    ".xlsm": "Les classeurs avec macros (.xlsm) ne sont pas pris en charge : enregistrez le classeur au "
    "format « Classeur Excel (.xlsx) ».",
}


def est_un_tableur(nom: str) -> bool:
    """Whether a file's name says it is a spreadsheet (CSV, XLSX, or a refused spreadsheet format)."""
    suffixe = PurePath(nom).suffix.lower()
    return suffixe in FORMATS or suffixe in FORMATS_REFUSES


def lire_tableur(contenu: bytes, nom: str, entete: Mapping[str, object]) -> ProgrammationLue:
    """The programmation in a spreadsheet file named ``nom`` (its extension says CSV or XLSX), its header
    fields from ``entete``."""
    suffixe = PurePath(nom).suffix.lower()
    if suffixe in FORMATS:
        return FORMATS[suffixe](contenu, entete)
    lue = nouvelle_lue(entete)
    lue.problemes.ajouter(
        0, FORMATS_REFUSES.get(suffixe, f"Format de fichier non pris en charge : « {suffixe} ».")
    )
    return lue


__all__ = [
    "LIGNES_MAXIMALES",
    "est_un_tableur",
    "lire_csv",
    "lire_tableur",
    "lire_xlsx",
    "message_trop_gros",
    "taille_maximale",
    "trop_gros",
]
