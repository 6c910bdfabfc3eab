from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "FIPD Programmation – administration"
admin.site.site_title = "FIPD Programmation"
admin.site.index_title = "Données de référence, programmations et comptes"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("fipd.urls_comptes")),
    path("", include("programmation.urls_accueil")),
    path("", include("programmation.urls")),
    path("", include("programmation.urls_parametres")),
    path("", include("programmation.urls_national")),
]

handler500 = "fipd.vues.erreur_serveur"
