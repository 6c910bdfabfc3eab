"""Spreadsheet programmations (issue 10; DESIGN.md §5): the CSV and XLSX readers, their limits, and the
check command reading them exactly as it reads the equivalent JSON."""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as reglages
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from eligibilite.lecture import BOOLEEN, CHAMPS, CHAMPS_ACTION, CODE, MONTANT, Champ
from eligibilite.regles.codes import CATEGORIES_R, CATEGORIES_S, MILIEUX, PUBLICS, THEMES, TYPES_PORTEUR
from programmation.tableur import colonnes as colonnes_module
from programmation.tableur import lire_csv, lire_tableur, lire_xlsx
from programmation.tableur.classeur import RATIO_MAXIMAL
from programmation.tableur.colonnes import (
    ENTIER,
    IGNOREE,
    Colonne,
    colonnes_du_modele,
    nombre_excel,
    reconnaitre,
    valeur_de,
)
from programmation.tableur.feuille import LIGNES_MAXIMALES
from programmation.verification import PROBLEMES_AFFICHES
from tests.programmation.test_verifier_programmation import RACINE, SIRET_VALIDE, Sortie, executer_chemin

pytestmark = pytest.mark.django_db
D = Decimal
OPTIONS = ("--departement", "59", "--annee", "2026", "--programme", "R", "--enveloppe", "120000")
ENTETE = {"departement": "59", "annee": "2026", "programme": "R", "enveloppe": "120000"}


# --- One programmation, written four ways ----------------------------------------------------------------

JSON = {
    "departement": "59",
    "annee": 2026,
    "programme": "R",
    "enveloppe": "120000.00",
    "actions": [
        {
            "reference": "A1",
            "intitule": "Consultations de psychologues",
            "porteur": {"nom": "Association Été Jeunesse", "type": "association", "siret": SIRET_VALIDE},
            "categorie": "sante_mentale",
            "public": "personnes_suivies",
            "milieu": "libre",
            "cout_total": "30000.00",
            "montant_demande": "20000.00",
            "montant_fipd": "20000.00",
            "cofinancements": [
                {"financeur": "Commune", "montant": "7000.00"},
                {"financeur": "Département du Nord", "montant": "3000.00"},
            ],
        },
        {
            "reference": "F1",
            "intitule": "Formation des professionnels",
            "porteur": {"nom": "Centre de formation", "type": "etablissement_public"},
            "categorie": "formation",
            "public": "professionnels",
            "cout_total": "5000.00",
            "montant_fipd": "4000.01",
        },
        {
            "reference": "P1",
            "intitule": "Accompagnement en détention",
            "porteur": {"nom": "Association Relais", "type": "association"},
            "categorie": "insertion",
            "milieu": "carceral",
            "cout_total": "1234.56",
            "montant_fipd": "1234.56",
            "contrat_de_ville": True,
            "code_analytique": "09-FI0000001",
        },
        {
            "reference": "PP",
            "intitule": "Théâtre-forum « Esprit critique »",
            "porteur": {"nom": "Compagnie du Théâtre", "type": "association"},
            "categorie": "prevention_primaire",
            "public": "grand_public",
            "milieu": "libre",
            "theme_prevention_primaire": "esprit_critique",
            "justification": "Quartier très exposé ; intérêt majeur",
            "cout_total": "12345.67",
            "montant_fipd": "2469.13",
        },
    ],
}

ENTETES_FRANCAIS = [
    "Référence",
    "Intitulé",
    "Porteur",
    "Type de porteur",
    "SIRET",
    "Catégorie",
    "Public",
    "Milieu",
    "Coût total",
    "Montant demandé",
    "Montant FIPD",
    "Contrat de ville",
    "Code analytique",
    "Thème de prévention primaire",
    "Justification",
    "Décision",
    "Cofinanceur 1",
    "Montant cofinanceur 1",
    "Cofinanceur 2",
    "Montant cofinanceur 2",
]
NBSP, FINE = "\u00a0", "\u202f"
# As a French agent's spreadsheet exports it: labels for codes, French amounts with no-break spaces and €.
LIGNES_FRANCAISES = [
    [
        "A1",
        "Consultations de psychologues",
        "Association Été Jeunesse",
        "Association",
        "732 829 320 00074",
        "Consultations de santé mentale",
        "Personnes suivies par la cellule",
        "Milieu libre",
        f"30{NBSP}000,00{NBSP}€",
        f"20{NBSP}000,00 €",
        "20 000,00 €",
        "non",
        "",
        "",
        "",
        "Retenue",
        "Commune",
        f"7{NBSP}000,00{NBSP}€",
        "Département du Nord",
        "3 000 €",
    ],
    [
        "F1",
        "Formation des professionnels",
        "Centre de formation",
        "Établissement public",
        "",
        "Formation et sensibilisation des professionnels",
        "Professionnels",
        "",
        "5 000,00 €",
        "",
        f"4{NBSP}000,01 €",
        "Non",
        "",
        "",
        "",
        "En instruction",
        "",
        "",
        "",
        "",
    ],
    [
        "P1",
        "Accompagnement en détention",
        "Association Relais",
        "association",
        "",
        "insertion",
        "personnes_suivies",
        "Milieu carcéral",
        "1 234,56 €",
        "",
        "1234,56",
        "OUI",
        "09-FI0000001",
        "",
        "",
        "Non retenue",
        "",
        "",
        "",
        "",
    ],
    [
        "PP",
        "Théâtre-forum « Esprit critique »",
        "Compagnie du Théâtre",
        "Association",
        "",
        "Prévention primaire",
        "Grand public",
        "Milieu libre",
        f"12{NBSP}345,67{NBSP}€",
        "",
        "2 469,13",
        "faux",
        "",
        "Esprit critique",
        "Quartier très exposé ; intérêt majeur",
        "",
        "",
        "",
        "",
        "",
    ],
]
# As a program writes it: codes for headers and codes, amounts with a dot, booleans 1/0 and vrai/faux.
ENTETES_CODES = [
    "reference",
    "intitule",
    "porteur",
    "type_porteur",
    "siret",
    "categorie",
    "public",
    "milieu",
    "cout_total",
    "montant_demande",
    "montant_fipd",
    "contrat_de_ville",
    "code_analytique",
    "theme_prevention_primaire",
    "justification",
    "decision",
    "cofinanceur_1",
    "montant_cofinanceur_1",
    "COFINANCEUR 2",
    "Montant Cofinanceur 2",
]
LIGNES_CODES = [
    [
        "A1",
        "Consultations de psychologues",
        "Association Été Jeunesse",
        "association",
        SIRET_VALIDE,
        "sante_mentale",
        "personnes_suivies",
        "libre",
        "30000.00",
        f"20{FINE}000,00{NBSP}€",
        "20000",
        "0",
        "",
        "",
        "",
        "retenue",
        "Commune",
        "7000.00",
        "Département du Nord",
        "3000.00",
    ],
    [
        "F1",
        "Formation des professionnels",
        "Centre de formation",
        "etablissement_public",
        "",
        "formation",
        "professionnels",
        "",
        "5000",
        "",
        "4000.01",
        "faux",
        "",
        "",
        "",
        "en_instruction",
        "",
        "",
        "",
        "",
    ],
    [
        "P1",
        "Accompagnement en détention",
        "Association Relais",
        "association",
        "",
        "insertion",
        "",
        "carceral",
        "1234.56",
        "",
        "1,234.56",
        "1",
        "09-FI0000001",
        "",
        "",
        "non_retenue",
        "",
        "",
        "",
        "",
    ],
    [
        "PP",
        "Théâtre-forum « Esprit critique »",
        "Compagnie du Théâtre",
        "association",
        "",
        "prevention_primaire",
        "grand_public",
        "libre",
        "12345.67",
        "",
        "2469.13",
        "0",
        "",
        "esprit_critique",
        "Quartier très exposé ; intérêt majeur",
        "",
        "",
        "",
        "",
        "",
    ],
]


