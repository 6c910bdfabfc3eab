"""XLSX and CSV exports (DESIGN.md §9). Column names and order are documented in the README and stable.

- The national table: one row per department and programme, as the dashboard shows it (filtered).
- A programmation's actions, in the import format of DESIGN.md §5, so that an export re-imports unchanged:
  headers that the import reads back (« Coût total » = ``cout_total``), coded values as their French labels,
  co-funders as numbered column pairs.

CSV is written as French spreadsheets read it: ``;`` separators, UTF-8 with BOM, decimal commas, and cells
that a spreadsheet would run as a formula neutralised (a leading apostrophe; the import removes it).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils import timezone

from eligibilite.regles.codes import CATEGORIES, DECISIONS, MILIEUX, PUBLICS, THEMES, TYPES_PORTEUR, libelle

from ..models import Action, Cofinancement
from ..national import LigneNationale
from .classeurs import neutraliser

# --- The national table --------------------------------------------------------------------------------

COLONNES_NATIONALES = (
    "Région",
    "Code département",
    "Département",
    "Programme",
    "Statut",
    "Enveloppe",
    "Total retenu",
    "Consommation",
    "Total formation",
    "Plafond formation",
    "Prévention primaire",
    "Verdicts bloquants",
    "Alertes",
    "Dernière modification",
)
MONTANTS_NATIONAUX = (5, 6, 8, 9, 10)
CONSOMMATION = 7


def rangees_nationales(lignes: Iterable[LigneNationale]) -> Iterator[list]:
    for lg in lignes:
        yield [
            lg.region.nom,
            lg.departement.code,
            lg.departement.nom,
            lg.programme.code,
            lg.libelle_statut,
            lg.enveloppe,
            lg.total_fipd,
            lg.consommation,
            lg.total_formation if lg.plafond_formation is not None else None,
            lg.plafond_formation.quantize(Decimal("0.01"), "ROUND_DOWN")
            if lg.plafond_formation is not None
            else None,
            lg.total_prevention_primaire if lg.programme.code == "R" else None,
            lg.nb_bloquants,
            lg.nb_alertes,
            timezone.localtime(lg.modifie_le).strftime("%d/%m/%Y %H:%M") if lg.modifie_le else "",
        ]


# --- A programmation's actions (the import format) -------------------------------------------------------

# (header, field): the header normalises to the import format's column name (DESIGN.md §5).
COLONNES_ACTIONS = (
    ("Référence", "reference"),
    ("Intitulé", "intitule"),
    ("Porteur", "porteur"),
    ("Type porteur", "type_porteur"),
    ("SIRET", "siret"),
    ("Catégorie", "categorie"),
    ("Public", "public"),
    ("Milieu", "milieu"),
    ("Coût total", "cout_total"),
    ("Montant demandé", "montant_demande"),
    ("Montant FIPD", "montant_fipd"),
    ("Contrat de ville", "contrat_de_ville"),
    ("Code analytique", "code_analytique"),
    ("Thème prévention primaire", "theme_prevention_primaire"),
    ("Justification", "justification"),
    ("Décision", "decision"),
)
MONTANTS_ACTIONS = tuple(
    i
    for i, (_, champ) in enumerate(COLONNES_ACTIONS)
    if champ in ("cout_total", "montant_demande", "montant_fipd")
)


def cofinancements_par_action(actions) -> dict[int, list[tuple[str, Decimal]]]:
    """The co-funders of the actions of a queryset, in one query."""
    resultat = defaultdict(list)
    for action_id, financeur, montant in (
        Cofinancement.objects.filter(action__in=actions.values("pk"))
        .order_by("action_id", "pk")
        .values_list("action_id", "financeur", "montant")
    ):
        resultat[action_id].append((financeur, montant))
    return resultat


def entetes_actions(nb_cofinanceurs: int, prefixe: tuple[str, ...] = ()) -> list[str]:
    entetes = [*prefixe, *(e for e, _ in COLONNES_ACTIONS)]
    for n in range(1, nb_cofinanceurs + 1):
        entetes += [f"Cofinanceur {n}", f"Montant cofinanceur {n}"]
    return entetes


def rangee_action(action: Action, cofinancements: list[tuple[str, Decimal]], nb_cofinanceurs: int) -> list:
    porteur = action.porteur
    valeurs = {
        "reference": action.reference,
        "intitule": action.intitule,
        "porteur": porteur.nom,
        "type_porteur": libelle(TYPES_PORTEUR, porteur.type),
        "siret": porteur.siret,
        "categorie": libelle(CATEGORIES, action.categorie),
        "public": libelle(PUBLICS, action.public),
        "milieu": libelle(MILIEUX, action.milieu),
        "cout_total": action.cout_total,
        "montant_demande": action.montant_demande,
        "montant_fipd": action.montant_fipd,
        "contrat_de_ville": "oui" if action.contrat_de_ville else "non",
        "code_analytique": action.code_analytique,
        "theme_prevention_primaire": libelle(THEMES, action.theme_prevention_primaire)
        if action.theme_prevention_primaire
        else "",
        "justification": action.justification,
        "decision": libelle(DECISIONS, action.decision),
    }
    rangee = [valeurs[champ] for _, champ in COLONNES_ACTIONS]
    for n in range(nb_cofinanceurs):
        financeur, montant = cofinancements[n] if n < len(cofinancements) else ("", None)
        rangee += [financeur, montant]
    return rangee


def actions_exportees(actions) -> tuple[int, Iterator[tuple[Action, list]]]:
    """(the number of co-funder column pairs, the actions with their co-funders), three queries whatever
    the number of actions (the actions are read in chunks from one cursor)."""
    cofinancements = cofinancements_par_action(actions)
    nb = max((len(c) for c in cofinancements.values()), default=0)
    lignes = (
        (a, cofinancements.get(a.pk, []))
        for a in actions.select_related("porteur", "programmation__departement", "programmation__programme")
        .order_by("programmation__programme__code", "programmation__departement__code", "reference")
        .iterator(chunk_size=2000)
    )
    return nb, lignes


# --- CSV ---------------------------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose ``write`` returns what it is given, for streaming ``csv.writer`` rows."""

    def write(self, valeur):
        return valeur


def valeur_csv(valeur) -> str:
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, Decimal):
        return f"{valeur:f}".replace(".", ",")
    if isinstance(valeur, int):
        return str(valeur)
    return neutraliser(str(valeur))


def lignes_csv(entetes: list[str], rangees: Iterable[list]) -> Iterator[str]:
    """The CSV text, line by line, BOM first: streamed to the client."""
    ecrivain = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + ecrivain.writerow([valeur_csv(e) for e in entetes])
    for rangee in rangees:
        yield ecrivain.writerow([valeur_csv(v) for v in rangee])
