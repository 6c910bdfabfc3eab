"""Accessibility in a real browser: axe-core (local copy) finds no serious or critical violation on the main
pages, in the states an agent meets (a login error, an action refused by the rules); and the login page works
with the keyboard alone, starting with the skip link."""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from fipd.models import Role
from programmation.models import Region
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    departement,
    doter,
)

pytestmark = [
    pytest.mark.navigateur,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

URL_PROGRAMMATION = "/programmations/2026/59/R/"


def programmation_nord():
    """Nord 2026, programme R: an envelope, a porteur, actions in the three decision states, one with an alert
    and one with a blocking verdict, so that every part of the page (figures, verdicts, table, bulk
    decisions) is drawn."""
    p = ProgrammationFactory()
    doter(p, "100000.00")
    porteur = PorteurFactory(nom="Maison des adolescents")
    ActionFactory(programmation=p, porteur=porteur, reference="59-01", retenue=True)
    ActionFactory(programmation=p, porteur=porteur, reference="59-02", prevention_primaire=True, retenue=True)
    ActionFactory(programmation=p, porteur=porteur, reference="59-03", milieu="ouvert")
    ActionFactory(programmation=p, porteur=porteur, reference="59-04", carceral=True, non_retenue=True)
    return p


def agent_nord():
    return UtilisateurFactory(
        username="agent.nord", role=Role.AGENT_PREFECTURE, departements=[departement("59")]
    )


def connecter(page, serveur, utilisateur):
    """Signed in without the login form (its own scans and the keyboard test cover it): the session cookie of
    a test client, handed to the browser."""
    client = Client()
    client.force_login(utilisateur)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": serveur, "httpOnly": True}])


# --- Each page, in the state to scan: each takes the page and the server's address and leaves the page on
# what is to be scanned.


def connexion(page, serveur):
    page.goto("/connexion/")


def connexion_erreur(page, serveur):
    page.goto("/connexion/")
    page.get_by_role("textbox", name="Identifiant").fill("inconnu")
    page.get_by_label("Mot de passe").fill("mauvais")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#connexion-erreur")).to_contain_text("Identifiant ou mot de passe incorrect")


def accueil_agent(page, serveur):
    programmation_nord()
    connecter(page, serveur, agent_nord())
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes programmations")


def accueil_national(page, serveur):
    programmation_nord()
    ProgrammationFactory(departement=departement("69"))
    connecter(page, serveur, UtilisateurFactory(username="sgcipdr", role=Role.INSTRUCTEUR_SGCIPDR))
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord national 2026")


def page_programmation(page, serveur):
    programmation_nord()
    connecter(page, serveur, agent_nord())
    page.goto(URL_PROGRAMMATION)
    expect(page.locator("#table-actions tbody tr")).to_have_count(4)


def versions_validees():
    """Nord's programmation validated twice: version 1 ready with its signed scan, version 2 failed."""
    from django.core.files.base import ContentFile

    from programmation.models import Programmation, VersionValidee

    p = programmation_nord()
    Programmation.objects.filter(pk=p.pk).update(statut="validee")
    v1 = VersionValidee(programmation=p, numero=1, jeton="a" * 32, etat="prete", empreinte="e" * 64)
    v1.fichier.save("v1.pdf", ContentFile(b"%PDF-1.7"), save=False)
    v1.scan.save("scan.pdf", ContentFile(b"%PDF-1.7"), save=False)
    v1.save()
    VersionValidee.objects.create(
        programmation=p, numero=2, jeton="b" * 32, etat="echec", erreur="RuntimeError"
    )


def programmation_validee(page, serveur):
    versions_validees()
    connecter(page, serveur, agent_nord())
    page.goto(URL_PROGRAMMATION + "#versions")
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    expect(page.get_by_role("button", name="Générer de nouveau")).to_be_visible()


def verification(page, serveur):
    versions_validees()
    page.goto("/verification/" + "a" * 32 + "/")
    expect(page.locator("#verdict-verification")).to_contain_text("Document authentique")


def action_nouvelle(page, serveur):
    programmation_nord()
    connecter(page, serveur, agent_nord())
    page.goto(URL_PROGRAMMATION + "actions/nouvelle/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle action")


def action_refusee(page, serveur):
    """A retained primary-prevention action over 20 % of its cost: refused, errors beside the fields."""
    action_nouvelle(page, serveur)
    page.get_by_label("Référence").fill("59-05")
    page.get_by_label("Intitulé").fill("Ateliers d'esprit critique")
    page.get_by_role("combobox", name=re.compile(r"^Porteur")).select_option(label="Maison des adolescents")
    page.get_by_label("Catégorie").select_option(label="Prévention primaire")
    page.get_by_label("Thème de prévention primaire").select_option(label="Esprit critique")
    page.get_by_label("Justification de l'intérêt majeur").fill("Collèges très exposés.")
    page.get_by_label("Coût total").fill("10 000")
    page.get_by_label("Montant FIPD").fill("2 500")
    page.get_by_label("Décision").select_option(label="Retenue")
    page.get_by_role("button", name="Enregistrer l'action").click()
    expect(page.locator("#erreurs-formulaire")).to_contain_text("Enregistrement refusé")
    expect(page.locator(".fr-input-group:has(#id_montant_fipd)")).to_contain_text("§2.3")


def sgcipdr():
    return UtilisateurFactory(username="sgcipdr", role=Role.INSTRUCTEUR_SGCIPDR)


def tableau_de_bord_anomalies(page, serveur):
    programmation_nord()
    connecter(page, serveur, sgcipdr())
    page.goto("/national/2026/?anomalies=on")
    expect(page.locator("#tableau-national tbody tr")).to_have_count(1)


def enveloppes(page, serveur):
    programmation_nord()
    connecter(page, serveur, sgcipdr())
    page.goto("/enveloppes/2026/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enveloppes 2026")


def enveloppe_regionale(page, serveur):
    programmation_nord()
    connecter(
        page,
        serveur,
        UtilisateurFactory(username="sgar", role=Role.AGENT_REGIONAL, region=Region.objects.get(code="32")),
    )
    page.goto("/enveloppes/2026/R/region/32/")
    expect(page.locator("#form-repartition")).to_be_visible()


def campagnes(page, serveur):
    connecter(page, serveur, sgcipdr())
    page.goto("/campagnes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Campagnes")


def parametres(page, serveur):
    connecter(page, serveur, sgcipdr())
    page.goto("/parametres/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paramètres des règles")


def pied_de_page(url, titre):
    def ouvrir(page, serveur):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_contain_text(titre)

    return ouvrir


PAGES = {
    "connexion": connexion,
    "connexion-erreur": connexion_erreur,
    "accueil-agent": accueil_agent,
    "accueil-national": accueil_national,
    "programmation": page_programmation,
    "programmation-validee": programmation_validee,
    "verification": verification,
    "action-nouvelle": action_nouvelle,
    "action-refusee": action_refusee,
    "tableau-de-bord-anomalies": tableau_de_bord_anomalies,
    "enveloppes": enveloppes,
    "enveloppe-regionale": enveloppe_regionale,
    "campagnes": campagnes,
    "parametres": parametres,
    "accessibilite": pied_de_page("/accessibilite/", "accessibilité"),
    "mentions-legales": pied_de_page("/mentions-legales/", "Mentions légales"),
    "donnees-personnelles": pied_de_page("/donnees-personnelles/", "Données personnelles"),
}


def decrire(violations):
    lignes = []
    for v in violations:
        cibles = [
            ", ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"]) for n in v["nodes"]
        ]
        lignes.append(
            f"- {v['id']} ({v['impact']}) : {v['help']} — {len(v['nodes'])} élément(s), "
            f"par exemple : {' | '.join(cibles[:3])}"
        )
    return "\n".join(lignes)


