"""Importing a spreadsheet programmation (DESIGN.md §5) through the write rule (§3.4).

``importer(programmation, actions_lues, …)`` turns the rows a reader produced (``ActionLue``, see
``programmation.tableur``) into a plan — porteurs matched or created, actions created, changed or left as they
are — checks what only the database knows (a porteur's type, the length of texts), runs the write rule once on
the whole resulting state (``evaluer_ecriture``: the per-action blocking verdicts of the retained actions
written, the programmation-level rules not worsened) and, unless it is a dry run, writes everything in one
transaction under the programmation's lock.

The writes are bulk statements that keep the history (one history row per action or porteur created or
changed, and per co-funder created or deleted, each naming the import as its reason): the number of queries
does not grow with the rows, but for the database's batch size (SQLite takes 999 parameters per statement).
An action the file leaves as it is is not written at all: no new version, no history row.

The fields are those of ``eligibilite.lecture.CHAMPS_ACTION`` that the ``Action`` model has: a field added to
both (the facts of programmes D and S) flows through without a change here. A column absent from the file
leaves the field of an updated action as it is (a new action takes the field's default); co-funder columns,
when present, replace the action's co-funders.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models, transaction
from django.db.models import Case, Value, When
from django.db.models.functions import Cast
from django.db.models.lookups import Exact
from django.utils import timezone

from eligibilite.lecture import (
    CHAMPS_ACTION,
    CODE,
    COFINANCEMENTS,
    PORTEUR,
    TYPE_PORTEUR,
    ActionLue,
    Champ,
    CofinancementLu,
    ProgrammationLue,
)
from eligibilite.regles import Totaux, Verdict, montant
from eligibilite.regles.codes import DECISIONS, TYPES_PORTEUR, libelle
from eligibilite.regles.programmations import lecture_plafond
from programmation.historique import valeur_lisible
from programmation.models import Action, Cofinancement, Decision, Porteur, Programmation
from programmation.tableur import est_un_tableur, lire_tableur, nouvelle_lue

from .actions import (
    Resultat,
    _stocker_programmation,
    controler_actions,
    evaluer_ecriture,
    stocker_verdicts,
)
from .faits import Contexte, Ligne, contexte, decimal
from .verrous import controler_modifiable, verrouiller

CREATION, MODIFICATION, INCHANGEE = "creation", "modification", "inchangee"
LONGUEUR_MOTIF = 100  # simple-history's history_change_reason
LOT = 900  # primary keys per « IN (…) » of an UPDATE or DELETE statement
CHAMPS_VERDICTS = ("nb_alertes", "nb_bloquants", "verdicts")  # stored with every write (DESIGN.md §3.4)
COFINANCEMENTS_CHEMIN = "cofinancements."
VIDE = "(vide)"


# --- What an import says ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changement:
    champ: str  # the field's French label
    avant: str
    apres: str


@dataclass
class LigneImportee:
    """One row of the file and what the import does with it."""

    numero: int  # the spreadsheet's line
    reference: str
    intitule: str
    porteur: str
    porteur_cree: bool
    categorie: str  # its label
    montant_fipd: Decimal
    decision: str  # the code
    nature: str  # CREATION, MODIFICATION or INCHANGEE
    changements: list[Changement] = field(default_factory=list)
    verdicts: tuple[Verdict, ...] = ()

    @property
    def libelle_decision(self) -> str:
        return libelle(DECISIONS, self.decision)

    @property
    def bloquante(self) -> bool:
        return any(v.bloquant for v in self.verdicts)


@dataclass(frozen=True)
class PorteurCree:
    nom: str
    type: str  # its label
    siret: str
    lignes: tuple[int, ...]


@dataclass
class Bilan:
    """What an import does, or would do: each row, the porteurs created, the programmation's figures after it;
    or the rows' errors (then no rule ran), or the write rule's refusals (then nothing is written)."""

    programmation: Programmation
    version: int  # the programmation's change marker the plan was made on
    lignes: list[LigneImportee] = field(default_factory=list)
    erreurs: list[str] = field(default_factory=list)
    refus: list[str] = field(default_factory=list)
    porteurs_crees: list[PorteurCree] = field(default_factory=list)
    enveloppe: Decimal = Decimal("0.00")
    enveloppe_notifiee: bool = False
    totaux: Totaux | None = None
    a_plafond_formation: bool = False
    plafond_formation: Decimal | None = None
    marge_formation: Decimal | None = None
    lecture_plafond: str = ""
    verdicts_programmation: tuple[Verdict, ...] = ()
    nb_bloquants: int = 0
    nb_alertes: int = 0
    nb_en_instruction: int = 0
    ecrit: bool = False  # True once applied (nothing to write counts as applied)
    resultat: Resultat | None = field(default=None, repr=False)  # the write rule's evaluation

    @property
    def acceptable(self) -> bool:
        return not self.erreurs and not self.refus

    def _nombre(self, nature: str) -> int:
        return sum(1 for lg in self.lignes if lg.nature == nature)

    @property
    def nb_creees(self) -> int:
        return self._nombre(CREATION)

    @property
    def nb_modifiees(self) -> int:
        return self._nombre(MODIFICATION)

    @property
    def nb_inchangees(self) -> int:
        return self._nombre(INCHANGEE)

    @property
    def reste_enveloppe(self) -> Decimal | None:
        return None if self.totaux is None else self.enveloppe - self.totaux.total_fipd

    @property
    def empreinte(self) -> str:
        """A fingerprint of the plan (what is created, changed, the porteurs created): what the user saw in
        the preview; the confirmation recomputes it under the lock and refuses to write a different plan."""
        plan = {
            "lignes": [
                [lg.numero, lg.reference, lg.nature, lg.porteur, lg.porteur_cree]
                + [[c.champ, c.avant, c.apres] for c in lg.changements]
                for lg in self.lignes
            ],
            "porteurs": [[p.nom, p.type, p.siret] for p in self.porteurs_crees],
            "erreurs": self.erreurs,
        }
        texte = json.dumps(plan, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(texte.encode()).hexdigest()

    def resume(self, simulation: bool = False) -> str:
        """« 3 actions créées, 1 action modifiée, 2 actions inchangées ; 1 porteur créé. »"""
        verbes = ("à créer", "à modifier") if simulation else ("créée", "modifiée")
        parties = [
            _compte(self.nb_creees, "action", verbes[0], accord=not simulation),
            _compte(self.nb_modifiees, "action", verbes[1], accord=not simulation),
            _compte(self.nb_inchangees, "action", "inchangée"),
        ]
        porteurs = _compte(
            len(self.porteurs_crees), "porteur", "à créer" if simulation else "créé", not simulation
        )
        return f"{', '.join(parties)} ; {porteurs}."


def _compte(n: int, nom: str, adjectif: str, accord: bool = True) -> str:
    """« 1 action créée », « 3 actions créées », « 0 action à créer »."""
    pluriel = "s" if n > 1 else ""
    return f"{n} {nom}{pluriel} {adjectif}{pluriel if accord else ''}"


class ImportPerime(ValidationError):
    """The programmation changed between the preview and the confirmation."""

    def __init__(self):
        super().__init__(
            "La programmation a été modifiée depuis l'aperçu de l'import (dans un autre onglet ou par un autre "
            "agent) : rien n'a été importé.",
            code="import_perime",
        )


# --- The fields --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChampImporte:
    """A field of the import format that is a field of the Action model."""

    lu: Champ
    modele: models.Field

    @property
    def nom(self) -> str:
        return self.lu.nom

    @property
    def relation(self) -> bool:
        return self.modele.is_relation


def champs_importes() -> tuple[ChampImporte, ...]:
    """The fields of ``CHAMPS_ACTION`` that ``Action`` has (the porteur and co-funders aside, and the
    reference, which finds the action). A relation (a reference datum such as the SNPD measure, if the model
    holds it as one) is given in the file by the related object's ``numero``."""
    resultat = []
    for champ in CHAMPS_ACTION:
        if champ.type in (PORTEUR, COFINANCEMENTS) or champ.nom == "reference":
            continue
        try:
            modele = Action._meta.get_field(champ.nom)
        except FieldDoesNotExist:
            continue
        if modele.is_relation and not _a_un_numero(modele.related_model):
            continue
        resultat.append(ChampImporte(champ, modele))
    return tuple(resultat)


