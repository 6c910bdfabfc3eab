"""The demo data (DESIGN.md §6): loaded through the guarded writes, harmless when run twice, and showing the
rule sets of programmes D and S (ISCG posts checked at their rank, police equipment against its caps)."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from eligibilite.regles import registre
from eligibilite.regles.delinquance import rang_et_taux
from eligibilite.regles.securisation import EQUIPEMENTS
from programmation.ecriture import faits_action, parametres, recalculer_programmation
from programmation.models import (
    Action,
    Cofinancement,
    Enveloppe,
    Exercice,
    MouvementEnveloppe,
    Porteur,
    Programmation,
)

pytestmark = pytest.mark.django_db
D = Decimal


def charger() -> str:
    sortie = io.StringIO()
    call_command("charger_demo", force=True, stdout=sortie)
    return sortie.getvalue()


def compter():
    return [
        m.objects.count()
        for m in (Action, Cofinancement, Porteur, Enveloppe, MouvementEnveloppe, Programmation)
    ]


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return charger()


def actions(annee, dep, prog):
    return {
        a.reference: a
        for a in Action.objects.filter(
            programmation__exercice__annee=annee,
            programmation__departement__code=dep,
            programmation__programme__code=prog,
        )
        .select_related("porteur", "programmation__departement")
        .prefetch_related("cofinancements")
    }


def test_running_the_demo_twice_is_harmless(demo):
    avant = compter()
    seconde = charger()
    assert "0 action ajoutée" not in demo
    assert "0 action ajoutée" in seconde
    assert compter() == avant
    validees = Programmation.objects.filter(statut="validee")
    assert validees.exists()
    for p in validees:  # each validated programmation has its validated version, rendered once
        assert [(v.numero, v.etat) for v in p.versions_validees.all()] == [(1, "prete")]
    assert "versions validées produites" in demo or "version validée produite" in demo
    assert "0 version validée produite" in seconde
    assert Exercice.objects.get(annee=2026).etat == "ouvert"
    assert Exercice.objects.get(annee=2025).etat == "cloture"


def test_the_demo_shows_the_rule_sets_of_programmes_d_and_s(demo):
    """One load, several aspects (loading the demo takes seconds)."""
    d_and_s_in_nord_and_rhone_with_their_envelopes()
    iscg_posts_of_ranks_1_2_and_4_checked_at_their_rank()
    an_overseas_post_retained_at_50_percent()
    police_equipment_checked_against_its_caps()
    video_protection_co_funded_by_the_detr_as_state_money()
    stored_verdicts_equal_to_recomputed_ones()


def d_and_s_in_nord_and_rhone_with_their_envelopes():
    for dep in ("59", "69"):
        for prog in ("D", "S"):
            p = Programmation.objects.get(exercice__annee=2026, departement__code=dep, programme__code=prog)
            assert p.statut == "brouillon" and p.actions.exists()
            assert Enveloppe.objects.get(
                exercice__annee=2026, programme__code=prog, departement__code=dep
            ).montant
            assert Enveloppe.objects.get(
                exercice__annee=2026, programme__code=prog, region=p.departement.region
            ).montant
            assert p.nb_bloquants == 0  # what is over its bound stays en instruction


def iscg_posts_of_ranks_1_2_and_4_checked_at_their_rank():
    nord = actions(2026, "59", "D")
    p = parametres(
        Programmation.objects.get(
            exercice__annee=2026, departement__code="59", programme__code="D"
        ).programme_id,
        2026,
    )
    rangs = {
        a.iscg_premiere_annee: rang_et_taux(faits_action(a), p)
        for a in nord.values()
        if a.categorie == "poste_iscg"
    }
    assert set(rangs) == {2026, 2025, 2023}
    assert rangs[2026].startswith("1re année") and rangs[2025].startswith("2e année")
    assert rangs[2023].startswith("4e année")
    # At their bound and retained; over it and kept en instruction with the rule's verdict.
    assert (nord["59-D-2026-01"].decision, nord["59-D-2026-01"].verdicts) == ("retenue", [])
    assert nord["59-D-2026-01"].montant_fipd == nord["59-D-2026-01"].cout_total * D("0.80")
    assert nord["59-D-2026-03"].decision == "en_instruction"
    assert [v["regle"] for v in nord["59-D-2026-03"].verdicts] == ["ISCG_TAUX"]
    assert {a.iscg_premiere_annee for a in actions(2026, "69", "D").values() if a.iscg_premiere_annee} == {
        2026,
        2025,
        2023,
    }


def an_overseas_post_retained_at_50_percent():
    [poste] = actions(2026, "974", "D").values()
    assert (poste.categorie, poste.decision, poste.verdicts) == ("poste_iscg", "retenue", [])
    assert poste.montant_fipd == poste.cout_total * D("0.50")


def police_equipment_checked_against_its_caps():
    nord, rhone = actions(2026, "59", "S"), actions(2026, "69", "S")
    tout = {**nord, **rhone}
    categories = {a.categorie for a in tout.values()}
    assert {"gilets_pare_balles", "terminaux_radio", "cameras_pietons", "videoprotection"} <= categories
    equipements = [a for a in tout.values() if a.categorie in EQUIPEMENTS]
    assert [a.reference for a in equipements if a.quantite is None] == ["59-S-2026-05"]
    verdicts = {ref: [v["regle"] for v in a.verdicts] for ref, a in tout.items()}
    assert verdicts["59-S-2026-01"] == [] and tout["59-S-2026-01"].decision == "retenue"  # 20 × 250 €
    assert verdicts["59-S-2026-03"] == ["S_EQUIPEMENT_PLAFOND"]
    assert verdicts["59-S-2026-05"] == ["S_QUANTITE_MANQUANTE"]
    assert verdicts["69-S-2026-01"] == ["S_EQUIPEMENT_PLAFOND"]
    assert verdicts["69-S-2026-05"] == ["S_PART_ETAT"]


def video_protection_co_funded_by_the_detr_as_state_money():
    projet = actions(2026, "59", "S")["59-S-2026-04"]
    detr = [c for c in projet.cofinancements.all() if c.financeur.startswith("DETR")]
    assert [c.etat for c in detr] == [True]
    assert projet.montant_fipd + detr[0].montant == projet.cout_total * D(
        "0.80"
    )  # at the State share's bound
    assert (projet.decision, projet.verdicts) == ("retenue", [])


def stored_verdicts_equal_to_recomputed_ones():
    for p in Programmation.objects.filter(exercice__annee=2026, programme__code__in=["D", "S"]):
        stockes = dict(p.actions.values_list("pk", "verdicts"))
        rapport = recalculer_programmation(p.pk)
        assert dict(p.actions.values_list("pk", "verdicts")) == stockes
        assert registre(p.programme.code).codes  # the programme's own rule set ran
        assert not rapport.non_evaluees
