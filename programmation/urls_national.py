"""The SG-CIPDR's pages: envelopes, campaigns, the national dashboard and its exports."""

from django.urls import path

from .vues import campagnes, enveloppes, exports, national

urlpatterns = [
    path("national/<int:annee>/", national.tableau_de_bord, name="national"),
    path("national/<int:annee>/valider/", national.valider_selection, name="valider_selection"),
    path("national/<int:annee>/mesures/", national.mesures, name="mesures"),
    path("national/<int:annee>/mesures.xlsx", national.mesures_xlsx, name="mesures_xlsx"),
    path("national/<int:annee>/mesures.csv", national.mesures_csv, name="mesures_csv"),
    path("national/<int:annee>/export.xlsx", exports.national_xlsx, name="national_xlsx"),
    path("national/<int:annee>/export.csv", exports.national_csv, name="national_csv"),
    path("campagnes/", campagnes.campagnes, name="campagnes"),
    path("campagnes/<int:annee>/<str:transition>/", campagnes.changer_etat_vue, name="campagne_transition"),
    path("enveloppes/<int:annee>/", enveloppes.enveloppes, name="enveloppes"),
    path("enveloppes/<int:annee>/dotations/", enveloppes.dotations, name="dotations"),
    path("enveloppes/<int:annee>/dotations.xlsx", enveloppes.dotations_xlsx, name="dotations_xlsx"),
    path("enveloppes/<int:annee>/dotations/import/", enveloppes.dotations_import, name="dotations_import"),
    path("enveloppes/<int:annee>/cellules/", enveloppes.cellules, name="cellules"),
    path(
        "enveloppes/<int:annee>/<str:programme>/<str:niveau>/<str:code>/",
        enveloppes.enveloppe,
        name="enveloppe",
    ),
]