def texte_csv(lignes: list[list[str]], separateur: str = ";") -> str:
    tampon = io.StringIO()
    csv.writer(tampon, delimiter=separateur, lineterminator="\r\n").writerows(lignes)
    return tampon.getvalue()


def classeur(
    lignes: list[list[object]], caches: dict[str, str] | None = None, titre: str = "Actions"
) -> bytes:
    """An XLSX with one sheet of ``lignes``; ``caches`` gives formula cells (``"K5": "12345.67"``) the
    computed value a spreadsheet would have saved (openpyxl writes formulas without one)."""
    wb = Workbook()
    ws = wb.active
    ws.title = titre
    for ligne in lignes:
        ws.append(ligne)
    tampon = io.BytesIO()
    wb.save(tampon)
    return avec_valeurs_en_cache(tampon.getvalue(), caches or {})


def avec_valeurs_en_cache(contenu: bytes, caches: dict[str, str]) -> bytes:
    if not caches:
        return contenu
    entree, sortie = zipfile.ZipFile(io.BytesIO(contenu)), io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as copie:
        for info in entree.infolist():
            donnees = entree.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                xml = donnees.decode()
                for cellule, valeur in caches.items():
                    xml, n = re.subn(
                        rf'(<c r="{cellule}"[^>]*>(?:<f>[^<]*</f>))<v ?/>', rf"\1<v>{valeur}</v>", xml
                    )
                    assert n == 1, cellule
                donnees = xml.encode()
            copie.writestr(info, donnees)
    return sortie.getvalue()


LIGNES_XLSX = [
    ENTETES_FRANCAIS,
    [
        "A1",
        "Consultations de psychologues",
        "Association Été Jeunesse",
        "Association",
        73282932000074,
        "Consultations de santé mentale",
        "Personnes suivies par la cellule",
        "Milieu libre",
        30000,
        20000.0,
        "=15000+5000",  # cached 20000
        False,
        None,
        None,
        None,
        "Retenue",
        "Commune",
        7000,
        "Département du Nord",
        3000.0,
    ],
    [
        "F1",
        "Formation des professionnels",
        "Centre de formation",
        "Établissement public",
        None,
        "Formation et sensibilisation des professionnels",
        "Professionnels",
        None,
        5000,
        None,
        4000.01,
        "non",
        None,
        None,
        None,
        "En instruction",
    ],
    [
        "P1",
        "Accompagnement en détention",
        "Association Relais",
        "association",
        None,
        "insertion",
        "personnes_suivies",
        "Milieu carcéral",
        1234.56,
        None,
        D("1234.56"),
        True,
        "09-FI0000001",
        None,
        None,
        "Non retenue",
    ],
    [],  # an empty row, skipped
    [
        "PP",
        "Théâtre-forum « Esprit critique »",
        "Compagnie du Théâtre",
        "Association",
        None,
        "Prévention primaire",
        "Grand public",
        "Milieu libre",
        "=10000+2345.67",  # cached as Excel writes it: 17 significant digits
        None,
        "=I6*0.2",  # cached 2469.134 would be refused; the agent's sheet rounded it: 2469.13
        0,
        None,
        "Esprit critique",
        "Quartier très exposé ; intérêt majeur",
    ],
]
CACHES_XLSX = {"K2": "20000", "I6": "12345.670000000002", "K6": "2469.13"}


def ecrire(tmp_path, nom: str, contenu: bytes | str) -> str:
    chemin = tmp_path / nom
    chemin.write_bytes(contenu.encode("utf-8") if isinstance(contenu, str) else contenu)
    return str(chemin)


def verifier(tmp_path, nom: str, contenu: bytes | str, *options: str) -> Sortie:
    return executer_chemin(ecrire(tmp_path, nom, contenu), *(options or OPTIONS))


@pytest.fixture
def rapport_json(tmp_path):
    sortie = verifier(tmp_path, "programmation.json", json.dumps(JSON, ensure_ascii=False), "--annee", "2026")
    assert sortie.code == 1, sortie.stderr  # the prison action is blocking
    assert [a["reference"] for a in sortie.rapport["actions"]] == ["A1", "F1", "P1", "PP"]
    assert sortie.codes_action("P1") == ["MILIEU_CARCERAL"]
    return sortie.rapport


