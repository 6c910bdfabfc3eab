"""The rule parameters (DESIGN.md §3.3), by programme: every dated value with its source, read by everyone
signed in; the SG-CIPDR adds a value from a given exercice, corrects or removes one. A value that applies to a
closed exercice is read-only (the write path refuses it, and the page offers no button for it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from eligibilite.regles import DefinitionParametre, TypeParametre, registre
from fipd.acces import exiger, peut_instruire
from fipd.forms import FormulaireDsfr

from ..ecriture.references import annees_touchees
from ..models import Exercice, Programme, ValeurParametre

REFUS_ROLE = "Seuls le SG-CIPDR et les administrateurs modifient les paramètres des règles."


class FormulaireValeur(FormulaireDsfr, forms.ModelForm):
    """A dated value of one parameter; the value is typed as the parameter's definition says."""

    exercice = forms.ModelChoiceField(
        label="À partir de l'exercice",
        queryset=Exercice.objects.non_clotures().order_by("annee"),
        to_field_name="annee",
        empty_label="Choisir un exercice",
        help_text="La valeur s'applique à cet exercice et aux suivants, jusqu'à une valeur plus récente.",
        error_messages={
            "invalid_choice": "Cet exercice est clôturé ou n'existe pas : choisissez-en un ouvert."
        },
    )

    class Meta:
        model = ValeurParametre
        fields = ["exercice", "valeur", "source"]
        labels = {"valeur": "Valeur", "source": "Source"}
        widgets = {"source": forms.TextInput()}

    def __init__(self, *args, programme: Programme, definition: DefinitionParametre, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.programme = programme
        self.instance.code = definition.code
        self.definition = definition
        champ = self.fields["valeur"]
        if definition.type is TypeParametre.CHOIX:
            self.fields["valeur"] = forms.ChoiceField(label="Valeur", choices=definition.choix)
        elif definition.type is TypeParametre.LISTE:
            champ.widget = forms.Textarea(attrs={"rows": 4})
            champ.help_text = "Un élément par ligne."
        else:
            champ.widget = forms.TextInput()
            champ.help_text = {
                TypeParametre.MONTANT: "En euros, par exemple 4 000,00.",
                TypeParametre.TAUX: "Un pourcentage (« 20 % ») ou une fraction (« 0,20 »).",
            }.get(definition.type, "")
        self.fields[
            "source"
        ].help_text = "Le texte et l'article d'où vient la valeur (circulaire, appel à projets…)."
        if self.instance.pk and not self.is_bound:
            self.initial["valeur"] = self.instance.valeur
            if definition.type in (TypeParametre.MONTANT, TypeParametre.TAUX):
                self.initial["valeur"] = definition.afficher(definition.lire(self.instance.valeur))


@dataclass
class LigneParametre:
    definition: DefinitionParametre
    valeurs: list[ValeurParametre]
    formulaire: FormulaireValeur | None


def _definition(programme: Programme, code: str) -> DefinitionParametre:
    definition = registre(programme.code).definition(code)
    if definition is None:
        raise Http404(f"Le programme {programme.code} n'a pas de paramètre « {code} ».")
    return definition


@login_required
def parametres(request):
    """Every programme's parameters with their dated values; the SG-CIPDR's forms to add one."""
    editable = peut_instruire(request.user)
    valeurs = list(
        ValeurParametre.objects.select_related("programme", "exercice").order_by("exercice__annee")
    )
    clotures = set(Exercice.objects.filter(etat="cloture").values_list("annee", flat=True))
    sections = []
    for programme in Programme.objects.order_by("code"):
        lignes = []
        for definition in registre(programme.code).parametres:
            du_parametre = [
                v for v in valeurs if v.programme_id == programme.pk and v.code == definition.code
            ]
            lignes.append(
                LigneParametre(
                    definition,
                    du_parametre,
                    FormulaireValeur(
                        prefix=f"{programme.code}-{definition.code}",
                        programme=programme,
                        definition=definition,
                    )
                    if editable
                    else None,
                )
            )
        sections.append((programme, lignes))
    return render(
        request,
        "parametres/liste.html",
        {
            "title": "Paramètres des règles",
            "sections": sections,
            "editable": editable,
            "clotures": clotures,
        },
    )


def _enregistrer(request, formulaire: FormulaireValeur) -> bool:
    if not formulaire.is_valid():
        return False
    try:
        formulaire.save()
    except IntegrityError:
        formulaire.add_error(
            "exercice", "Ce paramètre a déjà une valeur à partir de cet exercice : modifiez-la."
        )
        return False
    except ValidationError as e:
        if hasattr(e, "error_dict"):
            for champ, erreurs in e.error_dict.items():
                formulaire.add_error(champ if champ in formulaire.fields else None, erreurs)
        else:
            formulaire.add_error(None, e)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def valeur_ajouter(request, programme: str, code: str):
    exiger(peut_instruire(request.user), REFUS_ROLE)
    prog = get_object_or_404(Programme, code=programme)
    definition = _definition(prog, code)
    formulaire = FormulaireValeur(
        request.POST or None, prefix=f"{prog.code}-{code}", programme=prog, definition=definition
    )
    if request.method == "POST" and _enregistrer(request, formulaire):
        messages.success(
            request,
            f"{definition.libelle} (programme {prog.code}) : nouvelle valeur à partir de "
            f"{formulaire.instance.exercice.annee}. Les verdicts des programmations concernées sont recalculés.",
        )
        return redirect(reverse("parametres") + f"#parametre-{prog.code}-{code}")
    return render(
        request,
        "parametres/valeur.html",
        {
            "title": f"Nouvelle valeur : {definition.libelle}",
            "programme": prog,
            "definition": definition,
            "formulaire": formulaire,
            "breadcrumb_data": {
                "links": [{"url": reverse("parametres"), "title": "Paramètres des règles"}],
                "current": f"Nouvelle valeur : {definition.libelle}",
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def valeur_modifier(request, pk: int):
    exiger(peut_instruire(request.user), REFUS_ROLE)
    valeur = get_object_or_404(ValeurParametre.objects.select_related("programme", "exercice"), pk=pk)
    definition = _definition(valeur.programme, valeur.code)
    # The exercices this value governs (those whose value would change without it); closed ones freeze it.
    lecture_seule = [e.annee for e in annees_touchees(valeur, suppression=True) if e.cloture] or (
        [valeur.exercice.annee] if valeur.exercice.cloture else []
    )
    formulaire = FormulaireValeur(
        request.POST or None, instance=valeur, programme=valeur.programme, definition=definition
    )
    if request.method == "POST":
        if lecture_seule:
            messages.error(
                request,
                f"Cette valeur s'applique à un exercice clôturé ({lecture_seule[0]}) : elle ne change plus.",
            )
            return redirect(reverse("parametre_valeur", args=[valeur.pk]))
        if request.POST.get("supprimer"):
            try:
                valeur.delete()
            except ValidationError as e:
                messages.error(request, " ".join(e.messages))
                return redirect(reverse("parametre_valeur", args=[valeur.pk]))
            else:
                messages.success(request, f"{definition.libelle} : la valeur est supprimée.")
                return redirect(reverse("parametres") + f"#parametre-{valeur.programme.code}-{valeur.code}")
        elif _enregistrer(request, formulaire):
            messages.success(
                request,
                f"{definition.libelle} : la valeur est modifiée. Les verdicts des programmations concernées "
                "sont recalculés.",
            )
            return redirect(reverse("parametres") + f"#parametre-{valeur.programme.code}-{valeur.code}")
    return render(
        request,
        "parametres/valeur.html",
        {
            "title": f"Modifier une valeur : {definition.libelle}",
            "programme": valeur.programme,
            "definition": definition,
            "formulaire": formulaire,
            "valeur": valeur,
            "lecture_seule": lecture_seule,
            "breadcrumb_data": {
                "links": [{"url": reverse("parametres"), "title": "Paramètres des règles"}],
                "current": f"Modifier une valeur : {definition.libelle}",
            },
        },
    )
