"""The programmation PDF (DESIGN.md §9): HTML from ``templates/pdf/`` laid out by WeasyPrint, the one module
of the project that imports it.

Fonts: DSFR's Marianne, from the files django-dsfr ships (``dsfr/dist/fonts``, found by the static files
finders), embedded (subset) in the PDF. WeasyPrint fetches nothing else: ``FetcheurLocal`` serves those font
files by name and refuses every other URL (no network, no file of the server), so that a user's text, even if a
template forgot to escape it, cannot make the renderer read anything.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import segno
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..models import Programmation
from .donnees import DonneesProgrammation, donnees_programmation

SCHEMA = "fipd-police:"  # the only URLs the PDF's templates use: url(fipd-police:Marianne-Regular.woff2)
POLICES = {
    nom: f"dsfr/dist/fonts/{nom}"
    for nom in ("Marianne-Regular.woff2", "Marianne-Regular_Italic.woff2", "Marianne-Bold.woff2")
}
GABARIT = "pdf/programmation.html"


@cache
def chemin_police(nom: str) -> Path:
    try:
        relatif = POLICES[nom]
    except KeyError:
        raise ValueError(f"Police inconnue : {nom}") from None
    trouve = finders.find(relatif)
    if not trouve:
        raise ImproperlyConfigured(
            f"La police {relatif} est introuvable dans les fichiers statiques (django-dsfr est-il installé ?)."
        )
    return Path(trouve)


class FetcheurLocal(URLFetcher):
    """Serves the declared fonts from disk and refuses everything else."""

    def fetch(self, url, headers=None):
        if not url.startswith(SCHEMA):
            raise ValueError(f"Ressource externe refusée dans un PDF : {url[:100]}")
        nom = url.removeprefix(SCHEMA)
        return URLFetcherResponse(url, chemin_police(nom).read_bytes(), {"Content-Type": "font/woff2"})


def html_en_pdf(html: str) -> bytes:
    """Lays ``html`` out as a PDF (tagged, for screen readers)."""
    fetcheur = FetcheurLocal()
    polices = FontConfiguration()
    document = HTML(string=html, base_url=SCHEMA, url_fetcher=fetcheur)
    return document.write_pdf(font_config=polices, pdf_tags=True)


def rendre_html(donnees: DonneesProgrammation) -> str:
    return render_to_string(GABARIT, donnees.en_contexte())


def qr_svg(adresse: str) -> str:
    """``adresse`` as a QR code, an inline SVG element 2 cm or so wide (0.6 mm a module: a scan at 150 dpi
    reads it), drawn here: nothing fetched."""
    return segno.make(adresse, error="m").svg_inline(scale=0.6, unit="mm", border=2, dark="#000")


def rendre_pdf(
    programmation: Programmation, *, pied: str | None = None, verification: str | None = None
) -> bytes:
    """The PDF of ``programmation`` as it stands. ``pied``: a text printed at the foot of every page.
    ``verification``: the absolute address where a copy is checked (a validated version's), printed with its
    QR code at the foot of every page. ``programmation`` comes with its exercice, department and programme
    loaded (``donnees.charger(pk)`` loads it so)."""
    donnees = donnees_programmation(programmation, pied=pied)
    if verification:
        donnees = replace(donnees, extra={"verification": verification, "qr": qr_svg(verification)})
    return html_en_pdf(rendre_html(donnees))


def nom_de_fichier(programmation: Programmation) -> str:
    p = programmation
    return f"programmation-fipd-{p.exercice.annee}-{p.departement.code}-{p.programme.code}.pdf"
