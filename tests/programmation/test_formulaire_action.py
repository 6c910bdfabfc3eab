"""Creating and editing an action through its page: the write rule's refusals beside their fields with the
input kept, French amounts, co-funders, a porteur created with the action, no silent overwrite, the live
preview and deletion."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programmation.models import Action, Cofinancement, Porteur
from tests.factories import ActionFactory, PorteurFactory, UtilisateurFactory, creer_actions, departement

pytestmark = pytest.mark.django_db
D = Decimal
NBSP, FINE = "\u00a0", "\u202f"
SIRET_VALIDE = "73282932000074"


@pytest.fixture
def agent(db):
    return UtilisateurFactory(username="agent.nord", departements=[departement("59")])


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def porteur(programmation):
    return PorteurFactory(departement=programmation.departement, nom="Association Horizon")


def url_creer(p):
    return reverse(
        "action_creer",
        kwargs={"annee": p.exercice.annee, "departement": p.departement.code, "programme": p.programme.code},
    )


def url_apercu(p):
    return p.get_absolute_url() + "actions/apercu/"


def donnees(porteur=None, **champs):
    valeurs = {
        "reference": "A1",
        "intitule": "Consultations de psychologues",
        "porteur": porteur.pk if porteur else "",
        "categorie": "sante_mentale",
        "public": "personnes_suivies",
        "milieu": "libre",
        "theme_prevention_primaire": "",
        "justification": "",
        "cout_total": "10 000,00",
        "montant_demande": "",
        "montant_fipd": "5 000",
        "code_analytique": "",
        "date_debut": "",
        "date_fin": "",
        "decision": "en_instruction",
        "cofinancements-TOTAL_FORMS": "2",
        "cofinancements-INITIAL_FORMS": "0",
        "cofinancements-MIN_NUM_FORMS": "0",
        "cofinancements-MAX_NUM_FORMS": "1000",
        "porteur-nom": "",
        "porteur-type": "",
        "porteur-siret": "",
        "porteur-rna": "",
    }
    for cle, valeur in champs.items():
        if valeur is None:
            valeurs.pop(cle, None)
        else:
            valeurs[cle] = valeur
    return valeurs


def donnees_de(action, **champs):
    """What the edit page's form posts for ``action``, with changes."""
    cofis = list(action.cofinancements.all())
    valeurs = donnees(
        action.porteur,
        reference=action.reference,
        intitule=action.intitule,
        categorie=action.categorie,
        public=action.public,
        milieu=action.milieu,
        theme_prevention_primaire=action.theme_prevention_primaire,
        justification=action.justification,
        cout_total=str(action.cout_total),
        montant_fipd=str(action.montant_fipd),
        decision=action.decision,
        version=str(action.version),
        **{
            "cofinancements-TOTAL_FORMS": str(len(cofis) + 2),
            "cofinancements-INITIAL_FORMS": str(len(cofis)),
        },
    )
    for i, c in enumerate(cofis):
        valeurs[f"cofinancements-{i}-financeur"] = c.financeur
        valeurs[f"cofinancements-{i}-montant"] = str(c.montant)
    valeurs.update(champs)
    return {cle: valeur for cle, valeur in valeurs.items() if valeur is not None}


def erreurs(reponse, champ, formulaire="form"):
    return " ".join(reponse.context[formulaire].errors.get(champ, []))


# --- Create ---------------------------------------------------------------------------------------------


def test_create_page_shows_the_form_and_the_room_left(client_agent, programmation):
    reponse = client_agent.get(url_creer(programmation))
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert 'name="montant_fipd"' in html and 'name="porteur-siret"' in html
    assert (
        'hx-post="' + url_apercu(programmation) in html and 'hx-trigger="input changed delay:400ms"' in html
    )
    assert f"100{FINE}000,00{NBSP}€" in html  # the whole envelope is left


