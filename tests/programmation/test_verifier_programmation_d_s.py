"""``manage.py verifier_programmation`` on programmations of programmes D and S (DESIGN.md §3.5, §4): every
exit status, the rules of both sets with their figures, the rules not evaluated before their parameters start,
and every kind of bad input of the new fields."""

from __future__ import annotations

import json

import pytest

from tests.programmation.test_verifier_programmation import Sortie, executer_chemin

pytestmark = pytest.mark.django_db

NBSP, FINE = "\u00a0", "\u202f"


@pytest.fixture
def executer(tmp_path):
    def executer(contenu) -> Sortie:
        chemin = tmp_path / "programmation.json"
        chemin.write_text(json.dumps(contenu, ensure_ascii=False), encoding="utf-8")
        return executer_chemin(chemin)

    return executer


def poste(**champs) -> dict:
    """An ISCG post created in 2026 (rank 1), funded at 80 % of its cost, naming measure 35."""
    valeurs = {
        "reference": "ISCG-1",
        "intitule": "Intervenante sociale au commissariat de Vénissieux",
        "porteur": {"nom": "Association Le Mas", "type": "association"},
        "categorie": "poste_iscg",
        "cout_total": "40000.00",
        "montant_fipd": "32000.00",
        "iscg_premiere_annee": 2026,
        "mesure_snpd": 35,
    }
    valeurs.update(champs)
    return valeurs


def equipement(**champs) -> dict:
    """Twelve bullet-proof vests at their cap of 250 € each."""
    valeurs = {
        "reference": "GPB",
        "intitule": "Gilets pare-balles pour 12 policiers municipaux",
        "porteur": {"nom": "Commune de Denain", "type": "collectivite"},
        "categorie": "gilets_pare_balles",
        "cout_total": "7200.00",
        "montant_fipd": "3000.00",
        "quantite": 12,
    }
    valeurs.update(champs)
    return valeurs


def programmation(*actions, programme="D", annee=2026, departement="69", enveloppe="90000.00") -> dict:
    defaut = poste() if programme == "D" else equipement()
    return {
        "departement": departement,
        "annee": annee,
        "programme": programme,
        "enveloppe": enveloppe,
        "actions": list(actions) or [defaut],
    }


def verdict(sortie: Sortie, reference: str, code: str) -> dict:
    (action,) = [a for a in sortie.rapport["actions"] if a["reference"] == reference]
    (v,) = [v for v in action["verdicts"] if v["regle"] == code]
    return v


# --- Exit 0: eligible ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("programme", ["D", "S"])
def test_an_eligible_programmation_exits_0_with_null_training_figures(executer, programme):
    sortie = executer(programmation(programme=programme))

    assert (sortie.code, sortie.stderr) == (0, "")
    p = sortie.rapport["programmation"]
    assert sortie.rapport["eligible"] is True
    assert (p["total_formation"], p["plafond_formation"], p["lecture_plafond_formation"]) == (
        None,
        None,
        None,
    )
    assert p["regles_non_evaluees"] == []
    assert p["verdicts"] == []
    assert sortie.rapport["actions"][0]["verdicts"] == []


def test_an_action_without_its_measure_is_an_alert_and_stays_eligible(executer):
    sortie = executer(programmation(poste(mesure_snpd=None)))

    assert sortie.code == 0
    assert sortie.codes_action("ISCG-1") == ["MESURE_SNPD_ABSENTE"]
    v = verdict(sortie, "ISCG-1", "MESURE_SNPD_ABSENTE")
    assert v["niveau"] == "alerte"
    assert v["source"] == "SNPD 2026-2030, « indicateurs d'évaluation » de chaque mesure"
    assert sortie.rapport["actions"][0]["eligible"] is True


# --- Exit 1: blocking ----------------------------------------------------------------------------------------


