"""Programmation-level rules, the registries, parameters per exercice, reports and totals."""

from __future__ import annotations

import pytest

from eligibilite.regles import (
    REGISTRES,
    VALEURS_DE_REFERENCE,
    ExerciceSansParametres,
    FaitsAction,
    FaitsProgrammation,
    LigneRetenue,
    Niveau,
    ProgrammeInconnu,
    Registre,
    Totaux,
    montant,
    parametres_annexe_2018,
    registre,
    toutes_les_regles,
)

from .builders import EXERCICES, D, action, assert_french, lignes, programmation, seul_verdict

COHERENCE = ("MONTANT_INVALIDE", "MONTANT_SUPERIEUR_DEMANDE", "BUDGET_NON_EQUILIBRE", "ENVELOPPE_DEPASSEE")
REGLES_R = (
    "MILIEU_CARCERAL",
    "MILIEU_OUVERT",
    "PREVENTION_PRIMAIRE_THEME",
    "PREVENTION_PRIMAIRE_TAUX",
    "PREVENTION_PRIMAIRE_JUSTIFICATION",
    "PUBLIC_NON_CIBLE",
    "CODE_ANALYTIQUE_CONTRAT_DE_VILLE",
    "REFERENT_PARCOURS_NON_ASSOCIATIF",
    "CREDITS_CENTRAUX",
    "MONTANT_INVALIDE",
    "MONTANT_SUPERIEUR_DEMANDE",
    "BUDGET_NON_EQUILIBRE",
    "FORMATION_PLAFOND",
    "ENVELOPPE_DEPASSEE",
    "DOTATION_SANS_CELLULE",
)
REGLES_D = ("ISCG_TAUX", "ISCG_PREMIERE_ANNEE", "MESURE_SNPD_ABSENTE", *COHERENCE)
REGLES_S = ("S_EQUIPEMENT_PLAFOND", "S_QUANTITE_MANQUANTE", "S_MONTANT_MINIMAL", "S_PART_ETAT", *COHERENCE)
NIVEAUX = {
    "MILIEU_CARCERAL": Niveau.BLOQUANT,
    "MILIEU_OUVERT": Niveau.ALERTE,
    "PREVENTION_PRIMAIRE_THEME": Niveau.BLOQUANT,
    "PREVENTION_PRIMAIRE_TAUX": Niveau.BLOQUANT,
    "PREVENTION_PRIMAIRE_JUSTIFICATION": Niveau.BLOQUANT,
    "PUBLIC_NON_CIBLE": Niveau.ALERTE,
    "CODE_ANALYTIQUE_CONTRAT_DE_VILLE": Niveau.BLOQUANT,
    "REFERENT_PARCOURS_NON_ASSOCIATIF": Niveau.BLOQUANT,
    "CREDITS_CENTRAUX": Niveau.ALERTE,
    "MONTANT_INVALIDE": Niveau.BLOQUANT,
    "MONTANT_SUPERIEUR_DEMANDE": Niveau.ALERTE,
    "BUDGET_NON_EQUILIBRE": Niveau.ALERTE,
    "FORMATION_PLAFOND": Niveau.BLOQUANT,
    "ENVELOPPE_DEPASSEE": Niveau.BLOQUANT,
    "DOTATION_SANS_CELLULE": Niveau.ALERTE,
    "ISCG_TAUX": Niveau.BLOQUANT,
    "ISCG_PREMIERE_ANNEE": Niveau.BLOQUANT,
    "MESURE_SNPD_ABSENTE": Niveau.ALERTE,
    "S_EQUIPEMENT_PLAFOND": Niveau.BLOQUANT,
    "S_QUANTITE_MANQUANTE": Niveau.BLOQUANT,
    "S_MONTANT_MINIMAL": Niveau.BLOQUANT,
    "S_PART_ETAT": Niveau.BLOQUANT,
}
PORTEE_PROGRAMMATION = {"FORMATION_PLAFOND", "ENVELOPPE_DEPASSEE", "DOTATION_SANS_CELLULE"}


@pytest.fixture(params=EXERCICES, ids=str)
def p(request):
    return parametres_annexe_2018(request.param)


def verdicts_programmation(f: FaitsProgrammation, p):
    return registre(f.programme).verdicts_programmation(f, p)


# ENVELOPPE_DEPASSEE --------------------------------------------------------------------------------------


@pytest.mark.parametrize("programme", ["R", "D", "S", "K"])
def test_a_retained_total_equal_to_the_envelope_passes(p, programme):
    f = programmation(lignes(D("120000.00"), D("0")), enveloppe=D("120000.00"), programme=programme)
    assert seul_verdict(verdicts_programmation(f, p), "ENVELOPPE_DEPASSEE") is None


