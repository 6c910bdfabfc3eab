"""The eligibility module imports the standard library only (STYLE.md §1, DESIGN.md §7): no Django, no
``programmation``, no ``fipd``, anywhere under ``eligibilite/``; and the project's packages import each other
without a cycle at module level."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
ELIGIBILITE = RACINE / "eligibilite"
REGLES = ELIGIBILITE / "regles"
FICHIERS = sorted(ELIGIBILITE.rglob("*.py"))
INTERDITS = {"django", "programmation", "fipd"}
PAQUETS = ("fipd", "programmation", "eligibilite")
FONCTIONS_IMPORT = {"__import__", "import_module"}


def imports(source: str) -> list[tuple[str, int]]:
    """Every module the source imports, as ``(name, line)``; a relative import's name starts with dots.

    Dynamic imports are caught when their module is a literal string: ``__import__("x")``,
    ``importlib.import_module("x")`` and ``import_module("x")``.
    """
    trouves = []
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.Import):
            trouves.extend((alias.name, noeud.lineno) for alias in noeud.names)
        elif isinstance(noeud, ast.ImportFrom):
            if noeud.level:
                trouves.append(("." * noeud.level + (noeud.module or ""), noeud.lineno))
            else:
                trouves.append((noeud.module, noeud.lineno))
        elif isinstance(noeud, ast.Call):
            fonction = noeud.func
            nom = fonction.id if isinstance(fonction, ast.Name) else getattr(fonction, "attr", None)
            if nom in FONCTIONS_IMPORT and noeud.args:
                argument = noeud.args[0]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    trouves.append((argument.value, noeud.lineno))
                else:
                    trouves.append(("<dynamique>", noeud.lineno))
    return trouves


def racine(module: str) -> str:
    return module.split(".")[0]


def importations_interdites(source: str) -> list[str]:
    return [module for module, _ in imports(source) if racine(module) in INTERDITS]


def importations_hors_bibliotheque_standard(source: str) -> list[str]:
    return [
        module
        for module, _ in imports(source)
        if not module.startswith(".") and racine(module) not in sys.stdlib_module_names
    ]


def test_the_rules_package_has_its_modules():
    noms = {f.name for f in REGLES.rglob("*.py")}
    assert {
        "__init__.py",
        "faits.py",
        "actions.py",
        "programmations.py",
        "registre.py",
        "formation.py",
        "format.py",
        "parametres.py",
        "ecriture.py",
    } <= noms


def nom(fichier: Path) -> str:
    return str(fichier.relative_to(RACINE))


def test_the_eligibility_module_is_no_django_app():
    assert not (ELIGIBILITE / "apps.py").exists()
    assert not (ELIGIBILITE / "migrations").exists()
    assert not (ELIGIBILITE / "models.py").exists()


@pytest.mark.parametrize("fichier", FICHIERS, ids=nom)
def test_no_module_of_eligibilite_imports_django_programmation_or_fipd(fichier):
    assert importations_interdites(fichier.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("fichier", FICHIERS, ids=nom)
def test_eligibilite_imports_only_the_standard_library_or_its_own_modules(fichier):
    assert importations_hors_bibliotheque_standard(fichier.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import django",
        "import django.db.models as models",
        "from django.db import models",
        "from django import forms",
        "import programmation",
        "import programmation.models",
        "from programmation.models import Action",
        "import os, django",
        "def f():\n    from django.conf import settings\n    return settings",
        "try:\n    import django\nexcept ImportError:\n    pass",
        "__import__('django')",
        "__import__('programmation.models')",
        "import importlib\nimportlib.import_module('django.conf')",
        "from importlib import import_module\nimport_module('programmation')",
    ],
)
def test_the_purity_check_catches_every_form_of_forbidden_import(source):
    assert importations_interdites(source)


@pytest.mark.parametrize(
    "source",
    [
        "import decimal",
        "from decimal import Decimal",
        "from __future__ import annotations",
        "from . import actions",
        "from .faits import Verdict",
        "from ..regles import faits",
        "import unicodedata as u",
    ],
)
def test_the_purity_check_accepts_the_standard_library_and_relative_imports(source):
    assert importations_interdites(source) == []
    assert importations_hors_bibliotheque_standard(source) == []


@pytest.mark.parametrize(
    "source",
    [
        "import eligibilite.regles.faits",
        "from eligibilite.ecriture import parametres_exercice",
        "import environ",
        "from hypothesis import given",
        "import importlib\nimportlib.import_module(nom)",
    ],
)
def test_the_purity_check_refuses_third_party_and_absolute_project_imports(source):
    assert importations_hors_bibliotheque_standard(source)


def test_importing_the_rules_loads_neither_django_nor_programmation():
    """The same check at run time, in a fresh interpreter (this one has Django loaded by pytest-django)."""
    script = (
        "import sys, eligibilite.regles\n"
        "charges = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'programmation'))\n"
        "print(charges)\n"
    )
    resultat = subprocess.run(
        [sys.executable, "-c", script], cwd=RACINE, capture_output=True, text=True, check=True, timeout=60
    )
    assert resultat.stdout.strip() == "[]"


# --- No import cycle between the project's modules ---------------------------------------------------------


def module_de(fichier: Path) -> str:
    parties = list(fichier.relative_to(RACINE).with_suffix("").parts)
    if parties[-1] == "__init__":
        parties.pop()
    return ".".join(parties)


def importations_au_niveau_module(fichier: Path, modules: set[str]) -> set[str]:
    """The project modules a file imports when it is loaded (imports inside functions excluded: they run
    later), relative imports resolved; ``from package import submodule`` depends on the submodule only (the
    package of the importing module is being initialised already)."""
    module = module_de(fichier)
    paquet = module if fichier.name == "__init__.py" else module.rpartition(".")[0]
    arbre = ast.parse(fichier.read_text(encoding="utf-8"))
    trouves = set()

    def visiter(noeuds):
        for noeud in noeuds:
            if isinstance(noeud, ast.Import):
                trouves.update(alias.name for alias in noeud.names)
            elif isinstance(noeud, ast.ImportFrom):
                base = noeud.module or ""
                if noeud.level:
                    racine_relative = paquet.split(".")[: len(paquet.split(".")) - noeud.level + 1]
                    base = ".".join([*racine_relative, *([base] if base else [])])
                sous_modules = {f"{base}.{alias.name}" for alias in noeud.names} & modules
                trouves.update(sous_modules)
                if len(sous_modules) < len(noeud.names) and not module.startswith(f"{base}."):
                    trouves.add(base)
            elif isinstance(noeud, ast.If | ast.Try | ast.With):
                visiter(ast.iter_child_nodes(noeud))

    visiter(arbre.body)
    return {t for t in trouves if t.split(".")[0] in PAQUETS}


def graphe_des_modules() -> dict[str, set[str]]:
    fichiers = [
        f for paquet in PAQUETS for f in (RACINE / paquet).rglob("*.py") if "migrations" not in f.parts
    ]
    modules = {module_de(f): f for f in fichiers}
    graphe = {}
    for module, fichier in modules.items():
        importes = importations_au_niveau_module(fichier, set(modules))
        graphe[module] = {m for m in importes if m in modules and m != module}
    return graphe


def cycle(graphe: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph, or None."""
    etat: dict[str, int] = {}
    pile: list[str] = []

    def parcourir(n):
        etat[n] = 1
        pile.append(n)
        for m in sorted(graphe.get(n, ())):
            if etat.get(m) == 1:
                return pile[pile.index(m) :] + [m]
            if m not in etat and (trouve := parcourir(m)):
                return trouve
        etat[n] = 2
        pile.pop()
        return None

    for n in sorted(graphe):
        if n not in etat and (trouve := parcourir(n)):
            return trouve
    return None


def test_the_project_modules_import_each_other_without_a_cycle():
    assert cycle(graphe_des_modules()) is None


def test_the_cycle_check_finds_a_cycle():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_the_eligibility_module_imports_nothing_of_the_django_side():
    graphe = graphe_des_modules()
    for module, importes in graphe.items():
        if module.startswith("eligibilite"):
            assert all(m.startswith("eligibilite") for m in importes), module