def test_csv_semicolon_windows_1252_with_french_amounts_and_labels_gives_the_json_report(
    tmp_path, rapport_json
):
    contenu = texte_csv([ENTETES_FRANCAIS, *LIGNES_FRANCAISES]).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        contenu.decode("utf-8")  # really Windows-1252

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert (sortie.code, sortie.stderr) == (1, "")
    assert sortie.rapport == rapport_json


def test_csv_comma_utf8_with_bom_and_codes_gives_the_json_report(tmp_path, rapport_json):
    contenu = texte_csv([ENTETES_CODES, *LIGNES_CODES], separateur=",").encode("utf-8-sig")
    assert contenu.startswith(b"\xef\xbb\xbf")

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert (sortie.code, sortie.stderr) == (1, "")
    assert sortie.rapport == rapport_json


def test_xlsx_with_numbers_and_cached_formulas_gives_the_json_report(tmp_path, rapport_json):
    sortie = verifier(tmp_path, "programmation.xlsx", classeur(LIGNES_XLSX, CACHES_XLSX))

    assert (sortie.code, sortie.stderr) == (1, "")
    assert sortie.rapport == rapport_json


def test_every_row_counts_as_retained_whatever_its_decision(rapport_json):
    # F1 is « En instruction », P1 « Non retenue »: the check counts them all (DESIGN.md §5).
    assert rapport_json["programmation"]["total_fipd"] == "27703.70"


def test_the_reader_keeps_each_rows_decision_for_the_import():
    lue = lire_csv(texte_csv([ENTETES_FRANCAIS, *LIGNES_FRANCAISES]).encode(), ENTETE)

    assert not lue.problemes, lue.problemes.lignes()
    assert [(a.reference, a.decision, a.retenue) for a in lue.actions] == [
        ("A1", "retenue", True),
        ("F1", "en_instruction", True),
        ("P1", "non_retenue", True),
        ("PP", "retenue", True),  # the default
    ]


def test_the_reader_gives_the_same_actions_as_the_json_reader():
    from eligibilite.lecture import lire_json

    depuis_json = lire_json(json.dumps(JSON)).actions
    depuis_csv = lire_csv(texte_csv([ENTETES_FRANCAIS, *LIGNES_FRANCAISES]).encode("cp1252"), ENTETE).actions
    depuis_xlsx = lire_xlsx(classeur(LIGNES_XLSX, CACHES_XLSX), ENTETE).actions

    assert [a.faits() for a in depuis_csv] == [a.faits() for a in depuis_json]
    assert [a.faits() for a in depuis_xlsx] == [a.faits() for a in depuis_json]
    assert [a.numero for a in depuis_xlsx] == [2, 3, 4, 6]  # spreadsheet rows: the empty row 5 skipped


# --- XLSX cells ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nombre", "attendu"),
    [
        (4000.01, "4000.01"),
        (0.1 + 0.2, "0.3"),  # 0.30000000000000004 shows 0.3 in the spreadsheet
        (12345.670000000002, "12345.67"),
        (2469.134, "2469.134"),  # three decimals stay three decimals: refused as an amount
        (1e20, "1E+20"),
        (30000.0, "30000.0"),
    ],
)
def test_an_xlsx_number_is_read_through_its_shortest_decimal_form(nombre, attendu):
    assert nombre_excel(nombre) == D(attendu)
    assert str(nombre_excel(nombre)) == attendu


def test_xlsx_cells_keep_their_type_until_the_reader_reads_them():
    lignes = [
        ["Référence", "Intitulé", "Porteur", "Type de porteur", "Catégorie", "Coût total", "Montant FIPD"],
        [12, datetime.datetime(2026, 3, 1), 7.5, "association", "insertion", 4000.01, 1000],
    ]
    lue = lire_xlsx(classeur(lignes), ENTETE)

    assert not lue.problemes, lue.problemes.lignes()
    (action,) = lue.actions
    assert (action.reference, action.intitule, action.porteur_nom) == ("12", "2026-03-01", "7.5")
    assert (action.cout_total, action.montant_fipd) == (D("4000.01"), D("1000.00"))


def test_a_formula_without_cached_value_is_a_row_error(tmp_path):
    lignes = [
        ["Référence", "Intitulé", "Porteur", "Type de porteur", "Catégorie", "Coût total", "Montant FIPD"],
        ["A1", "Action", "Asso", "association", "insertion", 5000, 1000],
        ["A2", "Action", "Asso", "association", "insertion", 5000, "=F3*0.2"],
    ]

    sortie = verifier(tmp_path, "programmation.xlsx", classeur(lignes))

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "Ligne 3, colonne « Montant FIPD » : formule sans valeur calculée : ouvrez et enregistrez le fichier dans "
        "votre tableur, qui calculera sa valeur."
    ]


def test_a_formula_whose_cached_result_is_empty_text_is_an_empty_cell():
    lignes = [
        [
            "Référence",
            "Intitulé",
            "Porteur",
            "Type de porteur",
            "Catégorie",
            "Coût total",
            "Montant FIPD",
            "Milieu",
        ],
        ["A1", "Action", "Asso", "association", "insertion", 5000, 1000, '=IF(A2="","","libre")'],
    ]
    # Excel saves a formula whose result is "" as t="str" with an empty value.
    contenu = avec_valeurs_en_cache(classeur(lignes), {"H2": ""})
    entree, sortie = zipfile.ZipFile(io.BytesIO(contenu)), io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as copie:
        for info in entree.infolist():
            donnees = entree.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                donnees = donnees.replace(b'<c r="H2">', b'<c r="H2" t="str">')
            copie.writestr(info, donnees)

    lue = lire_xlsx(sortie.getvalue(), ENTETE)

    assert not lue.problemes, lue.problemes.lignes()
    assert lue.actions[0].milieu == "libre"  # the default


