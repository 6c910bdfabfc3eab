"""The Django side of the rules: gathers facts, locks, runs the registry, refuses or writes, stores verdicts.

Every write that can change a programmation's totals or verdicts goes through this module (DESIGN.md §3.4):
one transaction; locks taken in the order regional envelope, departmental envelope, programmations by
primary key; the resulting state checked by ``eligibilite.regles``; the stored verdicts and totals updated
before the transaction commits. ``Action.save()``/``delete()``, the action queryset's ``delete()``, the admin,
forms, bulk decisions and the import all end here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone

from eligibilite.regles import (
    ExerciceSansParametres,
    FaitsAction,
    FaitsProgrammation,
    LigneRetenue,
    Parametres,
    Rapport,
    Refus,
    Registre,
    Totaux,
    Verdict,
    marge_formation,
    montant,
    plafond_formation,
    refus_ecriture,
    registre,
)
from programmation.models import (
    Action,
    CelluleSuivi,
    Cofinancement,
    Decision,
    Enveloppe,
    MouvementEnveloppe,
    NatureMouvement,
    ParametresExercice,
    Porteur,
    Programmation,
)

ZERO = Decimal("0.00")


# --- Facts ----------------------------------------------------------------------------------------------


def parametres_exercice(exercice) -> Parametres:
    """The exercice's parameters; an exercice without them is an error, never a fallback."""
    try:
        return exercice.parametres.en_parametres()
    except ParametresExercice.DoesNotExist:
        raise ExerciceSansParametres(exercice.annee) from None


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


def contexte(programmation: Programmation) -> Contexte:
    """Two queries: the departmental envelope with its initial allocation, and the follow-up cell flag."""
    try:
        parametres = parametres_exercice(programmation.exercice)
    except ExerciceSansParametres as e:
        raise ValidationError(str(e), code="exercice_sans_parametres") from None
    enveloppe = (
        Enveloppe.objects.filter(
            exercice_id=programmation.exercice_id,
            programme_id=programmation.programme_id,
            departement_id=programmation.departement_id,
        )
        .annotate(
            dotation=models.Sum(
                "mouvements__montant", filter=models.Q(mouvements__nature=NatureMouvement.INITIALE)
            )
        )
        .values("montant", "dotation")
        .first()
    )
    cellule = (
        CelluleSuivi.objects.filter(
            departement_id=programmation.departement_id, exercice_id=programmation.exercice_id
        )
        .values_list("active", flat=True)
        .first()
    )
    dotation = enveloppe and enveloppe["dotation"]
    entete = FaitsProgrammation(
        annee=programmation.exercice.annee,
        departement=programmation.departement.code,
        programme=programmation.programme.code,
        enveloppe=Decimal(enveloppe["montant"]) if enveloppe else None,
        dotation_initiale=_decimal(dotation) if dotation is not None else None,
        cellule_suivi_active=cellule is not False,  # no row: active (see CelluleSuivi)
    )
    return Contexte(programmation, parametres, registre(programmation.programme.code), entete)


def faits_action(action: Action, cofinancements: Sequence[Decimal] | None = None) -> FaitsAction:
    """The facts of one action; ``cofinancements`` when known, else read from the database."""
    if cofinancements is None:
        cofinancements = [c.montant for c in action.cofinancements.all()] if action.pk else []
    # A porteur being created in the same form is not saved yet: the rules still read its type and name.
    porteur = action.porteur if action.porteur_id or Action.porteur.is_cached(action) else None
    return FaitsAction(
        reference=action.reference,
        categorie=action.categorie,
        cout_total=_decimal(action.cout_total),
        montant_fipd=_decimal(action.montant_fipd),
        porteur_nom=porteur.nom if porteur else "",
        porteur_type=porteur.type if porteur else "",
        public=action.public,
        milieu=action.milieu,
        montant_demande=None if action.montant_demande is None else _decimal(action.montant_demande),
        cofinancements=tuple(_decimal(m) for m in cofinancements),
        contrat_de_ville=action.contrat_de_ville,
        code_analytique=action.code_analytique or "",
        theme_prevention_primaire=action.theme_prevention_primaire or None,
        justification=action.justification or "",
        retenue=action.decision == Decision.RETENUE,
    )


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
    return {pk: Ligne(d, c, _decimal(m), b, a) for pk, d, c, m, b, a in rows}


# --- Locks ----------------------------------------------------------------------------------------------


