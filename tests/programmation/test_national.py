"""The national dashboard (issue 7): every department × programme, filters, sorting, totals, the chart, the
validation of several programmations, scoping, and query counts that do not grow with the actions."""

import io
from decimal import Decimal

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from programmation.models import (
    Action,
    Departement,
    Enveloppe,
    Exercice,
    MouvementEnveloppe,
    Porteur,
    Programmation,
    Programme,
    Region,
    Statut,
)
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


@pytest.fixture
def client_sgar(client):
    client.force_login(
        UtilisateurFactory(username="sgar", role="agent_regional", region=Region.objects.get(code="32"))
    )
    return client


@pytest.fixture
def client_agent(client):
    client.force_login(UtilisateurFactory(username="nord", departements=[departement("59")]))
    return client


@pytest.fixture
def trois(programmation):
    """Nord (R, 100 000 €, 72 000 € retained, transmitted), Rhône (R, 50 000 €, a blocking verdict, transmitted),
    Cantal (D, started, nothing retained)."""
    creer_actions(programmation, 1, cout_total=D("100000"), montant_fipd=D("72000"))
    Programmation.objects.filter(pk=programmation.pk).update(statut=Statut.TRANSMISE)
    rhone = ProgrammationFactory(departement=departement("69"))
    enveloppe = doter(rhone, "60000.00")
    ActionFactory(
        programmation=rhone, retenue=True, milieu="ouvert", cout_total=D("20000"), montant_fipd=D("10000")
    )
    creer_actions(rhone, 1, cout_total=D("50000"), montant_fipd=D("45000"))
    # A withdrawal leaves 55 000 € retained on a 50 000 € envelope: a blocking verdict.
    MouvementEnveloppe(
        enveloppe=enveloppe, date="2026-05-01", nature="retrait", montant=D("10000"), motif="Gel"
    ).save()
    Programmation.objects.filter(pk=rhone.pk).update(statut=Statut.TRANSMISE)
    cantal = ProgrammationFactory(departement=departement("15"), programme=Programme.objects.get(code="D"))
    return programmation, rhone, cantal


def lignes(reponse):
    return [(lg.departement.code, lg.programme.code, lg.statut) for lg in reponse.context["lignes"]]


def test_every_department_and_programme_has_a_row_started_or_not(client_sg, trois):
    reponse = client_sg.get(reverse("national", args=[2026]))
    assert len(reponse.context["lignes"]) == 404
    statuts = {(d, p): s for d, p, s in lignes(reponse)}
    assert statuts[("59", "R")] == "transmise" and statuts[("15", "D")] == "brouillon"
    assert statuts[("2A", "K")] == "non_commencee"
    nord = next(
        lg for lg in reponse.context["lignes"] if lg.departement.code == "59" and lg.programme.code == "R"
    )
    assert (nord.enveloppe, nord.total_fipd, nord.plafond_formation) == (
        D("100000.00"),
        D("72000.00"),
        D("14400"),
    )
    html = reponse.content.decode()
    assert "72,0\u202f%" in html  # one format for consumption
    assert 'href="/programmations/2026/59/R/"' in html


@pytest.mark.parametrize(
    ("filtres", "attendus"),
    [
        ({"statut": "transmise"}, {("59", "R"), ("69", "R")}),
        ({"anomalies": "on"}, {("69", "R")}),
        ({"recherche": "rhone", "programme": "R"}, {("13", "R"), ("69", "R")}),  # no accents needed
        ({"recherche": "59", "programme": "R"}, {("59", "R")}),
        ({"region": "__ara__", "statut": "brouillon"}, {("15", "D")}),
        ({"consommation_min": "70", "consommation_max": "80"}, {("59", "R")}),
        ({"consommation_min": "100"}, {("69", "R")}),
        ({"statut": "non_commencee", "recherche": "Nord"}, {("59", "D"), ("59", "K"), ("59", "S")}),
    ],
)
def test_filters(client_sg, trois, filtres, attendus):
    if filtres.get("region") == "__ara__":
        filtres["region"] = Region.objects.get(code="84").pk
    reponse = client_sg.get(reverse("national", args=[2026]), filtres)
    assert {(d, p) for d, p, _ in lignes(reponse)} == attendus


