"""Identifier checks for porteurs (SIRET, RNA)."""

import re

from django.core.exceptions import ValidationError

SIREN_LA_POSTE = "356000000"


def luhn_valide(chiffres: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(chiffres)):
        n = int(c)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def siret_valide(siret: str) -> bool:
    """14 digits passing the Luhn check; La Poste's establishments use a digit sum multiple of 5 instead."""
    if not re.fullmatch(r"\d{14}", siret):
        return False
    if siret.startswith(SIREN_LA_POSTE) and siret != "35600000000048":
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_valide(siret)


def valider_siret(valeur: str) -> None:
    siret = valeur.replace(" ", "")
    if not re.fullmatch(r"\d{14}", siret):
        raise ValidationError("Le SIRET compte exactement 14 chiffres.", code="siret_format")
    if not siret_valide(siret):
        raise ValidationError(
            "Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas) : vérifiez sa saisie.",
            code="siret_cle",
        )


def valider_rna(valeur: str) -> None:
    if not re.fullmatch(r"W\d{9}", valeur.strip().upper()):
        raise ValidationError(
            "Le numéro RNA s'écrit W suivi de 9 chiffres (par exemple W595012345).", code="rna"
        )
