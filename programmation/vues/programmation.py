"""The prefecture workspace: a programmation's page, its actions, decisions and submission workflow.

Every view loads its object through ``for_user()`` (out of scope: 404), then checks the write right
explicitly (``fipd.acces``: 403). Writes go through ``programmation.ecriture`` (actions, decisions, deletion)
and ``programmation.workflow`` (status); the pages read the stored verdicts and totals, never recompute them.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from dsfr.utils import list_pages

from eligibilite.regles import FaitsAction, Parametres, registre
from eligibilite.regles.delinquance import rang_et_taux
from eligibilite.regles.programmations import lecture_plafond
from fipd.acces import exiger, exiger_saisie, motif_refus_saisie, peut_instruire, peut_transmettre

from ..ecriture import Apercu, RefusEcriture, apercu, apercu_de, decider_actions, ecrire_actions, maxima
from ..ecriture.faits import (
    Cofinanceur,
    Contexte,
    avec_enveloppe,
    contexte,
    contexte_des_maxima,
    enveloppe_annotee,
    faits_action,
    ligne_stockee,
    parametres,
    totaux_stockes,
)
from ..filters import COLONNES_TRI, FiltreActions
from ..forms import (
    PREFIXES_FINANCEMENT_ETAT,
    FormulaireAction,
    FormulaireCommentaire,
    FormulairePorteur,
    ajouter_erreurs,
    cofinancements_de,
    erreurs_par_champ,
)
from ..historique import historique_action, historique_actions, historique_mouvements, historique_statut
from ..identifiants import identifiant
from ..models import Action, Decision, MouvementEnveloppe, Porteur, Programmation, Statut
from ..national import DUREE_DU_CACHE
from ..workflow import TRANSITIONS, autorisee, changer_statut, possible

ZERO = Decimal("0.00")
ACTIONS_PAR_PAGE = 100
LIENS_PROGRAMMATION = ("exercice", "departement__region", "programme")


# --- Loading, in the user's scope ------------------------------------------------------------------------


def charger_programmation(request, annee: int, departement: str, programme: str) -> Programmation:
    """The programmation in the user's scope (404 otherwise), with its envelope annotated (no query more)."""
    return get_object_or_404(
        avec_enveloppe(Programmation.objects.for_user(request.user).select_related(*LIENS_PROGRAMMATION)),
        exercice__annee=annee,
        departement__code=departement,
        programme__code=programme,
    )


def charger_action(request, pk: int) -> Action:
    action = get_object_or_404(
        avec_enveloppe(
            Action.objects.for_user(request.user).select_related(
                "porteur", *(f"programmation__{lien}" for lien in LIENS_PROGRAMMATION)
            ),
            "programmation__",
        ),
        pk=pk,
    )
    action.programmation.enveloppe_id_annotee = action.enveloppe_id_annotee
    action.programmation.montant_enveloppe_annote = action.montant_enveloppe_annote
    return action


def fil_ariane(programmation: Programmation, courant: str | None = None) -> dict:
    """The breadcrumb below « Accueil » (which the DSFR breadcrumb adds itself)."""
    p = programmation
    titre = f"{p.departement} – programme {p.programme.code} – {p.exercice.annee}"
    if courant is None:
        return {"links": [], "current": titre}
    return {"links": [{"url": p.get_absolute_url(), "title": titre}], "current": courant}


def urls_de(programmation: Programmation) -> dict[str, str]:
    """The URLs of the programmation's pages and writes, by route name."""
    kwargs = {
        "annee": programmation.exercice.annee,
        "departement": programmation.departement.code,
        "programme": programmation.programme.code,
    }
    noms = ("action_creer", "action_apercu", "decisions", "transmettre", "valider", "renvoyer", "rouvrir")
    return {nom: reverse(nom, kwargs=kwargs) for nom in noms}


def _suivant(request, defaut: str) -> str:
    """Where to go after a POST: a local URL given by the form, else ``defaut``."""
    suivant = request.POST.get("suivant", "")
    if suivant and url_has_allowed_host_and_scheme(suivant, {request.get_host()}, request.is_secure()):
        return suivant
    return defaut


# --- The programmation page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Colonne:
    cle: str
    libelle: str
    url: str
    tri: str | None  # aria-sort: ascending, descending or None