def test_an_action_is_created_with_french_amounts_as_decimals(client_agent, programmation, porteur):
    reponse = client_agent.post(
        url_creer(programmation),
        donnees(porteur, cout_total="12 345,67 €", montant_fipd="1234.56", montant_demande="2\u202f000,5"),
    )
    assert reponse.status_code == 302
    action = Action.objects.get()
    assert reponse["Location"] == action.get_absolute_url()
    assert (action.cout_total, action.montant_fipd, action.montant_demande) == (
        D("12345.67"),
        D("1234.56"),
        D("2000.50"),
    )
    assert action.programmation == programmation and action.version == 1


def test_an_unreadable_amount_is_refused_beside_its_field(client_agent, programmation, porteur):
    reponse = client_agent.post(
        url_creer(programmation), donnees(porteur, montant_fipd="12,345,6", cout_total="1.001")
    )
    assert reponse.status_code == 200
    assert "Saisissez un montant" in erreurs(reponse, "montant_fipd")
    assert "deux décimales" in erreurs(reponse, "cout_total")
    assert not Action.objects.exists()


def test_primary_prevention_over_20_percent_is_refused_beside_the_amount_then_accepted(
    client_agent, programmation, porteur
):
    pp = {
        "categorie": "prevention_primaire",
        "public": "grand_public",
        "theme_prevention_primaire": "contre_discours",
        "justification": "Quartier très exposé",
        "cout_total": "12 345,67",
        "decision": "retenue",
    }
    reponse = client_agent.post(url_creer(programmation), donnees(porteur, montant_fipd="2 469,14", **pp))

    assert reponse.status_code == 200
    message = erreurs(reponse, "montant_fipd")
    assert "PREVENTION_PRIMAIRE_TAUX" in message
    assert "Annexe 1 de la circulaire FIPD 2018, §2.3" in message
    assert f"2{FINE}469,13{NBSP}€" in message  # the bound, rounded down
    assert [e.code for e in reponse.context["form"].errors.as_data()["montant_fipd"]] == [
        "PREVENTION_PRIMAIRE_TAUX"
    ]
    html = reponse.content.decode()
    assert 'value="2 469,14"' in html and 'value="Quartier très exposé"' not in html  # textarea, below
    assert "Quartier très exposé</textarea>" in html
    assert not Action.objects.exists()

    reponse = client_agent.post(url_creer(programmation), donnees(porteur, montant_fipd="2 469,13", **pp))
    assert reponse.status_code == 302
    assert Action.objects.get().montant_fipd == D("2469.13")


def test_a_prison_action_is_recorded_en_instruction_but_not_retained(client_agent, programmation, porteur):
    refus = client_agent.post(
        url_creer(programmation), donnees(porteur, milieu="carceral", decision="retenue")
    )
    assert "MILIEU_CARCERAL" in erreurs(refus, "milieu")
    accepte = client_agent.post(url_creer(programmation), donnees(porteur, milieu="carceral"))
    assert accepte.status_code == 302
    assert Action.objects.get().verdicts[0]["regle"] == "MILIEU_CARCERAL"


def test_a_duplicate_reference_is_refused_beside_it(client_agent, programmation, porteur):
    ActionFactory(programmation=programmation, reference="A1")
    reponse = client_agent.post(url_creer(programmation), donnees(porteur))
    assert "déjà cette référence" in erreurs(reponse, "reference")


def test_end_before_start_is_refused(client_agent, programmation, porteur):
    reponse = client_agent.post(
        url_creer(programmation), donnees(porteur, date_debut="2026-06-01", date_fin="31/05/2026")
    )
    assert "précède" in erreurs(reponse, "date_fin")


def test_a_porteur_is_required(client_agent, programmation):
    reponse = client_agent.post(url_creer(programmation), donnees(None))
    assert "Choisissez un porteur" in erreurs(reponse, "porteur")


