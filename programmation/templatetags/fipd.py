"""Template filters shared by pages, PDF and exports: one formatting of amounts and rates."""

import re
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from eligibilite.regles import arrondi_inferieur
from eligibilite.regles import montant as formater_montant
from eligibilite.regles import pourcentage as formater_pourcentage
from eligibilite.regles.format import montant_saisi, taux_consommation
from eligibilite.regles.libelles import libelle_regle as _libelle_regle

register = template.Library()


def _decimal(valeur):
    if valeur is None or valeur == "":
        return None
    if isinstance(valeur, Decimal):
        return valeur
    try:
        return Decimal(str(valeur))
    except InvalidOperation:
        return None


@register.filter
def montant(valeur):
    """``12345.67`` → ``12 345,67 €``."""
    return formater_montant(_decimal(valeur))


@register.filter
def plafond(valeur):
    """A cap, rounded down to the cent: never shown higher than it is."""
    d = _decimal(valeur)
    return formater_montant(None if d is None else arrondi_inferieur(d))


@register.filter
def pourcentage(valeur):
    """``0.2`` → ``20 %``."""
    d = _decimal(valeur)
    return "—" if d is None else formater_pourcentage(d)


@register.filter
def pluriel(nombre, suffixe="s"):
    """French plural: « 0 alerte », « 1 alerte », « 2 alertes » (Django's pluralize treats 0 as plural)."""
    try:
        return suffixe if abs(int(nombre)) >= 2 else ""
    except (TypeError, ValueError):
        return ""


@register.filter
def montant_saisie(valeur):
    """An amount as an agent types it back into a field: « 12 345,67 » (no euro sign)."""
    d = _decimal(valeur)
    return "" if d is None else montant_saisi(d)


@register.filter
def consommation(valeur):
    """A consumption rate (retained ÷ envelope) with one decimal: « 72,7 % »."""
    return taux_consommation(_decimal(valeur))


CLASSES_STATUT = {
    "transmise": " fr-badge--info fr-badge--no-icon",
    "a_corriger": " fr-badge--warning",
    "validee": " fr-badge--success",
}


@register.simple_tag
def badge_statut(statut: str, libelle: str) -> SafeString:
    """A programmation's status as a DSFR badge (the pages, and the dashboard's rows built in Python)."""
    return mark_safe(
        f'<p class="fr-badge fr-badge--sm{CLASSES_STATUT.get(statut, "")}">{escape(libelle)}</p>'
    )


@register.filter
def libelle_regle(code):
    """A rule's French label (« MILIEU_CARCERAL » → « Action en milieu carcéral »)."""
    return _libelle_regle(str(code or ""))


_CODE_FINAL = re.compile(r"\[([A-Z0-9_]+)\]$")


@register.filter
def refus_lisible(message):
    """A refusal as HTML: its trailing rule code (« [PREVENTION_PRIMAIRE_TAUX] ») set apart, and breakable
    after its underscores only, so that a narrow box never cuts it mid-word (issue 9)."""
    texte = escape(str(message))
    return mark_safe(  # noqa: S308  (escaped above; only <span> and <wbr> added)
        _CODE_FINAL.sub(
            lambda m: '<span class="fipd-code">[' + m.group(1).replace("_", "_<wbr>") + "]</span>", texte
        )
    )