@pytest.mark.parametrize("programme", ["R", "D", "S", "K"])
def test_a_retained_total_one_cent_over_the_envelope_is_blocking(p, programme):
    f = programmation(lignes(D("120000.01"), D("0")), enveloppe=D("120000.00"), programme=programme)
    v = seul_verdict(verdicts_programmation(f, p), "ENVELOPPE_DEPASSEE")
    assert v is not None
    assert (v.regle, v.niveau, v.champ) == ("ENVELOPPE_DEPASSEE", Niveau.BLOQUANT, "montant_fipd")
    assert v.exces == D("0.01")
    assert v.source
    assert_french(v.message)
    for figure in ("120000.01", "120000.00", "0.01"):
        assert montant(D(figure)) in v.message


@pytest.mark.parametrize("programme", ["R", "D", "S", "K"])
def test_a_missing_envelope_counts_as_zero_and_says_none_is_notified(p, programme):
    f = programmation(lignes(D("0.01"), D("0")), enveloppe=None, programme=programme)
    v = seul_verdict(verdicts_programmation(f, p), "ENVELOPPE_DEPASSEE")
    assert v is not None
    assert v.niveau is Niveau.BLOQUANT
    assert v.exces == D("0.01")
    assert "aucune enveloppe n'est notifiée" in v.message.lower()
    assert montant(D("0.01")) in v.message
    assert_french(v.message)


def test_a_missing_envelope_with_nothing_retained_is_no_excess(p):
    assert verdicts_programmation(programmation((), enveloppe=None), p) == ()


def test_an_envelope_of_zero_is_not_a_missing_envelope(p):
    v = seul_verdict(
        verdicts_programmation(programmation(lignes(D("5.00"), D("0")), enveloppe=D("0")), p),
        "ENVELOPPE_DEPASSEE",
    )
    assert "aucune enveloppe" not in v.message.lower()
    assert v.exces == D("5.00")


# DOTATION_SANS_CELLULE -----------------------------------------------------------------------------------


def test_an_initial_allocation_without_an_active_follow_up_cell_is_an_alert(p):
    f = programmation(annee=p.annee, dotation_initiale=D("25000.00"), cellule_suivi_active=False)
    v = seul_verdict(verdicts_programmation(f, p), "DOTATION_SANS_CELLULE")
    assert v is not None
    assert (v.regle, v.niveau) == ("DOTATION_SANS_CELLULE", Niveau.ALERTE)
    assert "§1" in v.source
    assert_french(v.message)
    assert montant(D("25000.00")) in v.message
    assert str(p.annee) in v.message


@pytest.mark.parametrize(
    "dotation, active", [(D("25000.00"), True), (None, False), (D("0.00"), False), (None, True)]
)
def test_no_allocation_or_an_active_cell_raises_no_alert(p, dotation, active):
    f = programmation(annee=p.annee, dotation_initiale=dotation, cellule_suivi_active=active)
    assert seul_verdict(verdicts_programmation(f, p), "DOTATION_SANS_CELLULE") is None


# Registries ---------------------------------------------------------------------------------------------


def test_programme_r_has_every_rule_in_the_design_order():
    assert registre("R").codes == REGLES_R


def test_programme_d_has_the_snpd_rules_then_the_coherence_rules_and_the_envelope():
    assert registre("D").codes == REGLES_D


def test_programme_s_has_its_calls_for_projects_rules_then_the_coherence_rules_and_the_envelope():
    assert registre("S").codes == REGLES_S


def test_programme_k_has_only_the_coherence_rules_and_the_envelope():
    assert registre("K").codes == COHERENCE


@pytest.mark.parametrize("programme", ["R", "D", "S", "K"])
def test_every_parameter_a_rule_reads_is_defined_by_its_programme(programme):
    reg = registre(programme)
    for regle in reg.regles:
        for code in regle.parametres:
            assert reg.definition(code) is not None, (regle.code, code)


@pytest.mark.parametrize("programme", ["R", "D", "S"])
def test_every_defined_parameter_has_a_dated_value_with_its_source(programme):
    valeurs = VALEURS_DE_REFERENCE[programme]
    assert {v.code for v in valeurs} == {d.code for d in registre(programme).parametres}
    for v in valeurs:
        assert registre(programme).definition(v.code).lire(v.valeur) == v.valeur
        assert v.source.strip() and len(v.source) <= 300  # ValeurParametre.source


