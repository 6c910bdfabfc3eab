"""The French label of each rule, for people: messages lead with it and give the code (which the check
contract, the stored verdicts and the tests use) as a secondary detail (issue 9: « PREVENTION_PRIMAIRE_TAUX :
Le FIPD ne peut… » read as jargon, and broke mid-word in narrow boxes)."""

from __future__ import annotations

LIBELLES = {
    # Programme R (annex 1) and every programme
    "MILIEU_CARCERAL": "Action en milieu carcéral",
    "MILIEU_OUVERT": "Action en milieu ouvert",
    "PUBLIC_NON_CIBLE": "Public hors des publics de la circulaire",
    "PREVENTION_PRIMAIRE_TAUX": "Prévention primaire : part du FIPD",
    "PREVENTION_PRIMAIRE_THEME": "Prévention primaire : thème",
    "PREVENTION_PRIMAIRE_JUSTIFICATION": "Prévention primaire : justification",
    "FORMATION_PLAFOND": "Plafond des actions de formation",
    "CODE_ANALYTIQUE_CONTRAT_DE_VILLE": "Code analytique du contrat de ville",
    "REFERENT_PARCOURS_NON_ASSOCIATIF": "Référent de parcours porté hors d'une association",
    "MONTANT_INVALIDE": "Montants de l'action",
    "MONTANT_SUPERIEUR_DEMANDE": "Montant supérieur à la demande",
    "BUDGET_NON_EQUILIBRE": "Budget de l'action non équilibré",
    "ENVELOPPE_DEPASSEE": "Enveloppe départementale dépassée",
    "DOTATION_SANS_CELLULE": "Dotation sans cellule de suivi",
    "CREDITS_CENTRAUX": "Crédits gérés au niveau central",
    # Programme D (delinquance)
    "ISCG_TAUX": "Poste d'ISCG : taux de cofinancement",
    "ISCG_PREMIERE_ANNEE": "Poste d'ISCG : année du premier cofinancement",
    "MESURE_SNPD_ABSENTE": "Mesure de la stratégie nationale non indiquée",
    # Programme S (securisation)
    "S_EQUIPEMENT_PLAFOND": "Sécurisation : plafond par équipement",
    "S_MONTANT_MINIMAL": "Sécurisation : montant minimal",
    "S_PART_ETAT": "Sécurisation : part de l'État",
    "S_QUANTITE_MANQUANTE": "Sécurisation : quantité d'équipements",
}


def libelle_regle(code: str) -> str:
    """The rule's French label; its code when it has none (a rule added without one still reads)."""
    return LIBELLES.get(code, code)


def texte_de_refus(regle: str, message: str, source: str, suite: str = "") -> str:
    """One refusal for people: the rule's label, what is wrong and where the rule comes from, then the code
    as a detail: « Prévention primaire : part du FIPD — Le FIPD ne peut… (annexe 1 §2.3)
    [PREVENTION_PRIMAIRE_TAUX] »."""
    texte = f"{libelle_regle(regle)} — {message} ({source})"
    if suite:
        texte += f" {suite}"
    return f"{texte} [{regle}]"
