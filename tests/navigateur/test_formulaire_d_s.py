"""The action form's small script in a real browser: a field shows only for the categories it applies to, and
a DETR or DSIL co-funder gets « Financement de l'État » ticked until the agent decides otherwise."""

import pytest
from playwright.sync_api import expect

from tests.factories import PorteurFactory, ProgrammationFactory, UtilisateurFactory, departement, doter
from tests.factories import programme as programme_de
from tests.navigateur.conftest import connecter

pytestmark = [
    pytest.mark.navigateur,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def agent_s():
    p = ProgrammationFactory(programme=programme_de("S"))
    doter(p, "100000.00")
    PorteurFactory(departement=p.departement, nom="Commune de Maubeuge", type="collectivite")
    UtilisateurFactory(username="agent.nord", departements=[departement("59")])
    return p


def test_the_quantity_shows_for_equipment_and_the_state_box_is_suggested_for_the_detr(page, agent_s, capture):
    connecter(page, "agent.nord")
    page.goto("/programmations/2026/59/S/actions/nouvelle/")
    quantite = page.locator("#champ-quantite")
    expect(quantite).to_be_hidden()  # no category chosen yet

    page.get_by_label("Catégorie").select_option(label="Gilets pare-balles (police municipale)")
    expect(quantite).to_be_visible()
    page.get_by_label("Catégorie").select_option(label="Vidéoprotection")
    expect(quantite).to_be_hidden()

    etat = page.locator('input[name="cofinancements-0-etat"]')
    page.get_by_label("Financeur (cofinancement n° 1)").fill("DETR 2026")
    expect(etat).to_be_checked()
    page.get_by_label("Financeur (cofinancement n° 1)").fill("Commune de Maubeuge")
    expect(etat).not_to_be_checked()

    # Once the agent has decided, the name no longer changes the box.
    page.get_by_label("Financeur (cofinancement n° 2)").fill("DSIL")
    etat_2 = page.locator('input[name="cofinancements-1-etat"]')
    expect(etat_2).to_be_checked()
    page.locator('label[for="id_cofinancements-1-etat"]').click()
    expect(etat_2).not_to_be_checked()
    page.get_by_label("Financeur (cofinancement n° 2)").fill("DSIL 2026")
    expect(etat_2).not_to_be_checked()
    capture(page, "formulaire-s-financement-etat")
