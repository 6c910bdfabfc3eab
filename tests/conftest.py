import pytest

from tests.factories import ProgrammationFactory, doter


@pytest.fixture
def programmation(db):
    """Nord's 2026 programmation of programme R, with an envelope of 100 000 €."""
    p = ProgrammationFactory()
    doter(p, "100000.00")
    p.refresh_from_db()
    return p
