"""Account forms, styled by the DSFR (``DsfrBaseForm``).

Labels and help texts are set on the declared fields: ``DsfrBaseForm.__init__`` builds the bound fields, so a
label changed after it would not show.
"""

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm, UsernameField
from django.core.exceptions import ValidationError
from dsfr.forms import DsfrBaseForm

CONTROLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class FormulaireDsfr(DsfrBaseForm):
    """The base of every form of the service: ``DsfrBaseForm`` without its transitional warning (required fields
    keep their marker), and no text field takes invisible control characters (or lone UTF-16 halves): what a
    paste from another tool can bring, and what would break an export or a PDF."""

    def get_context(self):
        context = forms.Form.get_context(self)
        context["DSFR_MARK_OPTIONAL_FIELDS"] = False
        return context

    def clean(self):
        donnees = super().clean()
        for nom, valeur in list(donnees.items()):
            if isinstance(valeur, str) and CONTROLE.search(valeur) and nom not in self.errors:
                self.add_error(
                    nom,
                    ValidationError(
                        "Ce champ contient un caractère de contrôle invisible : retirez-le (retapez le texte).",
                        code="caractere_de_controle",
                    ),
                )
        return donnees


class FormulaireConnexion(FormulaireDsfr, AuthenticationForm):
    username = UsernameField(
        label="Identifiant",
        help_text="Par exemple : prenom.nom",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": (
            "Identifiant ou mot de passe incorrect. Vérifiez votre saisie : les majuscules et les minuscules "
            "comptent."
        ),
        "inactive": "Ce compte est désactivé. Adressez-vous à l'administrateur du service.",
    }


class FormulaireOubliMotDePasse(FormulaireDsfr, PasswordResetForm):
    email = forms.EmailField(
        label="Adresse électronique",
        help_text="L'adresse de votre compte. Format attendu : nom@domaine.fr",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class FormulaireNouveauMotDePasse(FormulaireDsfr, SetPasswordForm):
    new_password1 = forms.CharField(
        label="Nouveau mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            "Au moins 8 caractères, pas uniquement des chiffres, ni un mot de passe courant, ni un mot de "
            "passe trop proche de votre identifiant, de votre nom ou de votre adresse électronique."
        ),
    )
    new_password2 = forms.CharField(
        label="Confirmation du nouveau mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Saisissez le même mot de passe, pour vérification.",
    )