# --- Headers, codes, booleans ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entete", "cle"),
    [
        ("cout_total", "cout_total"),
        ("Coût total", "cout_total"),
        ("COUT TOTAL", "cout_total"),
        (" coût_Total ", "cout_total"),
        ("Montant FIPD", "montant_fipd"),
        ("montant fipd", "montant_fipd"),
        ("Intitulé", "intitule"),
        ("Référence", "reference"),
        ("porteur", "porteur"),
        ("Nom du porteur", "porteur"),
        ("type_porteur", "type_porteur"),
        ("Type de porteur", "type_porteur"),
        ("SIRET", "siret"),
        ("contrat_de_ville", "contrat_de_ville"),
        ("Plan d'action du contrat de ville", "contrat_de_ville"),
        ("Plan d’action du contrat de ville", "contrat_de_ville"),  # a typographic apostrophe
        ("Thème de prévention primaire", "theme_prevention_primaire"),
        ("Justification de l'intérêt majeur", "justification"),
        ("Décision", "decision"),
        ("cofinanceur 1", "cofinanceur_1"),
        ("Cofinanceur 12", "cofinanceur_12"),
        ("montant cofinanceur 2", "montant_cofinanceur_2"),
        ("Cofinanceur 1 État", "cofinanceur_1_etat"),
        ("cofinanceur_1_etat", "cofinanceur_1_etat"),
    ],
)
def test_headers_are_matched_without_case_accents_spaces_or_underscores(entete, cle):
    assert reconnaitre(entete).cle == cle


@pytest.mark.parametrize(
    "entete", ["Commentaire", "Notes de l'agent", "Observations", "Remarque", "# brouillon"]
)
def test_notes_columns_are_ignored(entete):
    assert reconnaitre(entete).type == IGNOREE


@pytest.mark.parametrize("entete", ["quantite", "Quantité", "iscg_premiere_annee", "mesure_snpd"])
def test_the_programme_specific_columns_of_the_format_are_known(entete):
    assert reconnaitre(entete) is not None


@pytest.mark.parametrize(
    ("colonne", "valeur", "attendu"),
    [
        ("milieu", "Milieu carcéral", "carceral"),
        ("milieu", "carceral", "carceral"),
        ("milieu", "MILIEU CARCERAL", "carceral"),
        ("milieu", "Milieu ouvert (sous main de justice)", "ouvert"),
        ("type_porteur", "Association", "association"),
        ("type_porteur", "Service de l'État", "etat"),
        ("type_porteur", "Collectivité territoriale", "collectivite"),
        ("public", "Grand public", "grand_public"),
        ("categorie", "Référent de parcours", "referent_parcours"),
        ("theme_prevention_primaire", "Contre-discours", "contre_discours"),
        ("decision", "Non retenue", "non_retenue"),
        ("contrat_de_ville", "oui", True),
        ("contrat_de_ville", "Vrai", True),
        ("contrat_de_ville", "1", True),
        ("contrat_de_ville", "NON", False),
        ("contrat_de_ville", "faux", False),
        ("contrat_de_ville", "0", False),
        ("contrat_de_ville", True, True),
        ("contrat_de_ville", 0, False),
    ],
)
def test_codes_are_read_by_code_or_french_label(colonne, valeur, attendu):
    assert valeur_de(reconnaitre(colonne), valeur, "R") == attendu


def test_an_s_category_label_is_read_only_in_an_s_programmation():
    categorie = reconnaitre("categorie")
    assert valeur_de(categorie, "Vidéoprotection", "S") == "videoprotection"
    assert "catégorie inconnue « Vidéoprotection »" in valeur_de(categorie, "Vidéoprotection", "R").message


def test_an_integer_field_gets_the_cells_integer():
    """Integer fields (quantite, mesure_snpd…: DESIGN.md §3.5) arrive with their own type: any field type the
    spreadsheet side does not know is read as an integer."""
    entier = Colonne("quantite", "quantite", "Quantité", ENTIER)
    assert valeur_de(entier, 3, "S") == 3
    assert valeur_de(entier, " 12 ", "S") == 12
    assert valeur_de(entier, D("3.0"), "S") == 3
    assert valeur_de(entier, D("2.5"), "S") == D("2.5")  # for the field's reader to refuse
    assert valeur_de(entier, "douze", "S") == "douze"


def test_a_field_added_to_the_description_becomes_a_column(monkeypatch):
    champs = (*CHAMPS_ACTION, Champ("quantite", "Quantité", "entier"))
    monkeypatch.setattr(colonnes_module, "CHAMPS_ACTION", champs)
    colonnes_module._noms_admis.cache_clear()
    try:
        colonne = reconnaitre("Quantité")
        assert (colonne.cle, colonne.type) == ("quantite", ENTIER)
        assert "quantite" in [c.cle for c in colonnes_du_modele("S")]
        assert "quantite" not in [c.cle for c in colonnes_du_modele("R")]
    finally:
        monkeypatch.undo()
        colonnes_module._noms_admis.cache_clear()


# --- Problems: line, column, French message --------------------------------------------------------------

ENTETE_MINIMALE = "Référence;Intitulé;Porteur;Type de porteur;Catégorie;Coût total;Montant FIPD"


def test_a_row_problem_names_its_line_and_column(tmp_path):
    contenu = (
        f"{ENTETE_MINIMALE}\n"
        "A1;Action;Asso;association;insertion;5000;1000\n"
        "\n"
        ";;;\n"
        "A2;Action;Asso;association;insertion;5000;4000,125\n"
    )

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "Ligne 5, colonne « Montant FIPD » : le montant a plus de deux décimales (4000,125)."
    ]


def test_an_xlsx_amount_with_three_decimals_is_a_row_error(tmp_path):
    lignes = [
        ENTETE_MINIMALE.split(";"),
        ["A1", "Action", "Asso", "association", "insertion", 5000, 4000.125],
    ]

    sortie = verifier(tmp_path, "programmation.xlsx", classeur(lignes))

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "Ligne 2, colonne « Montant FIPD » : le montant a plus de deux décimales (4000.125)."
    ]