def test_there_is_a_registry_for_each_of_the_four_programmes():
    assert set(REGISTRES) == {"R", "D", "S", "K"}
    assert all(REGISTRES[code].programme == code for code in REGISTRES)


@pytest.mark.parametrize("regle", list(toutes_les_regles()), ids=lambda r: r.code)
def test_every_rule_has_its_level_scope_and_a_source(regle):
    assert regle.niveau is NIVEAUX[regle.code]
    assert regle.portee == ("programmation" if regle.code in PORTEE_PROGRAMMATION else "action")
    assert regle.source.strip()
    if regle.portee == "action":
        assert regle.champ


def test_every_rule_appears_once():
    codes = [r.code for r in toutes_les_regles()]
    assert sorted(codes) == sorted(set(REGLES_R) | set(REGLES_D) | set(REGLES_S))


@pytest.mark.parametrize("programme", ["X", "", "r", "B"])
def test_an_unknown_programme_raises(programme):
    with pytest.raises(ProgrammeInconnu):
        registre(programme)


@pytest.mark.parametrize("annee", [2017, 2027, 2031, 0])
def test_an_exercice_without_parameters_raises(annee):
    with pytest.raises(ExerciceSansParametres) as erreur:
        parametres_annexe_2018(annee)
    assert erreur.value.annee == annee
    assert str(annee) in str(erreur.value)


def test_every_exercice_from_2018_to_2026_has_parameters():
    assert [parametres_annexe_2018(annee).annee for annee in EXERCICES] == list(range(2018, 2027))


# Reports ------------------------------------------------------------------------------------------------


def programmation_qui_enfreint_tout(p):
    return programmation(
        lignes(D("10000.00"), D("5000.00")),
        annee=p.annee,
        enveloppe=D("9999.99"),
        dotation_initiale=D("1.00"),
        cellule_suivi_active=False,
    )


def test_programmation_verdicts_come_in_the_registry_order(p):
    vs = verdicts_programmation(programmation_qui_enfreint_tout(p), p)
    assert [v.regle for v in vs] == ["FORMATION_PLAFOND", "ENVELOPPE_DEPASSEE", "DOTATION_SANS_CELLULE"]
    ordre = registre("R").codes
    assert [ordre.index(v.regle) for v in vs] == sorted(ordre.index(v.regle) for v in vs)


def test_a_clean_programmation_is_eligible(p):
    actions = [action(reference="A1"), action(reference="A2", milieu="ouvert")]
    rapport = registre("R").evaluer(programmation(annee=p.annee, enveloppe=D("10000.00")), actions, p)
    assert rapport.eligible
    assert rapport.verdicts_programmation == ()
    assert [[v.regle for v in vs] for vs in rapport.verdicts_actions] == [[], ["MILIEU_OUVERT"]]


def test_a_blocking_action_verdict_makes_the_report_ineligible(p):
    actions = [action(reference="A1"), action(reference="A2", milieu="carceral")]
    rapport = registre("R").evaluer(programmation(annee=p.annee), actions, p)
    assert not rapport.eligible
    assert rapport.verdicts_programmation == ()


def test_a_blocking_programmation_verdict_makes_the_report_ineligible(p):
    rapport = registre("R").evaluer(programmation(annee=p.annee, enveloppe=D("4999.99")), [action()], p)
    assert not rapport.eligible
    assert rapport.verdicts_actions == ((),)
    assert [v.regle for v in rapport.verdicts_programmation] == ["ENVELOPPE_DEPASSEE"]


def test_alerts_alone_leave_the_report_eligible(p):
    a = action(milieu="ouvert", public="grand_public", porteur_nom="LICRA", montant_demande=D("1.00"))
    f = programmation(annee=p.annee, dotation_initiale=D("1.00"), cellule_suivi_active=False)
    rapport = registre("R").evaluer(f, [a], p)
    assert rapport.eligible
    assert all(not v.bloquant for v in rapport.verdicts_programmation + rapport.verdicts_actions[0])
    assert rapport.verdicts_programmation and rapport.verdicts_actions[0]


def test_the_report_reads_retained_actions_from_the_actions_not_from_the_facts_given(p):
    """``evaluer`` rebuilds ``retenues`` from the actions; lines passed in the facts are ignored."""
    f = programmation(lignes(D("999999.00"), D("999999.00")), annee=p.annee, enveloppe=D("5000.00"))
    rapport = registre("R").evaluer(f, [action(montant_fipd=D("5000.00"))], p)
    assert rapport.totaux == Totaux(D("5000.00"), D("0"), D("0"))
    assert rapport.verdicts_programmation == ()


