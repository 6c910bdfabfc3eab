"""Reading a programmation in XLSX (DESIGN.md §5), from the workbook's first sheet.

Before openpyxl touches the file, ``zipfile`` checks that it is a ZIP archive holding a workbook and that it
is no decompression bomb (entry count, total uncompressed size, compression ratio); openpyxl then reads it in
``read_only`` mode (the sheet streamed row by row) with ``data_only=True`` (a formula cell gives the value
its spreadsheet computed and cached). A formula saved without its value (a file written by a program and
never opened) is a row error, never an empty cell: openpyxl cannot tell them apart, so the sheet is parsed
with a subclass of its own parser that marks them. Numbers are read through their shortest decimal
representation (``colonnes.nombre_excel``): never a float.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator, Mapping

from eligibilite.lecture import ProgrammationLue

from .colonnes import FORMULE_SANS_VALEUR, nombre_excel, vide
from .feuille import Cellules, TableurIllisible, collecter, en_mo, lire_feuille, nouvelle_lue, trop_gros

ENTREES_MAXIMALES = 1000  # an XLSX has a few dozen parts
DECOMPRESSE_MAXIMAL = 100 * 1024 * 1024  # 5 000 rows of the import format take a few megabytes
RATIO_MAXIMAL = 100  # XML compresses 5 to 30 times; a bomb, thousands of times
SEUIL_DU_RATIO = 1024 * 1024  # the ratio of smaller entries does not matter
COMPRESSIONS_ADMISES = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
PAS_UN_CLASSEUR = (
    "Ce fichier n'est pas un classeur XLSX (ce n'est pas une archive ZIP de tableur) : enregistrez la "
    "programmation au format « Classeur Excel (.xlsx) » ou au format CSV."
)


def lire_xlsx(contenu: bytes, entete: Mapping[str, object]) -> ProgrammationLue:
    """The programmation in ``contenu`` (an XLSX file's bytes), its header fields from ``entete`` (the
    command's options), with every problem found."""
    lue = nouvelle_lue(entete)
    try:
        if message := trop_gros(contenu):
            raise TableurIllisible(message)
        archive = ouvrir(contenu)
        with archive:
            feuille = collecter(lignes_xlsx(contenu), lue.problemes)
    except TableurIllisible as e:
        lue.problemes.ajouter(0, str(e))
        return lue
    lire_feuille(feuille, lue)
    return lue


def ouvrir(contenu: bytes) -> zipfile.ZipFile:
    """The archive, once checked; ``TableurIllisible`` for what is no workbook or a decompression bomb."""
    if not contenu.strip():
        raise TableurIllisible(
            "Le fichier est vide : un classeur avec une ligne d'en-tête puis une ligne par action est attendu."
        )
    if contenu.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableurIllisible(
            "Ce fichier est un classeur Excel 97-2003 (.xls) ou un classeur protégé par un mot de passe : "
            "enregistrez-le au format « Classeur Excel (.xlsx) », sans mot de passe."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(contenu))
        entrees = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise TableurIllisible(PAS_UN_CLASSEUR) from None
    if len(entrees) > ENTREES_MAXIMALES:
        raise TableurIllisible(
            f"Le classeur contient {len(entrees)} fichiers internes (au plus {ENTREES_MAXIMALES}) : ce n'est "
            "pas un classeur de programmation."
        )
    decompresse = sum(e.file_size for e in entrees)
    compresse = max(sum(e.compress_size for e in entrees), 1)
    if decompresse > DECOMPRESSE_MAXIMAL:
        raise TableurIllisible(
            f"Le classeur est refusé : décompressé, il occuperait {en_mo(decompresse)} (au plus "
            f"{en_mo(DECOMPRESSE_MAXIMAL)}) ; ce n'est pas un classeur de programmation."
        )
    if decompresse > SEUIL_DU_RATIO and decompresse > RATIO_MAXIMAL * compresse:
        raise TableurIllisible(
            f"Le classeur est refusé : décompressé, il occuperait {en_mo(decompresse)}, "
            f"{decompresse // compresse} fois sa taille (au plus {RATIO_MAXIMAL} fois) ; ce n'est pas un "
            "classeur ordinaire (une bombe de décompression ?)."
        )
    noms = set(archive.namelist())
    if "[Content_Types].xml" not in noms or not any(n.startswith("xl/") for n in noms):
        raise TableurIllisible(PAS_UN_CLASSEUR)
    if any(e.flag_bits & 0x1 for e in entrees):
        raise TableurIllisible("Le classeur est chiffré : enregistrez-le sans mot de passe.")
    if any(e.compress_type not in COMPRESSIONS_ADMISES for e in entrees):
        # A tableur deflates; bzip2 and lzma entries would inflate without the per-read bound of deflate.
        raise TableurIllisible(PAS_UN_CLASSEUR)
    return archive


def lignes_xlsx(contenu: bytes) -> Iterator[tuple[int, Cellules]]:
    """The first sheet's rows, each with its row number and its non-empty cells (numbers as ``Decimal`` or
    ``int``, formulas by their cached value, ``FORMULE_SANS_VALEUR`` where there is none)."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Analyseur(WorkSheetParser):
        """openpyxl's parser, marking the formulas without a cached value that ``data_only`` reads as
        empty. Excel writes a formula whose result is "" as ``t="str"`` with an empty ``<v>``."""

        def parse_cell(self, element):
            cellule = super().parse_cell(element)
            if cellule["value"] is None and element.find(FORMULA_TAG) is not None:
                valeur = element.find(VALUE_TAG)
                if valeur is None or (not valeur.text and element.get("t") != "str"):
                    cellule["value"] = FORMULE_SANS_VALEUR
            return cellule

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of what it drops (extensions, styles)
            classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True, keep_links=False)
            try:
                feuilles = classeur.worksheets
                if not feuilles:
                    raise TableurIllisible("Le classeur ne contient aucune feuille de calcul.")
                feuille = feuilles[0]
                with feuille._get_source() as source:
                    analyseur = Analyseur(
                        source,
                        feuille._shared_strings,
                        data_only=True,
                        epoch=classeur.epoch,
                        date_formats=classeur._date_formats,
                        timedelta_formats=classeur._timedelta_formats,
                    )
                    for numero, cellules in analyseur.parse():
                        yield (
                            numero,
                            {c["column"] - 1: _valeur(c["value"]) for c in cellules if not vide(c["value"])},
                        )
            finally:
                classeur.close()
    except TableurIllisible:
        raise
    except Exception:  # a damaged or hostile workbook: openpyxl and XML parsers raise all sorts
        raise TableurIllisible(
            "Le classeur XLSX n'a pas pu être lu : il est endommagé, ou n'a pas été enregistré par un tableur. "
            "Ouvrez-le et enregistrez-le de nouveau au format « Classeur Excel (.xlsx) »."
        ) from None


def _valeur(valeur: object) -> object:
    """A cell's value, with a float read as the number it shows."""
    if isinstance(valeur, float):
        return nombre_excel(valeur)
    return valeur
