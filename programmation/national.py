"""The national table (DESIGN.md §6 ``/national/<annee>/``): one row per department and programme, all 101
departments whether or not they have started, read from the programmations' stored totals and verdict
counts. Shared by the dashboard, its exports and (for a region) the regional agent's home.

The rows are the cross product of departments and programmes, which SQL gives no model for: they are built
in Python from a constant number of queries (departments, programmes, the year's programmations, its
departmental envelopes, the parameters), then filtered and sorted in Python. The filter form is a
django-filter ``FilterSet`` (validation, widgets, the DSFR form); its cleaned data drive ``filtrer``.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Count, Max, Sum
from django.urls import reverse

from eligibilite.regles import Totaux, registre
from eligibilite.regles.format import consommation
from fipd.forms import FormulaireDsfr

from .ecriture.faits import ZERO, decimal, parametres_par_programme_et_annee
from .models import (
    Departement,
    Enveloppe,
    Exercice,
    Programmation,
    Programme,
    Region,
    Statut,
)

NON_COMMENCEE = "non_commencee"
DUREE_DU_CACHE = 300  # seconds; see ``empreinte``
STATUTS = [(NON_COMMENCEE, "Non commencée"), *Statut.choices]
LIBELLES_STATUT = dict(STATUTS)


@dataclass
class LigneNationale:
    """One department and programme of the year."""

    region: Region
    departement: Departement
    programme: Programme
    url: str
    statut: str = NON_COMMENCEE
    programmation_id: int | None = None
    enveloppe: Decimal | None = None
    total_fipd: Decimal = ZERO
    total_formation: Decimal = ZERO
    plafond_formation: Decimal | None = None
    total_prevention_primaire: Decimal = ZERO
    nb_bloquants: int = 0
    nb_alertes: int = 0
    modifie_le: datetime | None = None

    @property
    def libelle_statut(self) -> str:
        return LIBELLES_STATUT[self.statut]

    @property
    def consommation(self) -> Decimal | None:
        return consommation(self.total_fipd, self.enveloppe)

    @property
    def anomalies(self) -> bool:
        return bool(self.nb_bloquants or self.nb_alertes)

    @property
    def formation_depassee(self) -> bool:
        return self.plafond_formation is not None and self.total_formation > self.plafond_formation


def departements_de(user):
    """The departments whose rows ``user`` reads: all (SG-CIPDR), their region's (regional agent), theirs."""
    if user.est_national:
        return Departement.objects.all()
    if user.est_agent_regional:
        return Departement.objects.filter(region_id=user.region_id)
    if user.est_agent_prefecture:
        return user.departements.all()
    return Departement.objects.none()


def empreinte(user, exercice: Exercice) -> str:
    """A digest of everything the national rows are read from, in two small queries: the year's programmations
    in the user's scope (how many, the sum of their change markers, which every guarded write moves, and the
    last status change) and the departmental envelopes' amounts (a department that has not started has no
    programmation to mark). A parameter's change is a guarded write of every programmation it touches
    (``enregistrer_valeur_parametre``). Equal digests mean equal rows, whichever process computed them;
    reference data (department and region names) are not in it, so a cached table lives a few minutes at
    most (``DUREE_DU_CACHE``)."""
    programmations = (
        Programmation.objects.for_user(user)
        .filter(exercice=exercice)
        .aggregate(nombre=Count("pk"), versions=Sum("version"), derniere=Max("modifie_le"))
    )
    enveloppes = Enveloppe.objects.filter(exercice=exercice, departement__isnull=False).order_by("pk")
    contenu = (
        exercice.pk,
        sorted(programmations.items()),
        list(enveloppes.values_list("pk", "departement_id", "programme_id", "montant")),
    )
    return hashlib.blake2b(repr(contenu).encode(), digest_size=16).hexdigest()


