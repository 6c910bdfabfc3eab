"""Dated parameters per programme (DESIGN.md §3.3): values from an exercice on, each with its source; the
SG-CIPDR's page; closed exercices read-only; rules without a parameter in force listed as not evaluated."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programmation.ecriture import parametres
from programmation.models import Action, Exercice, Programmation, Programme, ValeurParametre
from tests.factories import ActionFactory, ProgrammationFactory, UtilisateurFactory, departement, doter

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def client_sg(client):
    client.force_login(UtilisateurFactory(username="sg", role="instructeur_sgcipdr"))
    return client


@pytest.fixture
def client_agent(client):
    client.force_login(UtilisateurFactory(username="nord", departements=[departement("59")]))
    return client


def r():
    return Programme.objects.get(code="R")


def valeur(code, annee, texte, source="Circulaire FIPD de test"):
    return ValeurParametre(
        programme=r(), code=code, exercice=Exercice.objects.get(annee=annee), valeur=texte, source=source
    )


def primaire_a_20_pourcent(annee):
    """A retained primary-prevention action at exactly 20 % of its cost, in ``annee``'s programmation."""
    p = ProgrammationFactory(exercice=Exercice.objects.get(annee=annee))
    doter(p, "100000.00", annee=annee, le=f"{annee}-01-15")
    action = ActionFactory(programmation=p, prevention_primaire=True, retenue=True)
    return Programmation.objects.get(pk=p.pk), action


def verdicts(action):
    return [v["regle"] for v in Action.objects.get(pk=action.pk).verdicts]


def test_the_value_in_force_is_the_latest_started_one():
    Exercice.objects.create(annee=2027, etat="ouvert")
    valeur("taux_prevention_primaire", 2027, "0.15").save()

    assert parametres(r().pk, 2026).taux_prevention_primaire == D("0.2")
    assert parametres(r().pk, 2027).taux_prevention_primaire == D("0.15")
    assert parametres(r().pk, 2027).source("taux_prevention_primaire") == "Circulaire FIPD de test"
    assert parametres(r().pk, 2027).source("part_formation").startswith("Annexe 1 de la circulaire FIPD 2018")


def test_a_value_from_2027_leaves_2026_verdicts_and_changes_2027s():
    Exercice.objects.create(annee=2027, etat="ouvert")
    p2026, a2026 = primaire_a_20_pourcent(2026)
    p2027, a2027 = primaire_a_20_pourcent(2027)
    assert verdicts(a2026) == verdicts(a2027) == []

    valeur("taux_prevention_primaire", 2027, "15 %").save()

    assert verdicts(a2026) == []
    assert Programmation.objects.get(pk=p2026.pk).nb_bloquants == 0
    assert verdicts(a2027) == ["PREVENTION_PRIMAIRE_TAUX"]
    assert Programmation.objects.get(pk=p2027.pk).nb_bloquants == 1


def test_a_rule_whose_parameter_starts_after_the_exercice_is_not_evaluated_and_the_page_says_so(client_agent):
    # Setup only: the rate's first value now starts in 2027, as if a later circular had introduced it.
    ValeurParametre.objects.filter(code="taux_prevention_primaire").update(
        exercice=Exercice.objects.create(annee=2027, etat="ouvert")
    )
    p, action = primaire_a_20_pourcent(2026)
    assert "PREVENTION_PRIMAIRE_TAUX" not in verdicts(action)

    html = client_agent.get(p.get_absolute_url()).content.decode()

    assert 'id="regles-non-evaluees"' in html
    assert "PREVENTION_PRIMAIRE_TAUX" in html
    assert "aucun paramètre en vigueur en 2026 (taux maximal de la prévention primaire)" in html


def test_a_value_that_would_change_a_closed_exercice_is_refused_and_nothing_changes():
    Exercice.objects.filter(annee=2024).update(etat="cloture")
    with pytest.raises(ValidationError) as refus:
        valeur("plancher_formation", 2023, "3000.00").save()  # would apply to 2024 too

    assert refus.value.code == "exercice_cloture"
    assert not ValeurParametre.objects.filter(exercice__annee=2023).exists()
    valeur("plancher_formation", 2025, "3000.00").save()  # after the closed year: accepted
    assert parametres(r().pk, 2024).plancher_formation == D("4000.00")
    assert parametres(r().pk, 2025).plancher_formation == D("3000.00")


