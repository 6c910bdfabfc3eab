"""Forms of the prefecture workspace: an action with its co-funders, a new porteur, a workflow comment.

Amounts are read by the one amount parser of ``eligibilite.regles.montants`` (« 1 234,56 », « 1234,56 € »,
« 1234.56 »), the same as the check command and the import, as ``Decimal``, never float. The write rule is not
run here: the view runs it once, under the programmation's lock, through ``programmation.ecriture``, and adds
its refusals to these forms beside their fields.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import construct_instance

from eligibilite.lecture import ActionLue, lire_action
from eligibilite.regles import registre
from eligibilite.regles.delinquance import CATEGORIE_ISCG
from eligibilite.regles.format import montant_saisi
from eligibilite.regles.montants import MontantIllisible, lire_montant
from eligibilite.regles.securisation import EQUIPEMENTS
from eligibilite.regles.snpd import AXES_SNPD, MESURES_SNPD
from fipd.forms import FormulaireDsfr

from .ecriture.faits import Cofinanceur
from .models import DERNIERE_ANNEE, PREMIERE_ANNEE, Action, Decision, MesureSNPD, Porteur
from .tableur.colonnes import COLONNES_DU_PROGRAMME, PROGRAMMES_COFINANCEUR_ETAT

ESPACES = re.compile(r"[\s\u00a0\u202f]+")
FORMATS_DATE = ["%Y-%m-%d", "%d/%m/%Y"]
MONTANT_ILLISIBLE = "Saisissez un montant en euros, par exemple 1 234,56."
# A co-funder whose name starts so is most likely State money: the form suggests ticking « Financement de
# l'État » (static/fipd/action.js, which reads them from the form), never ticks it on the server's own.
PREFIXES_FINANCEMENT_ETAT = ("DETR", "DSIL")
# The categories each programme-specific field applies to (the form hides it for the others when scripts
# run); the SNPD measure applies to every action of programme D.
CATEGORIES_DU_CHAMP = {"quantite": tuple(EQUIPEMENTS), "iscg_premiere_annee": (CATEGORIE_ISCG,)}


def financement_etat_suggere(financeur: str) -> bool:
    """Whether a co-funder's name says State money (« DETR 2026 », « dsil – Préfecture »)."""
    return financeur.strip().upper().startswith(PREFIXES_FINANCEMENT_ETAT)


def choix_des_mesures() -> list:
    """The 50 SNPD measures grouped by axis, « 35 – Intitulé »: from the reference module (which the data
    migration wrote to the database), so that rendering the select costs no query."""
    choix: list = [("", "Aucune mesure indiquée")]
    for axe, titre in AXES_SNPD.items():
        mesures = [(m.numero, f"{m.numero} – {m.intitule}") for m in MESURES_SNPD if m.axe == axe]
        choix.append((f"Axe {axe} – {titre}", mesures))
    return choix


