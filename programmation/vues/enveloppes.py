"""Envelopes (DESIGN.md §1, §2, §6): a year's initial allocations in one table (or one XLSX upload), each
envelope's dated movements, the regional split with what is left to split, and the follow-up cell flags.

Who sees what: the SG-CIPDR every programme, region and department; a regional agent the regionally managed
programmes of their region, whose departmental envelopes they split; anyone else gets a 404 (the page's
existence is not disclosed). Writes go through ``programmation.ecriture.enveloppes`` (locks, all or nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eligibilite.regles import montant
from eligibilite.regles.montants import MontantIllisible, lire_montant
from fipd.acces import exiger, peut_doter, peut_gerer_campagnes, peut_voir_enveloppes
from fipd.forms import FormulaireDsfr

from ..documents.classeurs import ClasseurInvalide, lire_classeur, reponse_xlsx
from ..ecriture.enveloppes import Dotation, fixer_dotations
from ..historique import historique_mouvements
from ..models import (
    CelluleSuivi,
    Departement,
    Enveloppe,
    Exercice,
    MouvementEnveloppe,
    NatureMouvement,
    Programmation,
    Programme,
    Region,
)
from ..textes import accorder, compter

ZERO = Decimal("0.00")
NIVEAUX = {"region": "Région", "departement": "Département"}
TAILLE_MAXIMALE_CLASSEUR = 2 * 1024 * 1024  # the table is 120 lines: 2 MB is generous
ENTETES_CLASSEUR = ("Niveau", "Code", "Territoire")


# --- Scope ----------------------------------------------------------------------------------------------


def charger_exercice(request, annee: int) -> Exercice:
    """The exercice, for users who see envelope pages; anyone else gets a 404."""
    if not peut_voir_enveloppes(request.user):
        raise Http404
    return get_object_or_404(Exercice, annee=annee)


def programmes_visibles(user) -> list[Programme]:
    programmes = Programme.objects.order_by("code")
    if not user.est_national:
        programmes = programmes.filter(gestion_regionale=True)
    return list(programmes)


def regions_visibles(user) -> list[Region]:
    regions = Region.objects.order_by("code")
    return list(regions if user.est_national else regions.filter(pk=user.region_id))


def departements_visibles(user) -> list[Departement]:
    departements = Departement.objects.select_related("region").order_by("code")
    if not user.est_national:
        departements = departements.filter(region_id=user.region_id)
    return list(departements)


# --- The year's table -----------------------------------------------------------------------------------


@dataclass
class Case:
    """One envelope of the table: a programme's, for a region or a department."""

    programme: Programme
    applicable: bool  # a region has no envelope for a centrally managed programme
    modifiable: bool  # the user may set it
    nom: str = ""  # the input's name
    initiale: Decimal | None = None
    total: Decimal | None = None  # the envelope: initial allocation plus complements minus withdrawals
    reparti: Decimal = ZERO  # regions: what the departments have received
    retenu: Decimal | None = None  # departments: the programmation's retained total
    saisie: str = ""  # what the user typed (re-shown with an error)
    erreur: str = ""

    @property
    def reste(self) -> Decimal:
        """Regions: what is left to split."""
        return (self.total or ZERO) - self.reparti

    @property
    def depassee(self) -> bool:
        return self.retenu is not None and self.retenu > (self.total or ZERO)


@dataclass
class LigneTable:
    niveau: str  # "region" or "departement"
    territoire: Region | Departement
    cases: list[Case] = field(default_factory=list)
    cellule_active: bool = True
    dotation_sans_cellule: bool = False

    @property
    def code(self) -> str:
        return self.territoire.code

    @property
    def libelle(self) -> str:
        if self.niveau == "region":
            return self.territoire.nom
        return f"{self.territoire.code} – {self.territoire.nom}"


def nom_case(niveau: str, code: str, programme: str) -> str:
    return f"d-{niveau}-{code}-{programme}"


