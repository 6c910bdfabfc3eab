"""Campaigns (issue 7): the SG-CIPDR prepares, opens and closes exercices; prefectures create programmations
only in an open exercice; a closed year is read-only and says so."""

import pytest
from django.urls import reverse

from programmation.models import Exercice, Programmation
from tests.factories import UtilisateurFactory, departement

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_sg(client):
    client.force_login(UtilisateurFactory(username="sg", role="instructeur_sgcipdr"))
    return client


@pytest.fixture
def client_agent(client):
    client.force_login(UtilisateurFactory(username="nord", departements=[departement("59")]))
    return client


def etat(annee):
    return Exercice.objects.get(annee=annee).etat


def test_the_sgcipdr_prepares_opens_and_closes_an_exercice(client_sg):
    url = reverse("campagne_transition", args=[2027, "preparer"])
    assert "en préparation" in client_sg.get(url).content.decode()
    assert client_sg.post(url).status_code == 302
    assert etat(2027) == "en_preparation"

    confirmation = client_sg.get(reverse("campagne_transition", args=[2027, "ouvrir"]))
    assert "Les préfectures pourront ouvrir" in confirmation.content.decode()
    client_sg.post(reverse("campagne_transition", args=[2027, "ouvrir"]))
    assert etat(2027) == "ouvert"

    client_sg.post(reverse("campagne_transition", args=[2027, "cloturer"]))
    assert etat(2027) == "cloture"
    assert "Clôturé" in client_sg.get(reverse("campagnes")).content.decode()


def test_closing_warns_about_programmations_not_validated(client_sg, programmation):
    page = client_sg.get(reverse("campagne_transition", args=[2026, "cloturer"])).content.decode()
    assert "1 programmation sur 1 n'est pas validée" in page
    assert "La clôture est définitive" in page


@pytest.mark.parametrize(
    ("annee", "transition", "depart"),
    [(2026, "ouvrir", "ouvert"), (2025, "cloturer", "cloture"), (2026, "inconnue", "ouvert")],
)
def test_an_impossible_change_is_refused_and_changes_nothing(client_sg, annee, transition, depart):
    Exercice.objects.filter(annee=2025).update(etat="cloture")
    reponse = client_sg.post(reverse("campagne_transition", args=[annee, transition]))
    assert reponse.status_code in (200, 404)
    assert etat(annee) == depart


def test_an_existing_exercice_cannot_be_prepared_again(client_sg):
    reponse = client_sg.post(reverse("campagne_transition", args=[2026, "preparer"]), follow=True)
    assert "L'exercice 2026 existe déjà." in reponse.content.decode()
    assert etat(2026) == "ouvert"


def test_campaign_pages_are_a_404_for_a_prefecture_agent(client_agent):
    assert client_agent.get(reverse("campagnes")).status_code == 404
    assert client_agent.post(reverse("campagne_transition", args=[2026, "cloturer"])).status_code == 404
    assert etat(2026) == "ouvert"


def test_prefectures_open_programmations_only_in_an_open_exercice(client_agent):
    Exercice.objects.create(annee=2027, etat="en_preparation")
    for annee in (2027, 2025):
        Exercice.objects.filter(annee=2025).update(etat="cloture")
        reponse = client_agent.post(
            reverse("ouvrir_programmation"), {"departement": "59", "exercice": str(annee), "programme": "R"}
        )
        assert reponse.status_code == 200
        assert (
            "Cet exercice est clôturé ou n'existe pas" in reponse.context["formulaire"].errors["exercice"][0]
        )
    assert not Programmation.objects.exists()
    Exercice.objects.filter(annee__lt=2026).update(etat="cloture")
    choix = client_agent.get(reverse("accueil")).context["formulaire"].fields["exercice"].queryset
    assert [e.annee for e in choix] == [2026]


def test_every_page_of_a_closed_year_says_it_is_read_only(client_sg, programmation):
    Exercice.objects.filter(annee=2026).update(etat="cloture")
    for url in (
        programmation.get_absolute_url(),
        reverse("national", args=[2026]),
        reverse("enveloppes", args=[2026]),
        reverse("enveloppe", args=[2026, "R", "departement", "59"]),
    ):
        assert "L'exercice 2026 est clôturé" in client_sg.get(url).content.decode(), url
