"""The facts the rules read, and the queries that gather them: one function per lookup, used by every write,
page, preview, report and export (DESIGN.md §3.4).

- ``parametres``: the parameters in force for a programme and an exercice (one query);
- ``enveloppe_de`` / ``montant_enveloppe``: a programmation's departmental envelope (one query), and
  ``sous_requete_enveloppe`` for lists (no query per row);
- ``cellule_active``: the follow-up cell flag of a department and exercice;
- ``contexte``: everything a programmation's rules need besides its actions;
- ``Cofinanceur``: one co-funder as the write path writes it;
- ``action_lue`` and ``faits_action``: an action (model instance or read from any source) → its facts;
- ``lignes``: what the write rule reads of the actions already stored (one query).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import OuterRef, Subquery

from eligibilite.lecture import ActionLue, CofinancementLu
from eligibilite.regles import (
    FaitsAction,
    FaitsProgrammation,
    LigneRetenue,
    Parametres,
    Registre,
    Totaux,
    ValeurDatee,
    en_vigueur,
    registre,
)
from programmation.models import (
    Action,
    CelluleSuivi,
    Cofinancement,
    Decision,
    Enveloppe,
    NatureMouvement,
    Programmation,
    ValeurParametre,
)

ZERO = Decimal("0.00")


def decimal(valeur) -> Decimal:
    """Decimals from the database; SQLite's SQL sums come back as floats, hence the str() round trip."""
    if isinstance(valeur, Decimal):
        return valeur
    return Decimal(str(valeur)).quantize(Decimal("0.01"))


# --- Parameters -----------------------------------------------------------------------------------------


def valeurs_datees(programme_id: int, jusqu_a: int | None = None) -> list[ValeurDatee]:
    """The dated values of a programme's parameters (those started by ``jusqu_a`` when given), typed by the
    programme's rule set; one query."""
    rows = ValeurParametre.objects.filter(programme_id=programme_id)
    if jusqu_a is not None:
        rows = rows.filter(exercice__annee__lte=jusqu_a)
    rows = rows.values_list("programme__code", "code", "exercice__annee", "valeur", "source")
    return [_typee(*row) for row in rows]


def _typee(programme: str, code: str, annee: int, valeur: str, source: str) -> ValeurDatee:
    definition = registre(programme).definition(code)
    typee = definition.lire(valeur) if definition else valeur
    return ValeurDatee(code, annee, typee, source)


def parametres(programme_id: int, annee: int) -> Parametres:
    """The parameters in force in ``annee`` for the programme (DESIGN.md §3.3); one query."""
    return en_vigueur(annee, valeurs_datees(programme_id, annee))


def parametres_par_programme_et_annee(paires: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Parametres]:
    """The parameters of several (programme id, year) pairs, for list pages; one query."""
    paires = set(paires)
    if not paires:
        return {}
    programmes = {programme for programme, _ in paires}
    par_programme: dict[int, list[ValeurDatee]] = {p: [] for p in programmes}
    rows = ValeurParametre.objects.filter(programme_id__in=programmes).values_list(
        "programme_id", "programme__code", "code", "exercice__annee", "valeur", "source"
    )
    for programme_id, *row in rows:
        par_programme[programme_id].append(_typee(*row))
    return {(p, annee): en_vigueur(annee, par_programme[p]) for p, annee in paires}


# --- Envelope and follow-up cell ------------------------------------------------------------------------


def enveloppes_departementales(exercice_id: int, programme_id: int, departement_id: int):
    return Enveloppe.objects.filter(
        exercice_id=exercice_id, programme_id=programme_id, departement_id=departement_id
    )


def enveloppe_de(programmation: Programmation, mouvements: bool = False) -> Enveloppe | None:
    """The programmation's departmental envelope (None when none is notified), with its movements if asked."""
    enveloppes = enveloppes_departementales(
        programmation.exercice_id, programmation.programme_id, programmation.departement_id
    )
    if mouvements:
        enveloppes = enveloppes.prefetch_related("mouvements")
    return enveloppes.first()


def montant_enveloppe(programmation: Programmation) -> Decimal:
    """A department without an envelope has an envelope of 0 €."""
    enveloppe = enveloppe_de(programmation)
    return enveloppe.montant if enveloppe else ZERO


def sous_requete_enveloppe(prefixe: str = "") -> Subquery:
    """The departmental envelope of each row's exercice, programme and department (None when there is none);
    ``prefixe`` is the path from the queried model to those three fields."""
    return Subquery(
        Enveloppe.objects.filter(
            exercice_id=OuterRef(f"{prefixe}exercice_id"),
            programme_id=OuterRef(f"{prefixe}programme_id"),
            departement_id=OuterRef(f"{prefixe}departement_id"),
        ).values("montant")[:1]
    )


