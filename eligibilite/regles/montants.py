"""Reading an amount given in a file (DESIGN.md §4): a decimal, never a float, with at most two decimals.

The JSON reader parses numbers with ``parse_float=Decimal`` and ``NaN``/``Infinity`` with
``parse_constant=NombreNonFini``, so that every amount reaches ``lire_montant`` exactly as it was written and
each bad one is reported beside its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .format import CENTIME, montant

MONTANT_MAXIMUM = Decimal("9999999999.99")  # what DecimalField(max_digits=12, decimal_places=2) holds
ZERO = Decimal("0.00")
# Digits with a dot for decimals, optionally an exponent: « 1234.56 », « 2e4 », « .5 ». ASCII digits only
# (``Decimal`` would also take other scripts' digits).
NOMBRE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
# « 1 234,56 », « 1234,56 € »: a number as written in French, which the JSON format does not take.
A_LA_FRANCAISE = re.compile(r"[+-]?[0-9][0-9\s\u00a0\u202f.,]*(?:\s*€)?")


class MontantIllisible(ValueError):
    """An amount that cannot be read; its text is a French message starting in lower case, to follow
    « champ « montant_fipd » : »."""


@dataclass(frozen=True)
class NombreNonFini:
    """What the JSON reader returns for ``NaN``, ``Infinity`` and ``-Infinity``: kept apart from numbers so
    that the field holding one is named in the error."""

    texte: str

    def __str__(self) -> str:
        return self.texte


def lire_montant(valeur: object) -> Decimal:
    """The amount ``valeur`` (a ``Decimal`` from the JSON parser, an ``int``, or a string with a dot for
    decimals) quantized to the cent; raises ``MontantIllisible`` for anything else, for a negative amount,
    more than two decimals by value (``1.50`` and ``2e4`` are fine, ``4000.125`` is not) or more than
    9 999 999 999,99."""
    texte = _texte(valeur)
    nombre = _nombre(valeur, texte)
    if not nombre.is_finite():
        raise MontantIllisible(f"le montant n'est pas un nombre fini ({texte}).")
    if nombre < 0:
        raise MontantIllisible(f"le montant est négatif ({texte}).")
    if nombre > MONTANT_MAXIMUM:
        raise MontantIllisible(f"le montant dépasse le maximum de {montant(MONTANT_MAXIMUM)} ({texte}).")
    arrondi = nombre.quantize(CENTIME)  # exact: at most 13 digits, within the default precision of 28
    if arrondi != nombre:
        raise MontantIllisible(f"le montant a plus de deux décimales ({texte}).")
    return arrondi if arrondi else ZERO  # never « -0.00 »


def _nombre(valeur: object, texte: str) -> Decimal:
    if isinstance(valeur, bool):  # before int: True is an int
        raise MontantIllisible(f"un booléen n'est pas un montant ({texte}).")
    if isinstance(valeur, NombreNonFini):
        raise MontantIllisible(f"le montant n'est pas un nombre fini ({texte}).")
    if isinstance(valeur, Decimal):
        return valeur
    if isinstance(valeur, int):
        return Decimal(valeur)
    if isinstance(valeur, str):
        propre = valeur.strip()
        if not propre:
            raise MontantIllisible("le montant est vide : des chiffres sont attendus (par exemple 1234.56).")
        if NOMBRE.fullmatch(propre):
            return Decimal(propre)
        if A_LA_FRANCAISE.fullmatch(propre):
            raise MontantIllisible(
                f"le montant s'écrit en chiffres avec un point pour les décimales, sans espace ni symbole "
                f"(par exemple 1234.56 ; reçu « {texte} »)."
            )
        raise MontantIllisible(f"le montant n'est pas un nombre (« {texte} »).")
    raise MontantIllisible(f"le montant n'est pas un nombre (reçu : {texte}).")


def _texte(valeur: object) -> str:
    """The value as the file wrote it, for messages."""
    if valeur is None:
        return "null"
    if isinstance(valeur, bool):
        return "true" if valeur else "false"
    if isinstance(valeur, list):
        return "une liste"
    if isinstance(valeur, dict):
        return "un objet"
    return lisible(str(valeur))


def lisible(texte: str, longueur: int = 60) -> str:
    """A value as shown in a one-line message: control characters blanked, long values cut."""
    texte = "".join(c if c.isprintable() else " " for c in texte)
    return texte if len(texte) <= longueur else texte[: longueur - 1] + "…"
