"""Documents of a programmation: the PDF (DESIGN.md §9), scoped as the programmation page is."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..models import Statut
from .programmation import charger_programmation
from .versions import servir_fichier

journal = logging.getLogger(__name__)


@login_required
@require_GET
def programmation_pdf(request, annee, departement, programme):
    """The programmation as a PDF to download (404 outside the user's scope): its last validated version when
    it is validated, else as it stands."""
    # Imported here: WeasyPrint takes over a second to import, which no other page should pay.
    from ..documents.pdf import nom_de_fichier, rendre_pdf

    p = charger_programmation(request, annee, departement, programme)
    if p.statut == Statut.VALIDEE:
        # The validated version, byte for byte, whatever changed since (DESIGN.md §9); while it is being
        # rendered (or failed), the programmation as it stands, as before.
        version = p.versions_validees.order_by("-numero").first()
        if version is not None and version.prete:
            return servir_fichier(version.fichier, nom_de_fichier(p))
    try:
        contenu = rendre_pdf(p)
    except Exception:  # a rendering failure is the service's: a clear page, the details in the log
        journal.exception("le PDF de la programmation %s n'a pas pu être produit", p.pk)
        return render(
            request,
            "documents/pdf_indisponible.html",
            {"programmation": p, "identifiant": getattr(request, "identifiant", "")},
            status=500,
        )
    reponse = HttpResponse(contenu, content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="{nom_de_fichier(p)}"'
    reponse["Cache-Control"] = "private, no-store"
    return reponse