def test_an_iscg_post_over_its_rate_exits_1_with_the_figures(executer):
    # Rank 3 in 2026: 33 % of 12 345,67 € is 4 074,0711 €.
    passe = poste(reference="P", cout_total="12345.67", montant_fipd="4074.07", iscg_premiere_annee=2024)
    depasse = poste(reference="Q", cout_total="12345.67", montant_fipd="4074.08", iscg_premiere_annee=2024)

    sortie = executer(programmation(passe, depasse))

    assert sortie.code == 1
    assert sortie.rapport["eligible"] is False
    assert sortie.codes_action("P") == []
    assert sortie.codes_action("Q") == ["ISCG_TAUX"]
    v = verdict(sortie, "Q", "ISCG_TAUX")
    assert (v["niveau"], v["source"]) == ("bloquant", "SNPD 2026-2030, mesure 35")
    assert f"33{FINE}%" in v["message"]
    assert f"4{FINE}074,07{NBSP}€" in v["message"]
    assert "3e année" in v["message"]
    assert [a["eligible"] for a in sortie.rapport["actions"]] == [True, False]


@pytest.mark.parametrize(("departement", "code"), [("69", 0), ("974", 1), ("976", 1)])
def test_the_files_department_gives_the_overseas_rate(executer, departement, code):
    """80 % of the cost in the first year: the rate of Rhône, over the 50 % of La Réunion and Mayotte."""
    sortie = executer(programmation(poste(), departement=departement))

    assert sortie.code == code
    assert sortie.codes_action("ISCG-1") == ([] if code == 0 else ["ISCG_TAUX"])
    if code:
        assert f"département {departement}" in verdict(sortie, "ISCG-1", "ISCG_TAUX")["message"]


def test_an_iscg_post_without_its_first_year_is_blocking_without_a_rate_verdict(executer):
    sortie = executer(programmation(poste(iscg_premiere_annee=None, montant_fipd="40000.00")))

    assert sortie.code == 1
    assert sortie.codes_action("ISCG-1") == ["ISCG_PREMIERE_ANNEE"]


def test_the_equipment_example_of_the_design(executer):
    """Vests at their cap; body cameras over 200 € a camera; video-protection whose State funding (the FIPD
    and the DETR) is over 80 % of its cost, the metropole's share not counting."""
    cameras = equipement(
        reference="CAM", categorie="cameras_pietons", cout_total="3000.00", montant_fipd="1200.00", quantite=5
    )
    videoprotection = {
        "reference": "VP",
        "intitule": "Extension de la vidéoprotection du centre-ville",
        "porteur": {"nom": "Valenciennes Métropole", "type": "collectivite"},
        "categorie": "videoprotection",
        "cout_total": "80000.00",
        "montant_fipd": "40000.00",
        "cofinancements": [
            {"financeur": "DETR", "montant": "25000.00", "etat": True},
            {"financeur": "Valenciennes Métropole", "montant": "15000.00"},
        ],
    }
    sortie = executer(
        programmation(
            equipement(), cameras, videoprotection, programme="S", departement="59", enveloppe="60000"
        )
    )

    assert sortie.code == 1
    assert sortie.codes_action("GPB") == []
    assert sortie.codes_action("CAM") == ["S_EQUIPEMENT_PLAFOND"]
    assert sortie.codes_action("VP") == ["S_PART_ETAT"]
    assert f"1{FINE}000,00{NBSP}€" in verdict(sortie, "CAM", "S_EQUIPEMENT_PLAFOND")["message"]
    part = verdict(sortie, "VP", "S_PART_ETAT")
    assert f"25{FINE}000,00{NBSP}€ d'autres financements de l'État" in part["message"]
    assert f"64{FINE}000,00{NBSP}€" in part["message"]


def test_the_same_co_funder_not_flagged_as_state_money_does_not_count(executer):
    videoprotection = equipement(
        reference="VP",
        categorie="videoprotection",
        quantite=None,
        cout_total="80000.00",
        montant_fipd="40000.00",
        cofinancements=[
            {"financeur": "DETR", "montant": "25000.00"},
            {"financeur": "Ville", "montant": "15000.00"},
        ],
    )
    sortie = executer(programmation(videoprotection, programme="S"))

    assert sortie.code == 0
    assert sortie.codes_action("VP") == []


def test_s_verdicts_come_in_the_registry_order(executer):
    cameras = equipement(
        categorie="cameras_pietons", quantite=None, montant_fipd="7200.00", montant_demande="1.00"
    )
    sortie = executer(programmation(cameras, programme="S", enveloppe="1.00"))

    assert sortie.codes_action("GPB") == ["S_QUANTITE_MANQUANTE", "S_PART_ETAT", "MONTANT_SUPERIEUR_DEMANDE"]
    assert sortie.codes_programmation() == ["ENVELOPPE_DEPASSEE"]


