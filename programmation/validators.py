"""Identifier checks for porteurs (SIRET, RNA)."""

import re

from django.core.exceptions import ValidationError

from eligibilite.lecture import siret_valide


def valider_siret(valeur: str) -> None:
    siret = valeur.replace(" ", "")
    if not re.fullmatch(r"[0-9]{14}", siret):
        raise ValidationError("Le SIRET compte exactement 14 chiffres.", code="siret_format")
    if not siret_valide(siret):
        raise ValidationError(
            "Ce SIRET n'est pas valide (la clé de contrôle ne correspond pas) : vérifiez sa saisie.",
            code="siret_cle",
        )


def valider_rna(valeur: str) -> None:
    if not re.fullmatch(r"W[0-9]{9}", valeur.strip().upper()):
        raise ValidationError(
            "Le numéro RNA s'écrit W suivi de 9 chiffres (par exemple W595012345).", code="rna"
        )