def portee(user) -> str:
    """Which rows a user reads, as a cache key part."""
    if user.est_national:
        return "national"
    if user.est_agent_regional:
        return f"region-{user.region_id}"
    return "departements-" + "-".join(
        str(pk) for pk in sorted(departements_de(user).values_list("pk", flat=True))
    )


def lignes_nationales(user, exercice: Exercice) -> list[LigneNationale]:
    """Every department of the user's scope × every programme, in department then programme order."""
    departements = list(departements_de(user).select_related("region").order_by("code"))
    programmes = list(Programme.objects.order_by("code"))
    champs = (
        "pk",
        "departement_id",
        "programme_id",
        "statut",
        "total_fipd",
        "total_formation",
        "total_prevention_primaire",
        "nb_bloquants",
        "nb_alertes",
        "modifie_le",
    )
    programmations = {
        (row[1], row[2]): row
        for row in Programmation.objects.for_user(user).filter(exercice=exercice).values_list(*champs)
    }
    enveloppes = {
        (departement_id, programme_id): montant
        for departement_id, programme_id, montant in Enveloppe.objects.filter(
            exercice=exercice, departement__isnull=False
        ).values_list("departement_id", "programme_id", "montant")
    }
    parametres = parametres_par_programme_et_annee((p.pk, exercice.annee) for p in programmes)
    # One URL pattern, filled per row: reversing 404 URLs costs more than the rest of a row.
    modele = reverse(
        "programmation", kwargs={"annee": exercice.annee, "departement": "DEPT", "programme": "PROG"}
    )
    lignes = []
    for d in departements:
        for programme in programmes:
            ligne = LigneNationale(
                region=d.region,
                departement=d,
                programme=programme,
                url=modele.replace("DEPT", d.code).replace("PROG", programme.code),
                enveloppe=enveloppes.get((d.pk, programme.pk)),
            )
            p = programmations.get((d.pk, programme.pk))
            if p is not None:
                pk, _, _, statut, total, formation, primaire, bloquants, alertes, modifie_le = p
                ligne.statut, ligne.programmation_id, ligne.modifie_le = statut, pk, modifie_le
                ligne.total_fipd, ligne.total_formation = decimal(total), decimal(formation)
                ligne.total_prevention_primaire = decimal(primaire)
                ligne.nb_bloquants, ligne.nb_alertes = bloquants, alertes
                ligne.plafond_formation, _ = registre(programme.code).plafond_formation(
                    Totaux(ligne.total_fipd, ligne.total_formation, ligne.total_prevention_primaire),
                    parametres[(programme.pk, exercice.annee)],
                )
            lignes.append(ligne)
    return lignes


# --- Filters and sorting -------------------------------------------------------------------------------

COLONNES = OrderedDict(
    [
        ("departement", "Département"),
        ("region", "Région"),
        ("programme", "Programme"),
        ("statut", "Statut"),
        ("enveloppe", "Enveloppe"),
        ("total_fipd", "Total retenu"),
        ("consommation", "Consommation"),
        ("total_formation", "Formation / plafond"),
        ("total_prevention_primaire", "Prévention primaire"),
        ("nb_bloquants", "Bloquants"),
        ("nb_alertes", "Alertes"),
        ("modifie_le", "Dernière modification"),
    ]
)
ORDRE_STATUTS = {code: i for i, (code, _) in enumerate(STATUTS)}


def _cle_de_tri(colonne: str):
    def cle(ligne: LigneNationale):
        if colonne == "departement":
            return (0, ligne.departement.code)
        if colonne == "region":
            return (0, ligne.region.nom, ligne.departement.code)
        if colonne == "programme":
            return (0, ligne.programme.code, ligne.departement.code)
        if colonne == "statut":
            return (0, ORDRE_STATUTS[ligne.statut])
        valeur = getattr(ligne, colonne)
        return (1, 0) if valeur is None else (0, valeur)  # no figure: last, whatever the direction

    return cle


