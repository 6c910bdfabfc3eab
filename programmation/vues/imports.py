"""The spreadsheet import page (DESIGN.md §5, §6) and the template download.

``…/import/``: the agent uploads a CSV or XLSX file (size checked before it is read); the page reads it and
shows a preview — every row with its verdicts, what it creates or changes, the porteurs created, the
programmation's totals and caps after the import — or the faulty rows (line, column, French message), and
then nothing can be confirmed. The uploaded file is kept on the server under a random token, for this user's
session only and for an hour, so that the confirmation imports the very file that was previewed (never a
second upload): the confirmation reads it again, recomputes everything under the programmation's lock, and
refuses to write if the programmation changed since the preview (``ImportPerime``). ``…/modele.xlsx``: the
template to fill, with the programme's columns.

Scope: a programmation outside the user's departments is a 404 (``charger_programmation``); one they may read
but not edit (another role, a transmitted or validated programmation, an exercice not open) is a 403 saying why.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path, PurePath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from fipd.acces import exiger_saisie

from ..ecriture.import_ import ImportPerime, importer, lire_fichier_importe, motif_import
from ..forms import FormulaireDsfr
from ..models import Programmation
from ..tableur import message_trop_gros, taille_maximale
from ..tableur.feuille import en_mo
from ..tableur.modele import modele_xlsx
from ..verification import problemes_affiches
from .programmation import charger_programmation, fil_ariane

DUREE_DE_VIE = 3600  # seconds a previewed file is kept for its confirmation
IMPORTS_PAR_SESSION = 5  # previews kept per session (older ones are forgotten)
CLE_SESSION = "imports_tableur"
JETON = re.compile(r"[A-Za-z0-9_-]{32}")
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FormulaireImport(FormulaireDsfr, forms.Form):
    fichier = forms.FileField(
        label="Tableur de la programmation (CSV ou XLSX)",
        allow_empty_file=True,  # the readers say what an empty file lacks
    )

    def __init__(self, *args, trop_gros: bool = False, **kwargs):
        """``trop_gros``: the upload handler stopped receiving the file past the size cap."""
        super().__init__(*args, **kwargs)
        self.trop_gros = trop_gros
        if trop_gros:
            self.fields["fichier"].required = False  # it is absent: say why, not that it is missing
        aide = (
            "Une ligne d'en-tête puis une ligne par action, au format du modèle de tableur ; "
            f"5 000 lignes et {_taille_lisible()} au plus."
        )
        self.fields["fichier"].help_text = self["fichier"].help_text = aide  # the size is a setting
        self.fields["fichier"].widget.attrs.update({"accept": ".csv,.xlsx", "class": "fr-upload"})

    def clean_fichier(self):
        if self.trop_gros:
            raise ValidationError(message_trop_gros())
        fichier = self.cleaned_data["fichier"]
        if fichier.size > taille_maximale():  # before anything is read
            raise ValidationError(message_trop_gros(fichier.size))
        return fichier


def _taille_lisible() -> str:
    return en_mo(taille_maximale())


# --- Keeping the previewed file until its confirmation ------------------------------------------------------


def dossier_imports() -> Path:
    """Where previewed files wait (setting ``FIPD_DOSSIER_IMPORTS``; a folder of the system's temporary
    directory by default)."""
    dossier = getattr(settings, "FIPD_DOSSIER_IMPORTS", "") or os.path.join(
        tempfile.gettempdir(), "fipd-imports"
    )
    chemin = Path(dossier)
    chemin.mkdir(mode=0o700, parents=True, exist_ok=True)
    return chemin


def purger_imports(maintenant: float | None = None) -> None:
    """Deletes the files older than ``DUREE_DE_VIE`` (abandoned previews)."""
    limite = (maintenant or time.time()) - DUREE_DE_VIE
    for chemin in dossier_imports().iterdir():
        try:
            if JETON.fullmatch(chemin.name) and chemin.stat().st_mtime < limite:
                chemin.unlink()
        except FileNotFoundError:
            pass  # deleted by another worker meanwhile


def deposer(request, programmation: Programmation, contenu: bytes, nom: str) -> str:
    """Keeps an uploaded file for this session and programmation; returns its token."""
    purger_imports()
    jeton = secrets.token_urlsafe(24)
    descripteur = os.open(dossier_imports() / jeton, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descripteur, "wb") as fichier:
        fichier.write(contenu)
    depots = request.session.get(CLE_SESSION, {})
    depots[jeton] = {"programmation": programmation.pk, "nom": nom, "depose": time.time()}
    for ancien in sorted(depots, key=lambda j: depots[j]["depose"])[:-IMPORTS_PAR_SESSION]:
        _effacer(ancien)
        del depots[ancien]
    request.session[CLE_SESSION] = depots
    return jeton


def reprendre(request, programmation: Programmation, jeton: str) -> tuple[bytes, str] | None:
    """The file kept under ``jeton`` for this session and programmation, if it has not expired."""
    depot = request.session.get(CLE_SESSION, {}).get(jeton) if JETON.fullmatch(jeton or "") else None
    if depot is None or depot["programmation"] != programmation.pk:
        return None
    if depot["depose"] < time.time() - DUREE_DE_VIE:
        oublier(request, jeton)
        return None
    try:
        contenu = (dossier_imports() / jeton).read_bytes()
    except FileNotFoundError:
        return None
    return contenu, depot["nom"]


def oublier(request, jeton: str) -> None:
    depots = request.session.get(CLE_SESSION, {})
    if depots.pop(jeton, None) is not None:
        request.session[CLE_SESSION] = depots
    _effacer(jeton)


def _effacer(jeton: str) -> None:
    if JETON.fullmatch(jeton):
        try:
            (dossier_imports() / jeton).unlink()
        except FileNotFoundError:
            pass


# --- The pages ---------------------------------------------------------------------------------------------


def _charger(request, annee, departement, programme) -> Programmation:
    p = charger_programmation(request, annee, departement, programme)
    exiger_saisie(request.user, p)
    return p


def _page(request, p: Programmation, **contexte):
    contexte.setdefault("formulaire", FormulaireImport())
    return render(
        request,
        "programmation/import.html",
        {"programmation": p, "breadcrumb_data": fil_ariane(p, "Importer un tableur"), **contexte},
    )


def _apercu(request, p: Programmation, contenu: bytes, nom: str, jeton: str | None = None, **contexte):
    """Reads the file and shows what its import would do (no lock, no write); keeps the file for the
    confirmation when the import can be confirmed."""
    lue = lire_fichier_importe(p, contenu, nom)
    if lue.problemes:
        erreurs = lue.problemes.lignes()
        if jeton:
            oublier(request, jeton)
        return _page(
            request, p, erreurs=problemes_affiches(erreurs), nb_erreurs=len(erreurs), nom=nom, **contexte
        )
    bilan = importer(p, lue.actions, motif=motif_import(nom), colonnes=lue.colonnes, dry_run=True)
    if not bilan.acceptable:
        if jeton:
            oublier(request, jeton)
        jeton = None
    elif jeton is None:
        jeton = deposer(request, p, contenu, nom)
    erreurs = bilan.erreurs
    return _page(
        request,
        p,
        bilan=bilan,
        lignes=bilan.lignes,
        erreurs=problemes_affiches(erreurs),
        nb_erreurs=len(erreurs),
        nom=nom,
        jeton=jeton,
        **contexte,
    )


class PlafondDeTaille(FileUploadHandler):
    """Stops receiving an uploaded file past the size cap, so that nothing beyond it is kept in memory or on
    disk; the view then says the file is too large."""

    def __init__(self, request, plafond: int):
        super().__init__(request)
        self.plafond = plafond
        self.recu = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.recu = 0

    def receive_data_chunk(self, raw_data, start):
        self.recu += len(raw_data)
        if self.recu > self.plafond:
            self.request.fichier_trop_gros = True
            raise SkipFile
        return raw_data  # to the next handler, which keeps it

    def file_complete(self, file_size):
        return None


# The upload handler must be in place before the request's body is read, which the CSRF check does: the
# view is exempted from the middleware's check and protected inside, after the handler (Django's documented
# way, « Modifying upload handlers on the fly »).
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def importer_tableur(request, annee, departement, programme):
    request.upload_handlers.insert(0, PlafondDeTaille(request, taille_maximale()))
    return _importer_tableur(request, annee, departement, programme)


@csrf_protect
def _importer_tableur(request, annee, departement, programme):
    p = _charger(request, annee, departement, programme)
    if request.method == "GET":
        return _page(request, p)
    if "jeton" in request.POST:
        return _confirmer(request, p)
    formulaire = FormulaireImport(
        request.POST, request.FILES, trop_gros=getattr(request, "fichier_trop_gros", False)
    )
    if not formulaire.is_valid():
        return _page(request, p, formulaire=formulaire)
    fichier = formulaire.cleaned_data["fichier"]
    contenu = fichier.read(taille_maximale() + 1)
    if len(contenu) > taille_maximale():
        formulaire.add_error("fichier", message_trop_gros())
        return _page(request, p, formulaire=formulaire)
    return _apercu(request, p, contenu, PurePath(fichier.name).name)


def _confirmer(request, p: Programmation):
    jeton = request.POST.get("jeton", "")
    depot = reprendre(request, p, jeton)
    if depot is None:
        return _page(
            request,
            p,
            expire="L'aperçu a expiré ou a déjà été importé : déposez de nouveau le fichier pour voir un aperçu à "
            "jour.",
        )
    contenu, nom = depot
    lue = lire_fichier_importe(p, contenu, nom)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1  # no version: treated as stale, never as « import over whatever is stored »
    try:
        if lue.problemes:  # the same file: only its database checks can differ (a porteur's type changed)
            raise ImportPerime()
        bilan = importer(
            p,
            lue.actions,
            motif=motif_import(nom),
            auteur=request.user,
            colonnes=lue.colonnes,
            version_attendue=version,
            empreinte_attendue=request.POST.get("empreinte", ""),
        )
    except ImportPerime as e:
        return _apercu(
            request,
            p,
            contenu,
            nom,
            jeton=jeton,
            perime=f"{e.message} L'aperçu ci-dessous est recalculé sur la programmation actuelle : vérifiez-le "
            "avant de confirmer de nouveau.",
        )
    except ValidationError as e:
        oublier(request, jeton)
        raise PermissionDenied(" ".join(e.messages)) from None
    if not bilan.acceptable:  # the lock found what the preview did not: show it
        oublier(request, jeton)
        return _page(
            request,
            p,
            bilan=bilan,
            lignes=bilan.lignes,
            erreurs=problemes_affiches(bilan.erreurs),
            nb_erreurs=len(bilan.erreurs),
            nom=nom,
        )
    oublier(request, jeton)
    messages.success(request, f"Import de « {nom} » terminé : {bilan.resume()}")
    return redirect(p.get_absolute_url())


@login_required
@require_GET
def modele(request, annee, departement, programme):
    """The XLSX template to fill for the programmation's programme (its columns, codes and checks)."""
    p = charger_programmation(request, annee, departement, programme)
    reponse = HttpResponse(modele_xlsx(p.programme.code), content_type=TYPE_XLSX)
    reponse["Content-Disposition"] = f'attachment; filename="modele-programmation-{p.programme.code}.xlsx"'
    return reponse
