"""The porteurs of the user's departments (DESIGN.md §6, issue 9): list and search, detail with their actions
across years, edit, and merge of two duplicates.

Every view loads porteurs through ``Porteur.objects.for_user()`` (out of scope: 404), then checks the write
right explicitly (``fipd.acces.peut_modifier_porteur``: 403). An edit is saved by ``Porteur.save()``, whose
one path (``ecriture.references.enregistrer_porteur``) recomputes the verdicts of open exercices when the type
or the name changes; a merge goes through ``ecriture.references.fusionner_porteurs``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from dsfr.utils import list_pages

from fipd.acces import exiger, peut_modifier_porteur
from fipd.forms import FormulaireDsfr

from ..ecriture.references import fusionner_porteurs, motif_refus_fusion, retenues_bloquees
from ..forms import ESPACES, FormulaireFusion, FormulaireModificationPorteur
from ..models import Action, Decision, Departement, Porteur

PORTEURS_PAR_PAGE = 50
CENTIME = Decimal("0.01")
MESSAGE_DROIT = (
    "Seuls les agents de la préfecture du département modifient ses porteurs : votre rôle ne le permet pas."
)


def _montant(valeur) -> Decimal:
    """SQLite sums decimals as floats (DESIGN.md §3.4): back to an exact amount to the cent."""
    return Decimal(str(valeur or 0)).quantize(CENTIME)


def charger_porteur(request, pk: int) -> Porteur:
    return get_object_or_404(Porteur.objects.for_user(request.user).select_related("departement"), pk=pk)


def fil_ariane(porteur: Porteur | None = None, courant: str | None = None) -> dict:
    if porteur is None:
        return {"links": [], "current": "Porteurs"}
    liens = [{"url": reverse("porteurs"), "title": "Porteurs"}]
    if courant is None:
        return {"links": liens, "current": porteur.nom}
    return {
        "links": [*liens, {"url": reverse("porteur", kwargs={"pk": porteur.pk}), "title": porteur.nom}],
        "current": courant,
    }


# --- The list ---------------------------------------------------------------------------------------------


class FormulaireRecherche(FormulaireDsfr):
    q = forms.CharField(label="Rechercher un porteur", max_length=100, required=False)
    departement = forms.ChoiceField(label="Département", required=False)

    def __init__(self, *args, departements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [("", "Tous les départements")] + [
            (d.code, str(d)) for d in departements
        ]


# The letters French names carry with accents: a search for « mediation » finds « Médiation », and the reverse.
VARIANTES = {
    "a": "aàâä",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîï",
    "o": "oôö",
    "u": "uùûü",
    "y": "yÿ",
}


def motif_sans_accents(texte: str) -> str:
    """A regular expression matching ``texte`` whatever its accents (read case-insensitively by ``iregex``):
    the same on SQLite (Python's ``re``) and PostgreSQL (``~*``), without the ``unaccent`` extension."""
    decompose = unicodedata.normalize("NFKD", texte.lower())
    lettres = "".join(c for c in decompose if not unicodedata.combining(c))
    morceaux = []
    for c in lettres:
        variantes = VARIANTES.get(c)
        morceaux.append(f"[{variantes}{variantes.upper()}]" if variantes else re.escape(c))
    return "".join(morceaux)


def rechercher(queryset, texte: str):
    """Name containing the text without regard to case or accents, RNA containing it without regard to case,
    or SIRET containing its digits (spaces ignored)."""
    texte = texte.strip()
    if not texte:
        return queryset
    condition = Q(nom__iregex=motif_sans_accents(texte)) | Q(rna__icontains=texte)
    chiffres = ESPACES.sub("", texte)
    if chiffres.isascii() and chiffres.isdigit():
        condition |= Q(siret__contains=chiffres)
    return queryset.filter(condition)


@login_required
@require_GET
def porteurs(request):
    portee = Porteur.objects.for_user(request.user)
    departements = list(Departement.objects.filter(pk__in=portee.values("departement_id")).order_by("code"))
    formulaire = FormulaireRecherche(request.GET or None, departements=departements)
    qs = portee
    if formulaire.is_bound and formulaire.is_valid():
        qs = rechercher(qs, formulaire.cleaned_data["q"])
        if formulaire.cleaned_data["departement"]:
            qs = qs.filter(departement__code=formulaire.cleaned_data["departement"])
    qs = (
        qs.select_related("departement")
        .annotate(
            nb_actions=Count("actions"),
            total_retenu=Sum("actions__montant_fipd", filter=Q(actions__decision=Decision.RETENUE)),
        )
        .order_by("nom", "pk")
    )
    page = Paginator(qs, PORTEURS_PAR_PAGE).get_page(request.GET.get("page"))
    list_pages(page)
    for p in page.object_list:
        p.total_retenu = _montant(p.total_retenu)
    return render(
        request,
        "porteurs/porteurs.html",
        {
            "formulaire": formulaire,
            "filtre_departement": len(departements) > 1,
            "page": page,
            "recherche": bool(request.GET.get("q") or request.GET.get("departement")),
            "breadcrumb_data": fil_ariane(),
        },
    )


# --- The detail -------------------------------------------------------------------------------------------


@login_required
@require_GET
def porteur(request, pk: int):
    p = charger_porteur(request, pk)
    actions = list(
        Action.objects.filter(porteur_id=p.pk)
        .select_related("programmation__exercice", "programmation__programme", "programmation__departement")
        .order_by("-programmation__exercice__annee", "programmation__programme__code", "reference")
    )
    annees = []
    for annee, groupe in groupby(actions, key=lambda a: a.programmation.exercice.annee):
        groupe = list(groupe)
        annees.append(
            {
                "annee": annee,
                "exercice": groupe[0].programmation.exercice,
                "actions": groupe,
                "total_retenu": sum((a.montant_fipd for a in groupe if a.retenue), Decimal("0.00")),
            }
        )
    historique = list(p.history.select_related("history_user").order_by("-history_date", "-history_id")[:10])
    return render(
        request,
        "porteurs/porteur.html",
        {
            "porteur": p,
            "annees": annees,
            "nb_actions": len(actions),
            "total_retenu": sum((a.montant_fipd for a in actions if a.retenue), Decimal("0.00")),
            "historique": historique,
            "peut_modifier": peut_modifier_porteur(request.user, p),
            "breadcrumb_data": fil_ariane(p),
        },
    )


# --- Edit -------------------------------------------------------------------------------------------------


def avertir_si_bloquees(request, porteur: Porteur) -> None:
    """After a change of type (or a merge): the retained actions the recomputation left blocked. The change
    is a fact and stays; the prefecture has to revisit these actions."""
    bloquees = retenues_bloquees(porteur.pk)
    if bloquees:
        liste = ", ".join(
            f"{a.reference} ({a.programmation.programme.code} {a.programmation.exercice.annee})"
            for a in bloquees[:10]
        )
        autres = len(bloquees) - 10
        reste = f" et {autres} autre{'s' if autres > 1 else ''}" if autres > 0 else ""
        n = len(bloquees)
        messages.warning(
            request,
            f"{n} action{'s' if n > 1 else ''} retenue{'s' if n > 1 else ''} de ce porteur "
            f"{'ont' if n > 1 else 'a'} désormais un contrôle bloquant : {liste}{reste}. Revoyez "
            f"{'leur' if n > 1 else 'sa'} décision dans la programmation (elle ne pourra pas être transmise "
            "en l'état).",
        )


@login_required
@require_http_methods(["GET", "POST"])
def porteur_modifier(request, pk: int):
    p = charger_porteur(request, pk)
    exiger(peut_modifier_porteur(request.user, p), MESSAGE_DROIT)
    ancien_type, nom = p.type, p.nom  # the form writes its input into ``p`` while it validates
    formulaire = FormulaireModificationPorteur(request.POST or None, instance=p)
    if request.method == "POST" and formulaire.is_valid():
        try:
            formulaire.save()
        except ValidationError as erreur:  # already checked by the form: only what changed meanwhile
            formulaire.add_error(None, " ".join(erreur.messages))
        except IntegrityError:
            formulaire.add_error(
                "siret", "Un porteur de ce département vient d'enregistrer ce SIRET : rechargez la page."
            )
        else:
            messages.success(request, f"Le porteur « {p.nom} » est enregistré.")
            if p.type != ancien_type:
                avertir_si_bloquees(request, p)
            return redirect("porteur", pk=p.pk)
    return render(
        request,
        "porteurs/modifier.html",
        {"porteur": p, "nom": nom, "formulaire": formulaire, "breadcrumb_data": fil_ariane(p, "Modifier")},
    )


# --- Merge ------------------------------------------------------------------------------------------------


def _resume_actions(porteur: Porteur) -> list[dict]:
    """What a merge moves: the absorbed porteur's actions per exercice and programme (one query)."""
    return list(
        Action.objects.filter(porteur_id=porteur.pk)
        .values(
            "programmation__exercice__annee",
            "programmation__exercice__etat",
            "programmation__programme__code",
        )
        .annotate(nombre=Count("pk"))
        .order_by("-programmation__exercice__annee", "programmation__programme__code")
    )


@login_required
@require_GET
def porteur_fusionner(request, pk: int):
    """Choose the duplicate (a GET form), then read what would move and confirm (a POST to ``…/confirmer/``)."""
    garde = charger_porteur(request, pk)
    exiger(peut_modifier_porteur(request.user, garde), MESSAGE_DROIT)
    portee = Porteur.objects.for_user(request.user)
    formulaire = FormulaireFusion(
        request.GET if "absorbe" in request.GET else None, porteur=garde, portee=portee
    )
    contexte = {"porteur": garde, "formulaire": formulaire, "breadcrumb_data": fil_ariane(garde, "Fusionner")}
    if formulaire.is_bound and formulaire.is_valid():
        absorbe = formulaire.cleaned_data["absorbe"]
        contexte |= _confirmation(absorbe, motif_refus_fusion(garde, absorbe))
    return render(request, "porteurs/fusionner.html", contexte)


def _confirmation(absorbe: Porteur, motif: str | None) -> dict:
    resume = _resume_actions(absorbe)
    return {
        "absorbe": absorbe,
        "motif": motif,
        "resume": resume,
        "nb_actions": sum(r["nombre"] for r in resume),
    }


@login_required
@require_POST
def porteur_fusionner_confirmer(request, pk: int):
    garde = charger_porteur(request, pk)
    exiger(peut_modifier_porteur(request.user, garde), MESSAGE_DROIT)
    portee = Porteur.objects.for_user(request.user)
    formulaire = FormulaireFusion(request.POST, porteur=garde, portee=portee)
    if not formulaire.is_valid():
        return render(
            request,
            "porteurs/fusionner.html",
            {"porteur": garde, "formulaire": formulaire, "breadcrumb_data": fil_ariane(garde, "Fusionner")},
            status=400,
        )
    absorbe = formulaire.cleaned_data["absorbe"]
    nom_absorbe = absorbe.nom
    try:
        fusion = fusionner_porteurs(garde, absorbe)
    except ValidationError as erreur:
        return render(
            request,
            "porteurs/fusionner.html",
            {
                "porteur": garde,
                "formulaire": formulaire,
                "breadcrumb_data": fil_ariane(garde, "Fusionner"),
                **_confirmation(absorbe, " ".join(erreur.messages)),
            },
            status=409,
        )
    n = fusion.deplacees
    messages.success(
        request,
        f"« {nom_absorbe} » est fusionné dans « {garde.nom} » : "
        f"{n} action{'s' if n > 1 else ''} déplacée{'s' if n > 1 else ''}, le doublon est supprimé.",
    )
    avertir_si_bloquees(request, garde)
    return redirect("porteur", pk=garde.pk)
