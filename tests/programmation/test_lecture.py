"""One way from any source to the facts (issue 6): the same action given as a JSON object, as form data and
as a model instance yields equal ``FaitsAction``; one amount policy for the form and the files."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from eligibilite.lecture import Problemes, lire_action, lire_json
from eligibilite.regles.montants import MontantIllisible, lire_montant
from programmation.ecriture import faits_action
from programmation.forms import ChampMontant, Cofinancements, FormulaireAction
from programmation.models import Action, Cofinancement, Porteur
from tests.factories import PorteurFactory

pytestmark = pytest.mark.django_db
D = Decimal

FORMULAIRE = {
    "reference": "A7",
    "intitule": "Théâtre-forum au collège",
    "categorie": "prevention_primaire",
    "public": "grand_public",
    "milieu": "libre",
    "theme_prevention_primaire": "esprit_critique",
    "justification": "Quartier exposé",
    "cout_total": "12 345,67 €",
    "montant_demande": "3000",
    "montant_fipd": "2\u202f469,13",
    "contrat_de_ville": "on",
    "code_analytique": "09-FI0000001",
    "date_debut": "",
    "date_fin": "",
    "decision": "retenue",
    "cofinancements-TOTAL_FORMS": "2",
    "cofinancements-INITIAL_FORMS": "0",
    "cofinancements-MIN_NUM_FORMS": "0",
    "cofinancements-MAX_NUM_FORMS": "1000",
    "cofinancements-0-financeur": "Commune",
    "cofinancements-0-montant": "9 876,54",
    "cofinancements-1-financeur": "",
    "cofinancements-1-montant": "",
}
JSON = {
    "reference": "A7",
    "intitule": "Théâtre-forum au collège",
    "porteur": {"nom": "Compagnie du Théâtre", "type": "association"},
    "categorie": "prevention_primaire",
    "public": "grand_public",
    "milieu": "libre",
    "theme_prevention_primaire": "esprit_critique",
    "justification": "Quartier exposé",
    "cout_total": 12345.67,
    "montant_demande": "3000",
    "montant_fipd": "2469.13",
    "cofinancements": [{"financeur": "Commune", "montant": "9876.54"}],
    "contrat_de_ville": True,
    "code_analytique": "09-FI0000001",
}


def test_the_same_action_from_json_form_and_model_gives_equal_facts(programmation):
    porteur = PorteurFactory(departement=programmation.departement, nom="Compagnie du Théâtre")

    texte = json.dumps(
        {"departement": "59", "annee": 2026, "programme": "R", "enveloppe": "1000", "actions": [JSON]}
    )
    lue = lire_json(texte)
    assert not lue.problemes, lue.problemes.lignes()
    depuis_json = lue.actions[0].faits()

    form = FormulaireAction(
        FORMULAIRE | {"porteur": porteur.pk},
        instance=Action(programmation=programmation),
        programmation=programmation,
        porteurs=Porteur.objects.all(),
    )
    cofis = Cofinancements(FORMULAIRE, prefix="cofinancements")
    assert form.is_valid(), form.errors
    assert cofis.is_valid()
    depuis_formulaire = form.action_lue(porteur, cofis.lignes()).faits()

    action = Action(
        programmation=programmation,
        porteur=porteur,
        reference="A7",
        intitule="Théâtre-forum au collège",
        categorie="prevention_primaire",
        public="grand_public",
        milieu="libre",
        theme_prevention_primaire="esprit_critique",
        justification="Quartier exposé",
        cout_total=D("12345.67"),
        montant_demande=D("3000"),
        montant_fipd=D("2469.13"),
        contrat_de_ville=True,
        code_analytique="09-FI0000001",
        decision="retenue",
    )
    action.save()
    Cofinancement(action=action, financeur="Commune", montant=D("9876.54")).save()
    depuis_modele = faits_action(Action.objects.select_related("porteur").get(pk=action.pk))

    assert depuis_json == depuis_formulaire == depuis_modele
    assert depuis_json.cofinancements == (D("9876.54"),)


def test_a_category_of_another_programme_is_an_unknown_code_for_the_reader():
    problemes = Problemes()
    lire_action(JSON | {"categorie": "poste_iscg", "cout_total": "12345.67"}, problemes, programme="R")
    assert problemes.lignes() == [
        "Action A7, champ « categorie » : catégorie inconnue « poste_iscg » (codes admis : sante_mentale, "
        "insertion, parentalite, referent_parcours, formation, accompagnement_equipes, prevention_primaire, "
        "action_nationale, autre)."
    ]
    assert lire_action(JSON | {"categorie": "poste_iscg"}, Problemes(), programme="D").categorie is not None


def test_the_form_offers_only_the_programmes_categories(programmation):
    form = FormulaireAction(programmation=programmation, porteurs=Porteur.objects.none())
    assert [c for c, _ in form.fields["categorie"].choices if c][:2] == ["sante_mentale", "insertion"]
    assert "poste_iscg" not in dict(form.fields["categorie"].choices)


# --- One amount policy: the same table against the form field and the file reader --------------------------

ACCEPTES = [
    ("1234.56", "1234.56"),
    ("1234,56", "1234.56"),
    ("1 234,56", "1234.56"),
    ("1\u00a0234,56", "1234.56"),
    ("1\u202f234,56 €", "1234.56"),
    ("1 234,56 €", "1234.56"),
    ("1234,56€", "1234.56"),
    ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"),
    ("12 345 678,9", "12345678.90"),
    ("2e4", "20000.00"),
    ("0", "0.00"),
    ("9999999999.99", "9999999999.99"),
    ("  42 ", "42.00"),
]
REFUSES = [
    ("1_000", "illisible"),
    ("١٢٣", "illisible"),  # Arabic-Indic digits, which Decimal() takes
    ("١٢٣,٤٥", "illisible"),
    ("0e999999", "exposant"),
    ("1e99999999999999999999", "maximum"),
    ("1e-99999999999999999999", "decimales"),
    ("4000,125", "decimales"),
    ("4000.125", "decimales"),
    ("1.001", "decimales"),
    ("12,345,6", "illisible"),
    ("1 23,45", "illisible"),
    ("-5", "negatif"),
    ("10000000000", "maximum"),
    ("NaN", "illisible"),
    ("Infinity", "illisible"),
    ("0x10", "illisible"),
    ("douze", "illisible"),
]


@pytest.mark.parametrize(("texte", "attendu"), ACCEPTES)
def test_an_amount_the_form_accepts_the_files_accept(texte, attendu):
    assert ChampMontant().clean(texte) == D(attendu)
    assert lire_montant(texte) == D(attendu)
    assert str(lire_montant(texte)) == attendu


@pytest.mark.parametrize(("texte", "nature"), REFUSES)
def test_an_amount_the_form_refuses_the_files_refuse(texte, nature):
    with pytest.raises(ValidationError) as erreur_formulaire:
        ChampMontant().clean(texte)
    with pytest.raises(MontantIllisible) as erreur_fichier:
        lire_montant(texte)

    assert erreur_fichier.value.nature == nature
    message = erreur_formulaire.value.messages[0]
    if nature == "illisible":
        assert message == "Saisissez un montant en euros, par exemple 1 234,56."
    else:
        assert message.lower() == str(erreur_fichier.value).lower()