def trier(lignes: list[LigneNationale], tri: str) -> list[LigneNationale]:
    """``tri``: a column key, « -key » for descending; rows without a figure come last either way."""
    colonne = tri.removeprefix("-")
    if colonne not in COLONNES:
        return lignes
    descendant = tri.startswith("-")
    avec = [lg for lg in lignes if _cle_de_tri(colonne)(lg)[0] == 0]
    sans = [lg for lg in lignes if _cle_de_tri(colonne)(lg)[0] == 1]
    avec.sort(
        key=lambda lg: (_cle_de_tri(colonne)(lg), lg.departement.code, lg.programme.code), reverse=descendant
    )
    return avec + sans


class FormulaireFiltreNational(FormulaireDsfr):
    pass


def _sans_accents(texte: str) -> str:
    return unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode().lower()


class FiltreNational(django_filters.FilterSet):
    """The dashboard's filters. Applied by ``filtrer`` on the rows (they are not one queryset)."""

    recherche = django_filters.CharFilter(
        label="Département", help_text="Code ou nom, par exemple 59 ou Nord.", max_length=60
    )
    region = django_filters.ModelChoiceFilter(
        label="Région", queryset=Region.objects.order_by("nom"), empty_label="Toutes les régions"
    )
    programme = django_filters.ModelChoiceFilter(
        label="Programme",
        queryset=Programme.objects.order_by("code"),
        to_field_name="code",
        empty_label="Tous",
    )
    statut = django_filters.ChoiceFilter(label="Statut", choices=STATUTS, empty_label="Tous les statuts")
    anomalies = django_filters.BooleanFilter(
        label="Avec anomalies (verdicts bloquants ou alertes)", widget=forms.CheckboxInput
    )
    consommation_min = django_filters.NumberFilter(
        label="Consommation min. (%)", min_value=0, max_value=10000, decimal_places=1
    )
    consommation_max = django_filters.NumberFilter(
        label="Consommation max. (%)", min_value=0, max_value=10000, decimal_places=1
    )
    tri = django_filters.CharFilter(widget=forms.HiddenInput, max_length=40)

    class Meta:
        model = Programmation
        fields = []
        form = FormulaireFiltreNational

    def __init__(self, data=None, *, regions=None, **kwargs):
        super().__init__(data, queryset=Programmation.objects.none(), **kwargs)
        if regions is not None:
            self.filters["region"].queryset = regions
        for nom in ("consommation_min", "consommation_max"):
            self.form.fields[nom].widget.attrs.update({"inputmode": "decimal", "step": "0.1"})


def filtrer(lignes: list[LigneNationale], criteres: dict) -> list[LigneNationale]:
    """The rows that meet the filter form's cleaned data."""
    recherche = _sans_accents((criteres.get("recherche") or "").strip())
    region, programme = criteres.get("region"), criteres.get("programme")
    statut, anomalies = criteres.get("statut"), criteres.get("anomalies")
    minimum, maximum = criteres.get("consommation_min"), criteres.get("consommation_max")
    resultat = []
    for lg in lignes:
        if (
            recherche
            and recherche != _sans_accents(lg.departement.code)
            and recherche not in _sans_accents(lg.departement.nom)
        ):
            continue
        if region is not None and lg.region.pk != region.pk:
            continue
        if programme is not None and lg.programme.pk != programme.pk:
            continue
        if statut and lg.statut != statut:
            continue
        if anomalies and not lg.anomalies:
            continue
        if minimum is not None or maximum is not None:
            taux = lg.consommation
            if taux is None:
                continue
            if minimum is not None and taux * 100 < minimum:
                continue
            if maximum is not None and taux * 100 > maximum:
                continue
        resultat.append(lg)
    return resultat


# --- Totals -------------------------------------------------------------------------------------------------


