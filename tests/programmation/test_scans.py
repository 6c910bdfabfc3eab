"""The signed scan of a validated version: a PDF (magic bytes, size cap checked first), attached to the
version whose QR code it carries, else to the version the agent picks; another programmation's QR code is
refused; another department's programmation is a 404."""

import io
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import ActionFactory, ProgrammationFactory, UtilisateurFactory, departement, doter
from tests.programmation.test_versions import kwargs_de, rouvrir, valider

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def medias(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def agent(db):
    return UtilisateurFactory(username="agent.nord", departements=[departement("59")])


@pytest.fixture
def sgcipdr(db):
    return UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr")


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def scanner(pdf: bytes, tmp_path) -> bytes:
    """What a prefecture's scanner makes of the printed page 1: an image (150 dpi) wrapped in a PDF."""
    source = tmp_path / "version.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile", source, tmp_path / "page"],
        check=True,
        timeout=60,
    )
    sortie = io.BytesIO()
    with Image.open(tmp_path / "page.png") as image:
        image.convert("RGB").save(sortie, "PDF", resolution=150)
    return sortie.getvalue()


def page_blanche() -> bytes:
    sortie = io.BytesIO()
    Image.new("RGB", (1240, 1754), "white").save(sortie, "PDF", resolution=150)
    return sortie.getvalue()


def deposer(client, p, contenu: bytes, version="", nom="scan.pdf"):
    fichier = SimpleUploadedFile(nom, contenu, content_type="application/pdf")
    return client.post(reverse("scan_deposer", kwargs=kwargs_de(p)), {"scan": fichier, "version": version})


@pytest.fixture
def deux_versions(programmation, agent, sgcipdr, django_capture_on_commit_callbacks):
    ActionFactory(programmation=programmation, reference="V-1", retenue=True)
    premiere = valider(programmation, agent, sgcipdr, django_capture_on_commit_callbacks)
    rouvrir(programmation, sgcipdr)
    seconde = valider(programmation, agent, sgcipdr, django_capture_on_commit_callbacks)
    return programmation, premiere, seconde


def test_the_scan_is_attached_to_the_version_its_qr_code_names(client_agent, deux_versions, tmp_path):
    p, premiere, seconde = deux_versions
    scan = scanner(premiere.fichier.open("rb").read(), tmp_path)

    reponse = deposer(client_agent, p, scan, version="2")  # the QR code wins over the list

    assert reponse.status_code == 302
    premiere.refresh_from_db()
    seconde.refresh_from_db()
    assert premiere.scan.open("rb").read() == scan and premiere.scan_depose_le is not None
    assert not seconde.scan
    page = client_agent.get(p.get_absolute_url()).content.decode()
    assert reverse("version_scan", kwargs=kwargs_de(p, numero=1)) in page
    telecharge = client_agent.get(reverse("version_scan", kwargs=kwargs_de(p, numero=1)))
    assert b"".join(telecharge.streaming_content) == scan


def test_without_a_readable_qr_code_the_chosen_version_is_required(client_agent, deux_versions):
    p, premiere, seconde = deux_versions

    refuse = deposer(client_agent, p, page_blanche())
    assert refuse.status_code == 400
    assert "Aucun code QR lisible dans ce scan : choisissez la version validée" in refuse.content.decode()

    assert deposer(client_agent, p, page_blanche(), version="2").status_code == 302
    seconde.refresh_from_db()
    assert seconde.scan


def test_a_scan_of_another_programmation_is_refused(
    client_agent, deux_versions, agent, sgcipdr, django_capture_on_commit_callbacks, tmp_path
):
    p, premiere, _ = deux_versions
    autre = ProgrammationFactory(departement=departement("69"))
    doter(autre, "100000.00")
    ActionFactory(programmation=autre, reference="A-1", retenue=True)
    agent_rhone = UtilisateurFactory(username="agent.rhone", departements=[departement("69")])
    sienne = valider(autre, agent_rhone, sgcipdr, django_capture_on_commit_callbacks)

    reponse = deposer(client_agent, p, scanner(sienne.fichier.open("rb").read(), tmp_path), version="1")

    assert reponse.status_code == 400
    assert "n&#x27;est pas celui d&#x27;une version de cette programmation" in reponse.content.decode()
    premiere.refresh_from_db()
    assert not premiere.scan


def test_a_file_that_is_not_a_pdf_is_refused(client_agent, deux_versions):
    p, premiere, _ = deux_versions
    reponse = deposer(client_agent, p, b"\x89PNG\r\n\x1a\n" + b"0" * 100, version="1", nom="scan.pdf")
    assert reponse.status_code == 400
    assert "Scan signé : le fichier n&#x27;est pas un PDF" in reponse.content.decode()


def test_an_oversized_scan_is_refused_before_it_is_read(client_agent, deux_versions, settings, monkeypatch):
    import programmation.vues.versions as vues

    settings.FIPD_TAILLE_MAXIMALE_SCAN = 1024 * 1024
    p, _, _ = deux_versions
    monkeypatch.setattr(vues, "deposer_scan", lambda *a, **k: pytest.fail("le fichier a été lu"))
    reponse = deposer(client_agent, p, b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024), version="1")
    assert reponse.status_code == 400
    assert "au-delà de la limite de 1 Mo" in reponse.content.decode()


@pytest.mark.parametrize("version", ["abc", "9"])
def test_an_unknown_version_is_refused(client_agent, deux_versions, version):
    p, _, _ = deux_versions
    reponse = deposer(client_agent, p, page_blanche(), version=version)
    assert reponse.status_code == 400
    assert "Version validée :" in reponse.content.decode()


def test_another_departments_agent_gets_404(client, deux_versions):
    p, _, _ = deux_versions
    client.force_login(UtilisateurFactory(username="agent.rhone", departements=[departement("69")]))
    assert deposer(client, p, page_blanche(), version="1").status_code == 404


def test_the_sgcipdr_may_upload_a_scan(client, deux_versions, sgcipdr):
    p, _, _ = deux_versions
    client.force_login(sgcipdr)
    assert deposer(client, p, page_blanche(), version="1").status_code == 302
