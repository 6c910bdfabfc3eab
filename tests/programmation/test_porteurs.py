"""The porteurs pages (issue 9, item 7): the list of the user's departments with search and per-porteur
figures, the detail with its actions across years, the edit (a change of type recomputes open exercices
only), and the merge of two duplicates (one transaction, refused across departments or when it would write a
closed exercice)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmation.ecriture.references import fusionner_porteurs
from programmation.models import Action, Exercice, Porteur, Programmation
from tests.factories import (
    ActionFactory,
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
    exercice,
)

pytestmark = pytest.mark.django_db
D = Decimal
SIRET_VALIDE = "73282932000074"  # Luhn-valid
SIRET_INVALIDE = "73282932000075"


@pytest.fixture
def agent_nord(client, db):
    client.force_login(UtilisateurFactory(username="agent.nord", departements=[departement("59")]))
    return client


@pytest.fixture
def sgcipdr(client, db):
    client.force_login(UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"))
    return client


@pytest.fixture
def rhone(db):
    p = ProgrammationFactory(departement=departement("69"))
    doter(p, "50000.00")
    porteur = PorteurFactory(departement=departement("69"), nom="Association lyonnaise")
    ActionFactory(programmation=p, porteur=porteur, reference="LYON", retenue=True)
    return porteur


def programmation_de(annee, code="59", montant="100000.00"):
    p = ProgrammationFactory(exercice=exercice(annee), departement=departement(code))
    Exercice.objects.filter(annee=annee).update(etat="ouvert")
    doter(p, montant, annee=annee)
    p.refresh_from_db()
    return p


def cloturer(annee):
    Exercice.objects.filter(annee=annee).update(etat="cloture")


def noms(reponse):
    return [p.nom for p in reponse.context["page"].object_list]


# --- The list -------------------------------------------------------------------------------------------


def test_an_agent_lists_the_porteurs_of_their_department_only(agent_nord, programmation, rhone):
    PorteurFactory(nom="Maison des adolescents")
    reponse = agent_nord.get("/porteurs/")
    assert reponse.status_code == 200
    assert noms(reponse) == ["Maison des adolescents"]
    assert "Association lyonnaise" not in reponse.content.decode()
    assert not reponse.context["filtre_departement"]


def test_the_sgcipdr_sees_every_department_and_filters_by_one(sgcipdr, programmation, rhone):
    PorteurFactory(nom="Maison des adolescents")
    assert noms(sgcipdr.get("/porteurs/")) == ["Association lyonnaise", "Maison des adolescents"]
    reponse = sgcipdr.get("/porteurs/", {"departement": "69"})
    assert reponse.context["filtre_departement"]
    assert noms(reponse) == ["Association lyonnaise"]


def test_search_by_name_siret_and_rna(agent_nord, programmation):
    PorteurFactory(nom="Maison des Adolescents", siret=SIRET_VALIDE)
    PorteurFactory(nom="Commune de Lille", type="collectivite", rna="W593000001")
    PorteurFactory(nom="Autre structure")
    assert noms(agent_nord.get("/porteurs/", {"q": "maison"})) == ["Maison des Adolescents"]
    assert noms(agent_nord.get("/porteurs/", {"q": "732 829 32"})) == ["Maison des Adolescents"]
    assert noms(agent_nord.get("/porteurs/", {"q": "w5930"})) == ["Commune de Lille"]
    reponse = agent_nord.get("/porteurs/", {"q": "introuvable"})
    assert noms(reponse) == []
    assert "Aucun porteur ne correspond à cette recherche." in reponse.content.decode()


@pytest.mark.parametrize(
    "texte", ["médiation", "MEDIATION", "Médiation", "mediation", "école", "ECOLE", "Ecole de la médiation"]
)
def test_search_ignores_case_and_accents(agent_nord, programmation, texte):
    PorteurFactory(nom="École de la Médiation")
    PorteurFactory(nom="Autre structure")
    assert noms(agent_nord.get("/porteurs/", {"q": texte})) == ["École de la Médiation"]


@pytest.mark.parametrize("texte", ["(", "[a-", ".*", "\\", "a+b?", "%", "_", "'; DROP TABLE", "x" * 100])
def test_search_with_special_characters_is_literal(agent_nord, programmation, texte):
    PorteurFactory(nom="Association (loi 1901) a+b? 100 % .*")
    reponse = agent_nord.get("/porteurs/", {"q": texte})
    assert reponse.status_code == 200
    attendu = ["Association (loi 1901) a+b? 100 % .*"] if texte in ("(", ".*", "a+b?", "%") else []
    assert noms(reponse) == attendu


def test_search_of_another_department_finds_nothing(agent_nord, programmation, rhone):
    assert noms(agent_nord.get("/porteurs/", {"q": "lyonnaise"})) == []
    assert noms(agent_nord.get("/porteurs/", {"departement": "69"})) == []


def test_counts_and_retained_totals_span_every_year(agent_nord):
    p2025, p2026 = programmation_de(2025), programmation_de(2026)
    porteur = PorteurFactory(nom="Maison des adolescents")
    ActionFactory(programmation=p2025, porteur=porteur, retenue=True, montant_fipd=D("1000.10"))
    ActionFactory(programmation=p2026, porteur=porteur, retenue=True, montant_fipd=D("2000.25"))
    ActionFactory(programmation=p2026, porteur=porteur, non_retenue=True, montant_fipd=D("9999.00"))
    ActionFactory(programmation=p2026, porteur=porteur, montant_fipd=D("500.00"))  # en instruction
    PorteurFactory(nom="Sans action")
    cloturer(2025)

    lignes = {p.nom: p for p in agent_nord.get("/porteurs/").context["page"].object_list}
    assert lignes["Maison des adolescents"].nb_actions == 4
    assert lignes["Maison des adolescents"].total_retenu == D("3000.35")
    assert lignes["Sans action"].nb_actions == 0
    assert lignes["Sans action"].total_retenu == D("0.00")


def test_the_list_is_paginated_and_keeps_the_search(agent_nord, programmation):
    for i in range(55):
        PorteurFactory(nom=f"Association {i:02d}")
    reponse = agent_nord.get("/porteurs/", {"q": "association"})
    assert len(reponse.context["page"].object_list) == 50
    assert "q=association&amp;page=2" in reponse.content.decode()
    assert (
        len(agent_nord.get("/porteurs/", {"q": "association", "page": "2"}).context["page"].object_list) == 5
    )
    assert agent_nord.get("/porteurs/", {"page": "n'importe quoi"}).status_code == 200


def test_the_navigation_shows_porteurs(agent_nord):
    assert 'href="/porteurs/"' in agent_nord.get("/").content.decode()


# --- The detail -------------------------------------------------------------------------------------------


def test_the_detail_lists_the_actions_across_years(agent_nord):
    p2025, p2026 = programmation_de(2025), programmation_de(2026)
    porteur = PorteurFactory(nom="Maison des adolescents", siret=SIRET_VALIDE)
    ancienne = ActionFactory(programmation=p2025, porteur=porteur, reference="A-2025", retenue=True)
    nouvelle = ActionFactory(programmation=p2026, porteur=porteur, reference="A-2026", retenue=True)
    cloturer(2025)

    reponse = agent_nord.get(f"/porteurs/{porteur.pk}/")
    assert reponse.status_code == 200
    assert [g["annee"] for g in reponse.context["annees"]] == [2026, 2025]
    html = reponse.content.decode()
    assert SIRET_VALIDE in html
    assert f'href="{ancienne.get_absolute_url()}"' in html and f'href="{nouvelle.get_absolute_url()}"' in html
    assert html.index("A-2026") < html.index("A-2025")
    assert "Exercice 2025 (clôturé)" in html


# --- Edit -------------------------------------------------------------------------------------------------


def donnees(porteur, **champs):
    return {"nom": porteur.nom, "type": porteur.type, "siret": porteur.siret, "rna": porteur.rna} | champs


def test_edit_saves_and_keeps_history(agent_nord, programmation):
    porteur = PorteurFactory(nom="Maison des ados")
    reponse = agent_nord.post(
        f"/porteurs/{porteur.pk}/modifier/",
        donnees(porteur, nom="Maison des adolescents", siret="732 829 320 00074", rna="w593000001"),
    )
    assert reponse.status_code == 302 and reponse["Location"] == f"/porteurs/{porteur.pk}/"
    porteur.refresh_from_db()
    assert (porteur.nom, porteur.siret, porteur.rna) == ("Maison des adolescents", SIRET_VALIDE, "W593000001")
    assert [h.nom for h in porteur.history.order_by("history_date")] == [
        "Maison des ados",
        "Maison des adolescents",
    ]


@pytest.mark.parametrize(
    "champs, champ, message",
    [
        ({"siret": SIRET_INVALIDE}, "siret", "SIRET"),
        ({"siret": "123"}, "siret", "SIRET"),
        ({"rna": "X12"}, "rna", "RNA"),
        ({"nom": ""}, "nom", "obligatoire"),
        ({"type": "inconnu"}, "type", "valide"),
    ],
)
def test_edit_with_bad_input_is_refused_in_french_and_writes_nothing(
    agent_nord, programmation, champs, champ, message
):
    porteur = PorteurFactory(nom="Maison des adolescents")
    avant = list(Porteur.objects.values_list("pk", "nom", "type", "siret", "rna"))
    historique = porteur.history.count()
    reponse = agent_nord.post(f"/porteurs/{porteur.pk}/modifier/", donnees(porteur, **champs))
    assert reponse.status_code == 200
    erreurs = " ".join(reponse.context["formulaire"].errors[champ])
    assert message in erreurs
    assert "Maison des adolescents" in reponse.content.decode()  # the title keeps the stored name
    assert list(Porteur.objects.values_list("pk", "nom", "type", "siret", "rna")) == avant
    assert porteur.history.count() == historique


def test_edit_refuses_the_siret_of_another_porteur_and_suggests_a_merge(agent_nord, programmation):
    PorteurFactory(nom="Maison des adolescents", siret=SIRET_VALIDE)
    doublon = PorteurFactory(nom="MDA")
    reponse = agent_nord.post(f"/porteurs/{doublon.pk}/modifier/", donnees(doublon, siret=SIRET_VALIDE))
    assert reponse.status_code == 200
    assert "fusionnez" in " ".join(reponse.context["formulaire"].errors["siret"])
    doublon.refresh_from_db()
    assert doublon.siret == ""


def test_its_own_siret_is_not_a_duplicate(agent_nord, programmation):
    porteur = PorteurFactory(nom="Maison des adolescents", siret=SIRET_VALIDE)
    reponse = agent_nord.post(f"/porteurs/{porteur.pk}/modifier/", donnees(porteur, nom="MDA"))
    assert reponse.status_code == 302


def test_a_type_change_recomputes_open_exercices_only_and_says_what_it_blocked(agent_nord):
    p2025, p2026 = programmation_de(2025), programmation_de(2026)
    porteur = PorteurFactory(nom="Association de médiation")
    ancienne = ActionFactory(
        programmation=p2025, porteur=porteur, categorie="referent_parcours", retenue=True, reference="R25"
    )
    ouverte = ActionFactory(
        programmation=p2026, porteur=porteur, categorie="referent_parcours", retenue=True, reference="R26"
    )
    cloturer(2025)
    total_2025 = Programmation.objects.get(pk=p2025.pk).nb_bloquants

    reponse = agent_nord.post(
        f"/porteurs/{porteur.pk}/modifier/", donnees(porteur, type="collectivite"), follow=True
    )

    assert reponse.status_code == 200
    ouverte.refresh_from_db()
    ancienne.refresh_from_db()
    assert [v["regle"] for v in ouverte.verdicts] == ["REFERENT_PARCOURS_NON_ASSOCIATIF"]
    assert ouverte.decision == "retenue"  # the change is a fact, not refused
    assert Programmation.objects.get(pk=p2026.pk).nb_bloquants == 1
    assert ancienne.verdicts == []  # the closed exercice keeps the verdicts it was closed with
    assert Programmation.objects.get(pk=p2025.pk).nb_bloquants == total_2025
    textes = [str(m) for m in reponse.context["messages"]]
    assert any("R26" in t and "contrôle bloquant" in t for t in textes), textes
    assert not any("R25" in t for t in textes)


def test_a_name_only_change_says_nothing_about_blocked_actions(agent_nord, programmation):
    porteur = PorteurFactory(nom="Association")
    ActionFactory(programmation=programmation, porteur=porteur, retenue=True)
    reponse = agent_nord.post(
        f"/porteurs/{porteur.pk}/modifier/", donnees(porteur, nom="Association MDA"), follow=True
    )
    assert [m.level_tag for m in reponse.context["messages"]] == ["success"]


def test_roles_that_only_read_cannot_edit_or_merge(client, programmation):
    porteur = PorteurFactory()
    autre = PorteurFactory()
    for utilisateur in (
        UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"),
        UtilisateurFactory(username="sgar.hdf", role="agent_regional", region=departement("59").region),
    ):
        client.force_login(utilisateur)
        assert client.get(f"/porteurs/{porteur.pk}/").status_code == 200
        assert client.get(f"/porteurs/{porteur.pk}/modifier/").status_code == 403
        assert client.post(f"/porteurs/{porteur.pk}/modifier/", donnees(porteur, nom="X")).status_code == 403
        assert client.get(f"/porteurs/{porteur.pk}/fusionner/").status_code == 403
        assert (
            client.post(f"/porteurs/{porteur.pk}/fusionner/confirmer/", {"absorbe": autre.pk}).status_code
            == 403
        )
    assert Porteur.objects.filter(pk=autre.pk).exists()
    porteur.refresh_from_db()
    assert porteur.nom != "X"


def test_an_administrator_edits_any_porteur(client, rhone):
    client.force_login(
        UtilisateurFactory(username="admin", role="administrateur", is_superuser=True, is_staff=True)
    )
    reponse = client.post(f"/porteurs/{rhone.pk}/modifier/", donnees(rhone, nom="Association de Lyon"))
    assert reponse.status_code == 302


# --- Merge ------------------------------------------------------------------------------------------------


def test_merge_confirmation_lists_what_moves(agent_nord, programmation):
    garde = PorteurFactory(nom="Maison des adolescents")
    doublon = PorteurFactory(nom="MDA")
    creer_actions(programmation, 3, porteur=doublon)
    reponse = agent_nord.get(f"/porteurs/{garde.pk}/fusionner/", {"absorbe": doublon.pk})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "3 actions passeront à « Maison des adolescents »" in html
    assert "Exercice 2026, programme R : 3 actions" in html
    assert f'action="/porteurs/{garde.pk}/fusionner/confirmer/"' in html
    assert Action.objects.filter(porteur=doublon).count() == 3  # nothing written yet


def test_merge_moves_the_actions_and_deletes_the_duplicate(agent_nord):
    p2025, p2026 = programmation_de(2025), programmation_de(2026)
    garde = PorteurFactory(nom="Maison des adolescents", siret=SIRET_VALIDE)
    doublon = PorteurFactory(nom="MDA")
    a = ActionFactory(programmation=p2025, porteur=doublon, retenue=True)
    b = ActionFactory(programmation=p2026, porteur=doublon, retenue=True)
    deja = ActionFactory(programmation=p2026, porteur=garde, retenue=True)
    versions = {x.pk: Action.objects.get(pk=x.pk).version for x in (a, b)}
    programmation_version = Programmation.objects.get(pk=p2026.pk).version

    reponse = agent_nord.post(
        f"/porteurs/{garde.pk}/fusionner/confirmer/", {"absorbe": doublon.pk}, follow=True
    )

    assert reponse.redirect_chain[-1][0] == f"/porteurs/{garde.pk}/"
    assert not Porteur.objects.filter(pk=doublon.pk).exists()
    assert set(Action.objects.filter(porteur=garde).values_list("pk", flat=True)) == {a.pk, b.pk, deja.pk}
    for x in (a, b):
        action = Action.objects.get(pk=x.pk)
        assert action.version == versions[x.pk] + 1
        assert action.history.first().porteur_id == garde.pk  # the move is in the action's history
    assert Programmation.objects.get(pk=p2026.pk).version > programmation_version  # recomputed
    textes = [str(m) for m in reponse.context["messages"]]
    assert any("2 actions déplacées" in t for t in textes), textes


def test_merge_into_another_type_recomputes_the_moved_actions(agent_nord, programmation):
    commune = PorteurFactory(nom="Commune de Lille", type="collectivite")
    association = PorteurFactory(nom="Association de médiation")
    action = ActionFactory(
        programmation=programmation, porteur=association, categorie="referent_parcours", retenue=True
    )
    reponse = agent_nord.post(
        f"/porteurs/{commune.pk}/fusionner/confirmer/", {"absorbe": association.pk}, follow=True
    )
    action.refresh_from_db()
    assert action.porteur_id == commune.pk
    assert [v["regle"] for v in action.verdicts] == ["REFERENT_PARCOURS_NON_ASSOCIATIF"]
    assert Programmation.objects.get(pk=programmation.pk).nb_bloquants == 1
    assert any("contrôle bloquant" in str(m) for m in reponse.context["messages"])


def etat():
    return (
        sorted(Porteur.objects.values_list("pk", "nom")),
        sorted(Action.objects.values_list("pk", "porteur_id", "version")),
        sorted(Programmation.objects.values_list("pk", "version")),
    )


def test_merge_across_departments_is_refused_and_writes_nothing(client, programmation, rhone):
    client.force_login(
        UtilisateurFactory(username="admin", role="administrateur", is_superuser=True, is_staff=True)
    )
    garde = PorteurFactory(nom="Maison des adolescents")
    avant = etat()
    reponse = client.post(f"/porteurs/{garde.pk}/fusionner/confirmer/", {"absorbe": rhone.pk})
    assert reponse.status_code == 409
    assert "pas du même département" in reponse.content.decode()
    assert etat() == avant
    assert (
        "pas du même département"
        in client.get(f"/porteurs/{garde.pk}/fusionner/", {"absorbe": rhone.pk}).content.decode()
    )


def test_merge_of_a_porteur_with_actions_in_a_closed_exercice_is_refused(agent_nord):
    p2025, p2026 = programmation_de(2025), programmation_de(2026)
    garde = PorteurFactory(nom="Maison des adolescents")
    doublon = PorteurFactory(nom="MDA")
    ActionFactory(programmation=p2025, porteur=doublon, retenue=True)
    ActionFactory(programmation=p2026, porteur=doublon, retenue=True)
    cloturer(2025)
    avant = etat()

    apercu = agent_nord.get(f"/porteurs/{garde.pk}/fusionner/", {"absorbe": doublon.pk})
    assert "exercice clôturé (2025)" in apercu.content.decode()
    assert 'id="form-fusion"' not in apercu.content.decode()
    reponse = agent_nord.post(f"/porteurs/{garde.pk}/fusionner/confirmer/", {"absorbe": doublon.pk})
    assert reponse.status_code == 409
    assert "exercice clôturé (2025)" in reponse.content.decode()
    assert (
        "2 actions seraient rattachées" in reponse.content.decode()
    )  # what was asked, and why it is refused
    assert etat() == avant

    # The other way round is possible: the porteur of the closed exercice is kept.
    assert (
        agent_nord.post(f"/porteurs/{doublon.pk}/fusionner/confirmer/", {"absorbe": garde.pk}).status_code
        == 302
    )
    assert not Porteur.objects.filter(pk=garde.pk).exists()


def test_merge_with_itself_or_a_bad_id_is_refused(agent_nord, programmation):
    garde = PorteurFactory(nom="Maison des adolescents")
    avant = etat()
    for valeur in (garde.pk, "abc", "99999999", ""):
        reponse = agent_nord.post(f"/porteurs/{garde.pk}/fusionner/confirmer/", {"absorbe": valeur})
        assert reponse.status_code == 400, valeur
        assert (
            "Choisissez un porteur de la liste." in reponse.content.decode()
            or "obligatoire" in reponse.content.decode()
        )
    assert agent_nord.get(f"/porteurs/{garde.pk}/fusionner/", {"absorbe": "abc"}).status_code == 200
    assert etat() == avant


def test_merge_function_refuses_itself(programmation):
    porteur = PorteurFactory()
    with pytest.raises(ValidationError):
        fusionner_porteurs(porteur, porteur)
    assert Porteur.objects.filter(pk=porteur.pk).exists()


def test_a_merge_of_a_porteur_deleted_meanwhile_is_refused_in_french(programmation):
    """Two agents merging the same pair both ways: the second finds its duplicate gone."""
    a, b = PorteurFactory(nom="A"), PorteurFactory(nom="B")
    ActionFactory(programmation=programmation, porteur=b)
    perime = Porteur.objects.get(pk=a.pk)
    fusionner_porteurs(b, a)
    with pytest.raises(ValidationError) as refus:
        fusionner_porteurs(perime, b)
    assert "rechargez la page" in refus.value.messages[0]
    assert list(Porteur.objects.values_list("nom", flat=True)) == ["B"]
    assert Action.objects.get().porteur_id == b.pk


def test_a_second_click_on_the_merge_button_writes_nothing_more(agent_nord, programmation):
    garde, doublon = PorteurFactory(nom="Garde"), PorteurFactory(nom="Doublon")
    ActionFactory(programmation=programmation, porteur=doublon)
    url = f"/porteurs/{garde.pk}/fusionner/confirmer/"
    assert agent_nord.post(url, {"absorbe": doublon.pk}).status_code == 302
    avant = etat()
    reponse = agent_nord.post(url, {"absorbe": doublon.pk})
    assert reponse.status_code == 400
    assert "Choisissez un porteur de la liste." in reponse.content.decode()
    assert etat() == avant


# --- Scope, methods, queries ----------------------------------------------------------------------------


def test_another_departments_porteur_is_404_on_every_url(agent_nord, programmation, rhone):
    mien = PorteurFactory(nom="Maison des adolescents")
    avant = etat()
    for url in (
        f"/porteurs/{rhone.pk}/",
        f"/porteurs/{rhone.pk}/modifier/",
        f"/porteurs/{rhone.pk}/fusionner/",
    ):
        assert agent_nord.get(url).status_code == 404, url
    assert agent_nord.post(f"/porteurs/{rhone.pk}/modifier/", donnees(rhone, nom="X")).status_code == 404
    assert (
        agent_nord.post(f"/porteurs/{rhone.pk}/fusionner/confirmer/", {"absorbe": mien.pk}).status_code == 404
    )
    # Naming the other department's porteur as the duplicate: not disclosed, refused as not in the list.
    reponse = agent_nord.post(f"/porteurs/{mien.pk}/fusionner/confirmer/", {"absorbe": rhone.pk})
    assert reponse.status_code == 400
    assert "Association lyonnaise" not in reponse.content.decode()
    assert agent_nord.get("/porteurs/99999999999999999999/").status_code == 404
    assert etat() == avant


def test_anonymous_users_go_to_the_login_page(client, programmation):
    porteur = PorteurFactory()
    for url in ("/porteurs/", f"/porteurs/{porteur.pk}/", f"/porteurs/{porteur.pk}/modifier/"):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/?next="), url


def test_get_on_the_merge_confirmation_is_405(agent_nord, programmation):
    porteur = PorteurFactory()
    assert agent_nord.get(f"/porteurs/{porteur.pk}/fusionner/confirmer/").status_code == 405
    assert agent_nord.post("/porteurs/").status_code == 405
    assert agent_nord.post(f"/porteurs/{porteur.pk}/").status_code == 405
    assert agent_nord.post(f"/porteurs/{porteur.pk}/fusionner/").status_code == 405


def nombre_de_requetes(client, url, **params):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url, params).status_code == 200
    return len(requetes)


def test_page_queries_do_not_grow_with_porteurs_and_actions(agent_nord, programmation):
    mesures = []
    for taille in (5, 60):
        Action.objects.all().delete()
        Porteur.objects.all().delete()
        porteurs = [PorteurFactory(nom=f"Association {i:03d}") for i in range(taille)]
        for porteur in porteurs[:10]:
            creer_actions(programmation, taille // 5, porteur=porteur)
        premier = porteurs[0]
        doublon = porteurs[1]
        mesures.append(
            (
                nombre_de_requetes(agent_nord, "/porteurs/"),
                nombre_de_requetes(agent_nord, "/porteurs/", q="association"),
                nombre_de_requetes(agent_nord, f"/porteurs/{premier.pk}/"),
                nombre_de_requetes(agent_nord, f"/porteurs/{premier.pk}/modifier/"),
                nombre_de_requetes(agent_nord, f"/porteurs/{premier.pk}/fusionner/", absorbe=doublon.pk),
            )
        )
    assert mesures[0] == mesures[1], mesures


def test_the_programmation_page_shows_the_kept_porteur_at_once_after_a_merge(agent_nord, programmation):
    """The page's fragment cache is keyed by the programmation's change marker and the porteurs' history:
    both move with a merge."""
    garde = PorteurFactory(nom="Maison des adolescents")
    doublon = PorteurFactory(nom="MDA Valenciennes")
    ActionFactory(programmation=programmation, porteur=doublon, retenue=True)
    assert "MDA Valenciennes" in agent_nord.get(programmation.get_absolute_url()).content.decode()
    agent_nord.post(f"/porteurs/{garde.pk}/fusionner/confirmer/", {"absorbe": doublon.pk}, follow=True)
    html = agent_nord.get(programmation.get_absolute_url()).content.decode()
    assert "MDA Valenciennes" not in html and "Maison des adolescents" in html


def test_the_action_page_links_to_its_porteur(agent_nord, programmation):
    action = ActionFactory(programmation=programmation, retenue=True)
    html = agent_nord.get(action.get_absolute_url()).content.decode()
    assert f'href="/porteurs/{action.porteur_id}/"' in html


def test_saving_a_porteur_merged_meanwhile_does_not_bring_it_back(programmation):
    garde, doublon = PorteurFactory(nom="Garde"), PorteurFactory(nom="Doublon")
    ouvert_dans_un_onglet = Porteur.objects.get(pk=doublon.pk)
    fusionner_porteurs(garde, doublon)
    ouvert_dans_un_onglet.nom = "Doublon renommé"
    with pytest.raises(ValidationError) as refus:
        ouvert_dans_un_onglet.save()
    assert refus.value.code == "porteur_supprime"
    assert list(Porteur.objects.values_list("nom", flat=True)) == ["Garde"]


def test_an_agent_of_two_departments_filters_by_one(client, programmation, rhone):
    client.force_login(
        UtilisateurFactory(username="agent.deux", departements=[departement("59"), departement("69")])
    )
    PorteurFactory(nom="Maison des adolescents")
    assert noms(client.get("/porteurs/")) == ["Association lyonnaise", "Maison des adolescents"]
    reponse = client.get("/porteurs/", {"departement": "59"})
    assert reponse.context["filtre_departement"]
    assert noms(reponse) == ["Maison des adolescents"]
    assert client.get("/porteurs/", {"departement": "15"}).context["formulaire"].errors["departement"]


def test_a_regional_agent_reads_the_porteurs_of_their_region(client, programmation, rhone):
    client.force_login(
        UtilisateurFactory(username="sgar.hdf", role="agent_regional", region=departement("59").region)
    )
    PorteurFactory(nom="Maison des adolescents")
    assert noms(client.get("/porteurs/")) == ["Maison des adolescents"]
    assert client.get(f"/porteurs/{rhone.pk}/").status_code == 404


def test_a_type_change_recomputes_a_submitted_programmation_of_an_open_exercice(agent_nord, programmation):
    """A porteur's type is a fact: it is not refused because a programmation was submitted; its verdicts
    follow (and the workflow then refuses validation while a blocking verdict remains)."""
    porteur = PorteurFactory(nom="Association de médiation")
    action = ActionFactory(
        programmation=programmation, porteur=porteur, categorie="referent_parcours", retenue=True
    )
    Programmation.objects.filter(pk=programmation.pk).update(statut="transmise")
    reponse = agent_nord.post(f"/porteurs/{porteur.pk}/modifier/", donnees(porteur, type="etat"))
    assert reponse.status_code == 302
    action.refresh_from_db()
    assert [v["regle"] for v in action.verdicts] == ["REFERENT_PARCOURS_NON_ASSOCIATIF"]
    assert Programmation.objects.get(pk=programmation.pk).nb_bloquants == 1