def test_an_invalid_filter_shows_its_error_and_all_rows(client_sg, trois):
    reponse = client_sg.get(reverse("national", args=[2026]), {"consommation_min": "beaucoup"})
    assert reponse.status_code == 200
    assert "consommation_min" in reponse.context["filtre"].form.errors
    assert len(reponse.context["lignes"]) == 404


@pytest.mark.parametrize(
    ("tri", "premier"),
    [
        ("-total_fipd", ("59", "R")),
        ("-consommation", ("69", "R")),
        ("-nb_bloquants", ("69", "R")),
        ("departement", ("01", "D")),
    ],
)
def test_sorting_on_a_column(client_sg, trois, tri, premier):
    reponse = client_sg.get(reverse("national", args=[2026]), {"tri": tri})
    assert lignes(reponse)[0][:2] == premier
    colonne = next(c for c in reponse.context["colonnes"] if c.cle == tri.removeprefix("-"))
    assert colonne.tri == ("descending" if tri.startswith("-") else "ascending")


def test_rows_without_a_figure_sort_last_both_ways(client_sg, trois):
    for tri in ("consommation", "-consommation"):
        rangees = client_sg.get(reverse("national", args=[2026]), {"tri": tri}).context["lignes"]
        assert rangees[-1].consommation is None and rangees[0].consommation is not None


def test_totals_per_region_and_for_france_follow_the_filters(client_sg, trois):
    reponse = client_sg.get(reverse("national", args=[2026]), {"programme": "R"})
    france = reponse.context["france"]
    assert (france.enveloppe, france.total_fipd) == (D("150000.00"), D("127000.00"))
    regions = {t.libelle: t for t in reponse.context["totaux_regions"]}
    assert regions["Hauts-de-France"].total_fipd == D("72000.00")
    assert regions["Auvergne-Rhône-Alpes"].consommation == D("55000") / D("50000")
    html = reponse.content.decode()
    assert "110,0\u202f% (dépassement)" in html  # the chart says it in words, not only in colour
    assert '<svg class="fipd-graphique"' in html


# --- Review from the dashboard ----------------------------------------------------------------------------


def test_validating_several_programmations_says_which_were_refused_and_why(client_sg, trois):
    nord, rhone, _ = trois
    reponse = client_sg.post(
        reverse("valider_selection", args=[2026]),
        {"programmations": [nord.pk, rhone.pk], "retour": "?statut=transmise"},
        follow=True,
    )
    assert reponse.redirect_chain[-1][0] == "/national/2026/?statut=transmise"
    assert Programmation.objects.get(pk=nord.pk).statut == Statut.VALIDEE
    assert Programmation.objects.get(pk=rhone.pk).statut == Statut.TRANSMISE
    textes = [str(m) for m in reponse.context["messages"]]
    assert textes[0] == "1 programmation validée : 59 – Nord – R."
    assert textes[1].startswith("1 programmation refusée : 69 – Rhône – R : ENVELOPPE_DEPASSEE")


def test_only_the_sgcipdr_validates_from_the_dashboard(client_sgar, trois):
    nord, _, _ = trois
    assert (
        client_sgar.post(reverse("valider_selection", args=[2026]), {"programmations": [nord.pk]}).status_code
        == 403
    )
    assert Programmation.objects.get(pk=nord.pk).statut == Statut.TRANSMISE


def test_a_guessed_id_in_the_selection_is_a_404(client_sg, trois):
    ailleurs = ProgrammationFactory(exercice=Exercice.objects.get(annee=2025))
    for pks in ([ailleurs.pk], ["1 OR 1=1"], ["²"], ["99999999999999999999"]):
        assert (
            client_sg.post(reverse("valider_selection", args=[2026]), {"programmations": pks}).status_code
            == 404
        )


# --- Scoping ----------------------------------------------------------------------------------------------


def test_the_regional_agent_reads_every_department_of_the_region_and_nothing_else(client_sgar, trois):
    reponse = client_sgar.get(reverse("national", args=[2026]))
    assert {d for d, _, _ in lignes(reponse)} == {"02", "59", "60", "62", "80"}
    assert client_sgar.get(reverse("national", args=[2026]), {"recherche": "69"}).context["lignes"] == []
    assert "Valider les programmations cochées" not in reponse.content.decode()
    csv = b"".join(client_sgar.get(reverse("national_csv", args=[2026])).streaming_content).decode(
        "utf-8-sig"
    )
    assert "Rhône" not in csv and "Nord" in csv