def verrouiller(programmation_id: int) -> Programmation:
    """Locks the programmation row (PostgreSQL; SQLite's IMMEDIATE transaction already holds the database)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("verrouiller() must run inside transaction.atomic()")
    return (
        Programmation.objects.select_for_update(of=("self",))
        .select_related("exercice__parametres", "departement", "programme")
        .get(pk=programmation_id)
    )


def controler_modifiable(programmation: Programmation) -> None:
    if programmation.exercice.cloture:
        raise ValidationError(
            f"L'exercice {programmation.exercice.annee} est clôturé : sa programmation est en lecture seule.",
            code="exercice_cloture",
        )
    if not programmation.modifiable:
        raise ValidationError(
            f"La programmation est « {programmation.get_statut_display()} » : ses actions ne peuvent être "
            "modifiées qu'en brouillon ou à corriger.",
            code="programmation_non_modifiable",
        )


# --- The write rule -------------------------------------------------------------------------------------


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


def evaluer_ecriture(
    ctx: Contexte,
    avant: dict[int, Ligne],
    ecrites: Sequence[Action],
    supprimees: Iterable[int] = (),
    cofinancements: dict[int, Sequence[Decimal]] | None = None,
) -> Resultat:
    """Runs the rules on the state the write would leave, and the write rule on before and after."""
    cofinancements = cofinancements or {}
    p, reg = ctx.parametres, ctx.registre
    apres = dict(avant)
    for pk in supprimees:
        apres.pop(pk, None)
    verdicts_ecrits = {}
    actions_ecrites = []
    for i, action in enumerate(ecrites):
        faits = faits_action(action, cofinancements.get(i))
        verdicts = reg.verdicts_action(faits, p)
        verdicts_ecrits[i] = verdicts
        actions_ecrites.append((action.reference, faits.retenue, verdicts))
        ligne = Ligne(action.decision, action.categorie, faits.montant_fipd, *compter(verdicts))
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
    )


def erreur_de_refus(
    refus: list[Refus], ecrites: Sequence[Action] = (), avant: dict | None = None
) -> ValidationError:
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
    for r in refus:
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
    return ValidationError(dict(erreurs))


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
    """Stores totals, verdicts and counts with update(): figures, not a user's change, so no history row."""
    Programmation.objects.filter(pk=programmation_id).update(
        total_fipd=r.totaux.total_fipd,
        total_formation=r.totaux.total_formation,
        total_prevention_primaire=r.totaux.total_prevention_primaire,
        verdicts=[v.en_dict() for v in r.verdicts_programmation],
        nb_bloquants=r.nb_bloquants,
        nb_alertes=r.nb_alertes,
        nb_en_instruction=r.nb_en_instruction,
    )


def _preparer(
    programmation_id: int, ecrites: Sequence[Action], verrou: bool = True
) -> tuple[Programmation, Contexte]:
    if verrou:
        programmation = verrouiller(programmation_id)
    else:
        programmation = Programmation.objects.select_related(
            "exercice__parametres", "departement", "programme"
        ).get(pk=programmation_id)
    controler_modifiable(programmation)
    for action in ecrites:
        if action.programmation_id != programmation_id:
            raise ValueError("every written action must belong to the locked programmation")
        if action.porteur_id and action.porteur.departement_id != programmation.departement_id:
            raise ValidationError(
                {"porteur": "Le porteur doit être un porteur du département de la programmation."},
                code="porteur_autre_departement",
            )
    return programmation, contexte(programmation)


def verifier_actions(
    programmation_id: int,
    ecrites: Sequence[Action],
    cofinancements: dict[int, Sequence[Decimal]] | None = None,
    verrou: bool = True,
) -> Resultat:
    """The write rule without writing (form and admin validation); raises the refusal as a ValidationError.

    ``verrou=False`` is for previews while the user types: no transaction and no lock (on SQLite a
    transaction would take the database's write lock at every keystroke); the save checks again under lock.
    """
    if verrou:
        with transaction.atomic():
            _, ctx = _preparer(programmation_id, ecrites)
            avant = lignes(programmation_id)
    else:
        _, ctx = _preparer(programmation_id, ecrites, verrou=False)
        avant = lignes(programmation_id)
    resultat = evaluer_ecriture(ctx, avant, ecrites, cofinancements=cofinancements)
    if resultat.refus:
        raise erreur_de_refus(resultat.refus, ecrites, avant)
    return resultat


