from django.urls import path

from . import vues

urlpatterns = [
    path("connexion/", vues.Connexion.as_view(), name="connexion"),
    path("deconnexion/", vues.Deconnexion.as_view(), name="deconnexion"),
    path("mot-de-passe/oubli/", vues.OubliMotDePasse.as_view(), name="password_reset"),
    path("mot-de-passe/oubli/envoye/", vues.OubliMotDePasseEnvoye.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/reinitialiser/<uidb64>/<token>/",
        vues.ReinitialisationMotDePasse.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/reinitialise/",
        vues.ReinitialisationMotDePasseTerminee.as_view(),
        name="password_reset_complete",
    ),
    path("accessibilite/", vues.Accessibilite.as_view(), name="accessibilite"),
    path("mentions-legales/", vues.MentionsLegales.as_view(), name="mentions_legales"),
    path("donnees-personnelles/", vues.DonneesPersonnelles.as_view(), name="donnees_personnelles"),
]
