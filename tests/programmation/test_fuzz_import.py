"""Random and hostile cells given to the spreadsheet import through its page (issue 12 item 3): the preview and
the confirmation never answer a 500; a file the page refuses writes nothing, nor does a preview; a confirmed
import leaves the programmation's stored figures equal to what the rules recompute."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from programmation.ecriture import recalculer_programmation
from programmation.models import Programmation
from tests.factories import ProgrammationFactory, UtilisateurFactory, departement, doter
from tests.programmation.test_import import ENTETE, etat_de_la_base, fichier_csv, rangee, url_import

pytestmark = pytest.mark.django_db

TEXTES_HOSTILES = st.sampled_from(
    [
        "",
        "1e99999999999999999999",
        "-1e-99999999999999999999",
        "NaN",
        "-0,00",
        "12,345",
        "1 234 567 890 123,45",
        "9" * 400,
        "١٢٣",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://x";"y")',
        "+1+1",
        "\u0000\u0007",
        "A\ud800",
        "\u202e\u200b",
        "x" * 5000,
        "Formation",
        "retenue",
        "Quartier prioritaire",
        "08-FI0000002",
    ]
)
CELLULE_TEXTE = st.one_of(TEXTES_HOSTILES, st.text(max_size=30))
CELLULE_XLSX = st.one_of(
    CELLULE_TEXTE,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
)
COLONNES = range(len(ENTETE))


def _ecrivable(valeur):
    """What a spreadsheet can hold: no lone surrogate, no control character (XML has none; openpyxl refuses
    them). CSV bytes can hold both, and the CSV test sends them."""
    if not isinstance(valeur, str):
        return valeur
    return ILLEGAL_CHARACTERS_RE.sub("", valeur.encode("utf-8", "replace").decode("utf-8"))


def classeur(rangees: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(ENTETE)
    for r in rangees:
        ws.append([_ecrivable(v) for v in r])
    tampon = io.BytesIO()
    wb.save(tampon)
    return tampon.getvalue()


def csv_brut(rangees: list[list], encodage: str) -> bytes:
    """The CSV as a careless tool would write it: a lone surrogate becomes invalid UTF-8, a character
    Windows-1252 has no code for becomes « ? »."""
    tampon = io.StringIO()
    csv.writer(tampon, delimiter=";", lineterminator="\r\n").writerows([ENTETE, *rangees])
    erreurs = "surrogatepass" if encodage.startswith("utf") else "replace"
    return tampon.getvalue().encode(encodage, errors=erreurs)


def altere(rangees: list[list], alterations: list[tuple[int, int, object]]) -> list[list]:
    for ligne, colonne, valeur in alterations:
        rangees[ligne % len(rangees)][colonne] = valeur
    return rangees


@pytest.fixture
def page(client, settings, tmp_path):
    """Nord's programmation R with a 100 000 € envelope, and its agent logged in."""
    settings.FIPD_DOSSIER_IMPORTS = str(tmp_path)
    programmation = ProgrammationFactory()
    doter(programmation, "100000.00")
    client.force_login(UtilisateurFactory(username="agent.fuzz", departements=[departement("59")]))
    return client, programmation


def compter(issue: str) -> None:
    """How often each outcome is reached (``--hypothesis-show-statistics``): about one example in six is
    confirmed and written, the others refused at the preview."""
    if currently_in_test_context():
        event(issue)


def envoyer(client, programmation, nom: str, contenu: bytes):
    """Preview, then confirmation when the page offers it; checks what must hold whatever the file."""
    avant = etat_de_la_base()
    reponse = client.post(url_import(programmation), {"fichier": SimpleUploadedFile(nom, contenu)})
    assert reponse.status_code == 200
    assert etat_de_la_base() == avant  # a preview writes nothing
    html = reponse.content.decode()
    assert "<script>alert" not in html
    caches = dict(re.findall(r'<input type="hidden" name="(jeton|version|empreinte)" value="([^"]*)"', html))
    if "Confirmer l'import" not in html:
        compter("aperçu refusé")
        return
    compter("import confirmé")
    reponse = client.post(url_import(programmation), caches)
    assert reponse.status_code in (200, 302)
    p = Programmation.objects.get(pk=programmation.pk)
    stockes = (p.total_fipd, p.total_formation, p.total_prevention_primaire, p.nb_bloquants, p.nb_alertes)
    recalculer_programmation(p.pk)
    p.refresh_from_db()
    assert stockes == (
        p.total_fipd,
        p.total_formation,
        p.total_prevention_primaire,
        p.nb_bloquants,
        p.nb_alertes,
    )


REGLAGES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@REGLAGES
@given(
    alterations=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(COLONNES), CELLULE_TEXTE), min_size=1, max_size=6
    ),
    encodage=st.sampled_from(["utf-8-sig", "cp1252"]),
)
def test_hostile_csv_cells_never_give_a_500_nor_write_on_refusal(page, alterations, encodage):
    client, programmation = page
    rangees = altere([rangee("A1"), rangee("A2"), rangee("F1", categorie="formation")], alterations)
    envoyer(client, programmation, "fuzz.csv", csv_brut(rangees, encodage))


@REGLAGES
@given(
    alterations=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(COLONNES), CELLULE_XLSX), min_size=1, max_size=6
    )
)
def test_hostile_xlsx_cells_never_give_a_500_nor_write_on_refusal(page, alterations):
    client, programmation = page
    rangees = altere([rangee("A1"), rangee("A2"), rangee("F1", categorie="formation")], alterations)
    envoyer(client, programmation, "fuzz.xlsx", classeur(rangees))


@REGLAGES
@given(contenu=st.binary(max_size=400), extension=st.sampled_from(["csv", "xlsx", "ods", "txt"]))
def test_any_bytes_are_a_french_refusal_or_a_preview(page, contenu, extension):
    client, programmation = page
    envoyer(client, programmation, f"fuzz.{extension}", contenu)


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_an_unaltered_fuzz_file_is_imported(page, extension):
    client, programmation = page
    rangees = [rangee("A1"), rangee("A2"), rangee("F1", categorie="formation")]
    contenu = fichier_csv(rangees) if extension == "csv" else classeur(rangees)
    envoyer(client, programmation, f"fuzz.{extension}", contenu)
    assert programmation.actions.count() == 3
