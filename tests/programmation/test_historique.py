"""History (django-simple-history): who changed what and when, each field before → after, on the action page
and on the programmation page, in a number of queries that does not depend on the number of changes."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmation.historique import historique_actions
from programmation.models import Action, Programmation
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
)
from tests.factories import programme as programme_de

pytestmark = pytest.mark.django_db
D = Decimal
NBSP, FINE = "\u00a0", "\u202f"


@pytest.fixture
def agent(db):
    return UtilisateurFactory(
        username="agent.nord", departements=[departement("59")], first_name="Anne", last_name="Nord"
    )


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def modifier(client, action, **champs):
    """Edits ``action`` through its page, as the agent would."""
    valeurs = {
        "reference": action.reference,
        "intitule": action.intitule,
        "porteur": action.porteur_id,
        "categorie": action.categorie,
        "public": action.public,
        "milieu": action.milieu,
        "theme_prevention_primaire": action.theme_prevention_primaire,
        "justification": action.justification,
        "cout_total": str(action.cout_total),
        "montant_fipd": str(action.montant_fipd),
        "montant_demande": "",
        "code_analytique": "",
        "decision": action.decision,
        "version": str(Action.objects.get(pk=action.pk).version),
        "cofinancements-TOTAL_FORMS": "0",
        "cofinancements-INITIAL_FORMS": "0",
    } | champs
    reponse = client.post(action.get_absolute_url(), valeurs)
    assert reponse.status_code == 302, reponse.context and reponse.context["form"].errors
    return Action.objects.get(pk=action.pk)


def test_action_page_shows_who_changed_which_field_from_what_to_what(client_agent, programmation):
    ancien = PorteurFactory(nom="Association Horizon")
    nouveau = PorteurFactory(nom="Maison des familles")
    action = ActionFactory(
        programmation=programmation, porteur=ancien, montant_fipd=D("5000"), intitule="Avant"
    )

    modifier(
        client_agent,
        action,
        intitule="Après",
        porteur=nouveau.pk,
        montant_fipd="4 250,50",
        milieu="ouvert",
        decision="retenue",
        date_debut="2026-03-01",
    )

    reponse = client_agent.get(action.get_absolute_url())
    evenements = reponse.context["historique"]
    assert [e.nature for e in evenements] == ["Modification", "Création"]
    assert evenements[0].auteur == "Anne Nord"
    changements = {c.champ: (c.avant, c.apres) for c in evenements[0].changements}
    assert changements == {
        "intitulé": ("Avant", "Après"),
        "porteur": ("Association Horizon", "Maison des familles"),
        "milieu": ("Milieu libre", "Milieu ouvert (sous main de justice)"),
        "montant FIPD": (f"5{FINE}000,00{NBSP}€", f"4{FINE}250,50{NBSP}€"),
        "date de début": ("(vide)", "01/03/2026"),
        "décision": ("En instruction", "Retenue"),
        "date de décision": ("(vide)", evenements[0].changements[-1].apres),
    }
    html = reponse.content.decode()
    assert "<del>Association Horizon</del> → <ins>Maison des familles</ins>" in html
    assert "Anne Nord" in html


def test_programmation_page_shows_status_envelope_and_action_history(
    client, client_agent, agent, programmation, django_capture_on_commit_callbacks
):
    action = ActionFactory(programmation=programmation, reference="R1", retenue=True)
    supprimee = ActionFactory(programmation=programmation, reference="SUPPR")
    modifier(client_agent, action, intitule="Nouvel intitulé")
    client_agent.post(f"/actions/{supprimee.pk}/supprimer/")
    with django_capture_on_commit_callbacks(execute=True):
        client_agent.post(programmation.get_absolute_url() + "transmettre/", {"confirmation": "oui"})
    doter(programmation, "5000.00", le=date(2026, 6, 1))  # a complement, regional and departmental

    reponse = client_agent.get(programmation.get_absolute_url())

    statut = reponse.context["historique_statut"]
    assert [(e.nature, e.auteur) for e in statut] == [
        ("Changement de statut", "Anne Nord"),
        ("Création", "Système"),
    ]
    assert (statut[0].changements[0].avant, statut[0].changements[0].apres) == ("Brouillon", "Transmise")
    mouvements = reponse.context["historique_mouvements"]
    assert [e.objet for e in mouvements] == ["Complément du 01/06/2026", "Dotation initiale du 15/01/2026"]
    actions = reponse.context["historique_actions"]
    assert [(e.nature, e.objet.split(" – ")[0]) for e in actions] == [
        ("Suppression", "SUPPR"),
        ("Modification", "R1"),
        ("Création", "SUPPR"),
        ("Création", "R1"),
    ]
    assert actions[0].auteur == "Anne Nord" and actions[0].lien == ""
    assert [(c.champ, c.apres) for c in actions[1].changements] == [("intitulé", "Nouvel intitulé")]
    html = reponse.content.decode()
    assert "Complément du 01/06/2026" in html and "<ins>Nouvel intitulé</ins>" in html


def test_history_lists_the_latest_50_changes(programmation):
    actions = creer_actions(programmation, 30, cout_total=D("200"), montant_fipd=D("100"))
    for action in actions:
        action.intitule = "Renommée"
        action.save()
    evenements = historique_actions(programmation)
    assert len(evenements) == 50
    assert all(e.nature == "Modification" for e in evenements[:30])
    assert evenements[0].objet == f"{actions[-1].reference} – Renommée"


def test_a_save_that_changes_only_stored_verdicts_is_not_listed(programmation):
    action = ActionFactory(programmation=programmation)
    Action.objects.get(pk=action.pk).save()  # version + 1 only: nothing a user would call a change
    assert [e.nature for e in historique_actions(programmation)] == ["Création"]


def test_stored_totals_do_not_create_programmation_history(programmation):
    avant = Programmation.history.filter(id=programmation.pk).count()
    creer_actions(programmation, 5)
    ActionFactory(programmation=programmation, retenue=True)
    assert Programmation.history.filter(id=programmation.pk).count() == avant


def test_history_queries_do_not_grow_with_the_number_of_changes(client_agent, programmation):
    autre_porteur = PorteurFactory()

    def requetes(n):
        for action in creer_actions(programmation, n, cout_total=D("200"), montant_fipd=D("100")):
            action.intitule = "Renommée"
            action.porteur = autre_porteur
            action.save()
        client_agent.get(programmation.get_absolute_url())
        with CaptureQueriesContext(connection) as capture:
            client_agent.get(programmation.get_absolute_url())
        return len(capture)

    assert requetes(5) == requetes(80)


def test_a_change_of_snpd_measure_names_the_measures_not_a_porteur(client_agent):
    p = ProgrammationFactory(programme=programme_de("D"))
    doter(p, "100000.00")
    action = ActionFactory(programmation=p, categorie="action_prevention", mesure_snpd_id=1)
    PorteurFactory.create_batch(40)  # porteur ids that a measure number could be mistaken for

    modifier(client_agent, action, mesure_snpd="12", iscg_premiere_annee="")

    evenements = client_agent.get(action.get_absolute_url()).context["historique"]
    changements = {c.champ: (c.avant, c.apres) for c in evenements[0].changements}
    assert changements["mesure de la SNPD"] == (
        "Mesure 1 – Prévenir l’entrée précoce dans le narcotrafic et accompagner la sortie de la criminalité",
        "Mesure 12 – Prévenir les violences collectives",
    )
