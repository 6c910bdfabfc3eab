"""What the programmation PDF shows (DESIGN.md §9), gathered in a number of queries that does not grow with
the number of actions: the parameters, the envelope's movements, the retained actions with their porteurs, their
co-funders, the count of the others, and (for a validated programmation) the validation date.

Everything is read from what the write path stores (totals, verdicts); nothing is recomputed, so the document
says what the programmation page says. Money stays ``Decimal``; sums are made in Python (SQLite sums decimals
as floats).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from eligibilite.regles import Parametres, Registre, registre
from eligibilite.regles.codes import CATEGORIES
from eligibilite.regles.programmations import lecture_plafond
from eligibilite.regles.registre import NonEvaluee

from ..ecriture.faits import avec_enveloppe, decimal, enveloppe_annotee, parametres, totaux_stockes
from ..models import Cofinancement, Decision, MouvementEnveloppe, Programmation, Statut
from .prefecture import prefecture

ZERO = Decimal("0.00")
# Rows per <table>: the longer a table, the more WeasyPrint's layout costs per row (a 1 000-row table costs
# about 20 % more than the same rows in tables of 100: bench/pdf.py); tables of this many rows, each with its
# header, keep the cost linear.
LIGNES_PAR_TABLEAU = 100
LIENS = ("exercice", "departement__region", "programme")


@dataclass(frozen=True)
class LigneAction:
    """One retained action as the document shows it."""

    reference: str
    intitule: str
    porteur: str
    cout_total: Decimal
    montant_fipd: Decimal
    cofinancements: tuple[tuple[str, Decimal], ...]
    code_analytique: str
    verdicts: tuple[dict, ...]

    @property
    def total_cofinancements(self) -> Decimal:
        return sum((m for _, m in self.cofinancements), ZERO)


@dataclass(frozen=True)
class Sommes:
    nombre: int = 0
    cout_total: Decimal = ZERO
    montant_fipd: Decimal = ZERO
    cofinancements: Decimal = ZERO

    @classmethod
    def de(cls, lignes: Sequence[LigneAction]) -> Sommes:
        return cls(
            len(lignes),
            sum((a.cout_total for a in lignes), ZERO),
            sum((a.montant_fipd for a in lignes), ZERO),
            sum((a.total_cofinancements for a in lignes), ZERO),
        )


@dataclass(frozen=True)
class Groupe:
    """The retained actions of one category, in tables of at most ``LIGNES_PAR_TABLEAU`` rows."""

    categorie: str
    libelle: str
    tableaux: tuple[tuple[LigneAction, ...], ...]
    sommes: Sommes


@dataclass(frozen=True)
class VerdictAction:
    reference: str
    verdict: dict


@dataclass(frozen=True)
class Plafond:
    """A cap as the document shows it: its figure, how it reads, where it comes from, and where the
    programmation stands."""

    libelle: str
    valeur: Decimal | None  # None: not computed (no parameter in force)
    lecture: str
    source: str
    utilise: Decimal
    libelle_utilise: str
    marge: Decimal | None = None
    arrondi_inferieur: bool = False  # a computed cap is shown rounded down to the cent

    @property
    def depasse(self) -> bool:
        return self.valeur is not None and self.utilise > self.valeur


@dataclass(frozen=True)
class ParametreAffiche:
    libelle: str
    valeur: str
    depuis: int
    source: str


@dataclass
class DonneesProgrammation:
    programmation: Programmation
    titre: str
    prefecture: str
    edite_le: datetime
    parametres: Parametres
    enveloppe_notifiee: bool
    montant_enveloppe: Decimal
    mouvements: list[MouvementEnveloppe]
    groupes: list[Groupe]
    totaux: Sommes
    plafonds: list[Plafond]
    parametres_affiches: list[ParametreAffiche]
    verdicts_programmation: list[dict]
    verdicts_actions: tuple[tuple[VerdictAction, ...], ...]  # in tables, as the actions
    non_evaluees: tuple[NonEvaluee, ...]
    nb_en_instruction: int
    nb_non_retenues: int
    date_validation: datetime | None
    pied: str | None = None
    extra: dict = field(default_factory=dict)  # more context for a template that extends the document

    @property
    def reste_enveloppe(self) -> Decimal:
        return self.montant_enveloppe - self.totaux.montant_fipd

    @property
    def consommation(self) -> Decimal | None:
        if not self.montant_enveloppe:
            return None
        return (self.totaux.montant_fipd / self.montant_enveloppe).quantize(Decimal("0.001"))

    @property
    def nb_verdicts_actions(self) -> int:
        return sum(len(t) for t in self.verdicts_actions)

    def en_contexte(self) -> dict:
        return {"d": self, "programmation": self.programmation, "pied": self.pied, **self.extra}


def charger(pk: int) -> Programmation:
    """A programmation loaded as the document needs it (for callers without a request: a task, a command)."""
    return avec_enveloppe(Programmation.objects.select_related(*LIENS)).get(pk=pk)


def par_tableaux(elements: Sequence, taille: int = LIGNES_PAR_TABLEAU) -> tuple[tuple, ...]:
    return tuple(tuple(elements[i : i + taille]) for i in range(0, len(elements), taille))


def lignes_retenues(programmation: Programmation) -> list[tuple[str, LigneAction]]:
    """The retained actions as (category, line), by reference, with their porteur and co-funders: two queries
    whatever their number (co-funders are read by programmation, not by a list of action ids)."""
    actions = list(
        programmation.actions.filter(decision=Decision.RETENUE)
        .select_related("porteur")
        .only(
            "pk",
            "programmation",  # read by the related manager on each row
            "reference",
            "intitule",
            "categorie",
            "cout_total",
            "montant_fipd",
            "code_analytique",
            "verdicts",
            "porteur__nom",
        )
        .order_by("reference", "pk")
    )
    cofinancements: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for action_id, financeur, montant in (
        Cofinancement.objects.filter(action__programmation=programmation, action__decision=Decision.RETENUE)
        .order_by("pk")
        .values_list("action_id", "financeur", "montant")
    ):
        cofinancements[action_id].append((financeur, decimal(montant)))
    return [
        (
            a.categorie,
            LigneAction(
                reference=a.reference,
                intitule=a.intitule,
                porteur=a.porteur.nom,
                cout_total=decimal(a.cout_total),
                montant_fipd=decimal(a.montant_fipd),
                cofinancements=tuple(cofinancements.get(a.pk, ())),
                code_analytique=a.code_analytique,
                verdicts=tuple(a.verdicts or ()),
            ),
        )
        for a in actions
    ]


def grouper(lignes: Iterable[tuple[str, LigneAction]], categories: Sequence[tuple[str, str]]) -> list[Groupe]:
    """By category, in the order of the programme's categories (then any other code, by label)."""
    par_categorie: dict[str, list[LigneAction]] = defaultdict(list)
    for categorie, ligne in lignes:
        par_categorie[categorie].append(ligne)
    libelles = dict(CATEGORIES) | dict(categories)
    ordre = [code for code, _ in categories if code in par_categorie]
    ordre += sorted((c for c in par_categorie if c not in ordre), key=lambda c: libelles.get(c, c))
    return [
        Groupe(
            code, libelles.get(code, code), par_tableaux(par_categorie[code]), Sommes.de(par_categorie[code])
        )
        for code in ordre
    ]


