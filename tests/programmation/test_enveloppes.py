"""Envelopes (issue 7): the year's table of initial allocations and its XLSX round trip, all or nothing;
movements; the regional split, by the SG-CIPDR or the region's agent; follow-up cells; closed years."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from programmation.models import (
    Action,
    CelluleSuivi,
    Enveloppe,
    Exercice,
    MouvementEnveloppe,
    Programmation,
    Region,
)
from tests.factories import ActionFactory, UtilisateurFactory, departement, doter

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


def dotations(**cases):
    """The table's POST: ``region_32_R="100000"`` → ``d-region-32-R``."""
    donnees = {"date": "2026-02-01", "motif": "Dotations 2026"}
    for nom, valeur in cases.items():
        niveau, code, programme = nom.split("_")
        donnees[f"d-{niveau}-{code}-{programme}"] = valeur
    return donnees


def montant(niveau, code, programme="R", annee=2026):
    filtre = {"region__code": code} if niveau == "region" else {"departement__code": code}
    e = Enveloppe.objects.filter(exercice__annee=annee, programme__code=programme, **filtre).first()
    return e.montant if e else None


# --- The year's table ---------------------------------------------------------------------------------------


def test_the_sgcipdr_sets_regional_and_departmental_allocations_in_one_table(client_sg):
    reponse = client_sg.post(
        reverse("dotations", args=[2026]),
        dotations(
            region_32_R="300 000,00",
            departement_59_R="120 000",
            departement_62_R="80000",
            departement_59_K="15 000 €",
        ),
    )

    assert reponse.status_code == 302
    assert montant("region", "32") == D("300000.00")
    assert (montant("departement", "59"), montant("departement", "62")) == (D("120000.00"), D("80000.00"))
    assert montant("departement", "59", "K") == D("15000.00")
    initiale = MouvementEnveloppe.objects.get(
        enveloppe__departement__code="59", enveloppe__programme__code="R"
    )
    assert (initiale.nature, str(initiale.date), initiale.motif) == (
        "initiale",
        "2026-02-01",
        "Dotations 2026",
    )


def test_lowering_a_region_and_its_departments_together_is_checked_once(client_sg):
    client_sg.post(
        reverse("dotations", args=[2026]), dotations(region_32_R="300000", departement_59_R="200000")
    )
    reponse = client_sg.post(
        reverse("dotations", args=[2026]), dotations(region_32_R="100000", departement_59_R="90000")
    )
    assert reponse.status_code == 302
    assert (montant("region", "32"), montant("departement", "59")) == (D("100000.00"), D("90000.00"))


def test_departmental_allocations_above_the_regional_one_write_nothing(client_sg):
    client_sg.post(reverse("dotations", args=[2026]), dotations(region_32_R="100000"))
    reponse = client_sg.post(
        reverse("dotations", args=[2026]),
        dotations(departement_59_R="60000", departement_62_R="50000", departement_69_R="5000"),
    )

    assert reponse.status_code == 200
    assert "dépasseraient l'enveloppe régionale" in " ".join(reponse.context["erreurs"])
    assert montant("departement", "59") is None and montant("departement", "69") is None


def test_a_bad_amount_is_shown_in_its_case_and_nothing_is_written(client_sg):
    reponse = client_sg.post(
        reverse("dotations", args=[2026]), dotations(region_32_R="100000", departement_59_R="12,345")
    )
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Le montant a plus de deux décimales (12,345)." in html
    assert montant("region", "32") is None


def test_emptying_a_case_removes_the_initial_allocation(client_sg):
    client_sg.post(reverse("dotations", args=[2026]), dotations(departement_59_K="15000"))
    client_sg.post(reverse("dotations", args=[2026]), dotations(departement_59_K=""))
    assert montant("departement", "59", "K") == D("0.00")
    assert not MouvementEnveloppe.objects.filter(enveloppe__programme__code="K").exists()


def test_a_withdrawal_below_the_retained_total_is_accepted_and_shows_the_excess(client_sg, programmation):
    ActionFactory(programmation=programmation, retenue=True, cout_total=D("90000"), montant_fipd=D("60000"))
    url = reverse("enveloppe", args=[2026, "R", "departement", "59"])

    reponse = client_sg.post(
        url,
        {"mouvement": "1", "nature": "retrait", "date": "2026-06-01", "montant": "50 000", "motif": "Gel"},
    )

    assert reponse.status_code == 302
    p = Programmation.objects.get(pk=programmation.pk)
    assert p.nb_bloquants == 1 and p.verdicts[0]["regle"] == "ENVELOPPE_DEPASSEE"
    assert "ENVELOPPE_DEPASSEE" in client_sg.get(reverse("enveloppes", args=[2026])).content.decode()


