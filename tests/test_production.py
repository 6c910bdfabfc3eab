"""Production readiness (issue 12): deployment settings, security headers, login throttling, sessions, the
request id, and faults — the database going away in the middle of a write, a PDF that fails to render."""

import json
import logging
import os
import secrets
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.urls import reverse

from fipd.models import Utilisateur
from programmation.models import Action, Programmation
from tests.factories import ActionFactory, PorteurFactory, UtilisateurFactory, departement

pytestmark = pytest.mark.django_db
RACINE = Path(__file__).resolve().parents[1]
D = Decimal


def manage(*arguments, **env):
    environnement = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    environnement.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=RACINE,
        env=environnement,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Deployment settings ----------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings():
    resultat = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fipd.interieur.gouv.fr",
        FIPD_URL_PUBLIQUE="https://fipd.interieur.gouv.fr",
        DJANGO_SETTINGS_MODULE="fipd.settings",
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "no issues" in resultat.stdout


def test_check_deploy_warns_when_the_public_address_is_left_local():
    """The validated versions print it with their QR code: a local address would verify nothing."""
    resultat = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="fipd.interieur.gouv.fr",
        FIPD_URL_PUBLIQUE="http://127.0.0.1:8000",
        DJANGO_SETTINGS_MODULE="fipd.settings",
    )
    assert resultat.returncode != 0 and "fipd.W001" in resultat.stdout + resultat.stderr


def test_debug_is_off_unless_asked_for():
    script = "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)"
    sans = subprocess.run(
        [sys.executable, "-c", script],
        cwd=RACINE,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"},
            "DJANGO_SECRET_KEY": "p" * 64,
            "DJANGO_SETTINGS_MODULE": "fipd.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sans.stdout.strip() == "False", sans.stderr


def test_a_missing_or_short_secret_key_stops_the_service_outside_debug():
    resultat = manage("check", DJANGO_SECRET_KEY="trop-courte", DJANGO_SETTINGS_MODULE="fipd.settings")
    assert resultat.returncode != 0
    assert "DJANGO_SECRET_KEY est obligatoire hors du mode debug" in resultat.stderr


def test_the_env_example_turns_no_debug_on():
    lignes = (RACINE / ".env.example").read_text(encoding="utf-8").splitlines()
    assert not [lg for lg in lignes if lg.strip().startswith("DJANGO_DEBUG=")]
    assert "DJANGO_SECRET_KEY=" in (RACINE / "Makefile").read_text(
        encoding="utf-8"
    )  # make install writes one


def test_demo_accounts_are_not_loaded_outside_debug():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="mode debug"):
        call_command("charger_demo")
    assert not Utilisateur.objects.filter(username__in=["agent.nord", "sgcipdr", "admin"]).exists()


def test_sessions_end_after_a_working_day_without_activity():
    assert settings.SESSION_COOKIE_AGE == 10 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_password_validators_apply():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("12345678")


# --- Headers ----------------------------------------------------------------------------------------------


@pytest.fixture
def client_agent(client):
    client.force_login(UtilisateurFactory(username="nord", departements=[departement("59")]))
    return client


