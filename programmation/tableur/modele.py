"""The XLSX template to fill, per programme (issue 10, item 4).

Sheet « Actions »: the programme's columns (``colonnes.colonnes_du_modele``) under French headers that the
reader accepts back, a frozen header row, column widths, amounts formatted ``#,##0.00 "€"``, text formats on
the columns a spreadsheet would otherwise turn into numbers (SIRET, reference, analytic code), and
data-validation lists on the coded columns. Sheet « Codes »: each list of allowed codes with its French
labels, which the validation lists reference (the lists offer the labels; a code typed instead only draws a
warning, since the reader takes both).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from eligibilite.lecture import BOOLEEN, CODE, MONTANT, TEXTE
from eligibilite.regles import registre

from .colonnes import Colonne, colonnes_du_modele
from .feuille import LIGNES_MAXIMALES

FEUILLE_ACTIONS = "Actions"
FEUILLE_CODES = "Codes"
FORMAT_MONTANT = '#,##0.00 "€"'  # « 12 345,67 € » in a French spreadsheet
FORMAT_TEXTE = "@"
COLONNES_EN_TEXTE = ("reference", "siret", "code_analytique")  # never turned into numbers or dates
LARGEURS = {
    "intitule": 45,
    "porteur": 35,
    "justification": 50,
    "categorie": 40,
    "theme_prevention_primaire": 40,
}
LARGEURS_PAR_TYPE = {TEXTE: 20, MONTANT: 18, CODE: 28, BOOLEEN: 14}
BORNES_ENTIERS = {  # DESIGN.md §4: quantite ≥ 1, mesure_snpd 1 to 50, iscg_premiere_annee a year
    "quantite": ("greaterThanOrEqual", "1", None),
    "mesure_snpd": ("between", "1", "50"),
    "iscg_premiere_annee": ("between", "2000", "2100"),
}
BLEU_FRANCE = "000091"


def modele_xlsx(programme: str, cofinanceurs: int = 3) -> bytes:
    """The template of ``programme`` (R, D, S or K) as XLSX bytes, with ``cofinanceurs`` co-funder pairs.
    Raises ``ProgrammeInconnu`` for another code."""
    registre(programme)  # an unknown programme is an error, not an empty template
    colonnes = colonnes_du_modele(programme, cofinanceurs)
    classeur = Workbook()
    actions = classeur.active
    actions.title = FEUILLE_ACTIONS
    codes = classeur.create_sheet(FEUILLE_CODES)
    listes = _feuille_des_codes(codes, colonnes, programme)

    derniere = LIGNES_MAXIMALES + 1
    for numero, colonne in enumerate(colonnes, start=1):
        lettre = get_column_letter(numero)
        cellule = actions.cell(row=1, column=numero, value=colonne.libelle)
        cellule.font = Font(bold=True, color="FFFFFF")
        cellule.fill = PatternFill("solid", fgColor=BLEU_FRANCE)
        cellule.alignment = Alignment(wrap_text=True, vertical="center")
        dimension = actions.column_dimensions[lettre]
        dimension.width = LARGEURS.get(colonne.cle, LARGEURS_PAR_TYPE.get(colonne.type, 16))
        plage = f"{lettre}2:{lettre}{derniere}"
        if colonne.type == MONTANT:
            dimension.number_format = FORMAT_MONTANT
            actions.add_data_validation(_montant(plage))
        elif colonne.cle in COLONNES_EN_TEXTE:
            dimension.number_format = FORMAT_TEXTE
        if colonne.type in (CODE, BOOLEEN):
            actions.add_data_validation(_liste(plage, colonne, listes[_nom_de_liste(colonne)]))
        elif colonne.cle in BORNES_ENTIERS:
            actions.add_data_validation(_entier(plage, colonne))
    actions.row_dimensions[1].height = 32
    actions.freeze_panes = "A2"
    classeur.properties.title = f"Programmation FIPD — modèle du programme {programme}"
    classeur.properties.creator = "FIPD Programmation"

    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()


def _nom_de_liste(colonne: Colonne) -> str:
    return "Oui / non" if colonne.type == BOOLEEN else colonne.libelle


def _feuille_des_codes(feuille, colonnes: tuple[Colonne, ...], programme: str) -> dict[str, str]:
    """Writes each list (code, label) in a pair of columns; returns each list's range of labels."""
    listes: dict[str, str] = {}
    for colonne in colonnes:
        nom = _nom_de_liste(colonne)
        if colonne.type not in (CODE, BOOLEEN) or nom in listes:
            continue
        premiere = 2 * len(listes) + 1
        code, libelle = get_column_letter(premiere), get_column_letter(premiere + 1)
        feuille.cell(row=1, column=premiere, value=nom).font = Font(bold=True)
        feuille.cell(row=2, column=premiere, value="Code").font = Font(italic=True)
        feuille.cell(row=2, column=premiere + 1, value="Libellé").font = Font(italic=True)
        valeurs = colonne.codes_admis(programme)
        for rang, (valeur, texte) in enumerate(valeurs, start=3):
            feuille.cell(row=rang, column=premiere, value=valeur)
            feuille.cell(row=rang, column=premiere + 1, value=texte)
        feuille.column_dimensions[code].width = 24
        feuille.column_dimensions[libelle].width = max(20, *(len(t) + 2 for _, t in valeurs))
        listes[nom] = f"{quote_sheetname(FEUILLE_CODES)}!${libelle}$3:${libelle}${len(valeurs) + 2}"
    feuille.freeze_panes = "A3"
    return listes


def _liste(plage: str, colonne: Colonne, reference: str) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1=reference,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=f"{colonne.libelle} : valeur inconnue",
        error="Choisissez une valeur de la liste (feuille « Codes ») ; son code est accepté aussi.",
    )
    validation.add(plage)
    return validation


def _montant(plage: str) -> DataValidation:
    validation = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Montant",
        error="Un montant est un nombre positif ou nul, avec au plus deux décimales.",
    )
    validation.add(plage)
    return validation


def _entier(plage: str, colonne: Colonne) -> DataValidation:
    operateur, minimum, maximum = BORNES_ENTIERS[colonne.cle]
    validation = DataValidation(
        type="whole",
        operator=operateur,
        formula1=minimum,
        formula2=maximum,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=colonne.libelle,
        error=f"Un nombre entier est attendu ({'au moins ' + minimum if maximum is None else f'de {minimum} à {maximum}'}).",
    )
    validation.add(plage)
    return validation