def test_another_departments_porteur_cannot_be_picked(client_agent, programmation):
    ailleurs = PorteurFactory(departement=departement("69"))
    reponse = client_agent.post(url_creer(programmation), donnees(ailleurs))
    assert reponse.status_code == 200 and erreurs(reponse, "porteur")
    assert not Action.objects.exists()


# --- Co-funders -----------------------------------------------------------------------------------------


def test_cofunders_are_saved_and_their_balance_checked(client_agent, programmation, porteur):
    reponse = client_agent.post(
        url_creer(programmation),
        donnees(
            porteur,
            **{
                "cofinancements-0-financeur": "Commune de Valenciennes",
                "cofinancements-0-montant": "3 000",
                "cofinancements-1-financeur": "Département du Nord",
                "cofinancements-1-montant": "1500,50",
            },
        ),
    )
    assert reponse.status_code == 302
    action = Action.objects.get()
    assert list(action.cofinancements.values_list("financeur", "montant")) == [
        ("Commune de Valenciennes", D("3000.00")),
        ("Département du Nord", D("1500.50")),
    ]
    assert [v["regle"] for v in action.verdicts] == ["BUDGET_NON_EQUILIBRE"]  # 5 000 + 4 500,50 ≠ 10 000

    # Emptying a line removes that co-funder; fixing the other balances the budget.
    valeurs = donnees_de(
        action,
        **{
            "cofinancements-0-montant": "5000",
            "cofinancements-1-financeur": "",
            "cofinancements-1-montant": "",
        },
    )
    assert client_agent.post(action.get_absolute_url(), valeurs).status_code == 302
    action.refresh_from_db()
    assert list(action.cofinancements.values_list("financeur", "montant")) == [
        ("Commune de Valenciennes", D("5000.00"))
    ]
    assert action.verdicts == []


def test_a_cofunder_without_amount_is_refused_beside_it(client_agent, programmation, porteur):
    reponse = client_agent.post(
        url_creer(programmation), donnees(porteur, **{"cofinancements-0-financeur": "Commune"})
    )
    assert reponse.status_code == 200
    assert "montant" in reponse.context["cofinancements"].forms[0].errors
    assert not Action.objects.exists() and not Cofinancement.objects.exists()


def test_unchanged_cofunders_are_not_rewritten(client_agent, programmation, porteur):
    client_agent.post(
        url_creer(programmation),
        donnees(porteur, **{"cofinancements-0-financeur": "Commune", "cofinancements-0-montant": "5000"}),
    )
    action = Action.objects.get()
    avant = list(Cofinancement.objects.values_list("pk", flat=True))
    client_agent.post(action.get_absolute_url(), donnees_de(action, intitule="Nouvel intitulé"))
    assert list(Cofinancement.objects.values_list("pk", flat=True)) == avant


# --- A porteur created with the action ------------------------------------------------------------------


def nouveau_porteur(**champs):
    return {
        "nouveau_porteur": "on",
        "porteur-nom": "Maison des familles",
        "porteur-type": "association",
        "porteur-siret": "732 829 320 00074",
        "porteur-rna": "w595012345",
    } | champs


def test_a_new_porteur_is_created_with_the_action(client_agent, programmation):
    reponse = client_agent.post(url_creer(programmation), donnees(None, **nouveau_porteur()))
    assert reponse.status_code == 302
    porteur = Porteur.objects.get(nom="Maison des familles")
    assert (porteur.departement, porteur.siret, porteur.rna) == (
        programmation.departement,
        SIRET_VALIDE,
        "W595012345",
    )
    assert Action.objects.get().porteur == porteur


def test_a_new_porteur_with_an_invalid_siret_is_refused_and_nothing_is_written(client_agent, programmation):
    reponse = client_agent.post(
        url_creer(programmation), donnees(None, **nouveau_porteur(**{"porteur-siret": "732 829 320 00075"}))
    )
    assert reponse.status_code == 200
    assert "clé de contrôle" in erreurs(reponse, "siret", "form_porteur")
    assert 'value="732 829 320 00075"' in reponse.content.decode()
    assert not Porteur.objects.exists() and not Action.objects.exists()