def _colonnes(params: QueryDict, tri: str) -> list[Colonne]:
    colonnes = []
    for cle, (_, libelle) in COLONNES_TRI.items():
        lien = params.copy()
        lien.pop("page", None)
        if tri == cle:
            lien["tri"], sens = f"-{cle}", "ascending"
        elif tri == f"-{cle}":
            lien["tri"], sens = cle, "descending"
        else:
            lien["tri"], sens = cle, None
        colonnes.append(Colonne(cle, libelle, f"?{lien.urlencode()}", sens))
    return colonnes


def contexte_programmation(
    request, programmation: Programmation, params: QueryDict | None = None, **extra
) -> dict:
    """Everything the page shows, in a number of queries that does not depend on the number of actions."""
    p = programmation
    user = request.user
    params = request.GET if params is None else params
    parametres_p = parametres(p.programme_id, p.exercice.annee)
    regles = registre(p.programme.code)
    enveloppe_id, montant_enveloppe = enveloppe_annotee(p)
    mouvements = (
        list(MouvementEnveloppe.objects.filter(enveloppe_id=enveloppe_id)) if enveloppe_id is not None else []
    )
    plafond, marge = regles.plafond_formation(totaux_stockes(p), parametres_p)
    agent = peut_transmettre(user, p)
    saisie = agent and p.modifiable  # peut_saisir, without asking the database twice

    filtre = FiltreActions(
        params or None,
        queryset=p.actions.select_related("porteur"),
        porteurs=Porteur.objects.filter(departement_id=p.departement_id),
        categories=regles.categories,
    )
    page = Paginator(filtre.qs, ACTIONS_PAR_PAGE).get_page(params.get("page"))
    sommes = filtre.qs.aggregate(
        cout_total=Sum("cout_total", default=ZERO), montant_fipd=Sum("montant_fipd", default=ZERO)
    )
    list_pages(page)
    tri = (filtre.form.cleaned_data.get("tri") or ["reference"])[0] if filtre.is_bound else "reference"
    # The filters and sort in force (what the table and its form depend on; « page » and anything else the
    # address carries are not): where a decision returns to, and part of the filter form's cache key.
    filtres_actifs = QueryDict(mutable=True)
    for cle in params:
        if cle in FiltreActions.base_filters:
            filtres_actifs.setlist(cle, params.getlist(cle))

    transitions = [t for t in TRANSITIONS.values() if possible(t, p) and autorisee(t, user, p, agent=agent)]

    # The stored counts cover the programmation's own verdicts and its retained actions (what the transmission
    # checks); the table shows every action's badges: both are stated, apart (issue 9).
    def comptes_verdicts():
        propres = [v for v in p.verdicts if v.get("niveau") in ("bloquant", "alerte")]
        bloquants_propres = sum(v["niveau"] == "bloquant" for v in propres)
        toutes = p.actions.aggregate(
            bloquants=Sum("nb_bloquants", default=0), alertes=Sum("nb_alertes", default=0)
        )
        return {
            "retenues": (p.nb_bloquants, p.nb_alertes),
            "toutes": (
                toutes["bloquants"] + bloquants_propres,
                toutes["alertes"] + len(propres) - bloquants_propres,
            ),
        }

    # What the page's fragment cache may skip is read lazily: the card of counts and the actions' history
    # are keyed by the change marker, the status history by the last status change (see the template).
    return {
        "comptes_verdicts": SimpleLazyObject(comptes_verdicts),
        "programmation": p,
        "parametres": parametres_p,
        "regles_non_evaluees": regles.non_evaluees(parametres_p),
        "a_plafond_formation": regles.a_un_plafond_de_formation,
        "a_prevention_primaire": "prevention_primaire" in dict(regles.categories),
        "enveloppe": enveloppe_id is not None,
        "mouvements": mouvements,
        "montant_enveloppe": montant_enveloppe,
        "reste_enveloppe": montant_enveloppe - p.total_fipd,
        "consommation": (p.total_fipd / montant_enveloppe).quantize(Decimal("0.001"))
        if montant_enveloppe
        else None,
        "marges": {"plafond_formation": plafond, "marge_formation": marge} if plafond is not None else None,
        "lecture_plafond": lecture_plafond(parametres_p) if plafond is not None else "",
        "peut_saisir": saisie,
        "transitions": {t.nom: t for t in transitions},
        "filtre": filtre,
        "page": page,
        "actions": page.object_list,
        "sommes": sommes,
        "colonnes": _colonnes(params, tri),
        "tri": tri,
        "retour": f"?{filtres_actifs.urlencode()}" if filtres_actifs else "",
        "decisions": Decision.choices,
        "commentaires": list(p.commentaires.select_related("auteur")),
        # Outside the fragment cache: a version's state changes without the programmation's markers moving.
        "versions": list(p.versions_validees.all()),
        "peut_gerer_versions": agent or peut_instruire(user),
        "historique_statut": SimpleLazyObject(lambda: historique_statut(p)),
        "historique_mouvements": historique_mouvements(enveloppe_id),
        # Read only when the block is not in the fragment cache (keyed by the change marker, like the rows).
        "historique_actions": SimpleLazyObject(lambda: historique_actions(p)),
        "duree_cache": DUREE_DU_CACHE,
        "breadcrumb_data": fil_ariane(p),
        "urls": urls_de(p),
        "cochees": set(),
        **extra,
    }


