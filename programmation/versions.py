"""The validated versions of a programmation (DESIGN.md §9; docs/decisions/010-versions-validees.md).

- ``creer_version``: in the validation's transaction, a version « en cours » with its public code (``jeton``),
  and its rendering queued for after the commit;
- ``generer``: renders the PDF once (with the verification address and its QR code on every page), stores it
  through the default storage with its SHA-256, « prête »; a rendering failure leaves it « échec » (the
  validation stands) and is logged with the request's id;
- ``relancer``: « Générer de nouveau » a failed version;
- ``version_verifiee``: the version a code (jeton or SHA-256) designates, for the public page;
- ``deposer_scan``: the signed scan, attached to the version whose QR code it carries, else the one chosen.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from fipd.journal import IDENTIFIANT

from .models import EtatVersion, Programmation, VersionValidee

logger = logging.getLogger(__name__)
CODE = re.compile(r"[0-9a-f]{32}|[0-9a-f]{64}")
DELAI_RASTERISATION = 30  # seconds for pdftoppm on the scan's first pages
PAGES_LUES = 2  # the scan's pages searched for a QR code


def adresse_de_verification(jeton: str) -> str:
    return settings.FIPD_URL_PUBLIQUE + reverse("verification", kwargs={"code": jeton})


def nouvelle_version(programmation: Programmation) -> VersionValidee:
    """The next version of ``programmation`` (whose row the caller has locked), « en cours », not rendered."""
    dernier = programmation.versions_validees.aggregate(m=Max("numero"))["m"] or 0
    return VersionValidee.objects.create(
        programmation=programmation,
        numero=dernier + 1,
        jeton=secrets.token_hex(16),
        total_fipd=programmation.total_fipd,
    )


def creer_version(programmation: Programmation) -> VersionValidee:
    """The next version of ``programmation`` (whose row the caller has locked), « en cours »; its PDF is
    rendered once the caller's transaction commits (by the queue's worker, or in-process without Redis)."""
    from .taches import generer_version

    version = nouvelle_version(programmation)
    identifiant = IDENTIFIANT.get()
    transaction.on_commit(lambda: generer_version.delay(version.pk, identifiant), robust=True)
    return version


def _nom_de_fichier(version: VersionValidee, programmation: Programmation) -> str:
    from .documents.pdf import nom_de_fichier

    return nom_de_fichier(programmation).removesuffix(".pdf") + f"-version-{version.numero}.pdf"


def generer(version_id: int) -> VersionValidee | None:
    """Renders and stores the version's PDF, unless it is already « prête » (a task run twice renders once)."""
    from .documents.donnees import charger
    from .documents.pdf import rendre_pdf

    version = VersionValidee.objects.filter(pk=version_id).first()
    if version is None or version.prete:
        return version
    try:
        programmation = charger(version.programmation_id)
        contenu = rendre_pdf(programmation, verification=adresse_de_verification(version.jeton))
    except Exception as erreur:  # the validation stands: the page says so and offers to try again
        logger.exception(
            "la version validée %s (programmation %s) n'a pas pu être produite",
            version.pk,
            version.programmation_id,
        )
        VersionValidee.objects.filter(pk=version.pk).exclude(etat=EtatVersion.PRETE).update(
            etat=EtatVersion.ECHEC, erreur=f"{type(erreur).__name__} : {erreur}"[:2000]
        )
        version.refresh_from_db()
        return version
    empreinte = hashlib.sha256(contenu).hexdigest()
    with transaction.atomic():
        version = VersionValidee.objects.select_for_update().get(pk=version_id)
        if version.prete:
            return version
        version.fichier.save(_nom_de_fichier(version, programmation), ContentFile(contenu), save=False)
        version.empreinte = empreinte
        version.etat = EtatVersion.PRETE
        version.erreur = ""
        version.genere_le = timezone.now()
        version.save(update_fields=["fichier", "empreinte", "etat", "erreur", "genere_le"])
    return version


