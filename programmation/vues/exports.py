"""Export downloads (DESIGN.md §9): the national table as filtered (XLSX with one sheet per programme of its
actions, and CSV), and a programmation's actions (XLSX and CSV, in the import format). Every export starts
from the user's scope, like the pages: out of scope is a 404."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from eligibilite.regles.format import taux_consommation

from ..documents.classeurs import FORMAT_POURCENTAGE, classeur, reponse_classeur
from ..documents.exports import (
    COLONNES_NATIONALES,
    CONSOMMATION,
    MONTANTS_ACTIONS,
    MONTANTS_NATIONAUX,
    actions_exportees,
    avec_etat,
    colonnes_actions,
    colonnes_montants_cofinancements,
    entetes_actions,
    lignes_csv,
    rangee_action,
    rangees_nationales,
)
from ..models import Action, Programme
from .national import charger_exercice, tableau
from .programmation import charger_programmation

journal = logging.getLogger(__name__)

LARGEURS_NATIONALES = [26, 10, 26, 11, 14, 16, 16, 14, 16, 16, 16, 10, 10, 18]
LARGEURS_ACTIONS = [12, 40, 30, 22, 16, 34, 24, 22, 14, 14, 14, 10, 16, 30, 40, 14]
LARGEURS_PROPRES = {"quantite": 10, "iscg_premiere_annee": 16, "mesure_snpd": 12}  # programmes D and S


def largeurs_actions(programme: str, nb: int) -> list[int]:
    """The column widths of a programme's actions and ``nb`` co-funders."""
    *communes, decision = LARGEURS_ACTIONS
    propres = [LARGEURS_PROPRES[c] for _, c in colonnes_actions(programme)[len(communes) : -1]]
    return [*communes, *propres, decision] + ([24, 14, 10] if avec_etat(programme) else [24, 14]) * nb