def test_a_new_porteur_is_not_kept_when_the_action_is_refused(client_agent, programmation):
    reponse = client_agent.post(
        url_creer(programmation), donnees(None, milieu="carceral", decision="retenue", **nouveau_porteur())
    )
    assert reponse.status_code == 200 and "MILIEU_CARCERAL" in erreurs(reponse, "milieu")
    assert not Porteur.objects.exists() and not Action.objects.exists()
    assert 'value="Maison des familles"' in reponse.content.decode()
    # The same form, fixed, is then accepted.
    assert client_agent.post(url_creer(programmation), donnees(None, **nouveau_porteur())).status_code == 302


def test_a_new_porteur_whose_siret_exists_in_the_department_is_refused(client_agent, programmation):
    PorteurFactory(departement=programmation.departement, siret=SIRET_VALIDE)
    reponse = client_agent.post(url_creer(programmation), donnees(None, **nouveau_porteur()))
    assert "déjà ce SIRET" in erreurs(reponse, "siret", "form_porteur")
    assert Porteur.objects.count() == 1 and not Action.objects.exists()


def test_a_new_referent_de_parcours_porteur_type_is_checked_by_the_rules(client_agent, programmation):
    reponse = client_agent.post(
        url_creer(programmation),
        donnees(
            None,
            categorie="referent_parcours",
            decision="retenue",
            **nouveau_porteur(**{"porteur-type": "collectivite", "porteur-siret": ""}),
        ),
    )
    assert "REFERENT_PARCOURS_NON_ASSOCIATIF" in erreurs(reponse, "porteur")
    assert not Porteur.objects.exists()


# --- Edit, and no silent overwrite ----------------------------------------------------------------------


def test_an_action_is_edited_and_its_history_recorded(client_agent, programmation, porteur):
    action = ActionFactory(programmation=programmation, porteur=porteur, montant_fipd=D("5000"))
    reponse = client_agent.post(
        action.get_absolute_url(), donnees_de(action, montant_fipd="4 500", decision="retenue")
    )
    assert reponse.status_code == 302
    action.refresh_from_db()
    assert (action.montant_fipd, action.decision, action.version) == (D("4500.00"), "retenue", 2)
    assert action.date_decision is not None
    html = client_agent.get(action.get_absolute_url()).content.decode()
    assert f"5{FINE}000,00{NBSP}€</del> → <ins>4{FINE}500,00{NBSP}€" in html


def test_a_stale_version_is_refused_and_the_stored_values_shown(client_agent, programmation, porteur):
    action = ActionFactory(programmation=programmation, porteur=porteur, intitule="Titre d'origine")
    ouverte = donnees_de(action)  # what the agent loaded (version 1)
    autre = Action.objects.get(pk=action.pk)
    autre.intitule = "Titre écrit par un collègue"
    autre.save()

    ouverte["intitule"] = "Mon titre"
    reponse = client_agent.post(action.get_absolute_url(), ouverte)

    assert reponse.status_code == 200
    assert [e.code for e in reponse.context["form"].non_field_errors().as_data()] == [
        "modification_concurrente"
    ]
    html = reponse.content.decode()
    assert "modifiée par quelqu&#x27;un d&#x27;autre" in html
    assert "Titre écrit par un collègue" in html  # the stored values
    assert 'value="Mon titre"' in html  # the input, kept
    assert Action.objects.get(pk=action.pk).intitule == "Titre écrit par un collègue"
    assert reponse.context["version"] == 2

    # Having seen them, the agent saves again: now with the version they were shown.
    ouverte["version"] = str(reponse.context["version"])
    assert client_agent.post(action.get_absolute_url(), ouverte).status_code == 302
    assert Action.objects.get(pk=action.pk).intitule == "Mon titre"