@pytest.mark.parametrize(
    ("ligne", "attendu"),
    [
        (
            "A1;Action;Asso;association;sport;5000;1000",
            "Ligne 2, colonne « Catégorie » : catégorie inconnue « sport » : indiquez un code (sante_mentale, "
            "insertion, parentalite, referent_parcours, formation, accompagnement_equipes, prevention_primaire, "
            "action_nationale, autre) ou son libellé (voir la feuille « Codes » du modèle de tableur).",
        ),
        (
            "A1;Action;Asso;Entreprise;insertion;5000;1000",
            "Ligne 2, colonne « Type de porteur » : type de porteur inconnu « Entreprise »",
        ),
        (
            "A1;Action;Asso;association;Vidéoprotection;5000;1000",
            "Ligne 2, colonne « Catégorie » : catégorie inconnue « Vidéoprotection »",
        ),
        (
            "A1;;Asso;association;insertion;5000;1000",
            "Ligne 2, colonne « Intitulé » : champ obligatoire vide.",
        ),
        (
            "A1;Action;Asso;association;insertion;;1000",
            "Ligne 2, colonne « Coût total » : le montant est vide : des chiffres sont attendus",
        ),
        (
            "A1;Action;Asso;association;insertion;-5;1000",
            "Ligne 2, colonne « Coût total » : le montant est négatif (-5).",
        ),
        (
            "A1;Action;Asso;association;insertion;1_000;1000",
            "Ligne 2, colonne « Coût total » : le montant n'est pas un nombre (« 1_000 »).",
        ),
        (
            "A1;Action;Asso;association;insertion;5000;beaucoup",
            "Ligne 2, colonne « Montant FIPD » : le montant n'est pas un nombre (« beaucoup »).",
        ),
    ],
)
def test_bad_cells_are_row_errors(tmp_path, ligne, attendu):
    sortie = verifier(tmp_path, "programmation.csv", f"{ENTETE_MINIMALE}\n{ligne}\n")

    assert (sortie.code, sortie.stdout) == (2, "")
    assert len(sortie.lignes) == 1, sortie.stderr
    assert sortie.lignes[0].startswith(attendu)


def test_optional_columns_problems_name_their_column(tmp_path):
    contenu = (
        f"{ENTETE_MINIMALE};Milieu;Contrat de ville;SIRET;Décision;Cofinanceur 1;Montant cofinanceur 1\n"
        "A1;Action;Asso;association;insertion;5000;1000;prison;peut-être;1234;Abandonnée;Commune;\n"
    )

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert [ligne.split(" : ")[0] for ligne in sortie.lignes] == [
        "Ligne 2, colonne « SIRET »",
        "Ligne 2, colonne « Milieu »",
        "Ligne 2, colonne « Montant cofinanceur 1 »",
        "Ligne 2, colonne « Contrat de ville »",
        "Ligne 2, colonne « Décision »",
    ]
    assert "oui ou non est attendu ; reçu « peut-être »." in sortie.stderr
    assert "décision inconnue « Abandonnée »" in sortie.stderr


def test_a_duplicate_reference_is_a_row_error(tmp_path):
    contenu = (
        f"{ENTETE_MINIMALE}\n"
        "A1;Action;Asso;association;insertion;5000;1000\n"
        "A2;Action;Asso;association;insertion;5000;1000\n"
        "A1;Action;Asso;association;insertion;5000;1000\n"
    )

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert sortie.lignes == [
        "Ligne 4, colonne « Référence » : référence déjà utilisée à la ligne 2 : chaque référence est unique "
        "dans le fichier."
    ]


def test_a_missing_required_column_is_reported_once(tmp_path):
    contenu = "Référence;Intitulé;Porteur;Type de porteur;Catégorie;Coût total\nA1;Action;Asso;association;insertion;5000\n"

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == ["Ligne 1 : la colonne obligatoire « Montant FIPD » (montant_fipd) est absente."]


def test_an_unknown_column_is_reported_with_a_suggestion(tmp_path):
    contenu = (
        f"{ENTETE_MINIMALE};Milieux;Commentaire\nA1;Action;Asso;association;insertion;5000;1000;libre;ok\n"
    )

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "Ligne 1, colonne « Milieux » : colonne inconnue (vouliez-vous dire « Milieu » ?). Renommez-la comme "
        "dans le modèle de tableur, ou faites commencer son en-tête par « Commentaire » ou « Note » si elle ne "
        "contient que des notes."
    ]


def test_a_column_given_twice_is_reported(tmp_path):
    contenu = f"{ENTETE_MINIMALE};montant_fipd\nA1;Action;Asso;association;insertion;5000;1000;1000\n"

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert sortie.lignes == [
        "Ligne 1, colonne « montant_fipd » : colonne en double (déjà la colonne G « Montant FIPD ») ; chaque "
        "colonne n'est donnée qu'une fois."
    ]


def test_a_co_funder_without_its_amount_column_is_reported(tmp_path):
    contenu = f"{ENTETE_MINIMALE};Cofinanceur 1\nA1;Action;Asso;association;insertion;5000;1000;Commune\n"

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert sortie.lignes == [
        "Ligne 1, colonne « Cofinanceur 1 » : la colonne « Montant cofinanceur 1 » manque ; un cofinanceur a "
        "une colonne pour son nom et une pour son montant."
    ]


def test_a_value_in_a_column_without_header_is_reported(tmp_path):
    contenu = f"{ENTETE_MINIMALE}\nA1;Action;Asso;association;insertion;5000;1000;;oublié\n"

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert sortie.lignes == [
        "Ligne 2, colonne I : valeur dans une colonne sans en-tête ; donnez-lui un en-tête du modèle de "
        "tableur, ou videz-la."
    ]


def test_a_stray_value_beside_the_table_is_reported_alone(tmp_path):
    contenu = f"{ENTETE_MINIMALE};Note\nA1;Action;Asso;association;insertion;5000;1000\n;;;;;;;à voir;total\n"

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert sortie.lignes == [
        "Ligne 3, colonne I : valeur dans une colonne sans en-tête ; donnez-lui un en-tête du modèle de "
        "tableur, ou videz-la."
    ]


def test_notes_columns_and_empty_rows_are_skipped(tmp_path):
    contenu = (
        f"\n{ENTETE_MINIMALE};Commentaire\n"
        "A1;Action;Asso;association;insertion;5000;1000;à revoir\n"
        ";;;;;;;note seule\n"
        ";;;;;;;\n"
        "A2;Action;Asso;association;insertion;5000;1000;\n"
    )

    lue = lire_csv(contenu.encode(), ENTETE)

    assert not lue.problemes, lue.problemes.lignes()
    assert [(a.numero, a.reference) for a in lue.actions] == [(3, "A1"), (6, "A2")]