@dataclass
class Total:
    libelle: str
    enveloppe: Decimal = ZERO
    total_fipd: Decimal = ZERO
    total_formation: Decimal = ZERO
    total_prevention_primaire: Decimal = ZERO
    nb_bloquants: int = 0
    nb_alertes: int = 0
    nb_lignes: int = 0
    par_statut: dict = field(default_factory=dict)

    def ajouter(self, lg: LigneNationale) -> None:
        self.enveloppe += lg.enveloppe or ZERO
        self.total_fipd += lg.total_fipd
        self.total_formation += lg.total_formation
        self.total_prevention_primaire += lg.total_prevention_primaire
        self.nb_bloquants += lg.nb_bloquants
        self.nb_alertes += lg.nb_alertes
        self.nb_lignes += 1
        self.par_statut[lg.statut] = self.par_statut.get(lg.statut, 0) + 1

    @property
    def consommation(self) -> Decimal | None:
        return consommation(self.total_fipd, self.enveloppe)


def totaux(lignes: list[LigneNationale]) -> tuple[list[Total], Total]:
    """(per region, in region order; for France) over the given rows."""
    par_region: dict[int, Total] = {}
    france = Total("France")
    for lg in sorted(lignes, key=lambda lg: lg.region.code):
        par_region.setdefault(lg.region.pk, Total(lg.region.nom)).ajouter(lg)
        france.ajouter(lg)
    return list(par_region.values()), france


# --- Programme D by SNPD axis and measure (issue 11: « the strategy is followed measure by measure ») -------


@dataclass
class LigneMesure:
    """A measure of the strategy (or « sans mesure », ``numero`` None) with its retained FIPD totals."""

    numero: int | None
    axe: int | None
    intitule: str
    france: Decimal = ZERO
    region: Decimal = ZERO
    departement: Decimal = ZERO
    nb_actions: int = 0


@dataclass
class RapportMesures:
    axes: list[tuple[int | None, str, list[LigneMesure], LigneMesure]]  # (axis, label, measures, subtotal)
    total: LigneMesure
    region: Region | None
    departement: Departement | None


def rapport_mesures(user, exercice: Exercice, region: Region | None, departement: Departement | None):
    """Programme D's retained FIPD totals by SNPD axis and measure, for France (the user's scope), a region
    and a department; one query for the sums, whatever the number of actions (summed in Python: SQLite's
    SQL sums of decimals are floats)."""
    from eligibilite.regles.snpd import AXES_SNPD, MESURES_SNPD

    from .models import Action, Decision

    lignes = {m.numero: LigneMesure(m.numero, m.axe, m.intitule) for m in MESURES_SNPD}
    sans = LigneMesure(None, None, "Sans mesure indiquée")
    total = LigneMesure(None, None, "Total du programme D")
    rows = (
        Action.objects.for_user(user)
        .filter(
            programmation__exercice=exercice,
            programmation__programme__code="D",
            decision=Decision.RETENUE,
        )
        .values_list(
            "mesure_snpd",
            "programmation__departement_id",
            "programmation__departement__region_id",
            "montant_fipd",
        )
    )
    for mesure, departement_id, region_id, montant in rows:
        ligne = lignes.get(mesure, sans)
        montant = decimal(montant)
        for cible in (ligne, total):
            cible.france += montant
            cible.nb_actions += 1
            if region is not None and region_id == region.pk:
                cible.region += montant
            if departement is not None and departement_id == departement.pk:
                cible.departement += montant
    axes = []
    for axe, libelle in AXES_SNPD.items():
        mesures = [lg for lg in lignes.values() if lg.axe == axe]
        sous_total = LigneMesure(None, axe, f"Axe {axe}")
        for lg in mesures:
            sous_total.france += lg.france
            sous_total.region += lg.region
            sous_total.departement += lg.departement
            sous_total.nb_actions += lg.nb_actions
        axes.append((axe, libelle, mesures, sous_total))
    axes.append((None, "Actions sans mesure", [sans], sans))
    return RapportMesures(axes, total, region, departement)