def test_the_report_lists_action_verdicts_in_the_order_of_the_actions(p):
    actions = [
        action(reference="A1", milieu="carceral"),
        action(reference="A2"),
        action(reference="A3", milieu="ouvert", retenue=False),
    ]
    rapport = registre("R").evaluer(programmation(annee=p.annee), actions, p)
    assert [[v.regle for v in vs] for vs in rapport.verdicts_actions] == [
        ["MILIEU_CARCERAL"],
        [],
        ["MILIEU_OUVERT"],
    ]


def test_the_report_of_an_empty_programmation(p):
    rapport = Registre("R", registre("R").regles).evaluer(programmation(annee=p.annee, enveloppe=None), [], p)
    assert rapport.eligible
    assert rapport.totaux == Totaux()
    assert rapport.plafond_formation == D("4000.00")
    assert rapport.marge_formation == D("4000.00")


# Totals -------------------------------------------------------------------------------------------------


def test_totals_count_retained_lines_only():
    actions = [
        action(reference="A1", categorie="insertion", montant_fipd=D("1000.00")),
        action(reference="A2", categorie="formation", montant_fipd=D("200.00")),
        action(reference="A3", categorie="accompagnement_equipes", montant_fipd=D("30.00")),
        action(reference="A4", categorie="prevention_primaire", montant_fipd=D("4.00")),
        action(reference="B1", categorie="insertion", montant_fipd=D("50000.00"), retenue=False),
        action(reference="B2", categorie="formation", montant_fipd=D("60000.00"), retenue=False),
        action(reference="B3", categorie="prevention_primaire", montant_fipd=D("70000.00"), retenue=False),
    ]
    f = FaitsProgrammation.depuis_actions(
        actions, annee=2018, departement="59", programme="R", enveloppe=None
    )
    assert f.retenues == (
        LigneRetenue("insertion", D("1000.00")),
        LigneRetenue("formation", D("200.00")),
        LigneRetenue("accompagnement_equipes", D("30.00")),
        LigneRetenue("prevention_primaire", D("4.00")),
    )
    assert Totaux.depuis(f.retenues) == Totaux(D("1234.00"), D("230.00"), D("4.00"))


def test_totals_of_nothing_are_zero():
    assert Totaux.depuis(()) == Totaux(D("0"), D("0"), D("0"))


def test_totals_are_exact_decimals():
    retenues = [LigneRetenue("insertion", D("0.10")) for _ in range(3)] + [
        LigneRetenue("formation", D("0.20"))
    ]
    totaux = Totaux.depuis(retenues)
    assert totaux.total_fipd == D("0.50")
    assert totaux.total_formation == D("0.20")


def test_facts_built_from_actions_keep_the_header():
    f = FaitsProgrammation.depuis_actions(
        [FaitsAction(reference="A", categorie="autre", cout_total=D("1"), montant_fipd=D("1"))],
        annee=2026,
        departement="974",
        programme="K",
        enveloppe=D("3.00"),
        dotation_initiale=D("2.00"),
        cellule_suivi_active=False,
    )
    assert (
        f.annee,
        f.departement,
        f.programme,
        f.enveloppe,
        f.dotation_initiale,
        f.cellule_suivi_active,
    ) == (
        2026,
        "974",
        "K",
        D("3.00"),
        D("2.00"),
        False,
    )


def test_a_blocking_verdict_on_an_action_not_retained_does_not_make_the_programmation_ineligible():
    from eligibilite.regles import parametres_annexe_2018, registre

    p = parametres_annexe_2018(2026)
    prison = action(milieu="carceral", retenue=False)
    rapport = registre("R").evaluer(programmation(), [prison, action()], p)
    assert [v.regle for v in rapport.verdicts_actions[0]] == ["MILIEU_CARCERAL"]
    assert rapport.eligible
    retenue = registre("R").evaluer(programmation(), [action(milieu="carceral"), action()], p)
    assert not retenue.eligible


def test_a_central_credit_name_of_several_words_matches_on_word_boundaries():

    from eligibilite.regles import parametres_annexe_2018, registre

    p = parametres_annexe_2018(2026).avec(porteurs_credits_centraux=("Ligue des droits",))
    verdicts = registre("R").verdicts_action(action(porteur_nom="LIGUE DES DROITS du Nord"), p)
    assert [(v.regle, v.champ) for v in verdicts] == [("CREDITS_CENTRAUX", "porteur")]
    assert registre("R").verdicts_action(action(porteur_nom="Ligue des droitsX"), p) == ()
