"""The SG-CIPDR's half in a real browser, on the demo data: the reviewer filters the national dashboard to
anomalies, opens a transmitted programmation and returns it with a comment; the regional agent of
Hauts-de-France splits the regional envelope between two departments."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from programmation.models import Enveloppe, Programmation, Statut
from tests.navigateur.test_parcours import se_connecter, se_deconnecter, statut

pytestmark = [
    pytest.mark.navigateur,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_le_sgcipdr_filtre_les_anomalies_et_renvoie_une_programmation(page, capture):
    call_command("charger_demo", force=True)
    se_connecter(page, "sgcipdr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord national 2026")
    expect(page.locator("#tableau-national tbody tr")).to_have_count(101 * 4)

    page.locator("label[for=id_anomalies]").click()  # the DSFR draws the box on the label
    page.get_by_label("Statut").select_option(label="Transmise")
    page.get_by_role("button", name="Filtrer").click()
    lignes = page.locator("#tableau-national tbody tr")
    expect(lignes).to_have_count(1)
    expect(lignes.first).to_contain_text("Seine-Saint-Denis")
    capture(page, "09-tableau-de-bord-anomalies")

    page.get_by_role("link", name=re.compile(r"Seine-Saint-Denis.*programme R")).click()
    expect(statut(page)).to_have_text("Transmise")
    page.get_by_label("Commentaire pour la préfecture").fill("Précisez le porteur de l'action 93-02.")
    page.get_by_role("button", name="Renvoyer pour correction").click()
    expect(statut(page)).to_have_text("À corriger")
    assert Programmation.objects.get(exercice__annee=2026, departement__code="93").statut == Statut.A_CORRIGER
    se_deconnecter(page)


def test_l_agent_regional_repartit_l_enveloppe_regionale(page, capture):
    call_command("charger_demo", force=True)
    se_connecter(page, "sgar.hdf")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programmations 2026 – Hauts-de-France")
    page.get_by_role("link", name=re.compile("Répartir les enveloppes régionales")).click()
    page.get_by_role("link", name=re.compile(r"R, Hauts-de-France")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enveloppe R 2026 – Hauts-de-France")
    reste = Enveloppe.objects.get(region__code="32", programme__code="R", exercice__annee=2026).montant - sum(
        e.montant
        for e in Enveloppe.objects.filter(
            departement__region__code="32", programme__code="R", exercice__annee=2026
        )
    )
    assert reste > 20000

    page.get_by_label("Dotation initiale – 62 – Pas-de-Calais").fill("12 000")
    page.get_by_label("Dotation initiale – 80 – Somme").fill("8 000,50")
    page.get_by_role("button", name="Enregistrer la répartition").click()
    expect(page.locator(".fr-alert--success")).to_contain_text(
        "Répartition enregistrée : 2 enveloppes départementales modifiées."
    )
    expect(page.locator("#reste-a-repartir")).to_contain_text(re.compile(r"\d"))
    capture(page, "10-repartition-regionale")
    montants = dict(
        Enveloppe.objects.filter(
            departement__code__in=["62", "80"], programme__code="R", exercice__annee=2026
        ).values_list("departement__code", "montant")
    )
    assert {k: str(v) for k, v in montants.items()} == {"62": "12000.00", "80": "8000.50"}
