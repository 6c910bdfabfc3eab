"""Admin pages for reference data, envelopes, programmations, porteurs and actions.

Every write goes through the models' guarded methods (``programmation.ecriture``). A refusal is shown as a
form error (``Action.clean()`` and ``FormulaireEcritureGardee`` check before saving); should one still arise
at save time (a concurrent write), the page shows it as an error message instead of a server error and
nothing is written.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from programmation.textes import compter

from .ecriture import decider_actions, recalculer
from .models import (
    Action,
    CelluleSuivi,
    Cofinancement,
    Commentaire,
    Decision,
    Departement,
    Enveloppe,
    Exercice,
    MesureSNPD,
    MouvementEnveloppe,
    Porteur,
    Programmation,
    Programme,
    Region,
    ValeurParametre,
    VersionValidee,
)


class _Annuler(Exception):
    pass


class FormulaireEcritureGardee(forms.ModelForm):
    """Runs the model's guarded save in a transaction that is always rolled back, so that whatever it would
    refuse shows on the form, beside its field."""

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        instance = self.instance
        nouveau = instance._state.adding
        try:
            with transaction.atomic():
                instance.save()
                raise _Annuler
        except _Annuler:
            pass
        except ValidationError as e:
            self._update_errors(e)
        finally:
            if nouveau:
                instance.pk = None
                instance._state.adding = True


def message_de(erreur: ValidationError) -> str:
    return " ".join(erreur.messages)


class EcritureGardeeAdmin(SimpleHistoryAdmin):
    """Turns a refusal raised at save or delete time into an error message; the transaction is undone."""

    view_on_site = False

    def _garde(self, request, vue, *args, **kwargs):
        try:
            with transaction.atomic():
                return vue(request, *args, **kwargs)
        except ValidationError as e:
            self.message_user(request, f"Enregistrement refusé : {message_de(e)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._garde(request, super().changeform_view, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._garde(request, super().delete_view, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        return self._garde(request, super().changelist_view, extra_context)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "nom"]
    search_fields = ["code", "nom"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "nom", "region"]
    list_filter = ["region"]
    search_fields = ["code", "nom"]
    list_select_related = ["region"]


@admin.register(Exercice)
class ExerciceAdmin(EcritureGardeeAdmin):
    list_display = ["annee", "etat"]
    list_filter = ["etat"]


class ValeurParametreForm(FormulaireEcritureGardee):
    class Meta:
        model = ValeurParametre
        fields = ["programme", "code", "exercice", "valeur", "source"]


@admin.register(ValeurParametre)
class ValeurParametreAdmin(EcritureGardeeAdmin):
    """Dated parameter values (DESIGN.md §3.3); the SG-CIPDR also edits them from ``/parametres/``."""

    form = ValeurParametreForm
    list_display = ["programme", "code", "exercice", "valeur", "source"]
    list_filter = ["programme", "code"]
    list_select_related = ["programme", "exercice"]


@admin.register(CelluleSuivi)
class CelluleSuiviAdmin(EcritureGardeeAdmin):
    list_display = ["departement", "exercice", "active"]
    list_filter = ["exercice", "active"]
    search_fields = ["departement__nom", "departement__code"]
    list_select_related = ["departement", "exercice"]
    autocomplete_fields = ["departement"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "libelle", "gestion_regionale"]


@admin.register(MesureSNPD)
class MesureSNPDAdmin(admin.ModelAdmin):
    """The 50 measures of the SNPD 2026-2030: reference data from a data migration, read-only here (a new
    strategy comes with its own migration, checked against its text)."""

    list_display = ["numero", "axe", "intitule"]
    list_filter = ["axe"]
    search_fields = ["intitule"]
    ordering = ["numero"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MouvementForm(FormulaireEcritureGardee):
    class Meta:
        model = MouvementEnveloppe
        fields = ["date", "nature", "montant", "motif"]


class MouvementInline(admin.TabularInline):
    model = MouvementEnveloppe
    extra = 0
    fields = ["date", "nature", "montant", "motif"]
    readonly_fields = ["date", "nature", "montant", "motif"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Enveloppe)
class EnveloppeAdmin(EcritureGardeeAdmin):
    list_display = ["exercice", "programme", "region", "departement", "montant"]
    list_filter = ["exercice", "programme", "region"]
    search_fields = ["departement__nom", "departement__code", "region__nom"]
    list_select_related = ["exercice", "programme", "region", "departement"]
    readonly_fields = ["montant"]
    autocomplete_fields = ["departement"]
    inlines = [MouvementInline]


@admin.register(MouvementEnveloppe)
class MouvementEnveloppeAdmin(EcritureGardeeAdmin):
    form = MouvementForm
    list_display = ["enveloppe", "date", "nature", "montant", "motif"]
    list_filter = ["nature", "enveloppe__exercice", "enveloppe__programme"]
    list_select_related = [
        "enveloppe__exercice",
        "enveloppe__programme",
        "enveloppe__region",
        "enveloppe__departement",
    ]
    fields = ["enveloppe", "date", "nature", "montant", "motif"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = self.fields
        return super().get_form(request, obj, **kwargs)


class PorteurForm(forms.ModelForm):
    class Meta:
        model = Porteur
        fields = ["departement", "nom", "type", "siret", "rna"]


@admin.register(Porteur)
class PorteurAdmin(EcritureGardeeAdmin):
    form = PorteurForm
    list_display = ["nom", "type", "departement", "siret"]
    list_filter = ["type", "departement__region"]
    search_fields = ["nom", "siret", "rna"]
    list_select_related = ["departement"]
    autocomplete_fields = ["departement"]


class CofinancementInline(admin.TabularInline):
    model = Cofinancement
    extra = 0
    fields = ["financeur", "montant", "etat"]


class CommentaireInline(admin.TabularInline):
    model = Commentaire
    extra = 0
    fields = ["cree_le", "auteur", "statut_avant", "statut_apres", "texte"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Programmation)
class ProgrammationAdmin(EcritureGardeeAdmin):
    list_display = [
        "departement",
        "programme",
        "exercice",
        "statut",
        "total_fipd",
        "total_formation",
        "nb_bloquants",
        "nb_alertes",
    ]
    list_filter = ["exercice", "programme", "statut", "departement__region"]
    search_fields = ["departement__nom", "departement__code"]
    list_select_related = ["departement", "programme", "exercice"]
    readonly_fields = [
        "total_fipd",
        "total_formation",
        "total_prevention_primaire",
        "nb_bloquants",
        "nb_alertes",
        "nb_en_instruction",
        "verdicts",
    ]
    autocomplete_fields = ["departement"]
    inlines = [CommentaireInline]
    actions = ["recalculer_les_verdicts"]

    def get_readonly_fields(self, request, obj=None):
        """The status changes through the workflow only (with its checks, comment and e-mail); the exercice,
        the department and the programme are fixed once the programmation exists."""
        fixes = ["statut"] + (["exercice", "departement", "programme"] if obj is not None else [])
        return [*fixes, *self.readonly_fields]

    @admin.action(description="Recalculer les verdicts et les totaux")
    def recalculer_les_verdicts(self, request, queryset):
        n = recalculer(queryset)
        self.message_user(request, f"{compter(n, 'programmation recalculée', 'programmations recalculées')}.")


@admin.register(Action)
class ActionAdmin(EcritureGardeeAdmin):
    list_display = [
        "reference",
        "intitule",
        "programmation",
        "categorie",
        "decision",
        "montant_fipd",
        "nb_bloquants",
        "nb_alertes",
    ]
    list_filter = [
        "decision",
        "categorie",
        "programmation__exercice",
        "programmation__programme",
        "mesure_snpd__axe",
    ]
    search_fields = ["reference", "intitule", "porteur__nom"]
    list_select_related = [
        "programmation__departement",
        "programmation__programme",
        "programmation__exercice",
        "porteur",
    ]
    autocomplete_fields = ["porteur"]
    readonly_fields = ["verdicts_lisibles", "version"]
    inlines = [CofinancementInline]
    actions = ["retenir", "ne_pas_retenir", "remettre_en_instruction"]
    fieldsets = [
        (None, {"fields": ["programmation", "reference", "intitule", "porteur"]}),
        (
            "Nature",
            {"fields": ["categorie", "public", "milieu", "theme_prevention_primaire", "justification"]},
        ),
        ("Montants", {"fields": ["cout_total", "montant_demande", "montant_fipd"]}),
        (
            "Programmes D et S",
            {
                "fields": ["mesure_snpd", "iscg_premiere_annee", "quantite"],
                "description": "Programme D : la mesure de la SNPD et, pour un poste d'ISCG, la première année "
                "de cofinancement ; programme S : le nombre d'équipements des polices municipales.",
            },
        ),
        ("Contrat de ville", {"fields": ["contrat_de_ville", "code_analytique"]}),
        ("Calendrier et décision", {"fields": ["date_debut", "date_fin", "decision", "date_decision"]}),
        ("Contrôle", {"fields": ["verdicts_lisibles", "version"]}),
    ]

    @admin.display(description="verdicts")
    def verdicts_lisibles(self, obj):
        if not obj.verdicts:
            return "Aucun"
        return " | ".join(f"{v['regle']} ({v['niveau']}) : {v['message']}" for v in obj.verdicts)

    def _decider(self, request, queryset, decision):
        try:
            decider_actions(queryset.select_related("porteur"), decision)
        except ValidationError as e:
            self.message_user(request, f"Décision refusée : {message_de(e)}", messages.ERROR)
            return
        self.message_user(request, f"{compter(queryset.count(), 'action')} : « {Decision(decision).label} ».")

    @admin.action(description="Retenir les actions sélectionnées")
    def retenir(self, request, queryset):
        self._decider(request, queryset, Decision.RETENUE)

    @admin.action(description="Ne pas retenir les actions sélectionnées")
    def ne_pas_retenir(self, request, queryset):
        self._decider(request, queryset, Decision.NON_RETENUE)

    @admin.action(description="Remettre en instruction les actions sélectionnées")
    def remettre_en_instruction(self, request, queryset):
        self._decider(request, queryset, Decision.EN_INSTRUCTION)


@admin.register(VersionValidee)
class VersionValideeAdmin(admin.ModelAdmin):
    """Read only: a validated version is a record of what was validated (DESIGN.md §9); « Générer de
    nouveau » and the signed scan are on the programmation page."""

    list_display = ("programmation", "numero", "cree_le", "etat", "empreinte", "scan_depose_le")
    list_filter = ("etat", "programmation__exercice__annee", "programmation__programme")
    list_select_related = (
        "programmation__exercice",
        "programmation__departement",
        "programmation__programme",
    )
    search_fields = ("empreinte", "jeton", "programmation__departement__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
