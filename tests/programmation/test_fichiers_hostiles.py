"""The check command under hostile files (issue 12): each reproduced, each answered with French lines on
stderr and exit 2 — no traceback, no runaway time or memory."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db  # the subprocess reads the reference data the migrations committed
RACINE = Path(__file__).resolve().parents[2]
ACTION = (
    '{"reference": "A1", "intitule": "Action", "porteur": {"nom": "Association", "type": "association"}, '
    '"categorie": "insertion", "cout_total": "1000", "montant_fipd": %s}'
)


def entete(actions: str) -> str:
    return (
        '{"departement": "59", "annee": 2026, "programme": "R", "enveloppe": "1000", "actions": '
        + actions
        + "}"
    )


@pytest.fixture
def verifier(tmp_path, django_db_setup, django_db_blocker):
    from django.db import connection

    base = connection.settings_dict["NAME"]

    def executer(contenu: str | bytes, nom="programmation.json", chemin=None):
        fichier = chemin or tmp_path / nom
        if chemin is None:
            fichier.write_bytes(contenu if isinstance(contenu, bytes) else contenu.encode("utf-8"))
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fipd.settings_test"}
        if connection.vendor == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{base}"
        else:
            env["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{base}"
        debut = time.perf_counter()
        resultat = subprocess.run(
            [sys.executable, "manage.py", "verifier_programmation", str(fichier)],
            cwd=RACINE,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        resultat.duree = time.perf_counter() - debut
        return resultat

    return executer


@pytest.mark.parametrize(
    ("montant", "attendu"),
    [
        ("1e99999999999999999999", "le montant dépasse le maximum"),
        ('"1e99999999999999999999"', "le montant dépasse le maximum"),
        ("1e-99999999999999999999", "le montant a plus de deux décimales"),
        ('"1e-99999999999999999999"', "le montant a plus de deux décimales"),
        ("0e999999", "le montant a un exposant hors limites"),
        ('"1_000"', "le montant n'est pas un nombre"),
    ],
)
def test_absurd_exponents_are_bad_input_not_a_traceback(verifier, montant, attendu):
    resultat = verifier(entete("[" + ACTION.replace("%s", montant) + "]"))
    assert (resultat.returncode, resultat.stdout) == (2, ""), resultat.stderr
    assert attendu in resultat.stderr and "Traceback" not in resultat.stderr


def test_a_lone_surrogate_is_bad_input_named_by_its_field(verifier):
    action = json.loads(ACTION.replace("%s", '"500"'))
    texte = entete(json.dumps([action])).replace('"A1"', '"A\\ud800"')
    resultat = verifier(texte)
    assert resultat.returncode == 2 and "Traceback" not in resultat.stderr
    assert "champ « reference » : le texte contient un caractère invalide" in resultat.stderr


def test_millions_of_empty_objects_are_refused_in_seconds(verifier):
    resultat = verifier(entete("[" + ",".join(["{}"] * 1_500_000) + "]"))  # about 4,5 MB
    assert resultat.returncode == 2
    assert resultat.stderr.strip().endswith("au plus sont admises par fichier.")
    assert len(resultat.stderr.splitlines()) == 1
    assert resultat.duree < 20


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(verifier):
    resultat = verifier(b"[" + b"1," * 6_000_000 + b"1]")  # 12 MB of non-objects
    assert resultat.returncode == 2 and "Traceback" not in resultat.stderr
    assert "Mo" in resultat.stderr and resultat.duree < 20


def test_many_faulty_actions_print_the_first_200_problems_then_their_count(verifier):
    actions = ",".join(ACTION.replace("%s", '"beaucoup"') for _ in range(1000))
    resultat = verifier(entete("[" + actions + "]"))
    lignes = resultat.stderr.strip().splitlines()
    assert resultat.returncode == 2 and len(lignes) == 201
    assert "problèmes" in lignes[-1]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="/dev/zero absent")
def test_dev_zero_and_a_fifo_do_not_hang(verifier, tmp_path):
    assert verifier(None, chemin=Path("/dev/zero")).returncode == 2
    fifo = tmp_path / "tube.json"
    os.mkfifo(fifo)
    resultat = verifier(None, chemin=fifo)
    assert resultat.returncode == 2 and resultat.duree < 20
