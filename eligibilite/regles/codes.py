"""The coded values of an action and a porteur (DESIGN.md §3.1, §3.5), each with its French label.

One list per field, used by the rules, the readers of files and forms, the models' choices and the exports.
Categories belong to a programme: each registry (``registre.py``) names its own.
"""

from __future__ import annotations

Codes = tuple[tuple[str, str], ...]  # (code, label)

CATEGORIES_R: Codes = (
    ("sante_mentale", "Consultations de santé mentale"),
    ("insertion", "Action éducative, citoyenne ou d'insertion"),
    ("parentalite", "Soutien à la parentalité"),
    ("referent_parcours", "Référent de parcours"),
    ("formation", "Formation et sensibilisation des professionnels"),
    ("accompagnement_equipes", "Accompagnement des équipes"),
    ("prevention_primaire", "Prévention primaire"),
    ("action_nationale", "Action de niveau national"),
    ("autre", "Autre"),
)
CATEGORIES_D: Codes = (
    ("poste_iscg", "Poste d'intervenant social en commissariat et gendarmerie (ISCG)"),
    ("action_prevention", "Action de prévention de la délinquance"),
    ("autre", "Autre"),
)
CATEGORIES_S: Codes = (
    ("videoprotection", "Vidéoprotection"),
    ("securisation_scolaire", "Sécurisation d'un établissement scolaire"),
    ("securisation_site", "Sécurisation d'un site sensible"),
    ("gilets_pare_balles", "Gilets pare-balles (police municipale)"),
    ("terminaux_radio", "Terminaux portatifs de radiocommunication (police municipale)"),
    ("cameras_pietons", "Caméras-piétons (police municipale)"),
    ("autre", "Autre"),
)
CATEGORIES_K: Codes = (
    ("securisation_site", "Sécurisation d'un site sensible"),
    ("autre", "Autre"),
)


def reunion(*listes: Codes) -> Codes:
    """Every code of the lists once, in the order first met (a code has one label everywhere)."""
    vus: dict[str, str] = {}
    for liste in listes:
        for code, libelle in liste:
            vus.setdefault(code, libelle)
    return tuple(vus.items())


CATEGORIES: Codes = reunion(CATEGORIES_R, CATEGORIES_D, CATEGORIES_S, CATEGORIES_K)

PUBLICS: Codes = (
    ("personnes_suivies", "Personnes suivies par la cellule"),
    ("familles", "Familles"),
    ("professionnels", "Professionnels"),
    ("grand_public", "Grand public"),
)
MILIEUX: Codes = (
    ("libre", "Milieu libre"),
    ("ouvert", "Milieu ouvert (sous main de justice)"),
    ("carceral", "Milieu carcéral"),
)
THEMES: Codes = (
    ("usage_internet", "Usage raisonné d'Internet et des réseaux sociaux"),
    ("cyber_endoctrinement", "Cyber-endoctrinement"),
    ("processus_radicalisation", "Processus de radicalisation"),
    ("esprit_critique", "Esprit critique"),
    ("contre_discours", "Contre-discours"),
)
TYPES_PORTEUR: Codes = (
    ("association", "Association"),
    ("collectivite", "Collectivité territoriale"),
    ("etat", "Service de l'État"),
    ("etablissement_public", "Établissement public"),
    ("autre", "Autre"),
)
DECISIONS: Codes = (
    ("en_instruction", "En instruction"),
    ("retenue", "Retenue"),
    ("non_retenue", "Non retenue"),
)


def valeurs(codes: Codes) -> tuple[str, ...]:
    return tuple(code for code, _ in codes)


def libelle(codes: Codes, code: str) -> str:
    return dict(codes).get(code, code)