def ecrire_actions(
    programmation_id: int,
    ecrites: Sequence[Action],
    cofinancements: dict[int, Sequence[tuple[str, Decimal]]] | None = None,
    versions: dict[int, int] | None = None,
) -> Resultat:
    """Creates or changes ``ecrites`` (actions of one programmation) under the write rule.

    ``cofinancements``: for the written action at index i, the co-funders (financeur, montant) that replace
    its current ones. ``versions``: for an action's pk, the version the user edited; a newer stored version
    means someone else saved in between, and the write is refused rather than applied over theirs.
    """
    with transaction.atomic():
        programmation, ctx = _preparer(programmation_id, ecrites)
        if versions:
            _controler_versions(ecrites, versions)
        avant = lignes(programmation_id)
        if any(a.pk and a.pk not in avant for a in ecrites):
            raise ValidationError(
                "Une action ne change pas de programmation.", code="changement_programmation"
            )
        montants = {i: [m for _, m in cofis] for i, cofis in (cofinancements or {}).items()}
        resultat = evaluer_ecriture(ctx, avant, ecrites, cofinancements=montants)
        if resultat.refus:
            raise erreur_de_refus(resultat.refus, ecrites, avant)
        for i, action in enumerate(ecrites):
            stocker_verdicts(action, resultat.verdicts_ecrits[i])
            action.version = (action.version or 0) + 1
            models.Model.save(action)
            if cofinancements and i in cofinancements:
                models.QuerySet.delete(Cofinancement.objects.filter(action=action))
                for financeur, montant in cofinancements[i]:
                    models.Model.save(Cofinancement(action=action, financeur=financeur, montant=montant))
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
        for programmation_id in sorted(par_programmation):
            verrouiller(programmation_id)  # every lock first, in primary-key order
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
        verrouilles = {pid: verrouiller(pid) for pid in sorted(par_programmation)}
        for programmation_id, pks in sorted(par_programmation.items()):
            programmation = verrouilles[programmation_id]
            controler_modifiable(programmation)
            ctx = contexte(programmation)
            avant = lignes(programmation_id)
            resultat = evaluer_ecriture(ctx, avant, [], supprimees=pks)
            if resultat.refus:
                raise erreur_de_refus(resultat.refus)
            n, d = models.QuerySet.delete(Action.objects.filter(pk__in=pks))
            total += n
            for modele, compte in d.items():
                detail[modele] += compte
            _stocker_programmation(programmation_id, resultat)
    return total, dict(detail)


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
        faits = [faits_action(a) for a in actions]
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
    """Recomputes each programmation of a queryset, locking them in primary-key order."""
    pks = sorted(programmations.values_list("pk", flat=True))
    with transaction.atomic():
        for pk in pks:
            recalculer_programmation(pk)
    return len(pks)


def enregistrer_pour_exercice(objet, sauver: Callable[[], None], departement_id: int | None = None) -> None:
    """Saves an exercice's parameters or a department's follow-up cell flag, then recomputes the verdicts
    they change (the exercice's programmations, or the department's), in one transaction. A closed exercice
    is read-only: its stored verdicts stay those it was closed with."""
    from programmation.models import Exercice

    with transaction.atomic():
        exercice = Exercice.objects.get(pk=objet.exercice_id)
        if exercice.cloture:
            raise ValidationError(
                f"L'exercice {exercice.annee} est clôturé : ses paramètres et ses cellules de suivi ne "
                "changent plus.",
                code="exercice_cloture",
            )
        sauver()
        programmations = Programmation.objects.filter(exercice_id=objet.exercice_id)
        if departement_id is not None:
            programmations = programmations.filter(departement_id=departement_id)
        recalculer(programmations)


def enregistrer_porteur(porteur: Porteur, sauver: Callable[[], None]) -> None:
    """Saves a porteur; a change of type or name (which rules read) recomputes its actions' verdicts."""
    porteur.full_clean()
    with transaction.atomic():
        ancien = Porteur.objects.filter(pk=porteur.pk).values("type", "nom").first() if porteur.pk else None
        sauver()
        if ancien and (ancien["type"] != porteur.type or ancien["nom"] != porteur.nom):
            recalculer(Programmation.objects.filter(actions__porteur=porteur).distinct())


def enregistrer_cofinancement(cofinancement: Cofinancement, ecrire: Callable[[], None]) -> None:
    """Saves or deletes a co-funder and recomputes its action's verdicts (only ``alerte``s can change)."""
    with transaction.atomic():
        programmation_id = Action.objects.values_list("programmation_id", flat=True).get(
            pk=cofinancement.action_id
        )
        controler_modifiable(verrouiller(programmation_id))
        ecrire()
        recalculer_programmation(programmation_id, seulement=[cofinancement.action_id])


