"""Ids read from URLs and forms: ASCII digits that fit a database integer, else nothing.

``str.isdigit`` accepts « ² » and « ٣ », which ``int`` refuses or reads as another number, and an id of twenty
digits overflows SQLite's integers: both were 500s. A path converter and a helper keep them out, so an invalid
id is a 404 or a form error everywhere.
"""

import re

from django.urls import register_converter

MOTIF = "[0-9]{1,18}"  # below 2**63 - 1, the largest BIGINT / SQLite INTEGER
_IDENTIFIANT = re.compile(MOTIF)


def identifiant(texte: str) -> int | None:
    """``texte`` as a database id, or ``None`` when it is not one."""
    return int(texte) if _IDENTIFIANT.fullmatch(texte) else None


class Identifiant:
    """The ``<id:…>`` path converter: ``<id:…>`` bounded to what the database can hold."""

    regex = MOTIF

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(Identifiant, "id")
