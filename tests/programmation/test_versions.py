"""Validated versions (DESIGN.md §9): rendered once after the validation's commit, served byte for byte
whatever changes afterwards, numbered across reopenings, listed on the page, generated again after a failure,
checked by anyone at /verification/<code>/."""

import hashlib
import secrets
from decimal import Decimal

import pytest
from django.urls import reverse

from programmation.models import EtatVersion, MouvementEnveloppe, VersionValidee
from programmation.workflow import changer_statut
from tests.factories import ActionFactory, UtilisateurFactory, departement

pytestmark = pytest.mark.django_db
D = Decimal


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


def kwargs_de(p, **plus):
    return {
        "annee": p.exercice.annee,
        "departement": p.departement.code,
        "programme": p.programme.code,
        **plus,
    }


def valider(p, agent, sgcipdr, capture):
    """Transmits and validates ``p``, running what waits for the commit (the version's rendering)."""
    changer_statut(p.pk, "transmettre", agent)
    with capture(execute=True):
        changer_statut(p.pk, "valider", sgcipdr)
    return p.versions_validees.order_by("-numero").first()


def rouvrir(p, sgcipdr):
    changer_statut(p.pk, "rouvrir", sgcipdr, "Complément de mi-année")


@pytest.fixture
def a_valider(programmation):
    ActionFactory(
        programmation=programmation,
        reference="V-1",
        retenue=True,
        cout_total=D("20000"),
        montant_fipd=D("12345.67"),
    )
    programmation.refresh_from_db()
    return programmation


@pytest.fixture
def validee(a_valider, agent, sgcipdr, django_capture_on_commit_callbacks):
    valider(a_valider, agent, sgcipdr, django_capture_on_commit_callbacks)
    return a_valider


def test_the_version_is_created_with_the_validation_and_rendered_only_after_the_commit(
    a_valider, agent, sgcipdr, django_capture_on_commit_callbacks
):
    changer_statut(a_valider.pk, "transmettre", agent)
    with django_capture_on_commit_callbacks(execute=False) as rappels:
        changer_statut(a_valider.pk, "valider", sgcipdr)
    version = VersionValidee.objects.get(programmation=a_valider)
    assert (version.numero, version.etat, version.empreinte, bool(version.fichier)) == (
        1,
        "en_cours",
        None,
        False,
    )
    assert len(version.jeton) == 32 and version.total_fipd == D("12345.67")

    for rappel in rappels:  # the commit: the queue runs the task in-process (no REDIS_URL)
        rappel()

    version.refresh_from_db()
    assert version.etat == EtatVersion.PRETE
    contenu = version.fichier.read()
    assert contenu.startswith(b"%PDF")
    assert hashlib.sha256(contenu).hexdigest() == version.empreinte


def test_the_pdf_link_serves_the_stored_version_byte_for_byte_after_the_data_change(client_agent, validee):
    version = validee.versions_validees.get()
    url = reverse("programmation_pdf", kwargs=kwargs_de(validee))
    premier = b"".join(client_agent.get(url).streaming_content)
    enveloppe = validee.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe, date="2026-09-01", nature="retrait", montant=D("5000"), motif="Retrait"
    ).save()
    validee.departement.nom = "Nord renommé"
    validee.departement.save()

    second = client_agent.get(url)
    contenu = b"".join(second.streaming_content)
    assert second["Content-Type"] == "application/pdf"
    assert contenu == premier == version.fichier.open("rb").read()
    assert hashlib.sha256(contenu).hexdigest() == version.empreinte
    par_version = client_agent.get(reverse("version_pdf", kwargs=kwargs_de(validee, numero=1)))
    assert b"".join(par_version.streaming_content) == contenu


def test_each_page_carries_the_verification_address(validee, tmp_path):
    from tests.programmation.test_pdf import texte_du_pdf

    version = validee.versions_validees.get()
    texte = texte_du_pdf(version.fichier.open("rb").read(), tmp_path)
    adresse = f"http://127.0.0.1:8000/verification/{version.jeton}/"
    assert texte.count(adresse) == texte.count("page ") >= 1  # once on each page, beside « page X / Y »


def test_verification_by_fingerprint_or_code_names_the_programmation(client, validee):
    version = validee.versions_validees.get()
    for code in (version.empreinte, version.jeton, version.empreinte.upper()):
        reponse = client.get(reverse("verification", kwargs={"code": code}))  # anonymous
        texte = reponse.content.decode()
        assert reponse.status_code == 200
        assert "Document authentique" in texte
        assert "59 – Nord" in texte and "2026" in texte and "12\u202f345,67\u00a0€" in texte
        assert version.empreinte in texte


