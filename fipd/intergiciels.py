"""Middleware of the service: no caching of authenticated pages, and a clear French page when the database
is unreachable (instead of a traceback), with the request id to quote."""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

journal = logging.getLogger("fipd.pannes")


class PasDeCachePourLesPagesConnectees:
    """``Cache-Control: no-store`` on every page of a signed-in user: a shared computer's browser, or a proxy,
    must not keep a copy of State budget data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reponse = self.get_response(request)
        utilisateur = getattr(request, "user", None)
        if utilisateur is not None and utilisateur.is_authenticated:
            patch_cache_control(reponse, no_store=True, private=True)
        return reponse


class BaseIndisponible:
    """The database went away (or refused a connection) in the middle of a request: the transaction is rolled
    back by the database, and the user gets a French page saying so (503), not a 500 with a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        journal.error("base de données indisponible : %s", exception, exc_info=exception)
        # Rendered without the request's context processors: they would query the database again.
        page = render_to_string("503.html", {"identifiant": getattr(request, "identifiant", "")})
        return HttpResponse(page, status=503, headers={"Retry-After": "30"})
