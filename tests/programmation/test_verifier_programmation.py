"""``manage.py verifier_programmation``: the check contract of DESIGN.md §4."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmation.models import (
    Action,
    CelluleSuivi,
    Departement,
    Exercice,
    Porteur,
    Programmation,
    ValeurParametre,
)
from programmation.verification import FichierInvalide, verifier

pytestmark = pytest.mark.django_db

RACINE = Path(__file__).resolve().parents[2]
SIRET_VALIDE = "73282932000074"
CODES_PROGRAMMATION = {"FORMATION_PLAFOND", "ENVELOPPE_DEPASSEE", "DOTATION_SANS_CELLULE"}


@dataclass
class Sortie:
    code: int
    stdout: str
    stderr: str

    @property
    def rapport(self) -> dict:
        return json.loads(self.stdout)

    @property
    def lignes(self) -> list[str]:
        return self.stderr.splitlines()

    def codes_programmation(self) -> list[str]:
        return [v["regle"] for v in self.rapport["programmation"]["verdicts"]]

    def codes_action(self, reference: str) -> list[str]:
        (action,) = [a for a in self.rapport["actions"] if a["reference"] == reference]
        return [v["regle"] for v in action["verdicts"]]


@pytest.fixture
def executer(tmp_path):
    """Runs the command on a programmation (a dict, dumped as JSON, or raw text) and returns what it did."""

    def executer(contenu, *options, nom="programmation.json") -> Sortie:
        chemin = tmp_path / nom
        texte = contenu if isinstance(contenu, str) else json.dumps(contenu, ensure_ascii=False)
        chemin.write_text(texte, encoding="utf-8")
        return executer_chemin(chemin, *options)

    return executer


def executer_chemin(chemin, *options) -> Sortie:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("verifier_programmation", str(chemin), *options, stdout=stdout, stderr=stderr)
    except SystemExit as e:
        code = e.code
    return Sortie(code, stdout.getvalue(), stderr.getvalue())


def action(**champs) -> dict:
    """A retained action with no verdict at all, with the given fields changed."""
    valeurs = {
        "reference": "A1",
        "intitule": "Consultations de psychologues",
        "porteur": {"nom": "Association Exemple", "type": "association"},
        "categorie": "insertion",
        "cout_total": "10000.00",
        "montant_fipd": "5000.00",
    }
    valeurs.update(champs)
    return valeurs


def programmation(*actions, **entete) -> dict:
    valeurs = {"departement": "59", "annee": 2018, "programme": "R", "enveloppe": "120000.00"}
    valeurs.update(entete)
    valeurs["actions"] = list(actions) if actions else [action()]
    return valeurs


EXEMPLE_DESIGN = {
    "departement": "59",
    "annee": 2018,
    "programme": "R",
    "enveloppe": "120000.00",
    "actions": [
        {
            "reference": "A1",
            "intitule": "Consultations de psychologues",
            "porteur": {"nom": "Association Exemple", "type": "association", "siret": SIRET_VALIDE},
            "categorie": "sante_mentale",
            "public": "personnes_suivies",
            "milieu": "libre",
            "cout_total": "30000.00",
            "montant_demande": "20000.00",
            "montant_fipd": "20000.00",
            "cofinancements": [{"financeur": "Commune", "montant": "10000.00"}],
            "contrat_de_ville": False,
            "code_analytique": "",
            "theme_prevention_primaire": None,
            "justification": "",
        }
    ],
}


# --- Eligible and blocking files ---------------------------------------------------------------------------


def test_valid_file_prints_the_report_and_exits_0(executer):
    sortie = executer(EXEMPLE_DESIGN)

    assert sortie.code == 0
    assert sortie.stderr == ""
    assert sortie.rapport == {
        "eligible": True,
        "programmation": {
            "departement": "59",
            "annee": 2018,
            "programme": "R",
            "enveloppe": "120000.00",
            "total_fipd": "20000.00",
            "total_formation": "0.00",
            "plafond_formation": "4000.00",
            "lecture_plafond_formation": "favorable",
            "regles_non_evaluees": [],
            "verdicts": [],
        },
        "actions": [{"reference": "A1", "eligible": True, "verdicts": []}],
    }


def test_report_is_indented_json_with_french_characters_unescaped(executer):
    sortie = executer(programmation(action(milieu="ouvert")))

    assert sortie.stdout == json.dumps(sortie.rapport, ensure_ascii=False, indent=2) + "\n"
    assert "é" in sortie.stdout and "\\u00e9" not in sortie.stdout


def test_blocking_file_prints_the_report_and_exits_1(executer):
    sortie = executer(
        programmation(
            action(reference="P", milieu="carceral"),
            action(reference="F", categorie="formation", montant_fipd="4500.00"),
            action(reference="OK"),
            enveloppe="10000.00",
        )
    )

    assert sortie.code == 1
    assert sortie.stderr == ""
    rapport = sortie.rapport
    assert rapport["eligible"] is False
    prog = rapport["programmation"]
    assert (prog["total_fipd"], prog["total_formation"], prog["plafond_formation"]) == (
        "14500.00",
        "4500.00",
        "4000.00",
    )
    assert sortie.codes_programmation() == ["FORMATION_PLAFOND", "ENVELOPPE_DEPASSEE"]
    assert [(a["reference"], a["eligible"]) for a in rapport["actions"]] == [
        ("P", False),
        ("F", True),
        ("OK", True),
    ]
    assert sortie.codes_action("P") == ["MILIEU_CARCERAL"]
    for verdict in prog["verdicts"] + rapport["actions"][0]["verdicts"]:
        assert set(verdict) == {"regle", "niveau", "message", "source"}
        assert verdict["niveau"] == "bloquant" and verdict["message"] and verdict["source"]


def test_an_alert_alone_keeps_the_programmation_eligible(executer):
    sortie = executer(programmation(action(milieu="ouvert")))

    assert sortie.code == 0
    assert sortie.rapport["eligible"] is True
    assert sortie.rapport["actions"][0]["verdicts"][0]["niveau"] == "alerte"


def test_training_cap_is_shown_rounded_down_to_the_cent(executer):
    # 20 % of 21 111.13 is 4 222.226: shown 4 222.22, never 4 222.23.
    sortie = executer(programmation(action(cout_total="30000.00", montant_fipd="21111.13")))

    assert sortie.rapport["programmation"]["plafond_formation"] == "4222.22"


def test_amounts_in_the_report_have_two_decimals_whatever_the_input(executer):
    sortie = executer(
        '{"departement": "59", "annee": 2018, "programme": "R", "enveloppe": 2e5, "actions": ['
        '{"reference": "A1", "intitule": "x", "porteur": {"nom": "Asso", "type": "association"},'
        ' "categorie": "insertion", "cout_total": 10000, "montant_fipd": 1.5}]}'
    )

    prog = sortie.rapport["programmation"]
    assert (prog["enveloppe"], prog["total_fipd"]) == ("200000.00", "1.50")


def test_optional_fields_left_out_or_null_take_their_defaults(executer):
    nuls = action(
        public=None,
        milieu=None,
        contrat_de_ville=None,
        code_analytique=None,
        theme_prevention_primaire=None,
        justification=None,
        montant_demande=None,
        cofinancements=None,
        porteur={"nom": "Association Exemple", "type": "association", "siret": None},
    )
    sortie = executer(programmation(nuls, action(reference="A2")))

    assert sortie.code == 0, sortie.stderr
    assert [a["verdicts"] for a in sortie.rapport["actions"]] == [[], []]


def test_an_empty_theme_means_no_theme(executer):
    sortie = executer(
        programmation(
            action(
                categorie="prevention_primaire",
                montant_fipd="1000.00",
                justification="Majeur",
                theme_prevention_primaire="",
            )
        )
    )

    assert sortie.code == 1
    assert sortie.codes_action("A1") == ["PREVENTION_PRIMAIRE_THEME"]


def test_every_action_counts_as_retained(executer):
    sortie = executer(programmation(action(reference="A1"), action(reference="A2"), enveloppe="9000.00"))

    assert sortie.rapport["programmation"]["total_fipd"] == "10000.00"
    assert sortie.codes_programmation() == ["ENVELOPPE_DEPASSEE"]


def test_the_command_writes_nothing_to_the_database(executer):
    avant = (Programmation.objects.count(), Action.objects.count(), Porteur.objects.count())
    with CaptureQueriesContext(connection) as requetes:
        sortie = executer(EXEMPLE_DESIGN)

    assert sortie.code == 0
    assert requetes.captured_queries
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in requetes.captured_queries)
    assert (Programmation.objects.count(), Action.objects.count(), Porteur.objects.count()) == avant


def test_the_query_count_does_not_grow_with_the_number_of_actions(executer):
    comptes = []
    for n in (1, 60):
        actions = [action(reference=f"A{i}", montant_fipd="100.00") for i in range(n)]
        with CaptureQueriesContext(connection) as requetes:
            assert executer(programmation(*actions)).code == 0
        comptes.append(len(requetes.captured_queries))
    assert comptes[0] == comptes[1]


# --- Every rule code, at its level --------------------------------------------------------------------------

REGLES_ACTION = [
    ("MILIEU_CARCERAL", "bloquant", {"milieu": "carceral"}),
    ("MILIEU_OUVERT", "alerte", {"milieu": "ouvert"}),
    (
        "PREVENTION_PRIMAIRE_THEME",
        "bloquant",
        {"categorie": "prevention_primaire", "montant_fipd": "2000.00", "justification": "Intérêt majeur"},
    ),
    (
        "PREVENTION_PRIMAIRE_TAUX",
        "bloquant",
        {
            "categorie": "prevention_primaire",
            "montant_fipd": "2000.01",
            "justification": "Intérêt majeur",
            "theme_prevention_primaire": "esprit_critique",
        },
    ),
    (
        "PREVENTION_PRIMAIRE_JUSTIFICATION",
        "bloquant",
        {
            "categorie": "prevention_primaire",
            "montant_fipd": "2000.00",
            "theme_prevention_primaire": "usage_internet",
        },
    ),
    ("PUBLIC_NON_CIBLE", "alerte", {"public": "grand_public"}),
    ("CODE_ANALYTIQUE_CONTRAT_DE_VILLE", "bloquant", {"contrat_de_ville": True}),
    ("CODE_ANALYTIQUE_CONTRAT_DE_VILLE", "bloquant", {"code_analytique": "09-FI0000001"}),
    (
        "REFERENT_PARCOURS_NON_ASSOCIATIF",
        "bloquant",
        {"categorie": "referent_parcours", "porteur": {"nom": "Commune de Lille", "type": "collectivite"}},
    ),
    ("CREDITS_CENTRAUX", "alerte", {"categorie": "action_nationale"}),
    ("CREDITS_CENTRAUX", "alerte", {"porteur": {"nom": "LICRA Nord", "type": "association"}}),
    ("MONTANT_INVALIDE", "bloquant", {"montant_fipd": "0"}),
    ("MONTANT_INVALIDE", "bloquant", {"cout_total": 0, "montant_fipd": 0}),
    ("MONTANT_INVALIDE", "bloquant", {"montant_fipd": "10000.01"}),
    ("MONTANT_SUPERIEUR_DEMANDE", "alerte", {"montant_demande": "4999.99"}),
    (
        "BUDGET_NON_EQUILIBRE",
        "alerte",
        {
            "cofinancements": [
                {"financeur": "Commune", "montant": "1000.00"},
                {"financeur": "CAF", "montant": 3000},
            ]
        },
    ),
]


@pytest.mark.parametrize(("code", "niveau", "champs"), REGLES_ACTION, ids=[r[0] for r in REGLES_ACTION])
def test_action_rule_appears_in_its_action_verdicts(executer, code, niveau, champs):
    sortie = executer(programmation(action(reference="OK"), action(reference="X", **champs)))

    assert sortie.code == (1 if niveau == "bloquant" else 0), sortie.stderr
    assert sortie.codes_action("X") == [code]
    assert sortie.codes_action("OK") == []
    assert sortie.codes_programmation() == []
    (verdict,) = [a for a in sortie.rapport["actions"] if a["reference"] == "X"][0]["verdicts"]
    assert verdict["niveau"] == niveau
    assert sortie.rapport["eligible"] is (niveau == "alerte")


@pytest.mark.parametrize(
    ("montant_fipd", "codes"), [("2469.13", []), ("2469.14", ["PREVENTION_PRIMAIRE_TAUX"])]
)
def test_primary_prevention_rate_is_compared_unrounded(executer, montant_fipd, codes):
    texte = json.dumps(
        programmation(
            action(
                categorie="prevention_primaire",
                cout_total="COUT",
                montant_fipd="FIPD",
                theme_prevention_primaire="contre_discours",
                justification="Quartier très exposé",
            )
        )
    )
    texte = texte.replace('"COUT"', "12345.67").replace('"FIPD"', montant_fipd)  # JSON numbers, read exactly

    assert executer(texte).codes_action("A1") == codes


def test_training_cap_is_a_programmation_verdict(executer):
    sortie = executer(
        programmation(action(reference="F", categorie="accompagnement_equipes", montant_fipd="4000.01"))
    )

    assert sortie.code == 1
    assert sortie.codes_programmation() == ["FORMATION_PLAFOND"]
    assert sortie.codes_action("F") == []


def test_training_up_to_the_floor_is_eligible(executer):
    sortie = executer(programmation(action(reference="F", categorie="formation", montant_fipd="4000.00")))

    assert sortie.code == 0
    assert sortie.codes_programmation() == []


def test_envelope_overrun_is_a_programmation_verdict(executer):
    sortie = executer(programmation(action(montant_fipd="5000.00"), enveloppe="4999.99"))

    assert sortie.code == 1
    assert sortie.codes_programmation() == ["ENVELOPPE_DEPASSEE"]
    assert "0,01" in sortie.rapport["programmation"]["verdicts"][0]["message"]
    assert sortie.codes_action("A1") == []


def test_allocation_without_an_active_follow_up_cell_is_a_programmation_alert(executer):
    CelluleSuivi.objects.create(
        departement=Departement.objects.get(code="59"),
        exercice=Exercice.objects.get(annee=2018),
        active=False,
    )

    sortie = executer(programmation())

    assert sortie.code == 0
    assert sortie.codes_programmation() == ["DOTATION_SANS_CELLULE"]
    assert sortie.rapport["programmation"]["verdicts"][0]["niveau"] == "alerte"
    assert sortie.codes_action("A1") == []


def test_an_active_follow_up_cell_gives_no_alert(executer):
    CelluleSuivi.objects.create(
        departement=Departement.objects.get(code="59"), exercice=Exercice.objects.get(annee=2018), active=True
    )

    assert executer(programmation()).codes_programmation() == []


def test_a_zero_envelope_gives_no_allocation_alert_but_an_overrun(executer):
    CelluleSuivi.objects.create(
        departement=Departement.objects.get(code="59"),
        exercice=Exercice.objects.get(annee=2018),
        active=False,
    )

    assert executer(programmation(enveloppe="0")).codes_programmation() == ["ENVELOPPE_DEPASSEE"]


@pytest.mark.parametrize(("programme", "annee"), [("D", 2018), ("S", 2018), ("K", 2018), ("K", 2026)])
def test_the_annex_rules_apply_to_programme_r_only(executer, programme, annee):
    """Programme K has the coherence rules only; D and S, before their rule sets start (see
    test_verifier_programmation_d_s.py for their rules)."""
    sortie = executer(
        programmation(
            action(categorie="autre", milieu="carceral", montant_demande="1.00"),
            programme=programme,
            annee=annee,
        )
    )

    assert sortie.code == 0
    assert sortie.codes_action("A1") == ["MONTANT_SUPERIEUR_DEMANDE"]


def test_verdicts_come_in_the_registry_order(executer):
    sortie = executer(
        programmation(
            action(
                categorie="prevention_primaire",
                montant_fipd="9000.00",
                montant_demande="100.00",
                milieu="carceral",
                contrat_de_ville=True,
            ),
            enveloppe="10.00",
        )
    )

    assert sortie.codes_action("A1") == [
        "MILIEU_CARCERAL",
        "PREVENTION_PRIMAIRE_THEME",
        "PREVENTION_PRIMAIRE_TAUX",
        "PREVENTION_PRIMAIRE_JUSTIFICATION",
        "CODE_ANALYTIQUE_CONTRAT_DE_VILLE",
        "MONTANT_SUPERIEUR_DEMANDE",
    ]
    assert set(sortie.codes_programmation()) <= CODES_PROGRAMMATION


# --- Command-line options -----------------------------------------------------------------------------------


def test_options_override_the_header_of_a_json_file(executer):
    sortie = executer(programmation(), "--enveloppe", "1000.00", "--departement", "974", "--annee", "2026")

    prog = sortie.rapport["programmation"]
    assert (prog["departement"], prog["annee"], prog["enveloppe"]) == ("974", 2026, "1000.00")
    assert sortie.codes_programmation() == ["ENVELOPPE_DEPASSEE"]
    assert sortie.code == 1


def test_options_may_give_header_fields_missing_from_the_file(executer):
    donnees = programmation()
    for cle in ("departement", "annee", "programme", "enveloppe"):
        del donnees[cle]

    sortie = executer(donnees, "--departement=69", "--annee=2026", "--programme=R", "--enveloppe=90000")

    assert sortie.code == 0, sortie.stderr
    assert sortie.rapport["programmation"]["enveloppe"] == "90000.00"


@pytest.mark.parametrize(
    ("option", "valeur", "attendu"),
    [
        ("--annee", "2031", "Option --annee : l'exercice 2031 n'existe pas"),
        ("--annee", "deux mille", "Option --annee : un nombre entier est attendu"),
        ("--enveloppe", "mille", "Option --enveloppe : le montant n'est pas un nombre"),
        ("--departement", "99", "Option --departement : département inconnu « 99 »"),
        ("--programme", "Z", "Option --programme : programme inconnu « Z »"),
    ],
)
def test_bad_options_are_bad_input(executer, option, valeur, attendu):
    sortie = executer(programmation(), option, valeur)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert attendu in sortie.stderr


# --- Bad input: exit 2, nothing on stdout, each problem on stderr naming the action and the field -----------


def sans(cle, *chemin):
    def modifier(d):
        cible = d
        for etape in chemin:
            cible = cible[etape]
        del cible[cle]

    return modifier


def avec(valeur, cle, *chemin):
    def modifier(d):
        cible = d
        for etape in chemin:
            cible = cible[etape]
        cible[cle] = valeur

    return modifier


A1 = ("actions", 0)
PORTEUR = ("actions", 0, "porteur")
COFINANCEMENT = ("actions", 0, "cofinancements", 0)
BASE = programmation(action(cofinancements=[{"financeur": "Commune", "montant": "5000.00"}]))

MAUVAISES_ENTREES = {
    # missing required fields, at each level
    **{
        f"sans_{cle}": (sans(cle), f"Champ « {cle} » : champ obligatoire absent.")
        for cle in ("departement", "annee", "programme", "enveloppe", "actions")
    },
    **{
        f"sans_{cle}": (sans(cle, *A1), f"Action A1, champ « {cle} » : champ obligatoire absent.")
        for cle in ("intitule", "porteur", "categorie", "cout_total", "montant_fipd")
    },
    "sans_reference": (
        sans("reference", *A1),
        "Action sans référence (action n° 1), champ « reference » : champ obligatoire absent.",
    ),
    "sans_porteur_nom": (
        sans("nom", *PORTEUR),
        "Action A1, champ « porteur.nom » : champ obligatoire absent.",
    ),
    "sans_porteur_type": (
        sans("type", *PORTEUR),
        "Action A1, champ « porteur.type » : champ obligatoire absent.",
    ),
    "sans_financeur": (
        sans("financeur", *COFINANCEMENT),
        "Action A1, cofinancement n° 1, champ « financeur » : champ obligatoire absent.",
    ),
    # null required fields
    **{
        f"{cle}_null": (avec(None, cle), f"Champ « {cle} » : champ obligatoire à null")
        for cle in ("departement", "annee", "programme", "enveloppe", "actions")
    },
    **{
        f"{cle}_null": (avec(None, cle, *A1), f"Action A1, champ « {cle} » : champ obligatoire à null")
        for cle in ("intitule", "porteur", "categorie", "cout_total", "montant_fipd")
    },
    "reference_null": (
        avec(None, "reference", *A1),
        "Action sans référence (action n° 1), champ « reference » : champ obligatoire à null",
    ),
    "porteur_nom_null": (
        avec(None, "nom", *PORTEUR),
        "Action A1, champ « porteur.nom » : champ obligatoire à null",
    ),
    "porteur_type_null": (
        avec(None, "type", *PORTEUR),
        "Action A1, champ « porteur.type » : champ obligatoire à null",
    ),
    "cofinancement_montant_null": (
        avec(None, "montant", *COFINANCEMENT),
        "Action A1, cofinancement n° 1, champ « montant » : champ obligatoire à null",
    ),
    "reference_vide": (
        avec("  ", "reference", *A1),
        "(action n° 1), champ « reference » : champ obligatoire vide",
    ),
    # unknown keys, at each level
    "cle_inconnue_entete": (avec("Nord", "region"), "Champ « region » : clé inconnue"),
    "cle_inconnue_action": (
        avec("libre", "milieux", *A1),
        "Action A1, champ « milieux » : clé inconnue (vouliez-vous dire « milieu » ?)",
    ),
    "cle_inconnue_porteur": (
        avec("W595012345", "rna", *PORTEUR),
        "Action A1, champ « porteur.rna » : clé inconnue",
    ),
    "cle_inconnue_cofinancement": (
        avec("2018-01-01", "date", *COFINANCEMENT),
        "Action A1, cofinancement n° 1, champ « date » : clé inconnue",
    ),
    # unknown codes
    "departement_inconnu": (avec("99", "departement"), "Champ « departement » : département inconnu « 99 »."),
    "departement_nombre": (
        avec(59, "departement"),
        "Champ « departement » : une chaîne de caractères est attendue",
    ),
    "programme_inconnu": (
        avec("B", "programme"),
        "Champ « programme » : programme inconnu « B » (codes admis : D, K, R, S).",
    ),
    "categorie_inconnue": (
        avec("sport", "categorie", *A1),
        "Action A1, champ « categorie » : catégorie inconnue « sport »",
    ),
    "public_inconnu": (
        avec("jeunes", "public", *A1),
        "Action A1, champ « public » : public inconnu « jeunes »",
    ),
    "milieu_inconnu": (
        avec("prison", "milieu", *A1),
        "Action A1, champ « milieu » : milieu inconnu « prison »",
    ),
    "theme_inconnu": (
        avec("sport", "theme_prevention_primaire", *A1),
        "Action A1, champ « theme_prevention_primaire » : thème de prévention primaire inconnu",
    ),
    "type_porteur_inconnu": (
        avec("entreprise", "type", *PORTEUR),
        "Action A1, champ « porteur.type » : type de porteur inconnu « entreprise »",
    ),
    # amounts
    "montant_negatif": (
        avec("-5.00", "cout_total", *A1),
        "Action A1, champ « cout_total » : le montant est négatif (-5.00).",
    ),
    "montant_negatif_nombre": (
        avec(-1, "montant_fipd", *A1),
        "Action A1, champ « montant_fipd » : le montant est négatif (-1).",
    ),
    "enveloppe_negative": (
        avec("-1.00", "enveloppe"),
        "Champ « enveloppe » : le montant est négatif (-1.00).",
    ),
    "montant_texte": (
        avec("beaucoup", "montant_fipd", *A1),
        "Action A1, champ « montant_fipd » : le montant n'est pas un nombre (« beaucoup »).",
    ),
    "montant_liste": (
        avec([1], "cout_total", *A1),
        "Action A1, champ « cout_total » : le montant n'est pas un nombre",
    ),
    "trois_decimales": (
        avec("4000.125", "montant_fipd", *A1),
        "Action A1, champ « montant_fipd » : le montant a plus de deux décimales (4000.125).",
    ),
    "montant_demande_trois_decimales": (
        avec("1.001", "montant_demande", *A1),
        "Action A1, champ « montant_demande » : le montant a plus de deux décimales",
    ),
    "cofinancement_negatif": (
        avec("-3", "montant", *COFINANCEMENT),
        "Action A1, cofinancement n° 1, champ « montant » : le montant est négatif (-3).",
    ),
    "montant_booleen": (
        avec(True, "montant_fipd", *A1),
        "Action A1, champ « montant_fipd » : un booléen n'est pas un montant (true).",
    ),
    "montant_trop_grand": (
        avec("10000000000.00", "cout_total", *A1),
        "Action A1, champ « cout_total » : le montant dépasse le maximum",
    ),
    # other types
    "annee_texte": (avec("2018", "annee"), "Champ « annee » : un nombre entier est attendu"),
    "annee_decimale": (avec(2018.5, "annee"), "Champ « annee » : un nombre entier est attendu"),
    "annee_booleen": (avec(True, "annee"), "Champ « annee » : un nombre entier est attendu"),
    "contrat_de_ville_texte": (
        avec("oui", "contrat_de_ville", *A1),
        "Action A1, champ « contrat_de_ville » : true ou false est attendu",
    ),
    "intitule_nombre": (
        avec(12, "intitule", *A1),
        "Action A1, champ « intitule » : une chaîne de caractères est attendue ; reçu : le nombre 12",
    ),
    "justification_liste": (
        avec(["a"], "justification", *A1),
        "Action A1, champ « justification » : une chaîne de caractères est attendue",
    ),
    "reference_nombre": (
        avec(7, "reference", *A1),
        "Action sans référence (action n° 1), champ « reference » : une chaîne de caractères est attendue",
    ),
    "porteur_texte": (
        avec("Asso", "porteur", *A1),
        "Action A1, champ « porteur » : un objet {nom, type, siret} est attendu",
    ),
    "actions_objet": (avec({}, "actions"), "Champ « actions » : une liste d'actions"),
    "action_texte": (
        avec("A1", 0, "actions"),
        "Champ « actions », action n° 1 : une action est un objet JSON",
    ),
    "cofinancements_objet": (
        avec({"financeur": "Commune"}, "cofinancements", *A1),
        "Action A1, champ « cofinancements » : une liste de cofinancements",
    ),
    "cofinancement_texte": (
        avec("Commune", 0, "actions", 0, "cofinancements"),
        "Action A1, cofinancement n° 1 : un objet {financeur, montant} est attendu",
    ),
    # SIRET
    "siret_court": (
        avec("1234", "siret", *PORTEUR),
        "Action A1, champ « porteur.siret » : le SIRET compte exactement 14 chiffres",
    ),
    "siret_cle": (
        avec("73282932000075", "siret", *PORTEUR),
        "Action A1, champ « porteur.siret » : le SIRET 73282932000075 n'est pas valide",
    ),
    "siret_nombre": (
        avec(73282932000074, "siret", *PORTEUR),
        "Action A1, champ « porteur.siret » : une chaîne de caractères est attendue",
    ),
    # exercices
    "exercice_inexistant": (
        avec(2031, "annee"),
        "Champ « annee » : l'exercice 2031 n'existe pas : aucun paramètre n'est défini",
    ),
    "exercice_absurde": (
        avec(10**30, "annee"),
        "Champ « annee » : l'exercice 1000000000000000000000000000000 n'existe pas",
    ),
}


@pytest.mark.parametrize(("modifier", "attendu"), MAUVAISES_ENTREES.values(), ids=MAUVAISES_ENTREES.keys())
def test_bad_input_exits_2_with_each_problem_on_stderr(executer, modifier, attendu):
    donnees = copy.deepcopy(BASE)
    modifier(donnees)

    sortie = executer(donnees)

    assert (sortie.code, sortie.stdout) == (2, ""), sortie.stderr
    assert len(sortie.lignes) == 1, sortie.stderr
    assert attendu in sortie.lignes[0]


def texte_avec(montant: str) -> str:
    return json.dumps(programmation(action(montant_fipd="FIPD"))).replace('"FIPD"', montant)


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        (texte_avec("NaN"), "Action A1, champ « montant_fipd » : le montant n'est pas un nombre fini (NaN)."),
        (
            texte_avec("Infinity"),
            "Action A1, champ « montant_fipd » : le montant n'est pas un nombre fini (Infinity).",
        ),
        (texte_avec("-Infinity"), "Action A1, champ « montant_fipd » : le montant n'est pas un nombre fini"),
        (
            texte_avec("4000.125"),
            "Action A1, champ « montant_fipd » : le montant a plus de deux décimales (4000.125).",
        ),
        (texte_avec("true"), "Action A1, champ « montant_fipd » : un booléen n'est pas un montant (true)."),
        (texte_avec("1" * 200), "Action A1, champ « montant_fipd » : le montant dépasse le maximum"),
        (
            texte_avec('"NaN"'),
            "Action A1, champ « montant_fipd » : le montant n'est pas un nombre (« NaN »).",
        ),
        (texte_avec('"Infinity"'), "Action A1, champ « montant_fipd » : le montant n'est pas un nombre"),
        (
            '{"departement": "59", "annee": NaN}',
            "Champ « annee » : un nombre entier est attendu (par exemple 2026) ; reçu : NaN.",
        ),
        ("{departement: 59}", "Le fichier n'est pas du JSON valide (ligne 1, colonne 2)"),
        ('{"departement": "59",}', "Le fichier n'est pas du JSON valide"),
        ("", "Le fichier est vide"),
        ("[]", "Le fichier doit contenir un objet JSON"),
        ('"59"', "Le fichier doit contenir un objet JSON"),
    ],
    ids=[
        "nan",
        "infinity",
        "moins_infinity",
        "trois_decimales_nombre",
        "booleen",
        "tres_grand_entier",
        "nan_texte",
        "infinity_texte",
        "annee_nan",
        "pas_du_json",
        "virgule_en_trop",
        "vide",
        "liste",
        "chaine",
    ],
)
def test_bad_json_text_exits_2(executer, texte, attendu):
    sortie = executer(texte)

    assert (sortie.code, sortie.stdout) == (2, ""), sortie.stderr
    assert attendu in sortie.lignes[0]


def test_an_action_without_reference_is_named_by_its_position(executer):
    sans_reference = action(categorie="sport")
    del sans_reference["reference"]

    sortie = executer(programmation(action(reference="A1"), action(reference="A2"), sans_reference))

    assert sortie.code == 2
    assert sortie.lignes == [
        "Action sans référence (action n° 3), champ « reference » : champ obligatoire absent.",
        "Action sans référence (action n° 3), champ « categorie » : catégorie inconnue « sport » "
        "(codes admis : "
        "sante_mentale, insertion, parentalite, referent_parcours, formation, accompagnement_equipes, "
        "prevention_primaire, action_nationale, autre).",
    ]


def test_a_duplicate_reference_is_bad_input(executer):
    sortie = executer(programmation(action(reference="A1"), action(reference="A2"), action(reference="A1")))

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "Action A1 (action n° 3), champ « reference » : référence déjà utilisée par l'action n° 1 : chaque "
        "référence est unique dans le fichier."
    ]


def test_a_key_given_twice_is_bad_input(executer):
    texte = json.dumps(programmation()).replace(
        '"montant_fipd": "5000.00"', '"montant_fipd": "1", "montant_fipd": "2"'
    )

    sortie = executer(texte)

    assert sortie.code == 2
    assert "Action A1, champ « montant_fipd » : clé présente plusieurs fois" in sortie.stderr


def test_every_problem_is_reported_in_file_order(executer):
    donnees = programmation(
        action(reference="A1", cout_total="-1", milieux="libre"),
        action(reference="A2", montant_fipd="4000.125", public="tous"),
        departement="99",
        annee=2031,
    )
    del donnees["programme"]

    sortie = executer(donnees)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert [ligne.split(" : ")[0] for ligne in sortie.lignes] == [
        "Champ « departement »",
        "Champ « annee »",
        "Champ « programme »",
        "Action A1, champ « milieux »",
        "Action A1, champ « cout_total »",
        "Action A2, champ « public »",
        "Action A2, champ « montant_fipd »",
    ]


def test_rules_whose_parameters_start_later_are_listed_as_not_evaluated(executer):
    # Programme R's primary-prevention rate now starts in 2022: in 2020 no value is in force.
    ValeurParametre.objects.filter(code="taux_prevention_primaire").update(
        exercice=Exercice.objects.get(annee=2022)
    )
    trop = action(
        categorie="prevention_primaire",
        theme_prevention_primaire="contre_discours",
        justification="Intérêt majeur",
        montant_fipd="9000.00",
    )

    sortie = executer(programmation(trop, annee=2020))

    assert sortie.code == 0
    assert sortie.rapport["programmation"]["regles_non_evaluees"] == [
        {
            "regle": "PREVENTION_PRIMAIRE_TAUX",
            "raison": "aucun paramètre en vigueur en 2020 (taux maximal de la prévention primaire)",
        }
    ]
    assert sortie.codes_action("A1") == []
    assert executer(programmation(trop, annee=2022)).codes_action("A1") == ["PREVENTION_PRIMAIRE_TAUX"]


def test_an_exercice_that_does_not_exist_is_bad_input(executer):
    sortie = executer(programmation(annee=2030))

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "Champ « annee » : l'exercice 2030 n'existe pas : aucun paramètre n'est défini pour cette année."
    ]


@pytest.mark.parametrize("texte", ["4 000,00", "4\u202f000,00 €", "4000,00", "4000.00", "4000"])
def test_french_amounts_are_read_as_the_form_reads_them(executer, texte):
    """One amount policy for forms and files (issue 6): what the action form accepts, the file accepts."""
    sortie = executer(programmation(action(montant_fipd=texte)))

    assert sortie.code == 0, sortie.stderr
    assert sortie.rapport["programmation"]["total_fipd"] == "4000.00"


@pytest.mark.parametrize(
    ("montants", "code"),
    [
        ({"montant_fipd": "0.00"}, "MONTANT_INVALIDE"),
        ({"montant_fipd": 0}, "MONTANT_INVALIDE"),
        ({"cout_total": "0"}, "MONTANT_INVALIDE"),
        ({"cout_total": "1000.00", "montant_fipd": "1000.01"}, "MONTANT_INVALIDE"),
    ],
)
def test_zero_or_fipd_above_cost_is_a_verdict_not_bad_input(executer, montants, code):
    sortie = executer(programmation(action(**montants)))

    assert sortie.code == 1, sortie.stderr
    assert sortie.codes_action("A1") == [code]


def test_a_missing_file_is_bad_input(tmp_path):
    sortie = executer_chemin(tmp_path / "absent.json")

    assert (sortie.code, sortie.stdout) == (2, "")
    assert "n'existe pas" in sortie.stderr


def test_a_file_not_in_utf8_is_bad_input(tmp_path):
    chemin = tmp_path / "latin1.json"
    chemin.write_bytes(
        json.dumps(programmation(action(intitule="Été")), ensure_ascii=False).encode("latin-1")
    )

    sortie = executer_chemin(chemin)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert "UTF-8" in sortie.stderr


def test_a_utf8_file_with_bom_is_read(tmp_path):
    chemin = tmp_path / "bom.json"
    chemin.write_bytes(json.dumps(programmation()).encode("utf-8-sig"))

    assert executer_chemin(chemin).code == 0


@pytest.mark.parametrize("nom", ["programmation.csv", "programmation.xlsx"])
def test_csv_and_xlsx_take_their_header_fields_from_the_options(executer, nom):
    """Spreadsheets are read by ``programmation.tableur`` (tests/programmation/test_tableur.py)."""
    sortie = executer("reference;intitule\n", nom=nom)

    assert (sortie.code, sortie.stdout) == (2, "")
    assert "Option --annee : option obligatoire avec un fichier CSV ou XLSX" in sortie.stderr


def test_verifier_raises_the_list_of_problems_for_the_import_to_reuse():
    with pytest.raises(FichierInvalide) as erreur:
        verifier('{"departement": "59", "annee": 2018, "programme": "R", "enveloppe": "1", "actions": [{}]}')

    assert erreur.value.erreurs[:2] == [
        "Action sans référence (action n° 1), champ « reference » : champ obligatoire absent.",
        "Action sans référence (action n° 1), champ « intitule » : champ obligatoire absent.",
    ]
    assert len(erreur.value.erreurs) == 6


# --- Without a migrated database ----------------------------------------------------------------------------


def test_without_a_migrated_database_the_command_says_to_run_migrate(tmp_path):
    base = tmp_path / "vide.sqlite3"
    fichier = tmp_path / "programmation.json"
    fichier.write_text(json.dumps(programmation()), encoding="utf-8")
    environnement = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{base}",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_SETTINGS_MODULE": "fipd.settings",
    }
    environnement.pop("DJANGO_DEBUG", None)

    resultat = subprocess.run(
        [sys.executable, "manage.py", "verifier_programmation", str(fichier)],
        cwd=RACINE,
        env=environnement,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert resultat.returncode == 2, resultat.stderr
    assert resultat.stdout == ""
    assert "python manage.py migrate" in resultat.stderr
    assert "Traceback" not in resultat.stderr


def test_without_reference_data_the_command_says_to_run_migrate(executer):
    Departement.objects.all().delete()

    sortie = executer(programmation())

    assert (sortie.code, sortie.stdout) == (2, "")
    assert "python manage.py migrate" in sortie.stderr


def test_a_table_missing_from_a_partly_migrated_database_is_reported(executer, monkeypatch):
    from django.db.utils import OperationalError

    def table_absente(*args, **kwargs):
        raise OperationalError("no such table: programmation_cellulesuivi")

    monkeypatch.setattr(CelluleSuivi.objects, "filter", table_absente)

    sortie = executer(programmation())

    assert (sortie.code, sortie.stdout) == (2, "")
    assert sortie.lignes == [
        "La base de données n'a pas pu être lue (no such table: programmation_cellulesuivi). La base de "
        "données n'est pas initialisée (tables ou données de référence absentes) : lancez d'abord "
        "« python manage.py migrate »."
    ]
