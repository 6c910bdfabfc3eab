"""Programme S: municipal police equipment caps (Moselle 2022), the 3 000 € minimum and the 80 % State share
(Isère 2024), one cent either side of each bound, unrounded; the rules whose parameters start later."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eligibilite.regles import FaitsProgrammation, Niveau, Totaux, montant, pourcentage, registre

from .builders import (
    GRANDE_ENVELOPPE,
    D,
    action_s,
    assert_french,
    codes,
    parametres_de,
    seul_verdict,
    verdicts,
)

EQUIPEMENTS = ("gilets_pare_balles", "terminaux_radio", "cameras_pietons")
AUTRES = ("videoprotection", "securisation_scolaire", "securisation_site", "autre")
MOSELLE = (
    "Préfecture de la Moselle, appel à projets FIPD 2022, annexe 4 « Équipement des polices municipales »"
)
ISERE = "Préfecture de l'Isère, appel à projets FIPD 2024, programme S, principes communs"
REGLES_S = ("S_EQUIPEMENT_PLAFOND", "S_QUANTITE_MANQUANTE", "S_MONTANT_MINIMAL", "S_PART_ETAT")


@pytest.fixture
def p():
    return parametres_de("S", 2026)


def verdict(a, p, code):
    return seul_verdict(verdicts(a, p, "S"), code)


def equipement(categorie, quantite, cout, fipd):
    return action_s(categorie=categorie, quantite=quantite, cout_total=D(cout), montant_fipd=D(fipd))


# --- The parameters ------------------------------------------------------------------------------------------


def test_the_values_and_their_sources(p):
    assert (p.plafond_gilet_pare_balles, p.plafond_terminal_radio, p.plafond_camera_pieton) == (
        D("250.00"),
        D("420.00"),
        D("200.00"),
    )
    assert (p.taux_terminaux_radio, p.taux_cameras_pietons) == (D("0.30"), D("0.50"))
    assert (p.montant_minimal_dossier, p.part_maximale_etat) == (D("3000.00"), D("0.80"))
    for code, paragraphe in (
        ("plafond_gilet_pare_balles", "§I.1"),
        ("taux_terminaux_radio", "§I.2"),
        ("plafond_terminal_radio", "§I.2"),
        ("taux_cameras_pietons", "§I.3"),
        ("plafond_camera_pieton", "§I.3"),
    ):
        assert p.source(code).startswith(f"{MOSELLE}, {paragraphe}")
        assert p.debuts[code] == 2022
    for code in ("montant_minimal_dossier", "part_maximale_etat"):
        assert p.source(code).startswith(ISERE)
        assert p.debuts[code] == 2024


@pytest.mark.parametrize(
    ("annee", "non_evaluees"),
    [
        (2018, set(REGLES_S)),
        (2021, set(REGLES_S)),
        (2022, {"S_MONTANT_MINIMAL", "S_PART_ETAT"}),
        (2023, {"S_MONTANT_MINIMAL", "S_PART_ETAT"}),
        (2024, set()),
        (2026, set()),
    ],
)
def test_a_rule_whose_parameter_starts_later_is_reported_as_not_evaluated(annee, non_evaluees):
    p = parametres_de("S", annee)
    rapport = {n.regle: n.raison for n in registre("S").non_evaluees(p)}

    assert set(rapport) == non_evaluees
    for raison in rapport.values():
        assert raison.startswith(f"aucun paramètre en vigueur en {annee} (")
    if "S_PART_ETAT" in rapport:
        assert (
            rapport["S_PART_ETAT"]
            == f"aucun paramètre en vigueur en {annee} (part maximale des financements de l'État)"
        )


def test_in_2023_a_small_school_project_is_not_checked_against_the_2024_minimum_nor_the_state_share():
    """The example e03 of exemples-regles: 1 900 € of FIPD on a 2 400 € project."""
    a = action_s(categorie="securisation_scolaire", cout_total=D("2400.00"), montant_fipd=D("1900.00"))
    assert codes(a, parametres_de("S", 2023), "S") == []
    assert codes(a, parametres_de("S", 2024), "S") == ["S_MONTANT_MINIMAL"]


def test_in_2023_equipment_is_checked_already():
    p = parametres_de("S", 2023)
    assert codes(equipement("gilets_pare_balles", 2, "600.00", "500.01"), p, "S") == ["S_EQUIPEMENT_PLAFOND"]
    assert codes(equipement("gilets_pare_balles", None, "600.00", "500.00"), p, "S") == [
        "S_QUANTITE_MANQUANTE"
    ]


# --- S_EQUIPEMENT_PLAFOND ----------------------------------------------------------------------------------------

BORNES = [
    # (category, quantity, cost, FIPD that passes, FIPD one cent over, which cap binds)
    ("gilets_pare_balles", 12, "7200.00", "3000.00", "3000.01", "unitaire", "0,01\u00a0€"),  # 12 × 250 €
    # 2 × 420 € < 30 % = 3 000 €
    ("terminaux_radio", 2, "10000.00", "840.00", "840.01", "unitaire", "0,01\u00a0€"),
    # 30 % = 999,999 € < 4 200 €: 1 000,00 € is over by a tenth of a cent
    ("terminaux_radio", 10, "3333.33", "999.99", "1000.00", "taux", "moins d'un centime"),
    # 5 × 200 € < 50 % = 1 500 €
    ("cameras_pietons", 5, "3000.00", "1000.00", "1000.01", "unitaire", "0,01\u00a0€"),
    # 50 % = 617,285 € < 2 000 €
    ("cameras_pietons", 10, "1234.57", "617.28", "617.29", "taux", "0,01\u00a0€"),
]


@pytest.mark.parametrize(
    ("categorie", "quantite", "cout", "passe", "depasse", "cap", "exces"),
    BORNES,
    ids=[f"{b[0]}-{b[5]}" for b in BORNES],
)
def test_equipment_one_cent_either_side_of_its_cap(p, categorie, quantite, cout, passe, depasse, cap, exces):
    assert verdict(equipement(categorie, quantite, cout, passe), p, "S_EQUIPEMENT_PLAFOND") is None

    v = verdict(equipement(categorie, quantite, cout, depasse), p, "S_EQUIPEMENT_PLAFOND")
    assert v is not None
    assert (v.niveau, v.champ) == (Niveau.BLOQUANT, "montant_fipd")
    assert v.source == f"{MOSELLE}, §I.1 à §I.3"
    assert_french(v.message)
    assert montant(D(passe)) in v.message  # the cap, rounded down
    assert montant(D(depasse)) in v.message
    assert f"soit {exces} de plus" in v.message


def test_the_vest_message_gives_the_unit_amount_and_the_number(p):
    v = verdict(equipement("gilets_pare_balles", 12, "7200.00", "3100.00"), p, "S_EQUIPEMENT_PLAFOND")
    assert montant(D("250.00")) in v.message and "12 gilets" in v.message
    assert montant(D("100.00")) in v.message


def test_the_camera_message_gives_both_caps(p):
    v = verdict(equipement("cameras_pietons", 5, "3000.00", "1200.00"), p, "S_EQUIPEMENT_PLAFOND")
    assert montant(D("1500.00")) in v.message  # 50 % of the cost
    assert montant(D("1000.00")) in v.message  # 5 × 200 €
    assert pourcentage(D("0.5")) in v.message and "5 caméras" in v.message


def test_the_cap_reads_the_parameters_in_force(p):
    a = equipement("gilets_pare_balles", 4, "2000.00", "1200.00")
    assert verdict(a, p, "S_EQUIPEMENT_PLAFOND") is not None
    assert verdict(a, p.avec(plafond_gilet_pare_balles=D("300.00")), "S_EQUIPEMENT_PLAFOND") is None


@pytest.mark.parametrize("categorie", AUTRES)
def test_other_categories_have_no_equipment_cap(p, categorie):
    assert verdict(equipement(categorie, None, "10000.00", "8000.00"), p, "S_EQUIPEMENT_PLAFOND") is None


# --- S_QUANTITE_MANQUANTE ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("categorie", EQUIPEMENTS)
@pytest.mark.parametrize("quantite", [None, 0, -1])
def test_equipment_without_a_quantity_is_blocking_and_its_cap_is_not_reported(p, categorie, quantite):
    a = equipement(categorie, quantite, "1000.00", "1000.00")

    assert codes(a, p, "S") == ["S_QUANTITE_MANQUANTE", "S_PART_ETAT"]
    v = verdict(a, p, "S_QUANTITE_MANQUANTE")
    assert (v.niveau, v.champ, v.source) == (Niveau.BLOQUANT, "quantite", f"{MOSELLE}, §I.1 à §I.3")
    assert_french(v.message)
    if quantite is not None:
        assert f"saisi : {quantite}" in v.message


@pytest.mark.parametrize("categorie", AUTRES)
def test_other_categories_need_no_quantity(p, categorie):
    assert verdict(action_s(categorie=categorie), p, "S_QUANTITE_MANQUANTE") is None


# --- S_MONTANT_MINIMAL -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("categorie", AUTRES)
def test_a_project_one_cent_under_3000_is_blocking(p, categorie):
    assert (
        verdict(
            action_s(categorie=categorie, cout_total=D("3000.00"), montant_fipd=D("1.00")),
            p,
            "S_MONTANT_MINIMAL",
        )
        is None
    )

    v = verdict(
        action_s(categorie=categorie, cout_total=D("2999.99"), montant_fipd=D("1.00")), p, "S_MONTANT_MINIMAL"
    )
    assert (v.niveau, v.champ, v.source) == (Niveau.BLOQUANT, "cout_total", ISERE)
    assert_french(v.message)
    assert montant(D("3000.00")) in v.message
    assert montant(D("2999.99")) in v.message
    assert montant(D("0.01")) in v.message


@pytest.mark.parametrize("categorie", EQUIPEMENTS)
def test_police_equipment_is_excepted_from_the_minimum(p, categorie):
    a = equipement(categorie, 1, "150.00", "40.00")
    assert verdict(a, p, "S_MONTANT_MINIMAL") is None
    assert codes(a, p, "S") == []


# --- S_PART_ETAT ------------------------------------------------------------------------------------------------


def test_the_fipd_alone_up_to_80_percent_unrounded(p):
    # 80 % of 12 345,67 € is 9 876,536 €.
    assert verdict(action_s(cout_total=D("12345.67"), montant_fipd=D("9876.53")), p, "S_PART_ETAT") is None

    v = verdict(action_s(cout_total=D("12345.67"), montant_fipd=D("9876.54")), p, "S_PART_ETAT")
    assert (v.niveau, v.champ, v.source) == (Niveau.BLOQUANT, "montant_fipd", ISERE)
    assert_french(v.message)
    assert pourcentage(D("0.8")) in v.message
    assert montant(D("9876.53")) in v.message  # the bound, rounded down
    assert "soit moins d'un centime de plus" in v.message  # 9 876,54 − 9 876,536 = 0,004 €


def test_state_co_funders_count_with_the_fipd(p):
    base = dict(cout_total=D("10000.00"), montant_fipd=D("5000.00"))
    juste = action_s(**base, cofinancements=(D("3000.00"), D("2000.00")), cofinancements_etat=(D("3000.00"),))
    trop = action_s(**base, cofinancements=(D("3000.01"), D("1999.99")), cofinancements_etat=(D("3000.01"),))

    assert verdict(juste, p, "S_PART_ETAT") is None
    v = verdict(trop, p, "S_PART_ETAT")
    assert v is not None
    assert montant(D("5000.00")) in v.message and montant(D("3000.01")) in v.message
    assert montant(D("8000.01")) in v.message  # the State's total
    assert montant(D("8000.00")) in v.message  # the maximum
    assert f"soit {montant(D('0.01'))} de plus" in v.message


def test_non_state_co_funders_do_not_count(p):
    a = action_s(
        cout_total=D("10000.00"),
        montant_fipd=D("8000.00"),
        cofinancements=(D("2000.00"),),
        cofinancements_etat=(),
    )
    assert verdict(a, p, "S_PART_ETAT") is None
    assert codes(a, p, "S") == []


def test_several_state_co_funders_add_up(p):
    a = action_s(
        cout_total=D("10000.00"),
        montant_fipd=D("4000.00"),
        cofinancements=(D("2000.00"), D("2000.01"), D("1999.99")),
        cofinancements_etat=(D("2000.00"), D("2000.01")),
    )
    assert verdict(a, p, "S_PART_ETAT") is not None
    assert verdict(replace(a, montant_fipd=D("3999.99")), p, "S_PART_ETAT") is None


@pytest.mark.parametrize("categorie", EQUIPEMENTS + AUTRES)
def test_the_state_share_applies_to_every_category(p, categorie):
    a = action_s(categorie=categorie, quantite=100, cout_total=D("10000.00"), montant_fipd=D("8000.01"))
    assert verdict(a, p, "S_PART_ETAT") is not None


# --- Bounds on the FIPD amount (the live preview) -----------------------------------------------------------


def bornes(a, p):
    f = FaitsProgrammation(annee=p.annee, departement="59", programme="S", enveloppe=GRANDE_ENVELOPPE)
    m = registre("S").maxima(a, Totaux(), f, p)
    return {b.regle: b for b in m.bornes}, m.maximum


@pytest.mark.parametrize(
    ("categorie", "quantite", "cout", "plafond"),
    [
        ("gilets_pare_balles", 12, "7200.00", D("3000.00")),
        ("terminaux_radio", 2, "10000.00", D("840.00")),
        ("terminaux_radio", 10, "3333.33", D("999.999")),
        ("cameras_pietons", 10, "1234.57", D("617.285")),
    ],
)
def test_the_preview_shows_the_equipment_cap_unrounded(p, categorie, quantite, cout, plafond):
    trouvees, maximum = bornes(equipement(categorie, quantite, cout, "1.00"), p)
    assert trouvees["S_EQUIPEMENT_PLAFOND"].valeur == plafond
    assert maximum == plafond


def test_the_preview_shows_the_state_share_less_the_other_state_money(p):
    a = action_s(
        cout_total=D("80000.00"), cofinancements=(D("25000.00"),), cofinancements_etat=(D("25000.00"),)
    )
    trouvees, maximum = bornes(a, p)
    assert trouvees["S_PART_ETAT"].valeur == D("39000.00")
    assert maximum == D("39000.00")
    assert "80\u202f% du coût total" in trouvees["S_PART_ETAT"].libelle


def test_no_equipment_bound_without_a_quantity(p):
    trouvees, _ = bornes(equipement("cameras_pietons", None, "3000.00", "1.00"), p)
    assert "S_EQUIPEMENT_PLAFOND" not in trouvees
