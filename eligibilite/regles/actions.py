"""Rules that read one action (DESIGN.md §3.1, « at: action »).

Each takes the action's facts and the exercice's parameters and returns a message, or None when the rule
holds; the registry (``registre.py``) gives each its code, level, field and source. A rule whose verdict
concerns another field than the registry's default returns ``(message, field)``.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from .faits import FaitsAction
from .format import arrondi_inferieur, montant, pourcentage
from .parametres import Parametres

THEMES_PREVENTION_PRIMAIRE = (
    "usage_internet",
    "cyber_endoctrinement",
    "processus_radicalisation",
    "esprit_critique",
    "contre_discours",
)
ZERO = Decimal("0")


def milieu_carceral(a: FaitsAction, p: Parametres) -> str | None:
    """Annexe 1 §2.1: prison actions « relèvent du ministère de la justice »."""
    if a.milieu != "carceral":
        return None
    return (
        "Une action en milieu carcéral ne peut pas être financée par le FIPD : elle relève du ministère de "
        "la Justice."
    )


def milieu_ouvert(a: FaitsAction, p: Parametres) -> str | None:
    """Annexe 1 §2.1: open environment, « uniquement de manière résiduelle »."""
    if a.milieu != "ouvert":
        return None
    return (
        "Public sous main de justice en milieu ouvert : financement uniquement résiduel, au cas par cas, "
        "avec le soutien de la cellule nationale de coordination et d'appui à l'action territoriale."
    )


def theme_prevention_primaire(a: FaitsAction, p: Parametres) -> str | None:
    """Annexe 1 §2.3: the five themes that primary prevention may address."""
    if not a.est_prevention_primaire or a.theme_prevention_primaire in THEMES_PREVENTION_PRIMAIRE:
        return None
    return (
        "Une action de prévention primaire doit relever de l'un des cinq thèmes de l'annexe (usage raisonné "
        "d'Internet, cyber-endoctrinement, processus de radicalisation, esprit critique, contre-discours)."
    )


def taux_prevention_primaire(a: FaitsAction, p: Parametres) -> str | None:
    """Annexe 1 §2.3: « au taux de 20 % maximum », compared unrounded."""
    if not a.est_prevention_primaire:
        return None
    plafond = a.cout_total * p.taux_prevention_primaire
    if a.montant_fipd <= plafond:
        return None
    return (
        f"Le FIPD ne peut financer la prévention primaire qu'à {pourcentage(p.taux_prevention_primaire)} "
        f"du coût total au plus : {montant(a.montant_fipd)} de FIPD pour un coût de {montant(a.cout_total)}, "
        f"soit {exces(a.montant_fipd - plafond)} de plus que le maximum de {plafond_affiche(plafond)}."
    )


def justification_prevention_primaire(a: FaitsAction, p: Parametres) -> str | None:
    """Annexe 1 §2.3: primary prevention only « à titre exceptionnel », for an action « d'intérêt majeur »."""
    if not a.est_prevention_primaire or a.justification.strip():
        return None
    return (
        "La prévention primaire n'est financée qu'à titre exceptionnel : justifiez l'intérêt majeur de "
        "l'action."
    )


def public_non_cible(a: FaitsAction, p: Parametres) -> str | None:
    """Annexe 1 §2.3: a broad, untargeted public is primary prevention."""
    if a.public != "grand_public" or a.est_prevention_primaire:
        return None
    return (
        "Public large et non ciblé hors de la catégorie « Prévention primaire » : l'action relève peut-être "
        "de la prévention primaire (financement à 20 % au plus, à titre exceptionnel)."
    )


