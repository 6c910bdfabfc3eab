"""The write rule of DESIGN.md §3.4, as a pure decision over verdicts before and after a write.

A write is accepted only when (1) no retained action that it creates or changes has a blocking per-action
verdict, and (2) each blocking programmation-level rule holds afterwards or its excess has not grown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .faits import Verdict
from .format import montant
from .libelles import texte_de_refus

ZERO = Decimal("0")


@dataclass(frozen=True)
class Refus:
    """One reason a write is refused: the verdict, and which action it concerns (None: the programmation)."""

    verdict: Verdict
    reference: str | None = None
    aggravation: Decimal | None = None  # how much a standing excess grew

    @property
    def message(self) -> str:
        suite = ""
        if self.aggravation is not None:
            suite = f"Cette modification l'aggrave de {montant(self.aggravation)}."
        v = self.verdict
        return texte_de_refus(v.regle, v.message, v.source, suite)


def refus_ecriture(
    avant: Iterable[Verdict],
    apres: Iterable[Verdict],
    actions_ecrites: Iterable[tuple[str, bool, Iterable[Verdict]]],
) -> list[Refus]:
    """``avant``/``apres``: programmation-level verdicts; ``actions_ecrites``: (reference, retained?,
    verdicts) of each action the write creates or changes."""
    refus = []
    for reference, retenue, verdicts in actions_ecrites:
        if retenue:
            refus.extend(Refus(v, reference) for v in verdicts if v.bloquant)
    exces_avant = {v.regle: v.exces or ZERO for v in avant if v.bloquant}
    for v in apres:
        if not v.bloquant:
            continue
        precedent = exces_avant.get(v.regle)
        if precedent is None:
            refus.append(Refus(v))
        elif (v.exces or ZERO) > precedent:
            refus.append(Refus(v, aggravation=(v.exces or ZERO) - precedent))
    return refus