def test_d_verdicts_come_in_the_registry_order(executer):
    sortie = executer(programmation(poste(montant_fipd="40000.00", mesure_snpd=None, montant_demande="1.00")))

    assert sortie.codes_action("ISCG-1") == ["ISCG_TAUX", "MESURE_SNPD_ABSENTE", "MONTANT_SUPERIEUR_DEMANDE"]


# --- Rules not evaluated before their parameters start -----------------------------------------------------


def test_before_2026_the_snpd_rules_are_listed_as_not_evaluated(executer):
    sortie = executer(programmation(poste(iscg_premiere_annee=None, mesure_snpd=None), annee=2025))

    assert sortie.code == 0
    assert sortie.codes_action("ISCG-1") == []
    non_evaluees = sortie.rapport["programmation"]["regles_non_evaluees"]
    assert [n["regle"] for n in non_evaluees] == ["ISCG_TAUX", "ISCG_PREMIERE_ANNEE", "MESURE_SNPD_ABSENTE"]
    assert non_evaluees[2] == {
        "regle": "MESURE_SNPD_ABSENTE",
        "raison": "aucun paramètre en vigueur en 2025 (stratégie nationale de prévention de la délinquance)",
    }


def test_in_2023_the_2024_rules_of_programme_s_are_listed_as_not_evaluated(executer):
    ecole = equipement(
        reference="ECOLE",
        categorie="securisation_scolaire",
        quantite=None,
        cout_total="2400.00",
        montant_fipd="1900.00",
    )
    sortie = executer(programmation(ecole, programme="S", annee=2023, departement="59", enveloppe="10000.00"))

    assert sortie.code == 0
    assert sortie.rapport["programmation"]["regles_non_evaluees"] == [
        {
            "regle": "S_MONTANT_MINIMAL",
            "raison": "aucun paramètre en vigueur en 2023 (coût minimal d'un dossier hors équipement des polices "
            "municipales)",
        },
        {
            "regle": "S_PART_ETAT",
            "raison": "aucun paramètre en vigueur en 2023 (part maximale des financements de l'État)",
        },
    ]
    assert sortie.codes_action("ECOLE") == []
    # The same file in 2024: both rules are in force.
    en_2024 = executer(
        programmation(ecole, programme="S", annee=2024, departement="59", enveloppe="10000.00")
    )
    assert en_2024.code == 1
    assert en_2024.codes_action("ECOLE") == ["S_MONTANT_MINIMAL"]


def test_in_2021_no_rule_of_programme_s_is_evaluated(executer):
    sortie = executer(programmation(equipement(quantite=None), programme="S", annee=2021))

    assert sortie.code == 0
    assert [n["regle"] for n in sortie.rapport["programmation"]["regles_non_evaluees"]] == [
        "S_EQUIPEMENT_PLAFOND",
        "S_QUANTITE_MANQUANTE",
        "S_MONTANT_MINIMAL",
        "S_PART_ETAT",
    ]


# --- Exit 2: bad input of the new fields ----------------------------------------------------------------------

MAUVAISES_ENTREES = {
    # integers given as a string, a float, a boolean, or out of their range
    "quantite_chaine": ("quantite", "12", "la chaîne « 12 »"),
    "quantite_decimale": ("quantite", 12.5, "le nombre 12.5"),
    "quantite_flottant_entier": ("quantite", 12.0, "le nombre 12.0"),
    "quantite_booleen": ("quantite", True, "le booléen true"),
    "quantite_zero": ("quantite", 0, "le nombre 0"),
    "quantite_negative": ("quantite", -2, "le nombre -2"),
    "quantite_liste": ("quantite", [12], "une liste"),
    "mesure_chaine": ("mesure_snpd", "35", "la chaîne « 35 »"),
    "mesure_decimale": ("mesure_snpd", 35.0, "le nombre 35.0"),
    "mesure_booleen": ("mesure_snpd", False, "le booléen false"),
    "mesure_zero": ("mesure_snpd", 0, "le nombre 0"),
    "mesure_51": ("mesure_snpd", 51, "le nombre 51"),
    "annee_chaine": ("iscg_premiere_annee", "2025", "la chaîne « 2025 »"),
    "annee_decimale": ("iscg_premiere_annee", 2025.0, "le nombre 2025.0"),
    "annee_booleen": ("iscg_premiere_annee", True, "le booléen true"),
    "annee_courte": ("iscg_premiere_annee", 25, "le nombre 25"),
    "annee_1999": ("iscg_premiere_annee", 1999, "le nombre 1999"),
    "annee_2101": ("iscg_premiere_annee", 2101, "le nombre 2101"),
}
ATTENDUS = {
    "quantite": "un nombre entier d'au moins 1 (le nombre d'équipements) est attendu",
    "mesure_snpd": "un numéro de mesure de la SNPD est attendu (un nombre entier de 1 à 50)",
    "iscg_premiere_annee": "une année est attendue (un nombre entier de 2000 à 2100)",
}