def date_de_validation(programmation: Programmation) -> datetime | None:
    """When the programmation last became « validée » (from its history), or None when it is not validated:
    the newest run of « validée » records, walked back to its first. One query."""
    if programmation.statut != Statut.VALIDEE:
        return None
    date = None
    for statut, quand in (
        Programmation.history.filter(id=programmation.pk)
        .order_by("-history_id")
        .values_list("statut", "history_date")
        .iterator(chunk_size=100)
    ):
        if statut != Statut.VALIDEE:
            break
        date = quand
    return date


def _source(regles: Registre, code: str) -> str:
    return next((r.source for r in regles.regles if r.code == code), "")


def plafonds(
    programmation: Programmation, p: Parametres, montant_enveloppe: Decimal, enveloppe_notifiee: bool
) -> list[Plafond]:
    """The caps the programme's rules apply, with their figures and readings; the training cap only for a
    programme whose rules have it."""
    regles = registre(programmation.programme.code)
    resultat = [
        Plafond(
            "Enveloppe notifiée",
            montant_enveloppe,
            "le total FIPD des actions retenues ne dépasse pas l'enveloppe"
            + ("" if enveloppe_notifiee else " (aucune enveloppe n'est notifiée : 0,00 €)"),
            _source(regles, "ENVELOPPE_DEPASSEE"),
            programmation.total_fipd,
            "Total FIPD retenu",
            marge=montant_enveloppe - programmation.total_fipd,
        )
    ]
    if regles.a_un_plafond_de_formation:
        plafond, marge = regles.plafond_formation(totaux_stockes(programmation), p)
        resultat.append(
            Plafond(
                "Plafond des actions de formation et d'accompagnement des équipes",
                plafond,
                lecture_plafond(p)
                if plafond is not None
                else f"aucun paramètre en vigueur en {p.annee} : le plafond ne peut pas être calculé",
                _source(regles, "FORMATION_PLAFOND"),
                programmation.total_formation,
                "Formation retenue",
                marge=marge,
                arrondi_inferieur=True,
            )
        )
    return resultat


