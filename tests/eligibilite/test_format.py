"""French formatting of amounts and rates: ``12 345,67 €`` and ``20 %`` (DESIGN.md §1)."""

from __future__ import annotations

import pytest

from eligibilite.regles import arrondi_centime, arrondi_inferieur, montant, pourcentage

from .builders import D

FINE = "\u202f"  # narrow no-break space: thousands and before « % »
INSECABLE = "\u00a0"  # no-break space before « € »


@pytest.mark.parametrize(
    "valeur, attendu",
    [
        ("12345.67", f"12{FINE}345,67{INSECABLE}€"),
        ("0", f"0,00{INSECABLE}€"),
        ("0.00", f"0,00{INSECABLE}€"),
        ("0.1", f"0,10{INSECABLE}€"),
        ("7", f"7,00{INSECABLE}€"),
        ("999.99", f"999,99{INSECABLE}€"),
        ("1000", f"1{FINE}000,00{INSECABLE}€"),
        ("100000.00", f"100{FINE}000,00{INSECABLE}€"),
        ("1234567.89", f"1{FINE}234{FINE}567,89{INSECABLE}€"),
        ("9999999999.99", f"9{FINE}999{FINE}999{FINE}999,99{INSECABLE}€"),
        ("2E+4", f"20{FINE}000,00{INSECABLE}€"),
        ("-0.01", f"-0,01{INSECABLE}€"),
        ("-1234.5", f"-1{FINE}234,50{INSECABLE}€"),
        ("-1234567.89", f"-1{FINE}234{FINE}567,89{INSECABLE}€"),
    ],
)
def test_amounts_are_shown_the_french_way(valeur, attendu):
    assert montant(D(valeur)) == attendu


@pytest.mark.parametrize(
    "valeur, attendu",
    [
        ("2469.134", "2469.13"),
        ("2469.135", "2469.14"),  # half-up, not half-even
        ("2469.125", "2469.13"),
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-0.005", "-0.01"),
        ("-2469.125", "-2469.13"),
        ("1234567.895", "1234567.90"),
    ],
)
def test_amounts_are_rounded_half_up_to_the_cent(valeur, attendu):
    assert montant(D(valeur)) == montant(D(attendu))
    assert arrondi_centime(D(valeur)) == D(attendu)


def test_a_negative_amount_rounding_to_zero_has_no_sign():
    assert montant(D("-0.004")) == f"0,00{INSECABLE}€"


def test_a_missing_amount_is_a_dash():
    assert montant(None) == "—"


@pytest.mark.parametrize(
    "valeur, attendu",
    [
        ("2469.134", "2469.13"),
        ("2469.139", "2469.13"),
        ("2469.13", "2469.13"),
        ("4000", "4000.00"),
        ("0.009", "0.00"),
        ("24691.356", "24691.35"),
    ],
)
def test_a_cap_is_rounded_down_to_the_cent(valeur, attendu):
    arrondi = arrondi_inferieur(D(valeur))
    assert arrondi == D(attendu)
    assert arrondi.as_tuple().exponent == -2
    assert arrondi <= D(valeur)


@pytest.mark.parametrize(
    "taux, attendu",
    [
        ("0.2", f"20{FINE}%"),
        ("0.20", f"20{FINE}%"),
        ("0", f"0{FINE}%"),
        ("0.00", f"0{FINE}%"),
        ("1", f"100{FINE}%"),
        ("0.125", f"12,5{FINE}%"),
        ("0.8", f"80{FINE}%"),
        ("0.333", f"33,3{FINE}%"),
        ("0.05", f"5{FINE}%"),
        ("12.5", f"1{FINE}250{FINE}%"),
        ("-0.2", f"-20{FINE}%"),
    ],
)
def test_rates_are_shown_as_french_percentages(taux, attendu):
    assert pourcentage(D(taux)) == attendu
