"""XLSX workbooks (openpyxl): a safe reader for uploaded tables, and a writer for downloads.

Reading is capped before anything is parsed: the upload's size, then the zip's entries (an XLSX is a zip:
a "zip bomb" would expand to gigabytes), then openpyxl in read-only mode. Numbers come back as ``Decimal``
through their shortest decimal representation (a cell showing 4000.01 is 4000.01, not the float behind it).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.http import FileResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMAT_EUROS = '#,##0.00\\ "€"'
TAILLE_DECOMPRESSEE_MAXIMALE = 50 * 1024 * 1024
RAPPORT_MAXIMAL = 100  # uncompressed / compressed
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ClasseurInvalide(Exception):
    """An uploaded file that cannot be read as a workbook; its text is a French message."""


def valeur_de_cellule(valeur):
    """A cell's value as the application reads it: floats through their shortest decimal form."""
    if isinstance(valeur, bool):
        return valeur
    if isinstance(valeur, float):
        return Decimal(repr(valeur))
    if isinstance(valeur, datetime):
        return valeur.date() if not (valeur.hour or valeur.minute or valeur.second) else valeur
    return valeur


def ouvrir_classeur(contenu: bytes):
    """The workbook (read-only, cached values of formulas), after the zip checks."""
    if not zipfile.is_zipfile(io.BytesIO(contenu)):
        raise ClasseurInvalide(
            "Ce fichier n'est pas un classeur XLSX : enregistrez-le au format Excel (.xlsx)."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            entrees = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ClasseurInvalide("Ce fichier n'est pas un classeur XLSX lisible.") from None
    decompresse = sum(e.file_size for e in entrees)
    compresse = sum(e.compress_size for e in entrees) or 1
    if decompresse > TAILLE_DECOMPRESSEE_MAXIMALE or decompresse / compresse > RAPPORT_MAXIMAL * 10:
        raise ClasseurInvalide(
            "Ce classeur se décompresse en un volume anormal : il n'est pas lu (fichier corrompu ou piégé)."
        )
    try:
        return load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file
        raise ClasseurInvalide("Ce classeur XLSX est endommagé ou d'un format non pris en charge.") from None


def lire_classeur(fichier, taille_maximale: int, lignes_maximales: int = 5000):
    """(header row, [(line number, values)]) of the first sheet of an uploaded file; empty rows skipped."""
    if fichier.size is not None and fichier.size > taille_maximale:
        raise ClasseurInvalide(
            f"Le fichier pèse {fichier.size // 1024} Ko : la limite est de {taille_maximale // 1024} Ko."
        )
    contenu = fichier.read(taille_maximale + 1)
    if len(contenu) > taille_maximale:
        raise ClasseurInvalide(f"Le fichier dépasse la limite de {taille_maximale // 1024} Ko.")
    if not contenu:
        raise ClasseurInvalide("Le fichier est vide.")
    classeur = ouvrir_classeur(contenu)
    try:
        feuille = classeur.worksheets[0]
        rangees = feuille.iter_rows(values_only=True)
        entetes = next(rangees, None)
        if not entetes or not any(entetes):
            raise ClasseurInvalide("La première ligne du classeur doit porter les en-têtes des colonnes.")
        lignes = []
        for numero, rangee in enumerate(rangees, start=2):
            if not any(v not in (None, "") for v in rangee):
                continue
            if len(lignes) >= lignes_maximales:
                raise ClasseurInvalide(
                    f"Le classeur compte plus de {lignes_maximales} lignes : il n'est pas lu."
                )
            lignes.append((numero, [valeur_de_cellule(v) for v in rangee]))
    finally:
        classeur.close()
    if not lignes:
        raise ClasseurInvalide("Le classeur ne contient que la ligne d'en-têtes : aucune ligne à lire.")
    return list(entetes), lignes


FORMAT_POURCENTAGE = "0.0 %"


def classeur(
    feuilles: Iterable[tuple[str, Sequence[str], Iterable[Sequence], Iterable[int], Sequence[int] | None]],
    formats: dict[str, dict[int, str]] | None = None,
) -> Workbook:
    """A workbook of sheets (title, headers, rows, amount columns (0-based), widths): bold frozen headers,
    auto-filter, amounts as real numbers with a euro format, text always stored as text (a title starting
    with « = » is never a formula, and comes back unchanged). ``formats``: per sheet title, other number
    formats by column (a percentage, say)."""
    wb = Workbook(write_only=True)
    for titre, entetes, rangees, colonnes_montants, largeurs in feuilles:
        ws = wb.create_sheet(titre[:31])
        montants = set(colonnes_montants)
        autres = (formats or {}).get(titre, {})
        for i, largeur in enumerate(largeurs or (), start=1):
            ws.column_dimensions[get_column_letter(i)].width = largeur
        ws.freeze_panes = "A2"
        gras = Font(bold=True)
        ligne = []
        for entete in entetes:
            cellule = WriteOnlyCell(ws, value=entete)
            cellule.font = gras
            ligne.append(cellule)
        ws.append(ligne)
        n = 1
        for rangee in rangees:
            cellules = []
            for i, valeur in enumerate(rangee):
                cellule = WriteOnlyCell(ws, value=valeur)
                if isinstance(valeur, str):
                    cellule.data_type = "s"  # text, even « =HYPERLINK(…) »: never a formula
                elif i in montants and isinstance(valeur, Decimal | int):
                    cellule.number_format = FORMAT_EUROS
                elif i in autres and valeur is not None:
                    cellule.number_format = autres[i]
                cellules.append(cellule)
            ws.append(cellules)
            n += 1
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(entetes)))}{n}"
    return wb


def neutraliser(texte: str) -> str:
    """In CSV, a text a spreadsheet would run as a formula (« =HYPERLINK(…) », « +1 », « -1 », « @SUM »)
    starts with an apostrophe so that it stays text (OWASP « CSV injection »); the import removes it."""
    if texte and texte[0] in "=+-@\t\r":
        return "'" + texte
    return texte


def reponse_xlsx(nom: str, titre: str, entetes, rangees, colonnes_montants=(), largeurs=None) -> FileResponse:
    """A one-sheet workbook as a download."""
    return reponse_classeur(nom, classeur([(titre, entetes, rangees, colonnes_montants, largeurs)]))


def reponse_classeur(nom: str, wb: Workbook) -> FileResponse:
    """The workbook as a download, streamed from a temporary file (a national export holds every action:
    its rows went to disk as they were written, and the response does not hold the file in memory)."""
    fichier = tempfile.TemporaryFile()
    wb.save(fichier)
    fichier.seek(0)
    return FileResponse(fichier, as_attachment=True, filename=nom, content_type=TYPE_XLSX)