def test_a_quoted_cell_may_hold_the_separator_and_line_breaks():
    contenu = f'{ENTETE_MINIMALE}\n"A1";"Action ; sur\ndeux lignes";Asso;association;insertion;5000;1000\n'

    lue = lire_csv(contenu.encode(), ENTETE)

    assert not lue.problemes
    assert lue.actions[0].intitule == "Action ; sur\ndeux lignes"


def test_missing_options_are_reported_as_options(tmp_path):
    contenu = f"{ENTETE_MINIMALE}\nA1;Action;Asso;association;insertion;5000;1000\n"

    sortie = verifier(tmp_path, "programmation.csv", contenu, "--departement", "59", "--enveloppe", "mille")

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "Option --annee : option obligatoire avec un fichier CSV ou XLSX (par exemple --annee 2026).",
        "Option --programme : option obligatoire avec un fichier CSV ou XLSX (par exemple --programme R).",
        "Option --enveloppe : le montant n'est pas un nombre (« mille »).",
    ]


def test_bad_options_read_as_for_json(tmp_path):
    contenu = f"{ENTETE_MINIMALE}\nA1;Action;Asso;association;insertion;5000;1000\n"

    sortie = verifier(
        tmp_path,
        "programmation.csv",
        contenu,
        *OPTIONS[:2],
        "--annee",
        "2031",
        "--programme",
        "R",
        "--enveloppe",
        "1",
    )

    assert sortie.lignes == [
        "Option --annee : l'exercice 2031 n'existe pas : aucun paramètre n'est défini pour cette année."
    ]


def test_at_most_200_problems_are_printed_then_their_count(tmp_path):
    lignes = "".join(f"A{i};Action;Asso;association;insertion;5000;1,001\n" for i in range(300))

    sortie = verifier(tmp_path, "programmation.csv", f"{ENTETE_MINIMALE}\n{lignes}")

    assert (sortie.code, sortie.stdout) == (2, "")
    assert len(sortie.lignes) == PROBLEMES_AFFICHES + 1
    assert sortie.lignes[0].startswith("Ligne 2, colonne « Montant FIPD »")
    assert sortie.lignes[-1] == (
        "… et 100 autres problèmes (300 au total) : corrigez ceux-ci, puis vérifiez de nouveau le fichier."
    )


# --- Faulty files: a clear message, exit 2, nothing on stdout -------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def bombe(taille: int = 20 * 1024 * 1024) -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * taille)
    return tampon.getvalue()


FICHIERS_FAUTIFS = {
    "csv_vide": ("programmation.csv", b"", "Le fichier est vide"),
    "csv_blanc": ("programmation.csv", b"\xef\xbb\xbf \r\n\r\n", "Le fichier est vide"),
    "csv_entete_seule": (
        "programmation.csv",
        f"{ENTETE_MINIMALE}\r\n;;;\r\n".encode(),
        "Le fichier ne contient que la ligne d'en-tête",
    ),
    "csv_utf16": (
        "programmation.csv",
        f"{ENTETE_MINIMALE}\nA1;Été;Asso;association;insertion;5000;1000\n".encode("utf-16"),
        "Le fichier est encodé en UTF-16",
    ),
    "csv_ni_utf8_ni_windows_1252": (
        "programmation.csv",
        f"{ENTETE_MINIMALE}\nA1;Action;Asso;association;insertion;5000;1000\n".encode() + b"\x81\x8d",
        "Le fichier n'est encodé ni en UTF-8 ni en Windows-1252",
    ),
    "png_renomme_csv": ("programmation.csv", PNG, "Ce fichier n'est pas un fichier texte CSV"),
    "binaire_sans_octet_nul": (
        "programmation.csv",
        bytes(range(1, 32)) * 10,
        "Ce fichier n'est pas un fichier texte CSV",
    ),
    "xlsx_renomme_csv": ("programmation.csv", "XLSX", "Ce fichier est un classeur XLSX"),
    "xls_renomme_csv": (
        "programmation.csv",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        "Ce fichier est un classeur Excel 97-2003",
    ),
    "xlsx_vide": ("programmation.xlsx", b"", "Le fichier est vide"),
    "csv_renomme_xlsx": (
        "programmation.xlsx",
        f"{ENTETE_MINIMALE}\n".encode(),
        "Ce fichier n'est pas un classeur XLSX",
    ),
    "png_renomme_xlsx": ("programmation.xlsx", PNG, "Ce fichier n'est pas un classeur XLSX"),
    "zip_quelconque": ("programmation.xlsx", "ZIP", "Ce fichier n'est pas un classeur XLSX"),
    "zip_endommage": ("programmation.xlsx", "ZIP_ENDOMMAGE", "Le classeur XLSX n'a pas pu être lu"),
    "zip_bzip2": ("programmation.xlsx", "BZIP2", "Ce fichier n'est pas un classeur XLSX"),
    "bombe": (
        "programmation.xlsx",
        "BOMBE",
        "Le classeur est refusé : décompressé, il occuperait 20,0 Mo,",
    ),
    "xlsx_entete_seule": (
        "programmation.xlsx",
        "ENTETE_SEULE",
        "Le fichier ne contient que la ligne d'en-tête",
    ),
    "xls": (
        "programmation.xls",
        b"\xd0\xcf\x11\xe0",
        "Le format .xls (Excel 97-2003) n'est pas pris en charge",
    ),
    "ods": ("programmation.ods", b"PK", "Le format .ods (LibreOffice) n'est pas pris en charge"),
}


def contenu_fautif(contenu):
    if contenu == "XLSX":
        return classeur([ENTETE_MINIMALE.split(";")])
    if contenu == "ZIP":
        tampon = io.BytesIO()
        with zipfile.ZipFile(tampon, "w") as archive:
            archive.writestr("lisez-moi.txt", "Bonjour")
        return tampon.getvalue()
    if contenu == "ZIP_ENDOMMAGE":
        tampon = io.BytesIO()
        with zipfile.ZipFile(tampon, "w") as archive:
            archive.writestr("[Content_Types].xml", "<Types")
            archive.writestr("xl/workbook.xml", "pas du XML")
        return tampon.getvalue()
    if contenu == "BOMBE":
        return bombe()
    if contenu == "BZIP2":
        tampon = io.BytesIO()
        with zipfile.ZipFile(tampon, "w", zipfile.ZIP_BZIP2) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
        return tampon.getvalue()
    if contenu == "ENTETE_SEULE":
        return classeur([ENTETE_MINIMALE.split(";"), [], [None, None]])
    return contenu


