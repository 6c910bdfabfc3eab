"""Random strings as ids and amounts posted to every write endpoint of the prefecture workspace (issue 9):
never a 500; whatever is refused writes nothing (rows, history, change markers)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    departement,
    doter,
)
from tests.programmation.test_formulaire_action import donnees, donnees_de, url_apercu, url_creer
from tests.programmation.test_import import etat_de_la_base

pytestmark = pytest.mark.django_db

HOSTILES = st.sampled_from(
    [
        "",
        "²",
        "٣",
        "-1",
        "0",
        "99999999999999999999",
        "1e3",
        " 1",
        "1,5",
        "1 234,56 €",
        "1e99999999999999999999",
        "NaN",
        "Infinity",
        "12,345",
        "9" * 60,
        "<script>alert(1)</script>",
        "A\ud800",
        "\u0000",
        "x" * 400,
    ]
)
TEXTE = st.one_of(HOSTILES, st.text(max_size=24))
CODES_ATTENDUS = {200, 302, 400, 403, 404, 405, 409}
REGLAGES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def monde(client):
    programmation = ProgrammationFactory()
    doter(programmation, "100000.00")
    porteur = PorteurFactory(departement=programmation.departement)
    action = ActionFactory(programmation=programmation, porteur=porteur)
    client.force_login(UtilisateurFactory(username="agent.fuzz", departements=[departement("59")]))
    return client, programmation, action


def corps(champs: dict) -> str:
    """The form body as a hostile client may send it: a lone surrogate goes as the invalid UTF-8 it encodes
    to (Django's test client would refuse to encode it; a raw HTTP client does not)."""
    paires = [
        (cle, str(v).encode("utf-8", "surrogatepass"))
        for cle, valeur in champs.items()
        for v in (valeur if isinstance(valeur, list) else [valeur])
    ]
    return urlencode(paires)


def poster(client, url, champs):
    avant = etat_de_la_base()
    reponse = client.post(url, corps(champs), content_type="application/x-www-form-urlencoded")
    assert reponse.status_code in CODES_ATTENDUS, (url, champs, reponse.status_code)
    if reponse.status_code != 302:  # refused, or a page shown again: nothing written
        assert etat_de_la_base() == avant, (url, champs)
    assert b"<script>alert(1)" not in reponse.content
    return reponse


@REGLAGES
@given(pk=TEXTE, decision=TEXTE)
def test_decisions_with_random_ids(monde, pk, decision):
    client, p, _ = monde
    url = p.get_absolute_url() + "decisions/"
    poster(client, url, {"decision_unitaire": f"{pk}:{decision}"})
    poster(client, url, {"actions": [pk], "decision": decision})


@REGLAGES
@given(pk=TEXTE, montant=TEXTE, cout=TEXTE)
def test_the_live_preview_with_random_ids_and_amounts(monde, pk, montant, cout):
    client, p, _ = monde
    poster(client, url_apercu(p), donnees(None, action_pk=pk, montant_fipd=montant, cout_total=cout))


@REGLAGES
@given(montant=TEXTE, cout=TEXTE, porteur=TEXTE, version=TEXTE, reference=TEXTE)
def test_creating_and_editing_with_random_amounts_and_ids(monde, montant, cout, porteur, version, reference):
    client, p, action = monde
    champs = {"montant_fipd": montant, "cout_total": cout, "porteur": porteur}
    poster(client, url_creer(p), donnees(None, reference=reference or "F1") | champs)
    action.refresh_from_db()
    poster(client, action.get_absolute_url(), donnees_de(action, version=version) | champs)


@REGLAGES
@given(pk=TEXTE, confirmation=TEXTE)
def test_deletion_and_transmission_with_random_values(monde, pk, confirmation):
    client, p, _ = monde
    poster(client, f"/actions/{quote(pk.encode('utf-8', 'surrogatepass'), safe='')}/supprimer/", {})
    poster(client, p.get_absolute_url() + "transmettre/", {"confirmation": confirmation})
