"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser), axe-core from
the copy shipped in the axe-playwright-python package. Skipped with a clear reason when Chromium or Playwright
is missing, except in CI (CI=true), where that is a failure."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGUMENTS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=fr-FR",  # date fields shown as jj/mm/aaaa
]
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "captures"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make for their set-up
# are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/navigateur" in str(item.fspath):
            item.add_marker(pytest.mark.navigateur)


def _absent(raison):
    if os.environ.get("CI") == "true":
        pytest.fail(f"En CI, les tests navigateur doivent tourner : {raison}")
    pytest.skip(f"Tests navigateur ignorés : {raison} (apt-get install -y chromium)")


@pytest.fixture(scope="session")
def chromium(django_db_setup):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _absent(f"Chromium introuvable à {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _absent("le paquet playwright n'est pas installé")
    from django.db import connections

    # Between its calls, Playwright's sync API leaves its asyncio loop marked as running in this thread. Django's
    # connections live in an asgiref Local that, once a loop runs, hands out other connection objects: without
    # ``_test_serialized_contents`` (set on the first ones when the test database was created), so that
    # ``serialized_rollback`` would silently restore nothing, here and in every later test of the process.
    # The test database is created first (django_db_setup), then the same objects are kept visible.
    synchrones = {alias: connections[alias] for alias in connections}
    with sync_playwright() as p:
        for alias, connexion in synchrones.items():
            connections[alias] = connexion
        navigateur = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS, headless=True)
        yield navigateur
        navigateur.close()


@pytest.fixture
def page(chromium, live_server):
    contexte = chromium.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    contexte.set_default_timeout(15_000)
    page = contexte.new_page()
    yield page
    contexte.close()


@pytest.fixture
def capture():
    """Saves a full-page screenshot under test-artefacts/captures/NAME.png and returns its path."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)

    def prendre(page, nom):
        chemin = ARTEFACTS / f"{nom}.png"
        page.screenshot(path=str(chemin), full_page=True)
        return chemin

    return prendre


@pytest.fixture
def axe():
    """Runs axe-core (local copy) on a page; returns the violations of impact serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    moteur = Axe()

    def analyser(page):
        resultats = moteur.run(page)
        return [v for v in resultats.response["violations"] if v.get("impact") in ("serious", "critical")]

    return analyser


def connecter(page, username, password="demo-fipd"):
    page.goto("/connexion/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
