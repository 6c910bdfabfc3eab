"""The spreadsheet import in a real browser: from the programmation's page to the preview (scanned by axe-core)
and the confirmation, the file chosen in the file input and the CSRF token checked as in production."""

import pytest
from playwright.sync_api import expect

from programmation.models import Action
from tests.navigateur.test_accessibilite import (
    URL_PROGRAMMATION,
    agent_nord,
    connecter,
    decrire,
    programmation_nord,
)

pytestmark = [
    pytest.mark.navigateur,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FICHIER = (
    "Référence;Intitulé;Porteur;Type porteur;Catégorie;Coût total;Montant FIPD;Décision\r\n"
    "59-01;Consultations de psychologues;Maison des adolescents;Association;sante_mentale;10 000;6 000;Retenue\r\n"
    "59-10;Formation des professionnels;Centre de formation;Établissement public;formation;3 000;3 000;\r\n"
).encode()


def test_an_agent_previews_then_confirms_an_import(page, live_server, axe, capture, settings, tmp_path):
    settings.FIPD_DOSSIER_IMPORTS = str(tmp_path)
    programmation_nord()
    connecter(page, live_server.url, agent_nord())
    page.goto(URL_PROGRAMMATION)

    page.get_by_role("link", name="Importer un tableur").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer un tableur")
    page.get_by_label("Tableur de la programmation (CSV ou XLSX)").set_input_files(
        {"name": "programmation.csv", "mimeType": "text/csv", "buffer": FICHIER}
    )
    page.get_by_role("button", name="Voir l'aperçu").click()

    expect(page.locator("#resume-import")).to_contain_text("1 action à créer")
    expect(page.locator("#ligne-2")).to_contain_text("Montant FIPD : 5 000,00 € → 6 000,00 €")
    expect(page.locator("#porteurs-crees")).to_contain_text("Centre de formation")
    capture(page, "import-apercu")
    violations = axe(page)
    assert not violations, decrire(violations)

    page.get_by_role("button", name="Confirmer l'import").click()

    expect(page.get_by_text("Import de « programmation.csv » terminé")).to_be_visible()
    expect(page.locator("#table-actions tbody tr")).to_have_count(5)
    assert Action.objects.get(reference="59-10").montant_fipd == 3000
