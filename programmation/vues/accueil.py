"""The home page (DESIGN.md §6): a prefecture agent's programmations (the SG-CIPDR and regional agents get the
dashboard, ``vues/national.py``); and the two writes started from it, opening a programmation and carrying
last year's actions over.

Every list is one query (the envelope comes from a subquery, the figures from the programmation's stored
totals), so that the page's query count does not grow with its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from eligibilite.regles import Totaux, registre
from fipd.acces import exiger, peut_saisir
from fipd.forms import FormulaireDsfr
from programmation.ecriture import recalculer_programmation
from programmation.ecriture.faits import parametres_par_programme_et_annee, sous_requete_enveloppe
from programmation.ecriture.operations import reconduire as reconduire_actions
from programmation.models import (
    Action,
    Departement,
    Exercice,
    Programmation,
    Programme,
    Statut,
)
from programmation.vues.national import accueil_national

ZERO = Decimal("0.00")
MILLIEME = Decimal("0.001")


def actions_precedentes() -> Exists:
    """Whether the same department and programme had actions in the previous exercice."""
    return Exists(
        Action.objects.filter(
            programmation__exercice__annee=OuterRef("exercice__annee") - 1,
            programmation__departement_id=OuterRef("departement_id"),
            programmation__programme_id=OuterRef("programme_id"),
        )
    )


def departements_saisissables(user):
    """The departments whose programmations ``user`` may open and fill in."""
    if user.is_superuser:
        return Departement.objects.all()
    if user.est_agent_prefecture:
        return user.departements.all()
    return Departement.objects.none()


# --- Forms ----------------------------------------------------------------------------------------------


class FormulaireOuverture(FormulaireDsfr):
    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Departement.objects.none(),
        to_field_name="code",
        empty_label="Choisir un département",
    )
    exercice = forms.ModelChoiceField(
        label="Exercice",
        queryset=Exercice.objects.ouverts(),
        to_field_name="annee",
        empty_label="Choisir un exercice",
        error_messages={
            "invalid_choice": "Cet exercice est clôturé ou n'existe pas : choisissez un exercice ouvert."
        },
    )
    programme = forms.ModelChoiceField(
        label="Programme",
        queryset=Programme.objects.all(),
        to_field_name="code",
        empty_label="Choisir un programme",
    )

    def __init__(self, *args, departements, un_seul=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = departements
        if un_seul:
            self.fields["departement"].empty_label = None

    def clean(self):
        donnees = super().clean()
        departement, exercice, programme = (donnees.get(c) for c in ("departement", "exercice", "programme"))
        if departement and exercice and programme:
            if Programmation.objects.filter(
                departement=departement, exercice=exercice, programme=programme
            ).exists():
                raise ValidationError(
                    f"Le département {departement} a déjà une programmation du programme {programme.code} "
                    f"pour {exercice.annee} : ouvrez-la depuis la liste.",
                    code="programmation_existante",
                )
        return donnees


# --- Rows -----------------------------------------------------------------------------------------------


@dataclass
class Ligne:
    """One programmation on a home page, with the figures computed from its stored totals."""

    programmation: Programmation
    enveloppe: Decimal | None
    plafond_formation: Decimal | None = None
    lecture_plafond: str = ""
    peut_reconduire: bool = False

    @property
    def reste(self) -> Decimal:
        """Room left on the envelope (a department without an envelope has an envelope of 0 €)."""
        return (self.enveloppe or ZERO) - self.programmation.total_fipd

    @property
    def consommation(self) -> Decimal | None:
        """Retained total ÷ envelope, to the tenth of a percent; None without an envelope."""
        if not self.enveloppe:
            return None
        return (self.programmation.total_fipd / self.enveloppe).quantize(MILLIEME)


def lignes_agent(programmations, saisissables: set[int]) -> list[Ligne]:
    """Rows with the training cap computed from the stored totals and the parameters in force;
    ``saisissables``: the primary keys of the departments the user fills in."""
    programmations = list(programmations)
    parametres = parametres_par_programme_et_annee((p.programme_id, p.exercice.annee) for p in programmations)
    lignes = []
    for p in programmations:
        params = parametres[(p.programme_id, p.exercice.annee)]
        plafond, _ = registre(p.programme.code).plafond_formation(
            Totaux(p.total_fipd, p.total_formation, p.total_prevention_primaire), params
        )
        lignes.append(
            Ligne(
                programmation=p,
                enveloppe=p.montant_enveloppe,
                plafond_formation=plafond,
                lecture_plafond=str(params.lecture_plafond_formation) if plafond is not None else "",
                peut_reconduire=p.a_precedentes and p.modifiable and p.departement_id in saisissables,
            )
        )
    return lignes


def grouper(lignes: list[Ligne]) -> list[tuple[Exercice, list[tuple[Programme, list[Ligne]]]]]:
    """By exercice (newest first), then by programme: the rows arrive in that order."""
    return [
        (
            exercice,
            [
                (programme, list(parmi))
                for programme, parmi in groupby(du_meme, lambda lg: lg.programmation.programme)
            ],
        )
        for exercice, du_meme in groupby(lignes, lambda lg: lg.programmation.exercice)
    ]


# --- Views ----------------------------------------------------------------------------------------------


@login_required
def accueil(request):
    """The SG-CIPDR's and a regional agent's home is the dashboard of the current campaign (the regional
    agent's restricted to their region); a prefecture agent's, their programmations."""
    if request.user.est_national or request.user.est_agent_regional:
        return accueil_national(request)
    return mes_programmations(request)


def mes_programmations(request, formulaire: FormulaireOuverture | None = None):
    """A prefecture agent's programmations (their departments), and the form to open one."""
    user = request.user
    programmations = (
        Programmation.objects.for_user(user)
        .select_related("exercice", "departement", "programme")
        .annotate(montant_enveloppe=sous_requete_enveloppe(), a_precedentes=actions_precedentes())
        .order_by("-exercice__annee", "programme__code", "departement__code")
    )
    departements = list(departements_saisissables(user))
    if departements and formulaire is None:
        formulaire = FormulaireOuverture(
            departements=departements_saisissables(user), un_seul=len(departements) == 1
        )
    lignes = lignes_agent(programmations, {d.pk for d in departements})
    contexte = {
        "title": "Mes programmations",
        "groupes": grouper(lignes),
        "formulaire": formulaire if departements else None,
        "departements": departements if user.est_agent_prefecture else [],
    }
    return render(request, "accueil/mes_programmations.html", contexte)


@login_required
@require_POST
def ouvrir_programmation(request):
    """Opens (creates, as a draft) a programmation of one of the agent's departments in an open exercice."""
    user = request.user
    exiger(
        user.est_agent_prefecture or user.is_superuser,
        "Seuls les agents de préfecture ouvrent la programmation de leur département.",
    )
    departements = departements_saisissables(user)
    code = request.POST.get("departement", "")
    if code and not departements.filter(code=code).exists():
        raise Http404("Ce département ne fait pas partie de votre périmètre.")
    formulaire = FormulaireOuverture(request.POST, departements=departements)
    if not formulaire.is_valid():
        return mes_programmations(request, formulaire)
    d = formulaire.cleaned_data
    try:
        with transaction.atomic():
            programmation = Programmation.objects.create(
                exercice=d["exercice"],
                departement=d["departement"],
                programme=d["programme"],
                statut=Statut.BROUILLON,
            )
            recalculer_programmation(programmation.pk)  # stores the verdicts of the empty programmation
    except IntegrityError:
        formulaire.add_error(None, "Cette programmation vient d'être ouverte par quelqu'un d'autre.")
        return mes_programmations(request, formulaire)
    except ValidationError as e:
        formulaire.add_error(None, e)
        return mes_programmations(request, formulaire)
    messages.success(
        request,
        f"La programmation {programmation.programme.code} {programmation.exercice.annee} du département "
        f"{programmation.departement} est ouverte, en brouillon.",
    )
    return redirect(programmation.get_absolute_url())


def _pluriel(n: int, singulier: str, pluriel: str) -> str:
    return f"{n} {singulier if n < 2 else pluriel}"


@login_required
@require_POST
def reconduire(request, annee: int, departement: str, programme: str):
    """Copies the previous exercice's actions (same department and programme) into this programmation, as
    « en instruction », in one guarded write; references already present are skipped."""
    programmation = get_object_or_404(
        Programmation.objects.for_user(request.user).select_related("exercice", "departement", "programme"),
        exercice__annee=annee,
        departement__code=departement,
        programme__code=programme,
    )
    exiger(
        peut_saisir(request.user, programmation),
        "Seul un agent de préfecture du département reconduit des actions, dans une programmation en "
        "brouillon ou à corriger d'un exercice ouvert.",
    )
    precedente = (
        Programmation.objects.for_user(request.user)
        .filter(
            exercice__annee=annee - 1,
            departement_id=programmation.departement_id,
            programme_id=programmation.programme_id,
        )
        .first()
    )
    if precedente is None:
        messages.error(
            request,
            f"Le département n'a pas de programmation du programme {programme} pour {annee - 1} : "
            "il n'y a rien à reconduire.",
        )
        return redirect(programmation.get_absolute_url())

    try:
        resultat = reconduire_actions(programmation, precedente)
    except ValidationError as e:
        messages.error(request, "Les actions n'ont pas été reconduites : " + " ".join(e.messages))
        return redirect(programmation.get_absolute_url())
    ignorees = resultat.ignorees
    message = (
        f"{_pluriel(resultat.copiees, 'action reconduite', 'actions reconduites')} depuis {annee - 1}, "
        f"en instruction"
    )
    if ignorees:
        message += (
            f" ; {_pluriel(ignorees, 'action ignorée', 'actions ignorées')} car "
            f"{'sa référence existe' if ignorees == 1 else 'leur référence existe'} déjà"
        )
    messages.success(request, message + ".")
    return redirect(programmation.get_absolute_url())
