"""Accounts (login, logout, password reset by e-mail) and the footer pages, open to anonymous visitors."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponseServerError
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.views.generic import TemplateView

from .forms import FormulaireConnexion, FormulaireNouveauMotDePasse, FormulaireOubliMotDePasse

# The service's contact address, shown on the footer pages (to be confirmed by the SG-CIPDR).
ADRESSE_CONTACT = "fipd-programmation@interieur.gouv.fr"
ADRESSE_POSTALE = "Ministère de l'Intérieur – SG-CIPDR, place Beauvau, 75800 Paris Cedex 08"


class Connexion(auth_views.LoginView):
    template_name = "comptes/connexion.html"
    authentication_form = FormulaireConnexion
    redirect_authenticated_user = True
    extra_context = {"title": "Connexion"}


class Deconnexion(auth_views.LogoutView):
    """Logs out on POST; a GET (a bookmarked link) shows a confirmation form instead of logging out."""

    http_method_names = ["get", "post", "options"]
    template_name = "comptes/deconnexion.html"
    extra_context = {"title": "Déconnexion"}

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("connexion")
        return self.render_to_response(self.get_context_data(**kwargs))

    def post(self, request, *args, **kwargs):
        reponse = super().post(request, *args, **kwargs)
        messages.info(request, "Vous êtes déconnecté(e). À bientôt !")
        return reponse


class OubliMotDePasse(auth_views.PasswordResetView):
    template_name = "comptes/mot_de_passe_oubli.html"
    form_class = FormulaireOubliMotDePasse
    email_template_name = "comptes/email_reinitialisation.txt"
    subject_template_name = "comptes/email_reinitialisation_objet.txt"
    success_url = reverse_lazy("password_reset_done")
    extra_context = {"title": "Mot de passe oublié"}


class OubliMotDePasseEnvoye(auth_views.PasswordResetDoneView):
    template_name = "comptes/mot_de_passe_oubli_envoye.html"
    extra_context = {"title": "Message envoyé"}


class ReinitialisationMotDePasse(auth_views.PasswordResetConfirmView):
    template_name = "comptes/mot_de_passe_reinitialisation.html"
    form_class = FormulaireNouveauMotDePasse
    success_url = reverse_lazy("password_reset_complete")
    extra_context = {"title": "Nouveau mot de passe"}


class ReinitialisationMotDePasseTerminee(auth_views.PasswordResetCompleteView):
    template_name = "comptes/mot_de_passe_reinitialise.html"
    extra_context = {"title": "Mot de passe modifié"}


class PagePublique(TemplateView):
    """A footer page: readable without an account."""

    titre = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=self.titre,
            breadcrumb_data={"current": self.titre},
            adresse_contact=ADRESSE_CONTACT,
            adresse_postale=ADRESSE_POSTALE,
            **kwargs,
        )


class Accessibilite(PagePublique):
    template_name = "pages/accessibilite.html"
    titre = "Déclaration d'accessibilité"


class MentionsLegales(PagePublique):
    template_name = "pages/mentions_legales.html"
    titre = "Mentions légales"


class DonneesPersonnelles(PagePublique):
    template_name = "pages/donnees_personnelles.html"
    titre = "Données personnelles"


def erreur_serveur(request):
    """The 500 page, with the request's id to quote; rendered without context processors (the database may be
    the cause)."""
    page = render_to_string("500.html", {"identifiant": getattr(request, "identifiant", "")})
    return HttpResponseServerError(page)