def _a_un_numero(modele) -> bool:
    try:
        modele._meta.get_field("numero")
    except FieldDoesNotExist:
        return False
    return True


def _cofinancement_a_un_etat() -> bool:
    try:
        Cofinancement._meta.get_field("etat")
    except FieldDoesNotExist:
        return False
    return True


class _Numeros:
    """For relation fields given by number (the SNPD measure): the number ↔ what the foreign key stores. A key
    to the related model's ``numero`` (``to_field``) stores the number itself: no query; a key to its primary
    key costs one query per such field."""

    def __init__(self, champs: Sequence[ChampImporte]):
        self.cle: dict[str, dict[int, object]] = {}  # number → stored key
        self.numero: dict[str, dict[object, int]] = {}  # stored key → number
        for c in champs:
            if not c.relation:
                continue
            cible = c.modele.target_field
            if cible.name == "numero":
                self.cle[c.nom] = self.numero[c.nom] = _Identite()
                continue
            paires = list(c.modele.related_model._default_manager.values_list("numero", cible.attname))
            self.cle[c.nom] = dict(paires)
            self.numero[c.nom] = {cle: numero for numero, cle in paires}


class _Identite(dict):
    def get(self, cle, defaut=None):
        return cle


# --- Porteurs ------------------------------------------------------------------------------------------------


