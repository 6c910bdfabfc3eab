"""Reading an amount, wherever it comes from (DESIGN.md §4, §5): one policy for forms, JSON and spreadsheets.

An amount is a decimal, never a float, non-negative, with at most two decimals by value and at most
9 999 999 999,99 €. Text is read as a French agent or a spreadsheet writes it — « 1 234,56 € », « 1234,56 »,
« 1 234,56 » with no-break or narrow no-break spaces, « 1.234,56 », « 1,234.56 » — or as a program writes it —
« 1234.56 », « 2e4 »; ASCII digits only (``Decimal`` would also take other scripts' digits and « 1_000 »).
What one source refuses, the others refuse: a form, the check command and the import all call ``lire_montant``.

The JSON reader parses numbers with ``parse_float=nombre_json`` and ``NaN``/``Infinity`` with
``parse_constant=NombreNonFini``, so that every amount reaches ``lire_montant`` as it was written (an exponent
too large for ``Decimal`` included) and each bad one is reported beside its field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .format import montant

MONTANT_MAXIMUM = Decimal("9999999999.99")  # what DecimalField(max_digits=12, decimal_places=2) holds
ZERO = Decimal("0.00")
EXPOSANT_MAXIMUM = 20  # 0e999999 is zero by value, but nobody writes an amount so
ESPACES = "\u0020\u00a0\u202f"  # ordinary, no-break and narrow no-break spaces
# « 1234.56 », « 2e4 », « .5 »: what programs write (and JSON numbers).
NOMBRE_POINT = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?", re.ASCII)
# « 1234,56 », « 1 234,56 », « 1.234,56 », « 1,234.56 »: what French agents and spreadsheets write.
A_LA_FRANCAISE = (
    re.compile(r"[0-9]+,[0-9]+", re.ASCII),
    re.compile(rf"[0-9]{{1,3}}(?:[{ESPACES}][0-9]{{3}})+(?:[.,][0-9]+)?", re.ASCII),
    re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+", re.ASCII),
    re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+\.[0-9]+", re.ASCII),
)
EURO = re.compile(rf"[{ESPACES}]*(?:€|EUR)$", re.IGNORECASE)


class MontantIllisible(ValueError):
    """An amount that cannot be read; its text is a French message starting in lower case, to follow
    « champ « montant_fipd » : ». ``nature`` says why: ``vide``, ``illisible``, ``negatif``, ``maximum``,
    ``decimales``, ``non_fini``, ``booleen`` or ``exposant``."""

    def __init__(self, message: str, nature: str = "illisible"):
        super().__init__(message)
        self.nature = nature


@dataclass(frozen=True)
class NombreNonFini:
    """What the JSON reader returns for ``NaN``, ``Infinity`` and ``-Infinity``: kept apart from numbers so
    that the field holding one is named in the error."""

    texte: str

    def __str__(self) -> str:
        return self.texte


@dataclass(frozen=True)
class NombreHorsLimites:
    """A JSON number whose exponent ``Decimal`` refuses (``1e99999999999999999999``)."""

    texte: str

    def __str__(self) -> str:
        return self.texte


def nombre_json(texte: str) -> Decimal | NombreHorsLimites:
    """``parse_float`` of the JSON readers: the number as written, as a decimal."""
    try:
        return Decimal(texte)
    except InvalidOperation:
        return NombreHorsLimites(texte)


def lire_montant(valeur: object, decimales: int = 2) -> Decimal:
    """The amount ``valeur`` (a ``Decimal``, an ``int``, or text as described above) quantized to the cent;
    raises ``MontantIllisible`` for anything else, for a negative amount, more than ``decimales`` decimals by
    value (``1.50`` and ``2e4`` are fine, ``4000.125`` is not) or more than 9 999 999 999,99."""
    texte = _texte(valeur)
    nombre = _nombre(valeur, texte)
    if not nombre.is_finite():
        raise MontantIllisible(f"le montant n'est pas un nombre fini ({texte}).", "non_fini")
    if nombre < 0:
        raise MontantIllisible(f"le montant est négatif ({texte}).", "negatif")
    if nombre > MONTANT_MAXIMUM:
        raise MontantIllisible(
            f"le montant dépasse le maximum de {montant(MONTANT_MAXIMUM)} ({texte}).", "maximum"
        )
    if not nombre and abs(nombre.as_tuple().exponent) > EXPOSANT_MAXIMUM:
        raise MontantIllisible(f"le montant a un exposant hors limites ({texte}).", "exposant")
    quantum = Decimal(1).scaleb(-decimales)
    try:
        arrondi = nombre.quantize(quantum)  # at most 13 digits before the point: within the precision
    except InvalidOperation:
        arrondi = None
    if arrondi != nombre:
        raise MontantIllisible(f"le montant a plus de {_decimales(decimales)} ({texte}).", "decimales")
    return arrondi if arrondi else ZERO.quantize(quantum)  # never « -0.00 »


def _decimales(n: int) -> str:
    return {2: "deux décimales", 4: "quatre décimales"}.get(n, f"{n} décimales")


def _nombre(valeur: object, texte: str) -> Decimal:
    if isinstance(valeur, bool):  # before int: True is an int
        raise MontantIllisible(f"un booléen n'est pas un montant ({texte}).", "booleen")
    if isinstance(valeur, NombreNonFini):
        raise MontantIllisible(f"le montant n'est pas un nombre fini ({texte}).", "non_fini")
    if isinstance(valeur, NombreHorsLimites):
        return _hors_limites(valeur.texte, texte)
    if isinstance(valeur, Decimal):
        return valeur
    if isinstance(valeur, int):
        return Decimal(valeur)
    if isinstance(valeur, str):
        return _depuis_texte(valeur, texte)
    raise MontantIllisible(f"le montant n'est pas un nombre (reçu : {texte}).")


def _depuis_texte(valeur: str, texte: str) -> Decimal:
    propre = EURO.sub("", valeur.strip(ESPACES + "\t\r\n"))
    if not propre:
        raise MontantIllisible(
            "le montant est vide : des chiffres sont attendus (par exemple 1 234,56).", "vide"
        )
    signe = ""
    if propre[0] in "+-":
        signe, propre = propre[0].replace("+", ""), propre[1:]
    point = NOMBRE_POINT.fullmatch(propre)
    if point:
        exposant = point.group(1)
        if exposant is not None and len(exposant.lstrip("+-").lstrip("0")) > 6:
            return _hors_limites(signe + propre, texte)
        return Decimal(signe + propre)
    if any(forme.fullmatch(propre) for forme in A_LA_FRANCAISE):
        return Decimal(signe + _normaliser(propre))
    raise MontantIllisible(f"le montant n'est pas un nombre (« {texte} »).")


def _normaliser(texte: str) -> str:
    """« 1 234,56 » → « 1234.56 », « 1.234,56 » → « 1234.56 », « 1,234.56 » → « 1234.56 »."""
    for espace in ESPACES:
        texte = texte.replace(espace, "")
    if "," in texte and "." in texte:
        texte = texte.replace("." if texte.rfind(",") > texte.rfind(".") else ",", "")
    return texte.replace(",", ".")


def _hors_limites(nombre: str, texte: str) -> Decimal:
    """A number with an exponent too large to build: said for what it is, without building it."""
    mantisse, _, exposant = nombre.lower().partition("e")
    if not mantisse.strip("+-.0"):
        raise MontantIllisible(f"le montant a un exposant hors limites ({texte}).", "exposant")
    if mantisse.startswith("-"):
        raise MontantIllisible(f"le montant est négatif ({texte}).", "negatif")
    if exposant.startswith("-"):
        raise MontantIllisible(f"le montant a plus de deux décimales ({texte}).", "decimales")
    raise MontantIllisible(
        f"le montant dépasse le maximum de {montant(MONTANT_MAXIMUM)} ({texte}).", "maximum"
    )


def _texte(valeur: object) -> str:
    """The value as the source wrote it, for messages."""
    if valeur is None:
        return "null"
    if isinstance(valeur, bool):
        return "true" if valeur else "false"
    if isinstance(valeur, list | tuple):
        return "une liste"
    if isinstance(valeur, dict):
        return "un objet"
    return lisible(str(valeur))


def lisible(texte: str, longueur: int = 60) -> str:
    """A value as shown in a one-line message: control characters and lone surrogates blanked, long values
    cut."""
    texte = texte[: longueur * 4]
    texte = "".join(c if c.isprintable() and not "\ud800" <= c <= "\udfff" else " " for c in texte)
    return texte if len(texte) <= longueur else texte[: longueur - 1] + "…"