def test_authenticated_pages_are_not_cached_and_carry_a_csp_and_a_request_id(client_agent, programmation):
    reponse = client_agent.get(programmation.get_absolute_url())
    assert "no-store" in reponse["Cache-Control"] and "private" in reponse["Cache-Control"]
    csp = reponse["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert len(reponse["X-Request-ID"]) == 16
    assert reponse["X-Frame-Options"] == "DENY"
    assert "Server" not in reponse


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(client):
    assert (
        client.get("/accessibilite/", headers={"x-request-id": "abc-123-def-456"})["X-Request-ID"]
        == "abc-123-def-456"
    )
    remplace = client.get("/accessibilite/", headers={"x-request-id": "<script>\n"})["X-Request-ID"]
    assert remplace != "<script>\n" and len(remplace) == 16


# --- Login throttling (django-axes) -----------------------------------------------------------------------


def connexion(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("connexion"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one(client):
    UtilisateurFactory(username="agent.nord")
    for _ in range(4):
        assert connexion(client, "agent.nord", "mauvais").status_code == 200
    assert connexion(client, "agent.nord", "mauvais").status_code == 429  # the 5th failure locks
    reponse = connexion(client, "agent.nord", "demo-fipd", ip="10.0.0.2")  # another address: still locked
    assert reponse.status_code == 429
    assert "Connexion momentanément bloquée" in reponse.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_address_that_tries_many_accounts_is_locked(client):
    UtilisateurFactory(username="agent.rhone")
    for i in range(5):
        connexion(client, f"inconnu{i}", "mauvais", ip="10.0.0.9")
    assert connexion(client, "agent.rhone", "demo-fipd", ip="10.0.0.9").status_code == 429
    assert connexion(client, "agent.rhone", "demo-fipd", ip="10.0.0.10").status_code == 302


def test_an_administrator_unlocks_an_account(client):
    from django.core.management import call_command

    UtilisateurFactory(username="agent.nord")
    for _ in range(5):
        connexion(client, "agent.nord", "mauvais")
    call_command("axes_reset_username", "agent.nord", verbosity=0)
    call_command("axes_reset_ip", "10.0.0.1", verbosity=0)
    assert connexion(client, "agent.nord", "demo-fipd").status_code == 302


# --- Faults ------------------------------------------------------------------------------------------------


def donnees(porteur):
    return {
        "reference": "PANNE",
        "intitule": "Action écrite pendant une panne",
        "porteur": porteur.pk,
        "categorie": "sante_mentale",
        "public": "personnes_suivies",
        "milieu": "libre",
        "cout_total": "10 000",
        "montant_fipd": "5 000",
        "decision": "retenue",
        "cofinancements-TOTAL_FORMS": "1",
        "cofinancements-INITIAL_FORMS": "0",
        "cofinancements-MIN_NUM_FORMS": "0",
        "cofinancements-MAX_NUM_FORMS": "1000",
        "cofinancements-0-financeur": "Commune",
        "cofinancements-0-montant": "5 000",
    }


def test_the_database_going_away_in_a_write_leaves_nothing_half_written(client_agent, programmation):
    porteur = PorteurFactory(departement=programmation.departement)
    avant = (
        Action.objects.count(),
        Action.history.count(),
        Programmation.objects.get(pk=programmation.pk).total_fipd,
    )
    url = programmation.get_absolute_url() + "actions/nouvelle/"
    # The connection is lost after the action and its co-funder are written, before the totals are stored.
    with mock.patch(
        "programmation.ecriture.actions._stocker_programmation",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    ):
        reponse = client_agent.post(url, donnees(porteur))

    assert reponse.status_code == 503
    page = reponse.content.decode()
    assert "Service momentanément indisponible" in page
    assert reponse["X-Request-ID"] in page
    apres = (
        Action.objects.count(),
        Action.history.count(),
        Programmation.objects.get(pk=programmation.pk).total_fipd,
    )
    assert apres == avant


def test_a_pdf_that_fails_to_render_gives_a_clear_page(client_agent, programmation, caplog):
    with mock.patch("programmation.documents.pdf.rendre_pdf", side_effect=RuntimeError("pango")):
        with caplog.at_level(logging.ERROR):
            reponse = client_agent.get(programmation.get_absolute_url() + "pdf/")
    assert reponse.status_code == 500
    page = reponse.content.decode()
    assert "Le PDF n'a pas pu être produit" in page and reponse["X-Request-ID"] in page
    assert any("pango" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


def test_a_403_is_logged_as_one_line_without_traceback(client_agent, programmation, caplog):
    from programmation.models import Statut

    action = ActionFactory(programmation=programmation)
    Programmation.objects.filter(pk=programmation.pk).update(statut=Statut.TRANSMISE)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        reponse = client_agent.post(reverse("action_supprimer", kwargs={"pk": action.pk}))
    assert reponse.status_code == 403
    ligne = next(r for r in caplog.records if getattr(r, "status_code", None) == 403)
    handler = logging.getLogger().handlers[0]
    for filtre in handler.filters:
        filtre.filter(ligne)
    assert ligne.exc_info is None
    sortie = json.loads(handler.formatter.format(ligne))
    assert sortie["niveau"] == "WARNING" and "exception" not in sortie and sortie["statut"] == 403


def test_the_500_page_shows_the_request_id():
    from django.test import RequestFactory

    from fipd.vues import erreur_serveur

    requete = RequestFactory().get("/")
    requete.identifiant = "0123456789abcdef"
    reponse = erreur_serveur(requete)
    assert reponse.status_code == 500 and "0123456789abcdef" in reponse.content.decode()


def test_the_cache_is_redis_shared_by_the_workers_when_redis_url_is_set():
    script = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.CACHES['default']['BACKEND'])"
    )
    env = {**os.environ, "DJANGO_SECRET_KEY": "p" * 64, "DJANGO_SETTINGS_MODULE": "fipd.settings"}
    avec = subprocess.run(
        [sys.executable, "-c", script],
        cwd=RACINE,
        env={**env, "REDIS_URL": "redis://127.0.0.1:6379/7"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    sans = subprocess.run(
        [sys.executable, "-c", script],
        cwd=RACINE,
        env={k: v for k, v in env.items() if k != "REDIS_URL"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert avec.stdout.strip() == "django.core.cache.backends.redis.RedisCache", avec.stderr
    assert sans.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache", sans.stderr