@pytest.mark.parametrize("programme", ["D", "S"])
@pytest.mark.parametrize(
    ("champ", "valeur", "recu"), MAUVAISES_ENTREES.values(), ids=MAUVAISES_ENTREES.keys()
)
def test_a_bad_integer_exits_2_naming_the_action_and_the_field(executer, programme, champ, valeur, recu):
    donnees = programmation(programme=programme)
    donnees["actions"][0][champ] = valeur
    reference = donnees["actions"][0]["reference"]

    sortie = executer(donnees)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [f"Action {reference}, champ « {champ} » : {ATTENDUS[champ]} ; reçu : {recu}."]


@pytest.mark.parametrize(
    ("valeur", "recu"), [("oui", "la chaîne « oui »"), (1, "le nombre 1"), ({}, "un objet")]
)
def test_a_state_flag_that_is_not_a_boolean_exits_2(executer, valeur, recu):
    donnees = programmation(
        equipement(cofinancements=[{"financeur": "DETR", "montant": "1000.00", "etat": valeur}]),
        programme="S",
    )

    sortie = executer(donnees)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        f"Action GPB, cofinancement n° 1, champ « etat » : true ou false est attendu ; reçu : {recu}."
    ]


def test_a_null_state_flag_means_not_state_money(executer):
    videoprotection = equipement(
        categorie="videoprotection",
        quantite=None,
        cout_total="10000.00",
        montant_fipd="8000.00",
        cofinancements=[{"financeur": "DSIL", "montant": "2000.00", "etat": None}],
    )
    sortie = executer(programmation(videoprotection, programme="S"))

    assert sortie.code == 0


@pytest.mark.parametrize(
    ("programme", "categorie"),
    [
        ("S", "sante_mentale"),
        ("S", "poste_iscg"),
        ("D", "videoprotection"),
        ("D", "formation"),
        ("R", "poste_iscg"),
    ],
)
def test_another_programmes_category_is_an_unknown_code(executer, programme, categorie):
    donnees = programmation(programme=programme, annee=2026)
    donnees["actions"][0]["categorie"] = categorie
    reference = donnees["actions"][0]["reference"]

    sortie = executer(donnees)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert len(sortie.lignes) == 1
    assert sortie.lignes[0].startswith(
        f"Action {reference}, champ « categorie » : catégorie inconnue « {categorie} » (codes admis : "
    )


def test_every_problem_of_the_new_fields_is_reported_action_by_action(executer):
    premiere = poste(quantite="3", mesure_snpd=51)
    seconde = poste(
        reference="ISCG-2",
        iscg_premiere_annee=True,
        cofinancements=[{"financeur": "X", "montant": "1", "etat": "non"}],
    )
    sortie = executer(programmation(premiere, seconde))

    assert (sortie.code, sortie.stdout) == (2, "")
    assert [ligne.split(" : ")[0] for ligne in sortie.lignes] == [
        "Action ISCG-1, champ « quantite »",
        "Action ISCG-1, champ « mesure_snpd »",
        "Action ISCG-2, cofinancement n° 1, champ « etat »",
        "Action ISCG-2, champ « iscg_premiere_annee »",
    ]


@pytest.mark.parametrize("programme", ["D", "S"])
def test_an_exercice_that_does_not_exist_is_bad_input_for_every_programme(executer, programme):
    sortie = executer(programmation(programme=programme, annee=2031))

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "Champ « annee » : l'exercice 2031 n'existe pas : aucun paramètre n'est défini pour cette année."
    ]