@pytest.mark.parametrize(
    ("nom", "contenu", "attendu"), FICHIERS_FAUTIFS.values(), ids=FICHIERS_FAUTIFS.keys()
)
def test_a_faulty_file_is_bad_input_with_a_clear_message(tmp_path, nom, contenu, attendu):
    sortie = verifier(tmp_path, nom, contenu_fautif(contenu))

    assert (sortie.code, sortie.stdout) == (2, ""), sortie.stderr
    assert sortie.lignes[0].startswith(attendu), sortie.stderr
    assert "Traceback" not in sortie.stderr


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    import openpyxl

    def interdit(*args, **kwargs):
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", interdit)
    petite_bombe = bombe(2 * 1024 * 1024)  # 2 Mo of zeros: compressed a thousand times
    assert len(petite_bombe) * RATIO_MAXIMAL < 2 * 1024 * 1024

    lue = lire_xlsx(petite_bombe, ENTETE)

    assert lue.problemes.lignes()[0].startswith("Le classeur est refusé")


def rangee(i: int) -> str:
    return f"A{i};Action;Asso;association;insertion;5000;1\n"


def test_more_than_5000_csv_rows_are_refused_before_any_is_read(tmp_path, monkeypatch):
    from programmation.tableur import feuille

    def interdit(*args, **kwargs):
        raise AssertionError("no row is read past the limit")

    monkeypatch.setattr(feuille, "lire_action", interdit)
    contenu = ENTETE_MINIMALE + "\n" + "".join(rangee(i) for i in range(LIGNES_MAXIMALES + 1))

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        f"Le fichier compte plus de 5{FINE}000 lignes d'actions (ligne d'en-tête non comprise) : au plus "
        f"5{FINE}000 sont admises. Découpez la programmation en plusieurs fichiers."
    ]


def test_5000_rows_are_accepted(tmp_path):
    contenu = ENTETE_MINIMALE + "\n" + "".join(rangee(i) for i in range(LIGNES_MAXIMALES))

    sortie = verifier(tmp_path, "programmation.csv", contenu)

    assert sortie.code == 0, sortie.stderr[:500]
    assert len(sortie.rapport["actions"]) == LIGNES_MAXIMALES


def test_more_than_5000_xlsx_rows_are_refused(tmp_path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(ENTETE_MINIMALE.split(";"))
    for i in range(LIGNES_MAXIMALES + 1):
        ws.append([f"A{i}", "Action", "Asso", "association", "insertion", 5000, 1])
    tampon = io.BytesIO()
    wb.save(tampon)

    sortie = verifier(tmp_path, "programmation.xlsx", tampon.getvalue())

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes[0].startswith(f"Le fichier compte plus de 5{FINE}000 lignes d'actions")


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path, settings):
    settings.FIPD_TAILLE_MAXIMALE_FICHIER = 1024 * 1024
    contenu = ENTETE_MINIMALE + "\n" + rangee(1) * 30000

    for nom in ("programmation.csv", "programmation.xlsx", "programmation.json"):
        sortie = verifier(tmp_path, nom, contenu)
        assert (sortie.code, sortie.stdout) == (2, "")
        assert sortie.lignes == [
            "Le fichier pèse 1,3 Mo : au plus 1 Mo sont admis. Découpez la programmation en plusieurs fichiers."
        ]


def test_the_readers_check_the_size_of_what_they_are_given(settings):
    settings.FIPD_TAILLE_MAXIMALE_FICHIER = 10
    for lire in (lire_csv, lire_xlsx):
        assert lire(b"x" * 11, ENTETE).problemes.lignes()[0].startswith("Le fichier pèse")


def test_dev_zero_is_refused_without_being_read(tmp_path):
    sortie = executer_chemin("/dev/zero", *OPTIONS)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "« /dev/zero » n'est pas un fichier ordinaire (c'est un tube, un périphérique ou une socket) : indiquez "
        "le chemin d'un fichier enregistré sur le disque."
    ]