def test_a_missing_version_counts_as_stale(client_agent, programmation, porteur):
    action = ActionFactory(programmation=programmation, porteur=porteur)
    reponse = client_agent.post(action.get_absolute_url(), donnees_de(action, version=None, intitule="X"))
    assert reponse.status_code == 200 and Action.objects.get(pk=action.pk).intitule != "X"


def test_a_submitted_programmation_has_no_form(client_agent, programmation, porteur):
    action = ActionFactory(programmation=programmation, porteur=porteur, retenue=True)
    type(programmation).objects.filter(pk=programmation.pk).update(statut="transmise")
    html = client_agent.get(action.get_absolute_url()).content.decode()
    assert 'id="form-action"' not in html and "Fiche de l" in html
    # A save posted from a form opened earlier is refused with the reason (issue 9), nothing written.
    assert client_agent.post(action.get_absolute_url(), donnees_de(action)).status_code == 409
    action.refresh_from_db()
    assert action.version == 1


# --- Live preview ---------------------------------------------------------------------------------------


def test_preview_shows_the_verdicts_and_the_primary_prevention_maximum(client_agent, programmation, porteur):
    reponse = client_agent.post(
        url_apercu(programmation),
        donnees(
            porteur,
            categorie="prevention_primaire",
            cout_total="10 000",
            montant_fipd="2 500",
            decision="retenue",
            public="grand_public",
        ),
    )
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "<html" not in html  # a fragment
    assert "PREVENTION_PRIMAIRE_TAUX" in html and "PREVENTION_PRIMAIRE_THEME" in html
    assert "Enregistrement refusé en l" in html  # retained: the save would be refused
    assert reponse.context["apercu"]["maxima"]["maximum"] == D("2000.00")
    assert f"2{FINE}000,00{NBSP}€" in html
    assert not Action.objects.exists()


def test_preview_says_the_maximum_and_what_blocks_under_the_amount_field_too(
    client_agent, programmation, porteur
):
    """Issue 9: the panel sits far above the amount field; a short line right under it, swapped out of band
    by the same answer, says the maximum and the blocking verdict where the agent is typing."""
    reponse = client_agent.post(
        url_apercu(programmation),
        donnees(porteur, categorie="prevention_primaire", cout_total="10 000", montant_fipd="2 500"),
    )
    html = reponse.content.decode()
    ligne = html[html.index('<div id="apercu-montant"') :]
    assert ligne.startswith(
        '<div id="apercu-montant" class="fipd-apercu-montant fr-mt-1w" hx-swap-oob="true">'
    )
    assert f"Maximum si l'action est retenue : <strong>2{FINE}000,00{NBSP}€</strong>" in ligne
    assert "Bloquant : " in ligne and "20" in ligne[ligne.index("Bloquant : ") :]
    # Retained, the save would be refused: the line says so.
    retenue = client_agent.post(
        url_apercu(programmation),
        donnees(
            porteur,
            categorie="prevention_primaire",
            cout_total="10 000",
            montant_fipd="2 500",
            decision="retenue",
        ),
    ).content.decode()
    ligne = retenue[retenue.index('<div id="apercu-montant"') :]
    assert "Enregistrement refusé en l'état :" in ligne and 'class="apercu-montant-bloquant"' in ligne