def avec_enveloppe(queryset, prefixe: str = ""):
    """Annotates each row (programmations, or actions with ``prefixe="programmation__"``) with its
    departmental envelope's id and amount, so that a page reads them without a query of its own."""
    enveloppe = Enveloppe.objects.filter(
        exercice_id=OuterRef(f"{prefixe}exercice_id"),
        programme_id=OuterRef(f"{prefixe}programme_id"),
        departement_id=OuterRef(f"{prefixe}departement_id"),
    )
    return queryset.annotate(
        enveloppe_id_annotee=Subquery(enveloppe.values("pk")[:1]),
        montant_enveloppe_annote=Subquery(enveloppe.values("montant")[:1]),
    )


def enveloppe_annotee(programmation: Programmation) -> tuple[int | None, Decimal]:
    """(envelope id or None, amount: 0 € without an envelope), from ``avec_enveloppe``'s annotation when the
    programmation was loaded with it, else with one query."""
    if hasattr(programmation, "montant_enveloppe_annote"):
        montant = programmation.montant_enveloppe_annote
        return programmation.enveloppe_id_annotee, ZERO if montant is None else decimal(montant)
    enveloppe = enveloppe_de(programmation)
    return (enveloppe.pk, enveloppe.montant) if enveloppe else (None, ZERO)


def cellule_active(departement_id: int, exercice_id: int) -> bool:
    """Without a row, the cell counts as active (see ``CelluleSuivi``)."""
    active = (
        CelluleSuivi.objects.filter(departement_id=departement_id, exercice_id=exercice_id)
        .values_list("active", flat=True)
        .first()
    )
    return active is not False


# --- A programmation's context --------------------------------------------------------------------------


@dataclass(frozen=True)
class Contexte:
    """What the rules need of a programmation besides its actions."""

    programmation: Programmation
    parametres: Parametres
    registre: Registre
    entete: FaitsProgrammation  # without the retained lines

    def faits(self, retenues: Iterable[LigneRetenue]) -> FaitsProgrammation:
        e = self.entete
        return FaitsProgrammation(
            annee=e.annee,
            departement=e.departement,
            programme=e.programme,
            enveloppe=e.enveloppe,
            retenues=tuple(retenues),
            dotation_initiale=e.dotation_initiale,
            cellule_suivi_active=e.cellule_suivi_active,
        )


def contexte_des_maxima(programmation: Programmation) -> Contexte:
    """Enough of the context for the maxima of an action (one query, the parameters: the envelope comes
    from ``avec_enveloppe``); not for evaluating rules (no initial allocation, no follow-up cell)."""
    _, enveloppe = enveloppe_annotee(programmation)
    entete = FaitsProgrammation(
        annee=programmation.exercice.annee,
        departement=programmation.departement.code,
        programme=programmation.programme.code,
        enveloppe=enveloppe,
    )
    return Contexte(
        programmation,
        parametres(programmation.programme_id, programmation.exercice.annee),
        registre(programmation.programme.code),
        entete,
    )


def contexte(programmation: Programmation) -> Contexte:
    """Three queries: the parameters, the departmental envelope with its initial allocation, the follow-up
    cell flag. ``programmation`` comes with its exercice, department and programme loaded."""
    enveloppe = (
        enveloppes_departementales(
            programmation.exercice_id, programmation.programme_id, programmation.departement_id
        )
        .annotate(
            dotation=models.Sum(
                "mouvements__montant", filter=models.Q(mouvements__nature=NatureMouvement.INITIALE)
            )
        )
        .values("montant", "dotation")
        .first()
    )
    dotation = enveloppe and enveloppe["dotation"]
    entete = FaitsProgrammation(
        annee=programmation.exercice.annee,
        departement=programmation.departement.code,
        programme=programmation.programme.code,
        enveloppe=decimal(enveloppe["montant"]) if enveloppe else None,
        dotation_initiale=decimal(dotation) if dotation is not None else None,
        cellule_suivi_active=cellule_active(programmation.departement_id, programmation.exercice_id),
    )
    return Contexte(
        programmation,
        parametres(programmation.programme_id, programmation.exercice.annee),
        registre(programmation.programme.code),
        entete,
    )


# --- Co-funders ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cofinanceur:
    """One co-funder as the write path writes it: its name, its amount, and whether the money is the
    State's (DETR, DSIL, another ministry: DESIGN.md §3.5)."""

    financeur: str
    montant: Decimal
    etat: bool = False

    @classmethod
    def de(cls, ligne) -> Cofinanceur:
        """From a ``Cofinanceur``, a stored ``Cofinancement``, a ``CofinancementLu``, or a tuple
        ``(financeur, montant)`` / ``(financeur, montant, etat)`` (the pairs callers wrote before the
        State flag existed keep working: they are not State money)."""
        if isinstance(ligne, Cofinanceur):
            return ligne
        if isinstance(ligne, Cofinancement | CofinancementLu):
            return cls(ligne.financeur or "", ligne.montant, bool(ligne.etat))
        financeur, montant, *etat = ligne
        if len(etat) > 1:
            raise ValueError(f"a co-funder is (financeur, montant[, etat]), not {ligne!r}")
        return cls(financeur, montant, bool(etat and etat[0]))


