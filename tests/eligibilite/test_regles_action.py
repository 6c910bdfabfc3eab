"""Each per-action rule of DESIGN.md §3.1 at its boundaries, one cent either side, for every exercice."""

from __future__ import annotations

import pytest

from eligibilite.regles import Niveau, arrondi_inferieur, montant, parametres_annexe_2018, pourcentage

from .builders import (
    CATEGORIES,
    CODE_CONTRAT_DE_VILLE,
    EXERCICES,
    MILIEUX,
    PUBLICS,
    THEMES,
    TYPES_PORTEUR,
    D,
    action,
    action_prevention_primaire,
    assert_french,
    codes,
    verdict_action,
    verdicts,
)

BLOQUANT, ALERTE = Niveau.BLOQUANT, Niveau.ALERTE


@pytest.fixture(params=EXERCICES, ids=str)
def p(request):
    return parametres_annexe_2018(request.param)


def assert_verdict(v, regle, niveau, champ, section):
    assert v is not None, f"{regle} should speak"
    assert (v.regle, v.niveau, v.champ) == (regle, niveau, champ)
    assert v.bloquant is (niveau is BLOQUANT)
    assert section in v.source
    assert_french(v.message)


def test_the_reference_actions_have_no_verdict(p):
    assert verdicts(action(), p) == ()
    assert verdicts(action_prevention_primaire(), p) == ()


def test_every_exercice_has_the_2018_annex_values(p):
    assert p.taux_prevention_primaire == D("0.20")
    assert p.plancher_formation == D("4000.00")
    assert p.part_formation == D("0.20")
    assert p.code_analytique_contrat_de_ville == CODE_CONTRAT_DE_VILLE
    assert p.porteurs_credits_centraux == ("LICRA", "CONVIVENCIA", "ARTEMIS")
    assert all(p.source(nom) for nom in ("plancher_formation", "part_formation", "taux_prevention_primaire"))


# PREVENTION_PRIMAIRE_TAUX (annex §2.3) -------------------------------------------------------------------


@pytest.mark.parametrize(
    "cout, fipd",
    [
        ("10000.00", "2000.00"),
        ("12345.67", "2469.13"),  # bound 2 469,134
        ("12345.68", "2469.13"),  # bound 2 469,136
        ("0.05", "0.01"),
        ("9999999999.99", "1999999999.99"),
    ],
)
def test_primary_prevention_at_or_under_20_percent_passes(p, cout, fipd):
    a = action_prevention_primaire(cout_total=D(cout), montant_fipd=D(fipd))
    assert verdict_action(a, p, "PREVENTION_PRIMAIRE_TAUX") is None


@pytest.mark.parametrize(
    "cout, fipd, exces_affiche",
    [
        ("10000.00", "2000.01", "0.01"),
        ("12345.67", "2469.14", "0.01"),  # 0,006 € over the unrounded bound 2 469,134
        # 0,004 € over 2 469,136: a bound rounded to the cent would let it pass.
        ("12345.68", "2469.14", "0.00"),
        ("12345.64", "2469.13", "0.00"),  # 0,002 € over 2 469,128
        ("10000.00", "10000.00", "8000.00"),
    ],
)
def test_primary_prevention_one_cent_over_20_percent_is_blocking(p, cout, fipd, exces_affiche):
    a = action_prevention_primaire(cout_total=D(cout), montant_fipd=D(fipd))
    v = verdict_action(a, p, "PREVENTION_PRIMAIRE_TAUX")
    assert_verdict(v, "PREVENTION_PRIMAIRE_TAUX", BLOQUANT, "montant_fipd", "§2.3")
    assert montant(D(fipd)) in v.message
    assert montant(D(cout)) in v.message
    assert pourcentage(D("0.2")) in v.message
    # The maximum is shown rounded down (a cap is never shown higher than it is).
    assert montant(arrondi_inferieur(D(cout) * D("0.2"))) in v.message
    if D(exces_affiche):
        assert f"soit {montant(D(exces_affiche))} de plus" in v.message
    else:
        # An excess under half a cent is said in words, never as « 0,00 € ».
        assert "moins d'un centime" in v.message
        assert montant(D("0")) not in v.message