def reponse_csv(nom: str, entetes, rangees) -> StreamingHttpResponse:
    reponse = StreamingHttpResponse(lignes_csv(entetes, rangees), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse


@login_required
@require_GET
def national_xlsx(request, annee: int):
    """The dashboard as filtered, and a sheet per programme with the actions of the rows' programmations."""
    exercice = charger_exercice(request, annee)
    lignes, filtre, _ = tableau(request, exercice)
    rangees = list(rangees_nationales(lignes))
    for r in rangees:
        if r[CONSOMMATION] is not None:
            r[CONSOMMATION] = r[CONSOMMATION].quantize(Decimal("0.0001"))
    codes = (
        [filtre.form.cleaned_data["programme"].code]
        if _programme_filtre(filtre)
        else list(Programme.objects.order_by("code").values_list("code", flat=True))
    )
    exportees = {(lg.departement.pk, lg.programme.code) for lg in lignes if lg.programmation_id}
    # One query for every sheet's actions (and one for their co-funders), read in chunks from one cursor, in
    # programme order; a sheet per programme of the filter, even empty: a constant number of queries.
    nb, actions = actions_exportees(
        Action.objects.for_user(request.user).filter(
            programmation__exercice=exercice, programmation__programme__code__in=codes
        )
    )
    flux = _Flux(
        (a, c)
        for a, c in actions
        if (a.programmation.departement_id, a.programmation.programme.code) in exportees
    )

    def feuilles():
        yield ("National", COLONNES_NATIONALES, rangees, MONTANTS_NATIONAUX, LARGEURS_NATIONALES)
        for code in codes:
            yield (
                f"Programme {code}",
                entetes_actions(nb, prefixe=("Département",), programme=code),
                (
                    [a.programmation.departement.code, *rangee_action(a, c, nb, code)]
                    for a, c in flux.tant_que(
                        lambda ac, code=code: ac[0].programmation.programme.code == code
                    )
                ),
                [i + 1 for i in MONTANTS_ACTIONS] + colonnes_montants_cofinancements(nb, code, decalage=1),
                [10, *largeurs_actions(code, nb)],
            )

    wb = classeur(feuilles(), formats={"National": {CONSOMMATION: FORMAT_POURCENTAGE}})
    return reponse_classeur(f"fipd-national-{annee}.xlsx", wb)


@login_required
@require_GET
def national_csv(request, annee: int):
    exercice = charger_exercice(request, annee)
    lignes, _, _ = tableau(request, exercice)

    def rangees():
        for r in rangees_nationales(lignes):
            r[CONSOMMATION] = taux_consommation(r[CONSOMMATION]) if r[CONSOMMATION] is not None else ""
            yield r

    return reponse_csv(f"fipd-national-{annee}.csv", list(COLONNES_NATIONALES), rangees())


@login_required
@require_GET
def national_pdf(request, annee: int):
    """The national summary as a PDF: the dashboard's rows as filtered, by region with their totals."""
    # Imported here: WeasyPrint takes over a second to import, which no other page should pay.
    from ..documents.synthese import nom_de_fichier, rendre_synthese, synthese

    exercice = charger_exercice(request, annee)
    lignes, filtre, _ = tableau(request, exercice)
    try:
        contenu = rendre_synthese(synthese(exercice, lignes, filtres_en_mots(filtre)))
    except Exception:  # a rendering failure is the service's: a clear page, the details in the log
        journal.exception("la synthèse nationale %s n'a pas pu être produite", annee)
        return render(
            request,
            "documents/pdf_indisponible.html",
            {"identifiant": getattr(request, "identifiant", "")},
            status=500,
        )
    reponse = HttpResponse(contenu, content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="{nom_de_fichier(exercice)}"'
    reponse["Cache-Control"] = "private, no-store"
    return reponse


def filtres_en_mots(filtre) -> list[str]:
    """The dashboard's filters in force, in words, for the PDF's subtitle (« Programme : R », …)."""
    if not (filtre.is_bound and filtre.form.is_valid()):
        return []
    mots = []
    for nom, champ in filtre.form.fields.items():
        valeur = filtre.form.cleaned_data.get(nom)
        if nom == "tri" or valeur in (None, "", False):
            continue
        if valeur is True:
            mots.append(str(champ.label))
        elif hasattr(champ, "choices") and not hasattr(valeur, "pk"):
            mots.append(f"{champ.label} : {dict(champ.choices).get(valeur, valeur)}")
        else:
            mots.append(f"{champ.label} : {valeur}")
    return mots


def _programme_filtre(filtre) -> bool:
    return bool(filtre.is_bound and filtre.form.is_valid() and filtre.form.cleaned_data.get("programme"))


class _Flux:
    """An iterator read in consecutive runs: ``tant_que(condition)`` yields items while they meet the
    condition, leaving the first one that does not for the next run."""

    def __init__(self, elements):
        self._elements = iter(elements)
        self._suivant = None

    def tant_que(self, condition):
        while True:
            if self._suivant is None:
                self._suivant = next(self._elements, None)
                if self._suivant is None:
                    return
            if not condition(self._suivant):
                return
            element, self._suivant = self._suivant, None
            yield element


def _nom(programmation, extension: str) -> str:
    p = programmation
    return f"programmation-{p.programme.code}-{p.exercice.annee}-{p.departement.code}.{extension}"


@login_required
@require_GET
def programmation_xlsx(request, annee, departement, programme):
    """A programmation's actions in the import format (DESIGN.md §5): it re-imports unchanged."""
    p = charger_programmation(request, annee, departement, programme)
    code = p.programme.code
    nb, actions = actions_exportees(Action.objects.filter(programmation=p))
    wb = classeur(
        [
            (
                "Actions",
                entetes_actions(nb, programme=code),
                (rangee_action(a, c, nb, code) for a, c in actions),
                [*MONTANTS_ACTIONS, *colonnes_montants_cofinancements(nb, code)],
                largeurs_actions(code, nb),
            )
        ]
    )
    return reponse_classeur(_nom(p, "xlsx"), wb)


@login_required
@require_GET
def programmation_csv(request, annee, departement, programme):
    p = charger_programmation(request, annee, departement, programme)
    code = p.programme.code
    nb, actions = actions_exportees(Action.objects.filter(programmation=p))
    return reponse_csv(
        _nom(p, "csv"),
        entetes_actions(nb, programme=code),
        (rangee_action(a, c, nb, code) for a, c in actions),
    )