def table_des_dotations(user, exercice: Exercice) -> list[LigneTable]:
    """Every region of the user's scope followed by its departments, one case per programme; a constant
    number of queries."""
    programmes = programmes_visibles(user)
    regions = regions_visibles(user)
    departements = departements_visibles(user)
    modifiable = not exercice.cloture
    enveloppes = {}
    for e in Enveloppe.objects.filter(exercice=exercice, programme__in=programmes).annotate(
        initiale=Sum("mouvements__montant", filter=Q(mouvements__nature=NatureMouvement.INITIALE))
    ):
        enveloppes[
            (e.programme_id, "region" if e.region_id else "departement", e.region_id or e.departement_id)
        ] = e
    retenus = dict(
        ((p, d), t)
        for p, d, t in Programmation.objects.filter(exercice=exercice).values_list(
            "programme_id", "departement_id", "total_fipd"
        )
    )
    inactives = set(
        CelluleSuivi.objects.filter(exercice=exercice, active=False).values_list("departement_id", flat=True)
    )

    def case(programme, niveau, territoire, region_id, departement=None):
        applicable = niveau == "departement" or programme.gestion_regionale
        e = enveloppes.get((programme.pk, niveau, territoire.pk))
        c = Case(
            programme=programme,
            applicable=applicable,
            modifiable=applicable
            and modifiable
            and peut_doter(user, programme, region_id, departement if niveau == "departement" else None),
            nom=nom_case(niveau, territoire.code, programme.code),
            initiale=e.initiale if e else None,
            total=e.montant if e else None,
        )
        if niveau == "departement":
            c.retenu = retenus.get((programme.pk, territoire.pk))
        return c

    lignes = []
    par_region = {}
    for region in regions:
        ligne = LigneTable("region", region, [case(p, "region", region, region.pk) for p in programmes])
        par_region[region.pk] = ligne
        lignes.append(ligne)
        for departement in (d for d in departements if d.region_id == region.pk):
            ld = LigneTable(
                "departement",
                departement,
                [case(p, "departement", departement, region.pk, departement) for p in programmes],
                cellule_active=departement.pk not in inactives,
            )
            for c, cr in zip(ld.cases, ligne.cases, strict=True):
                cr.reparti += c.total or ZERO
            ld.dotation_sans_cellule = not ld.cellule_active and any(
                c.programme.code == "R" and c.initiale for c in ld.cases
            )
            lignes.append(ld)
    return lignes


def lire_case(texte: str) -> Decimal | None:
    """An initial allocation typed in the table or a spreadsheet cell: empty (none) or an amount."""
    if texte is None or (isinstance(texte, str) and not texte.strip()):
        return None
    return lire_montant(texte)


def dotations_saisies(lignes: list[LigneTable], valeurs: dict[str, object]) -> tuple[list[Dotation], int]:
    """The changed initial allocations among ``valeurs`` (input name → raw value); errors are set on the
    cases. Returns (dotations, number of errors)."""
    dotations, nb_erreurs = [], 0
    for ligne in lignes:
        for c in ligne.cases:
            if c.nom not in valeurs:
                continue
            brut = valeurs[c.nom]
            c.saisie = "" if brut is None else str(brut)
            if not c.modifiable:
                if brut not in (None, "") and lire_silencieux(brut) != (c.initiale or None):
                    c.erreur = "Vous ne pouvez pas fixer cette enveloppe."
                    nb_erreurs += 1
                continue
            try:
                valeur = lire_case(brut)
            except MontantIllisible as e:
                c.erreur = str(e)[:1].upper() + str(e)[1:]
                nb_erreurs += 1
                continue
            if (valeur or ZERO) == (c.initiale or ZERO):
                continue
            niveau = {"region": "region", "departement": "departement"}[ligne.niveau]
            dotations.append(Dotation(c.programme, valeur, **{niveau: ligne.territoire}))
    return dotations, nb_erreurs