def code_analytique_contrat_de_ville(a: FaitsAction, p: Parametres) -> str | None:
    """Annexe 1 §2.4: the dedicated analytic code of contrat de ville action plans, and only for them."""
    code = p.code_analytique_contrat_de_ville
    saisi = a.code_analytique.strip()
    if a.contrat_de_ville and saisi != code:
        return (
            f"Une action d'un plan contre la radicalisation du contrat de ville doit porter le code "
            f"analytique {code} (saisi : « {saisi or 'aucun'} »)."
        )
    if not a.contrat_de_ville and saisi == code:
        return (
            f"Le code analytique {code} est réservé aux actions des plans du contrat de ville : cochez "
            f"« contrat de ville » ou retirez le code."
        )
    return None


def referent_parcours_non_associatif(a: FaitsAction, p: Parametres) -> str | None:
    """Annexe 1 §1: « Lorsque cette structure de prise en charge est associative, un financement par le FIPD
    est possible »."""
    if a.categorie != "referent_parcours" or a.porteur_type == "association":
        return None
    return (
        "Un référent de parcours n'est finançable par le FIPD que si la structure qui le porte est une "
        "association."
    )


def credits_centraux(a: FaitsAction, p: Parametres) -> str | tuple[str, str] | None:
    """Annexe 1 §2.2, §2.3, §3: what is funded on central credits."""
    if a.categorie == "action_nationale":
        return (
            "Les actions de niveau national sont financées sur les crédits centraux du FIPD, pas sur "
            "l'enveloppe départementale."
        )
    texte = f" {' '.join(_normaliser(a.porteur_nom).split())} "
    for nom in p.porteurs_credits_centraux:
        if f" {' '.join(_normaliser(nom).split())} " in texte:
            return (
                f"Les actions de {nom} sont prises en charge sur les crédits centraux du FIPD, pas sur "
                "l'enveloppe départementale.",
                "porteur",
            )
    return None


def montant_invalide(a: FaitsAction, p: Parametres) -> str | tuple[str, str] | None:
    """Coherence: 0 < montant FIPD ≤ coût total."""
    if a.cout_total <= ZERO:
        return f"Le coût total doit être supérieur à 0 € (saisi : {montant(a.cout_total)}).", "cout_total"
    if a.montant_fipd <= ZERO:
        return f"Le montant FIPD doit être supérieur à 0 € (saisi : {montant(a.montant_fipd)})."
    if a.montant_fipd > a.cout_total:
        return (
            f"Le montant FIPD ({montant(a.montant_fipd)}) dépasse le coût total de l'action "
            f"({montant(a.cout_total)}) de {montant(a.montant_fipd - a.cout_total)}."
        )
    return None


def montant_superieur_demande(a: FaitsAction, p: Parametres) -> str | None:
    """Coherence: the FIPD grants no more than what was asked."""
    if a.montant_demande is None or a.montant_fipd <= a.montant_demande:
        return None
    return (
        f"Le montant FIPD ({montant(a.montant_fipd)}) dépasse le montant demandé "
        f"({montant(a.montant_demande)}) de {montant(a.montant_fipd - a.montant_demande)}."
    )


def budget_non_equilibre(a: FaitsAction, p: Parametres) -> str | None:
    """Cerfa 12156 practice: FIPD plus co-funders make the action's cost."""
    if not a.cofinancements:
        return None
    ressources = a.montant_fipd + sum(a.cofinancements, ZERO)
    if ressources == a.cout_total:
        return None
    ecart = ressources - a.cout_total
    sens = "dépassent" if ecart > 0 else "n'atteignent pas"
    return (
        f"Le FIPD et les cofinancements ({montant(ressources)}) {sens} le coût total "
        f"({montant(a.cout_total)}) : écart de {montant(abs(ecart))}."
    )


def exces(valeur: Decimal) -> str:
    """An excess shown to the cent, never as 0,00 € when there is one."""
    arrondi = montant(valeur)
    return arrondi if valeur >= Decimal("0.005") else "moins d'un centime"


def plafond_affiche(plafond: Decimal) -> str:
    return montant(arrondi_inferieur(plafond))


def _normaliser(texte: str) -> str:
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else " " for c in sans_accents.upper())
