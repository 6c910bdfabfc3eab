"""The national dashboard (DESIGN.md §6 ``/national/<annee>/``), the SG-CIPDR's home: every department ×
programme of a year, filtered, sorted, totalled by region and for France, with a chart of consumption by
region, exports (XLSX, CSV) and the validation of several programmations at once. A regional agent reads the
same page for their region (read-only); anyone else gets a 404.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from html import escape  # the standard library's: Django's (lazy-aware) costs three times more per call

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_POST

from eligibilite.regles import arrondi_inferieur, montant
from eligibilite.regles.format import taux_consommation
from fipd.acces import exiger, peut_instruire
from fipd.forms import FormulaireDsfr

from ..documents.classeurs import reponse_xlsx
from ..documents.exports import lignes_csv
from ..identifiants import identifiant
from ..models import Departement, Exercice, Programmation, Region, Statut
from ..national import (
    COLONNES,
    DUREE_DU_CACHE,
    FiltreNational,
    departements_de,
    empreinte,
    filtrer,
    lignes_nationales,
    portee,
    rapport_mesures,
    totaux,
    trier,
)
from ..templatetags.fipd import badge_statut
from ..textes import compter
from ..workflow import changer_statut

TRI_PAR_DEFAUT = "departement"
LARGEUR_GRAPHIQUE, HAUTEUR_BARRE, MARGE_GAUCHE = 760, 22, 230
ECHELLE_MAXIMALE = Decimal("1.5")  # the chart's scale goes to 150 %; beyond, the bar is cut and says so


def peut_lire_le_tableau(user) -> bool:
    return user.is_authenticated and (user.est_national or user.est_agent_regional)


def charger_exercice(request, annee: int) -> Exercice:
    if not peut_lire_le_tableau(request.user):
        raise Http404
    return get_object_or_404(Exercice, annee=annee)


def exercice_par_defaut() -> Exercice | None:
    """The open exercice (the latest if several), else the latest one."""
    return (
        Exercice.objects.ouverts().order_by("-annee").first() or Exercice.objects.order_by("-annee").first()
    )


NUMERIQUES = {"enveloppe", "total_fipd", "consommation", "total_formation", "total_prevention_primaire"}


@dataclass(frozen=True)
class Colonne:
    cle: str
    libelle: str
    url: str
    tri: str | None  # aria-sort

    @property
    def numerique(self) -> bool:
        return self.cle in NUMERIQUES


def colonnes(params: QueryDict, tri: str) -> list[Colonne]:
    resultat = []
    for cle, libelle in COLONNES.items():
        lien = params.copy()
        if tri == cle:
            lien["tri"], sens = f"-{cle}", "ascending"
        elif tri == f"-{cle}":
            lien["tri"], sens = cle, "descending"
        else:
            lien["tri"], sens = cle, None
        resultat.append(Colonne(cle, libelle, f"?{lien.urlencode()}", sens))
    return resultat


def filtre_de(request) -> FiltreNational:
    regions = Region.objects.order_by("nom")
    if not request.user.est_national:
        regions = regions.filter(pk=request.user.region_id)
    return FiltreNational(request.GET or None, regions=regions)


def filtrees(filtre: FiltreNational, lignes):
    """The rows after the filter set's criteria and sort, and the sort key."""
    tri = TRI_PAR_DEFAUT
    if filtre.is_bound and filtre.form.is_valid():
        lignes = filtrer(lignes, filtre.form.cleaned_data)
        tri = filtre.form.cleaned_data.get("tri") or TRI_PAR_DEFAUT
    return trier(lignes, tri), tri


def tableau(request, exercice: Exercice):
    """The rows after the filters and the sort of the request, the filter set and the sort key."""
    filtre = filtre_de(request)
    lignes, tri = filtrees(filtre, lignes_nationales(request.user, exercice))
    return lignes, filtre, tri


