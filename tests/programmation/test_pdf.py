"""The programmation PDF (DESIGN.md §9): what it says (read back with poppler's pdftotext), the Marianne font
embedded (pdffonts), user text escaped, scoped as the programmation page, long tables in chunks, nothing
fetched from outside, and a query count that does not grow with the actions.

The tests that read a PDF need poppler-utils: skipped when it is missing, except in CI (CI=true), where that
is a failure."""

import os
import re
import shutil
import subprocess
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programmation.documents import pdf as module_pdf
from programmation.documents.donnees import LIGNES_PAR_TABLEAU, charger, donnees_programmation
from programmation.documents.pdf import FetcheurLocal, rendre_html, rendre_pdf
from programmation.documents.prefecture import prefecture
from programmation.models import Cofinancement, MouvementEnveloppe, ValeurParametre
from programmation.referentiel import DEPARTEMENTS
from programmation.workflow import changer_statut
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
    programme,
)

pytestmark = pytest.mark.django_db
D = Decimal


# --- Poppler ----------------------------------------------------------------------------------------------


def outil(nom: str) -> str:
    chemin = shutil.which(nom)
    if chemin is None:
        raison = f"{nom} introuvable (apt-get install -y poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"En CI, les tests du PDF doivent tourner : {raison}")
        pytest.skip(f"Test du PDF ignoré : {raison}")
    return chemin


def texte_du_pdf(contenu: bytes, tmp_path) -> str:
    """The PDF's text in reading order, every run of white space (line ends in a wrapped cell, the thousands'
    narrow no-break space) read as one space."""
    fichier = tmp_path / "document.pdf"
    fichier.write_bytes(contenu)
    sortie = subprocess.run(
        [outil("pdftotext"), str(fichier), "-"], capture_output=True, check=True, text=True
    ).stdout
    return re.sub(r"\s+", " ", sortie)


def polices_du_pdf(contenu: bytes, tmp_path) -> list[list[str]]:
    fichier = tmp_path / "polices.pdf"
    fichier.write_bytes(contenu)
    sortie = subprocess.run(
        [outil("pdffonts"), str(fichier)], capture_output=True, check=True, text=True
    ).stdout
    return [ligne.split() for ligne in sortie.splitlines()[2:] if ligne.strip()]


# --- Fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture
def agent(db):
    return UtilisateurFactory(username="agent.nord", departements=[departement("59")])


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def url_pdf(p):
    return reverse(
        "programmation_pdf",
        kwargs={"annee": p.exercice.annee, "departement": p.departement.code, "programme": p.programme.code},
    )


@pytest.fixture
def remplie(programmation):
    """Nord 2026 (100 000 €, then a 10 000 € withdrawal): three retained actions in two categories, one with
    a co-funder, one with an alert; one action in instruction and one not retained, absent from the PDF."""
    enveloppe = programmation.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe,
        date="2026-06-01",
        nature="retrait",
        montant=D("10000"),
        motif="Retrait de mi-année",
    ).save()
    sante = ActionFactory(
        programmation=programmation,
        reference="SANTE-1",
        intitule="Consultations de psychologues",
        retenue=True,
        cout_total=D("30000"),
        montant_fipd=D("20000"),
    )
    Cofinancement(action=sante, financeur="Commune de Lille", montant=D("10000")).save()
    ActionFactory(
        programmation=programmation,
        reference="OUVERT-2",
        retenue=True,
        milieu="ouvert",
        cout_total=D("12345.67"),
        montant_fipd=D("4000"),
    )
    ActionFactory(
        programmation=programmation, reference="FORM-3", formation=True, retenue=True, montant_fipd=D("3000")
    )
    ActionFactory(programmation=programmation, reference="INSTRUCTION-4")
    ActionFactory(programmation=programmation, reference="REFUSEE-5", non_retenue=True)
    programmation.refresh_from_db()
    return programmation


# --- What the PDF says ------------------------------------------------------------------------------------


def test_an_agent_downloads_the_pdf_of_their_programmation(client_agent, remplie):
    reponse = client_agent.get(url_pdf(remplie))

    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"] == 'attachment; filename="programmation-fipd-2026-59-R.pdf"'
    assert reponse.content.startswith(b"%PDF-")


