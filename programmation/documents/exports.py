"""XLSX and CSV exports (DESIGN.md §9). Column names and order are documented in the README and stable.

- The national table: one row per department and programme, as the dashboard shows it (filtered).
- A programmation's actions, in the import format of DESIGN.md §5, so that an export re-imports unchanged:
  headers that the import reads back (« Coût total » = ``cout_total``), coded values as their French labels,
  co-funders as numbered column pairs. A programme's own facts (DESIGN.md §3.5) come where the import
  template puts them, before the decision: programme D's ISCG first year and SNPD measure, programme S's
  quantity; programme S's co-funders have a third column, « Cofinanceur N État » (oui/non).

CSV is written as French spreadsheets read it: ``;`` separators, UTF-8 with BOM, decimal commas, and cells
that a spreadsheet would run as a formula neutralised (a leading apostrophe; the import removes it).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils import timezone

from eligibilite.lecture import CHAMPS
from eligibilite.regles.codes import CATEGORIES, DECISIONS, MILIEUX, PUBLICS, THEMES, TYPES_PORTEUR, libelle

from ..models import Action, Cofinancement
from ..national import LigneNationale
from ..tableur.colonnes import COLONNES_DU_PROGRAMME, PROGRAMMES_COFINANCEUR_ETAT, colonnes_cofinanceur
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

# (header, field): the header normalises to the import format's column name (DESIGN.md §5). Every programme's
# columns; ``colonnes_actions(programme)`` adds a programme's own before the decision.
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


def colonnes_actions(programme: str | None = None) -> tuple[tuple[str, str], ...]:
    """The (header, field) of a programme's action columns: every programme's, then the facts of DESIGN.md
    §3.5 that belong to it (headed by their label in ``CHAMPS_ACTION``, which the import reads), then the
    decision, as the import template orders them."""
    *communes, decision = COLONNES_ACTIONS
    propres = [
        (CHAMPS[champ].libelle, champ) for champ, du in COLONNES_DU_PROGRAMME.items() if du == programme
    ]
    return (*communes, *propres, decision)


def avec_etat(programme: str | None) -> bool:
    """Whether a programme's co-funders have their « État » column (a rule reads the flag)."""
    return programme in PROGRAMMES_COFINANCEUR_ETAT


def colonnes_montants_cofinancements(nb: int, programme: str | None = None, decalage: int = 0) -> list[int]:
    """The 0-based indices of the co-funders' amount columns (``decalage``: columns before the actions')."""
    debut = len(colonnes_actions(programme)) + decalage
    largeur = 3 if avec_etat(programme) else 2
    return [debut + largeur * n + 1 for n in range(nb)]


def cofinancements_par_action(actions) -> dict[int, list[tuple[str, Decimal, bool]]]:
    """The co-funders (financeur, montant, etat) of the actions of a queryset, in one query."""
    resultat = defaultdict(list)
    for action_id, financeur, montant, etat in (
        Cofinancement.objects.filter(action__in=actions.values("pk"))
        .order_by("action_id", "pk")
        .values_list("action_id", "financeur", "montant", "etat")
    ):
        resultat[action_id].append((financeur, montant, etat))
    return resultat


def entetes_actions(
    nb_cofinanceurs: int, prefixe: tuple[str, ...] = (), programme: str | None = None
) -> list[str]:
    entetes = [*prefixe, *(e for e, _ in colonnes_actions(programme))]
    for n in range(1, nb_cofinanceurs + 1):
        financeur, montant, etat = colonnes_cofinanceur(n)
        entetes += [financeur.libelle, montant.libelle]
        if avec_etat(programme):
            entetes.append(etat.libelle)
    return entetes


def rangee_action(
    action: Action,
    cofinancements: list[tuple[str, Decimal, bool]],
    nb_cofinanceurs: int,
    programme: str | None = None,
) -> list:
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
        "quantite": action.quantite,
        "iscg_premiere_annee": action.iscg_premiere_annee,
        "mesure_snpd": action.mesure_snpd_id,  # the measure's number: no query
        "decision": libelle(DECISIONS, action.decision),
    }
    rangee = [valeurs[champ] for _, champ in colonnes_actions(programme)]
    etat = avec_etat(programme)
    for n in range(nb_cofinanceurs):
        if n < len(cofinancements):
            financeur, montant, est_etat = cofinancements[n]
            rangee += [financeur, montant, "oui" if est_etat else "non"] if etat else [financeur, montant]
        else:
            rangee += ["", None, ""] if etat else ["", None]  # no co-funder: empty cells, as the import reads
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