def cle_des_lignes(programmation: Programmation, saisie: bool, params: QueryDict, cochees) -> str:
    """What the rendered rows of the actions table depend on, as a cache key: the programmation's change
    marker (every guarded write moves it: actions, decisions, imports, recomputed verdicts after a porteur or
    a parameter changed) and its last status change, whether the reader may decide, the filters, sort and page
    asked for, and the boxes left ticked after a refused decision. Any process reads a write at once: the key
    comes from the row, not from a signal. The one staleness: a porteur renamed while its exercice is closed
    (closed exercices are not recomputed) shows under its old name for ``DUREE_DU_CACHE`` at most."""
    p = programmation
    demande = sorted((k, tuple(params.getlist(k))) for k in params)
    contenu = (p.pk, p.version, p.modifie_le.isoformat(), saisie, demande, sorted(cochees))
    return hashlib.blake2b(repr(contenu).encode(), digest_size=16).hexdigest()


def cle_des_filtres(programmation: Programmation, params: QueryDict) -> str:
    """What the rendered filter form depends on: the request and the department's porteurs (its list of
    porteurs, the slowest part of the page to render), read as the last change of their history, so that a
    porteur created, renamed or merged shows at once."""
    p = programmation
    marqueur = marqueur_des_porteurs(p.departement_id)
    demande = sorted((k, tuple(params.getlist(k))) for k in params if k in FiltreActions.base_filters)
    contenu = (p.pk, p.programme_id, marqueur, demande)
    return hashlib.blake2b(repr(contenu).encode(), digest_size=16).hexdigest()


def marqueur_des_porteurs(departement_id: int):
    """The last change of a department's porteurs (created, renamed, merged), from their history: what a
    cached list of porteurs depends on."""
    return Porteur.history.filter(departement_id=departement_id).aggregate(m=Max("history_id"))["m"]


def page_programmation(request, programmation, params=None, status=200, **extra):
    contexte = contexte_programmation(request, programmation, params, **extra)
    params = request.GET if params is None else params
    contexte["cle_lignes"] = cle_des_lignes(
        programmation, contexte["peut_saisir"], params, contexte["cochees"]
    )
    contexte["cle_filtres"] = cle_des_filtres(programmation, params)
    # Called by the template only when the rows' fragment is not in the cache, once (functools.cache).
    contexte["lignes_html"] = functools.cache(
        lambda: lignes_du_tableau(
            contexte["actions"],
            {k: contexte[k] for k in ("peut_saisir", "cochees", "urls")},
        )
    )
    return render(request, "programmation/programmation.html", contexte, status=status)


def lignes_du_tableau(actions, contexte_ligne: dict) -> SafeString:
    """The table's rows, each from the cache when nothing it shows has changed: after a write the page's
    rows fragment is missed (its key holds the programmation's change marker), but all the rows the write did
    not touch are still there, so only those are rendered (~130 µs each). A row's key is what it shows (its
    values, porteur's name, verdicts), the reader's right to decide and whether its box is ticked."""
    actions = list(actions)
    saisie, cochees, url = contexte_ligne["peut_saisir"], contexte_ligne["cochees"], contexte_ligne["urls"]
    cles = {}
    for a in actions:
        montre = (
            a.pk, a.version, a.reference, a.intitule, a.porteur.nom, a.categorie, a.cout_total,
            a.montant_fipd, a.decision, a.verdicts, saisie, a.pk in cochees, url["decisions"],
        )  # fmt: skip
        cles[a.pk] = "ligne-action:" + hashlib.blake2b(repr(montre).encode(), digest_size=16).hexdigest()
    en_cache = cache.get_many(list(cles.values()))
    morceaux, nouveaux = [], {}
    for a in actions:
        html = en_cache.get(cles[a.pk])
        if html is None:
            html = str(
                render_to_string("programmation/_lignes_actions.html", contexte_ligne | {"actions": [a]})
            )
            nouveaux[cles[a.pk]] = html
        morceaux.append(html)
    if nouveaux:
        cache.set_many(nouveaux, DUREE_DU_CACHE)
    return mark_safe("".join(morceaux))  # noqa: S308  (rendered by the template, which escaped every value)


