import pytest
from django.core.cache import cache

from tests.factories import ProgrammationFactory, doter


@pytest.fixture(autouse=True)
def cache_vide():
    """Each test starts with an empty cache: the in-memory cache outlives the rolled-back database, and a
    digest of a previous test's data could match this one's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def programmation(db):
    """Nord's 2026 programmation of programme R, with an envelope of 100 000 €."""
    p = ProgrammationFactory()
    doter(p, "100000.00")
    p.refresh_from_db()
    return p
