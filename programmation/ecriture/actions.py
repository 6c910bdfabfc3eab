"""Action writes under the write rule of DESIGN.md §3.4: saves, decisions, deletions, and the recomputation of
stored verdicts.

Every write that touches actions ends here — ``Action.save()``/``delete()``, the action queryset's
``delete()``, the admin, the forms, bulk decisions, reconduction and the import: one transaction; the
programmation row locked; the resulting state checked by the rules; refused with a ``ValidationError`` keyed
by field, or written with the verdicts and totals it leaves, before the transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone

from eligibilite.regles import (
    FaitsAction,
    LigneRetenue,
    Maxima,
    Rapport,
    Refus,
    Totaux,
    Verdict,
    refus_ecriture,
)
from eligibilite.regles.codes import valeurs
from programmation.models import Action, Cofinancement, Decision, Programmation

from .faits import Cofinanceur, Contexte, Ligne, contexte, faits_action, lignes, totaux_sans
from .verrous import controler_modifiable, verrouiller, verrouiller_plusieurs


@dataclass
class Resultat:
    """What a write would leave: the new per-action verdicts and the programmation's stored figures."""

    verdicts_ecrits: dict[int, tuple[Verdict, ...]]  # index in the written list → verdicts
    totaux: Totaux
    verdicts_programmation: tuple[Verdict, ...]
    nb_bloquants: int
    nb_alertes: int
    nb_en_instruction: int
    refus: list[Refus]
    faits_ecrits: dict[int, FaitsAction] = field(default_factory=dict)
    contexte: Contexte | None = None


class RefusEcriture(ValidationError):
    """A write refused by the rules; carries the evaluation so that a form shows its verdicts without running
    the rules a second time."""

    def __init__(self, message, resultat: Resultat):
        super().__init__(message)
        self.resultat = resultat


def evaluer_ecriture(
    ctx: Contexte,
    avant: dict[int, Ligne],
    ecrites: Sequence[Action],
    supprimees: Iterable[int] = (),
    cofinancements: dict[int, Sequence] | None = None,
    faits: Sequence[FaitsAction] | None = None,
) -> Resultat:
    """Runs the rules on the state the write would leave, and the write rule on before and after.
    ``cofinancements``: for the written action at index i, its co-funders (anything ``action_lue`` reads:
    ``Cofinanceur``s, or bare amounts of non-State money), when they are not the stored ones. ``faits``: the
    facts of ``ecrites`` when the caller read them already (the live preview)."""
    cofinancements = cofinancements or {}
    p, reg = ctx.parametres, ctx.registre
    apres = dict(avant)
    for pk in supprimees:
        apres.pop(pk, None)
    verdicts_ecrits, faits_ecrits = {}, {}
    actions_ecrites = []
    for i, action in enumerate(ecrites):
        if faits is not None:
            f = faits[i]
        else:
            f = faits_action(action, cofinancements.get(i), ctx.entete.departement)
        verdicts = reg.verdicts_action(f, p)
        verdicts_ecrits[i], faits_ecrits[i] = verdicts, f
        actions_ecrites.append((action.reference, f.retenue, verdicts))
        ligne = Ligne(action.decision, action.categorie, f.montant_fipd, *compter(verdicts))
        apres[action.pk if action.pk else ("nouvelle", i)] = ligne

    def verdicts_prog(etat):
        retenues = [LigneRetenue(lg.categorie, lg.montant_fipd) for lg in etat.values() if lg.retenue]
        totaux = Totaux.depuis(retenues)
        return totaux, reg.verdicts_programmation(ctx.faits(retenues), p, totaux)

    _, verdicts_avant = verdicts_prog(avant)
    totaux, verdicts_apres = verdicts_prog(apres)
    retenues = [lg for lg in apres.values() if lg.retenue]
    bloquants, alertes = compter(verdicts_apres)
    return Resultat(
        verdicts_ecrits=verdicts_ecrits,
        totaux=totaux,
        verdicts_programmation=verdicts_apres,
        nb_bloquants=bloquants + sum(lg.nb_bloquants for lg in retenues),
        nb_alertes=alertes + sum(lg.nb_alertes for lg in retenues),
        nb_en_instruction=sum(lg.decision == Decision.EN_INSTRUCTION for lg in apres.values()),
        refus=refus_ecriture(verdicts_avant, verdicts_apres, actions_ecrites),
        faits_ecrits=faits_ecrits,
        contexte=ctx,
    )


