"""The pure eligibility module (DESIGN.md §7): standard library only, no Django, no ``programmation``, no
``fipd``.

- ``regles/``: the rules (pure functions over frozen dataclasses), their registry per programme, the dated
  parameters, amounts and their French formatting;
- ``lecture``: the description of an action's fields and the reader that turns any source (JSON, a form's
  cleaned data, a spreadsheet row) into the same ``ActionLue``, then into the facts the rules read.

The Django side (``programmation.ecriture``) gathers the facts from the database, locks, calls the rules and
stores their verdicts.
"""
