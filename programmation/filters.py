"""Filters and sorting of a programmation's actions (django-filter).

Sorting reads ``?tri=`` against a whitelist (an ``OrderingFilter``): an unknown value is ignored, never
passed to ``order_by``.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from eligibilite.regles import CATEGORIES

from .forms import FormulaireDsfr
from .models import Action, Decision, Porteur

# ?tri= value → (ordering field, column label)
COLONNES_TRI = {
    "reference": ("reference", "Référence"),
    "intitule": ("intitule", "Intitulé"),
    "porteur": ("porteur__nom", "Porteur"),
    "categorie": ("categorie", "Catégorie"),
    "cout_total": ("cout_total", "Coût total"),
    "montant_fipd": ("montant_fipd", "Montant FIPD"),
    "decision": ("decision", "Décision"),
}


class FormulaireFiltre(FormulaireDsfr):
    pass


class TriActions(django_filters.OrderingFilter):
    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "reference", "pk")  # a stable order within equal values
        return qs


class FiltreActions(django_filters.FilterSet):
    categorie = django_filters.ChoiceFilter(label="Catégorie", choices=CATEGORIES, empty_label="Toutes")
    decision = django_filters.ChoiceFilter(label="Décision", choices=Decision.choices, empty_label="Toutes")
    porteur = django_filters.ModelChoiceFilter(
        label="Porteur", queryset=Porteur.objects.none(), empty_label="Tous"
    )
    anomalies = django_filters.BooleanFilter(
        label="Avec anomalies", method="filtrer_anomalies", widget=forms.CheckboxInput
    )
    tri = TriActions(fields=[(champ, cle) for cle, (champ, _) in COLONNES_TRI.items()])

    class Meta:
        model = Action
        fields = []
        form = FormulaireFiltre

    def __init__(self, data=None, queryset=None, *, porteurs, categories=CATEGORIES, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.filters["porteur"].queryset = porteurs
        self.filters["categorie"].extra["choices"] = categories

    def filtrer_anomalies(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Q(nb_bloquants__gt=0) | Q(nb_alertes__gt=0))
