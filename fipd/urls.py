from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "FIPD Programmation – administration"
admin.site.site_title = "FIPD Programmation"
admin.site.index_title = "Données de référence, programmations et comptes"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="accueil"),
]