def cle_nom(nom: str) -> str:
    """A porteur's name as names are matched: without case, and with spaces collapsed."""
    return " ".join(nom.split()).casefold()


class _Porteurs:
    """The department's porteurs, and those the file creates: matched by SIRET, else by name, else created."""

    def __init__(self, departement_id: int, existants: Sequence[Porteur]):
        self.departement_id = departement_id
        self.par_pk = {p.pk: p for p in existants}
        self.par_siret = {p.siret: p for p in existants if p.siret}
        self.par_nom: dict[str, list[Porteur]] = defaultdict(list)
        for p in existants:
            self.par_nom[cle_nom(p.nom)].append(p)
        self.nouveaux: list[Porteur] = []
        self.lignes: dict[int, list[int]] = defaultdict(list)  # id() of a new porteur → its lines

    def trouver(self, lue: ActionLue, actuel: Porteur | None, siret_donne: bool) -> Porteur | list[Porteur]:
        """The porteur of a row; a list of candidates when the name is ambiguous. ``actuel``: the porteur of
        the action the row updates, preferred among porteurs of the same name."""
        siret = (lue.porteur_siret or "") if siret_donne else ""
        if siret and siret in self.par_siret:
            return self.par_siret[siret]
        cle = cle_nom(lue.porteur_nom)
        candidats = [p for p in self.par_nom.get(cle, ()) if not siret or not p.siret]
        if actuel is not None and any(p is actuel for p in candidats):
            return actuel
        if len(candidats) == 1:
            if candidats[0].pk is None and siret and not candidats[0].siret:
                candidats[0].siret = siret  # a porteur the file creates, its SIRET given by a later row
                self.par_siret[siret] = candidats[0]
            return candidats[0]
        if candidats:
            return candidats
        porteur = Porteur(
            departement_id=self.departement_id, nom=" ".join(lue.porteur_nom.split()), type=lue.porteur_type
        )
        porteur.siret = siret
        self.nouveaux.append(porteur)
        self.par_nom[cle].append(porteur)
        if siret:
            self.par_siret[siret] = porteur
        return porteur


# --- The plan ------------------------------------------------------------------------------------------------


@dataclass
class _Ecriture:
    """An action the import creates or changes."""

    lue: ActionLue
    action: Action
    cofinancements: list[tuple[str, Decimal, bool]] | None  # the replacement, None: unchanged
    remplacees: list[Cofinancement]  # the co-funders replaced
    champs: set[str]  # the model fields an update changes


@dataclass
class _Plan:
    ctx: Contexte
    lignes: list[LigneImportee]
    ecritures: list[_Ecriture]
    faits_ecrits: list
    inchangees: list[tuple[int, object]]  # (index in lignes, facts)
    porteurs: _Porteurs
    avant: dict[int, Ligne]
    erreurs: list[tuple[int, str]]


class _Colonnes:
    """Which fields the file gives, and how a message names their column."""

    def __init__(self, colonnes: Mapping[str, str] | None):
        self.ecrites = colonnes

    def donne(self, chemin: str) -> bool:
        return self.ecrites is None or chemin in self.ecrites

    def donne_cofinancements(self) -> bool:
        return self.ecrites is None or any(c.startswith(COFINANCEMENTS_CHEMIN) for c in self.ecrites)

    def donne_etats(self) -> bool:
        return self.ecrites is None or any(
            c.startswith(COFINANCEMENTS_CHEMIN) and c.endswith(".etat") for c in self.ecrites
        )

    def place(self, lue: ActionLue, chemin: str, libelle_: str) -> str:
        if self.ecrites is None:
            return f"{lue.designation or f'Action n° {lue.numero}'}, champ « {chemin} »"
        return f"Ligne {lue.numero}, colonne « {self.ecrites.get(chemin, libelle_)} »"


def _longueurs(lue: ActionLue, colonnes: _Colonnes, champs, erreurs: list[tuple[int, str]]) -> None:
    """Texts longer than their column in the database are row errors (PostgreSQL would refuse them)."""
    textes = [("reference", "Référence", lue.reference, Action._meta.get_field("reference").max_length)]
    textes += [
        (c.nom, c.lu.libelle, getattr(lue, c.nom), c.modele.max_length)
        for c in champs
        if isinstance(c.modele, models.CharField) and not c.relation
    ]
    textes.append(("porteur.nom", "Porteur", lue.porteur_nom, Porteur._meta.get_field("nom").max_length))
    longueur_financeur = Cofinancement._meta.get_field("financeur").max_length
    textes += [
        (f"cofinancements.{i}.financeur", f"Cofinanceur {i}", c.financeur, longueur_financeur)
        for i, c in enumerate(lue.cofinancements, start=1)
    ]
    for chemin, libelle_, valeur, maximum in textes:
        if isinstance(valeur, str) and maximum and len(valeur) > maximum:
            erreurs.append(
                (
                    lue.numero,
                    f"{colonnes.place(lue, chemin, libelle_)} : {len(valeur)} caractères ; au plus {maximum} "
                    "sont admis.",
                )
            )