def erreur_de_refus(
    resultat: Resultat, ecrites: Sequence[Action] = (), avant: dict | None = None
) -> RefusEcriture:
    """A ValidationError keyed by field, with the rule code as ``code``, so forms show each refusal beside
    its field."""
    avant = avant or {}
    plusieurs = len(ecrites) > 1
    decision_changee = any(
        (a.pk is None and a.decision == Decision.RETENUE)
        or (a.pk in avant and avant[a.pk].decision != a.decision)
        for a in ecrites
    )
    erreurs = defaultdict(list)
    for r in resultat.refus:
        message = r.message
        if r.reference is not None:
            champ = r.verdict.champ or NON_FIELD_ERRORS
            if plusieurs:
                message = f"Action {r.reference} – {message}"
                champ = NON_FIELD_ERRORS
        elif plusieurs or not ecrites:
            champ = NON_FIELD_ERRORS
        else:
            champ = "decision" if decision_changee else (r.verdict.champ or NON_FIELD_ERRORS)
        erreurs[champ].append(ValidationError(message, code=r.verdict.regle))
    return RefusEcriture(dict(erreurs), resultat)


def compter(verdicts: Iterable[Verdict]) -> tuple[int, int]:
    """(blocking verdicts, alerts) among ``verdicts``."""
    bloquants = alertes = 0
    for v in verdicts:
        if v.bloquant:
            bloquants += 1
        else:
            alertes += 1
    return bloquants, alertes


def stocker_verdicts(action: Action, verdicts: Sequence[Verdict]) -> bool:
    """Sets the action's stored verdicts and counts; says whether they changed."""
    stockes = [v.en_dict() | {"champ": v.champ} for v in verdicts]
    if stockes == action.verdicts:
        return False
    action.verdicts = stockes
    action.nb_bloquants, action.nb_alertes = compter(verdicts)
    return True


def _stocker_programmation(programmation_id: int, r: Resultat) -> None:
    """Stores totals, verdicts and counts with update(): figures, not a user's change, so no history row.
    Every guarded write ends here: it also moves the programmation's change marker (``version``)."""
    Programmation.objects.filter(pk=programmation_id).update(
        version=models.F("version") + 1,
        total_fipd=r.totaux.total_fipd,
        total_formation=r.totaux.total_formation,
        total_prevention_primaire=r.totaux.total_prevention_primaire,
        verdicts=[v.en_dict() for v in r.verdicts_programmation],
        nb_bloquants=r.nb_bloquants,
        nb_alertes=r.nb_alertes,
        nb_en_instruction=r.nb_en_instruction,
    )


def controler_actions(ctx: Contexte, ecrites: Sequence[Action]) -> None:
    """What no rule checks but no write may do: an action of another programmation, a porteur of another
    department, a category of another programme."""
    programmation = ctx.programmation
    categories = valeurs(ctx.registre.categories)
    for action in ecrites:
        if action.programmation_id != programmation.pk:
            raise ValueError("every written action must belong to the locked programmation")
        if action.porteur_id and action.porteur.departement_id != programmation.departement_id:
            raise ValidationError(
                {"porteur": "Le porteur doit être un porteur du département de la programmation."},
                code="porteur_autre_departement",
            )
        if action.categorie not in categories:
            raise ValidationError(
                {
                    "categorie": f"La catégorie « {action.categorie} » n'est pas une catégorie du programme "
                    f"{programmation.programme.code} (catégories admises : {', '.join(categories)})."
                },
                code="categorie_autre_programme",
            )


def _preparer(programmation_id: int, ecrites: Sequence[Action], verrou: bool = True) -> Contexte:
    if verrou:
        programmation = verrouiller(programmation_id)
    else:
        programmation = Programmation.objects.select_related("exercice", "departement", "programme").get(
            pk=programmation_id
        )
    controler_modifiable(programmation)
    ctx = contexte(programmation)
    controler_actions(ctx, ecrites)
    return ctx


def verifier_actions(
    programmation_id: int,
    ecrites: Sequence[Action],
    cofinancements: dict[int, Sequence] | None = None,
    verrou: bool = True,
) -> Resultat:
    """The write rule without writing (admin validation); raises the refusal as a ValidationError.

    ``verrou=False`` is for previews while the user types: no transaction and no lock (on SQLite a
    transaction would take the database's write lock at every keystroke); the save checks again under lock.
    """
    if verrou:
        with transaction.atomic():
            ctx = _preparer(programmation_id, ecrites)
            avant = lignes(programmation_id)
    else:
        ctx = _preparer(programmation_id, ecrites, verrou=False)
        avant = lignes(programmation_id)
    resultat = evaluer_ecriture(ctx, avant, ecrites, cofinancements=cofinancements)
    if resultat.refus:
        raise erreur_de_refus(resultat, ecrites, avant)
    return resultat