def test_a_withdrawal_below_zero_is_refused_beside_the_amount(client_sg, programmation):
    reponse = client_sg.post(
        reverse("enveloppe", args=[2026, "R", "departement", "59"]),
        {
            "mouvement": "1",
            "nature": "retrait",
            "date": "2026-06-01",
            "montant": "100 000,01",
            "motif": "Gel",
        },
    )
    assert reponse.status_code == 200
    assert (
        "rendrait l'enveloppe R de 59 – Nord négative" in reponse.context["formulaire"].errors["montant"][0]
    )
    assert montant("departement", "59") == D("100000.00")


# --- The regional agent -------------------------------------------------------------------------------------


def test_the_regional_agent_sees_their_regions_regional_programmes_only(client_sgar):
    reponse = client_sgar.get(reverse("enveloppes", args=[2026]))
    assert reponse.status_code == 200
    territoires = {(lg.niveau, lg.code) for lg in reponse.context["lignes"]}
    assert territoires == {("region", "32"), *(("departement", c) for c in ("02", "59", "60", "62", "80"))}
    assert [p.code for p in reponse.context["programmes"]] == ["D", "R", "S"]
    assert client_sgar.get(reverse("enveloppe", args=[2026, "R", "region", "84"])).status_code == 404
    assert client_sgar.get(reverse("enveloppe", args=[2026, "R", "departement", "69"])).status_code == 404
    assert client_sgar.get(reverse("enveloppe", args=[2026, "K", "departement", "59"])).status_code == 404


def test_the_regional_agent_splits_the_regional_envelope(client_sg, client_sgar):
    doter(departement("59"), "0.01")  # a regional envelope exists; Nord has 0,01 €
    MouvementEnveloppe.objects.filter(enveloppe__region__code="32").update(montant=D("500000"))
    Enveloppe.objects.filter(region__code="32").update(montant=D("500000"))
    url = reverse("enveloppe", args=[2026, "R", "region", "32"])

    reponse = client_sgar.post(
        url,
        {
            "repartir": "1",
            "date": "2026-03-01",
            "motif": "Répartition",
            "d-departement-59-R": "300 000",
            "d-departement-62-R": "150 000",
        },
    )

    assert reponse.status_code == 302, reponse.context and reponse.context.get("erreurs_repartition")
    assert (montant("departement", "59"), montant("departement", "62")) == (D("300000.00"), D("150000.00"))
    page = client_sgar.get(url)
    assert page.context["case_region"].reste == D("50000.00")


def test_the_regional_agent_cannot_change_the_regional_envelope_itself(client_sgar):
    reponse = client_sgar.post(
        reverse("enveloppe", args=[2026, "R", "region", "32"]),
        {"mouvement": "1", "nature": "initiale", "date": "2026-01-01", "montant": "1000000", "motif": "x"},
    )
    assert reponse.status_code == 403
    assert montant("region", "32") is None
    reponse = client_sgar.post(reverse("dotations", args=[2026]), dotations(region_32_R="1000000"))
    assert (
        reponse.status_code == 200 and "Vous ne pouvez pas fixer cette enveloppe." in reponse.content.decode()
    )
    assert montant("region", "32") is None


def test_a_prefecture_agent_gets_404_on_every_envelope_page(client_agent, programmation):
    for url in (
        reverse("enveloppes", args=[2026]),
        reverse("enveloppe", args=[2026, "R", "departement", "59"]),
        reverse("dotations_xlsx", args=[2026]),
    ):
        assert client_agent.get(url).status_code == 404, url
    assert (
        client_agent.post(reverse("dotations", args=[2026]), dotations(departement_59_R="1")).status_code
        == 404
    )
    assert client_agent.post(reverse("cellules", args=[2026]), {}).status_code == 404


# --- The XLSX round trip ------------------------------------------------------------------------------------


def classeur(rangees, entetes=("Niveau", "Code", "Territoire", "D", "K", "R", "S")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(entetes))
    for r in rangees:
        ws.append(list(r))
    tampon = io.BytesIO()
    wb.save(tampon)
    tampon.seek(0)
    tampon.name = "dotations.xlsx"
    return tampon


def importer(client, fichier):
    return client.post(
        reverse("dotations_import", args=[2026]),
        {"fichier": fichier, "date": "2026-02-01", "motif": "Import des dotations"},
    )


def test_the_downloaded_table_uploads_back_with_new_figures(client_sg):
    client_sg.post(
        reverse("dotations", args=[2026]), dotations(region_32_R="100000", departement_59_K="5000")
    )
    telecharge = load_workbook(
        io.BytesIO(b"".join(client_sg.get(reverse("dotations_xlsx", args=[2026])).streaming_content))
    )
    ws = telecharge.active
    entetes = [c.value for c in ws[1]]
    assert entetes == ["Niveau", "Code", "Territoire", "D", "K", "R", "S"]
    lignes = {(r[0].value, r[1].value): r for r in ws.iter_rows(min_row=2)}
    assert lignes[("Région", "32")][5].value == 100000 and lignes[("Région", "32")][5].number_format.endswith(
        '"€"'
    )
    lignes[("Région", "32")][5].value = 250000.5
    lignes[("Département", "59")][5].value = 4000.01
    tampon = io.BytesIO()
    telecharge.save(tampon)
    tampon.seek(0)
    tampon.name = "dotations.xlsx"

    reponse = importer(client_sg, tampon)

    assert reponse.status_code == 302
    assert montant("region", "32") == D("250000.50")
    assert montant("departement", "59") == D("4000.01")  # the cell's shortest decimal form
    assert montant("departement", "59", "K") == D("5000.00")