@login_required
@require_GET
def programmation(request, annee, departement, programme):
    return page_programmation(request, charger_programmation(request, annee, departement, programme))


# --- Actions: the form, its save, its live preview ------------------------------------------------------


class _PorteurRefuse(Exception):
    def __init__(self, erreur: ValidationError):
        self.erreur = erreur


def _porteur_provisoire(programmation: Programmation, form_porteur: FormulairePorteur) -> Porteur | None:
    """An unsaved porteur from the « new porteur » fields, for the preview only (nothing is written)."""
    nom = form_porteur.data.get(form_porteur.add_prefix("nom"), "").strip()
    type_ = form_porteur.data.get(form_porteur.add_prefix("type"), "")
    if not type_:
        return None
    return Porteur(departement=programmation.departement, nom=nom, type=type_)


def _precisions(apercu_action: dict, faits: FaitsAction, p: Parametres, cofis=None) -> dict:
    """What the preview adds to the rules' bounds and verdicts: an ISCG post's rank and the rate that applies
    (« 2e année de cofinancement : 50 % du coût », from the rules' own function), and the co-funders whose
    name says State money but that are not flagged so (a suggestion: the agent decides)."""
    return apercu_action | {
        "iscg": rang_et_taux(faits, p),
        "etat_a_verifier": cofis.etat_a_verifier() if cofis is not None and cofis.is_bound else [],
    }


def _apercu(ctx: Contexte, form: FormulaireAction, cofis, form_porteur, stockee: Action | None) -> dict:
    """The live preview of the form's action as typed: the reader every source goes through, then the write
    rule once, without lock or write."""
    action = form.instance
    porteur = action.porteur if action.porteur_id else None
    if form.porteur_a_creer:
        porteur = _porteur_provisoire(ctx.programmation, form_porteur)
    lue = form.action_lue(porteur, cofis.lignes_valides())
    faits = lue.faits()
    resultat = apercu(ctx, action, faits, stockee, complet=lue.complete).en_dict()
    return _precisions(resultat, faits, ctx.parametres, cofis)


def _formulaires(request, programmation, action, porteurs, cofinancements_stockes=()):
    donnees = request.POST if request.method == "POST" else None
    initial = None
    if donnees is None and action.pk:
        initial = [
            {"financeur": c.financeur, "montant": c.montant, "etat": c.etat} for c in cofinancements_stockes
        ]
    form = FormulaireAction(donnees, instance=action, programmation=programmation, porteurs=porteurs)
    # The new-porteur fields are validated (and their errors shown) only when « Nouveau porteur » is ticked.
    donnees_porteur = donnees if form.porteur_a_creer else None
    return (
        form,
        cofinancements_de(programmation, donnees, initial),
        FormulairePorteur(donnees_porteur, prefix="porteur", departement=programmation.departement),
    )


def _version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1  # no version: treated as stale, never as « overwrite whatever is stored »


def _enregistrer(programmation, form, cofis, form_porteur, version) -> Action:
    """The save: a new porteur (if asked) and the action in one transaction, through the write rule."""
    action = form.instance
    nouvelle = action.pk is None
    if "decision" in form.changed_data or (nouvelle and action.decision != Decision.EN_INSTRUCTION):
        action.date_decision = timezone.localdate()
    lignes = cofis.lignes()
    existantes = [] if nouvelle else [Cofinanceur.de(c) for c in action.cofinancements.all()]
    porteur = None
    try:
        with transaction.atomic():
            if form.cleaned_data.get("nouveau_porteur"):
                try:
                    porteur = form_porteur.save()
                except ValidationError as e:
                    raise _PorteurRefuse(e) from None
                action.porteur = porteur
            ecrire_actions(
                programmation.pk,
                [action],
                cofinancements={0: lignes} if lignes != existantes else None,
                versions=None if nouvelle else {action.pk: version},
            )
    except BaseException:
        if porteur is not None:  # rolled back with the action
            porteur.pk, porteur._state.adding = None, True
            action.porteur = None
        if nouvelle:
            action.pk, action._state.adding = None, True
        raise
    return action