def test_the_amounts_line_is_in_the_form_once_and_filled_after_a_refused_save(
    client_agent, programmation, porteur
):
    url = programmation.get_absolute_url() + "actions/nouvelle/"
    html = client_agent.get(url).content.decode()
    assert html.count('id="apercu-montant"') == 1
    refusee = client_agent.post(
        url,
        donnees(
            porteur,
            categorie="prevention_primaire",
            cout_total="10 000",
            montant_fipd="2 500",
            decision="retenue",
        ),
    ).content.decode()
    assert refusee.count('id="apercu-montant"') == 1
    assert f"Maximum si l'action est retenue : <strong>2{FINE}000,00{NBSP}€</strong>" in refusee
    # One message per place (issue 9): the refusal is beside « Montant FIPD » once, not again in the line
    # under it nor in the panel's alert; the panel keeps the verdict itself.
    assert refusee.count("[PREVENTION_PRIMAIRE_TAUX]") == 1
    assert 'id="apercu-refus"' not in refusee and "Enregistrement refusé en l&#x27;état" not in refusee
    assert 'id="apercu-verdicts"' in refusee


def test_preview_of_an_action_en_instruction_shows_verdicts_without_refusal(
    client_agent, programmation, porteur
):
    reponse = client_agent.post(url_apercu(programmation), donnees(porteur, milieu="carceral"))
    assert "MILIEU_CARCERAL" in reponse.content.decode()
    assert "refus" not in reponse.context["apercu"]


def test_preview_of_training_gives_the_room_without_the_actions_own_amount(
    client_agent, programmation, porteur
):
    # T = 30 000 with 3 000 of training → without this action: T = 27 000, F = 0 → room max(4 000, 6 750).
    ActionFactory(programmation=programmation, retenue=True, cout_total=D("30000"), montant_fipd=D("27000"))
    formation = ActionFactory(
        programmation=programmation, porteur=porteur, formation=True, retenue=True, montant_fipd=D("3000")
    )
    reponse = client_agent.post(
        url_apercu(programmation), donnees_de(formation, action_pk=str(formation.pk), montant_fipd="7 000")
    )
    bornes = {b["libelle"]: b["valeur"] for b in reponse.context["apercu"]["maxima"]["bornes"]}
    assert bornes["Marge sous le plafond de formation"] == D("6750")
    assert bornes["Reste de l'enveloppe (sans cette action)"] == D("73000.00")
    assert reponse.context["apercu"]["maxima"]["maximum"] == D("6750")
    assert "[FORMATION_<wbr>PLAFOND]" in reponse.content.decode()  # 7 000 > 6 750: refused


def test_preview_with_incomplete_input_asks_for_the_amounts(client_agent, programmation, porteur):
    reponse = client_agent.post(
        url_apercu(programmation), donnees(porteur, cout_total="", montant_fipd="abc")
    )
    assert reponse.status_code == 200 and reponse.context["apercu"]["incomplet"]


def test_preview_uses_the_type_of_a_porteur_being_created(client_agent, programmation):
    reponse = client_agent.post(
        url_apercu(programmation),
        donnees(None, categorie="referent_parcours", **nouveau_porteur(**{"porteur-type": "collectivite"})),
    )
    assert "REFERENT_PARCOURS_NON_ASSOCIATIF" in reponse.content.decode()
    assert not Porteur.objects.exists()


def test_preview_refuses_an_action_of_another_programmation(client_agent, programmation, porteur):
    from tests.factories import ProgrammationFactory, exercice

    autre = ActionFactory(programmation=ProgrammationFactory(exercice=exercice(2025)), porteur=porteur)
    reponse = client_agent.post(url_apercu(programmation), donnees(porteur, action_pk=str(autre.pk)))
    assert reponse.status_code == 404


# --- Delete ---------------------------------------------------------------------------------------------


def test_an_action_is_deleted_after_confirmation(client_agent, programmation):
    action = ActionFactory(programmation=programmation)
    url = reverse("action_supprimer", kwargs={"pk": action.pk})
    assert "Supprimer définitivement" in client_agent.get(url).content.decode()
    assert Action.objects.exists()
    reponse = client_agent.post(url)
    assert reponse.status_code == 302 and reponse["Location"] == programmation.get_absolute_url()
    assert not Action.objects.exists()


