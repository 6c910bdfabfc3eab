"""Programme D reported by SNPD axis and measure (issue 11 item 5): France, region, department; exportable;
scoped; one query for the sums whatever the number of actions."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from programmation.models import Programme, Region
from tests.factories import (
    ActionFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def client_sg(client):
    client.force_login(UtilisateurFactory(username="sg", role="instructeur_sgcipdr"))
    return client


def programmation_d(code):
    p = ProgrammationFactory(departement=departement(code), programme=Programme.objects.get(code="D"))
    doter(p, "200000.00", code_programme="D")
    return p


@pytest.fixture
def actions_d():
    nord, rhone = programmation_d("59"), programmation_d("69")
    ActionFactory(
        programmation=nord,
        categorie="action_prevention",
        mesure_snpd_id=1,
        retenue=True,
        cout_total=D("30000"),
        montant_fipd=D("15000"),
    )
    ActionFactory(
        programmation=rhone,
        categorie="action_prevention",
        mesure_snpd_id=1,
        retenue=True,
        cout_total=D("20000"),
        montant_fipd=D("7000.50"),
    )
    ActionFactory(
        programmation=rhone,
        categorie="action_prevention",
        mesure_snpd_id=35,
        retenue=True,
        cout_total=D("20000"),
        montant_fipd=D("3000"),
    )
    ActionFactory(
        programmation=rhone,
        categorie="action_prevention",
        retenue=True,
        cout_total=D("20000"),
        montant_fipd=D("1000"),
    )  # no measure
    ActionFactory(
        programmation=rhone,
        categorie="action_prevention",
        mesure_snpd_id=1,
        cout_total=D("20000"),
        montant_fipd=D("9999"),
    )  # not retained
    return nord, rhone


def ligne(rapport, numero):
    return next(lg for _, _, lignes, _ in rapport.axes for lg in lignes if lg.numero == numero)


def test_totals_by_measure_for_france_a_region_and_a_department(client_sg, actions_d):
    reponse = client_sg.get(
        reverse("mesures", args=[2026]), {"region": Region.objects.get(code="84").pk, "departement": "69"}
    )
    rapport = reponse.context["rapport"]
    mesure_1 = ligne(rapport, 1)
    assert (mesure_1.france, mesure_1.region, mesure_1.departement, mesure_1.nb_actions) == (
        D("22000.50"),
        D("7000.50"),
        D("7000.50"),
        2,
    )
    assert ligne(rapport, 35).france == D("3000.00")
    assert ligne(rapport, None).france == D("1000.00")  # « sans mesure »
    axe_1 = next(st for axe, _, _, st in rapport.axes if axe == 1)
    assert axe_1.france == D("22000.50")
    assert rapport.total.france == D("26000.50")
    html = reponse.content.decode()
    assert "35 – " in html and "Sans mesure indiquée" in html


def test_the_regional_agent_sees_their_region_only(client, actions_d):
    client.force_login(
        UtilisateurFactory(username="sgar", role="agent_regional", region=Region.objects.get(code="32"))
    )
    rapport = client.get(reverse("mesures", args=[2026])).context["rapport"]
    assert rapport.total.france == D("15000.00")  # the Nord only: « France » is the user's scope


def test_a_prefecture_agent_gets_404(client, actions_d):
    client.force_login(UtilisateurFactory(username="nord", departements=[departement("59")]))
    for nom in ("mesures", "mesures_xlsx", "mesures_csv"):
        assert client.get(reverse(nom, args=[2026])).status_code == 404


def test_the_exports_hold_the_same_figures(client_sg, actions_d):
    wb = load_workbook(
        io.BytesIO(
            b"".join(
                client_sg.get(reverse("mesures_xlsx", args=[2026]), {"departement": "69"}).streaming_content
            )
        )
    )
    rangees = list(wb.active.iter_rows(values_only=True))
    assert rangees[0][:6] == ("Axe", "Libellé de l'axe", "Mesure", "Intitulé", "Actions retenues", "France")
    assert rangees[0][7] == "Département 69"
    premiere = next(r for r in rangees if r[2] == 1)
    assert (Decimal(str(premiere[5])), Decimal(str(premiere[7]))) == (D("22000.5"), D("7000.5"))
    texte = b"".join(client_sg.get(reverse("mesures_csv", args=[2026])).streaming_content).decode("utf-8-sig")
    total = list(csv.reader(io.StringIO(texte), delimiter=";"))[-1]
    assert total[3:6] == ["Total du programme D", "4", "26000,50"]


def test_the_report_costs_the_same_queries_whatever_the_actions(client_sg, actions_d):
    nord, _ = actions_d

    def compter():
        with CaptureQueriesContext(connection) as capture:
            assert client_sg.get(reverse("mesures", args=[2026])).status_code == 200
        return len(capture)

    avant = compter()
    creer_actions(nord, 200, categorie="action_prevention", cout_total=D("100"), montant_fipd=D("50"))
    assert compter() == avant
