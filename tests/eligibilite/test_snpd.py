"""The 50 measures of the SNPD 2026-2030 are the strategy's own: read again from its text (seeds/003_…) and
compared with the reference data of ``eligibilite.regles.snpd``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eligibilite.regles.snpd import (
    AXES_SNPD,
    DERNIERE_MESURE,
    MESURES_PAR_NUMERO,
    MESURES_SNPD,
    PREMIERE_MESURE,
)

# The shared folder beside the project holds the source texts (DESIGN.md: « seeds/ beside this file »).
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "003_8f1a79eefe290bbf.txt"
AXE = re.compile(r"^\s*Axe ([123]) – (.+?)\s*$")
MESURE = re.compile(r"^\s*MESURE (\d+)\b")


def normaliser(texte: str) -> str:
    """Whitespace collapsed; the replacement characters the PDF extraction left dropped."""
    return " ".join(texte.replace("\ufffd", " ").split())


def mesures_du_texte(texte: str) -> dict[int, set[tuple[int, str]]]:
    """Each « MESURE n » heading of the strategy, with the axis of the last « Axe k – » page header before it
    and the title: the lines after the heading, up to the first blank line. A measure spread over two pages is
    headed twice: every heading is kept, to check that they agree."""
    lignes = texte.splitlines()
    axe = None
    mesures: dict[int, set[tuple[int, str]]] = {}
    for i, ligne in enumerate(lignes):
        if m := AXE.match(ligne):
            axe = int(m.group(1))
        if m := MESURE.match(ligne):
            j = i + 1
            while not lignes[j].strip():
                j += 1
            titre = []
            while lignes[j].strip():
                titre.append(lignes[j])
                j += 1
            mesures.setdefault(int(m.group(1)), set()).add((axe, normaliser(" ".join(titre))))
    return mesures


@pytest.fixture(scope="module")
def texte() -> str:
    if not SEED.exists():
        pytest.skip(f"the strategy's text is not beside the project ({SEED})")
    return SEED.read_text(encoding="utf-8")


def test_the_strategy_has_fifty_measures_numbered_1_to_50():
    assert [m.numero for m in MESURES_SNPD] == list(range(1, 51))
    assert (PREMIERE_MESURE, DERNIERE_MESURE) == (1, 50)
    assert set(MESURES_PAR_NUMERO) == set(range(1, 51))


def test_the_axes_follow_each_other_and_every_measure_has_one():
    axes = [m.axe for m in MESURES_SNPD]
    assert axes == sorted(axes)
    assert set(axes) == set(AXES_SNPD) == {1, 2, 3}


def test_every_measure_is_the_strategys_with_its_axis_and_title(texte):
    lues = mesures_du_texte(texte)

    assert sorted(lues) == list(range(1, 51))
    for mesure in MESURES_SNPD:
        assert lues[mesure.numero] == {(mesure.axe, mesure.intitule)}, mesure.numero


def test_the_axes_titles_are_the_strategys(texte):
    titres = {int(m.group(1)): m.group(2) for ligne in texte.splitlines() if (m := AXE.match(ligne))}
    assert {n: normaliser(t) for n, t in titres.items()} == AXES_SNPD


@pytest.mark.parametrize(
    ("numero", "axe", "debut"),
    [
        (1, 1, "Prévenir l’entrée précoce dans le narcotrafic"),
        (16, 1, "Sensibiliser le public aux risques de soumission chimique"),
        (17, 2, "Mieux informer et accompagner les familles"),
        (35, 2, "Densifier le maillage territorial de l’intervention sociale en commissariat"),
        (38, 2, "Développer des accompagnements adaptés pour les victimes"),
        (39, 3, "Adapter la gouvernance aux réalités territoriales"),
        (50, 3, "Partager les bonnes pratiques européennes et internationales"),
    ],
)
def test_landmark_measures_as_the_strategy_titles_them(numero, axe, debut):
    """Read by a person, not by the parser: the axes' boundaries and the ISCG measure."""
    mesure = MESURES_PAR_NUMERO[numero]
    assert mesure.axe == axe
    assert mesure.intitule.startswith(debut)
    assert "\ufffd" not in mesure.intitule