def contenu_du_tableau(request, exercice: Exercice, filtre: FiltreNational, peut_valider: bool) -> dict:
    """The table's rows, the totals and the chart of the request, from the cache when nothing they are read
    from has changed since (``empreinte``): 404 rows to read, build and total are most of the page's cost
    (issue 12's profile), and the dashboard is read far more often than a programmation changes."""
    cle = (
        "tableau-national:"
        + hashlib.blake2b(
            repr(
                (
                    empreinte(request.user, exercice),
                    portee(request.user),
                    peut_valider,
                    sorted(request.GET.lists()),
                )
            ).encode(),
            digest_size=16,
        ).hexdigest()
    )
    contenu = cache.get(cle)
    if contenu is None:
        lignes, tri = filtrees(filtre, lignes_nationales(request.user, exercice))
        par_region, france = totaux(lignes)
        parties = {
            "exercice": exercice,
            "filtre": filtre,
            "france": france,
            "totaux_regions": par_region,
            "graphique": graphique(par_region),
        }
        contenu = {
            "corps": corps_du_tableau(lignes, peut_valider),
            "nb_lignes": len(lignes),
            "tri": tri,
            "chiffres": render_to_string("national/_chiffres.html", parties),
            "filtres": render_to_string("national/_filtres.html", parties),
            "section_totaux": render_to_string("national/_totaux.html", parties),
            "france": france,
            "totaux_regions": par_region,
        }
        cache.set(cle, contenu, DUREE_DU_CACHE)
    return contenu


def _montant(valeur) -> str:
    return "—" if valeur is None else montant(valeur)


def corps_du_tableau(lignes, peut_valider: bool) -> SafeString:
    """The table's rows, built in Python: 404 rows of a template loop with includes and filters cost ten times
    the rest of the page (issue 12's profile). Every value from the database is escaped."""
    morceaux = []
    for lg in lignes:
        dep, prog = lg.departement, lg.programme
        nom = escape(f"{dep.code} – {dep.nom}")
        case = ""
        if peut_valider:
            if lg.statut == Statut.TRANSMISE:
                pk = lg.programmation_id
                case = (
                    f'<td><div class="fr-checkbox-group fr-checkbox-group--sm"><input type="checkbox" '
                    f'name="programmations" value="{pk}" id="valider-{pk}"><label class="fr-label" '
                    f'for="valider-{pk}"><span class="fr-sr-only">Valider {escape(dep.nom)} programme '
                    f"{escape(prog.code)}</span></label></div></td>"
                )
            else:
                case = "<td></td>"
        enveloppe = (
            '<span class="fr-text-mention--grey">aucune</span>'
            if lg.enveloppe is None
            else montant(lg.enveloppe)
        )
        if lg.plafond_formation is None:
            formation = "—"
        else:
            formation = f"{montant(lg.total_formation)} / {montant(arrondi_inferieur(lg.plafond_formation))}"
            if lg.formation_depassee:
                formation += ' <span class="fr-badge fr-badge--sm fr-badge--error">dépassé</span>'
        bloquants = (
            f'<span class="fr-badge fr-badge--sm fr-badge--error">{lg.nb_bloquants}</span>'
            if lg.nb_bloquants
            else "0"
        )
        alertes = (
            f'<span class="fr-badge fr-badge--sm fr-badge--warning">{lg.nb_alertes}</span>'
            if lg.nb_alertes
            else "0"
        )
        modifie = localtime(lg.modifie_le).strftime("%d/%m/%Y %H:%M") if lg.modifie_le else "—"
        morceaux.append(
            f"<tr>{case}"
            f'<th scope="row"><a href="{escape(lg.url)}">{nom}<span class="fr-sr-only"> – programme '
            f"{escape(prog.code)}</span></a></th>"
            f"<td>{escape(lg.region.nom)}</td>"
            f'<td><abbr title="{escape(prog.libelle)}">{escape(prog.code)}</abbr></td>'
            f"<td>{badge_statut(lg.statut, lg.libelle_statut)}</td>"
            f'<td class="fr-cell--right">{enveloppe}</td>'
            f'<td class="fr-cell--right">{montant(lg.total_fipd)}</td>'
            f'<td class="fr-cell--right">{taux_consommation(lg.consommation)}</td>'
            f'<td class="fr-cell--right">{formation}</td>'
            f'<td class="fr-cell--right">{montant(lg.total_prevention_primaire) if prog.code == "R" else "—"}</td>'
            f'<td class="fr-cell--center">{bloquants}</td>'
            f'<td class="fr-cell--center">{alertes}</td>'
            f"<td>{modifie}</td></tr>"
        )
    return mark_safe("".join(morceaux))