@pytest.mark.parametrize("nom", list(PAGES))
def test_axe_aucune_violation_grave(page, live_server, axe, capture, nom):
    refus_csp = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refus_csp.append(m.text))
    PAGES[nom](page, live_server.url)
    page.wait_for_load_state("load")  # the DSFR's script has run (it completes the header and the menus)
    violations = axe(page)
    if violations:
        capture(page, f"axe-{nom}")
    assert not violations, (
        f"axe-core : violations graves ou critiques sur « {nom} » ({page.url}) :\n{decrire(violations)}"
    )
    assert not refus_csp, f"la Content-Security-Policy a refusé sur « {nom} » : {refus_csp}"


def test_axe_signale_une_violation(page, axe):
    """The scan is not vacuous: an image without text alternative and an unnamed button are reported."""
    page.set_content(
        '<html lang="fr"><head><title>Test</title></head><body><main><h1>Test</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button></main></body></html>'
    )
    trouvees = {v["id"]: v["impact"] for v in axe(page)}
    assert trouvees.get("image-alt") == "critical" and trouvees.get("button-name") == "critical", trouvees


# --- The keyboard.


def focalise(locator):
    return locator.evaluate("e => e === document.activeElement")


def test_premiere_tabulation_lien_contenu(page):
    page.goto("/connexion/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Contenu")).to_be_focused(timeout=1_000)


def test_connexion_au_clavier(page):
    """The skip link « Contenu », then the form, filled and submitted with the keyboard alone."""
    UtilisateurFactory(username="agent.nord", departements=[departement("59")])
    page.goto("/connexion/")
    identifiant = page.get_by_role("textbox", name="Identifiant")
    lien = page.get_by_role("link", name="Contenu")
    page.keyboard.press("Tab")  # no autofocus: the first Tab reaches the first skip link
    expect(lien).to_be_focused()
    expect(lien).to_be_visible()  # the DSFR shows the skip links when one has the focus
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/connexion/#content$"))

    page.keyboard.press("Tab")
    expect(identifiant).to_be_focused()
    page.keyboard.type("agent.nord")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type("demo-fipd")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Se connecter")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes programmations")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_la_csp_refuse_un_script_en_ligne(page, live_server):
    """The Content-Security-Policy is served and enforced: an inline script added to a page is refused (and
    the console message the scans above look for is the one the browser writes)."""
    refus = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refus.append(m.text))
    page.goto("/accessibilite/")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.injecte = true';
        document.body.appendChild(s);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.injecte === undefined")
    assert refus and "script-src" in refus[0]