def test_a_faulty_xlsx_reports_each_line_and_column_and_writes_nothing(client_sg):
    fichier = classeur(
        [
            ("Région", "32", "Hauts-de-France", None, None, 100000, None),
            ("Région", "32", "Hauts-de-France", None, 5000, None, None),  # given twice
            ("Département", "59", "Nord", None, None, "12,345", None),
            ("Département", "999", "Nulle part", None, None, 1, None),
            ("Canton", "59", "Nord", None, None, 1, None),
        ]
    )
    reponse = importer(client_sg, fichier)

    assert reponse.status_code == 200
    erreurs = reponse.context["erreurs_import"]
    assert erreurs == [
        "Ligne 3, colonne « Code » : région « 32 » déjà donnée ligne 2.",
        "Ligne 4, colonne « R » : le montant a plus de deux décimales (12,345).",
        "Ligne 5, colonne « Code » : département « 999 » inconnu ou hors de votre périmètre.",
        "Ligne 6, colonne « Niveau » : « Région » ou « Département » est attendu.",
    ]
    assert montant("region", "32") is None


def test_a_regional_case_of_a_central_programme_is_refused(client_sg):
    reponse = importer(client_sg, classeur([("Région", "32", "Hauts-de-France", None, 5000, None, None)]))
    assert reponse.context["erreurs_import"] == [
        "Ligne 2, colonne « K » : le programme K est géré au niveau central : une région n'a pas d'enveloppe ; "
        "laissez la case vide."
    ]


def test_a_bad_amount_in_the_xlsx_names_its_line_and_column(client_sg):
    reponse = importer(client_sg, classeur([("Département", "59", "Nord", None, None, "12,345", None)]))
    assert reponse.context["erreurs_import"] == [
        "Ligne 2, colonne « R » : le montant a plus de deux décimales (12,345)."
    ]
    assert montant("departement", "59") is None


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        (b"", "Le fichier soumis est vide"),
        (b"Niveau;Code\nRegion;32\n", "n'est pas un classeur XLSX"),
        (b"PK\x03\x04" + b"\x00" * 100, "n'est pas un classeur XLSX"),
    ],
)
def test_an_unreadable_upload_is_a_french_message(client_sg, contenu, message):
    fichier = io.BytesIO(contenu)
    fichier.name = "dotations.xlsx"
    reponse = importer(client_sg, fichier)
    assert reponse.status_code == 200
    texte = " ".join(reponse.context.get("erreurs_import") or []) + str(
        reponse.context["formulaire_import"].errors
    )
    assert message in texte


def test_a_zip_bomb_renamed_xlsx_is_refused_before_parsing(client_sg):
    import zipfile

    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    tampon.seek(0)
    tampon.name = "dotations.xlsx"
    reponse = importer(client_sg, tampon)
    assert "volume anormal" in " ".join(reponse.context["erreurs_import"])


# --- Follow-up cells and closed years -----------------------------------------------------------------------


def test_a_cell_turned_off_shows_dotation_sans_cellule(client_sg, programmation):
    actives = [
        lg.code
        for lg in client_sg.get(reverse("enveloppes", args=[2026])).context["lignes"]
        if lg.niveau == "departement" and lg.code != "59"
    ]
    reponse = client_sg.post(reverse("cellules", args=[2026]), {"actives": actives})
    assert reponse.status_code == 302
    assert CelluleSuivi.objects.get(departement__code="59", exercice__annee=2026).active is False
    assert CelluleSuivi.objects.count() == 1
    assert Programmation.objects.get(pk=programmation.pk).verdicts[0]["regle"] == "DOTATION_SANS_CELLULE"
    assert "DOTATION_SANS_CELLULE" in client_sg.get(reverse("enveloppes", args=[2026])).content.decode()


def test_a_closed_year_is_read_only_and_says_so(client_sg, programmation):
    Exercice.objects.filter(annee=2026).update(etat="cloture")
    page = client_sg.get(reverse("enveloppes", args=[2026])).content.decode()
    assert "L'exercice 2026 est clôturé" in page and "Enregistrer les dotations" not in page
    assert (
        client_sg.post(reverse("dotations", args=[2026]), dotations(departement_59_R="1")).status_code == 403
    )
    reponse = client_sg.post(
        reverse("enveloppe", args=[2026, "R", "departement", "59"]),
        {"mouvement": "1", "nature": "complement", "date": "2026-06-01", "montant": "1", "motif": "x"},
    )
    assert reponse.status_code == 403
    assert montant("departement", "59") == D("100000.00")
    assert not Action.objects.exists()