def ecrire_actions(
    programmation_id: int,
    ecrites: Sequence[Action],
    cofinancements: dict[int, Sequence] | None = None,
    versions: dict[int, int] | None = None,
) -> Resultat:
    """Creates or changes ``ecrites`` (actions of one programmation) under the write rule.

    ``cofinancements``: for the written action at index i, the co-funders that replace its current ones:
    ``Cofinanceur``s, or tuples ``(financeur, montant)`` (not State money) or ``(financeur, montant, etat)``.
    ``versions``: for an action's pk, the version the user edited; a newer stored version means someone else
    saved in between, and the write is refused rather than applied over theirs.
    """
    with transaction.atomic():
        ctx = _preparer(programmation_id, ecrites)
        if versions:
            _controler_versions(ecrites, versions)
        avant = lignes(programmation_id)
        if any(a.pk and a.pk not in avant for a in ecrites):
            raise ValidationError(
                "Une action ne change pas de programmation.", code="changement_programmation"
            )
        cofinancements = {
            i: [Cofinanceur.de(c) for c in cofis] for i, cofis in (cofinancements or {}).items()
        }
        resultat = evaluer_ecriture(ctx, avant, ecrites, cofinancements=cofinancements)
        if resultat.refus:
            raise erreur_de_refus(resultat, ecrites, avant)
        for i, action in enumerate(ecrites):
            stocker_verdicts(action, resultat.verdicts_ecrits[i])
            action.version = (action.version or 0) + 1
            models.Model.save(action)
            if i in cofinancements:
                models.QuerySet.delete(Cofinancement.objects.filter(action=action))
                for c in cofinancements[i]:
                    models.Model.save(
                        Cofinancement(action=action, financeur=c.financeur, montant=c.montant, etat=c.etat)
                    )
        _stocker_programmation(programmation_id, resultat)
    return resultat


def _controler_versions(ecrites: Sequence[Action], versions: dict[int, int]) -> None:
    stockees = dict(
        Action.objects.filter(pk__in=[a.pk for a in ecrites if a.pk]).values_list("pk", "version")
    )
    for action in ecrites:
        if action.pk in versions and stockees.get(action.pk) != versions[action.pk]:
            raise ValidationError(
                f"L'action {action.reference} a été modifiée par quelqu'un d'autre depuis que vous l'avez "
                "ouverte : rechargez-la pour voir ses nouvelles valeurs avant d'enregistrer les vôtres.",
                code="modification_concurrente",
            )


def decider_actions(actions: Iterable[Action], decision: str, le: date | None = None) -> list[Resultat]:
    """Retains (or not) a selection of actions at once, checked as a whole per programmation."""
    if decision not in Decision.values:
        raise ValidationError({"decision": f"Décision inconnue : « {decision} »."})
    par_programmation = defaultdict(list)
    for action in actions:
        par_programmation[action.programmation_id].append(action.pk)
    resultats = []
    with transaction.atomic():
        verrouiller_plusieurs(par_programmation)  # every lock first, in primary-key order
        for programmation_id in sorted(par_programmation):
            choisies = list(
                Action.objects.filter(pk__in=par_programmation[programmation_id]).select_related("porteur")
            )
            for action in choisies:
                action.decision = decision
                action.date_decision = le or timezone.localdate()
            resultats.append(ecrire_actions(programmation_id, choisies))
    return resultats


def supprimer_actions(queryset) -> tuple[int, dict[str, int]]:
    """Deletes actions under the write rule: refused when it makes a programmation-level excess grow."""
    total, detail = 0, defaultdict(int)
    with transaction.atomic():
        par_programmation = defaultdict(list)
        for pk, programmation_id in queryset.values_list("pk", "programmation_id"):
            par_programmation[programmation_id].append(pk)
        verrouilles = verrouiller_plusieurs(par_programmation)
        for programmation_id, pks in sorted(par_programmation.items()):
            programmation = verrouilles[programmation_id]
            controler_modifiable(programmation)
            ctx = contexte(programmation)
            avant = lignes(programmation_id)
            resultat = evaluer_ecriture(ctx, avant, [], supprimees=pks)
            if resultat.refus:
                raise erreur_de_refus(resultat)
            n, d = models.QuerySet.delete(Action.objects.filter(pk__in=pks))
            total += n
            for modele, compte in d.items():
                detail[modele] += compte
            _stocker_programmation(programmation_id, resultat)
    return total, dict(detail)


