"""Shared builders for the pure rule tests: plain facts, never a model, never the database."""

from __future__ import annotations

import re
from decimal import Decimal

from eligibilite.regles import (
    VALEURS_DE_REFERENCE,
    FaitsAction,
    FaitsProgrammation,
    LigneRetenue,
    Parametres,
    Verdict,
    en_vigueur,
    registre,
)

EXERCICES = tuple(range(2018, 2027))
THEMES = (
    "usage_internet",
    "cyber_endoctrinement",
    "processus_radicalisation",
    "esprit_critique",
    "contre_discours",
)
CATEGORIES = (
    "sante_mentale",
    "insertion",
    "parentalite",
    "referent_parcours",
    "formation",
    "accompagnement_equipes",
    "prevention_primaire",
    "action_nationale",
    "autre",
)
PUBLICS = ("personnes_suivies", "familles", "professionnels", "grand_public")
MILIEUX = ("libre", "ouvert", "carceral")
TYPES_PORTEUR = ("association", "collectivite", "etat", "etablissement_public", "autre")
CODE_CONTRAT_DE_VILLE = "09-FI0000001"


def D(valeur: str) -> Decimal:
    return Decimal(valeur)


def cents(n: int) -> Decimal:
    """An amount built from a whole number of cents, never from a float."""
    return Decimal(n) / 100


def action(**champs) -> FaitsAction:
    """A clean, retained action of the 2018 annex (no verdict at all) with the given fields changed."""
    valeurs = {
        "reference": "A1",
        "categorie": "insertion",
        "cout_total": D("10000.00"),
        "montant_fipd": D("5000.00"),
        "porteur_nom": "Association Exemple",
    }
    valeurs.update(champs)
    return FaitsAction(**valeurs)


def action_prevention_primaire(**champs) -> FaitsAction:
    """A clean primary-prevention action (theme, justification, 20 % of its cost)."""
    valeurs = {
        "categorie": "prevention_primaire",
        "cout_total": D("10000.00"),
        "montant_fipd": D("2000.00"),
        "public": "grand_public",
        "theme_prevention_primaire": "esprit_critique",
        "justification": "Intérêt majeur : aucun autre financeur sur ce territoire.",
    }
    valeurs.update(champs)
    return action(**valeurs)


def parametres_de(programme: str, annee: int) -> Parametres:
    """A programme's parameters in force in ``annee``, from the dated values its source texts give."""
    return en_vigueur(annee, VALEURS_DE_REFERENCE[programme])


def poste_iscg(**champs) -> FaitsAction:
    """A clean ISCG post of programme D created in 2026, in Nord, funded at 80 % of its cost."""
    valeurs = {
        "categorie": "poste_iscg",
        "cout_total": D("40000.00"),
        "montant_fipd": D("32000.00"),
        "iscg_premiere_annee": 2026,
        "mesure_snpd": 35,
        "departement": "59",
    }
    valeurs.update(champs)
    return action(**valeurs)


def action_s(**champs) -> FaitsAction:
    """A clean action of programme S: video-protection costing 10 000 €, half of it funded by the FIPD."""
    valeurs = {"categorie": "videoprotection", "porteur_type": "collectivite", "departement": "59"}
    valeurs.update(champs)
    return action(**valeurs)


def verdicts(a: FaitsAction, p: Parametres, programme: str = "R") -> tuple[Verdict, ...]:
    return registre(programme).verdicts_action(a, p)


def codes(a: FaitsAction, p: Parametres, programme: str = "R") -> list[str]:
    return [v.regle for v in verdicts(a, p, programme)]


def seul_verdict(vs, code: str) -> Verdict | None:
    """The verdict of rule ``code`` among ``vs`` (None when the rule holds); a rule speaks at most once."""
    trouves = [v for v in vs if v.regle == code]
    assert len(trouves) <= 1, trouves
    return trouves[0] if trouves else None


def verdict_action(a: FaitsAction, p: Parametres, code: str) -> Verdict | None:
    return seul_verdict(verdicts(a, p), code)


GRANDE_ENVELOPPE = Decimal("1000000.00")


def programmation(
    retenues=(),
    enveloppe: Decimal | None = GRANDE_ENVELOPPE,
    annee: int = 2018,
    programme: str = "R",
    **autres,
) -> FaitsProgrammation:
    return FaitsProgrammation(
        annee=annee,
        departement="59",
        programme=programme,
        enveloppe=enveloppe,
        retenues=tuple(retenues),
        **autres,
    )


def lignes(
    total: Decimal, formation: Decimal, categorie_formation: str = "formation"
) -> tuple[LigneRetenue, ...]:
    """Retained lines whose FIPD total is ``total``, of which ``formation`` is training."""
    assert Decimal(0) <= formation <= total
    resultat = []
    if formation:
        resultat.append(LigneRetenue(categorie_formation, formation))
    if total - formation:
        resultat.append(LigneRetenue("insertion", total - formation))
    return tuple(resultat)


MOTS_ANGLAIS = re.compile(r"\b(the|must|is|are|and|of|cannot|should|amount|cost|action is|exceeds?)\b", re.I)
MOTS_FRANCAIS = re.compile(r"\b(le|la|les|de|du|des|doit|ne|pas|est|une?|au|à|que|l'\w+|d'\w+)\b", re.I)


def assert_french(message: str) -> None:
    """A user-facing sentence in French: capitalised, ended, with French words and none of English."""
    assert message and message[0].isupper(), message
    assert message.rstrip().endswith((".", "»")), message
    assert MOTS_FRANCAIS.search(message), message
    assert not MOTS_ANGLAIS.search(message), message
