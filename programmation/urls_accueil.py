from django.urls import path

from programmation.vues import accueil

urlpatterns = [
    path("", accueil.accueil, name="accueil"),
    path("programmations/ouvrir/", accueil.ouvrir_programmation, name="ouvrir_programmation"),
    path(
        "programmations/<int:annee>/<str:departement>/<str:programme>/reconduire/",
        accueil.reconduire,
        name="reconduire",
    ),
]