def cle_des_champs(programmation: Programmation, action: Action) -> str:
    """What the rendered fields of an action's form (as stored, on a GET) depend on: the action's values
    (its version), its co-funders and any recomputation (the programmation's change marker: every guarded
    write moves it, a co-funder's too), the department's porteurs (the list) and the programme (the fields)."""
    p = programmation
    contenu = (
        p.pk,
        p.programme_id,
        p.version,
        action.pk,
        action.version,
        marqueur_des_porteurs(p.departement_id),
    )
    return hashlib.blake2b(repr(contenu).encode(), digest_size=16).hexdigest()


def formulaire_action(
    request, programmation: Programmation, action: Action, saisie: bool, refus: str | None = None
):
    porteurs = Porteur.objects.for_user(request.user).filter(departement_id=programmation.departement_id)
    stockee = ligne_stockee(action)  # before the form changes the instance
    cofinancements_stockes = list(action.cofinancements.all()) if action.pk else []
    form, cofis, form_porteur = _formulaires(request, programmation, action, porteurs, cofinancements_stockes)
    version = action.version
    contexte_page = {}
    apercu_action = None
    if request.method == "POST":
        version = _version(request)
        valide = form.is_valid()
        valide = cofis.is_valid() and valide
        if form.porteur_a_creer:
            valide = form_porteur.is_valid() and valide
        if refus:
            contexte_page["refus"] = refus
        elif valide:
            try:
                _enregistrer(programmation, form, cofis, form_porteur, version)
            except _PorteurRefuse as e:
                ajouter_erreurs(form_porteur, erreurs_par_champ(e.erreur, form_porteur.fields))
            except IntegrityError:
                form.add_error("reference", "Une action de cette programmation a déjà cette référence.")
            except RefusEcriture as e:
                # The rules ran once, in the save: the preview shows what they said.
                ajouter_erreurs(form, erreurs_par_champ(e, form.fields))
                r = e.resultat
                faits = r.faits_ecrits[0]
                apercu_action = _precisions(
                    apercu_de(r, maxima(r.contexte, faits, stockee), form.instance).en_dict(),
                    faits,
                    r.contexte.parametres,
                    cofis,
                )
            except ValidationError as e:
                ajouter_erreurs(form, erreurs_par_champ(e, form.fields))
                if getattr(e, "code", None) == "modification_concurrente":
                    actuelle = Action.objects.select_related("porteur").get(pk=action.pk)
                    contexte_page["actuelle"] = actuelle
                    contexte_page["cofinancements_actuels"] = list(actuelle.cofinancements.all())
                    # They have now seen it: saving again is a choice, not an accident.
                    version = actuelle.version
            else:
                messages.success(request, f"L'action {action.reference} est enregistrée.")
                if request.POST.get("ensuite") == "nouvelle":
                    return redirect(urls_de(programmation)["action_creer"])
                return redirect(action.get_absolute_url())
    if saisie:
        if request.method == "POST":
            if apercu_action is None:
                apercu_action = _apercu(contexte(programmation), form, cofis, form_porteur, stockee)
        else:
            ctx = contexte_des_maxima(programmation)
            faits = faits_action(action, cofinancements_stockes, ctx.entete.departement)
            apercu_action = {
                "maxima": Apercu(maxima(ctx, faits, stockee)).en_dict()["maxima"],
                "verdicts": action.verdicts if action.pk else None,
                "retenue": action.decision == Decision.RETENUE,
            }
            apercu_action = _precisions(apercu_action, faits, ctx.parametres)
    elif action.pk and programmation.programme.code == "D":
        # The read-only page states an ISCG post's rank and rate too (the preview does it when editing).
        faits = faits_action(action, (), programmation.departement.code)
        contexte_page["rang_iscg"] = rang_et_taux(
            faits, parametres(programmation.programme_id, programmation.exercice.annee)
        )
    affichee = action
    if action.pk and request.method == "POST":
        affichee = Action.objects.filter(pk=action.pk).first() or action
    contexte_page.update(
        {
            "programmation": programmation,
            "action": affichee if action.pk else None,
            "form": form,
            "cofinancements": cofis,
            "form_porteur": form_porteur,
            "version": version,
            "peut_saisir": saisie,
            "apercu": apercu_action,
            "prefixes_financement_etat": " ".join(PREFIXES_FINANCEMENT_ETAT),
            "decisions": Decision.choices,
            "historique": SimpleLazyObject(lambda: historique_action(action)) if action.pk else [],
            "cle_champs": cle_des_champs(programmation, action)
            if saisie and request.method == "GET"
            else None,
            "duree_cache": DUREE_DU_CACHE,
            "urls": urls_de(programmation),
            "breadcrumb_data": fil_ariane(
                programmation, f"Action {affichee.reference}" if action.pk else "Nouvelle action"
            ),
        }
    )
    return render(request, "programmation/action.html", contexte_page, status=409 if refus else 200)


