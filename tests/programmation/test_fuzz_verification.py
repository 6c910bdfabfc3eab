"""Random and hostile values given to the check contract (issue 12): the reader and the check never crash —
they give a report or ``FichierInvalide`` with French lines — whatever the values."""

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmation.verification import FichierInvalide, verifier

pytestmark = pytest.mark.django_db

HOSTILES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "1e99999999999999999999",
            "0e999999",
            "1_000",
            "١٢٣",
            "<script>alert(1)</script>",
            "=HYPERLINK(1)",
            "\u0000\u0007",
            "A\ud800",
            "12,345,6",
            "1 234,56 €",
            "NaN",
            "-0.00",
            "9" * 400,
        ]
    ),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
CHAMPS = [
    "reference",
    "intitule",
    "categorie",
    "public",
    "milieu",
    "cout_total",
    "montant_demande",
    "montant_fipd",
    "contrat_de_ville",
    "code_analytique",
    "theme_prevention_primaire",
    "justification",
    "quantite",
    "iscg_premiere_annee",
    "mesure_snpd",
    "cofinancements",
    "porteur",
    "inconnue",
]


def action(**champs):
    valeurs = {
        "reference": "A1",
        "intitule": "Action",
        "porteur": {"nom": "Association", "type": "association"},
        "categorie": "insertion",
        "cout_total": "1000.00",
        "montant_fipd": "500.00",
    }
    valeurs.update(champs)
    return valeurs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    champs=st.dictionaries(st.sampled_from(CHAMPS), HOSTILES, max_size=4), programme=st.sampled_from("RDSKX")
)
def test_hostile_values_give_a_report_or_french_problems(champs, programme):
    fichier = {
        "departement": "59",
        "annee": 2026,
        "programme": programme,
        "enveloppe": "1000",
        "actions": [action(**champs)],
    }
    texte = json.dumps(fichier, default=str, allow_nan=True)
    try:
        rapport = verifier(texte)
    except FichierInvalide as e:
        assert e.erreurs and all(isinstance(ligne, str) and "\n" not in ligne for ligne in e.erreurs)
        return
    assert isinstance(rapport["eligible"], bool)
    assert Decimal(rapport["programmation"]["total_fipd"]) >= 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texte=st.one_of(st.text(max_size=200), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_any_text_is_a_report_or_french_problems(texte):
    try:
        verifier(texte)
    except FichierInvalide as e:
        assert e.erreurs