def test_a_deletion_that_pushes_training_over_its_cap_is_refused(client_agent, programmation):
    autre = ActionFactory(
        programmation=programmation, retenue=True, cout_total=D("60000"), montant_fipd=D("48000")
    )
    ActionFactory(
        programmation=programmation,
        formation=True,
        retenue=True,
        cout_total=D("15000"),
        montant_fipd=D("12000"),
    )
    reponse = client_agent.post(reverse("action_supprimer", kwargs={"pk": autre.pk}))
    assert reponse.status_code == 200 and "FORMATION_PLAFOND" in reponse.content.decode()
    assert Action.objects.filter(pk=autre.pk).exists()


# --- Query count ----------------------------------------------------------------------------------------


def test_action_form_queries_do_not_grow_with_the_actions(client_agent, programmation, porteur):
    action = ActionFactory(programmation=programmation, porteur=porteur, retenue=True, montant_fipd=D("100"))
    Cofinancement(action=action, financeur="Commune", montant=D("100")).save()

    def requetes(taille):
        creer_actions(
            programmation, taille - programmation.actions.count(), cout_total=D("200"), montant_fipd=D("100")
        )
        mesures = []
        for url in (action.get_absolute_url(), url_creer(programmation)):
            client_agent.get(url)
            with CaptureQueriesContext(connection) as capture:
                assert client_agent.get(url).status_code == 200
            mesures.append(len(capture))
        with CaptureQueriesContext(connection) as capture:
            client_agent.post(url_apercu(programmation), donnees_de(action, action_pk=str(action.pk)))
        mesures.append(len(capture))
        return mesures

    petite, grande = requetes(10), requetes(500)
    assert petite == grande


# --- Probed 500s (issue 9): each is a form error or a 404 ----------------------------------------------


@pytest.mark.parametrize("ou", ["creer", "modifier", "apercu"])
def test_ticking_new_porteur_without_a_type_is_a_form_error(client_agent, programmation, porteur, ou):
    champs = nouveau_porteur(**{"porteur-type": "", "porteur-siret": "", "porteur-rna": ""})
    if ou == "creer":
        reponse = client_agent.post(url_creer(programmation), donnees(None, **champs))
    elif ou == "modifier":
        action = ActionFactory(programmation=programmation, porteur=porteur)
        reponse = client_agent.post(action.get_absolute_url(), donnees_de(action, porteur="", **champs))
    else:
        reponse = client_agent.post(url_apercu(programmation), donnees(None, **champs))
    assert reponse.status_code == 200
    if ou != "apercu":
        assert "obligatoire" in erreurs(reponse, "type", "form_porteur")
    assert Porteur.objects.filter(nom="Maison des familles").count() == 0


@pytest.mark.parametrize("pk", ["²", "٣", "99999999999999999999", "-1", "1e3", " 1"])
def test_ids_that_are_not_database_ids_are_a_404(client_agent, programmation, porteur, pk):
    action = ActionFactory(programmation=programmation, porteur=porteur)
    url_decisions = programmation.get_absolute_url() + "decisions/"
    assert client_agent.post(url_decisions, {"decision_unitaire": f"{pk}:retenue"}).status_code == 404
    assert client_agent.post(url_decisions, {"actions": [pk], "decision": "retenue"}).status_code == 404
    apercu = client_agent.post(url_apercu(programmation), donnees(None, action_pk=pk))
    assert apercu.status_code == 404
    assert client_agent.get(f"/actions/{pk}/").status_code == 404
    action.refresh_from_db()
    assert action.version == 1 and action.decision == "en_instruction"


# --- A save refused by the status says why and keeps the input (issue 9) --------------------------------