def graphique(totaux_regions) -> dict:
    """A horizontal bar chart of consumption by region, as SVG coordinates; every bar carries its value as
    text (readable without colour), a dashed line marks 100 %."""
    echelle = LARGEUR_GRAPHIQUE - MARGE_GAUCHE - 90
    barres = []
    for i, t in enumerate(totaux_regions):
        taux = t.consommation
        largeur = 0 if taux is None else int(min(taux, ECHELLE_MAXIMALE) / ECHELLE_MAXIMALE * echelle)
        texte = "aucune enveloppe" if taux is None else taux_consommation(taux)
        if taux is not None and taux > 1:
            texte += " (dépassement)"
        y = 10 + i * (HAUTEUR_BARRE + 8)
        barres.append(
            {
                "libelle": t.libelle,
                "y": y,
                "y_texte": y + HAUTEUR_BARRE - 6,
                "largeur": largeur,
                "x_valeur": MARGE_GAUCHE + largeur + 6,
                "texte": texte,
                "depassee": taux is not None and taux > 1,
            }
        )
    hauteur = 20 + len(barres) * (HAUTEUR_BARRE + 8)
    return {
        "barres": barres,
        "largeur": LARGEUR_GRAPHIQUE,
        "hauteur": hauteur,
        "marge": MARGE_GAUCHE,
        "x_cent": MARGE_GAUCHE + int(echelle / ECHELLE_MAXIMALE),
        "x_libelle_marge": MARGE_GAUCHE - 8,
    }


@login_required
@require_GET
def accueil_national(request):
    """The SG-CIPDR's (and a regional agent's) home: the dashboard of the current campaign."""
    exercice = exercice_par_defaut()
    if exercice is None:
        raise Http404("Aucun exercice n'est défini.")
    return tableau_de_bord(request, exercice.annee)


@login_required
@require_GET
def tableau_de_bord(request, annee: int):
    exercice = charger_exercice(request, annee)
    peut_valider = peut_instruire(request.user) and exercice.ouvert
    filtre = filtre_de(request)
    contenu = contenu_du_tableau(request, exercice, filtre, peut_valider)
    params = request.GET.copy()
    params.pop("tri", None)
    requete = request.GET.urlencode()
    national = request.user.est_national
    titre = (
        f"Tableau de bord national {exercice.annee}"
        if national
        else (f"Programmations {exercice.annee} – {request.user.region}")
    )
    return render(
        request,
        "national/tableau_de_bord.html",
        contenu
        | {
            "title": titre,
            "exercice": exercice,
            "exercices": Exercice.objects.order_by("-annee"),
            "filtre": filtre,
            "colonnes": colonnes(params, contenu["tri"]),
            "national": national,
            "peut_valider": peut_valider,
            "requete": f"?{requete}" if requete else "",
            "statut_transmise": Statut.TRANSMISE,
        },
    )


@login_required
@require_POST
def valider_selection(request, annee: int):
    """Validates the checked programmations, each on its own (one refusal does not undo the others), and
    says which were validated and which were refused, and why."""
    exercice = charger_exercice(request, annee)
    exiger(
        peut_instruire(request.user), "Seuls le SG-CIPDR et les administrateurs valident les programmations."
    )
    pks = [identifiant(pk) for pk in request.POST.getlist("programmations")]
    if None in pks:
        raise Http404
    choisies = list(
        Programmation.objects.for_user(request.user)
        .filter(exercice=exercice, pk__in=pks)
        .select_related("departement", "programme")
        .order_by("pk")
    )
    if len(choisies) != len(set(pks)):
        raise Http404("Programmation inconnue pour cet exercice.")
    retour = request.POST.get("retour", "")
    cible = reverse("national", args=[annee]) + (retour if retour.startswith("?") else "")
    if not choisies:
        messages.error(request, "Cochez au moins une programmation transmise à valider.")
        return redirect(cible)
    validees, refusees = [], []
    for p in choisies:
        nom = f"{p.departement} – {p.programme.code}"
        try:
            changer_statut(
                p.pk, "valider", request.user, lien=request.build_absolute_uri(p.get_absolute_url())
            )
        except (ValidationError, PermissionDenied) as e:
            raisons = e.messages if isinstance(e, ValidationError) else [str(e)]
            refusees.append(f"{nom} : {' '.join(raisons)}")
        else:
            validees.append(nom)
    if validees:
        messages.success(
            request,
            f"{compter(len(validees), 'programmation validée', 'programmations validées')} : {', '.join(validees)}.",
        )
    if refusees:
        messages.error(
            request,
            f"{compter(len(refusees), 'programmation refusée', 'programmations refusées')} : "
            + " ; ".join(refusees),
        )
    if url_has_allowed_host_and_scheme(cible, {request.get_host()}):
        return redirect(cible)
    return redirect(reverse("national", args=[annee]))


