"""The write rule of DESIGN.md §3.4 as a pure decision over verdicts before and after a write."""

from __future__ import annotations

import dataclasses

import pytest

from eligibilite.regles import FaitsProgrammation, montant, parametres_annexe_2018, refus_ecriture, registre

from .builders import EXERCICES, GRANDE_ENVELOPPE, D, action

R = registre("R")


@pytest.fixture(params=EXERCICES, ids=str)
def p(request):
    return parametres_annexe_2018(request.param)


def prog(actions, p, enveloppe=GRANDE_ENVELOPPE, **autres):
    f = FaitsProgrammation.depuis_actions(
        actions, annee=p.annee, departement="59", programme="R", enveloppe=enveloppe, **autres
    )
    return R.verdicts_programmation(f, p)


def ecrire(avant, apres, ecrites, p, enveloppe=GRANDE_ENVELOPPE, **autres):
    """Refusals of a write turning the actions ``avant`` into ``apres``, writing the actions ``ecrites``."""
    return refus_ecriture(
        prog(avant, p, enveloppe, **autres),
        prog(apres, p, enveloppe, **autres),
        [(a.reference, a.retenue, R.verdicts_action(a, p)) for a in ecrites],
    )


def remplacer(actions, nouvelle):
    return [nouvelle if a.reference == nouvelle.reference else a for a in actions]


def test_a_prison_action_can_be_recorded_under_instruction(p):
    prison = action(reference="P1", milieu="carceral", retenue=False)
    assert ecrire([], [prison], [prison], p) == []


def test_a_prison_action_cannot_be_retained(p):
    prison = action(reference="P1", milieu="carceral")
    refus = ecrire([], [prison], [prison], p)
    assert [(r.reference, r.verdict.regle) for r in refus] == [("P1", "MILIEU_CARCERAL")]
    assert refus[0].message.startswith("Action en milieu carcéral — ")
    assert refus[0].message.endswith("[MILIEU_CARCERAL]")
    assert "§2.1" in refus[0].message


def test_a_blocking_verdict_on_an_unwritten_action_does_not_refuse_the_write(p):
    prison = action(reference="P1", milieu="carceral")
    autre = action(reference="A2")
    assert ecrire([prison], [prison, autre], [autre], p) == []


def test_alerts_never_refuse(p):
    ouvert = action(reference="O1", milieu="ouvert", public="grand_public", porteur_nom="LICRA")
    refus = ecrire([], [ouvert], [ouvert], p, dotation_initiale=D("10.00"), cellule_suivi_active=False)
    assert refus == []


def test_a_typo_can_be_fixed_in_a_programmation_over_its_envelope(p):
    """A withdrawal pushed the programmation over its envelope; a write that changes no amount is accepted."""
    a1 = action(reference="A1", montant_fipd=D("5000.00"))
    corrigee = dataclasses.replace(a1, porteur_nom="Association Exemple (corrigé)")
    assert ecrire([a1], [corrigee], [corrigee], p, enveloppe=D("4000.00")) == []


def test_lowering_an_action_in_a_programmation_over_its_envelope_is_accepted(p):
    a1 = action(reference="A1", montant_fipd=D("5000.00"))
    baissee = dataclasses.replace(a1, montant_fipd=D("4500.00"))
    assert ecrire([a1], [baissee], [baissee], p, enveloppe=D("4000.00")) == []


def test_raising_an_action_in_a_programmation_over_its_envelope_is_refused_by_how_much(p):
    a1 = action(reference="A1", montant_fipd=D("5000.00"))
    relevee = dataclasses.replace(a1, montant_fipd=D("5000.01"))
    (refus,) = ecrire([a1], [relevee], [relevee], p, enveloppe=D("4000.00"))
    assert refus.verdict.regle == "ENVELOPPE_DEPASSEE"
    assert refus.reference is None
    assert refus.aggravation == D("0.01")
    assert f"l'aggrave de {montant(D('0.01'))}" in refus.message
    assert refus.verdict.source in refus.message


def test_going_over_the_envelope_is_refused_with_the_figures(p):
    a1 = action(reference="A1", montant_fipd=D("4000.00"))
    relevee = dataclasses.replace(a1, montant_fipd=D("4000.01"))
    (refus,) = ecrire([a1], [relevee], [relevee], p, enveloppe=D("4000.00"))
    assert refus.verdict.regle == "ENVELOPPE_DEPASSEE"
    assert refus.aggravation is None
    assert refus.message.startswith("Enveloppe départementale dépassée — ")
    assert refus.message.endswith("[ENVELOPPE_DEPASSEE]")
    for figure in ("4000.01", "4000.00", "0.01"):
        assert montant(D(figure)) in refus.message


def test_retaining_actions_that_only_fit_together_works_in_one_bulk_decision(p):
    """Training of 6 000 € fits only with the 20 000 € action: 20 % of 36 000 € is 7 200 €."""
    existante = action(reference="A0", montant_fipd=D("10000.00"))
    formation = action(reference="F1", categorie="formation", montant_fipd=D("6000.00"), retenue=False)
    grande = action(reference="A1", cout_total=D("20000.00"), montant_fipd=D("20000.00"), retenue=False)
    avant = [existante, formation, grande]
    formation_retenue = dataclasses.replace(formation, retenue=True)
    grande_retenue = dataclasses.replace(grande, retenue=True)

    seule = ecrire(avant, remplacer(avant, formation_retenue), [formation_retenue], p)
    assert [r.verdict.regle for r in seule] == ["FORMATION_PLAFOND"]

    ensemble = remplacer(remplacer(avant, formation_retenue), grande_retenue)
    assert ecrire(avant, ensemble, [formation_retenue, grande_retenue], p) == []


def test_lowering_another_action_can_push_training_over_the_cap_and_the_refusal_says_why(p):
    formation = action(reference="F1", categorie="formation", montant_fipd=D("12000.00"))
    autre = action(reference="A1", cout_total=D("50000.00"), montant_fipd=D("48000.00"))
    baissee = dataclasses.replace(autre, montant_fipd=D("47999.99"))
    (refus,) = ecrire([formation, autre], [formation, baissee], [baissee], p)
    assert refus.verdict.regle == "FORMATION_PLAFOND"
    assert refus.aggravation is None
    assert refus.verdict.exces == D("0.002")  # 12 000 − 20 % × 59 999,99
    assert "retirer ou réduire une autre action l'abaisse" in refus.message


def test_deleting_an_action_is_checked_like_any_write(p):
    formation = action(reference="F1", categorie="formation", montant_fipd=D("12000.00"))
    autre = action(reference="A1", cout_total=D("50000.00"), montant_fipd=D("48000.00"))
    refus = ecrire([formation, autre], [formation], [], p)
    assert [r.verdict.regle for r in refus] == ["FORMATION_PLAFOND"]
    assert refus[0].verdict.exces == D("12000.00") - D("4000.00")