def _valeur_modele(c: ChampImporte, valeur, numeros: _Numeros):
    """A read value as the model field stores it."""
    if c.relation:
        return None if valeur is None else numeros.cle[c.nom].get(valeur)
    if valeur is None and isinstance(c.modele, models.CharField | models.TextField) and not c.modele.null:
        return ""
    return valeur


def _valeur_lue(c: ChampImporte, action: Action, numeros: _Numeros):
    """A stored value as a reader gives it (a code left empty is None)."""
    valeur = getattr(action, c.modele.attname)
    if c.relation:
        return None if valeur is None else numeros.numero[c.nom].get(valeur)
    if valeur == "" and c.lu.type == CODE:
        return None
    if isinstance(valeur, Decimal):
        return decimal(valeur)
    return valeur


def _lisible(c: ChampImporte, valeur) -> str:
    """A stored value as the history shows it."""
    return valeur_lisible(c.modele, valeur)


def _lisible_cofinancements(cofis: Sequence[tuple[str, Decimal, bool]], etats: bool) -> str:
    if not cofis:
        return VIDE
    return " ; ".join(
        f"{financeur} : {montant(m)}{' (État)' if etats and etat else ''}" for financeur, m, etat in cofis
    )


def _lue_de(
    action: Action,
    porteur: Porteur,
    cofis: Sequence[tuple[str, Decimal, bool]],
    champs,
    numeros: _Numeros,
    departement: str,
) -> ActionLue:
    """The action as it will be stored, as a reader would give it: the facts the rules read of it (and those a
    later recomputation of its verdicts reads)."""
    valeurs = {c.nom: _valeur_lue(c, action, numeros) for c in champs}
    return ActionLue(
        numero=0,
        designation=f"Action {action.reference}",
        reference=action.reference,
        porteur_nom=porteur.nom,
        porteur_type=porteur.type,
        porteur_siret=porteur.siret or None,
        cofinancements=tuple(CofinancementLu(f, m, e) for f, m, e in cofis),
        retenue=action.decision == Decision.RETENUE,
        departement=departement,
        **valeurs,
    )


def _planifier(programmation: Programmation, actions_lues: Sequence[ActionLue], colonnes: _Colonnes) -> _Plan:
    """Everything the import would do, in a constant number of queries: the context (three), the department's
    porteurs (one), the actions (one), their co-funders (one), and the reference data of a relation field
    given by number whose key is not that number (one per such field; none for the SNPD measure)."""
    planificateur = _Planificateur(programmation, colonnes)
    for lue in actions_lues:
        planificateur.ligne(lue)
    return planificateur.plan


