"""Exports (issue 7, DESIGN.md §9): a programmation's actions in the import format and the national table,
as XLSX (real numbers with a euro format, frozen header, filter, text never a formula) and CSV (`;`, UTF-8
with BOM, French decimals, formula-looking cells neutralised)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from programmation.models import Cofinancement
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    departement,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def client_agent(client):
    client.force_login(UtilisateurFactory(username="nord", departements=[departement("59")]))
    return client


@pytest.fixture
def actions(programmation):
    porteur = PorteurFactory(departement=programmation.departement, nom='=HYPERLINK("http://x")', siret="")
    a = ActionFactory(
        programmation=programmation,
        reference="A1",
        intitule="=1+1 Ateliers",
        porteur=porteur,
        retenue=True,
        cout_total=D("12345.67"),
        montant_fipd=D("4000.01"),
        montant_demande=D("5000"),
    )
    Cofinancement(action=a, financeur="Commune de Lille", montant=D("8345.66")).save()
    b = ActionFactory(
        programmation=programmation,
        reference="A2",
        intitule="-Théâtre",
        categorie="prevention_primaire",
        public="grand_public",
        theme_prevention_primaire="esprit_critique",
        justification="@collèges",
        cout_total=D("10000"),
        montant_fipd=D("2000"),
    )
    return a, b


def classeur(reponse):
    return load_workbook(io.BytesIO(b"".join(reponse.streaming_content)))


def url(p, extension):
    return f"{p.get_absolute_url()}export.{extension}"


def test_the_programmation_xlsx_holds_numbers_labels_and_text_that_is_never_a_formula(
    client_agent, programmation, actions
):
    reponse = client_agent.get(url(programmation, "xlsx"))
    assert reponse["Content-Disposition"] == 'attachment; filename="programmation-R-2026-59.xlsx"'
    ws = classeur(reponse)["Actions"]
    entetes = [c.value for c in ws[1]]
    assert entetes[:11] == [
        "Référence",
        "Intitulé",
        "Porteur",
        "Type porteur",
        "SIRET",
        "Catégorie",
        "Public",
        "Milieu",
        "Coût total",
        "Montant demandé",
        "Montant FIPD",
    ]
    assert entetes[-2:] == ["Cofinanceur 1", "Montant cofinanceur 1"]
    lignes = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    a1 = lignes["A1"]
    assert (a1[1].value, a1[1].data_type) == ("=1+1 Ateliers", "s")  # text, not a formula
    assert (a1[2].value, a1[2].data_type) == ('=HYPERLINK("http://x")', "s")
    assert isinstance(a1[8].value, float) and D(repr(a1[8].value)) == D("12345.67")  # a number, not text
    assert a1[8].number_format.endswith('"€"') and a1[10].number_format.endswith('"€"')
    assert a1[5].value == "Consultations de santé mentale" and a1[15].value == "Retenue"
    assert lignes["A2"][13].value == "Esprit critique"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    total = sum(D(str(r[10].value)) for r in ws.iter_rows(min_row=2) if r[15].value == "Retenue")
    programmation.refresh_from_db()
    assert total == programmation.total_fipd


def test_the_programmation_csv_is_what_french_spreadsheets_read(client_agent, programmation, actions):
    reponse = client_agent.get(url(programmation, "csv"))
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    texte = b"".join(reponse.streaming_content).decode("utf-8")
    assert texte.startswith("\ufeffRéférence;Intitulé;Porteur;")
    lignes = {r[0]: r for r in csv.reader(io.StringIO(texte.removeprefix("\ufeff")), delimiter=";")}
    assert lignes["A1"][1] == "'=1+1 Ateliers" and lignes["A1"][2] == '\'=HYPERLINK("http://x")'
    assert lignes["A2"][1] == "'-Théâtre" and lignes["A2"][14] == "'@collèges"
    assert (lignes["A1"][8], lignes["A1"][10], lignes["A1"][9]) == ("12345,67", "4000,01", "5000,00")
    assert lignes["A1"][-1] == "8345,66"
    assert lignes["A2"][9] == ""  # no requested amount


def test_exports_of_another_department_are_404(client_agent, actions):
    autre = "/programmations/2026/69/R/"
    ProgrammationFactory(departement=departement("69"))
    for extension in ("xlsx", "csv"):
        assert client_agent.get(f"{autre}export.{extension}").status_code == 404


def test_the_national_csv_follows_the_filters_and_writes_french_figures(client, programmation, actions):
    client.force_login(UtilisateurFactory(username="sg", role="instructeur_sgcipdr"))
    reponse = client.get(reverse("national_csv", args=[2026]), {"recherche": "Nord", "programme": "R"})
    texte = b"".join(reponse.streaming_content).decode("utf-8-sig")
    (entetes, nord) = list(csv.reader(io.StringIO(texte), delimiter=";"))
    assert entetes[:8] == [
        "Région",
        "Code département",
        "Département",
        "Programme",
        "Statut",
        "Enveloppe",
        "Total retenu",
        "Consommation",
    ]
    assert nord[:8] == [
        "Hauts-de-France",
        "59",
        "Nord",
        "R",
        "Brouillon",
        "100000,00",
        "4000,01",
        "4,0\u202f%",
    ]