@pytest.mark.parametrize("nom", ["tube.csv", "tube.json"])
def test_a_fifo_is_refused_without_blocking(tmp_path, nom):
    tube = tmp_path / nom
    os.mkfifo(tube)
    environnement = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'vide.sqlite3'}",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_SETTINGS_MODULE": "fipd.settings",
    }

    resultat = subprocess.run(
        [sys.executable, "manage.py", "verifier_programmation", str(tube), *OPTIONS],
        cwd=RACINE,
        env=environnement,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (resultat.returncode, resultat.stdout) == (2, "")
    assert "n'est pas un fichier ordinaire" in resultat.stderr


def test_a_directory_is_refused(tmp_path):
    sortie = executer_chemin(tmp_path, *OPTIONS)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert "est un dossier, pas un fichier" in sortie.stderr


def test_lire_tableur_picks_the_reader_by_extension():
    contenu = f"{ENTETE_MINIMALE}\nA1;Action;Asso;association;insertion;5000;1000\n".encode()
    assert lire_tableur(contenu, "Programmation.CSV", ENTETE).actions[0].reference == "A1"
    assert (
        lire_tableur(contenu, "x.xlsx", ENTETE)
        .problemes.lignes()[0]
        .startswith("Ce fichier n'est pas un classeur XLSX")
    )


# --- The template ----------------------------------------------------------------------------------------


def modele(programme: str):
    from programmation.tableur.modele import modele_xlsx

    return modele_xlsx(programme)


@pytest.mark.parametrize("programme", ["R", "D", "S", "K"])
def test_the_template_headers_are_read_back(programme):
    wb = load_workbook(io.BytesIO(modele(programme)))
    entetes = [c.value for c in wb["Actions"][1]]

    assert entetes[:3] == ["Référence", "Intitulé", "Porteur"]
    assert all(reconnaitre(e) is not None for e in entetes), entetes
    assert wb.sheetnames == ["Actions", "Codes"]


def test_the_template_has_only_the_columns_of_its_programme():
    def entetes(programme):
        return [c.value for c in load_workbook(io.BytesIO(modele(programme)))["Actions"][1]]

    assert not {"Quantité", "Mesure de la SNPD", "Cofinanceur 1 État"} & set(entetes("R"))
    assert "Mesure de la SNPD" in entetes("D") and "Quantité" not in entetes("D")
    assert {"Quantité", "Cofinanceur 1 État"} <= set(entetes("S"))
    assert CHAMPS["iscg_premiere_annee"].libelle in entetes("D")


def test_the_template_lists_the_programmes_codes_and_labels():
    codes = load_workbook(io.BytesIO(modele("S")))["Codes"]
    colonnes = {codes.cell(1, c).value: c for c in range(1, codes.max_column + 1) if codes.cell(1, c).value}

    def liste(nom):
        c = colonnes[nom]
        return tuple(
            (codes.cell(r, c).value, codes.cell(r, c + 1).value)
            for r in range(3, codes.max_row + 1)
            if codes.cell(r, c).value
        )

    assert liste("Catégorie") == CATEGORIES_S
    assert liste("Type de porteur") == TYPES_PORTEUR
    assert liste("Public") == PUBLICS
    assert liste("Milieu") == MILIEUX
    assert liste("Thème de prévention primaire") == THEMES
    assert liste("Décision")[0] == ("en_instruction", "En instruction")
    assert liste("Oui / non") == (("oui", "Oui"), ("non", "Non"))


def test_the_template_validates_coded_columns_formats_amounts_and_freezes_its_header():
    wb = load_workbook(io.BytesIO(modele("R")))
    actions = wb["Actions"]
    lettres = {c.value: c.column_letter for c in actions[1]}

    assert actions.freeze_panes == "A2"
    for entete in ("Coût total", "Montant demandé", "Montant FIPD", "Montant cofinanceur 1"):
        assert actions.column_dimensions[lettres[entete]].number_format == '#,##0.00 "€"'
    assert actions.column_dimensions[lettres["SIRET"]].number_format == "@"
    assert actions.column_dimensions[lettres["Intitulé"]].width >= 40
    listes = {str(v.sqref): v.formula1 for v in actions.data_validations.dataValidation if v.type == "list"}
    categories = listes[f"{lettres['Catégorie']}2:{lettres['Catégorie']}5001"]
    assert categories == "'Codes'!$D$3:$D$11"
    assert tuple(c.value for c in wb["Codes"]["D"][2:11]) == tuple(libelle for _, libelle in CATEGORIES_R)
    assert len(listes) == 7  # category, porteur type, public, setting, contrat de ville, theme, decision
    assert all(f.startswith("'Codes'!$") for f in listes.values())


def test_a_filled_template_passes_the_check_as_its_json(tmp_path, rapport_json):
    wb = load_workbook(io.BytesIO(modele("R")))
    actions = wb["Actions"]
    colonnes = {c.value: c.column for c in actions[1]}
    for rang, (action, ligne) in enumerate(zip(JSON["actions"], LIGNES_FRANCAISES, strict=True), start=2):
        valeurs = dict(zip(ENTETES_FRANCAIS, ligne, strict=True))
        valeurs["Plan d'action du contrat de ville"] = "Oui" if action.get("contrat_de_ville") else "Non"
        valeurs["Justification de l'intérêt majeur"] = valeurs.pop("Justification")
        del valeurs["Contrat de ville"]
        for entete in valeurs:
            if entete.startswith(("Coût", "Montant")):
                valeurs[entete] = _nombre(valeurs[entete])
        for entete, valeur in valeurs.items():
            if valeur not in ("", None):
                actions.cell(rang, colonnes[entete], valeur)
    tampon = io.BytesIO()
    wb.save(tampon)

    sortie = verifier(tmp_path, "modele-rempli.xlsx", tampon.getvalue())

    assert (sortie.code, sortie.stderr) == (1, "")
    assert sortie.rapport == rapport_json


def _nombre(texte: str) -> float | None:
    """A French amount as the number a spreadsheet cell holds."""
    if not texte:
        return None
    return float(texte.replace("€", "").replace(NBSP, "").replace(" ", "").replace(",", "."))


def test_every_label_of_the_template_lists_is_read_back_as_its_code():
    for colonne in colonnes_du_modele("R"):
        if colonne.type in (CODE, BOOLEEN):
            for code, libelle in colonne.codes_admis("R"):
                attendu = {"oui": True, "non": False}.get(code, code) if colonne.type == BOOLEEN else code
                assert valeur_de(colonne, libelle, "R") == attendu
    assert {c.type for c in colonnes_du_modele("R")} >= {CODE, BOOLEEN, MONTANT}
    assert [c for c, _ in reconnaitre("categorie").codes_admis("R")] == [c for c, _ in CATEGORIES_R]


# --- Never a traceback ------------------------------------------------------------------------------------


@reglages(max_examples=100, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_give_problems_or_actions_never_an_exception(contenu):
    for lire in (lire_csv, lire_xlsx):
        lue = lire(contenu, ENTETE)
        assert lue.problemes or lue.actions


CELLULE = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1 234,56 €", "4000.125", "oui", "Milieu carcéral", "=1+1", "", " ", '"', ";", "\n"]),
)


@reglages(max_examples=100, deadline=None)
@given(st.lists(st.lists(CELLULE, max_size=9), max_size=6))
def test_any_csv_rows_under_the_header_give_problems_or_actions(lignes):
    contenu = texte_csv([[*ENTETE_MINIMALE.split(";"), "Milieu"], *lignes]).encode("utf-8")
    lue = lire_csv(contenu, ENTETE)
    assert all(isinstance(ligne, str) and "\n" not in ligne for ligne in lue.problemes.lignes())
    assert lue.problemes or lue.actions


@reglages(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.floats(), st.integers(), st.booleans(), st.text(max_size=20)), max_size=8
        ),
        max_size=4,
    )
)
def test_any_xlsx_cells_under_the_header_give_problems_or_actions(lignes):
    nettoyees = [
        [re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", v) if isinstance(v, str) else v for v in ligne]
        for ligne in lignes
    ]
    lue = lire_xlsx(classeur([ENTETE_MINIMALE.split(";"), *nettoyees]), ENTETE)
    assert lue.problemes or lue.actions
