"""The home page: each user sees their scope with the right figures; opening a programmation; carrying last
year's actions over; the page's query count does not grow with its rows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from eligibilite.regles import montant
from programmation.ecriture import ecrire_actions
from programmation.models import Action, Cofinancement, Exercice, Programmation, Statut
from tests.factories import (
    PorteurFactory,
    ProgrammationFactory,
    UtilisateurFactory,
    creer_actions,
    departement,
    doter,
    exercice,
    programme,
)
from tests.tableau_national import rangees

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def agent_nord():
    return UtilisateurFactory(username="agent.nord", departements=[departement("59")])


@pytest.fixture
def client_nord(client, agent_nord):
    client.force_login(agent_nord)
    return client


@pytest.fixture
def client_rhone(client):
    client.force_login(UtilisateurFactory(username="agent.rhone", departements=[departement("69")]))
    return client


@pytest.fixture
def client_sgar(client):
    client.force_login(
        UtilisateurFactory(username="sgar.hdf", role="agent_regional", region=departement("59").region)
    )
    return client


@pytest.fixture
def client_sg(client):
    client.force_login(UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr"))
    return client


@pytest.fixture
def trois_departements(programmation):
    """Nord (the conftest's programmation, 100 000 €, 30 000 € retained of which 6 000 € training),
    Pas-de-Calais (same region, no envelope) and Rhône (another region, transmitted)."""
    creer_actions(programmation, 2, cout_total=D("20000"), montant_fipd=D("12000"))
    creer_actions(
        programmation,
        1,
        categorie="formation",
        public="professionnels",
        cout_total=D("8000"),
        montant_fipd=D("6000"),
    )
    pas_de_calais = ProgrammationFactory(departement=departement("62"))
    rhone = ProgrammationFactory(departement=departement("69"))
    doter(rhone, "50000.00")
    creer_actions(rhone, 1, montant_fipd=D("10000"), cout_total=D("20000"))
    Programmation.objects.filter(pk=rhone.pk).update(statut=Statut.TRANSMISE)
    programmation.refresh_from_db()
    return programmation, pas_de_calais, rhone


def programmations_affichees(reponse):
    if "groupes" not in reponse.context:  # the dashboard: the departments whose programmation is started
        return {r.departement for r in rangees(reponse) if r.statut != "non_commencee"}
    return {
        ligne.programmation.departement.code
        for _, programmes in reponse.context["groupes"]
        for _, lignes in programmes
        for ligne in lignes
    }


# --- What each user sees -------------------------------------------------------------------------------


def test_agent_home_lists_only_their_departments_with_the_figures(client_nord, trois_departements):
    reponse = client_nord.get(reverse("accueil"))
    assert reponse.status_code == 200
    assert programmations_affichees(reponse) == {"59"}
    html = reponse.content.decode()
    assert "Rhône" not in html and "Pas-de-Calais" not in html
    assert montant(D("100000")) in html  # envelope
    assert montant(D("30000")) in html  # retained total
    assert montant(D("70000")) in html  # room left
    assert f"{montant(D('6000'))} / {montant(D('6000'))}" in html  # training: 20 % of 30 000 = 6 000 > 4 000
    assert "lecture favorable" in html
    assert "Exercice 2026" in html and "Brouillon" in html
    assert 'href="/programmations/2026/59/R/"' in html


def test_training_cap_uses_the_floor_when_the_share_is_smaller(client_nord, programmation):
    creer_actions(programmation, 1, montant_fipd=D("1000"), cout_total=D("2000"))
    html = client_nord.get(reverse("accueil")).content.decode()
    assert f"{montant(D('0'))} / {montant(D('4000'))}" in html


def test_a_missing_envelope_is_shown_as_none_and_counts_as_zero(client_nord):
    ProgrammationFactory(programme=programme("D"))
    reponse = client_nord.get(reverse("accueil"))
    (ligne,) = [
        lg for _, programmes in reponse.context["groupes"] for _, lignes in programmes for lg in lignes
    ]
    assert ligne.enveloppe is None and ligne.reste == 0
    assert f"aucune ({montant(D('0'))})" in reponse.content.decode()


def test_agent_home_groups_by_exercice_newest_first(client_nord, programmation):
    ProgrammationFactory(exercice=exercice(2025))
    groupes = client_nord.get(reverse("accueil")).context["groupes"]
    assert [e.annee for e, _ in groupes] == [2026, 2025]


def test_regional_agent_home_is_the_dashboard_of_the_region_read_only(client_sgar, trois_departements):
    reponse = client_sgar.get(reverse("accueil"))
    assert programmations_affichees(reponse) == {"59", "62"}
    assert {r.departement for r in rangees(reponse)} == {"02", "59", "60", "62", "80"}
    html = reponse.content.decode()
    assert "Programmations 2026 – Hauts-de-France" in html
    assert "Ouvrir une programmation" not in html and "Reconduire" not in html
    assert "Valider les programmations cochées" not in html


def test_reviewer_home_is_the_dashboard_of_every_department(client_sg, trois_departements):
    reponse = client_sg.get(reverse("accueil"))
    assert programmations_affichees(reponse) == {"59", "62", "69"}
    assert len(rangees(reponse)) == 101 * 4  # every department, started or not
    html = reponse.content.decode()
    assert "Tableau de bord national 2026" in html
    assert "30,0\u202f%" in html  # Nord: 30 000 / 100 000
    assert "20,0\u202f%" in html  # Rhône: 10 000 / 50 000
    assert html.count("Non commencée") >= 101 * 4 - 3


def test_the_dashboard_filters_transmitted_programmations(client_sg, trois_departements):
    reponse = client_sg.get(reverse("national", args=[2026]), {"statut": "transmise"})
    assert programmations_affichees(reponse) == {"69"}


def test_the_reviewer_home_shows_the_open_campaign(client_sg):
    Exercice.objects.filter(annee=2026).update(etat="en_preparation")
    Exercice.objects.filter(annee=2025).update(etat="ouvert")
    assert client_sg.get(reverse("accueil")).context["exercice"].annee == 2025
    assert client_sg.get(reverse("national", args=[2024])).context["exercice"].annee == 2024


def test_the_dashboard_shows_none_without_envelope(client_sg):
    ProgrammationFactory(departement=departement("15"))
    reponse = client_sg.get(reverse("national", args=[2026]), {"recherche": "15", "programme": "R"})
    (ligne,) = rangees(reponse)
    assert ligne.cellules["Consommation"] == "—"
    assert "aucune" in reponse.content.decode()


# --- Opening a programmation ---------------------------------------------------------------------------


def test_agent_opens_a_programmation_as_a_draft(client_nord):
    reponse = client_nord.post(
        reverse("ouvrir_programmation"), {"departement": "59", "exercice": "2026", "programme": "D"}
    )
    p = Programmation.objects.get(departement__code="59", exercice__annee=2026, programme__code="D")
    assert p.statut == Statut.BROUILLON
    assert reponse.status_code == 302 and reponse.url == p.get_absolute_url()


def test_opening_an_existing_programmation_is_refused_in_french(client_nord, programmation):
    reponse = client_nord.post(
        reverse("ouvrir_programmation"), {"departement": "59", "exercice": "2026", "programme": "R"}
    )
    assert reponse.status_code == 200
    assert "a déjà une programmation du programme R pour 2026" in reponse.content.decode()
    assert Programmation.objects.count() == 1


def test_opening_in_a_closed_exercice_is_refused(client_nord):
    Exercice.objects.filter(annee=2025).update(etat="cloture")
    reponse = client_nord.post(
        reverse("ouvrir_programmation"), {"departement": "59", "exercice": "2025", "programme": "R"}
    )
    assert "Cet exercice est clôturé" in reponse.content.decode()
    assert not Programmation.objects.exists()


def test_opening_for_a_department_not_theirs_is_a_404(client_nord):
    reponse = client_nord.post(
        reverse("ouvrir_programmation"), {"departement": "69", "exercice": "2026", "programme": "R"}
    )
    assert reponse.status_code == 404
    assert not Programmation.objects.exists()


def test_reviewer_cannot_open_a_programmation(client_sg):
    reponse = client_sg.post(
        reverse("ouvrir_programmation"), {"departement": "59", "exercice": "2026", "programme": "R"}
    )
    assert reponse.status_code == 403
    assert not Programmation.objects.exists()


def test_opening_requires_post(client_nord):
    assert client_nord.get(reverse("ouvrir_programmation")).status_code == 405


# --- Carrying last year's actions over -----------------------------------------------------------------


@pytest.fixture
def programmation_2025():
    """Nord's 2025 programmation R: a retained action with two co-funders, a rejected one, a prison one."""
    p = ProgrammationFactory(exercice=exercice(2025))
    doter(departement("59"), "80000.00", annee=2025)
    porteur = PorteurFactory(departement=p.departement, nom="Association Rencontres")
    actions = [
        Action(
            programmation=p,
            reference="R25-01",
            intitule="Référent de parcours",
            porteur=porteur,
            categorie="referent_parcours",
            cout_total=D("30000"),
            montant_demande=D("18000"),
            montant_fipd=D("15000"),
            decision="retenue",
            code_analytique="09-XX",
        ),
        Action(
            programmation=p,
            reference="R25-02",
            intitule="Groupe de parole des familles",
            porteur=porteur,
            categorie="parentalite",
            cout_total=D("8000"),
            montant_fipd=D("4000"),
            decision="non_retenue",
        ),
        Action(
            programmation=p,
            reference="R25-03",
            intitule="Atelier en détention",
            porteur=porteur,
            categorie="insertion",
            milieu="carceral",
            cout_total=D("5000"),
            montant_fipd=D("2500"),
        ),
    ]
    ecrire_actions(
        p.pk, actions, cofinancements={0: [("Ville de Lille", D("9000")), ("CAF du Nord", D("6000"))]}
    )
    return p


def reconduire(client, annee=2026, dep="59", prog="R"):
    url = reverse("reconduire", kwargs={"annee": annee, "departement": dep, "programme": prog})
    return client.post(url, follow=False)


def test_reconduire_copies_last_years_actions_en_instruction_with_their_co_funders(
    client_nord, programmation, programmation_2025
):
    reponse = reconduire(client_nord)
    assert reponse.status_code == 302 and reponse.url == programmation.get_absolute_url()
    copies = {a.reference: a for a in programmation.actions.prefetch_related("cofinancements")}
    assert set(copies) == {"R25-01", "R25-02", "R25-03"}
    assert {a.decision for a in copies.values()} == {"en_instruction"}
    referent = copies["R25-01"]
    assert (referent.montant_fipd, referent.cout_total, referent.montant_demande) == (
        D("15000"),
        D("30000"),
        D("18000"),
    )
    assert referent.porteur.nom == "Association Rencontres" and referent.categorie == "referent_parcours"
    assert referent.code_analytique == "09-XX"
    assert sorted((c.financeur, c.montant) for c in referent.cofinancements.all()) == [
        ("CAF du Nord", D("6000.00")),
        ("Ville de Lille", D("9000.00")),
    ]
    assert copies["R25-03"].nb_bloquants == 1  # recorded en instruction, its verdict shown
    programmation.refresh_from_db()
    assert programmation.nb_en_instruction == 3 and programmation.total_fipd == 0
    assert Action.objects.filter(programmation=programmation_2025).count() == 3  # the source is untouched


def test_reconduire_skips_references_already_present_and_says_how_many(
    client_nord, programmation, programmation_2025
):
    Action(
        programmation=programmation,
        reference="R25-02",
        intitule="Déjà saisie",
        porteur=PorteurFactory(departement=programmation.departement),
        categorie="parentalite",
        cout_total=D("1000"),
        montant_fipd=D("500"),
    ).save()
    reponse = reconduire(client_nord)
    messages = [str(m) for m in reponse.wsgi_request._messages]
    assert messages == [
        "2 actions reconduites depuis 2025, en instruction ; 1 action ignorée car sa référence existe déjà."
    ]
    assert programmation.actions.get(reference="R25-02").intitule == "Déjà saisie"
    assert Cofinancement.objects.filter(action__programmation=programmation).count() == 2


def test_reconduire_without_a_previous_programmation_says_so(client_nord, programmation):
    reponse = reconduire(client_nord)
    messages = [str(m) for m in reponse.wsgi_request._messages]
    assert "rien à reconduire" in messages[0]
    assert not programmation.actions.exists()


def test_reconduire_for_another_department_is_a_404(client_rhone, programmation, programmation_2025):
    assert reconduire(client_rhone).status_code == 404
    assert not programmation.actions.exists()


def test_reviewer_cannot_reconduire(client_sg, programmation, programmation_2025):
    reponse = reconduire(client_sg)
    assert reponse.status_code == 403
    assert "Seul un agent de préfecture du département reconduit des actions" in reponse.content.decode()
    assert not programmation.actions.exists()


def test_reconduire_is_refused_once_the_programmation_is_transmitted(
    client_nord, programmation, programmation_2025
):
    Programmation.objects.filter(pk=programmation.pk).update(statut=Statut.TRANSMISE)
    assert reconduire(client_nord).status_code == 403
    assert not programmation.actions.exists()


def test_home_offers_reconduire_only_where_last_year_has_actions(
    client_nord, programmation, programmation_2025
):
    ProgrammationFactory(programme=programme("D"))
    html = client_nord.get(reverse("accueil")).content.decode()
    assert html.count('/reconduire/"') == 1
    assert 'action="/programmations/2026/59/R/reconduire/"' in html


# --- Query counts --------------------------------------------------------------------------------------


def requetes(client, url):
    with CaptureQueriesContext(connection) as contexte:
        reponse = client.get(url)
    assert reponse.status_code == 200
    return len(contexte.captured_queries)


COMBINAISONS_AGENT = [
    (annee, dep, prog) for annee in range(2026, 2021, -1) for prog in "RDSK" for dep in ("59", "62")
]
COMBINAISONS_NATIONAL = [
    (2026, dep, prog)
    for dep in ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10")
    for prog in "RDSK"
]


def creer_programmations(combinaisons):
    """Programmations over exercices, departments and programmes; one in three has an envelope and
    actions."""
    for i, (annee, dep, prog) in enumerate(combinaisons):
        p = ProgrammationFactory(
            exercice=exercice(annee), departement=departement(dep), programme=programme(prog)
        )
        if i % 3 == 0:
            doter(p, "10000.00")
            # 3 000 €: programme S's minimum cost of a project (DESIGN.md §3.5).
            creer_actions(
                p, 2, categorie="sante_mentale" if prog == "R" else "autre", cout_total=Decimal("3000.00")
            )


@pytest.mark.parametrize("role", ["agent", "national"])
def test_home_query_count_does_not_grow_with_programmations(client, role):
    if role == "agent":
        client.force_login(UtilisateurFactory(departements=[departement("59"), departement("62")]))
        combinaisons = COMBINAISONS_AGENT
    else:
        client.force_login(UtilisateurFactory(role="instructeur_sgcipdr"))
        combinaisons = COMBINAISONS_NATIONAL
    creer_programmations(combinaisons[:2])
    avec_2 = requetes(client, reverse("accueil"))
    creer_programmations(combinaisons[2:40])
    assert Programmation.objects.count() == 40
    assert requetes(client, reverse("accueil")) == avec_2
