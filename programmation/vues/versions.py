"""Validated versions (DESIGN.md §9): their PDFs and signed scans, « Générer de nouveau », the scan's upload,
and the public verification page. Everything but the verification is scoped as the programmation page is."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from fipd.acces import exiger, peut_instruire, peut_transmettre

from ..models import VersionValidee
from ..versions import deposer_scan, relancer, version_verifiee
from .programmation import charger_programmation, page_programmation

logger = logging.getLogger(__name__)
MAGIQUE_PDF = b"%PDF"


def peut_gerer_versions(user, programmation) -> bool:
    """The department's agents and the SG-CIPDR upload the signed scan and ask for a new rendering."""
    return peut_instruire(user) or peut_transmettre(user, programmation)


def _version(request, annee, departement, programme, numero) -> VersionValidee:
    p = charger_programmation(request, annee, departement, programme)
    version = get_object_or_404(VersionValidee.objects.filter(programmation=p), numero=numero)
    version.programmation = p
    return version


def servir_fichier(fichier, nom: str) -> FileResponse:
    reponse = FileResponse(
        fichier.open("rb"), as_attachment=True, filename=nom, content_type="application/pdf"
    )
    reponse["Cache-Control"] = "private, no-store"
    return reponse


@login_required
@require_GET
def version_pdf(request, annee, departement, programme, numero):
    """A ready version's PDF, byte for byte as it was rendered at its validation."""
    version = _version(request, annee, departement, programme, numero)
    if not version.prete:
        raise Http404("Cette version n'est pas encore prête.")
    return servir_fichier(version.fichier, version.fichier.name.rsplit("/", 1)[-1])


@login_required
@require_GET
def version_scan(request, annee, departement, programme, numero):
    version = _version(request, annee, departement, programme, numero)
    if not version.scan:
        raise Http404("Aucun scan signé n'a été déposé pour cette version.")
    return servir_fichier(version.scan, version.scan.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def version_regenerer(request, annee, departement, programme, numero):
    version = _version(request, annee, departement, programme, numero)
    exiger(peut_gerer_versions(request.user, version.programmation))
    try:
        relancer(version)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, f"La version {version.numero} est en cours de génération.")
    return redirect(version.programmation.get_absolute_url() + "#versions")


@login_required
@require_POST
def scan_deposer(request, annee, departement, programme):
    """The signed scan: a PDF (magic bytes), at most FIPD_TAILLE_MAXIMALE_SCAN, checked before it is read."""
    p = charger_programmation(request, annee, departement, programme)
    exiger(peut_gerer_versions(request.user, p))
    erreurs = []
    fichier = request.FILES.get("scan")
    choisie = None
    numero = request.POST.get("version", "").strip()
    if numero:
        if not numero.isdigit():
            erreurs.append("Version validée : choisissez une version de la liste.")
        else:
            choisie = p.versions_validees.filter(numero=int(numero)).first()
            if choisie is None:
                erreurs.append("Version validée : cette version n'existe pas pour cette programmation.")
    if fichier is None:
        erreurs.append("Scan signé : choisissez le fichier PDF du document signé.")
    elif fichier.size > settings.FIPD_TAILLE_MAXIMALE_SCAN:
        limite = settings.FIPD_TAILLE_MAXIMALE_SCAN // (1024 * 1024)
        erreurs.append(
            f"Scan signé : le fichier pèse {fichier.size / (1024 * 1024):.1f} Mo, au-delà de la limite de "
            f"{limite} Mo. Numérisez-le en noir et blanc ou à une résolution plus basse (150 à 200 ppp)."
        )
    elif fichier.read(len(MAGIQUE_PDF)) != MAGIQUE_PDF:
        erreurs.append("Scan signé : le fichier n'est pas un PDF. Déposez le scan au format PDF.")
    if not erreurs:
        fichier.seek(0)
        try:
            version = deposer_scan(p, fichier.read(), choisie, request.user)
        except ValidationError as e:
            erreurs.extend(
                f"{'Scan signé' if champ == 'scan' else 'Version validée'} : {message}"
                for champ, liste in e.message_dict.items()
                for message in liste
            )
        else:
            messages.success(request, f"Le scan signé est joint à la version {version.numero}.")
            return redirect(p.get_absolute_url() + "#versions")
    return page_programmation(
        request, p, status=400, erreurs_scan=erreurs, erreurs=erreurs, titre_erreurs="Scan signé : refusé"
    )


# --- Public verification -----------------------------------------------------------------------------------


def adresse_du_client(request) -> str:
    """The client's address: behind N proxies, the N-th address from the right of X-Forwarded-For."""
    mandataires = settings.AXES_IPWARE_PROXY_COUNT
    transmis = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
    if mandataires and len(transmis) >= mandataires:
        return transmis[-mandataires]
    return request.META.get("REMOTE_ADDR", "")


def trop_de_demandes(request) -> bool:
    """A fixed one-minute window per address, counted in the cache."""
    cle = f"verification:{adresse_du_client(request)}"
    cache.add(cle, 0, timeout=60)
    try:
        nombre = cache.incr(cle)
    except ValueError:  # expired between add and incr
        cache.set(cle, 1, timeout=60)
        nombre = 1
    return nombre > settings.FIPD_VERIFICATIONS_PAR_MINUTE


@require_GET
def verification(request, code):
    """Anyone checks a printed or e-mailed copy: the code of its QR code (or its SHA-256) names a version the
    service issued, or « document non reconnu » (status 404)."""
    if trop_de_demandes(request):
        reponse = render(request, "documents/verification_limite.html", status=429)
        reponse["Retry-After"] = "60"
        return reponse
    version = version_verifiee(code)
    reponse = render(
        request,
        "documents/verification.html",
        {"version": version, "p": version.programmation if version else None},
        status=200 if version else 404,
    )
    reponse["X-Robots-Tag"] = "noindex"
    return reponse