def test_pdf_text_holds_the_prefecture_the_totals_the_french_way_and_every_retained_action(
    client_agent, remplie, tmp_path
):
    texte = texte_du_pdf(client_agent.get(url_pdf(remplie)).content, tmp_path)

    assert "RÉPUBLIQUE" in texte and "FRANÇAISE" in texte
    assert "Ministère de l'Intérieur" in texte
    assert "Préfecture du Nord" in texte
    assert "59 – Nord" in texte
    assert "Programmation FIPD 2026 — programme R « Prévention de la radicalisation »" in texte
    assert "90 000,00 €" in texte  # the envelope: 100 000 − 10 000
    assert "27 000,00 €" in texte  # the retained FIPD total
    assert "63 000,00 €" in texte  # what is left
    assert "12 345,67 €" in texte
    assert "Retrait de mi-année" in texte and "01/06/2026" in texte and "Dotation initiale" in texte
    for reference in ("SANTE-1", "OUVERT-2", "FORM-3"):
        assert reference in texte
    assert "INSTRUCTION-4" not in texte and "REFUSEE-5" not in texte
    assert "1 action en instruction et 1 action non retenue" in texte
    assert "Commune de Lille : 10 000,00 €" in texte
    pages = re.findall(r"page (\d+) / (\d+)", texte)
    assert pages[0] == ("1", pages[0][1])
    assert [int(n) for n, _ in pages] == list(range(1, int(pages[0][1]) + 1))
    assert "Le préfet," in texte


def test_pdf_groups_retained_actions_by_category_with_subtotals_and_totals(client_agent, remplie, tmp_path):
    texte = texte_du_pdf(client_agent.get(url_pdf(remplie)).content, tmp_path)

    assert "Consultations de santé mentale — 2 actions" in texte
    assert "Sous-total « Consultations de santé mentale » (2 actions)" in texte
    assert "Formation et sensibilisation des professionnels — 1 action" in texte
    assert texte.index("Consultations de santé mentale —") < texte.index("Formation et sensibilisation")
    assert "3 actions retenues" in texte
    assert "52 345,67 €" in texte  # total cost of the retained actions: 30 000 + 12 345,67 + 10 000


def test_pdf_shows_the_training_cap_with_its_figure_and_reading(client_agent, remplie, tmp_path):
    # T = 27 000: cap = max(4 000, 5 400) = 5 400; room = (5 400 − 3 000) / 0,8 = 3 000.
    texte = texte_du_pdf(client_agent.get(url_pdf(remplie)).content, tmp_path)

    assert "Plafond des actions de formation" in texte
    assert "5 400,00 €" in texte
    assert "lecture favorable : le plus haut de 4 000,00 €" in texte
    assert "Annexe 1 de la circulaire FIPD 2018, §2.2" in texte


def test_pdf_of_a_programme_without_training_cap_does_not_show_one(client_agent, tmp_path):
    p = ProgrammationFactory(programme=programme("D"))
    doter(p, "50000.00")
    ActionFactory(programmation=p, categorie="action_prevention", retenue=True, reference="D-1")

    texte = texte_du_pdf(client_agent.get(url_pdf(p)).content, tmp_path)

    assert "programme D « Prévention de la délinquance »" in texte
    assert "D-1" in texte
    assert "Plafond des actions de formation" not in texte


def test_pdf_shows_verdicts_with_their_source(client_agent, remplie, tmp_path):
    texte = texte_du_pdf(client_agent.get(url_pdf(remplie)).content, tmp_path)

    assert "Public sous main de justice en milieu ouvert" in texte
    assert "ALERTE" in texte
    assert "MILIEU_OUVERT" in texte
    assert "Annexe 1 de la circulaire FIPD 2018, §2.1" in texte


def test_pdf_shows_programmation_verdicts(client_agent, remplie, tmp_path):
    enveloppe = remplie.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe, date="2026-07-01", nature="retrait", montant=D("70000"), motif="Retrait"
    ).save()

    texte = texte_du_pdf(client_agent.get(url_pdf(remplie)).content, tmp_path)

    assert "dépasse l'enveloppe notifiée" in texte
    assert "ENVELOPPE_DEPASSEE" in texte and "BLOQUANT" in texte
    assert "(dépassement)" in texte


def test_pdf_lists_the_rules_not_evaluated(client_agent, remplie, tmp_path):
    ValeurParametre.objects.get(programme__code="R", code="part_formation").delete()

    texte = texte_du_pdf(client_agent.get(url_pdf(remplie)).content, tmp_path)

    assert "Règles non évaluées pour l'exercice 2026" in texte
    assert "FORMATION_PLAFOND : aucun paramètre en vigueur en 2026" in texte
    assert "non calculé" in texte