def test_a_value_is_checked_against_the_rule_sets_declaration():
    with pytest.raises(ValidationError) as refus:
        valeur("part_formation", 2026, "120 %").save()
    assert "valeur" in refus.value.error_dict
    with pytest.raises(ValidationError) as refus:
        valeur("taux_iscg_inconnu", 2026, "0.5").save()
    assert "code" in refus.value.error_dict
    with pytest.raises(ValidationError) as refus:
        ValeurParametre(
            programme=Programme.objects.get(code="K"),
            code="part_formation",
            exercice=Exercice.objects.get(annee=2026),
            valeur="0.2",
            source="x",
        ).save()
    assert "n'a pas de paramètre" in str(refus.value)


# --- The page ---------------------------------------------------------------------------------------------


def test_everyone_reads_the_parameters_with_their_sources(client_agent):
    html = client_agent.get(reverse("parametres")).content.decode()

    assert "Taux maximal de la prévention primaire" in html
    assert "20\u202f%" in html and "au taux de 20 % maximum" in html
    assert "Ajouter une valeur" not in html


def test_an_agent_cannot_add_a_value(client_agent):
    reponse = client_agent.post(
        reverse("parametre_valeur_ajouter", args=["R", "part_formation"]),
        {
            "R-part_formation-exercice": "2026",
            "R-part_formation-valeur": "25 %",
            "R-part_formation-source": "x",
        },
    )
    assert reponse.status_code == 403
    assert ValeurParametre.objects.filter(code="part_formation").count() == 1


def test_the_sgcipdr_adds_a_value_from_an_open_exercice(client_sg):
    url = reverse("parametre_valeur_ajouter", args=["R", "part_formation"])
    assert client_sg.get(url).status_code == 200

    reponse = client_sg.post(
        url,
        {
            "R-part_formation-exercice": "2026",
            "R-part_formation-valeur": "25 %",
            "R-part_formation-source": "Circulaire FIPD 2026, annexe 1",
        },
    )

    assert reponse.status_code == 302
    nouvelle = ValeurParametre.objects.get(code="part_formation", exercice__annee=2026)
    assert (nouvelle.valeur, nouvelle.source) == ("0.25", "Circulaire FIPD 2026, annexe 1")
    assert "25\u202f%" in client_sg.get(reverse("parametres")).content.decode()


def test_a_bad_value_is_a_french_message_beside_its_field(client_sg):
    reponse = client_sg.post(
        reverse("parametre_valeur_ajouter", args=["R", "plancher_formation"]),
        {
            "R-plancher_formation-exercice": "2026",
            "R-plancher_formation-valeur": "quatre mille",
            "R-plancher_formation-source": "",
        },
    )

    assert reponse.status_code == 200
    erreurs = reponse.context["formulaire"].errors
    assert "n'est pas lisible" in erreurs["valeur"][0]
    assert "source" in erreurs
    assert not ValeurParametre.objects.filter(programme__code="R", exercice__annee=2026).exists()


def test_a_closed_exercice_is_not_offered_and_its_values_are_read_only(client_sg):
    Exercice.objects.filter(annee__lte=2025).update(etat="cloture")
    premiere = ValeurParametre.objects.get(code="plancher_formation")  # from 2018, closed
    reponse = client_sg.post(
        reverse("parametre_valeur_ajouter", args=["R", "plancher_formation"]),
        {
            "R-plancher_formation-exercice": "2019",
            "R-plancher_formation-valeur": "1,00",
            "R-plancher_formation-source": "x",
        },
    )
    assert "Cet exercice est clôturé" in reponse.context["formulaire"].errors["exercice"][0]

    page = client_sg.get(reverse("parametre_valeur", args=[premiere.pk])).content.decode()
    assert "elle est en lecture seule" in page
    reponse = client_sg.post(reverse("parametre_valeur", args=[premiere.pk]), {"supprimer": "1"})
    assert ValeurParametre.objects.filter(pk=premiere.pk).exists()
