"""The live check stays in view while the amount is typed (issue 9), in a real browser: at 1280×800 and
1440×900, with « Montant FIPD » mid-screen, the maximum and the blocking verdict are inside the viewport once
the preview has answered; on a narrow screen the line under the field says them; axe finds no violation."""

import pytest
from playwright.sync_api import expect

from tests.factories import PorteurFactory, ProgrammationFactory, UtilisateurFactory, departement, doter
from tests.navigateur.conftest import connecter

pytestmark = [
    pytest.mark.navigateur,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

URL = "/programmations/2026/59/R/actions/nouvelle/"


@pytest.fixture
def programmation_nord():
    p = ProgrammationFactory()
    doter(p, "100000.00")
    PorteurFactory(departement=p.departement, nom="Le Phénix")
    UtilisateurFactory(username="agent.nord", departements=[departement("59")])
    return p


def dans_la_fenetre(page, locator):
    boite = locator.bounding_box()
    fenetre = page.viewport_size
    assert boite is not None, "invisible"
    return (
        boite["y"] >= 0
        and boite["y"] + boite["height"] <= fenetre["height"]
        and boite["x"] >= 0
        and (boite["x"] + boite["width"] <= fenetre["width"])
    )


def remplir_et_taper_le_montant(page):
    page.get_by_label("Référence").fill("59-2026-50")
    page.get_by_label("Intitulé").fill("Ateliers d'esprit critique")
    page.get_by_label("Catégorie").select_option(label="Prévention primaire")
    page.get_by_label("Coût total").fill("10 000")
    page.get_by_label("Décision").select_option(label="Retenue")
    montant = page.get_by_label("Montant FIPD")
    # The field mid-screen, as when the agent has scrolled down to it.
    montant.evaluate(
        "e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - innerHeight / 2)"
    )
    montant.focus()
    with page.expect_response(lambda r: "/actions/apercu/" in r.url and r.status == 200):
        montant.press_sequentially("2500")
    expect(page.locator("#apercu-montant-maximum")).to_contain_text("2 000,00")
    return montant


@pytest.mark.parametrize("largeur,hauteur", [(1280, 800), (1440, 900)])
def test_the_maximum_and_the_refusal_stay_in_view_while_typing_the_amount(
    page, programmation_nord, axe, capture, largeur, hauteur
):
    page.set_viewport_size({"width": largeur, "height": hauteur})
    connecter(page, "agent.nord")
    page.goto(URL)
    montant = remplir_et_taper_le_montant(page)
    assert dans_la_fenetre(page, montant)

    # Beside the field: the maximum under it, and the panel which sticks to the top of the viewport with the
    # maximum and what blocks; the line does not repeat the refusals the panel shows (one place per message).
    assert dans_la_fenetre(page, page.locator("#apercu-montant-maximum"))
    expect(page.locator("#apercu-montant .apercu-montant-bloquant").first).to_be_hidden()
    assert dans_la_fenetre(page, page.locator("#apercu-maximum"))
    expect(page.locator("#apercu-maximum")).to_contain_text("2 000,00")
    assert dans_la_fenetre(page, page.locator("#apercu-refus li").first)
    expect(page.locator("#apercu-refus")).to_contain_text("20 % du coût total")
    page.screenshot(path=str(capture(page, f"issue9-apercu-{largeur}")).replace(".png", "-fenetre.png"))
    assert axe(page) == []


def test_on_a_narrow_screen_the_line_under_the_field_says_the_maximum(page, programmation_nord, capture):
    page.set_viewport_size({"width": 390, "height": 844})
    connecter(page, "agent.nord")
    page.goto(URL)
    remplir_et_taper_le_montant(page)
    ligne = page.locator("#apercu-montant")
    assert dans_la_fenetre(page, ligne.locator("#apercu-montant-maximum"))
    assert dans_la_fenetre(page, ligne.locator(".apercu-montant-bloquant").first)
    capture(page, "issue9-apercu-etroit")
