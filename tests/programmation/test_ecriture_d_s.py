"""The rule sets of programmes D and S through the ORM's write path: the programmation's department reaches the
rules (the overseas ISCG rate) without a query per action, the facts of §3.5 (quantity, ISCG first year, SNPD
measure, State co-funders) are stored and read back, the write rule refuses what they make ineligible, and
reconduction carries them over."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmation.ecriture import Cofinanceur, ecrire_actions, faits_action
from programmation.ecriture.actions import recalculer_programmation
from programmation.ecriture.operations import reconduire
from programmation.models import Action, Cofinancement
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    creer_actions,
    departement,
    doter,
    exercice,
)
from tests.factories import programme as programme_de

pytestmark = pytest.mark.django_db
D = Decimal


def programmation_de(
    code_programme: str, code_departement: str = "69", montant: str = "100000.00", annee: int = 2026
):
    p = ProgrammationFactory(
        programme=programme_de(code_programme),
        departement=departement(code_departement),
        exercice=exercice(annee),
    )
    doter(p, montant)
    p.refresh_from_db()
    return p


def test_the_model_adapter_gives_the_programmations_department():
    p = programmation_de("D", "974")
    action = ActionFactory(programmation=p, categorie="action_prevention")

    faits = faits_action(Action.objects.select_related("porteur").get(pk=action.pk))

    assert faits.departement == "974"
    assert (faits.quantite, faits.iscg_premiere_annee, faits.mesure_snpd, faits.cofinancements_etat) == (
        None,
        None,
        None,
        (),
    )


def test_the_model_adapter_reads_the_facts_of_d_and_s_without_a_query_for_the_measure():
    p = programmation_de("D")
    action = ActionFactory(
        programmation=p, categorie="poste_iscg", iscg_premiere_annee=2025, mesure_snpd_id=35, quantite=3
    )
    Cofinancement(action=action, financeur="DETR", montant=D("100.00"), etat=True).save()
    Cofinancement(action=action, financeur="Commune", montant=D("200.00")).save()
    stockee = Action.objects.select_related("porteur").prefetch_related("cofinancements").get(pk=action.pk)

    with CaptureQueriesContext(connection) as requetes:
        faits = faits_action(stockee, departement="59")

    assert len(requetes) == 0
    assert (faits.iscg_premiere_annee, faits.mesure_snpd, faits.quantite) == (2025, 35, 3)
    assert faits.cofinancements == (D("100.00"), D("200.00"))
    assert faits.cofinancements_etat == (D("100.00"),)


def test_a_d_action_is_stored_with_its_measure_alert():
    p = programmation_de("D")
    action = ActionFactory(programmation=p, categorie="action_prevention", retenue=True)

    action.refresh_from_db()
    assert [v["regle"] for v in action.verdicts] == ["MESURE_SNPD_ABSENTE"]
    assert action.verdicts[0]["champ"] == "mesure_snpd"
    p.refresh_from_db()
    assert (p.nb_bloquants, p.nb_alertes) == (0, 1)


def test_an_iscg_post_cannot_be_retained_without_its_first_year():
    p = programmation_de("D")
    action = ActionFactory(programmation=p, categorie="poste_iscg")
    assert [v["regle"] for v in Action.objects.get(pk=action.pk).verdicts] == [
        "ISCG_PREMIERE_ANNEE",
        "MESURE_SNPD_ABSENTE",
    ]

    action.decision = "retenue"
    with pytest.raises(ValidationError) as refus:
        action.save()
    assert {e.code for liste in refus.value.error_dict.values() for e in liste} == {"ISCG_PREMIERE_ANNEE"}


def videoprotection(p, cout: str, **champs) -> Action:
    return ActionFactory(
        programmation=p,
        porteur=PorteurFactory(departement=p.departement, commune=True),
        categorie="videoprotection",
        cout_total=D(cout),
        montant_fipd=D("1000.00"),
        **champs,
    )


def test_an_s_project_of_3000_euros_is_retained():
    action = videoprotection(programmation_de("S"), "3000.00", retenue=True)
    assert Action.objects.get(pk=action.pk).verdicts == []


def test_an_s_project_one_cent_under_3000_euros_cannot_be_retained():
    p = programmation_de("S")
    with pytest.raises(ValidationError) as refus:
        videoprotection(p, "2999.99", retenue=True)
    assert [e.code for e in refus.value.error_dict["cout_total"]] == ["S_MONTANT_MINIMAL"]
    assert not Action.objects.filter(programmation=p).exists()


def test_recomputing_a_programmation_reads_its_department_once_not_per_action():
    p = programmation_de("D")
    creer_actions(p, 3, categorie="action_prevention")
    with CaptureQueriesContext(connection) as petite:
        recalculer_programmation(p.pk)
    creer_actions(p, 30, categorie="action_prevention")
    with CaptureQueriesContext(connection) as grande:
        recalculer_programmation(p.pk)

    assert len(grande) == len(petite)
    assert Action.objects.filter(programmation=p, nb_alertes=1).count() == 33


# --- Programme D: an ISCG post at its rank -------------------------------------------------------------------


def poste_iscg(p, premiere: int, cout: str, fipd: str, **champs) -> Action:
    return Action(
        programmation=p,
        reference=champs.pop("reference", "ISCG1"),
        intitule="Intervenant social au commissariat",
        porteur=PorteurFactory(departement=p.departement, commune=True),
        categorie="poste_iscg",
        iscg_premiere_annee=premiere,
        mesure_snpd_id=35,
        cout_total=D(cout),
        montant_fipd=D(fipd),
        **champs,
    )


def test_an_iscg_post_over_its_rate_is_recorded_en_instruction_but_refused_when_retained():
    p = programmation_de("D")
    # 2nd year: 50 % of 48 000 € = 24 000 €; 24 000,01 € is one cent over.
    action = poste_iscg(p, 2025, "48000.00", "24000.01")
    action.save()
    stockee = Action.objects.get(pk=action.pk)
    assert [v["regle"] for v in stockee.verdicts] == ["ISCG_TAUX"]
    assert stockee.verdicts[0]["champ"] == "montant_fipd"

    stockee.decision = "retenue"
    with pytest.raises(ValidationError) as refus:
        stockee.save()
    erreurs = refus.value.error_dict["montant_fipd"]
    assert [e.code for e in erreurs] == ["ISCG_TAUX"]
    assert "2e année de cofinancement" in erreurs[0].message and "50" in erreurs[0].message
    assert Action.objects.get(pk=action.pk).decision == "en_instruction"

    stockee.montant_fipd = D("24000.00")  # at the bound: retained
    stockee.save()
    assert Action.objects.get(pk=action.pk).verdicts == []


def test_the_overseas_post_is_retained_at_50_percent_in_its_first_year():
    p = programmation_de("D", "974")
    with pytest.raises(ValidationError) as refus:
        poste_iscg(p, 2026, "44000.00", "22000.01", decision="retenue").save()
    assert [e.code for e in refus.value.error_dict["montant_fipd"]] == ["ISCG_TAUX"]
    poste_iscg(p, 2026, "44000.00", "22000.00", decision="retenue").save()
    assert Action.objects.get(programmation=p).verdicts == []


def test_reconduction_carries_the_facts_over_so_that_next_years_rank_follows():
    p2025 = programmation_de("D", annee=2025)
    p2026 = programmation_de("D")
    # Retained in 2025 at 80 % (the strategy's rules start in 2026: not evaluated in 2025).
    ecrire_actions(
        p2025.pk,
        [poste_iscg(p2025, 2025, "50000.00", "40000.00", decision="retenue")],
        cofinancements={0: [Cofinanceur("Ministère de l'Intérieur (autre programme)", D("10000.00"), True)]},
    )

    resultat = reconduire(p2026, p2025)

    assert resultat.copiees == 1
    copie = Action.objects.get(programmation=p2026)
    assert (copie.iscg_premiere_annee, copie.mesure_snpd_id, copie.decision) == (2025, 35, "en_instruction")
    assert [(c.financeur, c.etat) for c in copie.cofinancements.all()] == [
        ("Ministère de l'Intérieur (autre programme)", True)
    ]
    # 2026 is the post's 2nd year: 50 %, so last year's 80 % is over the rate and shown as such.
    assert [v["regle"] for v in copie.verdicts] == ["ISCG_TAUX"]
    assert "2e année de cofinancement" in copie.verdicts[0]["message"]


def test_reconduction_carries_the_quantity_and_the_state_flag_of_programme_s():
    p2025 = programmation_de("S", annee=2025)
    p2026 = programmation_de("S")
    gilets = Action(
        programmation=p2025,
        reference="G1",
        intitule="Gilets pare-balles",
        porteur=PorteurFactory(departement=p2025.departement, commune=True),
        categorie="gilets_pare_balles",
        quantite=20,
        cout_total=D("14000.00"),
        montant_fipd=D("5000.00"),
    )
    ecrire_actions(p2025.pk, [gilets], cofinancements={0: [("DETR 2025", D("4000.00"), True)]})

    reconduire(p2026, p2025)

    copie = Action.objects.get(programmation=p2026)
    assert copie.quantite == 20
    assert [(c.financeur, c.montant, c.etat) for c in copie.cofinancements.all()] == [
        ("DETR 2025", D("4000.00"), True)
    ]


# --- Programme S: equipment and the State's share ------------------------------------------------------------


def equipement(p, categorie: str, cout: str, fipd: str, **champs) -> Action:
    return Action(
        programmation=p,
        reference=champs.pop("reference", "E1"),
        intitule="Équipement de la police municipale",
        porteur=PorteurFactory(departement=p.departement, commune=True),
        categorie=categorie,
        cout_total=D(cout),
        montant_fipd=D(fipd),
        **champs,
    )


def test_a_vest_without_quantity_is_recorded_but_refused_when_retained_beside_the_quantity():
    p = programmation_de("S")
    action = equipement(p, "gilets_pare_balles", "6000.00", "2000.00")
    action.save()
    assert [v["regle"] for v in Action.objects.get(pk=action.pk).verdicts] == ["S_QUANTITE_MANQUANTE"]

    action.decision = "retenue"
    with pytest.raises(ValidationError) as refus:
        action.save()
    assert [e.code for e in refus.value.error_dict["quantite"]] == ["S_QUANTITE_MANQUANTE"]

    action.quantite = 8  # 8 × 250 € = 2 000 €: at the bound
    action.save()
    stockee = Action.objects.get(pk=action.pk)
    assert (stockee.decision, stockee.verdicts) == ("retenue", [])


def test_the_camera_unit_cap_binds_before_the_rate():
    p = programmation_de("S")
    # 15 cameras: min(50 % × 8 000 = 4 000, 15 × 200 = 3 000) = 3 000 €.
    with pytest.raises(ValidationError) as refus:
        equipement(p, "cameras_pietons", "8000.00", "3000.01", quantite=15, decision="retenue").save()
    assert [e.code for e in refus.value.error_dict["montant_fipd"]] == ["S_EQUIPEMENT_PLAFOND"]
    equipement(p, "cameras_pietons", "8000.00", "3000.00", quantite=15, decision="retenue").save()


def videoprotection_detr(p, etat: bool, detr: str = "60000.00"):
    """120 000 €: 36 000 € of FIPD, the DETR, the commune for the rest."""
    action = equipement(p, "videoprotection", "120000.00", "36000.00", decision="retenue")
    commune = D("120000.00") - D("36000.00") - D(detr)
    return ecrire_actions(
        p.pk,
        [action],
        cofinancements={0: [Cofinanceur("DETR 2026", D(detr), etat), Cofinanceur("Commune", commune)]},
    )


def test_the_state_share_counts_a_detr_co_funder_ticked_state():
    p = programmation_de("S")
    # 36 000 + 60 000,01 = 96 000,01 € > 80 % × 120 000 = 96 000 €.
    with pytest.raises(ValidationError) as refus:
        videoprotection_detr(p, etat=True, detr="60000.01")
    erreurs = refus.value.error_dict["montant_fipd"]
    assert [e.code for e in erreurs] == ["S_PART_ETAT"]
    assert "financements de l'État" in erreurs[0].message
    assert not Action.objects.filter(programmation=p).exists()

    videoprotection_detr(p, etat=False, detr="60000.01")  # not State money: the FIPD alone is 30 %
    action = Action.objects.get(programmation=p)
    assert action.verdicts == []
    assert list(action.cofinancements.values_list("financeur", "etat")) == [
        ("DETR 2026", False),
        ("Commune", False),
    ]


def test_a_state_share_at_its_bound_is_retained():
    p = programmation_de("S")
    videoprotection_detr(p, etat=True)  # 36 000 + 60 000 = 96 000 € = 80 %
    assert Action.objects.get(programmation=p).cofinancements.filter(etat=True).count() == 1


def test_co_funders_given_as_pairs_are_written_as_non_state_money():
    p = programmation_de("S")
    action = equipement(p, "videoprotection", "10000.00", "5000.00")
    ecrire_actions(p.pk, [action], cofinancements={0: [("Commune", D("5000.00"))]})
    assert list(action.cofinancements.values_list("financeur", "montant", "etat")) == [
        ("Commune", D("5000.00"), False)
    ]


def test_a_co_funder_saved_alone_cannot_push_a_retained_action_over_the_state_share():
    """The admin's inline saves co-funders one by one: each is a change of its action."""
    p = programmation_de("S")
    videoprotection_detr(p, etat=False)
    action = Action.objects.get(programmation=p)
    detr = action.cofinancements.get(financeur="DETR 2026")

    detr.etat = True
    detr.montant = D("60000.01")
    with pytest.raises(ValidationError) as refus:
        detr.save()
    assert [e.code for e in refus.value.error_list] == ["S_PART_ETAT"]
    assert Cofinancement.objects.get(pk=detr.pk).etat is False  # undone
    assert Action.objects.get(pk=action.pk).verdicts == []

    detr.montant = D("60000.00")
    detr.save()  # at the bound
    assert Cofinancement.objects.get(pk=detr.pk).etat is True


def test_a_quantity_below_one_and_an_implausible_first_year_are_refused_by_the_model():
    p = programmation_de("S")
    action = equipement(p, "gilets_pare_balles", "6000.00", "2000.00", quantite=0)
    with pytest.raises(ValidationError) as erreur:
        action.full_clean()
    assert "quantite" in erreur.value.error_dict
    action = poste_iscg(programmation_de("D"), 1999, "1000.00", "100.00")
    with pytest.raises(ValidationError) as erreur:
        action.full_clean()
    assert "iscg_premiere_annee" in erreur.value.error_dict


def test_a_measure_number_that_is_not_one_of_the_50_is_refused_by_the_database():
    from django.db import IntegrityError, transaction

    p = programmation_de("D")
    action = ActionFactory.build(programmation=p, categorie="action_prevention", mesure_snpd_id=51)
    action.porteur = PorteurFactory(departement=p.departement)
    with pytest.raises((IntegrityError, ValidationError)), transaction.atomic():
        action.save()
        connection.check_constraints()  # SQLite checks deferred foreign keys at commit
