"""The national summary PDF (issue 8): the dashboard's table as filtered, one row per department and
programme, grouped by region with each region's total, and France's. Laid out by WeasyPrint through
``pdf.html_en_pdf`` (fonts embedded, nothing fetched), like the programmation PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from django.template.loader import render_to_string
from django.utils import timezone

from ..models import Exercice
from ..national import LigneNationale, Total, totaux
from .pdf import html_en_pdf

GABARIT = "pdf/synthese_nationale.html"
LIGNES_PAR_TABLEAU = 40  # a region's rows in chunks of tables, each with its header: linear layout cost


@dataclass
class Region:
    total: Total
    tableaux: list[list[LigneNationale]]


@dataclass
class Synthese:
    exercice: Exercice
    filtres: list[str]  # the filters applied, in words (« Programme : R », …)
    regions: list[Region]
    france: Total
    nb_lignes: int
    edite_le: datetime


def synthese(exercice: Exercice, lignes: list[LigneNationale], filtres: list[str]) -> Synthese:
    """The summary of ``lignes`` (the dashboard's rows after its filters), by region in region order."""
    par_region, france = totaux(lignes)
    ordonnees = sorted(lignes, key=lambda lg: (lg.region.code, lg.departement.code, lg.programme.code))
    regions = []
    for total, (_, groupe) in zip(par_region, groupby(ordonnees, key=lambda lg: lg.region.pk), strict=True):
        rangees = list(groupe)
        tableaux = [rangees[i : i + LIGNES_PAR_TABLEAU] for i in range(0, len(rangees), LIGNES_PAR_TABLEAU)]
        regions.append(Region(total, tableaux))
    return Synthese(exercice, filtres, regions, france, len(lignes), timezone.localtime())


def rendre_synthese(donnees: Synthese) -> bytes:
    return html_en_pdf(render_to_string(GABARIT, {"s": donnees}))


def nom_de_fichier(exercice: Exercice) -> str:
    return f"synthese-nationale-fipd-{exercice.annee}.pdf"
