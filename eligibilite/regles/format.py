"""French formatting of amounts and rates, shared by rule messages, templates, PDF and exports."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

ESPACE_FINE = "\u202f"  # narrow no-break space: thousands separator and before « % »
ESPACE_INSECABLE = "\u00a0"  # no-break space before « € »
CENTIME = Decimal("0.01")


def arrondi_centime(valeur: Decimal) -> Decimal:
    return valeur.quantize(CENTIME, rounding=ROUND_HALF_UP)


def arrondi_inferieur(valeur: Decimal) -> Decimal:
    """Rounds down to the cent: a cap is never shown higher than it is."""
    return valeur.quantize(CENTIME, rounding=ROUND_DOWN)


def nombre(valeur: Decimal, decimales: int = 2) -> str:
    """``Decimal("12345.678")`` → ``"12 345,68"`` (narrow no-break spaces between thousands)."""
    quantum = Decimal(1).scaleb(-decimales)
    valeur = valeur.quantize(quantum, rounding=ROUND_HALF_UP)
    signe = "-" if valeur < 0 else ""
    entiers, _, fraction = f"{abs(valeur):f}".partition(".")
    groupes = []
    while len(entiers) > 3:
        groupes.insert(0, entiers[-3:])
        entiers = entiers[:-3]
    groupes.insert(0, entiers)
    texte = ESPACE_FINE.join(groupes)
    return f"{signe}{texte},{fraction}" if fraction else f"{signe}{texte}"


def montant(valeur: Decimal | None) -> str:
    """``Decimal("12345.67")`` → ``"12 345,67 €"``; rounded half-up to the cent."""
    if valeur is None:
        return "—"
    return f"{nombre(valeur)}{ESPACE_INSECABLE}€"


def pourcentage(taux: Decimal) -> str:
    """``Decimal("0.2")`` → ``"20 %"``; ``Decimal("0.125")`` → ``"12,5 %"``."""
    valeur = (taux * 100).normalize()
    decimales = max(0, -valeur.as_tuple().exponent)
    return f"{nombre(valeur, decimales)}{ESPACE_FINE}%"


def montant_saisi(valeur: Decimal) -> str:
    """An amount as an agent types it into a field and reads it back: « 12 345,67 » (ordinary spaces, no
    euro sign), which ``lire_montant`` reads again."""
    return f"{valeur:,.2f}".replace(",", " ").replace(".", ",")


def consommation(total: Decimal, enveloppe: Decimal | None) -> Decimal | None:
    """Retained total ÷ envelope, exact; None without an envelope (a share of nothing is not a figure)."""
    if not enveloppe:
        return None
    return total / enveloppe


def taux_consommation(taux: Decimal | None) -> str:
    """The consumption, always with one decimal: « 72,7 % », « 30,0 % », « 104,2 % »; « — » without one."""
    if taux is None:
        return "—"
    return f"{nombre(taux * 100, 1)}{ESPACE_FINE}%"