@pytest.mark.parametrize("code", ["sha256-au-hasard", "jeton-au-hasard", "abc", "x" * 64, "<script>"])
def test_any_other_code_is_not_recognised(client, validee, code):
    # Random codes drawn here, not at collection: pytest-xdist's workers must collect the same test ids.
    code = {"sha256-au-hasard": secrets.token_hex(32), "jeton-au-hasard": secrets.token_hex(16)}.get(
        code, code
    )
    reponse = client.get(f"/verification/{code}/")
    assert reponse.status_code == 404
    assert "Document non reconnu" in reponse.content.decode()


def test_a_version_being_rendered_is_not_recognised_yet(client, a_valider, agent, sgcipdr):
    changer_statut(a_valider.pk, "transmettre", agent)
    changer_statut(a_valider.pk, "valider", sgcipdr)  # the commit's callbacks never run in this test
    version = VersionValidee.objects.get(programmation=a_valider)
    assert client.get(reverse("verification", kwargs={"code": version.jeton})).status_code == 404


def test_verification_is_rate_limited_per_address(client, settings):
    settings.FIPD_VERIFICATIONS_PAR_MINUTE = 3
    url = reverse("verification", kwargs={"code": secrets.token_hex(32)})
    assert [client.get(url).status_code for _ in range(3)] == [404] * 3
    reponse = client.get(url)
    assert reponse.status_code == 429
    assert "Trop de vérifications" in reponse.content.decode()
    assert client.get(url, REMOTE_ADDR="10.0.0.2").status_code == 404  # another address counts apart


def test_reopening_then_validating_again_makes_version_2_and_the_page_lists_both(
    client_agent, validee, agent, sgcipdr, django_capture_on_commit_callbacks
):
    premiere = validee.versions_validees.get()
    rouvrir(validee, sgcipdr)
    ActionFactory(programmation=validee, reference="V-2", retenue=True, montant_fipd=D("1000"))
    seconde = valider(validee, agent, sgcipdr, django_capture_on_commit_callbacks)

    assert seconde.numero == 2 and seconde.prete and seconde.empreinte != premiere.empreinte
    assert seconde.total_fipd == D("13345.67")
    premiere.refresh_from_db()
    assert premiere.prete  # unchanged
    texte = client_agent.get(validee.get_absolute_url()).content.decode()
    for v in (premiere, seconde):
        assert f'id="version-{v.numero}"' in texte
        assert f'title="{v.empreinte}"' in texte and v.empreinte[:12] in texte
        assert reverse("version_pdf", kwargs=kwargs_de(validee, numero=v.numero)) in texte
    pdf = client_agent.get(reverse("programmation_pdf", kwargs=kwargs_de(validee)))
    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == seconde.empreinte


def test_the_page_says_while_the_version_is_being_rendered(client_agent, a_valider, agent, sgcipdr):
    changer_statut(a_valider.pk, "transmettre", agent)
    changer_statut(a_valider.pk, "valider", sgcipdr)
    texte = client_agent.get(a_valider.get_absolute_url()).content.decode()
    assert "en cours de génération" in texte
    assert "Générer de nouveau" not in texte