class _Planificateur:
    def __init__(self, programmation: Programmation, colonnes: _Colonnes):
        ctx = contexte(programmation)
        self.colonnes = colonnes
        self.champs = champs_importes()
        self.numeros = _Numeros(self.champs)
        self.etats = _cofinancement_a_un_etat()
        self.donne_cofinancements = colonnes.donne_cofinancements()
        self.donne_etats = colonnes.donne_etats()
        self.donne_siret = colonnes.donne("porteur.siret")
        porteurs = _Porteurs(
            programmation.departement_id,
            list(Porteur.objects.filter(departement_id=programmation.departement_id)),
        )
        self.existantes = {a.reference: a for a in Action.objects.filter(programmation_id=programmation.pk)}
        self.cofinancements: dict[int, list[Cofinancement]] = defaultdict(list)
        for c in Cofinancement.objects.filter(action__programmation_id=programmation.pk).order_by(
            "action_id", "pk"
        ):
            self.cofinancements[c.action_id].append(c)
        avant = {
            a.pk: Ligne(a.decision, a.categorie, decimal(a.montant_fipd), a.nb_bloquants, a.nb_alertes)
            for a in self.existantes.values()
        }
        for a in self.existantes.values():
            if a.porteur_id in porteurs.par_pk:
                a.porteur = porteurs.par_pk[a.porteur_id]
        self.plan = _Plan(ctx, [], [], [], [], porteurs, avant, [])
        self.premiere_ligne: dict[int, int] = {}  # id() of a porteur the file creates → its first line
        self.aujourd_hui = timezone.localdate()  # the date of the decisions the file makes

    def erreur(self, lue: ActionLue, chemin: str, libelle_: str, message: str) -> None:
        self.plan.erreurs.append((lue.numero, f"{self.colonnes.place(lue, chemin, libelle_)} : {message}"))

    def ligne(self, lue: ActionLue) -> None:
        if None in (lue.reference, lue.intitule, lue.porteur_nom, lue.porteur_type, lue.categorie):
            raise ValueError("importer() takes actions read without problems")
        erreurs = len(self.plan.erreurs)
        _longueurs(lue, self.colonnes, self.champs, self.plan.erreurs)
        existante = self.existantes.get(lue.reference)
        porteur = self.porteur(lue, existante)
        if porteur is None or len(self.plan.erreurs) > erreurs:
            return
        self.action(lue, existante, porteur)

    def porteur(self, lue: ActionLue, existante: Action | None) -> Porteur | None:
        """The row's porteur; None, with the row's error, when it is ambiguous or of another type."""
        porteurs = self.plan.porteurs
        actuel = existante.porteur if existante is not None else None
        porteur = porteurs.trouver(lue, actuel, self.donne_siret)
        if isinstance(porteur, list):
            noms = ", ".join(f"« {p.nom} »" for p in porteur)
            self.erreur(
                lue,
                "porteur.nom",
                "Porteur",
                f"plusieurs porteurs du département portent ce nom ({noms}, sans SIRET qui les distingue) : "
                "indiquez le SIRET du porteur dans la colonne « SIRET », ou fusionnez les doublons dans la page "
                "des porteurs.",
            )
            return None
        if porteur.type != lue.porteur_type:
            if porteur.pk is None:
                origine = f"à la ligne {self.premiere_ligne[id(porteur)]} du fichier"
            else:
                origine = "dans le département"
            siret = f" (SIRET {porteur.siret})" if porteur.siret else ""
            self.erreur(
                lue,
                "porteur.type",
                TYPE_PORTEUR.libelle,
                f"le porteur « {porteur.nom} »{siret} est enregistré {origine} comme "
                f"« {libelle(TYPES_PORTEUR, porteur.type)} », et non « {libelle(TYPES_PORTEUR, lue.porteur_type)} ». "
                "Corrigez le type dans le fichier, ou modifiez d'abord le type du porteur dans la page des "
                "porteurs.",
            )
            return None
        if porteur.pk is None:
            self.premiere_ligne.setdefault(id(porteur), lue.numero)
            porteurs.lignes[id(porteur)].append(lue.numero)
        return porteur

    def action(self, lue: ActionLue, existante: Action | None, porteur: Porteur) -> None:
        """The row's action, created or changed, with the changes listed."""
        plan, numeros = self.plan, self.numeros
        nouvelle = existante is None
        if nouvelle:
            action = Action(programmation=plan.ctx.programmation, reference=lue.reference)
        else:
            action = existante
        changements: list[Changement] = []
        champs: set[str] = set()
        if not nouvelle and action.porteur_id != porteur.pk:
            ancien = plan.porteurs.par_pk.get(action.porteur_id)
            changements.append(Changement("porteur", ancien.nom if ancien else VIDE, porteur.nom))
            champs.add("porteur")
        action.porteur = porteur
        for c in self.champs:
            if not nouvelle and not self.colonnes.donne(c.nom):
                continue  # a column the file leaves out: the stored value stays
            valeur = _valeur_modele(c, getattr(lue, c.nom), numeros)
            ancienne = getattr(action, c.modele.attname)
            if not nouvelle and ancienne != valeur:
                champs.add(c.modele.name)
                changements.append(
                    Changement(
                        str(c.modele.verbose_name),
                        _lisible(c, ancienne),
                        _lisible(c, valeur),
                    )
                )
            setattr(action, c.modele.attname, valeur)
        if nouvelle or self.colonnes.donne("decision"):
            decision = lue.decision or Decision.RETENUE  # the format's default (DESIGN.md §5)
            if nouvelle:
                if decision != Decision.EN_INSTRUCTION:
                    action.date_decision = self.aujourd_hui
            elif action.decision != decision:
                changements.append(
                    Changement("décision", libelle(DECISIONS, action.decision), libelle(DECISIONS, decision))
                )
                action.date_decision = self.aujourd_hui
                champs.update(("decision", "date_decision"))
            action.decision = decision
        stockes = [] if nouvelle else self.cofinancements.get(action.pk, [])
        cofinancements, remplacement = self.cofinanceurs(lue, stockes, nouvelle, changements)

        nature = CREATION if nouvelle else (MODIFICATION if changements else INCHANGEE)
        plan.lignes.append(
            LigneImportee(
                numero=lue.numero,
                reference=action.reference,
                intitule=action.intitule,
                porteur=porteur.nom,
                porteur_cree=porteur.pk is None,
                categorie=libelle(plan.ctx.registre.categories, action.categorie),
                montant_fipd=action.montant_fipd,
                decision=action.decision,
                nature=nature,
                changements=changements,
            )
        )
        faits = _lue_de(
            action, porteur, cofinancements, self.champs, numeros, plan.ctx.entete.departement
        ).faits()
        if nature == INCHANGEE:
            plan.inchangees.append((len(plan.lignes) - 1, faits))
        else:
            remplacees = stockes if remplacement is not None else []
            plan.ecritures.append(_Ecriture(lue, action, remplacement, remplacees, champs))
            plan.faits_ecrits.append(faits)

    def cofinanceurs(self, lue: ActionLue, stockes, nouvelle: bool, changements: list[Changement]):
        """(the action's co-funders after the import, their replacement or None when they stay)."""
        anciens = [(c.financeur, decimal(c.montant), bool(getattr(c, "etat", False))) for c in stockes]
        if not self.donne_cofinancements:
            return anciens, None
        etat_par_financeur = {f: e for f, _, e in anciens}
        nouveaux = []
        for c in lue.cofinancements:
            financeur = " ".join(c.financeur.split())
            # Without « État » columns, a co-funder keeps the flag it has under the same name.
            etat = bool(c.etat) if self.donne_etats else etat_par_financeur.get(financeur, False)
            nouveaux.append((financeur, c.montant, etat))
        if nouvelle:
            return nouveaux, nouveaux
        if self.etats:
            differents = nouveaux != anciens
        else:
            differents = [(f, m) for f, m, _ in nouveaux] != [(f, m) for f, m, _ in anciens]
        if not differents:
            return anciens, None
        changements.append(
            Changement(
                "cofinancements",
                _lisible_cofinancements(anciens, self.etats),
                _lisible_cofinancements(nouveaux, self.etats),
            )
        )
        return nouveaux, nouveaux


