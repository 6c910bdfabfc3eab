"""Programme D: the rules of the SNPD 2026-2030 (DESIGN.md §3.5), one cent either side of each bound,
unrounded; the rank of an ISCG post; the overseas rate; the strategy's first year."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eligibilite.regles import FaitsProgrammation, Niveau, Totaux, montant, pourcentage, registre
from eligibilite.regles.delinquance import DEPARTEMENTS_OUTRE_MER, rang_et_taux, rang_iscg, taux_iscg

from .builders import (
    GRANDE_ENVELOPPE,
    D,
    action,
    assert_french,
    codes,
    parametres_de,
    poste_iscg,
    seul_verdict,
    verdicts,
)

COUT = D("12345.67")
REGLES_D = ("ISCG_TAUX", "ISCG_PREMIERE_ANNEE", "MESURE_SNPD_ABSENTE")


@pytest.fixture
def p():
    return parametres_de("D", 2026)


def verdict(a, p, code):
    return seul_verdict(verdicts(a, p, "D"), code)


# --- The parameters ------------------------------------------------------------------------------------------


def test_the_strategys_rates_are_in_force_from_2026_with_their_source(p):
    assert (
        p.taux_iscg_annee_1,
        p.taux_iscg_annee_2,
        p.taux_iscg_annees_suivantes,
        p.taux_iscg_outre_mer,
    ) == (
        D("0.80"),
        D("0.50"),
        D("0.33"),
        D("0.50"),
    )
    assert p.strategie_snpd == "SNPD 2026-2030"
    for code in (
        "taux_iscg_annee_1",
        "taux_iscg_annee_2",
        "taux_iscg_annees_suivantes",
        "taux_iscg_outre_mer",
    ):
        assert "SNPD 2026-2030, mesure 35" in p.source(code)
        assert p.debuts[code] == 2026
    assert "docs/decisions/005" in p.source("taux_iscg_outre_mer")


@pytest.mark.parametrize("annee", [2018, 2022, 2025])
def test_before_2026_none_of_the_three_rules_is_evaluated_and_the_report_says_why(annee):
    p = parametres_de("D", annee)
    en_infraction = poste_iscg(
        cout_total=D("1000.00"), montant_fipd=D("1000.00"), iscg_premiere_annee=None, mesure_snpd=None
    )

    assert not any(code in REGLES_D for code in codes(en_infraction, p, "D"))
    non_evaluees = {n.regle: n.raison for n in registre("D").non_evaluees(p)}
    assert set(non_evaluees) == set(REGLES_D)
    for raison in non_evaluees.values():
        assert raison.startswith(f"aucun paramètre en vigueur en {annee} (")
        assert "stratégie nationale de prévention de la délinquance" in raison


def test_from_2026_every_rule_is_evaluated(p):
    assert registre("D").non_evaluees(p) == ()


# --- ISCG_TAUX: the rank of the post ---------------------------------------------------------------------------

RANGS = [
    # (first year, rank, rate, FIPD that passes, FIPD one cent over): bounds on 12 345,67 €, unrounded
    (2026, 1, D("0.80"), D("9876.53"), D("9876.54")),  # 9 876,536 €
    (2025, 2, D("0.50"), D("6172.83"), D("6172.84")),  # 6 172,835 €
    (2024, 3, D("0.33"), D("4074.07"), D("4074.08")),  # 4 074,0711 €
    (2022, 5, D("0.33"), D("4074.07"), D("4074.08")),
]


@pytest.mark.parametrize(
    ("premiere", "rang", "taux", "passe", "depasse"), RANGS, ids=[f"rang {r[1]}" for r in RANGS]
)
def test_the_rate_follows_the_rank_of_the_post(p, premiere, rang, taux, passe, depasse):
    a = poste_iscg(cout_total=COUT, iscg_premiere_annee=premiere)

    assert rang_iscg(a, p) == rang
    assert taux_iscg(a, p).taux == taux
    assert verdict(replace(a, montant_fipd=passe), p, "ISCG_TAUX") is None
    v = verdict(replace(a, montant_fipd=depasse), p, "ISCG_TAUX")
    assert v is not None
    assert (v.niveau, v.champ, v.source) == (Niveau.BLOQUANT, "montant_fipd", "SNPD 2026-2030, mesure 35")


def test_33_percent_of_12_345_67_is_compared_unrounded(p):
    """DESIGN.md §3.5: 33 % of 12 345,67 € is 4 074,0711 €: 4 074,07 € passes, 4 074,08 € fails."""
    a = poste_iscg(cout_total=COUT, iscg_premiere_annee=2024, montant_fipd=D("4074.07"))
    assert verdict(a, p, "ISCG_TAUX") is None

    v = verdict(
        poste_iscg(cout_total=COUT, iscg_premiere_annee=2024, montant_fipd=D("4074.08")), p, "ISCG_TAUX"
    )
    assert_french(v.message)
    assert "3e année" in v.message
    assert "premier cofinancement en 2024" in v.message
    assert pourcentage(D("0.33")) in v.message
    assert montant(D("4074.07")) in v.message  # the bound, rounded down
    assert montant(D("4074.08")) in v.message
    assert montant(COUT) in v.message
    assert f"soit {montant(D('0.01'))} de plus" in v.message


@pytest.mark.parametrize(
    ("premiere", "attendu"), [(2026, "1re année"), (2025, "2e année"), (2019, "8e année")]
)
def test_the_message_names_the_rank(p, premiere, attendu):
    v = verdict(poste_iscg(iscg_premiere_annee=premiere, montant_fipd=D("40000.00")), p, "ISCG_TAUX")
    assert attendu in v.message


@pytest.mark.parametrize(
    ("premiere", "attendu"),
    [
        (2026, f"1re année de cofinancement : {pourcentage(D('0.80'))} du coût"),
        (2025, f"2e année de cofinancement : {pourcentage(D('0.50'))} du coût"),
        (2024, f"3e année de cofinancement : {pourcentage(D('0.33'))} du coût"),
        (2023, f"4e année de cofinancement : {pourcentage(D('0.33'))} du coût"),
    ],
)
def test_the_form_is_told_the_rank_and_the_rate_that_applies(p, premiere, attendu):
    assert rang_et_taux(poste_iscg(iscg_premiere_annee=premiere), p) == attendu


def test_the_rank_and_rate_overseas_say_every_year(p):
    assert rang_et_taux(poste_iscg(departement="974"), p) == (
        f"1re année de cofinancement, en outre-mer (département 974) : {pourcentage(D('0.50'))} du coût, "
        "chaque année"
    )


def test_no_rank_nor_rate_without_a_first_year_for_another_category_or_before_the_strategy(p):
    assert rang_et_taux(poste_iscg(iscg_premiere_annee=None), p) is None
    assert rang_et_taux(poste_iscg(iscg_premiere_annee=2027), p) is None
    assert rang_et_taux(poste_iscg(categorie="action_prevention"), p) is None
    assert rang_et_taux(poste_iscg(iscg_premiere_annee=2024), parametres_de("D", 2025)) is None


# --- ISCG_TAUX overseas -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("departement", sorted(DEPARTEMENTS_OUTRE_MER))
def test_overseas_a_first_year_post_is_funded_at_50_percent_not_80(p, departement):
    a = poste_iscg(cout_total=COUT, iscg_premiere_annee=2026, departement=departement)

    assert verdict(replace(a, montant_fipd=D("6172.83")), p, "ISCG_TAUX") is None
    v = verdict(replace(a, montant_fipd=D("6172.84")), p, "ISCG_TAUX")
    assert v is not None
    assert f"département {departement}" in v.message
    assert "part du ministère de l'Intérieur" in v.message
    assert_french(v.message)
    # 80 % of the cost, what a metropolitan post gets in its first year, is over the overseas rate.
    assert verdict(replace(a, montant_fipd=D("9876.53")), p, "ISCG_TAUX") is not None


@pytest.mark.parametrize("premiere", [2025, 2024, 2020])
def test_overseas_the_rate_stays_50_percent_every_year(p, premiere):
    a = poste_iscg(
        cout_total=COUT, iscg_premiere_annee=premiere, departement="974", montant_fipd=D("6172.83")
    )
    assert taux_iscg(a, p).taux == D("0.50")
    assert verdict(a, p, "ISCG_TAUX") is None  # above 33 %, which a metropolitan post would get from rank 3


@pytest.mark.parametrize("departement", ["59", "2A", "2B", "97", "977", "", "01"])
def test_other_departments_have_the_degressive_rates(p, departement):
    a = poste_iscg(
        cout_total=COUT, iscg_premiere_annee=2026, departement=departement, montant_fipd=D("9876.53")
    )
    assert taux_iscg(a, p).taux == D("0.80")
    assert verdict(a, p, "ISCG_TAUX") is None


def test_the_rate_reads_the_parameters_in_force(p):
    """A value the SG-CIPDR would add for a later strategy is what the rule applies."""
    a = poste_iscg(cout_total=D("10000.00"), iscg_premiere_annee=2026, montant_fipd=D("7000.01"))
    assert verdict(a, p.avec(taux_iscg_annee_1=D("0.70")), "ISCG_TAUX") is not None
    assert verdict(a, p, "ISCG_TAUX") is None


# --- ISCG_PREMIERE_ANNEE --------------------------------------------------------------------------------------


def test_an_iscg_post_without_its_first_year_is_blocking_and_its_rate_is_not_reported(p):
    a = poste_iscg(iscg_premiere_annee=None, montant_fipd=D("40000.00"))

    assert codes(a, p, "D") == ["ISCG_PREMIERE_ANNEE"]
    v = verdict(a, p, "ISCG_PREMIERE_ANNEE")
    assert (v.niveau, v.champ) == (Niveau.BLOQUANT, "iscg_premiere_annee")
    assert "mesure 35" in v.source and "financement dégressif" in v.source
    assert_french(v.message)
    assert "SNPD 2026-2030" in v.message


@pytest.mark.parametrize("premiere", [2027, 2030])
def test_a_first_year_after_the_programmations_year_is_blocking_and_its_rate_is_not_reported(p, premiere):
    a = poste_iscg(iscg_premiere_annee=premiere, montant_fipd=D("40000.00"))

    assert codes(a, p, "D") == ["ISCG_PREMIERE_ANNEE"]
    v = verdict(a, p, "ISCG_PREMIERE_ANNEE")
    assert str(premiere) in v.message and "2026" in v.message
    assert_french(v.message)


def test_a_first_year_equal_to_the_programmations_year_is_rank_1(p):
    a = poste_iscg(iscg_premiere_annee=2026)
    assert rang_iscg(a, p) == 1
    assert codes(a, p, "D") == []


@pytest.mark.parametrize("categorie", ["action_prevention", "autre"])
def test_other_categories_need_no_first_year_and_have_no_rate(p, categorie):
    a = poste_iscg(categorie=categorie, iscg_premiere_annee=None, montant_fipd=D("40000.00"))
    assert codes(a, p, "D") == []
    assert taux_iscg(a, p) is None


# --- MESURE_SNPD_ABSENTE --------------------------------------------------------------------------------------


@pytest.mark.parametrize("categorie", ["poste_iscg", "action_prevention", "autre"])
def test_an_action_that_names_no_measure_is_an_alert(p, categorie):
    a = poste_iscg(categorie=categorie, mesure_snpd=None)

    assert codes(a, p, "D") == ["MESURE_SNPD_ABSENTE"]
    v = verdict(a, p, "MESURE_SNPD_ABSENTE")
    assert (v.niveau, v.champ) == (Niveau.ALERTE, "mesure_snpd")
    assert v.source == "SNPD 2026-2030, « indicateurs d'évaluation » de chaque mesure"
    assert "SNPD 2026-2030" in v.message and "de 1 à 50" in v.message
    assert_french(v.message)


@pytest.mark.parametrize("mesure", [1, 35, 50])
def test_an_action_that_names_a_measure_raises_no_alert(p, mesure):
    assert verdict(poste_iscg(mesure_snpd=mesure), p, "MESURE_SNPD_ABSENTE") is None


@pytest.mark.parametrize("mesure", [0, 51, -3])
def test_a_measure_the_strategy_does_not_have_is_an_alert_too(p, mesure):
    v = verdict(poste_iscg(mesure_snpd=mesure), p, "MESURE_SNPD_ABSENTE")
    assert f"n° {mesure}" in v.message
    assert_french(v.message)


def test_the_rules_of_programme_r_do_not_apply_to_programme_d(p):
    a = action(categorie="autre", milieu="carceral", public="grand_public", mesure_snpd=12)
    assert codes(a, p, "D") == []


# --- The bound on the FIPD amount (the live preview) ---------------------------------------------------------


def maxima(a, p, enveloppe=GRANDE_ENVELOPPE):
    f = FaitsProgrammation(annee=p.annee, departement=a.departement, programme="D", enveloppe=enveloppe)
    return registre("D").maxima(a, Totaux(), f, p)


@pytest.mark.parametrize(
    ("premiere", "departement", "taux", "libelle"),
    [
        (2026, "59", D("0.80"), "80\u202f% du coût total (poste d'ISCG en 1re année)"),
        (2025, "59", D("0.50"), "50\u202f% du coût total (poste d'ISCG en 2e année)"),
        (2023, "69", D("0.33"), "33\u202f% du coût total (poste d'ISCG en 4e année)"),
        (2026, "974", D("0.50"), "50\u202f% du coût total (poste d'ISCG en outre-mer)"),
    ],
)
def test_the_preview_shows_the_rate_of_the_post_unrounded(p, premiere, departement, taux, libelle):
    m = maxima(poste_iscg(cout_total=COUT, iscg_premiere_annee=premiere, departement=departement), p)
    (borne,) = [b for b in m.bornes if b.regle == "ISCG_TAUX"]
    assert borne.valeur == COUT * taux
    assert borne.libelle == libelle
    assert m.maximum == COUT * taux


def test_no_rate_bound_without_a_first_year(p):
    m = maxima(poste_iscg(iscg_premiere_annee=None), p)
    assert "ISCG_TAUX" not in [b.regle for b in m.bornes]


def test_no_rate_bound_before_the_strategy():
    m = maxima(poste_iscg(), parametres_de("D", 2025))
    assert "ISCG_TAUX" not in [b.regle for b in m.bornes]