def test_pdf_of_a_programmation_without_envelope_says_so(client_agent, tmp_path):
    p = ProgrammationFactory(departement=departement("59"), programme=programme("K"))

    texte = texte_du_pdf(client_agent.get(url_pdf(p)).content, tmp_path)

    assert "Aucune enveloppe n'est notifiée" in texte
    assert "Aucune action n'est retenue." in texte


def test_a_draft_says_it_is_not_validated(client_agent, remplie, tmp_path):
    texte = texte_du_pdf(client_agent.get(url_pdf(remplie)).content, tmp_path)

    assert "BROUILLON" in texte
    assert "Document de travail : cette programmation n'est pas validée par le SG-CIPDR." in texte


def test_a_validated_programmation_shows_its_validation_date(client_agent, agent, programmation, tmp_path):
    ActionFactory(programmation=programmation, reference="V-1", retenue=True)
    sgcipdr = UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr")
    changer_statut(programmation.pk, "transmettre", agent)
    changer_statut(programmation.pk, "valider", sgcipdr)

    texte = texte_du_pdf(client_agent.get(url_pdf(programmation)).content, tmp_path)

    aujourd_hui = timezone.localdate().strftime("%d/%m/%Y")
    assert f"VALIDÉE le {aujourd_hui}" in texte
    assert f"validée par le SG-CIPDR le {aujourd_hui}" in texte
    assert "Document de travail" not in texte


def test_validation_date_is_that_of_the_latest_validation(agent, programmation):
    ActionFactory(programmation=programmation, reference="V-1", retenue=True)
    sgcipdr = UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr")
    changer_statut(programmation.pk, "transmettre", agent)
    changer_statut(programmation.pk, "valider", sgcipdr)
    changer_statut(programmation.pk, "rouvrir", sgcipdr, "Complément de mi-année")
    assert donnees_programmation(charger(programmation.pk)).date_validation is None
    changer_statut(programmation.pk, "transmettre", agent)
    changer_statut(programmation.pk, "valider", sgcipdr)

    derniere = programmation.history.filter(statut="validee").order_by("-history_id").first().history_date
    assert donnees_programmation(charger(programmation.pk)).date_validation == derniere


# --- Font and safety --------------------------------------------------------------------------------------


def test_pdf_embeds_the_marianne_font_and_no_other(programmation, tmp_path):
    ActionFactory(programmation=programmation, retenue=True, intitule="Légère, « accentuée » : 1 000 €")

    polices = polices_du_pdf(rendre_pdf(charger(programmation.pk)), tmp_path)

    assert polices, "aucune police dans le PDF"
    for ligne in polices:
        nom, emb = ligne[0], ligne[-5]
        assert "Marianne" in nom, ligne
        assert emb == "yes", ligne
    assert any("Marianne-Bold" in ligne[0] for ligne in polices)


def test_user_text_is_escaped(client_agent, programmation, tmp_path):
    porteur = PorteurFactory(nom="<b>Association</b> & Cie")
    action = ActionFactory(
        programmation=programmation,
        porteur=porteur,
        reference="XSS-1",
        intitule="<script>é</script>",
        retenue=True,
        code_analytique="<i>",
    )
    Cofinancement(action=action, financeur="<img src=x>", montant=D("100")).save()
    enveloppe = programmation.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe, date="2026-06-01", nature="retrait", montant=D("1"), motif="<u>motif</u>"
    ).save()

    texte = texte_du_pdf(client_agent.get(url_pdf(programmation)).content, tmp_path)

    assert "<script>é</script>" in texte
    assert "<b>Association</b> & Cie" in texte
    assert "<img src=x> : 100,00 €" in texte
    assert "<u>motif</u>" in texte
    assert "<i>" in texte


def test_long_titles_wrap_inside_their_cell(programmation, tmp_path):
    long = "Accompagnement " * 19  # 284 characters: within the field's 300, far wider than its cell
    ActionFactory(programmation=programmation, reference="LONG-1", intitule=long.strip(), retenue=True)

    texte = texte_du_pdf(rendre_pdf(charger(programmation.pk)), tmp_path)

    assert "LONG-1" in texte
    assert texte.count("Accompagnement") == 19  # every word printed, none cut off at the cell's edge


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/police.woff2",
        "https://example.org/x.css",
        "file:///etc/passwd",
        "fipd-police:../../settings.py",
        "data:text/css,body{}",
    ],
)
def test_the_renderer_fetches_nothing_but_the_declared_fonts(url):
    with pytest.raises(ValueError):
        FetcheurLocal().fetch(url)