def relancer(version: VersionValidee) -> None:
    """« Générer de nouveau » a version whose rendering failed."""
    from .taches import generer_version

    if not version.relancable:
        raise ValidationError(
            "Seule une version dont la génération a échoué (ou n'a pas abouti en 15 minutes) peut être "
            "générée de nouveau."
        )
    VersionValidee.objects.filter(pk=version.pk).exclude(etat=EtatVersion.PRETE).update(
        etat=EtatVersion.EN_COURS, erreur=""
    )
    identifiant = IDENTIFIANT.get()
    transaction.on_commit(lambda: generer_version.delay(version.pk, identifiant), robust=True)


def version_verifiee(code: str) -> VersionValidee | None:
    """The ready version whose public code or SHA-256 is ``code`` (lower-case hexadecimal), else ``None``."""
    code = (code or "").strip().lower()
    if not CODE.fullmatch(code):
        return None
    champ = "jeton" if len(code) == 32 else "empreinte"
    return (
        VersionValidee.objects.filter(**{champ: code}, etat=EtatVersion.PRETE)
        .select_related("programmation__exercice", "programmation__departement", "programmation__programme")
        .first()
    )


# --- The signed scan ---------------------------------------------------------------------------------------

JETON_DANS_QR = re.compile(r"/verification/([0-9a-f]{32})/?$")


def jetons_lus(contenu: bytes) -> list[str]:
    """The verification codes read from the QR codes of the PDF ``contenu``'s first pages (rasterised by
    pdftoppm at 150 dpi, decoded by zxing-cpp); an unreadable file reads as none."""
    import zxingcpp
    from PIL import Image

    jetons = []
    with tempfile.TemporaryDirectory(prefix="fipd-scan-") as dossier:
        source = Path(dossier) / "scan.pdf"
        source.write_bytes(contenu)
        try:
            subprocess.run(
                [
                    "pdftoppm",
                    "-r",
                    "150",
                    "-f",
                    "1",
                    "-l",
                    str(PAGES_LUES),
                    "-png",
                    str(source),
                    str(Path(dossier) / "page"),
                ],
                check=True,
                capture_output=True,
                timeout=DELAI_RASTERISATION,
            )
        except (subprocess.SubprocessError, OSError):
            logger.warning("le scan déposé n'a pas pu être lu par pdftoppm", exc_info=True)
            return []
        for image in sorted(Path(dossier).glob("page*.png")):
            with Image.open(image) as page:
                for code in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode):
                    trouve = JETON_DANS_QR.search(code.text.strip())
                    if trouve and trouve[1] not in jetons:
                        jetons.append(trouve[1])
    return jetons


def deposer_scan(
    programmation: Programmation, contenu: bytes, choisie: VersionValidee | None, auteur
) -> VersionValidee:
    """Attaches the signed scan ``contenu`` (a PDF, already checked) to the version of ``programmation`` whose
    QR code it carries, else to ``choisie``. Raises ``ValidationError`` (French, on the field) otherwise."""
    jetons = jetons_lus(contenu)
    version = None
    if jetons:
        connues = {v.jeton: v for v in VersionValidee.objects.filter(jeton__in=jetons)}
        siennes = [v for j in jetons if (v := connues.get(j)) and v.programmation_id == programmation.pk]
        if not siennes:
            raise ValidationError(
                {
                    "scan": "Le code QR de ce document n'est pas celui d'une version de cette programmation : "
                    "vérifiez que vous déposez le bon scan."
                }
            )
        version = siennes[0]
    elif choisie is None:
        raise ValidationError(
            {"version": "Aucun code QR lisible dans ce scan : choisissez la version validée qu'il signe."}
        )
    else:
        version = choisie
    with transaction.atomic():
        version = VersionValidee.objects.select_for_update().get(pk=version.pk)
        ancien = version.scan.name
        version.scan.save(f"scan-signe-version-{version.numero}.pdf", ContentFile(contenu), save=False)
        version.scan_depose_le = timezone.now()
        version.scan_depose_par = auteur
        version.save(update_fields=["scan", "scan_depose_le", "scan_depose_par"])
    if ancien and ancien != version.scan.name:
        version.scan.storage.delete(ancien)
    return version
