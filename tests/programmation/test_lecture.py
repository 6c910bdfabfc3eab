"""One way from any source to the facts (issue 6): the same action given as a JSON object, as form data and
as a model instance yields equal ``FaitsAction``; one amount policy for the form and the files."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from eligibilite.lecture import Problemes, lire_action, lire_json
from eligibilite.regles.montants import MontantIllisible, lire_montant
from programmation.ecriture import ecrire_actions, faits_action
from programmation.forms import ChampMontant, Cofinancements, FormulaireAction, cofinancements_de
from programmation.models import Action, Cofinancement, Porteur
from tests.factories import PorteurFactory, ProgrammationFactory, doter
from tests.factories import programme as programme_de

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


# --- The facts of programmes D and S: the same action from JSON, the form and the model ---------------------

PAIRES_DS = {
    "D": (
        # An ISCG post in its 2nd year, with its SNPD measure.
        {
            "reference": "D7",
            "intitule": "Intervenant social au commissariat",
            "categorie": "poste_iscg",
            "cout_total": "48000.00",
            "montant_fipd": "24000.00",
            "iscg_premiere_annee": 2025,
            "mesure_snpd": 35,
        },
        [("Commune", "24000.00", False)],
    ),
    "S": (
        # Radio terminals, co-funded by the DETR (State money) and the commune.
        {
            "reference": "S7",
            "intitule": "Terminaux de radiocommunication de la police municipale",
            "categorie": "terminaux_radio",
            "cout_total": "10000.00",
            "montant_fipd": "2100.00",
            "quantite": 5,
        },
        [("DETR 2026", "4000.00", True), ("Commune", "3900.00", False)],
    ),
}


@pytest.mark.parametrize("code", ["D", "S"])
def test_the_same_d_or_s_action_from_json_form_and_model_gives_equal_facts(code):
    programmation = ProgrammationFactory(programme=programme_de(code))
    doter(programmation, "100000.00")
    porteur = PorteurFactory(departement=programmation.departement, nom="Commune d'Exemple", commune=True)
    champs, cofinanceurs = PAIRES_DS[code]

    json_action = champs | {
        "porteur": {"nom": porteur.nom, "type": "collectivite"},
        "cofinancements": [{"financeur": f, "montant": m, "etat": e} for f, m, e in cofinanceurs],
    }
    texte = json.dumps(
        {"departement": "59", "annee": 2026, "programme": code, "enveloppe": "1000", "actions": [json_action]}
    )
    lue = lire_json(texte)
    assert not lue.problemes, lue.problemes.lignes()
    depuis_json = lue.actions[0].faits()

    donnees = {
        **{k: str(v) for k, v in champs.items()},
        "porteur": porteur.pk,
        "public": "personnes_suivies",
        "milieu": "libre",
        "decision": "retenue",
        "cofinancements-TOTAL_FORMS": str(len(cofinanceurs)),
        "cofinancements-INITIAL_FORMS": "0",
        "cofinancements-MIN_NUM_FORMS": "0",
        "cofinancements-MAX_NUM_FORMS": "1000",
    }
    for i, (financeur, montant, etat) in enumerate(cofinanceurs):
        donnees |= {f"cofinancements-{i}-financeur": financeur, f"cofinancements-{i}-montant": montant}
        if etat:
            donnees[f"cofinancements-{i}-etat"] = "on"
    form = FormulaireAction(
        donnees,
        instance=Action(programmation=programmation),
        programmation=programmation,
        porteurs=Porteur.objects.all(),
    )
    cofis = cofinancements_de(programmation, donnees)
    assert form.is_valid(), form.errors
    assert cofis.is_valid(), cofis.errors
    depuis_formulaire = form.action_lue(porteur, cofis.lignes()).faits()

    action = Action(
        programmation=programmation,
        porteur=porteur,
        decision="retenue",
        **{
            k: D(v) if k in ("cout_total", "montant_fipd") else v
            for k, v in champs.items()
            if k != "mesure_snpd"
        },
        mesure_snpd_id=champs.get("mesure_snpd"),
    )
    ecrire_actions(programmation.pk, [action], cofinancements={0: [(f, D(m), e) for f, m, e in cofinanceurs]})
    depuis_modele = faits_action(Action.objects.select_related("porteur").get(pk=action.pk))

    assert depuis_json == depuis_formulaire == depuis_modele
    if code == "D":
        assert (depuis_modele.iscg_premiere_annee, depuis_modele.mesure_snpd) == (2025, 35)
    else:
        assert depuis_modele.quantite == 5
        assert depuis_modele.cofinancements_etat == (D("4000.00"),)
        assert depuis_modele.cofinancements == (D("4000.00"), D("3900.00"))
