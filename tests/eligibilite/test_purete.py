"""The rules package imports the standard library only (STYLE.md §1): no Django, no ``programmation``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
REGLES = RACINE / "eligibilite" / "regles"
FICHIERS = sorted(REGLES.rglob("*.py"))
INTERDITS = {"django", "programmation"}
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
    noms = {f.name for f in FICHIERS}
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


@pytest.mark.parametrize("fichier", FICHIERS, ids=lambda f: f.name)
def test_rules_module_imports_neither_django_nor_programmation(fichier):
    assert importations_interdites(fichier.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("fichier", FICHIERS, ids=lambda f: f.name)
def test_rules_module_imports_only_the_standard_library_or_its_own_modules(fichier):
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