def test_primary_prevention_amounts_are_formatted_with_french_separators(p):
    a = action_prevention_primaire(cout_total=D("12345.67"), montant_fipd=D("2469.14"))
    message = verdict_action(a, p, "PREVENTION_PRIMAIRE_TAUX").message
    assert "2\u202f469,14\u00a0€" in message
    assert "12\u202f345,67\u00a0€" in message
    assert "2\u202f469,13\u00a0€" in message
    assert "20\u202f%" in message


def test_the_20_percent_rate_does_not_apply_outside_primary_prevention(p):
    a = action(categorie="insertion", cout_total=D("10000.00"), montant_fipd=D("9000.00"))
    assert "PREVENTION_PRIMAIRE_TAUX" not in codes(a, p)


# PREVENTION_PRIMAIRE_THEME (annex §2.3) ------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
def test_primary_prevention_with_one_of_the_five_themes_passes(p, theme):
    a = action_prevention_primaire(theme_prevention_primaire=theme)
    assert verdict_action(a, p, "PREVENTION_PRIMAIRE_THEME") is None


@pytest.mark.parametrize("theme", [None, "", "autre", "Esprit critique", "ESPRIT_CRITIQUE", "radicalisation"])
def test_primary_prevention_without_one_of_the_five_themes_is_blocking(p, theme):
    a = action_prevention_primaire(theme_prevention_primaire=theme)
    v = verdict_action(a, p, "PREVENTION_PRIMAIRE_THEME")
    assert_verdict(v, "PREVENTION_PRIMAIRE_THEME", BLOQUANT, "theme_prevention_primaire", "§2.3")
    assert "thème" in v.message


@pytest.mark.parametrize("categorie", [c for c in CATEGORIES if c != "prevention_primaire"])
def test_the_theme_is_not_required_outside_primary_prevention(p, categorie):
    a = action(categorie=categorie, theme_prevention_primaire=None)
    assert "PREVENTION_PRIMAIRE_THEME" not in codes(a, p)


# PREVENTION_PRIMAIRE_JUSTIFICATION (annex §2.3) ----------------------------------------------------------


@pytest.mark.parametrize("justification", ["", " ", "   \t\n ", "\u00a0"])
def test_primary_prevention_with_an_empty_justification_is_blocking(p, justification):
    a = action_prevention_primaire(justification=justification)
    v = verdict_action(a, p, "PREVENTION_PRIMAIRE_JUSTIFICATION")
    assert_verdict(v, "PREVENTION_PRIMAIRE_JUSTIFICATION", BLOQUANT, "justification", "§2.3")
    assert "intérêt majeur" in v.message


def test_primary_prevention_with_a_justification_passes(p):
    a = action_prevention_primaire(justification="x")
    assert verdict_action(a, p, "PREVENTION_PRIMAIRE_JUSTIFICATION") is None


def test_the_justification_is_not_required_outside_primary_prevention(p):
    assert "PREVENTION_PRIMAIRE_JUSTIFICATION" not in codes(action(justification=""), p)


# PUBLIC_NON_CIBLE (annex §2.3) ---------------------------------------------------------------------------


@pytest.mark.parametrize("categorie", [c for c in CATEGORIES if c != "prevention_primaire"])
def test_a_broad_public_outside_primary_prevention_is_an_alert(p, categorie):
    a = action(categorie=categorie, public="grand_public")
    v = verdict_action(a, p, "PUBLIC_NON_CIBLE")
    assert_verdict(v, "PUBLIC_NON_CIBLE", ALERTE, "public", "§2.3")
    assert "Prévention primaire" in v.message


def test_a_broad_public_inside_primary_prevention_is_no_alert(p):
    assert verdict_action(action_prevention_primaire(public="grand_public"), p, "PUBLIC_NON_CIBLE") is None


@pytest.mark.parametrize("public", [x for x in PUBLICS if x != "grand_public"])
def test_a_targeted_public_is_no_alert(p, public):
    assert verdict_action(action(public=public), p, "PUBLIC_NON_CIBLE") is None


# CODE_ANALYTIQUE_CONTRAT_DE_VILLE (annex §2.4) -----------------------------------------------------------


