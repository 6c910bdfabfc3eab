"""The training cap of annex §2.2 and the room left under it (DESIGN.md §3.2).

« Le total de ces actions n'excèdera pas 4 000 € ou au maximum 20 % du montant total de la programmation »:
with T the retained FIPD total (training included), F the retained training total, P the floor and s the
share, the cap is max(P, s × T) under the favorable reading and min(P, s × T) under the strict one.
"""

from __future__ import annotations

from decimal import Decimal

from .parametres import LecturePlafond, Parametres

ZERO = Decimal("0")


def plafond_formation(total_fipd: Decimal, p: Parametres) -> Decimal:
    """The exact cap (unrounded), for a retained total ``total_fipd``."""
    part = p.part_formation * total_fipd
    if p.lecture_plafond_formation == LecturePlafond.STRICT:
        return min(p.plancher_formation, part)
    return max(p.plancher_formation, part)


def marge_formation(total_fipd: Decimal, total_formation: Decimal, p: Parametres) -> Decimal:
    """The most one more training euro-amount x can be so that F + x ≤ cap(T + x); never below 0.

    On the share branch F + x ≤ s(T + x) gives x ≤ (sT − F) / (1 − s); on the floor branch x ≤ P − F. The
    favorable reading allows x when either branch does (take the larger), the strict one when both do.
    """
    s = p.part_formation  # 0 ≤ s < 1, held by a database constraint on the exercice's parameters
    branche_part = (s * total_fipd - total_formation) / (1 - s)
    branche_plancher = p.plancher_formation - total_formation
    if p.lecture_plafond_formation == LecturePlafond.STRICT:
        marge = min(branche_part, branche_plancher)
    else:
        marge = max(branche_part, branche_plancher)
    return max(ZERO, marge)