@pytest.mark.parametrize("ou", ["creer", "modifier"])
def test_saving_after_the_programmation_was_transmitted_says_so_and_keeps_the_input(
    client_agent, programmation, porteur, ou
):
    action = ActionFactory(programmation=programmation, porteur=porteur, montant_fipd=D("5000"))
    programmation.statut = "transmise"
    programmation.save()  # from another tab
    if ou == "creer":
        reponse = client_agent.post(url_creer(programmation), donnees(porteur, intitule="Maraudes de nuit"))
    else:
        reponse = client_agent.post(
            action.get_absolute_url(), donnees_de(action, intitule="Maraudes de nuit", montant_fipd="4 321")
        )
    html = reponse.content.decode()
    assert reponse.status_code == 409
    assert "désormais « Transmise »" in html and "Rien n&#x27;a été enregistré" in html
    assert "Votre rôle" not in html and "votre rôle" not in html
    assert 'value="Maraudes de nuit"' in html
    action.refresh_from_db()
    assert action.intitule != "Maraudes de nuit" and action.version == 1
    assert Action.objects.count() == 1


def test_a_reviewer_posting_an_action_gets_a_403_naming_the_role(client, programmation, porteur):
    client.force_login(UtilisateurFactory(username="sg", role="instructeur_sgcipdr"))
    action = ActionFactory(programmation=programmation, porteur=porteur)
    reponse = client.post(action.get_absolute_url(), donnees_de(action, intitule="Autre"))
    assert reponse.status_code == 403
    assert "votre rôle ne permet pas de la modifier" in reponse.content.decode()
    assert client.get(action.get_absolute_url()).status_code == 200  # reading stays open
    action.refresh_from_db()
    assert action.intitule != "Autre"


def test_a_closed_exercice_is_named_when_creating(client_agent, programmation):
    programmation.exercice.etat = "cloture"
    programmation.exercice.save()
    reponse = client_agent.get(url_creer(programmation))
    assert reponse.status_code == 403 and "est clôturé" in reponse.content.decode()


def test_save_and_add_another_opens_a_new_form(client_agent, programmation, porteur):
    reponse = client_agent.post(url_creer(programmation), donnees(porteur, ensuite="nouvelle"))
    assert reponse.status_code == 302 and reponse["Location"] == url_creer(programmation)
    assert Action.objects.get().reference == "A1"
    page = client_agent.get(reponse["Location"]).content.decode()
    assert "action A1 est enregistrée." in page and "Enregistrer et ajouter une autre" in page


# --- The form's fields come from the fragment cache on a GET, and follow every change --------------------


def test_cached_form_fields_follow_the_action_its_cofunders_and_the_porteurs(
    client_agent, programmation, porteur
):
    action = ActionFactory(programmation=programmation, porteur=porteur, montant_fipd=D("5000"))
    url = action.get_absolute_url()
    premiere = client_agent.get(url).content.decode()
    assert client_agent.get(url).content.decode().count('name="montant_fipd"') == 1
    assert f'value="5{FINE}000,00"' in premiere or 'value="5 000,00"' in premiere or "5000" in premiere

    client_agent.post(url, donnees_de(action, intitule="Maraudes de nuit"))
    assert 'value="Maraudes de nuit"' in client_agent.get(url).content.decode()

    PorteurFactory(departement=programmation.departement, nom="Maison des familles")
    assert "Maison des familles" in client_agent.get(url).content.decode()
    assert "Maison des familles" in client_agent.get(url_creer(programmation)).content.decode()

    Cofinancement.objects.create(action=action, financeur="Ville de Lille", montant=D("1000"))
    assert 'value="Ville de Lille"' in client_agent.get(url).content.decode()


def test_a_refusals_code_breaks_after_its_underscores_only_and_user_text_stays_escaped():
    from programmation.templatetags.fipd import refus_lisible

    html = refus_lisible("Action <b>X</b> — trop (annexe) [PREVENTION_PRIMAIRE_TAUX]")
    assert html == (
        "Action &lt;b&gt;X&lt;/b&gt; — trop (annexe) "
        '<span class="fipd-code">[PREVENTION_<wbr>PRIMAIRE_<wbr>TAUX]</span>'
    )
