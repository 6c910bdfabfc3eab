"""A row's decision taken in place (htmx, issue 9): the row comes back as stored, with the figures and the
total row out of band and the message in a live region; a refusal shows in the row; the page's scope holds
(another department: 404); and the answer's query count does not grow with the actions. Without htmx the
same POST redirects, as before."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmation.models import Action
from tests.factories import (
    ActionFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
)

pytestmark = pytest.mark.django_db
D = Decimal
NBSP, FINE = "\u00a0", "\u202f"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_agent(client, db):
    client.force_login(UtilisateurFactory(username="agent.nord", departements=[departement("59")]))
    return client


def url_decisions(p):
    return p.get_absolute_url() + "decisions/"


def decider(client, p, action, decision, **donnees):
    return client.post(url_decisions(p), {"decision_unitaire": f"{action.pk}:{decision}", **donnees}, **HTMX)


def test_a_retained_row_comes_back_with_the_figures_out_of_band(client_agent, programmation):
    action = ActionFactory(
        programmation=programmation, reference="R1", cout_total=D("30000"), montant_fipd=D("25000")
    )

    reponse = decider(client_agent, programmation, action, "retenue")

    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.lstrip().startswith(f'<tr id="action-{action.pk}">')
    ligne = html[: html.index("</tr>")]
    assert "fr-badge--success" in ligne and "Retenue" in ligne
    assert f'value="{action.pk}:retenue"' not in ligne  # « Retenir » is gone: it is retained
    assert f'value="{action.pk}:non_retenue"' in ligne
    assert 'id="annonce-decision"' in html and "Action R1 : « Retenue »." in html
    chiffres = html[html.index('id="chiffres"') - 60 :]
    assert 'hx-swap-oob="true"' in chiffres[:200]
    assert 'id="chiffre-retenu"' in chiffres and f"25{FINE}000,00{NBSP}€" in chiffres
    assert 'id="chiffre-reste"' in chiffres and f"75{FINE}000,00{NBSP}€" in chiffres
    assert 'id="chiffre-verdicts"' in chiffres
    assert '<tr id="ligne-total" hx-swap-oob="true">' in html
    assert 'id="verdicts-programmation" hx-swap-oob="true"' in html
    # The transmission form's notice and total follow (its comment, maybe typed already, is left alone).
    assert '<div id="avertissement-transmission" hx-swap-oob="true">' in html
    libelle = html[html.index('id="libelle-transmission" hx-swap-oob="true"') :]
    assert f"la programmation de 25{FINE}000,00{NBSP}€ retenus" in libelle[: libelle.index("</label>")]
    assert "texte-transmettre" not in html
    assert Action.objects.get(pk=action.pk).decision == "retenue"


def test_a_refused_decision_shows_its_reason_in_the_row_and_the_live_region(client_agent, programmation):
    prison = ActionFactory(programmation=programmation, carceral=True, reference="PRISON")

    reponse = decider(client_agent, programmation, prison, "retenue")

    assert reponse.status_code == 200
    html = reponse.content.decode()
    ligne = html[: html.index("</tr>")]
    assert f'id="refus-{prison.pk}"' in ligne and "MILIEU_CARCERAL" in ligne
    annonce = html[html.index('id="annonce-decision"') :]
    assert "Action PRISON : décision refusée." in annonce and "fr-alert--error" in annonce
    assert Action.objects.get(pk=prison.pk).decision == "en_instruction"


def test_the_rows_ticked_box_stays_as_it_was(client_agent, programmation):
    action, autre = ActionFactory.create_batch(2, programmation=programmation)
    html = decider(client_agent, programmation, action, "non_retenue", actions=[action.pk, autre.pk])
    assert f'id="coche-{action.pk}" checked' in html.content.decode()
    html = decider(client_agent, programmation, action, "en_instruction", actions=[autre.pk])
    assert f'id="coche-{action.pk}" checked' not in html.content.decode()


def test_without_htmx_the_decision_still_redirects(client_agent, programmation):
    action = ActionFactory(programmation=programmation)
    reponse = client_agent.post(url_decisions(programmation), {"decision_unitaire": f"{action.pk}:retenue"})
    assert reponse.status_code == 302


def test_the_page_after_an_in_place_decision_shows_the_new_row(client_agent, programmation):
    """The rows' fragment cache is keyed by the programmation's version: a decision taken in place moves it."""
    action = ActionFactory(programmation=programmation)
    client_agent.get(programmation.get_absolute_url())  # the rows are cached
    decider(client_agent, programmation, action, "retenue")
    html = client_agent.get(programmation.get_absolute_url()).content.decode()
    ligne = html[html.index(f'<tr id="action-{action.pk}">') :]
    assert "fr-badge--success" in ligne[: ligne.index("</tr>")]


def test_another_departments_action_or_programmation_is_not_found(client_agent, programmation):
    rhone = ProgrammationFactory(departement=departement("69"))
    autre = ActionFactory(programmation=rhone)
    assert decider(client_agent, rhone, autre, "retenue").status_code == 404
    assert decider(client_agent, programmation, autre, "retenue").status_code == 404
    assert Action.objects.get(pk=autre.pk).decision == "en_instruction"


def test_bad_input_is_not_a_server_error(client_agent, programmation):
    action = ActionFactory(programmation=programmation)
    url = url_decisions(programmation)
    assert client_agent.post(url, {"decision_unitaire": "x:retenue"}, **HTMX).status_code == 404
    reponse = client_agent.post(url, {"decision_unitaire": f"{action.pk}:peut-etre"}, **HTMX)
    assert reponse.status_code == 200 and "Choisissez une décision" in reponse.content.decode()


def requetes(client, programmation, taille):
    creer_actions(
        programmation, taille - programmation.actions.count(), cout_total=D("200"), montant_fipd=D("100")
    )
    action = programmation.actions.order_by("pk").first()
    decider(client, programmation, action, "non_retenue")  # warm-up (sessions, template cache)
    with CaptureQueriesContext(connection) as capture:
        reponse = decider(client, programmation, action, "en_instruction")
    nombre = len(capture)  # before the next request resets the connection's query log
    assert reponse.status_code == 200
    decider(client, programmation, action, "non_retenue")
    return nombre


def test_the_answers_queries_do_not_grow_with_the_actions(client_agent, programmation):
    petite = requetes(client_agent, programmation, 10)
    grande = requetes(client_agent, programmation, 300)
    assert petite == grande
    assert grande <= 36  # 34 when written: the session, the lock and write, the page's figures
