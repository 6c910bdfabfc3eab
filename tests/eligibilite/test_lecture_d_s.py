"""The reader's new fields for programmes D and S (DESIGN.md §4): ``quantite``, ``iscg_premiere_annee`` and
``mesure_snpd`` (integers, null by default) and each co-funder's ``etat`` (false by default); the department
the rules need, carried from the file's header to every action's facts. No database."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from eligibilite.lecture import Problemes, lire_action, lire_json

D = Decimal


def action(**champs) -> dict:
    valeurs = {
        "reference": "ISCG-1",
        "intitule": "Intervenante sociale au commissariat",
        "porteur": {"nom": "Association Le Mas", "type": "association"},
        "categorie": "poste_iscg",
        "cout_total": "42000.00",
        "montant_fipd": "21000.00",
    }
    valeurs.update(champs)
    return valeurs


def lire(brute: dict, programme: str = "D") -> tuple[object, list[str]]:
    problemes = Problemes()
    lue = lire_action(brute, problemes, programme=programme, departement="69")
    return lue, problemes.lignes()


def test_the_new_fields_are_null_when_left_out_or_null():
    for brute in (action(), action(quantite=None, iscg_premiere_annee=None, mesure_snpd=None)):
        lue, problemes = lire(brute)
        assert problemes == []
        faits = lue.faits()
        assert (faits.quantite, faits.iscg_premiere_annee, faits.mesure_snpd) == (None, None, None)


def test_the_new_fields_reach_the_facts():
    lue, problemes = lire(action(iscg_premiere_annee=2025, mesure_snpd=35, quantite=3))
    assert problemes == []
    faits = lue.faits()
    assert (faits.iscg_premiere_annee, faits.mesure_snpd, faits.quantite) == (2025, 35, 3)
    assert faits.departement == "69"


@pytest.mark.parametrize(
    ("champ", "valeur"),
    [
        ("quantite", 1),
        ("quantite", 5000),
        ("mesure_snpd", 1),
        ("mesure_snpd", 50),
        ("iscg_premiere_annee", 2000),
        ("iscg_premiere_annee", 2100),
    ],
)
def test_integers_within_their_range_are_read(champ, valeur):
    lue, problemes = lire(action(**{champ: valeur}))
    assert problemes == []
    assert getattr(lue, champ) == valeur


MAUVAIS = [
    # (field, value, what the message says it received)
    ("quantite", "12", "la chaîne « 12 »"),
    ("quantite", D("12.0"), "le nombre 12.0"),
    ("quantite", D("1.5"), "le nombre 1.5"),
    ("quantite", True, "le booléen true"),
    ("quantite", 0, "le nombre 0"),
    ("quantite", -4, "le nombre -4"),
    ("quantite", [3], "une liste"),
    ("mesure_snpd", "35", "la chaîne « 35 »"),
    ("mesure_snpd", D("35.0"), "le nombre 35.0"),
    ("mesure_snpd", False, "le booléen false"),
    ("mesure_snpd", 0, "le nombre 0"),
    ("mesure_snpd", 51, "le nombre 51"),
    ("iscg_premiere_annee", "2025", "la chaîne « 2025 »"),
    ("iscg_premiere_annee", D("2025.5"), "le nombre 2025.5"),
    ("iscg_premiere_annee", True, "le booléen true"),
    ("iscg_premiere_annee", 25, "le nombre 25"),
    ("iscg_premiere_annee", 1999, "le nombre 1999"),
    ("iscg_premiere_annee", 2101, "le nombre 2101"),
    ("iscg_premiere_annee", {"annee": 2025}, "un objet"),
]
ATTENDUS = {
    "quantite": "un nombre entier d'au moins 1 (le nombre d'équipements) est attendu",
    "mesure_snpd": "un numéro de mesure de la SNPD est attendu (un nombre entier de 1 à 50)",
    "iscg_premiere_annee": "une année est attendue (un nombre entier de 2000 à 2100)",
}


@pytest.mark.parametrize(("champ", "valeur", "recu"), MAUVAIS, ids=[f"{m[0]}={m[1]!r}" for m in MAUVAIS])
def test_a_string_a_float_a_boolean_or_out_of_range_is_bad_input_naming_action_and_field(champ, valeur, recu):
    lue, problemes = lire(action(**{champ: valeur}))

    assert problemes == [f"Action ISCG-1, champ « {champ} » : {ATTENDUS[champ]} ; reçu : {recu}."]
    assert getattr(lue, champ) is None


def test_a_very_long_integer_is_out_of_range_not_a_crash():
    texte = json.dumps(
        {
            "departement": "59",
            "annee": 2026,
            "programme": "S",
            "enveloppe": "1000",
            "actions": [action(categorie="gilets_pare_balles")],
        }
    ).replace('"cout_total"', f'"quantite": {"9" * 150}, "cout_total"')
    lue = lire_json(texte)
    (ligne,) = lue.problemes.lignes()
    assert ligne.startswith("Action ISCG-1, champ « quantite » : un nombre entier d'au moins 1")


def test_every_problem_of_the_new_fields_is_reported_not_only_the_first():
    _, problemes = lire(action(quantite="2", mesure_snpd=99, iscg_premiere_annee=True))
    assert [p.split(" : ")[0] for p in problemes] == [
        "Action ISCG-1, champ « quantite »",
        "Action ISCG-1, champ « iscg_premiere_annee »",
        "Action ISCG-1, champ « mesure_snpd »",
    ]


# --- The co-funders' State flag -----------------------------------------------------------------------------


def test_a_co_funder_is_state_money_only_when_it_says_so():
    lue, problemes = lire(
        action(
            categorie="videoprotection",
            cofinancements=[
                {"financeur": "DETR", "montant": "25000.00", "etat": True},
                {"financeur": "Métropole", "montant": "15000.00"},
                {"financeur": "Commune", "montant": "1000.00", "etat": False},
                {"financeur": "DSIL", "montant": "500.00", "etat": None},
            ],
        ),
        programme="S",
    )
    assert problemes == []
    faits = lue.faits()
    assert faits.cofinancements == (D("25000.00"), D("15000.00"), D("1000.00"), D("500.00"))
    assert faits.cofinancements_etat == (D("25000.00"),)


@pytest.mark.parametrize(
    ("valeur", "recu"), [("oui", "la chaîne « oui »"), (1, "le nombre 1"), ([], "une liste")]
)
def test_a_state_flag_that_is_not_a_boolean_is_bad_input(valeur, recu):
    _, problemes = lire(
        action(
            categorie="videoprotection",
            cofinancements=[{"financeur": "DETR", "montant": "1", "etat": valeur}],
        ),
        programme="S",
    )
    assert problemes == [
        f"Action ISCG-1, cofinancement n° 1, champ « etat » : true ou false est attendu ; reçu : {recu}."
    ]


def test_an_unknown_key_of_a_co_funder_lists_etat_among_the_admitted_keys():
    _, problemes = lire(action(cofinancements=[{"financeur": "DETR", "montant": "1", "public": True}]))
    assert problemes == [
        "Action ISCG-1, cofinancement n° 1, champ « public » : clé inconnue ; clés admises : financeur, montant, "
        "etat."
    ]


# --- Categories per programme and the department ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("programme", "categorie"),
    [("S", "sante_mentale"), ("S", "poste_iscg"), ("D", "videoprotection"), ("R", "poste_iscg")],
)
def test_another_programmes_category_is_an_unknown_code(programme, categorie):
    _, problemes = lire(action(categorie=categorie), programme=programme)
    assert len(problemes) == 1
    assert problemes[0].startswith(f"Action ISCG-1, champ « categorie » : catégorie inconnue « {categorie} »")


def test_the_files_department_reaches_every_actions_facts():
    texte = json.dumps(
        {
            "departement": "974",
            "annee": 2026,
            "programme": "D",
            "enveloppe": "1000",
            "actions": [action(), action(reference="ISCG-2")],
        }
    )
    lue = lire_json(texte)
    assert not lue.problemes
    assert [a.faits().departement for a in lue.actions] == ["974", "974"]
    assert lire_json(texte, {"departement": "59"}).actions[0].faits().departement == "59"