@login_required
@require_http_methods(["GET", "POST"])
def action_creer(request, annee, departement, programme):
    p = charger_programmation(request, annee, departement, programme)
    return _formulaire_ou_refus(request, p, Action(programmation=p))


@login_required
@require_http_methods(["GET", "POST"])
def action(request, pk):
    action = charger_action(request, pk)
    return _formulaire_ou_refus(request, action.programmation, action)


def _formulaire_ou_refus(request, programmation: Programmation, action: Action):
    """The action's form, or why it may not be saved. Someone whose role never allows it gets a 403 saying
    so; an agent whose programmation was transmitted (or whose exercice closed) in the meantime, say from
    another tab, gets their form back as typed with the reason, and nothing is written."""
    motif = motif_refus_saisie(request.user, programmation)
    if motif is None:
        return formulaire_action(request, programmation, action, True)
    if request.method == "POST":
        if peut_transmettre(request.user, programmation):
            return formulaire_action(request, programmation, action, True, refus=motif)
        raise PermissionDenied(motif)
    if action.pk is None:
        raise PermissionDenied(motif)
    return formulaire_action(request, programmation, action, False)


@login_required
@require_POST
def action_apercu(request, annee, departement, programme):
    """The live preview (htmx): an HTML fragment of what the save would say of the form's action."""
    p = charger_programmation(request, annee, departement, programme)
    exiger_saisie(request.user, p)
    pk = request.POST.get("action_pk", "")
    if pk:
        if identifiant(pk) is None:
            raise Http404
        action = get_object_or_404(p.actions.select_related("porteur"), pk=identifiant(pk))
    else:
        action = Action(programmation=p)
    stockee = ligne_stockee(action)
    porteurs = Porteur.objects.for_user(request.user).filter(departement_id=p.departement_id)
    form, cofis, form_porteur = _formulaires(request, p, action, porteurs)
    form.is_valid()
    cofis.is_valid()
    return render(
        request,
        "programmation/_apercu_reponse.html",
        {"programmation": p, "apercu": _apercu(contexte(p), form, cofis, form_porteur, stockee)},
    )


# --- Decisions and deletion -----------------------------------------------------------------------------


def _query_string(texte: str) -> QueryDict:
    return QueryDict(texte.removeprefix("?"), mutable=True)


@login_required
@require_POST
def decisions(request, annee, departement, programme):
    """Retain / not retain / back to instruction: one action (``decision_unitaire=<pk>:<decision>``) or the
    checked ones (``actions=<pk>…&decision=…``), checked as a whole by the write rule."""
    p = charger_programmation(request, annee, departement, programme)
    exiger_saisie(request.user, p)
    retour = request.POST.get("retour", "")
    retour = retour if retour.startswith("?") else ""
    unitaire = request.POST.get("decision_unitaire", "")
    if unitaire:
        pk, _, decision = unitaire.partition(":")
        pks = {pk}
    else:
        pks, decision = set(request.POST.getlist("actions")), request.POST.get("decision", "")
    pks = {identifiant(pk) for pk in pks}
    if None in pks:
        raise Http404
    choisies = list(p.actions.filter(pk__in=pks).select_related("porteur"))
    if len(choisies) != len(pks):
        raise Http404("Action inconnue dans cette programmation.")
    erreurs = []
    if decision not in Decision.values:
        erreurs = ["Choisissez une décision : retenir, ne pas retenir ou remettre en instruction."]
    elif not choisies:
        erreurs = ["Cochez au moins une action."]
    else:
        try:
            decider_actions(choisies, decision)
        except ValidationError as e:
            erreurs = e.messages
    if unitaire and request.htmx:
        return _decision_en_place(request, p, choisies[0], decision, retour, erreurs)
    if erreurs:
        return page_programmation(
            request,
            p,
            params=_query_string(retour),
            erreurs=erreurs,
            titre_erreurs="Décision refusée",
            cochees=pks,
        )
    libelle = Decision(decision).label
    if len(choisies) == 1:
        messages.success(request, f"Action {choisies[0].reference} : « {libelle} ».")
    else:
        messages.success(request, f"{len(choisies)} actions : « {libelle} ».")
    return redirect(_suivant(request, p.get_absolute_url() + retour))


