"""The write rule through the admin: refusals are form errors or messages, never a 500, and nothing is
half-written."""

from decimal import Decimal

import pytest
from django.urls import reverse

from programmation.models import Action, Departement, Exercice, MouvementEnveloppe, Porteur, Programmation
from tests.factories import ActionFactory, PorteurFactory, ProgrammationFactory, UtilisateurFactory, doter

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def admin_client(client):
    client.force_login(
        UtilisateurFactory(username="admin", role="administrateur", is_staff=True, is_superuser=True)
    )
    return client


def donnees_action(programmation, porteur, **champs):
    return {
        "programmation": programmation.pk,
        "reference": "ADM1",
        "intitule": "Action saisie dans l'administration",
        "porteur": porteur.pk,
        "categorie": "insertion",
        "public": "personnes_suivies",
        "milieu": "libre",
        "cout_total": "10000.00",
        "montant_fipd": "5000.00",
        "decision": "retenue",
        "cofinancements-TOTAL_FORMS": "0",
        "cofinancements-INITIAL_FORMS": "0",
        "cofinancements-MIN_NUM_FORMS": "0",
        "cofinancements-MAX_NUM_FORMS": "1000",
    } | champs


def test_admin_shows_a_refused_retention_as_a_form_error(admin_client, programmation):
    porteur = PorteurFactory(departement=programmation.departement)
    reponse = admin_client.post(
        reverse("admin:programmation_action_add"), donnees_action(programmation, porteur, milieu="carceral")
    )
    assert reponse.status_code == 200
    erreurs = reponse.context["adminform"].form.errors
    assert "milieu" in erreurs and "MILIEU_CARCERAL" in erreurs["milieu"][0]
    assert not Action.objects.exists()


def test_admin_records_a_prison_action_en_instruction(admin_client, programmation):
    porteur = PorteurFactory(departement=programmation.departement)
    reponse = admin_client.post(
        reverse("admin:programmation_action_add"),
        donnees_action(programmation, porteur, milieu="carceral", decision="en_instruction"),
    )
    assert reponse.status_code == 302
    assert Action.objects.get().verdicts[0]["regle"] == "MILIEU_CARCERAL"


def test_admin_change_that_pushes_training_over_its_cap_is_a_form_error(admin_client, programmation):
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
    donnees = donnees_action(
        programmation,
        autre.porteur,
        reference=autre.reference,
        intitule=autre.intitule,
        categorie="sante_mentale",
        cout_total="60000.00",
        montant_fipd="48000.00",
        decision="non_retenue",
    )
    reponse = admin_client.post(reverse("admin:programmation_action_change", args=[autre.pk]), donnees)
    assert reponse.status_code == 200
    assert "FORMATION_PLAFOND" in reponse.context["adminform"].form.errors["decision"][0]
    assert Action.objects.get(pk=autre.pk).decision == "retenue"


def test_admin_bulk_delete_goes_through_the_write_rule(admin_client, programmation):
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
    reponse = admin_client.post(
        reverse("admin:programmation_action_changelist"),
        {"action": "delete_selected", "_selected_action": [autre.pk], "post": "yes"},
        follow=True,
    )
    assert reponse.status_code == 200
    messages = [str(m) for m in reponse.context["messages"]]
    assert any("FORMATION_PLAFOND" in m for m in messages), messages
    assert Action.objects.filter(pk=autre.pk).exists()


def test_admin_bulk_delete_of_harmless_actions_works(admin_client, programmation):
    actions = [ActionFactory(programmation=programmation) for _ in range(3)]
    reponse = admin_client.post(
        reverse("admin:programmation_action_changelist"),
        {"action": "delete_selected", "_selected_action": [a.pk for a in actions], "post": "yes"},
        follow=True,
    )
    assert reponse.status_code == 200
    assert not Action.objects.exists()


def test_admin_bulk_retention_is_checked_as_a_whole(admin_client, programmation):
    prison = ActionFactory(programmation=programmation, carceral=True)
    bonne = ActionFactory(programmation=programmation)
    reponse = admin_client.post(
        reverse("admin:programmation_action_changelist"),
        {"action": "retenir", "_selected_action": [prison.pk, bonne.pk]},
        follow=True,
    )
    assert reponse.status_code == 200
    assert any("MILIEU_CARCERAL" in str(m) for m in reponse.context["messages"])
    assert set(Action.objects.values_list("decision", flat=True)) == {"en_instruction"}


def test_admin_refuses_an_envelope_withdrawal_below_zero_as_a_form_error(admin_client, programmation):
    enveloppe = programmation.departement.enveloppe_set.get()
    reponse = admin_client.post(
        reverse("admin:programmation_mouvementenveloppe_add"),
        {
            "enveloppe": enveloppe.pk,
            "date": "01/06/2026",
            "nature": "retrait",
            "montant": "150000.00",
            "motif": "Retrait",
        },
    )
    assert reponse.status_code == 200
    assert "négative" in str(reponse.context["adminform"].form.errors)
    assert enveloppe.mouvements.count() == 1