def test_the_declared_fonts_are_served_from_the_static_files():
    reponse = FetcheurLocal().fetch("fipd-police:Marianne-Regular.woff2")
    assert reponse.read(4) == b"wOF2"


# --- Long tables ------------------------------------------------------------------------------------------


def test_long_tables_come_in_chunks_each_with_its_header(programmation):
    n = LIGNES_PAR_TABLEAU * 2 + 5
    creer_actions(programmation, n, cout_total=D("200"), montant_fipd=D("100"))

    html = rendre_html(donnees_programmation(charger(programmation.pk)))

    assert html.count('<table class="actions">') == 3
    assert html.count('<th scope="col">Intitulé</th>') == 3
    assert html.count("Sous-total « Consultations de santé mentale »") == 1


# --- Scope ------------------------------------------------------------------------------------------------


def test_another_departments_agent_gets_404(client, remplie):
    client.force_login(UtilisateurFactory(username="agent.rhone", departements=[departement("69")]))
    assert client.get(url_pdf(remplie)).status_code == 404


def test_anonymous_is_sent_to_login(client, remplie):
    reponse = client.get(url_pdf(remplie))
    assert reponse.status_code == 302
    assert reponse["Location"].startswith(reverse("connexion"))


def test_sgcipdr_gets_any_departments_pdf(client, remplie):
    client.force_login(UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"))
    assert client.get(url_pdf(remplie)).status_code == 200


def test_an_unknown_programmation_is_404(client_agent, db):
    assert client_agent.get("/programmations/2026/59/Z/pdf/").status_code == 404


# --- Queries ----------------------------------------------------------------------------------------------


def requetes_du_pdf(client, programmation, taille):
    creer_actions(
        programmation, taille - programmation.actions.count(), cout_total=D("200"), montant_fipd=D("100")
    )
    action = programmation.actions.order_by("pk").last()
    Cofinancement(action=action, financeur=f"Commune {taille}", montant=D("10")).save()
    adresse = url_pdf(programmation)
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(adresse)
    assert reponse.status_code == 200
    return len(requetes)


def test_pdf_queries_do_not_grow_with_the_actions(client_agent, programmation):
    # The layout does no query: WeasyPrint is left out to keep the test fast (bench/pdf.py measures it).
    with mock.patch.object(module_pdf, "html_en_pdf", return_value=b"%PDF-"):
        petite = requetes_du_pdf(client_agent, programmation, 10)
        grande = requetes_du_pdf(client_agent, programmation, 300)
    assert petite == grande
    assert grande <= 12


# --- The programmation page and the print stylesheet ------------------------------------------------------


def test_the_programmation_page_links_to_the_pdf(client_agent, remplie):
    html = client_agent.get(remplie.get_absolute_url()).content.decode()
    assert f'href="{url_pdf(remplie)}"' in html
    assert "Télécharger le PDF" in html


def test_every_page_carries_the_print_stylesheet(client, settings):
    from django.contrib.staticfiles import finders

    html = client.get(reverse("accessibilite")).content.decode()
    assert "fipd/fipd.css" in html
    feuille = open(finders.find("fipd/fipd.css"), encoding="utf-8").read()
    assert "@media print" in feuille and "size: A4 landscape" in feuille


# --- The prefecture's name --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, attendu",
    [
        ("59", "Préfecture du Nord"),
        ("33", "Préfecture de la Gironde"),
        ("01", "Préfecture de l'Ain"),
        ("78", "Préfecture des Yvelines"),
        ("75", "Préfecture de Paris"),
        ("974", "Préfecture de La Réunion"),
        ("2A", "Préfecture de la Corse-du-Sud"),
        ("90", "Préfecture du Territoire de Belfort"),
    ],
)
def test_prefecture_names_take_their_article(code, attendu):
    noms = {c: n for c, n, _ in DEPARTEMENTS}
    assert prefecture(code, noms[code]) == attendu


def test_every_department_has_one_article_at_most():
    from programmation.documents import prefecture as module

    ensembles = [module._DU, module._DE_LA, module._DE_L, module._DES]
    codes = {c for c, _, _ in DEPARTEMENTS}
    assert sum(len(e) for e in ensembles) == len(set().union(*ensembles))
    assert set().union(*ensembles) <= codes
    assert codes - set().union(*ensembles) == {"75", "974", "976"}  # Paris, La Réunion, Mayotte: « de »
