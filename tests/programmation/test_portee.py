"""The scope matrix: for each page and each write of the prefecture workspace and each role, the expected
answer. Out of scope is a 404 (existence is not disclosed), in scope without the right is a 403, anonymous
users go to the login page; a refused request writes nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from programmation.models import Action, Porteur, Programmation, Statut
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    departement,
    doter,
)

pytestmark = pytest.mark.django_db
D = Decimal

ROLES = [
    "anonyme",
    "agent",
    "agent_autre_departement",
    "regional",
    "regional_autre_region",
    "sgcipdr",
    "administrateur",
]
OK = "ok"  # 200 for a page, 302 for a write that succeeds (redirect after POST)
LECTURE = dict(zip(ROLES, [302, OK, 404, OK, 404, OK, OK], strict=True))
SAISIE = dict(zip(ROLES, [302, OK, 404, 403, 404, 403, OK], strict=True))
INSTRUCTION = dict(zip(ROLES, [302, 403, 404, 403, 404, OK, OK], strict=True))
LISTE = dict(zip(ROLES, [302, OK, OK, OK, OK, OK, OK], strict=True))  # a list shows the user's scope only


def utilisateur(role):
    nord, rhone = departement("59"), departement("69")
    return {
        "agent": lambda: UtilisateurFactory(username="agent.nord", departements=[nord]),
        "agent_autre_departement": lambda: UtilisateurFactory(username="agent.rhone", departements=[rhone]),
        "regional": lambda: UtilisateurFactory(
            username="sgar.hdf", role="agent_regional", region=nord.region
        ),
        "regional_autre_region": lambda: UtilisateurFactory(
            username="sgar.ara", role="agent_regional", region=rhone.region
        ),
        "sgcipdr": lambda: UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"),
        "administrateur": lambda: UtilisateurFactory(
            username="admin", role="administrateur", is_superuser=True, is_staff=True
        ),
    }[role]()


def kwargs(p):
    return {"annee": p.exercice.annee, "departement": p.departement.code, "programme": p.programme.code}


def donnees_action(action, **champs):
    return {
        "reference": action.reference,
        "intitule": "Intitulé modifié",
        "porteur": action.porteur_id,
        "categorie": action.categorie,
        "public": action.public,
        "milieu": action.milieu,
        "cout_total": str(action.cout_total),
        "montant_fipd": str(action.montant_fipd),
        "decision": action.decision,
        "version": str(action.version),
        "cofinancements-TOTAL_FORMS": "0",
        "cofinancements-INITIAL_FORMS": "0",
    } | champs


# name → (method, statut of the programmation, matrix, url, data)
CAS = {
    "page programmation": ("get", Statut.BROUILLON, LECTURE, lambda p, a: p.get_absolute_url(), None),
    "page action": ("get", Statut.BROUILLON, LECTURE, lambda p, a: a.get_absolute_url(), None),
    "création d'action (page)": (
        "get",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: reverse("action_creer", kwargs=kwargs(p)),
        None,
    ),
    "création d'action": (
        "post",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: reverse("action_creer", kwargs=kwargs(p)),
        lambda p, a: donnees_action(a, reference="NOUVELLE", decision="en_instruction"),
    ),
    "modification d'action": (
        "post",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: a.get_absolute_url(),
        lambda p, a: donnees_action(a),
    ),
    "aperçu": (
        "post",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: reverse("action_apercu", kwargs=kwargs(p)),
        lambda p, a: donnees_action(a, action_pk=str(a.pk)),
    ),
    "décisions": (
        "post",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: reverse("decisions", kwargs=kwargs(p)),
        lambda p, a: {"actions": [a.pk], "decision": "non_retenue"},
    ),
    "suppression (page)": (
        "get",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: reverse("action_supprimer", kwargs={"pk": a.pk}),
        None,
    ),
    "suppression": (
        "post",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: reverse("action_supprimer", kwargs={"pk": a.pk}),
        lambda p, a: {},
    ),
    "transmettre": (
        "post",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: reverse("transmettre", kwargs=kwargs(p)),
        lambda p, a: {"confirmation": "oui"},
    ),
    "valider": (
        "post",
        Statut.TRANSMISE,
        INSTRUCTION,
        lambda p, a: reverse("valider", kwargs=kwargs(p)),
        lambda p, a: {},
    ),
    "renvoyer": (
        "post",
        Statut.TRANSMISE,
        INSTRUCTION,
        lambda p, a: reverse("renvoyer", kwargs=kwargs(p)),
        lambda p, a: {"texte": "À corriger"},
    ),
    "rouvrir": (
        "post",
        Statut.VALIDEE,
        INSTRUCTION,
        lambda p, a: reverse("rouvrir", kwargs=kwargs(p)),
        lambda p, a: {"texte": "Complément"},
    ),
    "liste des porteurs": ("get", Statut.BROUILLON, LISTE, lambda p, a: reverse("porteurs"), None),
    "page porteur": (
        "get",
        Statut.BROUILLON,
        LECTURE,
        lambda p, a: reverse("porteur", kwargs={"pk": a.porteur_id}),
        None,
    ),
    # A porteur's identity is not the programmation's: its status does not matter (DESIGN.md §3.4).
    "modification de porteur (page)": (
        "get",
        Statut.VALIDEE,
        SAISIE,
        lambda p, a: reverse("porteur_modifier", kwargs={"pk": a.porteur_id}),
        None,
    ),
    "modification de porteur": (
        "post",
        Statut.VALIDEE,
        SAISIE,
        lambda p, a: reverse("porteur_modifier", kwargs={"pk": a.porteur_id}),
        lambda p, a: {"nom": "Porteur renommé", "type": "association", "siret": "", "rna": ""},
    ),
    "fusion de porteurs (page)": (
        "get",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: (
            reverse("porteur_fusionner", kwargs={"pk": a.porteur_id})
            + f"?absorbe={Porteur.objects.get(nom='Doublon').pk}"
        ),
        None,
    ),
    "fusion de porteurs": (
        "post",
        Statut.BROUILLON,
        SAISIE,
        lambda p, a: reverse("porteur_fusionner_confirmer", kwargs={"pk": a.porteur_id}),
        lambda p, a: {"absorbe": Porteur.objects.get(nom="Doublon").pk},
    ),
}


def etat(programmation):
    """Everything a write could change."""
    p = Programmation.objects.get(pk=programmation.pk)
    return (
        p.statut,
        p.commentaires.count(),
        sorted(Action.objects.values_list("pk", "intitule", "decision", "version")),
        sorted(Porteur.objects.values_list("pk", "nom", "type")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("cas", list(CAS))
def test_scope_matrix(client, programmation, cas, role, django_capture_on_commit_callbacks):
    methode, statut, matrice, url, donnees = CAS[cas]
    action = ActionFactory(programmation=programmation, retenue=True, reference="R1")
    PorteurFactory(departement=programmation.departement, nom="Doublon")  # the duplicate a merge absorbs
    Programmation.objects.filter(pk=programmation.pk).update(statut=statut)
    if role != "anonyme":
        client.force_login(utilisateur(role))
    attendu = matrice[role]
    if attendu == OK:
        attendu = 200 if methode == "get" or cas == "aperçu" else 302
    avant = etat(programmation)

    with django_capture_on_commit_callbacks(execute=True):
        if methode == "get":
            reponse = client.get(url(programmation, action))
        else:
            reponse = client.post(url(programmation, action), donnees(programmation, action))

    assert reponse.status_code == attendu, (cas, role)
    if role == "anonyme":
        assert reponse["Location"].startswith("/connexion/?next=")
    if attendu in (302, 403, 404) and (role == "anonyme" or attendu != 302):
        assert etat(programmation) == avant  # refused: nothing written
    elif methode == "post" and cas != "aperçu":
        assert etat(programmation) != avant  # accepted: something was written


@pytest.fixture
def action_du_rhone(db):
    p = ProgrammationFactory(departement=departement("69"))
    doter(p, "50000.00")
    return ActionFactory(programmation=p, retenue=True, reference="LYON")


@pytest.fixture
def client_agent(client, db):
    client.force_login(UtilisateurFactory(username="agent.nord", departements=[departement("59")]))
    return client


def test_guessed_ids_of_another_departments_action_are_404_and_write_nothing(
    client_agent, programmation, action_du_rhone
):
    mienne = ActionFactory(programmation=programmation, retenue=True, reference="R1")
    autre = action_du_rhone
    avant = list(Action.objects.values_list("pk", "intitule", "decision", "version"))

    assert client_agent.get(f"/actions/{autre.pk}/").status_code == 404
    assert client_agent.post(f"/actions/{autre.pk}/", donnees_action(autre)).status_code == 404
    assert client_agent.get(f"/actions/{autre.pk}/supprimer/").status_code == 404
    assert client_agent.post(f"/actions/{autre.pk}/supprimer/").status_code == 404
    decisions = reverse("decisions", kwargs=kwargs(programmation))
    assert client_agent.post(decisions, {"actions": [autre.pk], "decision": "non_retenue"}).status_code == 404
    assert (
        client_agent.post(
            decisions, {"actions": [mienne.pk, autre.pk], "decision": "non_retenue"}
        ).status_code
        == 404
    )
    assert client_agent.post(decisions, {"decision_unitaire": f"{autre.pk}:non_retenue"}).status_code == 404
    apercu = reverse("action_apercu", kwargs=kwargs(programmation))
    assert client_agent.post(apercu, donnees_action(mienne, action_pk=str(autre.pk))).status_code == 404
    assert client_agent.post(decisions, {"actions": ["1 OR 1=1"], "decision": "retenue"}).status_code == 404

    assert list(Action.objects.values_list("pk", "intitule", "decision", "version")) == avant


def test_another_departments_programmation_url_is_404_for_every_write(client_agent, action_du_rhone):
    p = action_du_rhone.programmation
    for nom in (
        "action_creer",
        "action_apercu",
        "decisions",
        "transmettre",
        "valider",
        "renvoyer",
        "rouvrir",
    ):
        assert client_agent.post(reverse(nom, kwargs=kwargs(p)), {}).status_code == 404, nom
    assert client_agent.get(reverse("programmation", kwargs=kwargs(p))).status_code == 404


def test_an_unknown_programmation_is_404(client_agent, programmation):
    assert client_agent.get("/programmations/2026/59/K/").status_code == 404
    assert client_agent.get("/programmations/1999/59/R/").status_code == 404
    assert client_agent.get("/programmations/2026/999/R/").status_code == 404


def test_an_agent_cannot_write_once_the_programmation_is_submitted(client_agent, programmation):
    action = ActionFactory(programmation=programmation, retenue=True)
    Programmation.objects.filter(pk=programmation.pk).update(statut=Statut.TRANSMISE)
    assert client_agent.get(action.get_absolute_url()).status_code == 200  # still readable
    assert client_agent.get(reverse("action_creer", kwargs=kwargs(programmation))).status_code == 403
    # The action form posted from an earlier tab: refused with the reason and the input kept (issue 9).
    assert client_agent.post(action.get_absolute_url(), donnees_action(action)).status_code == 409
    assert (
        client_agent.post(
            reverse("decisions", kwargs=kwargs(programmation)),
            {"actions": [action.pk], "decision": "non_retenue"},
        ).status_code
        == 403
    )
    assert client_agent.post(reverse("action_supprimer", kwargs={"pk": action.pk})).status_code == 403


def test_writes_refuse_get(client_agent, programmation):
    for nom in ("action_apercu", "decisions", "transmettre", "valider", "renvoyer", "rouvrir"):
        assert client_agent.get(reverse(nom, kwargs=kwargs(programmation))).status_code == 405, nom
    porteur = ActionFactory(programmation=programmation).porteur_id
    assert client_agent.get(reverse("porteur_fusionner_confirmer", kwargs={"pk": porteur})).status_code == 405


def test_another_departments_porteur_is_404_for_every_page_and_write(client_agent, action_du_rhone):
    porteur = action_du_rhone.porteur_id
    for nom in ("porteur", "porteur_modifier", "porteur_fusionner"):
        assert client_agent.get(reverse(nom, kwargs={"pk": porteur})).status_code == 404, nom
    for nom in ("porteur_modifier", "porteur_fusionner_confirmer"):
        assert client_agent.post(reverse(nom, kwargs={"pk": porteur}), {}).status_code == 404, nom


# --- Validated versions: their files (read), the signed scan and « Générer de nouveau » (writes) ---------

VERSIONS = dict(
    zip(ROLES, [302, OK, 404, 403, 404, OK, OK], strict=True)
)  # the department's agents, SG-CIPDR


def _pdf_blanc() -> bytes:
    import io

    from PIL import Image

    sortie = io.BytesIO()
    Image.new("RGB", (200, 280), "white").save(sortie, "PDF")
    return sortie.getvalue()


CAS_VERSIONS = {
    "pdf de la version": ("get", LECTURE, "version_pdf", lambda: {}),
    "scan de la version": ("get", LECTURE, "version_scan", lambda: {}),
    "générer de nouveau": ("post", VERSIONS, "version_regenerer", lambda: {}),
    "déposer le scan": ("post", VERSIONS, "scan_deposer", lambda: {"version": "2", "scan": _scan()}),
}


def _scan():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", _pdf_blanc(), content_type="application/pdf")


def etat_des_versions(programmation):
    return sorted(programmation.versions_validees.values_list("numero", "etat", "empreinte", "scan"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("cas", list(CAS_VERSIONS))
def test_scope_matrix_of_validated_versions(
    client, programmation, cas, role, settings, tmp_path, django_capture_on_commit_callbacks
):
    import hashlib

    from django.core.files.base import ContentFile

    from programmation.models import VersionValidee

    settings.MEDIA_ROOT = tmp_path / "media"
    Programmation.objects.filter(pk=programmation.pk).update(statut=Statut.VALIDEE)
    contenu = b"%PDF-1.7 version 1"
    prete = VersionValidee(
        programmation=programmation,
        numero=1,
        jeton="a" * 32,
        etat="prete",
        empreinte=hashlib.sha256(contenu).hexdigest(),
    )
    prete.fichier.save("v1.pdf", ContentFile(contenu), save=False)
    prete.scan.save("scan.pdf", ContentFile(b"%PDF-1.7 scan"), save=False)
    prete.save()
    VersionValidee.objects.create(
        programmation=programmation, numero=2, jeton="b" * 32, etat="echec", erreur="RuntimeError"
    )
    methode, matrice, nom, donnees = CAS_VERSIONS[cas]
    numero = {"version_pdf": 1, "version_scan": 1, "version_regenerer": 2}.get(nom)
    url = reverse(nom, kwargs=kwargs(programmation) | ({"numero": numero} if numero else {}))
    if role != "anonyme":
        client.force_login(utilisateur(role))
    attendu = matrice[role]
    if attendu == OK:
        attendu = 200 if methode == "get" else 302
    avant = etat_des_versions(programmation)

    with django_capture_on_commit_callbacks(execute=True):
        reponse = getattr(client, methode)(url, donnees())

    assert reponse.status_code == attendu, (cas, role)
    if role == "anonyme":
        assert reponse["Location"].startswith("/connexion/?next=")
    if methode == "post":
        assert (etat_des_versions(programmation) != avant) == (attendu == 302 and role != "anonyme")