class MontantInput(forms.TextInput):
    """A text input (a number input refuses « 1 234,56 »), shown with a decimal comma."""

    def __init__(self, attrs=None):
        super().__init__(
            {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false", **(attrs or {})}
        )

    def format_value(self, value):
        if isinstance(value, Decimal):  # « 12 345,67 »: what an agent types, and reads back
            return montant_saisi(value)
        return super().format_value(value)


class ChampMontant(forms.Field):
    """An amount in euros, read by ``lire_montant``: what it refuses, every source refuses."""

    widget = MontantInput

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return lire_montant(value)
        except MontantIllisible as e:
            if e.nature in ("illisible", "vide"):
                raise ValidationError(MONTANT_ILLISIBLE, code="invalid") from None
            message = str(e)
            raise ValidationError(message[:1].upper() + message[1:], code=e.nature) from None


def erreurs_par_champ(erreur: ValidationError, champs) -> dict[str, list[ValidationError]]:
    """A ValidationError split by the fields of a form; errors on other fields go to the whole form."""
    if not hasattr(erreur, "error_dict"):
        return {NON_FIELD_ERRORS: erreur.error_list}
    resultat: dict[str, list[ValidationError]] = {}
    for champ, erreurs in erreur.error_dict.items():
        cle = champ if champ in champs else NON_FIELD_ERRORS
        resultat.setdefault(cle, []).extend(erreurs)
    return resultat


def ajouter_erreurs(form: forms.BaseForm, erreurs: dict[str, list[ValidationError]]) -> None:
    for champ, liste in erreurs.items():
        form.add_error(None if champ == NON_FIELD_ERRORS else champ, ValidationError(liste))


class FormulaireAction(FormulaireDsfr, forms.ModelForm):
    porteur = forms.ModelChoiceField(
        label="Porteur",
        queryset=Porteur.objects.none(),
        required=False,
        empty_label="Choisir un porteur",
        help_text="Un porteur du département ; ou cochez « nouveau porteur » ci-dessous.",
    )
    nouveau_porteur = forms.BooleanField(
        label="Nouveau porteur",
        required=False,
        help_text="Créer le porteur avec l'action (nom, type, SIRET, RNA ci-dessous).",
    )
    cout_total = ChampMontant(label="Coût total", help_text="En euros, par exemple 12 345,67.")
    montant_demande = ChampMontant(
        label="Montant demandé", required=False, help_text="Laisser vide s'il n'est pas connu."
    )
    montant_fipd = ChampMontant(label="Montant FIPD", help_text="Le montant proposé au FIPD.")
    date_debut = forms.DateField(
        label="Date de début",
        required=False,
        input_formats=FORMATS_DATE,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_fin = forms.DateField(
        label="Date de fin",
        required=False,
        input_formats=FORMATS_DATE,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Action
        fields = [
            "reference",
            "intitule",
            "porteur",
            "categorie",
            "public",
            "milieu",
            "theme_prevention_primaire",
            "justification",
            "cout_total",
            "montant_demande",
            "montant_fipd",
            "contrat_de_ville",
            "code_analytique",
            "quantite",
            "iscg_premiere_annee",
            "mesure_snpd",
            "date_debut",
            "date_fin",
            "decision",
        ]
        labels = {
            "quantite": "Quantité",
            "iscg_premiere_annee": "Première année de cofinancement du poste d'ISCG",
            "mesure_snpd": "Mesure de la SNPD 2026-2030",
        }
        help_texts = {
            "quantite": "Le nombre d'équipements (gilets pare-balles, terminaux de radiocommunication, "
            "caméras-piétons) : le plafond du FIPD est calculé par équipement.",
            "iscg_premiere_annee": "Pour un poste d'ISCG : le premier exercice où le FIPD l'a cofinancé, par "
            "exemple 2025. Le taux dépend de l'ancienneté du poste.",
            "mesure_snpd": "La mesure de la stratégie nationale de prévention de la délinquance que sert "
            "l'action : la stratégie est suivie mesure par mesure.",
        }
        widgets = {
            "justification": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, programmation, porteurs, **kwargs):
        super().__init__(*args, **kwargs)
        self.programmation = programmation
        self.instance.programmation = programmation
        code = programmation.programme.code
        # The facts of programmes D and S (DESIGN.md §3.5) are asked only in their programme.
        for champ, programme in COLONNES_DU_PROGRAMME.items():
            if programme != code:
                del self.fields[champ]
        if "mesure_snpd" in self.fields:
            self.fields["mesure_snpd"].choices = choix_des_mesures()
        # The model's bounds in the inputs (a positive integer field would say min="0").
        bornes = {
            "quantite": {"min": 1},
            "iscg_premiere_annee": {"min": PREMIERE_ANNEE, "max": DERNIERE_ANNEE},
        }
        for champ, attributs in bornes.items():
            if champ in self.fields:
                self.fields[champ].widget.attrs.update(attributs, inputmode="numeric")
        self.fields["porteur"].queryset = porteurs
        self.fields["theme_prevention_primaire"].choices = [("", "Aucun")] + [
            c for c in self.fields["theme_prevention_primaire"].choices if c[0]
        ]
        self.fields["decision"].choices = Decision.choices
        self.fields["categorie"].choices = [("", "Choisir une catégorie")] + list(
            registre(programmation.programme.code).categories
        )

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        doublons = Action.objects.filter(programmation=self.programmation, reference=reference)
        if self.instance.pk:
            doublons = doublons.exclude(pk=self.instance.pk)
        if doublons.exists():
            raise ValidationError(
                "Une action de cette programmation a déjà cette référence.", code="reference"
            )
        return reference

    def clean(self):
        donnees = super().clean()
        if not donnees.get("nouveau_porteur") and not donnees.get("porteur") and "porteur" not in self.errors:
            self.add_error(
                "porteur", "Choisissez un porteur, ou cochez « Nouveau porteur » pour en créer un."
            )
        debut, fin = donnees.get("date_debut"), donnees.get("date_fin")
        if debut and fin and fin < debut:
            self.add_error("date_fin", "La date de fin précède la date de début.")
        return donnees

    def _post_clean(self):
        """Copies the valid input onto the instance and checks its fields. ``Action.clean()`` (the write rule
        without the co-funders and without the version check) is left to the view, which runs the full
        rule once at save time; the constraint on references is checked by ``clean_reference``."""
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as e:
            self._update_errors(e)
        if self.cleaned_data.get("nouveau_porteur"):
            self.instance.porteur = None
        try:
            # The porteur is checked by clean() (a new one is created by the view, with its own form).
            self.instance.clean_fields(exclude=self._get_validation_exclusions() | {"porteur"})
        except ValidationError as e:
            self._update_errors(e)

    @property
    def porteur_a_creer(self) -> bool:
        return bool(self.is_bound and self.data.get(self.add_prefix("nouveau_porteur")))

    @property
    def champs_par_categorie(self) -> dict[str, str]:
        """For the template: the categories each programme-specific field applies to, space-separated."""
        return {champ: " ".join(categories) for champ, categories in CATEGORIES_DU_CHAMP.items()}

    def action_lue(self, porteur: Porteur | None, cofinancements=()) -> ActionLue:
        """The action as typed, through the reader every source goes through (only the fields that were
        read: a field in error is left out, so the preview shows what can be computed). A fact of another
        programme, not asked here, keeps the instance's value, as the save does."""
        donnees = {
            champ: self.cleaned_data[champ]
            for champ in self._meta.fields
            if champ in self.cleaned_data and champ not in ("porteur", "decision", "date_debut", "date_fin")
        }
        for champ in COLONNES_DU_PROGRAMME:
            if champ not in self.fields:
                donnees[champ] = getattr(self.instance, "mesure_snpd_id" if champ == "mesure_snpd" else champ)
        if isinstance(donnees.get("mesure_snpd"), MesureSNPD):
            donnees["mesure_snpd"] = donnees["mesure_snpd"].numero
        donnees = {k: v for k, v in donnees.items() if v is not None and not (k == "categorie" and not v)}
        if porteur is not None:
            donnees["porteur"] = {"nom": porteur.nom, "type": porteur.type, "siret": porteur.siret or None}
        donnees["cofinancements"] = [
            {"financeur": c.financeur, "montant": c.montant, "etat": c.etat}
            for c in map(Cofinanceur.de, cofinancements)
        ]
        decision = self.cleaned_data.get("decision", self.instance.decision)
        return lire_action(
            donnees,
            programme=self.programmation.programme.code,
            departement=self.programmation.departement.code,
            retenue=decision == Decision.RETENUE,
            cles_connues=False,
        )


class FormulairePorteur(FormulaireDsfr, forms.ModelForm):
    """A porteur created with an action, in the programmation's department."""

    siret = forms.CharField(
        label="SIRET", max_length=20, required=False, help_text="14 chiffres, espaces admis ; facultatif."
    )
    rna = forms.CharField(
        label="Numéro RNA", max_length=12, required=False, help_text="W suivi de 9 chiffres ; facultatif."
    )

    class Meta:
        model = Porteur
        fields = ["nom", "type", "siret", "rna"]
        labels = {"nom": "Nom du porteur"}

    def __init__(self, *args, departement, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.departement = departement
        # Only validated when « Nouveau porteur » is checked: then both are required (see clean()).
        self.fields["nom"].required = self.fields["type"].required = False
        self.fields["type"].choices = [("", "Choisir un type")] + [
            c for c in self.fields["type"].choices if c[0]
        ]

    def clean(self):
        donnees = super().clean()
        for champ in ("nom", "type"):
            if not donnees.get(champ) and champ not in self.errors:
                self.add_error(champ, "Ce champ est obligatoire pour créer un porteur.")
        return donnees

    def clean_siret(self):
        siret = ESPACES.sub("", self.cleaned_data["siret"])
        if siret and Porteur.objects.filter(departement=self.instance.departement, siret=siret).exists():
            raise ValidationError(
                "Un porteur de ce département a déjà ce SIRET : choisissez-le dans la liste."
            )
        return siret

    def clean_rna(self):
        return self.cleaned_data["rna"].strip().upper()


class FormulaireCofinancement(FormulaireDsfr):
    financeur = forms.CharField(label="Financeur", max_length=200, required=False)
    montant = ChampMontant(label="Montant", required=False)
    etat = forms.BooleanField(
        label="Financement de l'État",
        required=False,
        help_text="DETR, DSIL ou crédits d'un autre ministère : ils comptent dans la part de l'État.",
    )

    def __init__(self, *args, avec_etat: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.avec_etat = avec_etat
        if not avec_etat:
            # Outside programme S no rule reads the flag: it is kept as stored, not asked.
            self.fields["etat"].widget = forms.HiddenInput()
        # Each line's fields say which line they belong to, for screen-reader users.
        numero = self.prefix.rsplit("-", 1)[-1] if self.prefix else ""
        if numero.isdigit():
            for nom in ("financeur", "montant", "etat"):
                libelle = f"{self.fields[nom].label} (cofinancement n° {int(numero) + 1})"
                self.fields[nom].label = libelle
                self[nom].label = libelle

    def clean(self):
        donnees = super().clean()
        financeur, montant = donnees.get("financeur", "").strip(), donnees.get("montant")
        if financeur and montant is None and "montant" not in self.errors:
            self.add_error("montant", "Indiquez le montant de ce cofinancement.")
        if montant is not None and not financeur:
            self.add_error("financeur", "Indiquez le financeur de ce montant.")
        donnees["financeur"] = financeur
        return donnees


def _cofinanceur(f: FormulaireCofinancement) -> Cofinanceur:
    return Cofinanceur(
        f.cleaned_data["financeur"], f.cleaned_data["montant"], f.cleaned_data.get("etat", False)
    )


class BaseCofinancements(forms.BaseFormSet):
    def lignes(self) -> list[Cofinanceur]:
        """The co-funder of each filled line; an emptied line removes that co-funder."""
        return [
            _cofinanceur(f)
            for f in self.forms
            if f.cleaned_data.get("financeur") and f.cleaned_data.get("montant") is not None
        ]

    def lignes_valides(self) -> list[Cofinanceur]:
        """The lines that can be read even when other lines are invalid (for the live preview)."""
        lignes = []
        for f in self.forms:
            if f.is_valid() and f.cleaned_data.get("financeur") and f.cleaned_data.get("montant") is not None:
                lignes.append(_cofinanceur(f))
        return lignes

    def etat_a_verifier(self) -> list[str]:
        """The valid lines whose funder's name says State money but that are not flagged so: the preview
        asks the agent to check (a suggestion: only the agent decides)."""
        if not self.form_kwargs.get("avec_etat", True):
            return []
        return [
            c.financeur for c in self.lignes_valides() if not c.etat and financement_etat_suggere(c.financeur)
        ]


Cofinancements = forms.formset_factory(
    FormulaireCofinancement, formset=BaseCofinancements, extra=2, max_num=50, validate_max=True
)


def cofinancements_de(programmation, donnees=None, initial=None) -> BaseCofinancements:
    """The co-funder lines of an action of ``programmation``, with the « Financement de l'État » box where a
    rule reads it (programme S: the State's share)."""
    avec_etat = programmation.programme.code in PROGRAMMES_COFINANCEUR_ETAT
    return Cofinancements(
        donnees, prefix="cofinancements", initial=initial, form_kwargs={"avec_etat": avec_etat}
    )


class FormulaireCommentaire(FormulaireDsfr):
    texte = forms.CharField(
        label="Commentaire", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FormulaireModificationPorteur(FormulairePorteur):
    """An existing porteur's identity (``/porteurs/<id>/modifier/``): the same fields and checks as a new
    porteur's, name and type required, its own SIRET not counted as a duplicate."""

    def __init__(self, *args, instance: Porteur, **kwargs):
        super().__init__(*args, instance=instance, departement=instance.departement, **kwargs)
        self.fields["nom"].required = self.fields["type"].required = True

    def clean(self):
        return FormulaireDsfr.clean(self)

    def clean_siret(self):
        siret = ESPACES.sub("", self.cleaned_data["siret"])
        if siret:
            autre = (
                Porteur.objects.filter(departement_id=self.instance.departement_id, siret=siret)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if autre:
                raise ValidationError(
                    f"Le porteur « {autre.nom} » de ce département a déjà ce SIRET : s'il s'agit de la même "
                    "structure, fusionnez les deux porteurs."
                )
        return siret


class FormulaireFusion(FormulaireDsfr):
    """The duplicate to absorb into a porteur: listed from its department; any other id the user may read is
    accepted here so that the merge can say why it refuses it (another department)."""

    absorbe = forms.ModelChoiceField(
        label="Doublon à absorber",
        queryset=Porteur.objects.none(),
        help_text="Ses actions passent au porteur conservé, puis il est supprimé.",
        error_messages={"invalid_choice": "Choisissez un porteur de la liste."},
    )

    def __init__(self, *args, porteur: Porteur, portee, **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields["absorbe"]
        champ.queryset = portee.exclude(pk=porteur.pk)
        champ.widget.choices = [("", "Choisir le doublon")] + [
            (p.pk, f"{p.nom}{f' – SIRET {p.siret}' if p.siret else ''} ({p.get_type_display()})")
            for p in portee.filter(departement_id=porteur.departement_id).exclude(pk=porteur.pk)
        ]
