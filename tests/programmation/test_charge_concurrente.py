"""Concurrency under load, over HTTP (issue 12): 20 agents retain actions of one programmation at the same
moment through the live server. The training cap is never exceeded, no accepted write is lost, no request
fails with a 500 — on SQLite (IMMEDIATE transactions) as on PostgreSQL (the row lock)."""

import http.client
import threading
import urllib.parse
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from eligibilite.regles import parametres_annexe_2018, plafond_formation
from programmation.ecriture import recalculer_programmation
from programmation.models import Action, Programmation
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    departement,
    doter,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
D = Decimal
AGENTS = 20


def navigateur(serveur, utilisateur):
    """What a browser of ``utilisateur`` would send: its session cookie and a CSRF token (set by a first page)."""
    client = Client()
    client.force_login(utilisateur)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    hote = urllib.parse.urlparse(serveur)
    connexion = http.client.HTTPConnection(hote.hostname, hote.port, timeout=60)
    connexion.request("GET", "/", headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"})
    reponse = connexion.getresponse()
    reponse.read()
    assert reponse.status == 200, reponse.status
    jeton = SimpleCookie(reponse.getheader("Set-Cookie"))[settings.CSRF_COOKIE_NAME].value
    connexion.close()
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={jeton}", jeton


def test_twenty_agents_retaining_at_once_never_exceed_the_cap(live_server):
    p = ProgrammationFactory()
    doter(p, "200000.00")
    porteur = PorteurFactory(departement=p.departement)
    ActionFactory(
        programmation=p, porteur=porteur, retenue=True, cout_total=D("60000"), montant_fipd=D("40000")
    )
    formations = [
        ActionFactory(
            programmation=p, porteur=porteur, formation=True, cout_total=D("5000"), montant_fipd=D("3000")
        )
        for _ in range(AGENTS)
    ]
    # With k training actions retained: T = 40 000 + 3 000 k, cap = max(4 000, 20 % T); F = 3 000 k ≤ cap ⇔ k ≤ 3.
    agents = [
        UtilisateurFactory(username=f"agent{i}", departements=[departement("59")]) for i in range(AGENTS)
    ]
    url = reverse("decisions", kwargs={"annee": 2026, "departement": "59", "programme": "R"})
    clients = [navigateur(live_server.url, agent) for agent in agents]
    depart = threading.Barrier(AGENTS)
    statuts = [None] * AGENTS

    def retenir(i):
        cookies, jeton = clients[i]
        corps = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": jeton, "decision_unitaire": f"{formations[i].pk}:retenue"}
        )
        hote = urllib.parse.urlparse(live_server.url)
        connexion = http.client.HTTPConnection(hote.hostname, hote.port, timeout=120)
        depart.wait()
        connexion.request(
            "POST",
            url,
            body=corps,
            headers={"Cookie": cookies, "Content-Type": "application/x-www-form-urlencoded"},
        )
        reponse = connexion.getresponse()
        reponse.read()
        statuts[i] = reponse.status
        connexion.close()

    fils = [threading.Thread(target=retenir, args=(i,)) for i in range(AGENTS)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(180)

    assert 500 not in statuts and None not in statuts, statuts
    acceptees = statuts.count(302)
    assert set(statuts) <= {302, 200}  # accepted (redirect) or refused beside the table (the page again)
    retenues = Action.objects.filter(programmation=p, categorie="formation", decision="retenue").count()
    assert acceptees == retenues == 3  # no accepted write lost, no refused one written
    stockee = Programmation.objects.get(pk=p.pk)
    assert stockee.total_formation <= plafond_formation(stockee.total_fipd, parametres_annexe_2018(2026))
    figures = (stockee.total_fipd, stockee.total_formation, stockee.nb_bloquants)
    recalculer_programmation(p.pk)
    stockee.refresh_from_db()
    assert (stockee.total_fipd, stockee.total_formation, stockee.nb_bloquants) == figures
