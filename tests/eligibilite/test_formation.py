"""The training cap of DESIGN.md §3.2 (annex §2.2) and the room left under it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibilite.regles import (
    FaitsAction,
    LecturePlafond,
    Niveau,
    arrondi_inferieur,
    marge_formation,
    montant,
    parametres_annexe_2018,
    plafond_formation,
    registre,
)

from .builders import EXERCICES, D, assert_french, cents, lignes, programmation, seul_verdict

PROPRIETES = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(params=EXERCICES, ids=str)
def p(request):
    return parametres_annexe_2018(request.param)


def strict(p):
    return p.avec(lecture_plafond_formation=LecturePlafond.STRICT)


def verdict_formation(total: Decimal, formation: Decimal, p, categorie: str = "formation"):
    f = programmation(lignes(total, formation, categorie), annee=p.annee)
    return seul_verdict(registre("R").verdicts_programmation(f, p), "FORMATION_PLAFOND")


def test_the_default_reading_is_favorable(p):
    assert p.lecture_plafond_formation is LecturePlafond.FAVORABLE


# The cap itself --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "total, favorable, stricte",
    [
        ("0.00", "4000.00", "0.00"),
        ("10000.00", "4000.00", "2000.00"),
        ("19999.99", "4000.00", "3999.998"),
        ("20000.00", "4000.00", "4000.00"),
        ("20000.05", "4000.01", "4000.00"),
        ("60000.00", "12000.00", "4000.00"),
        ("12345.67", "4000.00", "2469.134"),
        ("123456.78", "24691.356", "4000.00"),
    ],
)
def test_the_cap_is_the_larger_of_floor_and_share_under_favorable_and_the_smaller_under_strict(
    p, total, favorable, stricte
):
    assert plafond_formation(D(total), p) == D(favorable)
    assert plafond_formation(D(total), strict(p)) == D(stricte)


# FORMATION_PLAFOND, one cent either side of each branch ------------------------------------------------


@pytest.mark.parametrize(
    "lecture, total, formation",
    [
        ("favorable", "10000.00", "4000.00"),  # floor branch: 20 % is 2 000
        ("favorable", "60000.00", "12000.00"),  # share branch: 20 % is 12 000
        ("favorable", "20000.00", "4000.00"),  # both branches meet
        ("favorable", "5000.00", "4000.00"),  # floor branch, most of the total is training
        ("favorable", "20000.05", "4000.01"),  # share 4 000,01 just above the floor
        ("strict", "10000.00", "2000.00"),  # share branch (the smaller)
        ("strict", "60000.00", "4000.00"),  # floor branch (the smaller)
        ("strict", "20000.00", "4000.00"),
    ],
)
@pytest.mark.parametrize("categorie", ["formation", "accompagnement_equipes"])
def test_training_at_the_cap_passes_and_one_cent_more_is_blocking(p, lecture, total, formation, categorie):
    if lecture == "strict":
        p = strict(p)
    assert verdict_formation(D(total), D(formation), p, categorie) is None

    plus_un_centime = D(formation) + D("0.01")
    v = verdict_formation(D(total), plus_un_centime, p, categorie)
    assert v is not None
    assert (v.regle, v.niveau, v.champ) == ("FORMATION_PLAFOND", Niveau.BLOQUANT, "montant_fipd")
    assert "§2.2" in v.source
    assert v.exces == D("0.01")
    assert_french(v.message)
    assert montant(plus_un_centime) in v.message
    assert montant(D(formation)) in v.message  # the cap
    assert montant(D(total)) in v.message
    assert f"dépassent de {montant(D('0.01'))}" in v.message
    assert f"lecture {'stricte' if lecture == 'strict' else 'favorable'}" in v.message
    assert montant(D("4000.00")) in v.message and "20\u202f%" in v.message
    # The annex's cap moves with the other actions, and the refusal says so (DESIGN.md §3.2).
    assert "retirer ou réduire une autre action" in v.message


def test_training_over_an_unrounded_cap_by_less_than_a_cent_is_blocking(p):
    # T = 20 000,03 gives a share of 4 000,006: the cap is shown as 4 000,00 € (rounded down).
    v = verdict_formation(D("20000.03"), D("4000.01"), p)
    assert v is not None
    assert v.exces == D("0.004")
    assert "moins d'un centime" in v.message
    assert montant(D("4000.00")) in v.message


@pytest.mark.parametrize("lecture", list(LecturePlafond))
@pytest.mark.parametrize(
    "total, formation",
    [("10000.00", "4000.01"), ("60000.00", "12000.01"), ("60000.00", "60000.00"), ("1000.00", "1000.00")],
)
def test_the_excess_is_training_minus_cap(p, lecture, total, formation):
    p = p.avec(lecture_plafond_formation=lecture)
    cap = plafond_formation(D(total), p)
    v = verdict_formation(D(total), D(formation), p)
    if D(formation) <= cap:
        assert v is None
    else:
        assert v.exces == D(formation) - cap


def test_only_retained_training_and_team_support_count_towards_the_cap(p):
    grosses = [
        FaitsAction(reference=f"A{i}", categorie=c, cout_total=D("50000.00"), montant_fipd=D("50000.00"))
        for i, c in enumerate(
            ["insertion", "sante_mentale", "prevention_primaire", "action_nationale", "autre"]
        )
    ]
    non_retenue = FaitsAction(
        reference="F0",
        categorie="formation",
        cout_total=D("90000.00"),
        montant_fipd=D("90000.00"),
        retenue=False,
    )
    f = programmation(annee=p.annee)
    rapport = registre("R").evaluer(f, [*grosses, non_retenue], p)
    assert rapport.totaux.total_formation == 0
    assert seul_verdict(rapport.verdicts_programmation, "FORMATION_PLAFOND") is None

    formation = FaitsAction(
        reference="F1", categorie="formation", cout_total=D("3000.00"), montant_fipd=D("3000.00")
    )
    equipes = FaitsAction(
        reference="F2", categorie="accompagnement_equipes", cout_total=D("1000.01"), montant_fipd=D("1000.01")
    )
    rapport = registre("R").evaluer(programmation(annee=p.annee), [formation, equipes], p)
    assert rapport.totaux.total_formation == D("4000.01")
    assert seul_verdict(rapport.verdicts_programmation, "FORMATION_PLAFOND").exces == D("0.01")


@pytest.mark.parametrize("programme", ["D", "S", "K"])
def test_the_training_cap_belongs_to_programme_r_only(p, programme):
    f = programmation(lignes(D("10000.00"), D("10000.00")), annee=p.annee, programme=programme)
    assert registre(programme).verdicts_programmation(f, p) == ()


# The room left: marge_formation against brute force ------------------------------------------------------


def tient(total: Decimal, formation: Decimal, x: Decimal, p) -> bool:
    """Does one more retained training action of ``x`` keep training under the cap?"""
    return formation + x <= plafond_formation(total + x, p)


def marge_par_bisection(total: Decimal, formation: Decimal, p) -> int | None:
    """The largest x in cents that fits (None when even 0 does not), by doubling then bisection.

    Bisection needs the set of x that fit to be an interval [0, m]: it is, for both readings, since the
    condition is ``x ≤ a or x ≤ b`` (favorable) or ``x ≤ a and x ≤ b`` (strict) with a, b from the two
    branches; ``test_the_room_left_is_an_interval_starting_at_zero`` checks it exhaustively on small figures.
    """
    if not tient(total, formation, Decimal(0), p):
        return None
    bas, haut = 0, 1
    while tient(total, formation, cents(haut), p):
        bas, haut = haut, haut * 2
    while haut - bas > 1:
        milieu = (bas + haut) // 2
        if tient(total, formation, cents(milieu), p):
            bas = milieu
        else:
            haut = milieu
    return bas


def en_centimes(marge: Decimal) -> int:
    return int(arrondi_inferieur(marge) * 100)


def assert_marge_exacte(total: Decimal, formation: Decimal, p) -> None:
    marge = marge_formation(total, formation, p)
    assert marge >= 0
    attendu = marge_par_bisection(total, formation, p)
    if attendu is None:
        assert marge == 0, "training already over the cap leaves no room"
    else:
        assert en_centimes(marge) == attendu
        assert tient(total, formation, arrondi_inferieur(marge), p)
        assert not tient(total, formation, arrondi_inferieur(marge) + D("0.01"), p)


GRILLE = [
    D(x)
    for x in (
        "0.00",
        "0.01",
        "1000.00",
        "3999.99",
        "4000.00",
        "4000.01",
        "12345.67",
        "19999.99",
        "20000.00",
        "20000.01",
        "60000.00",
        "100000.00",
        "1234567.89",
    )
]


@pytest.mark.parametrize("lecture", list(LecturePlafond))
def test_the_room_left_matches_brute_force_on_a_grid(lecture):
    p = parametres_annexe_2018(2018).avec(lecture_plafond_formation=lecture)
    for total in GRILLE:
        for formation in GRILLE:
            if formation <= total:
                assert_marge_exacte(total, formation, p)


@pytest.mark.parametrize(
    "lecture, total, formation, marge",
    [
        ("favorable", "0.00", "0.00", "4000.00"),
        ("favorable", "10000.00", "0.00", "4000.00"),  # floor branch beats (2 000 − 0) / 0,8 = 2 500
        ("favorable", "60000.00", "10000.00", "2500.00"),  # (12 000 − 10 000) / 0,8, not 12 000 − 10 000
        ("favorable", "60000.00", "12000.01", "0"),
        ("strict", "10000.00", "0.00", "2500.00"),
        ("strict", "60000.00", "3000.00", "1000.00"),
        ("strict", "10000.00", "2000.01", "0"),
    ],
)
def test_the_room_left_accounts_for_training_raising_the_total(lecture, total, formation, marge):
    p = parametres_annexe_2018(2026).avec(lecture_plafond_formation=LecturePlafond(lecture))
    assert marge_formation(D(total), D(formation), p) == D(marge)


@PROPRIETES
@given(
    total=st.integers(0, 10**11),
    part_formation=st.integers(0, 100),
    lecture=st.sampled_from(list(LecturePlafond)),
    plancher=st.sampled_from([0, 1, 400_000, 1_000_000]),
    data=st.data(),
)
def test_the_room_left_matches_brute_force(total, part_formation, lecture, plancher, data):
    formation = data.draw(st.integers(0, total), label="formation")
    p = parametres_annexe_2018(2018).avec(
        lecture_plafond_formation=lecture,
        plancher_formation=cents(plancher),
        part_formation=Decimal(part_formation) / 200,  # 0 % to 50 % in steps of 0,5 %
    )
    assert_marge_exacte(cents(total), cents(formation), p)


@pytest.mark.parametrize("lecture", list(LecturePlafond))
@pytest.mark.parametrize("part", ["0.20", "0.35"])
def test_the_room_left_is_an_interval_starting_at_zero(lecture, part):
    """Exhaustive over cents on small figures (floor 1,00 €): the amounts that fit are exactly 0..m."""
    p = parametres_annexe_2018(2018).avec(
        lecture_plafond_formation=lecture,
        plancher_formation=D("1.00"),
        part_formation=D(part),
    )
    for total in range(0, 1001, 53):
        for formation in range(0, total + 1, 29):
            t, f = cents(total), cents(formation)
            tiennent = [x for x in range(0, 700) if tient(t, f, cents(x), p)]
            marge = marge_formation(t, f, p)
            if not tiennent:
                assert marge == 0
            else:
                assert tiennent == list(range(0, tiennent[-1] + 1))
                assert tiennent[-1] < 699
                assert en_centimes(marge) == tiennent[-1]


def test_the_report_gives_the_cap_and_the_room_left(p):
    actions = [
        FaitsAction(
            reference="A1", categorie="insertion", cout_total=D("50000.00"), montant_fipd=D("50000.00")
        ),
        FaitsAction(
            reference="F1", categorie="formation", cout_total=D("10000.00"), montant_fipd=D("10000.00")
        ),
    ]
    rapport = registre("R").evaluer(programmation(annee=p.annee), actions, p)
    assert rapport.plafond_formation == D("12000.00")
    assert rapport.marge_formation == D("2500.00")
