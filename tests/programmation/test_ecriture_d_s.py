"""The rule sets of programmes D and S through the ORM's write path: the programmation's department reaches the
rules (the overseas ISCG rate) without a query per action, and the verdicts are stored.

The model has no field yet for the facts of §3.5 (quantity, ISCG first year, SNPD measure, State co-funders):
the adapter reads them as not given, so the rules that need them say so."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmation.ecriture import faits_action
from programmation.ecriture.actions import recalculer_programmation
from programmation.models import Action
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    creer_actions,
    departement,
    doter,
)
from tests.factories import programme as programme_de

pytestmark = pytest.mark.django_db
D = Decimal


def programmation_de(code_programme: str, code_departement: str = "69", montant: str = "100000.00"):
    p = ProgrammationFactory(
        programme=programme_de(code_programme), departement=departement(code_departement)
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
