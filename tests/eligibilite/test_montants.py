"""Reading an amount from a file (DESIGN.md §4): pure, no database."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from eligibilite.regles.montants import MONTANT_MAXIMUM, MontantIllisible, NombreNonFini, lire_montant


def depuis_json(texte: str):
    """A value as the check command's JSON reader gives it."""
    return json.loads(texte, parse_float=Decimal, parse_constant=NombreNonFini)


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        (Decimal("1234.56"), "1234.56"),
        (Decimal("1.50"), "1.50"),
        (Decimal("1.500000"), "1.50"),
        (Decimal("2E+4"), "20000.00"),
        (Decimal("0"), "0.00"),
        (0, "0.00"),
        (5000, "5000.00"),
        ("1234.56", "1234.56"),
        ("1234", "1234.00"),
        ("2e4", "20000.00"),
        ("1.5E1", "15.00"),
        (".5", "0.50"),
        ("5.", "5.00"),
        (" 12.30 ", "12.30"),
        ("+7", "7.00"),
        ("0.00", "0.00"),
        ("9999999999.99", "9999999999.99"),
        (Decimal("9999999999.99"), "9999999999.99"),
        # What a French agent or a spreadsheet writes: one policy for forms and files (issue 6).
        ("1234,56", "1234.56"),
        ("1 234.56", "1234.56"),
        ("1\u202f234,56 €", "1234.56"),
        ("12 €", "12.00"),
    ],
)
def test_accepted_amounts_are_quantized_to_the_cent(valeur, attendu):
    lu = lire_montant(valeur)

    assert isinstance(lu, Decimal)
    assert str(lu) == attendu
    assert lu.as_tuple().exponent == -2


@pytest.mark.parametrize("texte", ["4000.12", "1.50", "2e4", "1E+2", "0.10", "12345.67", "9999999999.99"])
def test_json_numbers_are_read_as_decimals_never_floats(texte):
    assert lire_montant(depuis_json(texte)) == Decimal(texte)


@pytest.mark.parametrize("zero", ["-0", "-0.00", Decimal("-0"), "-0e5"])
def test_negative_zero_is_zero(zero):
    assert str(lire_montant(zero)) == "0.00"


@pytest.mark.parametrize(
    ("valeur", "message"),
    [
        (True, "un booléen n'est pas un montant (true)."),
        (False, "un booléen n'est pas un montant (false)."),
        (NombreNonFini("NaN"), "le montant n'est pas un nombre fini (NaN)."),
        (NombreNonFini("Infinity"), "le montant n'est pas un nombre fini (Infinity)."),
        (NombreNonFini("-Infinity"), "le montant n'est pas un nombre fini (-Infinity)."),
        (Decimal("NaN"), "le montant n'est pas un nombre fini (NaN)."),
        (Decimal("sNaN"), "le montant n'est pas un nombre fini (sNaN)."),
        (Decimal("Infinity"), "le montant n'est pas un nombre fini (Infinity)."),
        (Decimal("-5"), "le montant est négatif (-5)."),
        (-1, "le montant est négatif (-1)."),
        ("-0.01", "le montant est négatif (-0.01)."),
        (Decimal("4000.125"), "le montant a plus de deux décimales (4000.125)."),
        ("4000.125", "le montant a plus de deux décimales (4000.125)."),
        ("0.001", "le montant a plus de deux décimales (0.001)."),
        ("1e-3", "le montant a plus de deux décimales (1e-3)."),
        ("1E-1000000", "le montant a plus de deux décimales (1E-1000000)."),
        (
            "10000000000.00",
            "le montant dépasse le maximum de 9\u202f999\u202f999\u202f999,99\u00a0€ (10000000000.00).",
        ),
        ("9999999999.991", "le montant dépasse le maximum"),
        (10**40, "le montant dépasse le maximum"),
        (
            Decimal("1E+400"),
            "le montant dépasse le maximum de 9\u202f999\u202f999\u202f999,99\u00a0€ (1E+400).",
        ),
        ("abc", "le montant n'est pas un nombre (« abc »)."),
        ("", "le montant est vide"),
        ("  ", "le montant est vide"),
        ("NaN", "le montant n'est pas un nombre (« NaN »)."),
        ("Infinity", "le montant n'est pas un nombre (« Infinity »)."),
        ("inf", "le montant n'est pas un nombre (« inf »)."),
        ("0x10", "le montant n'est pas un nombre (« 0x10 »)."),
        ("1_000", "le montant n'est pas un nombre (« 1_000 »)."),
        ("١٢٣", "le montant n'est pas un nombre (« ١٢٣ »)."),  # Arabic-Indic digits, which Decimal() takes
        (None, "le montant n'est pas un nombre (reçu : null)."),
        ([1], "le montant n'est pas un nombre (reçu : une liste)."),
        ({"montant": 1}, "le montant n'est pas un nombre (reçu : un objet)."),
    ],
)
def test_refused_amounts_say_why_in_french(valeur, message):
    with pytest.raises(MontantIllisible) as erreur:
        lire_montant(valeur)

    assert str(erreur.value).startswith(message)


def test_an_unreadable_amount_is_a_value_error():
    assert issubclass(MontantIllisible, ValueError)


def test_the_maximum_is_what_an_amount_field_holds():
    assert MONTANT_MAXIMUM == Decimal("9999999999.99")
    assert lire_montant(MONTANT_MAXIMUM) == MONTANT_MAXIMUM
    with pytest.raises(MontantIllisible):
        lire_montant(MONTANT_MAXIMUM + Decimal("0.01"))


def test_a_long_value_is_cut_in_the_message():
    with pytest.raises(MontantIllisible) as erreur:
        lire_montant("x" * 10_000)

    assert len(str(erreur.value)) < 120
    assert "…" in str(erreur.value)


def test_control_characters_do_not_break_the_one_line_message():
    with pytest.raises(MontantIllisible) as erreur:
        lire_montant("12\n34")

    assert "\n" not in str(erreur.value)


@pytest.mark.parametrize("texte", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_reach_the_reader_as_non_finite_numbers(texte):
    valeur = depuis_json(texte)

    assert valeur == NombreNonFini(texte)
    with pytest.raises(MontantIllisible, match="nombre fini"):
        lire_montant(valeur)