ILLISIBLE = object()  # never equal to an amount


def lire_silencieux(brut) -> Decimal | None | object:
    try:
        return lire_case(brut)
    except MontantIllisible:
        return ILLISIBLE


class FormulaireDotations(FormulaireDsfr):
    date = forms.DateField(
        label="Date des dotations",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    motif = forms.CharField(label="Motif", max_length=300)


class FormulaireImportDotations(FormulaireDotations):
    fichier = forms.FileField(
        label="Tableau des dotations (XLSX)",
        help_text="Le tableau téléchargé depuis cette page, complété : une ligne par région ou département, une "
        "colonne par programme. 2 Mo au plus.",
    )


def _initial_formulaire(exercice: Exercice) -> dict:
    return {"date": timezone.localdate(), "motif": f"Dotation initiale {exercice.annee}"}


def _contexte_table(request, exercice, lignes, **extra) -> dict:
    user = request.user
    programmes = programmes_visibles(user)
    return {
        "title": f"Enveloppes {exercice.annee}",
        "exercice": exercice,
        "programmes": programmes,
        "lignes": lignes,
        "modifiable": not exercice.cloture and any(c.modifiable for lg in lignes for c in lg.cases),
        "gere_cellules": peut_gerer_campagnes(user) and not exercice.cloture,
        "formulaire": extra.pop("formulaire", None)
        or FormulaireDotations(initial=_initial_formulaire(exercice)),
        "formulaire_import": extra.pop("formulaire_import", None)
        or FormulaireImportDotations(initial=_initial_formulaire(exercice)),
        "exercices": Exercice.objects.order_by("-annee"),
        "programmes_totaux": list(zip(programmes, totaux_par_programme(lignes, programmes), strict=True)),
        **extra,
    }


def totaux_par_programme(lignes: list[LigneTable], programmes: list[Programme]) -> list[Decimal]:
    """What is delegated per programme: the regional envelopes of a regionally managed programme, the
    departmental ones of a centrally managed one."""
    totaux = []
    for i, p in enumerate(programmes):
        niveau = "region" if p.gestion_regionale else "departement"
        totaux.append(sum((lg.cases[i].total or ZERO for lg in lignes if lg.niveau == niveau), ZERO))
    return totaux


@login_required
@require_GET
def enveloppes(request, annee: int):
    exercice = charger_exercice(request, annee)
    return render(
        request,
        "enveloppes/enveloppes.html",
        _contexte_table(request, exercice, table_des_dotations(request.user, exercice)),
    )


def _appliquer(request, exercice, lignes, dotations, formulaire, **extra):
    """Writes the dotations, all or nothing; on refusal, the page again with the reason."""
    try:
        fixer_dotations(
            exercice, dotations, formulaire.cleaned_data["date"], formulaire.cleaned_data["motif"]
        )
    except ValidationError as e:
        return render(
            request,
            "enveloppes/enveloppes.html",
            _contexte_table(request, exercice, lignes, erreurs=e.messages, **extra),
            status=200,
        )
    n = len(dotations)
    messages.success(
        request,
        f"{compter(n, 'enveloppe')} {accorder(n, 'mise')} à jour ; les verdicts des programmations concernées "
        "sont recalculés."
        if n
        else "Aucune dotation n'a changé.",
    )
    return redirect(reverse("enveloppes", args=[exercice.annee]))


@login_required
@require_POST
def dotations(request, annee: int):
    """The table's form: every changed initial allocation, all or nothing."""
    exercice = charger_exercice(request, annee)
    lignes = table_des_dotations(request.user, exercice)
    exiger(any(c.modifiable for lg in lignes for c in lg.cases), _refus_enveloppes(exercice))
    formulaire = FormulaireDotations(request.POST)
    dotations_, nb_erreurs = dotations_saisies(
        lignes, {k: v for k, v in request.POST.items() if k.startswith("d-")}
    )
    if not formulaire.is_valid() or nb_erreurs:
        erreurs = (
            [f"{compter(nb_erreurs, 'montant')} à corriger : rien n'a été enregistré."] if nb_erreurs else []
        )
        return render(
            request,
            "enveloppes/enveloppes.html",
            _contexte_table(request, exercice, lignes, formulaire=formulaire, erreurs=erreurs),
        )
    return _appliquer(request, exercice, lignes, dotations_, formulaire)


def _refus_enveloppes(exercice: Exercice) -> str:
    if exercice.cloture:
        return f"L'exercice {exercice.annee} est clôturé : ses enveloppes sont en lecture seule."
    return "Vous ne pouvez fixer aucune de ces enveloppes."


# --- The same table as XLSX ------------------------------------------------------------------------------


@login_required
@require_GET
def dotations_xlsx(request, annee: int):
    """The table of initial allocations as a spreadsheet to fill and upload back."""
    exercice = charger_exercice(request, annee)
    lignes = table_des_dotations(request.user, exercice)
    programmes = programmes_visibles(request.user)
    entetes = [*ENTETES_CLASSEUR, *(p.code for p in programmes)]
    rangees = []
    for ligne in lignes:
        rangees.append(
            [
                NIVEAUX[ligne.niveau],
                ligne.code,
                ligne.territoire.nom,
                *(c.initiale if c.applicable else None for c in ligne.cases),
            ]
        )
    return reponse_xlsx(
        f"dotations-{exercice.annee}.xlsx",
        "Dotations initiales",
        entetes,
        rangees,
        colonnes_montants=range(len(ENTETES_CLASSEUR), len(entetes)),
        largeurs=[14, 8, 34, *([16] * len(programmes))],
    )


@login_required
@require_POST
def dotations_import(request, annee: int):
    """The XLSX upload of the table: every faulty line reported with its line number, column and a French
    message; then nothing is written."""
    exercice = charger_exercice(request, annee)
    lignes = table_des_dotations(request.user, exercice)
    exiger(any(c.modifiable for lg in lignes for c in lg.cases), _refus_enveloppes(exercice))
    formulaire = FormulaireImportDotations(request.POST, request.FILES)
    if not formulaire.is_valid():
        return render(
            request,
            "enveloppes/enveloppes.html",
            _contexte_table(request, exercice, lignes, formulaire_import=formulaire),
        )
    try:
        valeurs, problemes = valeurs_du_classeur(formulaire.cleaned_data["fichier"], lignes, request.user)
    except ClasseurInvalide as e:
        valeurs, problemes = {}, [str(e)]
    if not problemes:
        dotations_, _ = dotations_saisies(lignes, valeurs)
        return _appliquer(request, exercice, lignes, dotations_, formulaire, formulaire_import=formulaire)
    return render(
        request,
        "enveloppes/enveloppes.html",
        _contexte_table(
            request,
            exercice,
            table_des_dotations(request.user, exercice),
            formulaire_import=formulaire,
            erreurs_import=problemes[:200],
            nb_erreurs_import=len(problemes),
        ),
    )


def valeurs_du_classeur(fichier, lignes: list[LigneTable], user) -> tuple[dict, list[str]]:
    """Reads the uploaded table: (input name → amount, problems). A line is found by its level and code;
    an unknown level or territory, one out of the user's scope or given twice, an unknown programme column,
    an unreadable amount or a value in a case that does not apply is a problem of that line and column."""
    entetes, rangees = lire_classeur(fichier, TAILLE_MAXIMALE_CLASSEUR)
    normalises = [str(e or "").strip() for e in entetes]
    manquants = [e for e in ENTETES_CLASSEUR if e not in normalises]
    if manquants:
        raise ClasseurInvalide(
            f"La première ligne doit porter les en-têtes {', '.join(ENTETES_CLASSEUR)} puis un code de programme "
            f"par colonne ; il manque : {', '.join(manquants)}."
        )
    problemes = []
    programmes = {p.code: p for p in programmes_visibles(user)}
    colonnes = {}
    for i, entete in enumerate(normalises):
        if entete in ENTETES_CLASSEUR or not entete:
            continue
        if entete.upper() not in programmes:
            problemes.append(
                f"Ligne 1, colonne « {entete} » : programme inconnu ou hors de votre périmètre "
                f"(programmes admis : {', '.join(programmes)})."
            )
        else:
            colonnes[i] = programmes[entete.upper()]
    index = {(lg.niveau, lg.code): lg for lg in lignes}
    niveaux = {v.lower(): k for k, v in NIVEAUX.items()}
    i_niveau, i_code = normalises.index("Niveau"), normalises.index("Code")
    valeurs: dict[str, object] = {}
    vues: dict[tuple[str, str], int] = {}
    for numero, rangee in rangees:
        niveau = niveaux.get(str(rangee[i_niveau] or "").strip().lower())
        if niveau is None:
            problemes.append(
                f"Ligne {numero}, colonne « Niveau » : « Région » ou « Département » est attendu."
            )
            continue
        code = str(rangee[i_code] or "").strip()
        code = code.zfill(2) if code.isdigit() and len(code) == 1 else code
        nom = "région" if niveau == "region" else "département"
        if (niveau, code) in vues:
            problemes.append(
                f"Ligne {numero}, colonne « Code » : {nom} « {code} » déjà donné{'e' if niveau == 'region' else ''} ligne {vues[(niveau, code)]}."
            )
            continue
        ligne = index.get((niveau, code))
        if ligne is None:
            inconnu = "inconnue" if niveau == "region" else "inconnu"
            problemes.append(
                f"Ligne {numero}, colonne « Code » : {nom} « {code} » {inconnu} ou hors de votre périmètre."
            )
            continue
        vues[(niveau, code)] = numero
        for i, programme in colonnes.items():
            c = next(c for c in ligne.cases if c.programme.pk == programme.pk)
            valeur = rangee[i] if i < len(rangee) else None
            if not c.applicable or not c.modifiable:
                if valeur not in (None, "") and lire_silencieux(valeur) != (c.initiale or None):
                    raison = (
                        f"le programme {programme.code} est géré au niveau central : une région n'a pas "
                        "d'enveloppe ; laissez la case vide."
                        if not c.applicable
                        else "vous ne pouvez pas fixer cette enveloppe."
                    )
                    problemes.append(f"Ligne {numero}, colonne « {programme.code} » : {raison}")
                continue
            try:
                lire_case(valeur)
            except MontantIllisible as e:
                problemes.append(f"Ligne {numero}, colonne « {programme.code} » : {e}")
                continue
            valeurs[c.nom] = valeur
    return valeurs, problemes


# --- Follow-up cells -------------------------------------------------------------------------------------


@login_required
@require_POST
def cellules(request, annee: int):
    """The « cellule de suivi active » flags of the year (SG-CIPDR): each change recomputes the verdicts of
    that department's programmations (DOTATION_SANS_CELLULE)."""
    exercice = charger_exercice(request, annee)
    exiger(peut_gerer_campagnes(request.user), "Seul le SG-CIPDR déclare les cellules de suivi actives.")
    exiger(not exercice.cloture, _refus_enveloppes(exercice))
    actives = set(request.POST.getlist("actives"))
    existantes = {c.departement_id: c for c in CelluleSuivi.objects.filter(exercice=exercice)}
    changees = 0
    with transaction.atomic():
        for departement in Departement.objects.order_by("code"):
            voulue = departement.code in actives
            cellule = existantes.get(departement.pk)
            actuelle = cellule.active if cellule else True
            if voulue == actuelle:
                continue
            cellule = cellule or CelluleSuivi(departement=departement, exercice=exercice)
            cellule.active = voulue
            cellule.save()
            changees += 1
    messages.success(
        request,
        f"{compter(changees, 'cellule')} de suivi {accorder(changees, 'mise')} à jour."
        if changees
        else "Aucune cellule de suivi n'a changé.",
    )
    return redirect(reverse("enveloppes", args=[annee]) + "#cellules")


# --- One envelope: its movements, and a region's split ----------------------------------------------------


class FormulaireMouvement(FormulaireDsfr):
    nature = forms.ChoiceField(label="Nature", choices=NatureMouvement.choices)
    date = forms.DateField(
        label="Date",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    montant = forms.CharField(label="Montant", help_text="En euros, par exemple 12 500,00.", max_length=40)
    motif = forms.CharField(
        label="Motif", max_length=300, help_text="Par exemple : complément de fin de gestion."
    )

    def __init__(self, *args, avec_initiale: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not avec_initiale:
            self.fields["nature"].choices = [
                c for c in NatureMouvement.choices if c[0] != NatureMouvement.INITIALE
            ]

    def clean_montant(self):
        try:
            valeur = lire_montant(self.cleaned_data["montant"])
        except MontantIllisible as e:
            raise ValidationError(str(e)[:1].upper() + str(e)[1:]) from None
        if valeur <= 0:
            raise ValidationError(
                "Le montant d'un mouvement doit être positif (un retrait se choisit dans « Nature »)."
            )
        return valeur


def _beneficiaire(niveau: str, code: str, user):
    if niveau == "region":
        return get_object_or_404(
            Region.objects.filter(pk__in=[r.pk for r in regions_visibles(user)]), code=code
        )
    if niveau == "departement":
        return get_object_or_404(
            Departement.objects.filter(pk__in=[d.pk for d in departements_visibles(user)]), code=code
        )
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def enveloppe(request, annee: int, programme: str, niveau: str, code: str):
    exercice = charger_exercice(request, annee)
    prog = get_object_or_404(
        Programme.objects.filter(pk__in=[p.pk for p in programmes_visibles(request.user)]), code=programme
    )
    territoire = _beneficiaire(niveau, code, request.user)
    if niveau == "region" and not prog.gestion_regionale:
        raise Http404("Ce programme est géré au niveau central : il n'a pas d'enveloppe régionale.")
    filtre = {"region": territoire} if niveau == "region" else {"departement": territoire}
    env = Enveloppe.objects.filter(exercice=exercice, programme=prog, **filtre).first()
    region_id = territoire.pk if niveau == "region" else territoire.region_id
    modifiable = not exercice.cloture and peut_doter(
        request.user, prog, region_id, territoire if niveau == "departement" else None
    )
    mouvements = list(env.mouvements.all()) if env else []
    avec_initiale = not any(m.nature == NatureMouvement.INITIALE for m in mouvements)
    formulaire = FormulaireMouvement(
        request.POST if request.method == "POST" and "mouvement" in request.POST else None,
        avec_initiale=avec_initiale,
        initial={"date": timezone.localdate(), "nature": "initiale" if avec_initiale else "complement"},
    )
    if request.method == "POST" and "mouvement" in request.POST:
        exiger(
            modifiable,
            _refus_enveloppes(exercice)
            if exercice.cloture
            else "Vous ne pouvez pas modifier cette enveloppe.",
        )
        if formulaire.is_valid():
            d = formulaire.cleaned_data
            try:
                with transaction.atomic():
                    cible, _ = Enveloppe.objects.get_or_create(exercice=exercice, programme=prog, **filtre)
                    MouvementEnveloppe(
                        enveloppe=cible,
                        date=d["date"],
                        nature=d["nature"],
                        montant=d["montant"],
                        motif=d["motif"],
                    ).save()
            except ValidationError as e:
                for champ, erreurs in (
                    e.error_dict if hasattr(e, "error_dict") else {None: e.error_list}
                ).items():
                    formulaire.add_error(champ if champ in formulaire.fields else None, erreurs)
            else:
                messages.success(
                    request,
                    f"Mouvement enregistré : {dict(NatureMouvement.choices)[d['nature']].lower()} de "
                    f"{montant(d['montant'])}. Les verdicts de la programmation sont recalculés.",
                )
                return redirect(request.path)
    contexte = {
        "title": f"Enveloppe {prog.code} {exercice.annee} – {territoire}",
        "exercice": exercice,
        "programme": prog,
        "niveau": niveau,
        "territoire": territoire,
        "enveloppe": env,
        "mouvements": mouvements,
        "historique": historique_mouvements(env.pk if env else None),
        "formulaire": formulaire if modifiable else None,
        "breadcrumb_data": {
            "links": [{"url": reverse("enveloppes", args=[annee]), "title": f"Enveloppes {annee}"}],
            "current": f"{prog.code} – {territoire}",
        },
    }
    if niveau == "region":
        repartition = _repartition(request, exercice, prog, territoire)
        if repartition.pop("reponse", None) is not None:
            return redirect(request.path)
        contexte |= repartition
    else:
        contexte["programmation"] = (
            Programmation.objects.filter(exercice=exercice, programme=prog, departement=territoire)
            .select_related("exercice", "departement", "programme")
            .first()
        )
    return render(request, "enveloppes/enveloppe.html", contexte)


def _repartition(request, exercice, programme, region) -> dict:
    """A region's departments, their envelopes and what is left to split; the split form (initial
    allocations of the departmental envelopes, all or nothing)."""
    table = table_des_dotations(request.user, exercice)
    ligne_region = next(lg for lg in table if lg.niveau == "region" and lg.territoire.pk == region.pk)
    lignes = [lg for lg in table if lg.niveau == "departement" and lg.territoire.region_id == region.pk]
    cases = [next(c for c in lg.cases if c.programme.pk == programme.pk) for lg in lignes]
    case_region = next(c for c in ligne_region.cases if c.programme.pk == programme.pk)
    modifiable = any(c.modifiable for c in cases)
    formulaire = FormulaireDotations(
        request.POST if request.method == "POST" and "repartir" in request.POST else None,
        initial={
            "date": timezone.localdate(),
            "motif": f"Répartition de l'enveloppe régionale {exercice.annee}",
        },
    )
    resultat = {
        "repartition": list(zip(lignes, cases, strict=True)),
        "case_region": case_region,
        "formulaire_repartition": formulaire if modifiable else None,
    }
    if request.method == "POST" and "repartir" in request.POST:
        exiger(modifiable, _refus_enveloppes(exercice))
        valeurs = {c.nom: request.POST.get(c.nom) for c in cases if c.nom in request.POST}
        sous_table = [
            LigneTable(lg.niveau, lg.territoire, [c], lg.cellule_active)
            for lg, c in zip(lignes, cases, strict=True)
        ]
        dotations_, nb_erreurs = dotations_saisies(sous_table, valeurs)
        if formulaire.is_valid() and not nb_erreurs:
            try:
                fixer_dotations(
                    exercice, dotations_, formulaire.cleaned_data["date"], formulaire.cleaned_data["motif"]
                )
            except ValidationError as e:
                resultat["erreurs_repartition"] = e.messages
            else:
                n = len(dotations_)
                messages.success(
                    request,
                    f"Répartition enregistrée : {compter(n, 'enveloppe départementale', 'enveloppes départementales')} "
                    f"{accorder(n, 'modifiée')}.",
                )
                resultat["reponse"] = True
        elif nb_erreurs:
            resultat["erreurs_repartition"] = [
                f"{compter(nb_erreurs, 'montant')} à corriger : rien n'a été enregistré."
            ]
    return resultat
