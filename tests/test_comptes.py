"""Accounts (login, logout, password reset) and the pages every visitor may read: in French, with local
assets only."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import UtilisateurFactory, departement

pytestmark = pytest.mark.django_db

PAGES_PUBLIQUES = {
    "accessibilite": "Déclaration d'accessibilité",
    "mentions_legales": "Mentions légales",
    "donnees_personnelles": "Données personnelles",
}


@pytest.fixture
def agent():
    return UtilisateurFactory(
        username="agent.nord", first_name="Camille", last_name="Martin", departements=[departement("59")]
    )


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def ressources_externes(html: str) -> list[str]:
    """The URLs of <script src> and <link href> that point to another host."""
    urls = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html) + re.findall(
        r"<link\b[^>]*\bhref=\"([^\"]+)\"", html
    )
    return [u for u in urls if urlparse(u).netloc not in ("", "testserver")]


# --- Login and logout ----------------------------------------------------------------------------------


def test_login_page_has_username_and_password_fields_with_labels(client):
    reponse = client.get(reverse("connexion"))
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert '<label for="id_username" class="fr-label">' in html
    assert '<label for="id_password" class="fr-label">' in html
    assert "<title>Connexion — FIPD Programmation</title>" in html


def test_login_with_username_and_password_leads_home(client, agent):
    reponse = client.post(reverse("connexion"), {"username": "agent.nord", "password": "demo-fipd"})
    assert reponse.status_code == 302
    assert reponse.url == reverse("accueil")
    assert client.get(reverse("accueil")).context["user"] == agent


def test_wrong_password_is_refused_with_a_french_message(client, agent):
    reponse = client.post(reverse("connexion"), {"username": "agent.nord", "password": "mauvais"})
    assert reponse.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in reponse.content.decode()
    assert not reponse.context["user"].is_authenticated


def test_empty_fields_are_reported_beside_each_field(client):
    html = client.post(reverse("connexion"), {"username": "", "password": ""}).content.decode()
    assert "Ce champ est obligatoire." in html
    assert 'aria-describedby="id_username-desc-error"' in html
    assert 'id="id_username-desc-error"' in html


def test_home_requires_login(client):
    reponse = client.get(reverse("accueil"))
    assert reponse.status_code == 302
    assert reponse.url.startswith(reverse("connexion"))


def test_header_shows_the_user_and_a_logout_button(client_agent):
    html = client_agent.get(reverse("accueil")).content.decode()
    assert "Camille Martin" in html and "Agent de préfecture" in html
    assert f'action="{reverse("deconnexion")}"' in html and "Se déconnecter" in html
    assert "Ministère<br>de l'Intérieur" in html
    assert "Administration" not in html  # not staff


def test_header_links_staff_to_the_admin(client):
    client.force_login(
        UtilisateurFactory(username="admin", role="administrateur", is_staff=True, is_superuser=True)
    )
    assert f'href="{reverse("admin:index")}"' in client.get(reverse("accueil")).content.decode()


def test_logout_by_post(client_agent):
    reponse = client_agent.post(reverse("deconnexion"))
    assert reponse.status_code == 302
    assert reponse.url == reverse("connexion")
    suite = client_agent.get(reponse.url)
    assert not suite.context["user"].is_authenticated
    assert "Vous êtes déconnecté" in suite.content.decode()


def test_logout_by_get_asks_for_confirmation_without_logging_out(client_agent):
    reponse = client_agent.get(reverse("deconnexion"))
    assert reponse.status_code == 200
    assert 'method="post"' in reponse.content.decode()
    assert reponse.context["user"].is_authenticated


def test_logout_by_get_when_anonymous_redirects_to_login(client):
    reponse = client.get(reverse("deconnexion"))
    assert reponse.status_code == 302 and reponse.url == reverse("connexion")


# --- Password reset ------------------------------------------------------------------------------------


def test_password_reset_sends_a_french_email_whose_link_sets_a_new_password(client, agent):
    reponse = client.post(reverse("password_reset"), {"email": agent.email})
    assert reponse.status_code == 302 and reponse.url == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [agent.email]
    assert message.subject == "Réinitialisation de votre mot de passe FIPD Programmation"
    assert "Bonjour Camille" in message.body and "choisir un nouveau mot de passe" in message.body
    lien = re.search(r"http://testserver(/mot-de-passe/reinitialiser/\S+/)", message.body).group(1)

    formulaire = client.get(lien, follow=True)
    assert formulaire.status_code == 200
    assert "Choisir un nouveau mot de passe" in formulaire.content.decode()
    url_formulaire = formulaire.redirect_chain[-1][0]
    fin = client.post(
        url_formulaire, {"new_password1": "Prevention-2026!", "new_password2": "Prevention-2026!"}
    )
    assert fin.status_code == 302 and fin.url == reverse("password_reset_complete")
    agent.refresh_from_db()
    assert agent.check_password("Prevention-2026!")
    assert (
        client.post(
            reverse("connexion"), {"username": "agent.nord", "password": "Prevention-2026!"}
        ).status_code
        == 302
    )


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client):
    reponse = client.post(reverse("password_reset"), {"email": "inconnu@interieur.gouv.fr"}, follow=True)
    assert len(mail.outbox) == 0
    assert "Vérifiez votre messagerie" in reponse.content.decode()


def test_a_used_reset_link_is_refused(client, agent):
    client.post(reverse("password_reset"), {"email": agent.email})
    lien = re.search(r"http://testserver(/mot-de-passe/reinitialiser/\S+/)", mail.outbox[0].body).group(1)
    url_formulaire = client.get(lien, follow=True).redirect_chain[-1][0]
    client.post(url_formulaire, {"new_password1": "Prevention-2026!", "new_password2": "Prevention-2026!"})
    reponse = client.get(lien, follow=True)
    assert "Lien expiré ou déjà utilisé" in reponse.content.decode()


# --- Footer pages and every page -----------------------------------------------------------------------


@pytest.mark.parametrize(("nom", "titre"), PAGES_PUBLIQUES.items())
def test_footer_pages_are_readable_anonymously(client, nom, titre):
    reponse = client.get(reverse(nom))
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert f"<h1>{titre}</h1>" in html
    assert f"<title>{titre} — FIPD Programmation</title>" in html


def test_footer_links_to_the_three_pages(client):
    html = client.get(reverse("connexion")).content.decode()
    for nom in PAGES_PUBLIQUES:
        assert f'href="{reverse(nom)}"' in html


def test_accessibility_statement_is_honest_about_its_audit(client):
    html = client.get(reverse("accessibilite")).content.decode()
    assert "non conforme" in html and "RGAA" in html and "4.1" in html
    assert "pas encore été audité" in html and "axe-core" in html
    assert "Défenseur des droits" in html and "Voies de recours" in html


def test_personal_data_page_names_legal_basis_and_what_is_not_stored(client):
    html = client.get(reverse("donnees_personnelles")).content.decode()
    assert "article 6, paragraphe 1, point e du RGPD" in html
    assert "Les noms des personnes de contact des porteurs ne sont pas enregistrés" in html
    assert "Délégué à la protection des données" in html


def test_every_page_is_french_with_skip_links_and_local_assets_only(client_agent):
    anonyme = Client()
    anonymes = ["connexion", "password_reset", "password_reset_done", "password_reset_complete"]
    reponses = [(nom, anonyme.get(reverse(nom))) for nom in anonymes]
    reponses += [
        (nom, client_agent.get(reverse(nom))) for nom in ("accueil", "deconnexion", *PAGES_PUBLIQUES)
    ]
    reponses.append(("/page-inconnue/", client_agent.get("/page-inconnue/")))
    for url, reponse in reponses:
        html = reponse.content.decode()
        assert reponse.status_code in (200, 404), url
        assert '<html lang="fr"' in html, url
        assert re.search(r"<title>[^<]*\S[^<]* — FIPD Programmation</title>", html), url
        assert 'href="#content">Contenu</a>' in html and 'href="#footer">Pied de page</a>' in html, url
        assert ressources_externes(html) == [], url
        assert "htmx" in html, url  # served locally by django-htmx


def test_unknown_page_is_a_french_404(client_agent):
    reponse = client_agent.get("/page-inconnue/")
    assert reponse.status_code == 404
    assert "Page non trouvée" in reponse.content.decode()


def test_500_page_renders_without_a_request():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert '<html lang="fr"' in html and "Erreur inattendue" in html
    assert ressources_externes(html) == []
