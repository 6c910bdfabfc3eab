from django.urls import path

from programmation import identifiants  # noqa: F401  (registers the <id:…> path converter)

from .vues import documents, exports, imports, porteurs, versions
from .vues import programmation as vues

PROGRAMMATION = "programmations/<id:annee>/<str:departement>/<str:programme>/"

urlpatterns = [
    path(PROGRAMMATION, vues.programmation, name="programmation"),
    path(f"{PROGRAMMATION}pdf/", documents.programmation_pdf, name="programmation_pdf"),
    path(f"{PROGRAMMATION}export.xlsx", exports.programmation_xlsx, name="programmation_xlsx"),
    path(f"{PROGRAMMATION}export.csv", exports.programmation_csv, name="programmation_csv"),
    path(f"{PROGRAMMATION}import/", imports.importer_tableur, name="programmation_import"),
    path(f"{PROGRAMMATION}modele.xlsx", imports.modele, name="programmation_modele"),
    path(f"{PROGRAMMATION}actions/nouvelle/", vues.action_creer, name="action_creer"),
    path(f"{PROGRAMMATION}actions/apercu/", vues.action_apercu, name="action_apercu"),
    path(f"{PROGRAMMATION}decisions/", vues.decisions, name="decisions"),
    path(f"{PROGRAMMATION}transmettre/", vues.transmettre, name="transmettre"),
    path(f"{PROGRAMMATION}valider/", vues.valider, name="valider"),
    path(f"{PROGRAMMATION}renvoyer/", vues.renvoyer, name="renvoyer"),
    path(f"{PROGRAMMATION}rouvrir/", vues.rouvrir, name="rouvrir"),
    path(f"{PROGRAMMATION}versions/<id:numero>/pdf/", versions.version_pdf, name="version_pdf"),
    path(f"{PROGRAMMATION}versions/<id:numero>/scan/", versions.version_scan, name="version_scan"),
    path(
        f"{PROGRAMMATION}versions/<id:numero>/generer/", versions.version_regenerer, name="version_regenerer"
    ),
    path(f"{PROGRAMMATION}scan/", versions.scan_deposer, name="scan_deposer"),
    path("verification/<str:code>/", versions.verification, name="verification"),
    path("actions/<id:pk>/", vues.action, name="action"),
    path("actions/<id:pk>/supprimer/", vues.action_supprimer, name="action_supprimer"),
    path("porteurs/", porteurs.porteurs, name="porteurs"),
    path("porteurs/<id:pk>/", porteurs.porteur, name="porteur"),
    path("porteurs/<id:pk>/modifier/", porteurs.porteur_modifier, name="porteur_modifier"),
    path("porteurs/<id:pk>/fusionner/", porteurs.porteur_fusionner, name="porteur_fusionner"),
    path(
        "porteurs/<id:pk>/fusionner/confirmer/",
        porteurs.porteur_fusionner_confirmer,
        name="porteur_fusionner_confirmer",
    ),
]