@pytest.mark.parametrize("code", ["", "   ", "09-FI0000002", "09-fi0000001", "09FI0000001"])
def test_a_contrat_de_ville_action_without_the_analytic_code_is_blocking(p, code):
    a = action(contrat_de_ville=True, code_analytique=code)
    v = verdict_action(a, p, "CODE_ANALYTIQUE_CONTRAT_DE_VILLE")
    assert_verdict(v, "CODE_ANALYTIQUE_CONTRAT_DE_VILLE", BLOQUANT, "code_analytique", "§2.4")
    assert CODE_CONTRAT_DE_VILLE in v.message
    assert f"« {code.strip() or 'aucun'} »" in v.message


def test_the_analytic_code_without_the_contrat_de_ville_flag_is_blocking(p):
    a = action(contrat_de_ville=False, code_analytique=CODE_CONTRAT_DE_VILLE)
    v = verdict_action(a, p, "CODE_ANALYTIQUE_CONTRAT_DE_VILLE")
    assert_verdict(v, "CODE_ANALYTIQUE_CONTRAT_DE_VILLE", BLOQUANT, "code_analytique", "§2.4")
    assert CODE_CONTRAT_DE_VILLE in v.message
    assert "contrat de ville" in v.message


@pytest.mark.parametrize(
    "contrat_de_ville, code",
    [
        (True, CODE_CONTRAT_DE_VILLE),
        (True, f" {CODE_CONTRAT_DE_VILLE} "),
        (False, ""),
        (False, "12-AB0000003"),
    ],
)
def test_the_analytic_code_matching_the_contrat_de_ville_flag_passes(p, contrat_de_ville, code):
    a = action(contrat_de_ville=contrat_de_ville, code_analytique=code)
    assert verdict_action(a, p, "CODE_ANALYTIQUE_CONTRAT_DE_VILLE") is None


# MILIEU_CARCERAL and MILIEU_OUVERT (annex §2.1) ----------------------------------------------------------


def test_prison_action_is_blocking(p):
    v = verdict_action(action(milieu="carceral"), p, "MILIEU_CARCERAL")
    assert_verdict(v, "MILIEU_CARCERAL", BLOQUANT, "milieu", "§2.1")
    assert "carcéral" in v.message
    assert "Justice" in v.message


def test_open_environment_action_is_an_alert(p):
    v = verdict_action(action(milieu="ouvert"), p, "MILIEU_OUVERT")
    assert_verdict(v, "MILIEU_OUVERT", ALERTE, "milieu", "§2.1")
    assert "milieu ouvert" in v.message


@pytest.mark.parametrize("milieu", MILIEUX)
def test_each_setting_raises_only_its_own_rule(p, milieu):
    attendus = {"libre": set(), "ouvert": {"MILIEU_OUVERT"}, "carceral": {"MILIEU_CARCERAL"}}[milieu]
    assert {c for c in codes(action(milieu=milieu), p) if c.startswith("MILIEU")} == attendus


# REFERENT_PARCOURS_NON_ASSOCIATIF (annex §1) -------------------------------------------------------------


def test_a_referent_de_parcours_carried_by_an_association_passes(p):
    a = action(categorie="referent_parcours", porteur_type="association")
    assert verdict_action(a, p, "REFERENT_PARCOURS_NON_ASSOCIATIF") is None


@pytest.mark.parametrize("porteur_type", [t for t in TYPES_PORTEUR if t != "association"])
def test_a_referent_de_parcours_not_carried_by_an_association_is_blocking(p, porteur_type):
    a = action(categorie="referent_parcours", porteur_type=porteur_type, porteur_nom="Commune de Roubaix")
    v = verdict_action(a, p, "REFERENT_PARCOURS_NON_ASSOCIATIF")
    assert_verdict(v, "REFERENT_PARCOURS_NON_ASSOCIATIF", BLOQUANT, "porteur", "§1")
    assert "association" in v.message


@pytest.mark.parametrize("porteur_type", TYPES_PORTEUR)
def test_other_categories_may_be_carried_by_any_porteur(p, porteur_type):
    a = action(categorie="sante_mentale", porteur_type=porteur_type)
    assert verdict_action(a, p, "REFERENT_PARCOURS_NON_ASSOCIATIF") is None