# --- Reading a file for an import ----------------------------------------------------------------------


def motif_import(nom: str) -> str:
    """The history's reason for the rows an import writes."""
    return f"Import du fichier {PurePath(nom).name}"[:LONGUEUR_MOTIF]


def lire_fichier_importe(programmation: Programmation, contenu: bytes, nom: str) -> ProgrammationLue:
    """A spreadsheet (CSV or XLSX, by its name's extension) read for ``programmation``: the department, year
    and programme are the programmation's (the file's rows are actions only), the rows' problems recorded
    with their line and column."""
    entete = {
        "departement": programmation.departement.code,
        "annee": str(programmation.exercice.annee),
        "programme": programmation.programme.code,
        "enveloppe": "0",  # the reader's header field; the import reads the programmation's own envelope
    }
    if not est_un_tableur(nom) and PurePath(nom).suffix:
        lue = nouvelle_lue(entete)
        lue.problemes.ajouter(
            0,
            f"Format de fichier non pris en charge : « {PurePath(nom).suffix} ». L'import lit les tableurs CSV "
            "et XLSX au format du modèle de tableur.",
        )
        return lue
    if not est_un_tableur(nom):
        nom = f"{nom}.csv"
    lue = lire_tableur(contenu, nom, entete)
    if lue.problemes and lue.actions:
        _problemes_des_autres_lignes(programmation, lue)
    return lue


def _problemes_des_autres_lignes(programmation: Programmation, lue: ProgrammationLue) -> None:
    """A file is reported whole: besides its reading problems, those that only the database knows (a
    porteur's type, a text too long for its column) of the rows that could be read."""
    fautives = lue.problemes.numeros()
    if 0 in fautives:
        return  # the file itself (its header) is faulty: its rows say little
    planificateur = _Planificateur(programmation, _Colonnes(lue.colonnes))
    for action in lue.actions:
        if action.numero not in fautives:
            planificateur.ligne(action)
    for numero, message in planificateur.plan.erreurs:
        lue.problemes.ajouter(numero, message)


# --- The import ----------------------------------------------------------------------------------------------


