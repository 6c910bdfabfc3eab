"""Documents of a programmation: the PDF (DESIGN.md §9), scoped as the programmation page is."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .programmation import charger_programmation

journal = logging.getLogger(__name__)


@login_required
@require_GET
def programmation_pdf(request, annee, departement, programme):
    """The programmation as it stands, as a PDF to download (404 outside the user's scope)."""
    # Imported here: WeasyPrint takes over a second to import, which no other page should pay.
    from ..documents.pdf import nom_de_fichier, rendre_pdf

    p = charger_programmation(request, annee, departement, programme)
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
