from django.urls import path

from programmation import identifiants  # noqa: F401  (registers the <id:…> path converter)

from .vues import parametres

urlpatterns = [
    path("parametres/", parametres.parametres, name="parametres"),
    path(
        "parametres/<str:programme>/<str:code>/nouvelle-valeur/",
        parametres.valeur_ajouter,
        name="parametre_valeur_ajouter",
    ),
    path("parametres/valeurs/<id:pk>/", parametres.valeur_modifier, name="parametre_valeur"),
]