def test_a_rendering_failure_keeps_the_validation_and_offers_to_generate_again(
    client_agent, a_valider, agent, sgcipdr, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    import programmation.documents.pdf as pdf

    def en_panne(*args, **kwargs):
        raise RuntimeError("Pango absent")

    monkeypatch.setattr(pdf, "rendre_pdf", en_panne)
    version = valider(a_valider, agent, sgcipdr, django_capture_on_commit_callbacks)

    a_valider.refresh_from_db()
    assert a_valider.statut == "validee"
    assert version.etat == EtatVersion.ECHEC and "Pango absent" in version.erreur
    assert "n'a pas pu être produite" in caplog.text
    texte = client_agent.get(a_valider.get_absolute_url()).content.decode()
    assert "échec de la génération" in texte and "Générer de nouveau" in texte

    monkeypatch.undo()
    url = reverse("version_regenerer", kwargs=kwargs_de(a_valider, numero=1))
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client_agent.post(url)
    assert reponse.status_code == 302
    version.refresh_from_db()
    assert version.etat == EtatVersion.PRETE and version.erreur == ""
    assert hashlib.sha256(version.fichier.open("rb").read()).hexdigest() == version.empreinte


def test_generating_again_a_ready_version_changes_nothing(client_agent, validee):
    version = validee.versions_validees.get()
    reponse = client_agent.post(
        reverse("version_regenerer", kwargs=kwargs_de(validee, numero=1)), follow=True
    )
    assert "Seule une version dont la génération a échoué" in reponse.content.decode()
    assert VersionValidee.objects.get(pk=version.pk).empreinte == version.empreinte


def test_another_department_gets_404_and_anonymous_is_sent_to_login(client, validee):
    urls = [
        reverse("version_pdf", kwargs=kwargs_de(validee, numero=1)),
        reverse("version_regenerer", kwargs=kwargs_de(validee, numero=1)),
        reverse("scan_deposer", kwargs=kwargs_de(validee)),
    ]
    for url in urls:
        assert client.get(url).status_code in (302, 405)
        assert client.post(url).status_code == 302  # to the login page
    client.force_login(UtilisateurFactory(username="agent.rhone", departements=[departement("69")]))
    assert client.get(urls[0]).status_code == 404
    assert client.post(urls[1]).status_code == 404
    assert client.post(urls[2]).status_code == 404


def test_page_queries_do_not_grow_with_the_versions(
    client_agent, validee, sgcipdr, agent, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def compter():
        client_agent.get(validee.get_absolute_url())  # warms the fragment cache as a second visit would
        with CaptureQueriesContext(connection) as requetes:
            assert client_agent.get(validee.get_absolute_url()).status_code == 200
        return len(requetes)

    avec_une = compter()
    for _ in range(4):
        rouvrir(validee, sgcipdr)
        valider(validee, agent, sgcipdr, django_capture_on_commit_callbacks)
    assert validee.versions_validees.count() == 5
    assert compter() == avec_une


def test_a_programmation_never_validated_has_no_version(client_agent, a_valider):
    texte = client_agent.get(a_valider.get_absolute_url()).content.decode()
    assert "Aucune version validée" in texte
    assert 'id="form-scan"' not in texte


def test_the_admin_lists_versions_read_only(admin_client, validee):
    version = validee.versions_validees.get()
    liste = admin_client.get(reverse("admin:programmation_versionvalidee_changelist"))
    assert liste.status_code == 200 and version.empreinte in liste.content.decode()
    fiche = admin_client.get(reverse("admin:programmation_versionvalidee_change", args=[version.pk]))
    assert fiche.status_code == 200 and 'name="_save"' not in fiche.content.decode()
    suppression = admin_client.post(reverse("admin:programmation_versionvalidee_delete", args=[version.pk]))
    assert suppression.status_code == 403
    assert VersionValidee.objects.filter(pk=version.pk).exists()


def test_the_rendering_logs_with_the_id_of_the_request_that_validated(
    client, a_valider, agent, sgcipdr, django_capture_on_commit_callbacks, monkeypatch
):
    import programmation.documents.pdf as pdf
    from fipd.journal import IDENTIFIANT

    vus = []

    def en_panne(*args, **kwargs):
        vus.append(IDENTIFIANT.get())
        raise RuntimeError("Pango absent")

    monkeypatch.setattr(pdf, "rendre_pdf", en_panne)
    changer_statut(a_valider.pk, "transmettre", agent)
    client.force_login(sgcipdr)
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(
            reverse("valider", kwargs=kwargs_de(a_valider)), HTTP_X_REQUEST_ID="validation-1234"
        )
    assert reponse.status_code == 302
    assert vus == ["validation-1234"]
    assert VersionValidee.objects.get(programmation=a_valider).etat == EtatVersion.ECHEC


def test_a_version_whose_task_was_lost_may_be_generated_again_after_15_minutes(
    client_agent, a_valider, agent, sgcipdr, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    changer_statut(a_valider.pk, "transmettre", agent)
    changer_statut(a_valider.pk, "valider", sgcipdr)  # the task never runs: the broker lost it
    url = reverse("version_regenerer", kwargs=kwargs_de(a_valider, numero=1))
    assert "Générer de nouveau" not in client_agent.get(a_valider.get_absolute_url()).content.decode()
    client_agent.post(url)  # too early: refused
    assert VersionValidee.objects.get(programmation=a_valider).etat == EtatVersion.EN_COURS

    VersionValidee.objects.filter(programmation=a_valider).update(
        cree_le=timezone.now() - timedelta(minutes=16)
    )
    assert "Générer de nouveau" in client_agent.get(a_valider.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_agent.post(url).status_code == 302
    assert VersionValidee.objects.get(programmation=a_valider).etat == EtatVersion.PRETE
