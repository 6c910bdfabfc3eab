from django.urls import path

from programmation import identifiants  # noqa: F401  (registers the <id:…> path converter)
from programmation.vues import accueil

urlpatterns = [
    path("", accueil.accueil, name="accueil"),
    path("programmations/ouvrir/", accueil.ouvrir_programmation, name="ouvrir_programmation"),
    path(
        "programmations/<id:annee>/<str:departement>/<str:programme>/reconduire/",
        accueil.reconduire,
        name="reconduire",
    ),
]
