"""The submission workflow: brouillon/à corriger → transmise → validée, returned or reopened with a comment;
refusals list their reasons; each transition writes the thread and e-mails the other side."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from programmation.models import Commentaire, MouvementEnveloppe, Programmation, Statut
from programmation.workflow import changer_statut
from tests.factories import ActionFactory, PorteurFactory, UtilisateurFactory, departement

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def agent(db):
    return UtilisateurFactory(
        username="agent.nord", departements=[departement("59")], first_name="Anne", last_name="Nord"
    )


@pytest.fixture
def collegue(db):
    return UtilisateurFactory(username="collegue.nord", departements=[departement("59")])


@pytest.fixture
def sgcipdr(db):
    return UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr")


@pytest.fixture
def autres(db):
    """Who must not be told: another department, inactive or address-less reviewers."""
    UtilisateurFactory(username="agent.rhone", departements=[departement("69")])
    UtilisateurFactory(username="sg.parti", role="instructeur_sgcipdr", is_active=False)
    UtilisateurFactory(username="sg.sans.adresse", role="instructeur_sgcipdr", email="")


@pytest.fixture
def client_agent(client, agent):
    client.force_login(agent)
    return client


def url(programmation, transition):
    return f"{programmation.get_absolute_url()}{transition}/"


def statut(programmation):
    return Programmation.objects.get(pk=programmation.pk).statut


def poster(client, programmation, transition, capture, **donnees):
    if transition == "transmettre":
        donnees.setdefault("confirmation", "oui")  # the box the agent ticks
    with capture(execute=True):
        return client.post(url(programmation, transition), donnees)


@pytest.fixture
def prete(programmation):
    """A programmation that can be submitted: one retained action, nothing blocking."""
    ActionFactory(programmation=programmation, retenue=True, reference="R1")
    return programmation


def test_submission_is_refused_with_the_reasons_while_actions_are_en_instruction_or_blocking(
    client_agent, prete, django_capture_on_commit_callbacks, mailoutbox
):
    ActionFactory(programmation=prete, reference="INSTR1")
    ActionFactory(programmation=prete, reference="INSTR2", carceral=True)
    porteur = PorteurFactory(departement=prete.departement)
    ActionFactory(
        programmation=prete, reference="REF", porteur=porteur, categorie="referent_parcours", retenue=True
    )
    porteur.type = "collectivite"
    porteur.save()  # the retained référent de parcours now has a blocking verdict

    reponse = poster(client_agent, prete, "transmettre", django_capture_on_commit_callbacks)

    assert reponse.status_code == 200
    erreurs = reponse.context["erreurs"]
    assert any(
        e.startswith("Action REF – Référent de parcours porté hors d'une association — ")
        and e.endswith("[REFERENT_PARCOURS_NON_ASSOCIATIF]")
        for e in erreurs
    )
    assert any("encore en instruction" in e and "INSTR1, INSTR2" in e for e in erreurs)
    assert statut(prete) == Statut.BROUILLON
    assert not Commentaire.objects.exists() and not mailoutbox


def test_submission_is_refused_while_the_envelope_is_exceeded(
    client_agent, programmation, django_capture_on_commit_callbacks
):
    ActionFactory(programmation=programmation, retenue=True, cout_total=D("90000"), montant_fipd=D("80000"))
    enveloppe = programmation.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe, date="2026-06-01", nature="retrait", montant=D("30000"), motif="Retrait"
    ).save()
    reponse = poster(client_agent, programmation, "transmettre", django_capture_on_commit_callbacks)
    assert any(
        e.startswith("Enveloppe départementale dépassée — ") and e.endswith("[ENVELOPPE_DEPASSEE]")
        for e in reponse.context["erreurs"]
    )
    assert "fr-alert--error" in reponse.content.decode()
    assert statut(programmation) == Statut.BROUILLON


def test_submission_is_accepted_and_tells_the_sgcipdr(
    client_agent, prete, sgcipdr, autres, django_capture_on_commit_callbacks, mailoutbox
):
    reponse = poster(
        client_agent,
        prete,
        "transmettre",
        django_capture_on_commit_callbacks,
        texte="Programmation complète.",
    )

    assert reponse.status_code == 302
    assert statut(prete) == Statut.TRANSMISE
    commentaire = Commentaire.objects.get()
    assert (
        commentaire.auteur.username,
        commentaire.texte,
        commentaire.statut_avant,
        commentaire.statut_apres,
    ) == ("agent.nord", "Programmation complète.", "brouillon", "transmise")
    assert [m.to for m in mailoutbox] == [[sgcipdr.email]]
    courriel = mailoutbox[0]
    assert "transmise" in courriel.subject and "2026" in courriel.subject and "Nord" in courriel.subject
    assert "http://testserver/programmations/2026/59/R/" in courriel.body
    assert "Anne Nord" in courriel.body and "Programmation complète." in courriel.body


def test_a_closed_exercice_cannot_be_submitted(client_agent, prete, django_capture_on_commit_callbacks):
    prete.exercice.etat = "cloture"
    prete.exercice.save()
    assert client_agent.get(prete.get_absolute_url()).context["transitions"] == {}
    reponse = poster(client_agent, prete, "transmettre", django_capture_on_commit_callbacks)
    assert "clôturé" in " ".join(reponse.context["erreurs"])
    assert statut(prete) == Statut.BROUILLON


def test_a_submitted_programmation_cannot_be_submitted_again(client_agent, prete, agent):
    changer_statut(prete.pk, "transmettre", agent)
    with pytest.raises(ValidationError) as refus:
        changer_statut(prete.pk, "transmettre", agent)
    assert refus.value.code == "statut"


def test_roles_are_checked_by_the_workflow_itself(prete, agent, sgcipdr):
    with pytest.raises(PermissionDenied):
        changer_statut(prete.pk, "transmettre", sgcipdr)
    changer_statut(prete.pk, "transmettre", agent)
    with pytest.raises(PermissionDenied):
        changer_statut(prete.pk, "valider", agent)


def test_reviewer_validates_and_the_department_is_told(
    client, prete, agent, collegue, sgcipdr, autres, django_capture_on_commit_callbacks, mailoutbox
):
    changer_statut(prete.pk, "transmettre", agent)
    client.force_login(sgcipdr)
    page = client.get(prete.get_absolute_url())
    assert set(page.context["transitions"]) == {"valider", "renvoyer"}

    reponse = poster(client, prete, "valider", django_capture_on_commit_callbacks)

    assert reponse.status_code == 302 and statut(prete) == Statut.VALIDEE
    assert sorted(m.to[0] for m in mailoutbox) == sorted([agent.email, collegue.email])
    assert "validée" in mailoutbox[0].subject


def test_validation_is_refused_while_a_blocking_verdict_remains(
    client, prete, agent, sgcipdr, django_capture_on_commit_callbacks
):
    changer_statut(prete.pk, "transmettre", agent)
    enveloppe = prete.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe, date="2026-06-01", nature="retrait", montant=D("99000"), motif="Retrait"
    ).save()
    client.force_login(sgcipdr)
    reponse = poster(client, prete, "valider", django_capture_on_commit_callbacks)
    assert reponse.status_code == 200
    assert any(
        e.startswith("Enveloppe départementale dépassée — ") and e.endswith("[ENVELOPPE_DEPASSEE]")
        for e in reponse.context["erreurs"]
    )
    assert statut(prete) == Statut.TRANSMISE


def test_return_needs_a_comment_which_the_agent_then_sees_and_acts_on(
    client, prete, agent, sgcipdr, django_capture_on_commit_callbacks, mailoutbox
):
    changer_statut(prete.pk, "transmettre", agent)
    client.force_login(sgcipdr)

    sans = poster(client, prete, "renvoyer", django_capture_on_commit_callbacks, texte="  ")
    assert sans.status_code == 200 and "commentaire est obligatoire" in " ".join(sans.context["erreurs"])
    assert statut(prete) == Statut.TRANSMISE and not mailoutbox

    avec = poster(
        client,
        prete,
        "renvoyer",
        django_capture_on_commit_callbacks,
        texte="L'action R1 doit préciser son public.",
    )
    assert avec.status_code == 302 and statut(prete) == Statut.A_CORRIGER
    assert [m.to for m in mailoutbox] == [[agent.email]]
    assert "L'action R1 doit préciser son public." in mailoutbox[0].body

    # The agent sees the comment, edits again and submits again.
    client.force_login(agent)
    html = client.get(prete.get_absolute_url()).content.decode()
    assert "L&#x27;action R1 doit préciser son public." in html
    assert "Transmise → À corriger" in html
    action = prete.actions.get()
    assert client.get(action.get_absolute_url()).context["peut_saisir"] is True
    action.public = "familles"
    action.save()
    assert poster(client, prete, "transmettre", django_capture_on_commit_callbacks).status_code == 302
    assert statut(prete) == Statut.TRANSMISE
    assert list(Commentaire.objects.values_list("statut_apres", flat=True)) == [
        "transmise",
        "a_corriger",
        "transmise",
    ]


def test_a_validated_programmation_is_reopened_with_a_comment(
    client, prete, agent, sgcipdr, django_capture_on_commit_callbacks, mailoutbox
):
    changer_statut(prete.pk, "transmettre", agent)
    changer_statut(prete.pk, "valider", sgcipdr)
    client.force_login(sgcipdr)
    assert set(client.get(prete.get_absolute_url()).context["transitions"]) == {"rouvrir"}

    assert poster(client, prete, "rouvrir", django_capture_on_commit_callbacks).status_code == 200
    assert statut(prete) == Statut.VALIDEE

    reponse = poster(
        client,
        prete,
        "rouvrir",
        django_capture_on_commit_callbacks,
        texte="Complément de mi-année : 10 000 €.",
    )
    assert reponse.status_code == 302 and statut(prete) == Statut.A_CORRIGER
    assert "rouverte" in mailoutbox[-1].subject and "Complément de mi-année" in mailoutbox[-1].body


def test_validating_a_draft_is_refused(client, prete, sgcipdr, django_capture_on_commit_callbacks):
    client.force_login(sgcipdr)
    reponse = poster(client, prete, "valider", django_capture_on_commit_callbacks)
    assert reponse.status_code == 200 and "Brouillon" in " ".join(reponse.context["erreurs"])
    assert statut(prete) == Statut.BROUILLON


def test_a_refused_return_keeps_the_typed_comment(
    client, prete, agent, sgcipdr, django_capture_on_commit_callbacks
):
    changer_statut(prete.pk, "transmettre", agent)
    enveloppe = prete.departement.enveloppe_set.get()
    MouvementEnveloppe(
        enveloppe=enveloppe, date="2026-06-01", nature="retrait", montant=D("99000"), motif="Retrait"
    ).save()
    client.force_login(sgcipdr)
    reponse = poster(client, prete, "valider", django_capture_on_commit_callbacks, texte="Vu.")
    assert "Vu.</textarea>" in reponse.content.decode()


def test_status_changes_are_recorded_in_the_history_with_their_author(prete, agent, sgcipdr):
    changer_statut(prete.pk, "transmettre", agent)
    changer_statut(prete.pk, "renvoyer", sgcipdr, "À revoir")
    statuts = list(
        Programmation.history.filter(id=prete.pk).order_by("history_id").values_list("statut", flat=True)
    )
    assert statuts == ["brouillon", "transmise", "a_corriger"]


def test_submission_needs_the_confirmation_box(client_agent, prete, django_capture_on_commit_callbacks):
    reponse = poster(client_agent, prete, "transmettre", django_capture_on_commit_callbacks, confirmation="")
    assert reponse.status_code == 200
    assert any("Cochez la case de confirmation" in e for e in reponse.context["erreurs"])
    assert statut(prete) == Statut.BROUILLON and not Commentaire.objects.exists()
    assert 'id="confirmation-transmettre"' in reponse.content.decode()


def test_an_empty_programmation_is_not_transmitted(
    client_agent, programmation, django_capture_on_commit_callbacks
):
    ActionFactory(programmation=programmation, reference="N1", decision="non_retenue")
    reponse = poster(client_agent, programmation, "transmettre", django_capture_on_commit_callbacks)
    assert any("aucune action financée" in e for e in reponse.context["erreurs"])
    assert statut(programmation) == Statut.BROUILLON