# --- Programme D by SNPD measure --------------------------------------------------------------------------


class FormulaireMesures(FormulaireDsfr):
    region = forms.ModelChoiceField(
        label="Région", queryset=Region.objects.order_by("nom"), required=False, empty_label="Aucune"
    )
    departement = forms.ModelChoiceField(
        label="Département",
        queryset=Departement.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label="Aucun",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].queryset = departements_de(user).order_by("code")
        if not user.est_national:
            self.fields["region"].queryset = Region.objects.filter(pk=user.region_id)


def _rapport_mesures(request, exercice):
    formulaire = FormulaireMesures(request.GET or None, user=request.user)
    region = departement = None
    if formulaire.is_bound and formulaire.is_valid():
        region, departement = formulaire.cleaned_data["region"], formulaire.cleaned_data["departement"]
    return formulaire, rapport_mesures(request.user, exercice, region, departement)


@login_required
@require_GET
def mesures(request, annee: int):
    """Programme D's retained totals by SNPD axis and measure: France (the user's scope), a region, a
    department."""
    exercice = charger_exercice(request, annee)
    formulaire, rapport = _rapport_mesures(request, exercice)
    requete = request.GET.urlencode()
    return render(
        request,
        "national/mesures.html",
        {
            "title": f"Programme D {exercice.annee} par mesure de la SNPD",
            "exercice": exercice,
            "formulaire": formulaire,
            "rapport": rapport,
            "requete": f"?{requete}" if requete else "",
            "breadcrumb_data": {
                "links": [{"url": reverse("national", args=[annee]), "title": f"Tableau de bord {annee}"}],
                "current": "Programme D par mesure",
            },
        },
    )


def rangees_mesures(rapport):
    for axe, libelle, lignes, sous_total in rapport.axes:
        for lg in lignes:
            yield [
                axe or "",
                libelle if axe else "",
                lg.numero or "",
                lg.intitule,
                lg.nb_actions,
                lg.france,
                lg.region,
                lg.departement,
            ]
        if axe:
            yield [
                axe,
                libelle,
                "",
                f"Total de l'axe {axe}",
                sous_total.nb_actions,
                sous_total.france,
                sous_total.region,
                sous_total.departement,
            ]
    t = rapport.total
    yield ["", "", "", t.intitule, t.nb_actions, t.france, t.region, t.departement]


def entetes_mesures(rapport) -> list[str]:
    return [
        "Axe",
        "Libellé de l'axe",
        "Mesure",
        "Intitulé",
        "Actions retenues",
        "France",
        f"Région {rapport.region.nom}" if rapport.region else "Région",
        f"Département {rapport.departement.code}" if rapport.departement else "Département",
    ]


@login_required
@require_GET
def mesures_xlsx(request, annee: int):
    exercice = charger_exercice(request, annee)
    _, rapport = _rapport_mesures(request, exercice)
    return reponse_xlsx(
        f"fipd-programme-D-{annee}-mesures.xlsx",
        "Mesures SNPD",
        entetes_mesures(rapport),
        rangees_mesures(rapport),
        colonnes_montants=(5, 6, 7),
        largeurs=[6, 40, 8, 70, 10, 16, 18, 18],
    )


@login_required
@require_GET
def mesures_csv(request, annee: int):
    exercice = charger_exercice(request, annee)
    _, rapport = _rapport_mesures(request, exercice)
    reponse = StreamingHttpResponse(
        lignes_csv(entetes_mesures(rapport), rangees_mesures(rapport)), content_type="text/csv; charset=utf-8"
    )
    reponse["Content-Disposition"] = f'attachment; filename="fipd-programme-D-{annee}-mesures.csv"'
    return reponse