# CREDITS_CENTRAUX (annex §2.2, §2.3, §3) -----------------------------------------------------------------


def test_a_national_action_belongs_on_central_credits(p):
    v = verdict_action(action(categorie="action_nationale"), p, "CREDITS_CENTRAUX")
    assert_verdict(v, "CREDITS_CENTRAUX", ALERTE, "categorie", "§3")
    assert "§2.2" in v.source and "§2.3" in v.source
    assert "crédits centraux" in v.message


@pytest.mark.parametrize(
    "nom, liste",
    [
        ("LICRA", "LICRA"),
        ("licra", "LICRA"),
        ("Licra Lyon", "LICRA"),
        ("Comité LICRA-Rhône", "LICRA"),
        ("Association (Licra)", "LICRA"),
        ("Convivencia", "CONVIVENCIA"),
        ("Association Convivência", "CONVIVENCIA"),
        ("CONVIVÉNCIA Nord", "CONVIVENCIA"),
        ("Artémis", "ARTEMIS"),
    ],
)
def test_a_porteur_named_in_the_central_credit_list_is_an_alert(p, nom, liste):
    v = verdict_action(action(porteur_nom=nom), p, "CREDITS_CENTRAUX")
    assert_verdict(v, "CREDITS_CENTRAUX", ALERTE, "porteur", "§2.2")
    assert liste in v.message


@pytest.mark.parametrize(
    "nom",
    [
        "Association Exemple",
        "Clicrage",
        "Licrasse",
        "Association Licrafting",
        "Convivencias",
        "Inconvivencia",
        "",
    ],
)
def test_a_name_merely_containing_the_letters_of_a_listed_porteur_is_no_alert(p, nom):
    assert verdict_action(action(porteur_nom=nom), p, "CREDITS_CENTRAUX") is None


# MONTANT_INVALIDE (coherence) ----------------------------------------------------------------------------


@pytest.mark.parametrize("cout", ["0.00", "-0.01"])
def test_a_cost_of_zero_or_less_is_blocking(p, cout):
    v = verdict_action(action(cout_total=D(cout), montant_fipd=D("0.01")), p, "MONTANT_INVALIDE")
    assert_verdict(v, "MONTANT_INVALIDE", BLOQUANT, "cout_total", "Cohérence")
    assert "coût total" in v.message
    assert montant(D(cout)) in v.message


@pytest.mark.parametrize("fipd", ["0.00", "-0.01"])
def test_an_fipd_amount_of_zero_or_less_is_blocking(p, fipd):
    v = verdict_action(action(cout_total=D("100.00"), montant_fipd=D(fipd)), p, "MONTANT_INVALIDE")
    assert_verdict(v, "MONTANT_INVALIDE", BLOQUANT, "montant_fipd", "Cohérence")
    assert "montant FIPD" in v.message
    assert montant(D(fipd)) in v.message


def test_an_fipd_amount_one_cent_over_the_cost_is_blocking(p):
    a = action(cout_total=D("12345.67"), montant_fipd=D("12345.68"))
    v = verdict_action(a, p, "MONTANT_INVALIDE")
    assert_verdict(v, "MONTANT_INVALIDE", BLOQUANT, "montant_fipd", "Cohérence")
    for figure in ("12345.68", "12345.67", "0.01"):
        assert montant(D(figure)) in v.message


@pytest.mark.parametrize("cout, fipd", [("12345.67", "12345.67"), ("0.01", "0.01"), ("100.00", "0.01")])
def test_an_fipd_amount_between_one_cent_and_the_cost_passes(p, cout, fipd):
    assert verdict_action(action(cout_total=D(cout), montant_fipd=D(fipd)), p, "MONTANT_INVALIDE") is None


# MONTANT_SUPERIEUR_DEMANDE (coherence) -------------------------------------------------------------------


def test_an_unknown_requested_amount_raises_no_alert(p):
    assert verdict_action(action(montant_demande=None), p, "MONTANT_SUPERIEUR_DEMANDE") is None