def test_a_prefecture_agent_gets_404_on_the_dashboard_and_its_exports(client_agent, trois):
    for nom in ("national", "national_xlsx", "national_csv"):
        assert client_agent.get(reverse(nom, args=[2026])).status_code == 404, nom
    assert client_agent.post(reverse("valider_selection", args=[2026]), {}).status_code == 404


def test_an_unknown_year_is_a_404(client_sg):
    assert client_sg.get(reverse("national", args=[1999])).status_code == 404


# --- Query counts: equal at 10 and at 40 400 actions (DESIGN.md §8's data set) ----------------------------


def jeu_national():
    """101 departments × 4 programmes × 100 actions, written in bulk (a data set, not a user's write: the
    stored totals are set directly)."""
    exercice = Exercice.objects.get(annee=2026)
    programmes = list(Programme.objects.all())
    porteurs = {
        d.pk: p
        for d, p in (
            (d, Porteur.objects.create(departement=d, nom=f"Association {d.code}", type="association"))
            for d in Departement.objects.all()
        )
    }
    programmations = models.QuerySet.bulk_create(
        Programmation.objects.all(),
        [
            Programmation(exercice=exercice, departement=d, programme=p, total_fipd=D("10000"), nb_alertes=1)
            for d in Departement.objects.all()
            for p in programmes
        ],
    )
    categories = {"R": "sante_mentale", "D": "autre", "S": "autre", "K": "autre"}
    codes = {p.pk: p.code for p in programmes}
    actions = [
        Action(
            programmation=p,
            reference=f"A{i:03d}",
            intitule=f"Action {i}",
            porteur=porteurs[p.departement_id],
            categorie=categories[codes[p.programme_id]],
            cout_total=D("200"),
            montant_fipd=D("100"),
            decision="retenue",
        )
        for p in programmations
        for i in range(100)
    ]
    models.QuerySet.bulk_create(Action.objects.all(), actions, batch_size=5000)
    dotees = set(Enveloppe.objects.values_list("programme_id", "departement_id"))
    models.QuerySet.bulk_create(
        Enveloppe.objects.all(),
        [
            Enveloppe(exercice=exercice, programme=p.programme, departement=p.departement, montant=D("12000"))
            for p in programmations
            if (p.programme_id, p.departement_id) not in dotees
        ],
    )


def compter_requetes(client, url, **params):
    client.get(url, params)
    with CaptureQueriesContext(connection) as capture:
        reponse = client.get(url, params)
        if reponse.streaming:
            b"".join(reponse.streaming_content)
    assert reponse.status_code == 200
    return len(capture)


def test_dashboard_and_export_queries_do_not_grow_with_the_actions(client_sg, programmation):
    urls = [reverse(nom, args=[2026]) for nom in ("national", "national_xlsx", "national_csv")]

    def mesurer():
        return [
            compter_requetes(client_sg, url, **params)
            for url in urls
            for params in ({}, {"programme": "R", "anomalies": "on"})
        ]

    creer_actions(programmation, 10)
    petite = mesurer()
    Action.objects.filter(programmation=programmation).delete()
    Programmation.objects.filter(pk=programmation.pk).delete()  # the data set has its own
    jeu_national()
    assert Action.objects.count() == 40_400
    assert mesurer() == petite


def test_the_national_xlsx_holds_the_rows_and_a_sheet_of_actions_per_programme(client_sg, trois):
    reponse = client_sg.get(reverse("national_xlsx", args=[2026]), {"programme": "R", "statut": "transmise"})
    wb = load_workbook(io.BytesIO(b"".join(reponse.streaming_content)))
    assert wb.sheetnames == ["National", "Programme R"]
    national = list(wb["National"].iter_rows(values_only=True))
    assert national[0][:8] == (
        "Région",
        "Code département",
        "Département",
        "Programme",
        "Statut",
        "Enveloppe",
        "Total retenu",
        "Consommation",
    )
    assert {r[1] for r in national[1:]} == {"59", "69"}
    assert sum(Decimal(str(r[6])) for r in national[1:]) == D("127000.00")
    assert wb["National"].freeze_panes == "A2" and wb["National"].auto_filter.ref
    actions = list(wb["Programme R"].iter_rows(values_only=True))
    assert actions[0][:3] == ("Département", "Référence", "Intitulé")
    assert len(actions) == 1 + 3