# --- The live preview -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Apercu:
    """What the save would say of an action being typed: the maximum FIPD amount each rule allows, the
    action's verdicts, the write rule's refusals, the programmation's verdicts afterwards."""

    maxima: Maxima
    incomplet: bool = False
    verdicts: tuple[Verdict, ...] = ()
    retenue: bool = False
    refus: tuple[str, ...] = ()
    verdicts_programmation: tuple[Verdict, ...] = ()

    def en_dict(self) -> dict:
        """What the preview template reads (also the form page's context, which tests read)."""
        contexte = {
            "maxima": {
                "bornes": [
                    {"regle": b.regle, "libelle": b.libelle, "valeur": b.valeur, "detail": b.detail}
                    for b in self.maxima.bornes
                ],
                "maximum": self.maxima.maximum,
            }
        }
        if self.incomplet:
            return contexte | {"incomplet": True}
        contexte |= {"verdicts": [v.en_dict() for v in self.verdicts], "retenue": self.retenue}
        if self.refus:
            contexte["refus"] = list(self.refus)
        else:
            contexte["verdicts_programmation"] = [v.en_dict() for v in self.verdicts_programmation]
        return contexte


def maxima(ctx: Contexte, faits: FaitsAction, stockee: LigneRetenue | None) -> Maxima:
    """The most the FIPD may give the action if retained, from the stored totals (no query); ``stockee``:
    what the action counts for as stored (``faits.ligne_stockee``)."""
    return ctx.registre.maxima(faits, totaux_sans(ctx.programmation, stockee), ctx.faits(()), ctx.parametres)


def apercu(
    ctx: Contexte, action: Action, faits: FaitsAction, stockee: LigneRetenue | None, complet: bool = True
) -> Apercu:
    """Runs the write rule once, without lock or write, on ``action`` as typed (``faits``); ``stockee``: what
    the action counts for as stored."""
    bornes = maxima(ctx, faits, stockee)
    if not complet:
        return Apercu(bornes, incomplet=True)
    resultat = evaluer_ecriture(ctx, lignes(ctx.programmation.pk), [action], faits=[faits])
    return apercu_de(resultat, bornes, action)


def apercu_de(resultat: Resultat, bornes: Maxima, action: Action) -> Apercu:
    """The preview of an evaluation already made (a refused save), without running the rules again."""
    refus = tuple(erreur_de_refus(resultat, [action]).messages) if resultat.refus else ()
    return Apercu(
        bornes,
        verdicts=resultat.verdicts_ecrits[0],
        retenue=resultat.faits_ecrits[0].retenue,
        refus=refus,
        verdicts_programmation=() if refus else resultat.verdicts_programmation,
    )


# --- Recomputing stored verdicts (writes never refused by the rules) -----------------------------------


def recalculer_programmation(programmation_id: int, seulement: Iterable[int] | None = None) -> Rapport:
    """Recomputes the stored verdicts of the programmation's actions (all, or the pks in ``seulement``) and
    its stored figures, under its lock. Returns the full report."""
    with transaction.atomic():
        programmation = verrouiller(programmation_id)
        ctx = contexte(programmation)
        actions = list(
            Action.objects.filter(programmation_id=programmation_id)
            .select_related("porteur")
            .prefetch_related("cofinancements")
            .order_by("pk")
        )
        faits = [faits_action(a, departement=ctx.entete.departement) for a in actions]
        rapport = ctx.registre.evaluer(ctx.entete, faits, ctx.parametres)
        cibles = None if seulement is None else set(seulement)
        modifiees = []
        for action, verdicts in zip(actions, rapport.verdicts_actions, strict=True):
            if cibles is not None and action.pk not in cibles:
                continue
            if stocker_verdicts(action, verdicts):
                modifiees.append(action)
        if modifiees:
            Action.objects.bulk_update(modifiees, ["verdicts", "nb_bloquants", "nb_alertes"], batch_size=500)
        retenues = [
            (a, vs) for a, f, vs in zip(actions, faits, rapport.verdicts_actions, strict=True) if f.retenue
        ]
        vp = rapport.verdicts_programmation
        nb_bloquants, nb_alertes = compter([*vp, *(v for _, vs in retenues for v in vs)])
        _stocker_programmation(
            programmation_id,
            Resultat(
                verdicts_ecrits={},
                totaux=rapport.totaux,
                verdicts_programmation=vp,
                nb_bloquants=nb_bloquants,
                nb_alertes=nb_alertes,
                nb_en_instruction=sum(a.decision == Decision.EN_INSTRUCTION for a in actions),
                refus=[],
            ),
        )
    return rapport


def recalculer(programmations) -> int:
    """Recomputes each programmation of a queryset, locking them in primary-key order. A closed exercice is
    read-only: its stored verdicts stay those it was closed with, and its programmations are skipped."""
    pks = sorted(programmations.exclude(exercice__etat="cloture").values_list("pk", flat=True))
    with transaction.atomic():
        for pk in pks:
            recalculer_programmation(pk)
    return len(pks)
