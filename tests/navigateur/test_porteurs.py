"""The porteurs pages in a real browser (issue 9, item 7): an agent searches the list, opens a porteur, is told
why an invalid SIRET is refused, merges a duplicate after reading what moves; axe-core finds no violation on
any of these pages, in any of these states."""

import pytest
from playwright.sync_api import expect

from programmation.models import Exercice
from tests.factories import ActionFactory, PorteurFactory, ProgrammationFactory, doter, exercice
from tests.navigateur.test_accessibilite import agent_nord, connecter, decrire

pytestmark = [
    pytest.mark.navigateur,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def porteurs_du_nord():
    p2025 = ProgrammationFactory(exercice=exercice(2025))
    p2026 = ProgrammationFactory()
    Exercice.objects.filter(annee__in=[2025, 2026]).update(etat="ouvert")
    doter(p2025, "100000.00", annee=2025)
    doter(p2026, "100000.00")
    mda = PorteurFactory(nom="Maison des adolescents", siret="73282932000074", rna="W593000001")
    doublon = PorteurFactory(nom="MDA Valenciennes")
    commune = PorteurFactory(nom="Commune de Valenciennes", type="collectivite")
    ActionFactory(programmation=p2025, porteur=mda, reference="59-2025-01", retenue=True)
    ActionFactory(programmation=p2026, porteur=mda, reference="59-01", retenue=True)
    ActionFactory(programmation=p2026, porteur=mda, reference="59-02", milieu="ouvert")
    ActionFactory(programmation=p2026, porteur=doublon, reference="59-03", retenue=True)
    ActionFactory(programmation=p2026, porteur=commune, reference="59-04", non_retenue=True)
    return mda, doublon


def sans_violation(axe, page, etat):
    violations = axe(page)
    assert not violations, f"{etat} :\n{decrire(violations)}"


def test_an_agent_searches_edits_and_merges_porteurs(page, live_server, axe, capture):
    mda, doublon = porteurs_du_nord()
    connecter(page, live_server.url, agent_nord())

    page.goto("/")
    page.get_by_role("link", name="Porteurs", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Porteurs")
    expect(page.locator("#table-porteurs tbody tr")).to_have_count(3)
    expect(page.locator(f"#porteur-{mda.pk}")).to_contain_text("3")  # actions across both years
    sans_violation(axe, page, "liste")
    capture(page, "issue9-porteurs")

    page.get_by_label("Rechercher un porteur").fill("maison")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#table-porteurs tbody tr")).to_have_count(1)
    sans_violation(axe, page, "recherche")

    page.get_by_role("link", name="Maison des adolescents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maison des adolescents")
    expect(page.locator("#exercice-2026 tbody tr")).to_have_count(2)
    expect(page.locator("#exercice-2025 tbody tr")).to_have_count(1)
    sans_violation(axe, page, "détail")
    capture(page, "issue9-porteurs-detail")

    page.get_by_role("link", name="Modifier l'identité").click()
    page.get_by_label("SIRET").fill("73282932000075")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".fr-input-group:has(#id_siret)")).to_contain_text("SIRET")
    sans_violation(axe, page, "modification refusée")

    page.goto(f"/porteurs/{mda.pk}/fusionner/")
    page.get_by_label("Doublon à absorber").select_option(label="MDA Valenciennes (Association)")
    page.get_by_role("button", name="Voir ce qui sera déplacé").click()
    expect(page.locator("#confirmation")).to_contain_text("1 action passera à « Maison des adolescents »")
    sans_violation(axe, page, "confirmation de fusion")
    capture(page, "issue9-porteurs-fusion")

    page.get_by_role("button", name="Fusionner et supprimer « MDA Valenciennes »").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maison des adolescents")
    expect(page.locator(".fr-alert--success")).to_contain_text("1 action déplacée")
    expect(page.locator("#exercice-2026 tbody tr")).to_have_count(3)
    sans_violation(axe, page, "après la fusion")
