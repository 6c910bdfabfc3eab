"""The national dashboard (issue 7): every department × programme, filters, sorting, totals, the chart, the
validation of several programmations, scoping, and query counts that do not grow with the actions."""

import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from eligibilite.regles import montant
from programmation.documents import synthese as module_synthese
from programmation.documents.synthese import LIGNES_PAR_TABLEAU, synthese
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
    ValeurParametre,
)
from programmation.national import lignes_nationales
from tests.factories import (
    ActionFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
)
from tests.programmation.test_pdf import polices_du_pdf, texte_du_pdf
from tests.tableau_national import rangees

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
    return [(r.departement, r.programme, r.statut) for r in rangees(reponse)]


def test_every_department_and_programme_has_a_row_started_or_not(client_sg, trois):
    reponse = client_sg.get(reverse("national", args=[2026]))
    assert len(rangees(reponse)) == 404
    assert "(404 lignes)" in reponse.content.decode()
    statuts = {(d, p): s for d, p, s in lignes(reponse)}
    assert statuts[("59", "R")] == "transmise" and statuts[("15", "D")] == "brouillon"
    assert statuts[("2A", "K")] == "non_commencee"
    nord = next(r for r in rangees(reponse) if (r.departement, r.programme) == ("59", "R"))
    assert (
        nord.cellules["Enveloppe"],
        nord.cellules["Total retenu"],
        nord.cellules["Formation / plafond"],
    ) == (
        montant(D("100000")),
        montant(D("72000")),
        f"{montant(D('0'))} / {montant(D('14400'))}",
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
    assert len(rangees(reponse)) == 404


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
        lues = rangees(client_sg.get(reverse("national", args=[2026]), {"tri": tri}))
        assert lues[-1].cellules["Consommation"] == "—" and lues[0].cellules["Consommation"] != "—"


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
    assert textes[1].startswith(
        "1 programmation refusée : 69 – Rhône – R : Enveloppe départementale dépassée — "
    )
    assert textes[1].endswith("[ENVELOPPE_DEPASSEE]")


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
    aucune = client_sgar.get(reverse("national", args=[2026]), {"recherche": "69"})
    assert rangees(aucune) == [] and "Aucune ligne ne correspond à ces filtres." in aucune.content.decode()
    assert "Valider les programmations cochées" not in reponse.content.decode()
    csv = b"".join(client_sgar.get(reverse("national_csv", args=[2026])).streaming_content).decode(
        "utf-8-sig"
    )
    assert "Rhône" not in csv and "Nord" in csv


def test_a_prefecture_agent_gets_404_on_the_dashboard_and_its_exports(client_agent, trois):
    for nom in ("national", "national_xlsx", "national_csv", "national_pdf"):
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


def compter_requetes(client, url, froid=False, **params):
    """The queries of a request after a first one (the session, the user's roles are loaded); ``froid``:
    with the dashboard's cache emptied in between, so that the table is read from the database."""
    client.get(url, params)
    if froid:
        cache.clear()
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
            compter_requetes(client_sg, url, froid=froid, **params)
            for url in urls
            for params in ({}, {"programme": "R", "anomalies": "on"})
            for froid in (False, True)
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


# --- The cached table -------------------------------------------------------------------------------------


def rangee(client, *, departement="59", programme="R", **params):
    reponse = client.get(reverse("national", args=[2026]), params)
    return next(r for r in rangees(reponse) if (r.departement, r.programme) == (departement, programme))


def test_a_second_reading_comes_from_the_cache_and_shows_the_same_page(client_sg, trois):
    url = reverse("national", args=[2026])
    client_sg.get(url)  # the session and the user's roles
    cache.clear()
    with CaptureQueriesContext(connection) as froid:
        premiere = client_sg.get(url)
    with CaptureQueriesContext(connection) as chaud:
        seconde = client_sg.get(url)
    assert len(chaud) < len(froid)
    sans_jeton = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"')
    assert sans_jeton.sub("", seconde.content.decode()) == sans_jeton.sub("", premiere.content.decode())


def test_every_kind_of_change_is_read_at_once_despite_the_cache(client_sg, trois):
    nord, rhone, _ = trois
    pas_de_calais = ProgrammationFactory(departement=departement("62"))
    doter(pas_de_calais, "10000.00")
    assert rangee(client_sg, departement="62").cellules["Total retenu"] == montant(D("0"))

    creer_actions(pas_de_calais, 1, cout_total=D("2000"), montant_fipd=D("1000"))  # a guarded write
    assert rangee(client_sg, departement="62").cellules["Total retenu"] == montant(D("1000"))

    client_sg.post(reverse("valider_selection", args=[2026]), {"programmations": [nord.pk]})  # a status
    assert rangee(client_sg).statut == "validee"

    # Money moved to a department that has not started: no programmation is written, and the sum of the
    # year's envelopes does not change.
    aisne = doter(departement("02"), "20000.00")
    assert rangee(client_sg, departement="02").cellules["Enveloppe"] == montant(D("20000"))
    nord_r = Enveloppe.objects.get(departement=nord.departement, programme__code="R")
    for enveloppe, nature in ((aisne, "retrait"), (nord_r, "complement")):
        MouvementEnveloppe(
            enveloppe=enveloppe, date="2026-06-01", nature=nature, montant=D("5000"), motif="Redéploiement"
        ).save()
    assert rangee(client_sg, departement="02").cellules["Enveloppe"] == montant(D("15000"))
    assert rangee(client_sg).cellules["Enveloppe"] == montant(D("105000"))

    ValeurParametre.objects.create(  # a dated parameter from this year on
        programme=Programme.objects.get(code="R"),
        code="part_formation",
        exercice=Exercice.objects.get(annee=2026),
        valeur="0.1",
        source="Essai",
    )
    assert rangee(client_sg).cellules["Formation / plafond"] == f"{montant(D('0'))} / {montant(D('7200'))}"


def test_the_cache_keeps_each_reader_to_their_own_rows_and_filters(client_sg, trois):
    assert len(rangees(client_sg.get(reverse("national", args=[2026])))) == 404
    client = Client()
    client.force_login(
        UtilisateurFactory(username="sgar2", role="agent_regional", region=Region.objects.get(code="32"))
    )
    regionales = rangees(client.get(reverse("national", args=[2026])))
    assert {r.departement for r in regionales} == {"02", "59", "60", "62", "80"}
    assert (
        "Valider les programmations cochées"
        not in client.get(reverse("national", args=[2026])).content.decode()
    )
    assert {
        (r.departement, r.programme)
        for r in rangees(client_sg.get(reverse("national", args=[2026]), {"statut": "transmise"}))
    } == {("59", "R"), ("69", "R")}


# --- The national summary PDF (issue 8): the dashboard as filtered, by region, and France ------------------


def telecharger(client, **params):
    reponse = client.get(reverse("national_pdf", args=[2026]), params)
    assert reponse.status_code == 200, reponse.status_code
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == 'attachment; filename="synthese-nationale-fipd-2026.pdf"'
    return reponse.content


def test_the_summary_holds_every_row_region_totals_and_france(client_sg, trois, tmp_path):
    texte = texte_du_pdf(telecharger(client_sg), tmp_path)
    assert "Synthèse nationale des programmations FIPD 2026" in texte
    assert "59 – Nord" in texte and "69 – Rhône" in texte and "15 – Cantal" in texte
    assert "Total Hauts-de-France" in texte and "Total Auvergne-Rhône-Alpes" in texte
    assert "127 000,00 €" in texte  # 72 000 + 55 000 retained, the French way
    assert "France (404)" in texte  # 101 departments × 4 programmes, started or not
    assert "sans filtre" in texte
    assert "page 1 /" in texte
    assert any("Marianne" in " ".join(ligne) for ligne in polices_du_pdf(telecharger(client_sg), tmp_path))


def test_the_summary_follows_the_dashboards_filters(client_sg, trois, tmp_path):
    texte = texte_du_pdf(telecharger(client_sg, programme="R", statut="transmise"), tmp_path)
    assert "59 – Nord" in texte and "69 – Rhône" in texte
    assert "15 – Cantal" not in texte and "Hauts-de-France (1)" in texte
    assert "France (2)" in texte and "Programme : R" in texte and "Statut : Transmise" in texte


def test_the_regional_agent_gets_their_region_only_and_a_prefecture_agent_a_404(
    client_sgar, trois, tmp_path, client
):
    texte = texte_du_pdf(telecharger(client_sgar), tmp_path)
    assert "59 – Nord" in texte and "Rhône" not in texte and "France (20)" in texte
    client.force_login(UtilisateurFactory(username="agent", departements=[trois[0].departement]))
    assert client.get(reverse("national_pdf", args=[2026])).status_code == 404
    assert client.get(reverse("national_pdf", args=[1999])).status_code == 404


def test_a_regions_rows_come_in_chunks_of_tables(trois):
    sg = UtilisateurFactory(username="sg2", role="instructeur_sgcipdr")
    s = synthese(
        Exercice.objects.get(annee=2026), lignes_nationales(sg, Exercice.objects.get(annee=2026)), []
    )
    plus_grande = max(s.regions, key=lambda r: r.total.nb_lignes)
    assert plus_grande.total.nb_lignes > LIGNES_PAR_TABLEAU  # e.g. 13 departments × 4 programmes
    assert [len(t) for t in plus_grande.tableaux][0] == LIGNES_PAR_TABLEAU
    assert sum(len(t) for t in plus_grande.tableaux) == plus_grande.total.nb_lignes
    assert sum(r.total.nb_lignes for r in s.regions) == s.france.nb_lignes == 404


def test_a_rendering_failure_is_a_clear_page(client_sg, trois, monkeypatch):
    def echoue(_donnees):
        raise RuntimeError("WeasyPrint en panne")

    monkeypatch.setattr(module_synthese, "rendre_synthese", echoue)
    reponse = client_sg.get(reverse("national_pdf", args=[2026]))
    assert reponse.status_code == 500
    assert "La synthèse nationale n'a pas pu être produite" in reponse.content.decode()
