"""Deployment checks of our own, run by ``manage.py check --deploy`` beside Django's."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

HOTES_LOCAUX = {"127.0.0.1", "localhost", "::1", ""}


@register(Tags.security, deploy=True)
def url_publique(app_configs, **kwargs):
    """The public address is printed with the QR code on every page of a validated version: left at its
    development default, every signed document would point to a machine no one can reach."""
    adresse = urlsplit(settings.FIPD_URL_PUBLIQUE)
    if adresse.hostname in HOTES_LOCAUX or adresse.scheme != "https":
        return [
            Warning(
                f"FIPD_URL_PUBLIQUE vaut {settings.FIPD_URL_PUBLIQUE!r} : les versions validées imprimeraient "
                "cette adresse avec leur code QR de vérification.",
                hint="Donnez l'adresse publique du service en https, par exemple https://fipd.interieur.gouv.fr.",
                id="fipd.W001",
            )
        ]
    return []
