"""Logging as structured lines, each carrying the id of the request it belongs to (shown on error pages, so
that a user can quote it and an administrator find the line).

- ``IdentifiantDeRequete`` (middleware) gives every request an id: the proxy's ``X-Request-ID`` when it is a
  plausible one, else a new one; it is echoed in the response and set for the log records of the request;
- ``AvecRequete`` (filter) puts that id on every record; ``Json`` (formatter) writes one JSON object a line;
- ``SansTraceAttendue`` (filter) drops the traceback of a 403 or a 404: a refusal is not a crash.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

IDENTIFIANT = contextvars.ContextVar("identifiant_de_requete", default="-")
IDENTIFIANT_VALIDE = re.compile(r"[A-Za-z0-9._-]{8,64}")


def nouvel_identifiant() -> str:
    return uuid.uuid4().hex[:16]


class IdentifiantDeRequete:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        propose = request.headers.get("X-Request-ID", "")
        request.identifiant = propose if IDENTIFIANT_VALIDE.fullmatch(propose) else nouvel_identifiant()
        jeton = IDENTIFIANT.set(request.identifiant)
        try:
            reponse = self.get_response(request)
        finally:
            IDENTIFIANT.reset(jeton)
        reponse["X-Request-ID"] = request.identifiant
        return reponse


class AvecRequete(logging.Filter):
    def filter(self, record):
        record.requete = IDENTIFIANT.get()
        return True


class SansTraceAttendue(logging.Filter):
    """A refused or unknown page (403, 404) is logged as one line, without the exception's traceback."""

    def filter(self, record):
        if getattr(record, "status_code", None) in (403, 404, 405):
            record.exc_info = None
            record.exc_text = None
        return True


class Json(logging.Formatter):
    def format(self, record):
        ligne = {
            "horodatage": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "niveau": record.levelname,
            "journal": record.name,
            "requete": getattr(record, "requete", "-"),
            "message": record.getMessage(),
        }
        statut = getattr(record, "status_code", None)
        if statut is not None:
            ligne["statut"] = statut
        if record.exc_info:
            ligne["exception"] = self.formatException(record.exc_info)
        return json.dumps(ligne, ensure_ascii=False)