def parametres_affiches(programmation: Programmation, p: Parametres) -> list[ParametreAffiche]:
    """The parameters in force for the exercice, as the rule set defines them, each with its source."""
    resultat = []
    for definition in registre(programmation.programme.code).parametres:
        if not p.en_vigueur(definition.code):
            continue
        resultat.append(
            ParametreAffiche(
                definition.libelle,
                definition.afficher(getattr(p, definition.code)),
                p.debuts.get(definition.code, p.annee),
                p.source(definition.code),
            )
        )
    return resultat


def donnees_programmation(programmation: Programmation, *, pied: str | None = None) -> DonneesProgrammation:
    """Everything the PDF shows. ``programmation`` comes with its exercice, department (and region) and
    programme loaded, as ``charger`` or the page's loader give it (with its envelope annotated); six queries at
    most, whatever its size. ``pied``: a text for the foot of every page."""
    prog = programmation
    p = parametres(prog.programme_id, prog.exercice.annee)
    regles = registre(prog.programme.code)
    enveloppe_id, montant_enveloppe = enveloppe_annotee(prog)
    mouvements = (
        list(MouvementEnveloppe.objects.filter(enveloppe_id=enveloppe_id)) if enveloppe_id is not None else []
    )
    lignes = lignes_retenues(prog)
    groupes = grouper(lignes, regles.categories)
    comptes = dict(prog.actions.values_list("decision").annotate(n=Count("pk")).order_by())
    verdicts_actions = [VerdictAction(ligne.reference, v) for _, ligne in lignes for v in ligne.verdicts]
    return DonneesProgrammation(
        programmation=prog,
        titre=f"Programmation FIPD {prog.exercice.annee} — programme {prog.programme.code} "
        f"« {prog.programme.libelle} »",
        prefecture=prefecture(prog.departement.code, prog.departement.nom),
        edite_le=timezone.localtime(),
        parametres=p,
        enveloppe_notifiee=enveloppe_id is not None,
        montant_enveloppe=montant_enveloppe,
        mouvements=mouvements,
        groupes=groupes,
        totaux=Sommes.de([ligne for _, ligne in lignes]),
        plafonds=plafonds(prog, p, montant_enveloppe, enveloppe_id is not None),
        parametres_affiches=parametres_affiches(prog, p),
        verdicts_programmation=list(prog.verdicts or ()),
        verdicts_actions=par_tableaux(verdicts_actions),
        non_evaluees=regles.non_evaluees(p),
        nb_en_instruction=comptes.get(Decision.EN_INSTRUCTION, 0),
        nb_non_retenues=comptes.get(Decision.NON_RETENUE, 0),
        date_validation=date_de_validation(prog),
        pied=pied,
    )
