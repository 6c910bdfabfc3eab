"""Deciding in place on the programmation page (issue 9), in a real browser: a row's « Retenir » swaps the
row and the figures without reloading, so the scroll position stays; a refusal shows in the row; focus stays
on the row; « Tout sélectionner » ticks every row; axe-core finds no serious violation."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from programmation.models import Programmation, Statut
from tests.factories import (
    ActionFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
)
from tests.navigateur.conftest import connecter

pytestmark = [
    pytest.mark.navigateur,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

URL = "/programmations/2026/59/R/"
RETENIR = re.compile(r"^Retenir")


@pytest.fixture
def programmation_longue():
    p = ProgrammationFactory()
    doter(p, "100000.00")
    creer_actions(p, 60, cout_total=Decimal("2000"), montant_fipd=Decimal("1000"), decision="en_instruction")
    ActionFactory(programmation=p, carceral=True, reference="ZZ-PRISON")  # last by reference
    UtilisateurFactory(username="agent.nord", departements=[departement("59")])
    return p


def fenetre(page, chemin):
    """Beside the full-page capture, what the agent sees: the viewport only."""
    page.screenshot(path=str(chemin.with_name(chemin.stem + "-fenetre.png")))


def faire_defiler_jusqu_a(page, selecteur, hauteur=450):
    """Scrolls so that ``selecteur`` sits ``hauteur`` px below the top of the viewport; returns scrollY."""
    page.evaluate(
        "([s, h]) => window.scrollTo(0, document.querySelector(s).getBoundingClientRect().top + window.scrollY - h)",
        [selecteur, hauteur],
    )
    return page.evaluate("window.scrollY")


def test_deciding_a_row_keeps_the_scroll_position_and_updates_the_totals(
    page, programmation_longue, axe, capture
):
    refus_csp = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refus_csp.append(m.text))
    connecter(page, "agent.nord")
    page.goto(URL)
    ligne = page.locator("#table-actions tbody tr").nth(40)
    identifiant = ligne.get_attribute("id")
    avant = faire_defiler_jusqu_a(page, f"#{identifiant}")
    assert avant > 1500
    retenu = page.locator("#chiffre-retenu").inner_text()

    page.locator(f"#{identifiant}").get_by_role("button", name=RETENIR).click()

    expect(page.locator(f"#{identifiant} .fr-badge")).to_have_text("Retenue")
    expect(page.locator("#annonce-decision")).to_contain_text("« Retenue »")
    assert abs(page.evaluate("window.scrollY") - avant) <= 5
    assert page.locator("#chiffre-retenu").inner_text() != retenu
    assert "1\u202f000,00" in page.locator("#chiffre-retenu").inner_text()
    # Focus stays on the row: its new first decision button.
    assert page.evaluate(
        "document.activeElement.closest('tr') && document.activeElement.closest('tr').id"
    ) == (identifiant)
    assert not refus_csp
    fenetre(page, capture(page, "issue9-decision-en-place"))

    # A refusal shows in the row and in the live region; nothing else moves.
    prison = page.locator("#table-actions tbody tr", has_text="ZZ-PRISON")
    prison.scroll_into_view_if_needed()
    prison.get_by_role("button", name=RETENIR).click()
    expect(prison.locator(".fr-message--error").first).to_contain_text("Décision refusée")
    expect(page.locator("#annonce-decision")).to_contain_text("décision refusée")
    assert not refus_csp
    fenetre(page, capture(page, "issue9-decision-refusee"))
    # The announcement can be closed; focus goes back to the row.
    page.locator("#annonce-decision").get_by_role("button", name="Masquer le message").click()
    expect(page.locator("#annonce-decision")).to_be_empty()
    assert page.evaluate(
        "document.activeElement.closest('tr') && document.activeElement.closest('tr').id"
    ) == (prison.get_attribute("id"))
    assert axe(page) == []  # with the announcement and the refusal shown


def test_select_all_ticks_every_row_and_reads_partly_ticked(page, programmation_longue, axe, capture):
    connecter(page, "agent.nord")
    page.goto(URL)
    tout = page.get_by_label("Tout sélectionner")
    expect(tout).to_be_attached()
    tout.check(force=True)  # the DSFR draws the box on the label, over the input
    cases = page.locator('#table-actions tbody input[name="actions"]')
    assert cases.count() == 61
    assert page.evaluate(
        "[...document.querySelectorAll('#table-actions tbody input[name=actions]')].every(c => c.checked)"
    )
    cases.first.uncheck(force=True)
    assert page.evaluate("document.getElementById('coche-tout').indeterminate")
    fenetre(page, capture(page, "issue9-tout-selectionner"))
    assert axe(page) == []


def test_without_javascript_select_all_is_hidden_and_a_decision_reloads(
    chromium, live_server, programmation_longue
):
    contexte = chromium.new_context(base_url=live_server.url, java_script_enabled=False, locale="fr-FR")
    page = contexte.new_page()
    try:
        connecter(page, "agent.nord")
        page.goto(URL)
        expect(page.locator("#groupe-coche-tout")).to_be_hidden()
        page.locator("#table-actions tbody tr").first.get_by_role("button", name=RETENIR).click()
        expect(page.locator(".fr-alert--success").first).to_contain_text("« Retenue »")
    finally:
        contexte.close()


def test_a_decision_refused_by_the_server_says_so_in_the_live_region(page, programmation_longue):
    """The programmation transmitted from another tab: the answer is a 403, which htmx does not swap."""
    connecter(page, "agent.nord")
    page.goto(URL)
    Programmation.objects.filter(pk=programmation_longue.pk).update(statut=Statut.TRANSMISE)
    page.locator("#table-actions tbody tr").first.get_by_role("button", name=RETENIR).click()
    expect(page.locator("#annonce-decision")).to_contain_text("La décision n'a pas pu être enregistrée.")
