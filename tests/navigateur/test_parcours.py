"""The main journey, in a real browser, on the demo data: an agent of the Nord enters an action, is refused
beside the amount (20 % rule of primary prevention, with its source), corrects it, decides every action and
submits the programmation; the SG-CIPDR returns it with a comment; the agent sees it « À corriger »."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from programmation.models import Action, Decision, Programmation, Statut
from tests.factories import PorteurFactory, ProgrammationFactory, UtilisateurFactory, departement, doter
from tests.navigateur.conftest import connecter

pytestmark = [
    pytest.mark.navigateur,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

URL_NORD = "/programmations/2026/59/R/"
REFERENCE = "59-2026-11"
COMMENTAIRE_RENVOI = "Merci de préciser le public visé par l'action 59-2026-11 avant validation."


def se_connecter(page, username):
    page.goto("/connexion/")
    page.get_by_role("textbox", name="Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill("demo-fipd")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def se_deconnecter(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/connexion/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à FIPD Programmation")


def statut(page):
    """The status badge under the programmation's title."""
    return page.locator("h1 + div .fr-badge")


def test_parcours_saisie_transmission_renvoi(page, capture):
    call_command("charger_demo", force=True)
    programmation = Programmation.objects.get(
        exercice__annee=2026, departement__code="59", programme__code="R"
    )
    assert programmation.statut == Statut.BROUILLON
    assert set(
        programmation.actions.filter(decision=Decision.EN_INSTRUCTION).values_list("reference", flat=True)
    ) == {"59-2026-07", "59-2026-09", "59-2026-10"}

    # --- The agent logs in and reaches the programmation from their home.
    page.goto("/connexion/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion à FIPD Programmation")
    capture(page, "01-connexion")
    se_connecter(page, "agent.nord")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes programmations")
    capture(page, "02-accueil-agent")

    page.get_by_role("table", name=re.compile("Programme R.*2026")).get_by_role(
        "link", name=re.compile("Nord")
    ).click()
    expect(page).to_have_url(re.compile(re.escape(URL_NORD) + "$"))
    expect(statut(page)).to_have_text("Brouillon")
    expect(page.locator("#chiffre-enveloppe")).to_contain_text("135 000,00")
    capture(page, "03-programmation")

    # --- A primary-prevention action over 20 % of its cost, retained.
    page.get_by_role("link", name="Ajouter une action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle action")
    page.get_by_label("Référence").fill(REFERENCE)
    page.get_by_label("Intitulé").fill("Ateliers d'esprit critique dans les collèges de Denain")
    page.get_by_role("combobox", name=re.compile(r"^Porteur")).select_option(
        label="Le Phénix, scène nationale de Valenciennes"
    )
    page.get_by_label("Catégorie").select_option(label="Prévention primaire")
    page.get_by_label("Public").select_option(label="Grand public")
    page.get_by_label("Thème de prévention primaire").select_option(label="Esprit critique")
    page.get_by_label("Justification de l'intérêt majeur").fill(
        "Collèges des quartiers prioritaires exposés à la propagande en ligne."
    )
    page.get_by_label("Coût total").fill("10 000")
    page.get_by_label("Décision").select_option(label="Retenue")

    # The live preview (htmx) answers the amount being typed: maximum 2 000 €, refusal in the current state.
    with page.expect_response(lambda r: "/actions/apercu/" in r.url and r.status == 200):
        page.get_by_label("Montant FIPD").fill("2 500")
    apercu = page.locator("#apercu")
    expect(apercu.locator("#apercu-maximum")).to_have_text(re.compile(r"^2\s000,00\s€$"))
    expect(apercu).to_contain_text("20 % du coût total (prévention primaire)")
    expect(apercu.locator("#apercu-refus")).to_contain_text("20 %")
    expect(apercu.locator("#apercu-verdicts")).to_contain_text("Bloquant")
    capture(page, "05-action-apercu")

    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator("#erreurs-formulaire")).to_contain_text("Enregistrement refusé")
    # Beside the amount field, and tied to it: the rule, by how much, the source.
    erreur = page.locator(".fr-input-group--error:has(#id_montant_fipd) #id_montant_fipd-desc-error")
    expect(erreur).to_contain_text("20 %")
    expect(erreur).to_contain_text("500,00")
    expect(erreur).to_contain_text("Annexe 1 de la circulaire FIPD 2018, §2.3")
    montant = page.get_by_label("Montant FIPD")
    expect(montant).to_have_attribute("aria-invalid", "true")
    expect(montant).to_have_accessible_description(re.compile(r"20 %.*§2\.3"))
    # The typed values are kept.
    expect(page.get_by_label("Référence")).to_have_value(REFERENCE)
    expect(page.get_by_label("Montant FIPD")).to_have_value("2 500")
    expect(page.get_by_label("Coût total")).to_have_value("10 000")
    expect(page.get_by_label("Catégorie")).to_have_value("prevention_primaire")
    expect(page.get_by_label("Thème de prévention primaire")).to_have_value("esprit_critique")
    expect(page.get_by_label("Décision")).to_have_value("retenue")
    expect(page.get_by_role("combobox", name=re.compile(r"^Porteur")).locator("option:checked")).to_have_text(
        "Le Phénix, scène nationale de Valenciennes"
    )
    assert not Action.objects.filter(programmation=programmation, reference=REFERENCE).exists()
    capture(page, "04-action-refusee")

    # --- Corrected to 20 %: accepted, and retained.
    page.get_by_label("Montant FIPD").fill("2 000")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator(".fr-alert--success")).to_contain_text(f"L'action {REFERENCE} est enregistrée.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Action {REFERENCE}")
    action = Action.objects.get(programmation=programmation, reference=REFERENCE)
    assert action.montant_fipd == 2000 and action.decision == Decision.RETENUE
    expect(page.locator("h1 + p .fr-badge")).to_have_text("Retenue")

    # --- Every remaining action decided: 07 and 09 retained together, 10 (blocking) not retained.
    page.get_by_role("link", name="retour à la programmation").click()
    expect(page).to_have_url(re.compile(re.escape(URL_NORD) + "$"))
    # The DSFR draws the box with the label, over the input: the click lands on the label, as a user's does.
    page.get_by_label("Sélectionner 59-2026-07").check(force=True)
    page.get_by_label("Sélectionner 59-2026-09").check(force=True)
    expect(page.locator("input[name=actions]:checked")).to_have_count(2)
    page.get_by_role("button", name="Retenir", exact=True).click()
    expect(page.locator(".fr-alert--success")).to_contain_text("2 actions : « Retenue ».")
    # A row's decision is taken in place (htmx): its message shows in the live region, the figures follow.
    page.get_by_role("button", name="Ne pas retenir 59-2026-10").click()
    expect(page.locator("#annonce-decision")).to_contain_text("Action 59-2026-10 : « Non retenue ».")
    assert not programmation.actions.filter(decision=Decision.EN_INSTRUCTION).exists()
    expect(page.locator("#verdicts-retenues")).to_contain_text(re.compile(r"\b0 verdicts? bloquants?"))
    expect(page.locator("#en-instruction")).to_contain_text(re.compile(r"\b0 actions? en instruction"))

    # --- Submission.
    page.get_by_label("Commentaire pour le SG-CIPDR").fill("Programmation complète.")
    page.get_by_role("button", name="Transmettre au SG-CIPDR").click()  # the browser asks for the box first
    programmation.refresh_from_db()
    assert programmation.statut == Statut.BROUILLON
    page.locator("label[for=confirmation-transmettre]").click()
    expect(page.get_by_label("Je transmets au SG-CIPDR")).to_be_checked()
    page.get_by_role("button", name="Transmettre au SG-CIPDR").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("« Transmise »")
    expect(statut(page)).to_have_text("Transmise")
    expect(page.get_by_role("link", name="Ajouter une action")).to_have_count(0)
    capture(page, "06-programmation-transmise")
    se_deconnecter(page)

    # --- The SG-CIPDR returns it with a comment.
    se_connecter(page, "sgcipdr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord national 2026")
    capture(page, "07-accueil-national")
    page.get_by_role("link", name=re.compile(r"Nord.*programme R")).click()
    expect(page).to_have_url(re.compile(re.escape(URL_NORD) + "$"))
    expect(statut(page)).to_have_text("Transmise")
    page.get_by_label("Commentaire pour la préfecture").fill(COMMENTAIRE_RENVOI)
    page.get_by_role("button", name="Renvoyer pour correction").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("« À corriger »")
    expect(statut(page)).to_have_text("À corriger")
    se_deconnecter(page)

    # --- The agent sees the status and the comment.
    se_connecter(page, "agent.nord")
    page.goto(URL_NORD)
    expect(statut(page)).to_have_text("À corriger")
    commentaires = page.locator("#commentaires")
    expect(commentaires).to_contain_text(COMMENTAIRE_RENVOI)
    expect(commentaires).to_contain_text("Transmise → À corriger")
    expect(page.get_by_role("link", name="Ajouter une action")).to_be_visible()  # editable again
    capture(page, "08-programmation-a-corriger")

    programmation.refresh_from_db()
    assert programmation.statut == Statut.A_CORRIGER


