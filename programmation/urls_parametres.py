from django.urls import path

from .vues import parametres

urlpatterns = [
    path("parametres/", parametres.parametres, name="parametres"),
    path(
        "parametres/<str:programme>/<str:code>/nouvelle-valeur/",
        parametres.valeur_ajouter,
        name="parametre_valeur_ajouter",
    ),
    path("parametres/valeurs/<int:pk>/", parametres.valeur_modifier, name="parametre_valeur"),
]