def importer(
    programmation: Programmation,
    actions_lues: Sequence[ActionLue],
    *,
    motif: str,
    auteur=None,
    version_attendue: int | None = None,
    empreinte_attendue: str | None = None,
    colonnes: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> Bilan:
    """Imports ``actions_lues`` (read without problems) into ``programmation``, all or nothing.

    ``motif``: the history's reason (« Import du fichier programmation.xlsx »); ``auteur``: the user, recorded
    in the history. ``colonnes``: the file's columns (``ProgrammationLue.colonnes``), None when every field is
    given. ``version_attendue``/``empreinte_attendue``: what the preview was made on (``Bilan.version``,
    ``Bilan.empreinte``); a programmation changed since, or a plan that differs, raises ``ImportPerime``.
    ``dry_run``: computes the plan without lock nor write (the preview).

    Returns the ``Bilan``; its ``erreurs`` (row errors) or ``refus`` (the write rule) mean nothing was written.
    Raises a ``ValidationError`` when the programmation is read-only.
    """
    motif = motif[:LONGUEUR_MOTIF]
    colonnes_ = _Colonnes(colonnes)
    if dry_run:
        p = Programmation.objects.select_related("exercice", "departement", "programme").get(
            pk=programmation.pk
        )
        controler_modifiable(p)
        return _bilan(p, _planifier(p, actions_lues, colonnes_))
    with transaction.atomic():
        p = verrouiller(programmation.pk)
        controler_modifiable(p)
        if version_attendue is not None and p.version != version_attendue:
            raise ImportPerime()
        plan = _planifier(p, actions_lues, colonnes_)
        bilan = _bilan(p, plan)
        if empreinte_attendue is not None and bilan.empreinte != empreinte_attendue:
            raise ImportPerime()
        if bilan.acceptable:
            if plan.ecritures:
                _ecrire(plan, bilan.resultat, motif, auteur)
            bilan.ecrit = True
    return bilan


def _bilan(p: Programmation, plan: _Plan) -> Bilan:
    ctx = plan.ctx
    enveloppe = ctx.entete.enveloppe
    bilan = Bilan(
        programmation=p,
        version=p.version,
        lignes=plan.lignes,
        enveloppe=enveloppe if enveloppe is not None else Decimal("0.00"),
        enveloppe_notifiee=enveloppe is not None,
        a_plafond_formation=ctx.registre.a_un_plafond_de_formation,
    )
    nouveaux = plan.porteurs.nouveaux
    bilan.porteurs_crees = [
        PorteurCree(n.nom, libelle(TYPES_PORTEUR, n.type), n.siret, tuple(plan.porteurs.lignes[id(n)]))
        for n in nouveaux
        if plan.porteurs.lignes[id(n)]
    ]
    if plan.erreurs:
        bilan.erreurs = [message for _, message in sorted(plan.erreurs, key=lambda e: e[0])]
        return bilan
    ecrites = [e.action for e in plan.ecritures]
    controler_actions(ctx, ecrites)
    resultat = evaluer_ecriture(ctx, plan.avant, ecrites, faits=plan.faits_ecrits)
    bilan.resultat = resultat
    numero = {e.action.reference: e.lue.numero for e in plan.ecritures}
    lignes_par_reference = {lg.reference: lg for lg in plan.lignes}
    for i, e in enumerate(plan.ecritures):
        lignes_par_reference[e.action.reference].verdicts = resultat.verdicts_ecrits[i]
    for index, faits in plan.inchangees:
        plan.lignes[index].verdicts = ctx.registre.verdicts_action(faits, ctx.parametres)
    for r in resultat.refus:
        if r.reference is not None:
            bilan.refus.append(f"Ligne {numero.get(r.reference, '?')} (action {r.reference}) – {r.message}")
        else:
            bilan.refus.append(r.message)
    bilan.totaux = resultat.totaux
    bilan.verdicts_programmation = resultat.verdicts_programmation
    bilan.nb_bloquants, bilan.nb_alertes = resultat.nb_bloquants, resultat.nb_alertes
    bilan.nb_en_instruction = resultat.nb_en_instruction
    if ctx.registre.a_un_plafond_de_formation:
        bilan.plafond_formation, bilan.marge_formation = ctx.registre.plafond_formation(
            resultat.totaux, ctx.parametres
        )
        if bilan.plafond_formation is not None:
            bilan.lecture_plafond = lecture_plafond(ctx.parametres)
    return bilan


# --- Writing, in bulk, with the history ----------------------------------------------------------------------


def _historiser(modele, objets: Sequence[models.Model], type_: str, motif: str, auteur, date) -> None:
    """One history row per object (« + » created, « ~ » changed, « - » deleted), in bulk."""
    if not objets:
        return
    if type_ in "+~":
        modele.history.bulk_history_create(
            objets, update=type_ == "~", default_user=auteur, default_change_reason=motif, default_date=date
        )
        return
    historique = modele.history.model
    historique.objects.bulk_create(
        [
            historique(
                history_date=date,
                history_user=auteur,
                history_change_reason=motif,
                history_type=type_,
                **{f.attname: getattr(o, f.attname) for f in historique.tracked_fields},
            )
            for o in objets
        ]
    )


def _ecrire(plan: _Plan, resultat, motif: str, auteur) -> None:
    """Writes the plan; called inside the transaction that holds the programmation's lock."""
    maintenant = timezone.now()
    p = plan.ctx.programmation

    nouveaux_porteurs = [n for n in plan.porteurs.nouveaux if plan.porteurs.lignes[id(n)]]
    if nouveaux_porteurs:
        _brut(Porteur).bulk_create(nouveaux_porteurs)
        _exiger_pks(nouveaux_porteurs)
        _historiser(Porteur, nouveaux_porteurs, "+", motif, auteur, maintenant)

    nouvelles, modifiees = [], []
    # Updates, field by field: each field's new values for the actions that change it (one CASE statement
    # per field and batch, whatever the rows; a bulk_update of every field would cost a CASE branch per
    # action and field, which Django builds slowly).
    par_champs: dict[tuple[str, ...], list[Action]] = defaultdict(list)
    for i, e in enumerate(plan.ecritures):
        action = e.action
        action.porteur = action.porteur  # the porteur's primary key, now that it is created
        verdicts_changes = stocker_verdicts(action, resultat.verdicts_ecrits[i])
        action.version = (action.version or 0) + 1
        action.modifie_le = maintenant
        if action.pk is None:
            nouvelles.append(action)
            continue
        modifiees.append(action)
        for champ in e.champs:
            par_champs[(champ,)].append(action)
        if verdicts_changes:
            par_champs[CHAMPS_VERDICTS].append(action)

    if nouvelles:
        _brut(Action).bulk_create(nouvelles)
        _exiger_pks(nouvelles)
        _historiser(Action, nouvelles, "+", motif, auteur, maintenant)
    if modifiees:
        for champs, actions in sorted(par_champs.items()):
            _mettre_a_jour(actions, champs)
        for lot in _lots([a.pk for a in modifiees]):
            _brut(Action).filter(pk__in=lot).update(version=models.F("version") + 1, modifie_le=maintenant)
        _historiser(Action, modifiees, "~", motif, auteur, maintenant)

    remplacees = [c for e in plan.ecritures for c in e.remplacees]
    if remplacees:
        _historiser(Cofinancement, remplacees, "-", motif, auteur, maintenant)
        for lot in _lots([c.pk for c in remplacees]):
            # _raw_delete: one statement, without the per-object signals QuerySet.delete() sends (simple-
            # history's would write one history row per co-funder; ours are written above, in bulk).
            _brut(Cofinancement).filter(pk__in=lot)._raw_delete(Cofinancement.objects.db)
    etat = _cofinancement_a_un_etat()
    nouveaux_cofis = []
    for e in plan.ecritures:
        for financeur, m, est_etat in e.cofinancements or ():
            c = Cofinancement(action=e.action, financeur=financeur, montant=m)
            if etat:
                c.etat = est_etat
            nouveaux_cofis.append(c)
    if nouveaux_cofis:
        _brut(Cofinancement).bulk_create(nouveaux_cofis)
        _exiger_pks(nouveaux_cofis)
        _historiser(Cofinancement, nouveaux_cofis, "+", motif, auteur, maintenant)

    _stocker_programmation(p.pk, resultat)


def _mettre_a_jour(actions: Sequence[Action], champs: Sequence[str]) -> None:
    """``bulk_update`` of ``champs`` for ``actions``: one ``UPDATE … SET f = CASE id WHEN … END`` per batch,
    as Django's, but with each branch's condition built already resolved (``id = %s`` on the column), which
    Django would otherwise build from a ``Q(pk=…)`` per row and field, at about a millisecond each."""
    connexion = connections[_brut(Action).db]
    colonne = Action._meta.pk.get_col(Action._meta.db_table)
    champs_ = [Action._meta.get_field(c) for c in champs]
    taille = max(1, (connexion.features.max_query_params or 100_000) // (2 * len(champs_) + 1) - 1)
    for debut in range(0, len(actions), min(taille, LOT)):
        lot = actions[debut : debut + min(taille, LOT)]
        valeurs = {}
        for champ in champs_:
            cas = Case(
                *(
                    When(Exact(colonne, a.pk), then=Value(getattr(a, champ.attname), output_field=champ))
                    for a in lot
                ),
                output_field=champ,
            )
            if connexion.features.requires_casted_case_in_updates:
                cas = Cast(cas, output_field=champ)
            valeurs[champ.attname] = cas
        _brut(Action).filter(pk__in=[a.pk for a in lot]).update(**valeurs)


def _lots(pks: list[int]):
    """Primary keys in lots small enough for any database's parameter limit (SQLite's can be 999)."""
    for debut in range(0, len(pks), LOT):
        yield pks[debut : debut + LOT]


def _brut(modele) -> models.QuerySet:
    """A plain queryset of ``modele``: the import is the guarded path, so it may write what the model's own
    queryset refuses to write in bulk (``ActionQuerySet.bulk_create``/``update``)."""
    return models.QuerySet(modele)


def _exiger_pks(objets) -> None:
    """The history rows need the primary keys of bulk inserts, which PostgreSQL and SQLite ≥ 3.35 return."""
    if any(o.pk is None for o in objets):
        raise RuntimeError("this database does not return the primary keys of bulk inserts (SQLite < 3.35?)")


__all__ = [
    "Bilan",
    "ImportPerime",
    "LigneImportee",
    "PorteurCree",
    "champs_importes",
    "importer",
    "lire_fichier_importe",
    "motif_import",
]
