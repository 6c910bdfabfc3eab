"""Campaigns (DESIGN.md §2): the SG-CIPDR prepares, opens and closes exercices, each change confirmed on a
page that says what it does. Anyone else gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from fipd.acces import peut_gerer_campagnes

from ..ecriture.campagnes import TRANSITIONS, changer_etat, preparer_exercice
from ..models import Exercice, Statut

LIBELLES = {
    "preparer": "Préparer l'exercice",
    "ouvrir": "Ouvrir la campagne",
    "cloturer": "Clôturer l'exercice",
}


def _exiger_sgcipdr(request):
    if not peut_gerer_campagnes(request.user):
        raise Http404


@login_required
def campagnes(request):
    _exiger_sgcipdr(request)
    exercices = list(
        Exercice.objects.annotate(
            nb=Count("programmation"),
            nb_validees=Count("programmation", filter=Q(programmation__statut=Statut.VALIDEE)),
            nb_transmises=Count("programmation", filter=Q(programmation__statut=Statut.TRANSMISE)),
        ).order_by("-annee")
    )
    suivante = (exercices[0].annee + 1) if exercices else None
    return render(
        request,
        "campagnes/campagnes.html",
        {"title": "Campagnes", "exercices": exercices, "suivante": suivante},
    )


@login_required
@require_http_methods(["GET", "POST"])
def changer_etat_vue(request, annee: int, transition: str):
    """GET: what the change does, and a confirmation button; POST: the change."""
    _exiger_sgcipdr(request)
    if transition not in LIBELLES:
        raise Http404
    exercice = None if transition == "preparer" else get_object_or_404(Exercice, annee=annee)
    if transition == "preparer" and Exercice.objects.filter(annee=annee).exists():
        messages.error(request, f"L'exercice {annee} existe déjà.")
        return redirect("campagnes")
    erreurs = []
    if request.method == "POST":
        try:
            if transition == "preparer":
                preparer_exercice(annee)
            else:
                changer_etat(exercice.pk, transition)
        except ValidationError as e:
            erreurs = e.messages
        else:
            messages.success(request, _message(transition, annee))
            return redirect(reverse("campagnes"))
    contexte = {
        "title": f"{LIBELLES[transition]} {annee}",
        "annee": annee,
        "transition": transition,
        "libelle": LIBELLES[transition],
        "exercice": exercice,
        "erreurs": erreurs,
        "breadcrumb_data": {
            "links": [{"url": reverse("campagnes"), "title": "Campagnes"}],
            "current": f"{LIBELLES[transition]} {annee}",
        },
    }
    if exercice is not None:
        contexte["comptes"] = exercice.programmation_set.aggregate(
            total=Count("pk"),
            non_validees=Count("pk", filter=~Q(statut=Statut.VALIDEE)),
        )
        contexte["possible"] = transition in TRANSITIONS and exercice.etat == TRANSITIONS[transition][0]
    else:
        contexte["possible"] = True
    return render(request, "campagnes/confirmer.html", contexte)


def _message(transition: str, annee: int) -> str:
    return {
        "preparer": f"L'exercice {annee} est créé, en préparation : fixez ses enveloppes avant de l'ouvrir.",
        "ouvrir": f"La campagne {annee} est ouverte : les préfectures peuvent saisir leurs programmations.",
        "cloturer": f"L'exercice {annee} est clôturé : tout y est désormais en lecture seule.",
    }[transition]