def test_an_fipd_amount_one_cent_over_the_request_is_an_alert(p):
    a = action(montant_fipd=D("5000.00"), montant_demande=D("4999.99"))
    v = verdict_action(a, p, "MONTANT_SUPERIEUR_DEMANDE")
    assert_verdict(v, "MONTANT_SUPERIEUR_DEMANDE", ALERTE, "montant_fipd", "Cohérence")
    for figure in ("5000.00", "4999.99", "0.01"):
        assert montant(D(figure)) in v.message


@pytest.mark.parametrize("demande", ["5000.00", "5000.01", "9999999999.99"])
def test_an_fipd_amount_at_or_under_the_request_raises_no_alert(p, demande):
    a = action(montant_fipd=D("5000.00"), montant_demande=D(demande))
    assert verdict_action(a, p, "MONTANT_SUPERIEUR_DEMANDE") is None


# BUDGET_NON_EQUILIBRE (Cerfa 12156 practice) -------------------------------------------------------------


def test_an_action_without_cofunders_raises_no_budget_alert(p):
    a = action(cout_total=D("10000.00"), montant_fipd=D("5000.00"), cofinancements=())
    assert verdict_action(a, p, "BUDGET_NON_EQUILIBRE") is None


@pytest.mark.parametrize(
    "cofinancements", [("5000.00",), ("2500.00", "2500.00"), ("4999.99", "0.01"), ("0.00", "5000.00")]
)
def test_a_balanced_budget_raises_no_alert(p, cofinancements):
    a = action(
        cout_total=D("10000.00"), montant_fipd=D("5000.00"), cofinancements=tuple(map(D, cofinancements))
    )
    assert verdict_action(a, p, "BUDGET_NON_EQUILIBRE") is None


@pytest.mark.parametrize(
    "cofinancements, ressources, sens",
    [
        (("5000.01",), "10000.01", "dépassent"),
        (("4999.99",), "9999.99", "n'atteignent pas"),
        (("2500.00", "2500.01"), "10000.01", "dépassent"),
        (("2500.00", "2499.99"), "9999.99", "n'atteignent pas"),
    ],
)
def test_a_budget_off_by_one_cent_either_way_is_an_alert(p, cofinancements, ressources, sens):
    a = action(
        cout_total=D("10000.00"), montant_fipd=D("5000.00"), cofinancements=tuple(map(D, cofinancements))
    )
    v = verdict_action(a, p, "BUDGET_NON_EQUILIBRE")
    assert_verdict(v, "BUDGET_NON_EQUILIBRE", ALERTE, "cout_total", "Cerfa")
    assert sens in v.message
    assert montant(D(ressources)) in v.message
    assert montant(D("10000.00")) in v.message
    assert f"écart de {montant(D('0.01'))}" in v.message


# Every per-action rule together ---------------------------------------------------------------------------


def test_an_action_breaking_every_rule_lists_them_in_registry_order(p):
    a = action(
        categorie="referent_parcours",
        porteur_type="collectivite",
        porteur_nom="LICRA",
        public="grand_public",
        milieu="carceral",
        contrat_de_ville=True,
        cout_total=D("100.00"),
        montant_fipd=D("100.01"),
        montant_demande=D("50.00"),
        cofinancements=(D("1.00"),),
    )
    assert codes(a, p) == [
        "MILIEU_CARCERAL",
        "PUBLIC_NON_CIBLE",
        "CODE_ANALYTIQUE_CONTRAT_DE_VILLE",
        "REFERENT_PARCOURS_NON_ASSOCIATIF",
        "CREDITS_CENTRAUX",
        "MONTANT_INVALIDE",
        "MONTANT_SUPERIEUR_DEMANDE",
        "BUDGET_NON_EQUILIBRE",
    ]


@pytest.mark.parametrize("programme", ["D", "S", "K"])
def test_other_programmes_ignore_the_annex_rules(p, programme):
    a = action(milieu="carceral", categorie="referent_parcours", porteur_type="etat", public="grand_public")
    assert verdicts(a, p, programme) == ()
    a = action(cout_total=D("100.00"), montant_fipd=D("100.01"))
    assert [v.regle for v in verdicts(a, p, programme)] == ["MONTANT_INVALIDE"]