def cofinancement_lu(ligne) -> CofinancementLu:
    """A co-funder as the rules' facts read it: from a bare amount (a co-funder that is not State money) or
    from anything ``Cofinanceur.de`` reads."""
    if isinstance(ligne, Decimal):
        return CofinancementLu(None, decimal(ligne))
    c = Cofinanceur.de(ligne)
    return CofinancementLu(c.financeur or None, decimal(c.montant), c.etat)


# --- Actions --------------------------------------------------------------------------------------------


def action_lue(
    action: Action, cofinancements: Sequence | None = None, departement: str | None = None
) -> ActionLue:
    """An action instance as the readers give actions; ``cofinancements`` when known (``Cofinanceur``s,
    stored co-funders, tuples, or bare amounts of non-State money), else read from the database. A porteur
    being created in the same form is not saved yet: its type and name count. ``departement``: the
    programmation's department code, which the write path holds in its context (pass it there: no query per
    action); else read from the action's programmation. The SNPD measure is read as its number (the key the
    foreign key stores): no query."""
    if departement is None:
        departement = action.programmation.departement.code
    if cofinancements is None:
        cofinancements = list(action.cofinancements.all()) if action.pk else []
    porteur = action.porteur if action.porteur_id or Action.porteur.is_cached(action) else None
    return ActionLue(
        reference=action.reference,
        intitule=action.intitule,
        porteur_nom=porteur.nom if porteur else "",
        porteur_type=porteur.type if porteur else "",
        porteur_siret=(porteur.siret or None) if porteur else None,
        categorie=action.categorie,
        public=action.public,
        milieu=action.milieu,
        cout_total=None if action.cout_total is None else decimal(action.cout_total),
        montant_demande=None if action.montant_demande is None else decimal(action.montant_demande),
        montant_fipd=None if action.montant_fipd is None else decimal(action.montant_fipd),
        cofinancements=tuple(cofinancement_lu(c) for c in cofinancements),
        contrat_de_ville=action.contrat_de_ville,
        code_analytique=action.code_analytique or "",
        theme_prevention_primaire=action.theme_prevention_primaire or None,
        justification=action.justification or "",
        quantite=action.quantite,
        iscg_premiere_annee=action.iscg_premiere_annee,
        mesure_snpd=action.mesure_snpd_id,
        retenue=action.decision == Decision.RETENUE,
        departement=departement,
    )


def faits_action(
    source: Action | ActionLue,
    cofinancements: Sequence | None = None,
    departement: str | None = None,
) -> FaitsAction:
    """The facts of an action, from a model instance or from an action read from any source."""
    if isinstance(source, Action):
        source = action_lue(source, cofinancements, departement)
    return source.faits()


@dataclass
class Ligne:
    """What the write rule reads of an action already stored: enough for totals and counts."""

    decision: str
    categorie: str
    montant_fipd: Decimal
    nb_bloquants: int
    nb_alertes: int

    @property
    def retenue(self) -> bool:
        return self.decision == Decision.RETENUE


def lignes(programmation_id: int) -> dict[int, Ligne]:
    """One query, whatever the programmation's size."""
    rows = Action.objects.filter(programmation_id=programmation_id).values_list(
        "pk", "decision", "categorie", "montant_fipd", "nb_bloquants", "nb_alertes"
    )
    return {pk: Ligne(d, c, decimal(m), b, a) for pk, d, c, m, b, a in rows}


def totaux_stockes(programmation: Programmation) -> Totaux:
    return Totaux(
        programmation.total_fipd, programmation.total_formation, programmation.total_prevention_primaire
    )


def totaux_sans(programmation: Programmation, retenue_stockee: LigneRetenue | None) -> Totaux:
    """The programmation's stored retained totals without what an action counts for as stored
    (``retenue_stockee``: its retained line, None when it is new or not retained): the room left for it."""
    totaux = totaux_stockes(programmation)
    return totaux if retenue_stockee is None else totaux.sans(retenue_stockee)


def ligne_stockee(action: Action) -> LigneRetenue | None:
    """What a stored action counts for in the retained totals (read before a form changes the instance)."""
    if action.pk is None or action.decision != Decision.RETENUE:
        return None
    return LigneRetenue(action.categorie, decimal(action.montant_fipd))