def test_refus_sans_nouveau_porteur_aucune_erreur_sur_ses_champs(page):
    programmation = ProgrammationFactory()
    doter(programmation, "100000.00")
    PorteurFactory(nom="Maison des adolescents")
    UtilisateurFactory(username="agent.nord", departements=[departement("59")])
    connecter(page, "agent.nord")
    page.goto(URL_NORD + "actions/nouvelle/")
    page.get_by_label("Référence").fill("59-01")
    page.get_by_label("Intitulé").fill("Ateliers")
    page.get_by_role("combobox", name=re.compile(r"^Porteur")).select_option(label="Maison des adolescents")
    page.get_by_label("Catégorie").select_option(label="Prévention primaire")
    page.get_by_label("Thème de prévention primaire").select_option(label="Esprit critique")
    page.get_by_label("Justification de l'intérêt majeur").fill("Collèges très exposés.")
    page.get_by_label("Coût total").fill("10 000")
    page.get_by_label("Montant FIPD").fill("2 500")
    page.get_by_label("Décision").select_option(label="Retenue")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator("#id_montant_fipd-desc-error")).to_contain_text("§2.3")
    expect(page.get_by_role("checkbox", name=re.compile(r"^Nouveau porteur"))).not_to_be_checked()
    expect(page.locator("#champs-nouveau-porteur [aria-invalid=true]")).to_have_count(0, timeout=1_000)
    # The new-porteur fields show only while their box is ticked (issue 9).
    expect(page.locator("#champs-nouveau-porteur")).to_be_hidden()
    page.locator("label[for=id_nouveau_porteur]").click()
    expect(page.locator("#champs-nouveau-porteur")).to_be_visible()
    expect(page.get_by_label("Nom du porteur")).to_be_visible()
    page.locator("label[for=id_nouveau_porteur]").click()
    expect(page.locator("#champs-nouveau-porteur")).to_be_hidden()