def supprimer_cofinancements(queryset) -> tuple[int, dict[str, int]]:
    """Deletes co-funders (a queryset) and recomputes the verdicts of their actions."""
    with transaction.atomic():
        par_programmation = defaultdict(set)
        for action_id, programmation_id in queryset.values_list("action_id", "action__programmation_id"):
            par_programmation[programmation_id].add(action_id)
        for programmation_id in sorted(par_programmation):
            controler_modifiable(verrouiller(programmation_id))
        resultat = models.QuerySet.delete(queryset)
        for programmation_id, actions in sorted(par_programmation.items()):
            recalculer_programmation(programmation_id, seulement=actions)
    return resultat


def apres_suppression_enveloppe(enveloppe: Enveloppe) -> None:
    """An envelope without movements was deleted: its programmation now has no envelope at all."""
    if enveloppe.departement_id:
        recalculer(
            Programmation.objects.filter(
                exercice_id=enveloppe.exercice_id,
                programme_id=enveloppe.programme_id,
                departement_id=enveloppe.departement_id,
            )
        )


def enregistrer_mouvement(
    mouvement: MouvementEnveloppe, ecrire: Callable[[], None], suppression=False
) -> None:
    """Records (or deletes) an envelope movement: never refused by the eligibility rules, but an envelope
    cannot go below 0 and the departmental envelopes of a region never add up to more than its regional one.
    Locks the regional envelope, then the departmental one, then the programmation."""
    if not suppression:
        mouvement.full_clean()
    with transaction.atomic():
        enveloppe = Enveloppe.objects.select_related("programme", "exercice", "departement").get(
            pk=mouvement.enveloppe_id
        )
        if enveloppe.exercice.cloture:
            raise ValidationError(
                f"L'exercice {enveloppe.exercice.annee} est clôturé : ses enveloppes ne changent plus.",
                code="exercice_cloture",
            )
        regionale = None
        if enveloppe.programme.gestion_regionale:
            region_id = enveloppe.region_id or enveloppe.departement.region_id
            regionale = (
                Enveloppe.objects.select_for_update()
                .filter(
                    exercice_id=enveloppe.exercice_id,
                    programme_id=enveloppe.programme_id,
                    region_id=region_id,
                )
                .first()
            )
        if enveloppe.departement_id:
            Enveloppe.objects.select_for_update().filter(pk=enveloppe.pk).first()
        ecrire()
        solde = _somme_mouvements(enveloppe.pk)
        if solde < 0:
            raise ValidationError(
                {"montant": f"Ce retrait rendrait l'enveloppe négative ({montant(solde)})."},
                code="enveloppe_negative",
            )
        Enveloppe.objects.filter(pk=enveloppe.pk).update(montant=solde)
        if enveloppe.programme.gestion_regionale:
            region_id = enveloppe.region_id or enveloppe.departement.region_id
            plafond = _somme_mouvements(regionale.pk) if regionale else ZERO
            reparti = _decimal_somme(
                Enveloppe.objects.filter(
                    exercice_id=enveloppe.exercice_id,
                    programme_id=enveloppe.programme_id,
                    departement__region_id=region_id,
                ).values_list("montant", flat=True)
            )
            if reparti > plafond:
                raise ValidationError(
                    {
                        "montant": f"Les enveloppes départementales de la région ({montant(reparti)}) dépasseraient "
                        f"l'enveloppe régionale ({montant(plafond)}) de {montant(reparti - plafond)}."
                    },
                    code="enveloppe_regionale_depassee",
                )
        if enveloppe.departement_id:
            recalculer(
                Programmation.objects.filter(
                    exercice_id=enveloppe.exercice_id,
                    programme_id=enveloppe.programme_id,
                    departement_id=enveloppe.departement_id,
                )
            )


def _somme_mouvements(enveloppe_id: int) -> Decimal:
    total = ZERO
    for nature, valeur in MouvementEnveloppe.objects.filter(enveloppe_id=enveloppe_id).values_list(
        "nature", "montant"
    ):
        total += -_decimal(valeur) if nature == NatureMouvement.RETRAIT else _decimal(valeur)
    return total


def _decimal_somme(valeurs: Iterable) -> Decimal:
    return sum((_decimal(v) for v in valeurs), ZERO)


def _decimal(valeur) -> Decimal:
    """Decimals from the database; SQLite's SQL sums come back as floats, hence the str() round trip."""
    if isinstance(valeur, Decimal):
        return valeur
    return Decimal(str(valeur)).quantize(Decimal("0.01"))


# --- Reports for pages ----------------------------------------------------------------------------------


def marges(programmation: Programmation, parametres: Parametres) -> dict[str, Decimal]:
    """The caps and the room left under them, from the stored totals."""
    t, f = programmation.total_fipd, programmation.total_formation
    return {
        "plafond_formation": plafond_formation(t, parametres),
        "marge_formation": marge_formation(t, f, parametres),
    }
