"""The write rule through the admin: refusals are form errors or messages, never a 500, and nothing is
half-written."""

from decimal import Decimal

import pytest
from django.urls import reverse

from programmation.models import (
    Action,
    Cofinancement,
    Departement,
    Exercice,
    MesureSNPD,
    MouvementEnveloppe,
    Porteur,
    Programmation,
)
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    departement,
    doter,
)
from tests.factories import programme as programme_de

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


# --- Programmes D and S (issue 11) -------------------------------------------------------------------------


def test_the_snpd_measures_are_a_read_only_list(admin_client):
    reponse = admin_client.get(reverse("admin:programmation_mesuresnpd_changelist"))
    assert reponse.status_code == 200
    assert reponse.context["cl"].result_count == 50
    assert admin_client.get(reverse("admin:programmation_mesuresnpd_add")).status_code == 403
    mesure = MesureSNPD.objects.get(numero=35)
    page = admin_client.get(reverse("admin:programmation_mesuresnpd_change", args=[mesure.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert (
        admin_client.post(reverse("admin:programmation_mesuresnpd_delete", args=[mesure.pk])).status_code
        == 403
    )


def test_the_action_admin_shows_the_facts_of_d_and_s_and_the_co_funders_state_flag(
    admin_client, programmation
):
    html = admin_client.get(reverse("admin:programmation_action_add")).content.decode()
    for champ in ("mesure_snpd", "iscg_premiere_annee", "quantite", "cofinancements-__prefix__-etat"):
        assert f'name="{champ}"' in html, champ
    assert "Mesure 35 – Densifier" in html


def test_the_admin_records_an_iscg_post_with_its_facts_and_refuses_it_retained_over_its_rate(admin_client):
    p = ProgrammationFactory(programme=programme_de("D"), departement=departement("69"))
    doter(p, "100000.00")
    porteur = PorteurFactory(departement=p.departement, type="collectivite")
    valeurs = donnees_action(
        p,
        porteur,
        categorie="poste_iscg",
        iscg_premiere_annee="2026",
        mesure_snpd="35",
        cout_total="40000.00",
        montant_fipd="32000.01",
    )
    reponse = admin_client.post(reverse("admin:programmation_action_add"), valeurs)
    assert reponse.status_code == 200
    assert "ISCG_TAUX" in reponse.context["adminform"].form.errors["montant_fipd"][0]
    assert not Action.objects.exists()

    reponse = admin_client.post(
        reverse("admin:programmation_action_add"), valeurs | {"montant_fipd": "32000.00"}
    )
    assert reponse.status_code == 302
    action = Action.objects.get()
    assert (action.iscg_premiere_annee, action.mesure_snpd_id, action.verdicts) == (2026, 35, [])


def test_an_inline_state_co_funder_over_the_state_share_is_refused_and_nothing_written(admin_client):
    p = ProgrammationFactory(programme=programme_de("S"))
    doter(p, "100000.00")
    action = ActionFactory(
        programmation=p,
        porteur=PorteurFactory(departement=p.departement, type="collectivite"),
        categorie="videoprotection",
        cout_total=D("10000"),
        montant_fipd=D("5000"),
        retenue=True,
    )
    valeurs = donnees_action(
        p,
        action.porteur,
        reference=action.reference,
        intitule=action.intitule,
        categorie="videoprotection",
        cout_total="10000.00",
        montant_fipd="5000.00",
    ) | {
        "cofinancements-TOTAL_FORMS": "1",
        "cofinancements-0-financeur": "DETR 2026",
        "cofinancements-0-montant": "3000.01",  # 5 000 + 3 000,01 > 80 % × 10 000
        "cofinancements-0-etat": "on",
    }
    reponse = admin_client.post(
        reverse("admin:programmation_action_change", args=[action.pk]), valeurs, follow=True
    )
    messages = [str(m) for m in reponse.context["messages"]]
    assert any("S_PART_ETAT" in m and "Enregistrement refusé" in m for m in messages), messages
    assert not Cofinancement.objects.exists()

    valeurs["cofinancements-0-montant"] = "3000.00"
    reponse = admin_client.post(reverse("admin:programmation_action_change", args=[action.pk]), valeurs)
    assert reponse.status_code == 302
    assert list(Cofinancement.objects.values_list("financeur", "etat")) == [("DETR 2026", True)]