def _decision_en_place(request, programmation, action, decision, retour, erreurs):
    """A row's decision asked with htmx: the row as stored now (with the refusal, if any, in it), and out of
    band the announcement, the figures and the total row, all read afresh in the page's own queries (their
    number does not depend on the number of actions). Without scripts the same buttons post the form."""
    p = charger_programmation(
        request, programmation.exercice.annee, programmation.departement.code, programmation.programme.code
    )
    a = p.actions.select_related("porteur").get(pk=action.pk)
    if erreurs:
        annonce = f"Action {a.reference} : décision refusée."
    else:
        annonce = f"Action {a.reference} : « {Decision(decision).label} »."
    contexte = contexte_programmation(
        request,
        p,
        params=_query_string(retour),
        a=a,
        annonce=annonce,
        refus=erreurs,
        cochees=_cochees(request),
    )
    return render(request, "programmation/_decision.html", contexte)


def _cochees(request) -> set[int]:
    """The boxes ticked in the form when a row's decision was asked: its row keeps its box as it was."""
    return {pk for pk in (identifiant(v) for v in request.POST.getlist("actions")) if pk is not None}


@login_required
@require_http_methods(["GET", "POST"])
def action_supprimer(request, pk):
    action = charger_action(request, pk)
    p = action.programmation
    exiger_saisie(request.user, p)
    erreurs = []
    if request.method == "POST":
        try:
            action.delete()
        except ValidationError as e:
            erreurs = e.messages
        else:
            messages.success(request, f"L'action {action.reference} est supprimée.")
            return redirect(p.get_absolute_url())
    return render(
        request,
        "programmation/action_supprimer.html",
        {
            "programmation": p,
            "action": action,
            "erreurs": erreurs,
            "breadcrumb_data": fil_ariane(p, f"Supprimer l'action {action.reference}"),
        },
    )


# --- Workflow -------------------------------------------------------------------------------------------


def _transition(request, annee, departement, programme, nom):
    p = charger_programmation(request, annee, departement, programme)
    transition = TRANSITIONS[nom]
    exiger(autorisee(transition, request.user, p))
    form = FormulaireCommentaire(request.POST)
    texte = form.cleaned_data["texte"] if form.is_valid() else ""
    try:
        if nom == "transmettre" and request.POST.get("confirmation") != "oui":
            raise ValidationError(
                "Cochez la case de confirmation : une fois transmise, la programmation ne se modifie plus "
                "jusqu'à ce que le SG-CIPDR la renvoie pour correction."
            )
        changer_statut(p.pk, nom, request.user, texte, lien=request.build_absolute_uri(p.get_absolute_url()))
    except ValidationError as e:
        return page_programmation(
            request,
            p,
            erreurs=e.messages,
            titre_erreurs=f"« {transition.libelle} » : refusé",
            transition_en_erreur=nom,
            texte_commentaire=request.POST.get("texte", ""),
        )
    messages.success(request, f"La programmation est désormais « {Statut(transition.vers).label} ».")
    return redirect(p.get_absolute_url())


@login_required
@require_POST
def transmettre(request, annee, departement, programme):
    return _transition(request, annee, departement, programme, "transmettre")


@login_required
@require_POST
def valider(request, annee, departement, programme):
    return _transition(request, annee, departement, programme, "valider")


@login_required
@require_POST
def renvoyer(request, annee, departement, programme):
    return _transition(request, annee, departement, programme, "renvoyer")


@login_required
@require_POST
def rouvrir(request, annee, departement, programme):
    return _transition(request, annee, departement, programme, "rouvrir")