def test_admin_refuses_departmental_envelopes_above_the_regional_one(admin_client, programmation):
    enveloppe = programmation.departement.enveloppe_set.get()
    reponse = admin_client.post(
        reverse("admin:programmation_mouvementenveloppe_add"),
        {
            "enveloppe": enveloppe.pk,
            "date": "01/06/2026",
            "nature": "complement",
            "montant": "1.00",
            "motif": "Complément",
        },
    )
    assert reponse.status_code == 200
    assert "régionale" in str(reponse.context["adminform"].form.errors)
    assert MouvementEnveloppe.objects.filter(enveloppe=enveloppe).count() == 1


@pytest.mark.parametrize(
    "modele",
    [
        "region",
        "departement",
        "exercice",
        "cellulesuivi",
        "programme",
        "enveloppe",
        "mouvementenveloppe",
        "porteur",
        "programmation",
        "action",
        "valeurparametre",
    ],
)
def test_admin_pages_answer(admin_client, programmation, modele):
    ActionFactory(programmation=programmation)
    assert admin_client.get(reverse(f"admin:programmation_{modele}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:programmation_{modele}_add")).status_code == 200


# --- Holes around the guarded path (issue 6) --------------------------------------------------------------


def test_admin_cannot_change_a_programmations_status_exercice_department_or_programme(
    admin_client, programmation
):
    ActionFactory(programmation=programmation)  # en instruction: validation would be refused by the workflow
    url = reverse("admin:programmation_programmation_change", args=[programmation.pk])
    formulaire = admin_client.get(url).context["adminform"].form
    assert not {"statut", "exercice", "departement", "programme"} & set(formulaire.fields)

    reponse = admin_client.post(
        url,
        {
            "statut": "validee",
            "exercice": Exercice.objects.get(annee=2018).pk,
            "departement": Departement.objects.get(code="69").pk,
            "programme": programmation.programme.pk,
            "commentaires-TOTAL_FORMS": "0",
            "commentaires-INITIAL_FORMS": "0",
            "commentaires-MIN_NUM_FORMS": "0",
            "commentaires-MAX_NUM_FORMS": "1000",
        },
    )

    assert reponse.status_code == 302
    p = Programmation.objects.get(pk=programmation.pk)
    assert (p.statut, p.exercice.annee, p.departement.code) == ("brouillon", 2026, "59")


def test_admin_creates_a_programmation_as_a_draft_only(admin_client):
    formulaire = admin_client.get(reverse("admin:programmation_programmation_add")).context["adminform"].form
    assert "statut" not in formulaire.fields
    assert {"exercice", "departement", "programme"} <= set(formulaire.fields)


def test_a_porteur_type_change_leaves_a_closed_exercices_verdicts_alone(admin_client, programmation):
    porteur = PorteurFactory(departement=programmation.departement)
    ancienne = ProgrammationFactory(exercice=Exercice.objects.get(annee=2018))
    doter(ancienne, "100000.00", annee=2018, le="2018-01-15")
    ActionFactory(programmation=ancienne, porteur=porteur, categorie="referent_parcours", retenue=True)
    ActionFactory(programmation=programmation, porteur=porteur, categorie="referent_parcours")
    Exercice.objects.filter(annee=2018).update(etat="cloture")

    reponse = admin_client.post(
        reverse("admin:programmation_porteur_change", args=[porteur.pk]),
        {
            "departement": porteur.departement.pk,
            "nom": porteur.nom,
            "type": "collectivite",
            "siret": "",
            "rna": "",
        },
    )

    assert reponse.status_code == 302
    assert Porteur.objects.get(pk=porteur.pk).type == "collectivite"
    assert Action.objects.get(programmation=ancienne).verdicts == []  # as closed
    assert Programmation.objects.get(pk=ancienne.pk).nb_bloquants == 0
    en_cours = Action.objects.get(programmation=programmation)
    assert [v["regle"] for v in en_cours.verdicts] == ["REFERENT_PARCOURS_NON_ASSOCIATIF"]


def test_a_porteur_with_actions_cannot_move_to_another_department(admin_client, programmation):
    porteur = PorteurFactory(departement=programmation.departement)
    ActionFactory(programmation=programmation, porteur=porteur)

    reponse = admin_client.post(
        reverse("admin:programmation_porteur_change", args=[porteur.pk]),
        {
            "departement": Departement.objects.get(code="69").pk,
            "nom": porteur.nom,
            "type": porteur.type,
            "siret": "",
            "rna": "",
        },
    )

    assert reponse.status_code == 200
    assert "reste dans son département" in str(reponse.context["adminform"].form.errors)
    assert Porteur.objects.get(pk=porteur.pk).departement.code == "59"


def test_a_porteur_without_actions_can_move(admin_client):
    porteur = PorteurFactory()
    reponse = admin_client.post(
        reverse("admin:programmation_porteur_change", args=[porteur.pk]),
        {
            "departement": Departement.objects.get(code="69").pk,
            "nom": porteur.nom,
            "type": porteur.type,
            "siret": "",
            "rna": "",
        },
    )
    assert reponse.status_code == 302
    assert Porteur.objects.get(pk=porteur.pk).departement.code == "69"
