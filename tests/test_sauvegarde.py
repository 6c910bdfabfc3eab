"""Backups (issue 12): a pg_dump of the database restores, table by table, to the same rows (the script an
administrator runs, run here on the test database)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import ActionFactory, ProgrammationFactory, doter

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
RACINE = Path(__file__).resolve().parents[1]


def test_a_backup_restores_to_the_same_rows():
    if connection.vendor != "postgresql":
        pytest.skip("La base de test est SQLite : la sauvegarde pg_dump se vérifie dans la passe PostgreSQL.")
    if not shutil.which("pg_dump"):
        if os.environ.get("CI") == "true":
            pytest.fail("En CI, pg_dump doit être installé (paquet postgresql-client).")
        pytest.skip("pg_dump absent (paquet postgresql-client).")
    p = ProgrammationFactory()
    doter(p, "100000.00")
    ActionFactory(programmation=p, retenue=True)
    reglages = connection.settings_dict
    url = f"postgres://{reglages['USER']}@{reglages['HOST'] or '127.0.0.1'}:{reglages['PORT'] or 5432}/{reglages['NAME']}"

    resultat = subprocess.run(
        [str(RACINE / "scripts" / "verifier_sauvegarde.sh")],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert resultat.returncode == 0, resultat.stderr
    assert "Sauvegarde restaurée à l'identique" in resultat.stdout
