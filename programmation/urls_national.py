"""The SG-CIPDR's pages: envelopes, campaigns, the national dashboard and its exports."""

from django.urls import path

from programmation import identifiants  # noqa: F401  (registers the <id:…> path converter)

from .vues import campagnes, enveloppes, exports, national

urlpatterns = [
    path("national/<id:annee>/", national.tableau_de_bord, name="national"),
    path("national/<id:annee>/valider/", national.valider_selection, name="valider_selection"),
    path("national/<id:annee>/mesures/", national.mesures, name="mesures"),
    path("national/<id:annee>/mesures.xlsx", national.mesures_xlsx, name="mesures_xlsx"),
    path("national/<id:annee>/mesures.csv", national.mesures_csv, name="mesures_csv"),
    path("national/<id:annee>/export.xlsx", exports.national_xlsx, name="national_xlsx"),
    path("national/<id:annee>/export.csv", exports.national_csv, name="national_csv"),
    path("national/<id:annee>/synthese.pdf", exports.national_pdf, name="national_pdf"),
    path("campagnes/", campagnes.campagnes, name="campagnes"),
    path("campagnes/<id:annee>/<str:transition>/", campagnes.changer_etat_vue, name="campagne_transition"),
    path("enveloppes/<id:annee>/", enveloppes.enveloppes, name="enveloppes"),
    path("enveloppes/<id:annee>/dotations/", enveloppes.dotations, name="dotations"),
    path("enveloppes/<id:annee>/dotations.xlsx", enveloppes.dotations_xlsx, name="dotations_xlsx"),
    path("enveloppes/<id:annee>/dotations/import/", enveloppes.dotations_import, name="dotations_import"),
    path("enveloppes/<id:annee>/cellules/", enveloppes.cellules, name="cellules"),
    path(
        "enveloppes/<id:annee>/<str:programme>/<str:niveau>/<str:code>/",
        enveloppes.enveloppe,
        name="enveloppe",
    ),
]
