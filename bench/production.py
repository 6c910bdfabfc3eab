"""Pages served as in production, each as a ratio to a bare DSFR page served the same way in the same run
(DESIGN.md §8): gunicorn, PostgreSQL with persistent connections, DEBUG off, static files by WhiteNoise.

One command: `.venv/bin/python bench/production.py` (needs PostgreSQL on 127.0.0.1:5432 and `wrk`, Debian
package `wrk`). It builds the national data set once in its own database (`fipd_bench`; 101 departments ×
4 programmes × 100 actions, Nord's programme R with 500), starts gunicorn on 127.0.0.1, signs two users in
(a Nord agent, an SG-CIPDR reviewer), then for each page runs, round after round, `wrk` on the bare page
and on the page one after the other, and reports throughput, p50/p99 latency and the median ratio of the
page's throughput to the bare page's. Results: printed, and written to bench/resultats/production.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
RESULTATS = RACINE / "bench" / "resultats"
PYTHON = sys.executable
BASE_PAR_DEFAUT = "postgres://postgres@127.0.0.1:5432/fipd_bench"

# (name, user, path, budget: the minimum ratio to the bare page's throughput)
PAGES = [
    ("tableau_national", "bench.sgcipdr", "/national/2026/", 0.25),
    ("tableau_national_programme_R", "bench.sgcipdr", "/national/2026/?programme=R", 0.25),
]
REFERENCE = "/accessibilite/"


def environnement(base: str, port: int) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=base,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-production-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        CONN_MAX_AGE="60",
        STATIC_ROOT=str(RESULTATS / "statiques"),
        DJANGO_SETTINGS_MODULE="fipd.settings",
        PYTHONPATH=str(RACINE),
        LOG_LEVEL="ERROR",
    )
    return env


def creer_la_base(base: str) -> None:
    import psycopg

    nom = base.rsplit("/", 1)[1]
    with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connexion:
        if not connexion.execute("SELECT 1 FROM pg_database WHERE datname = %s", (nom,)).fetchone():
            connexion.execute(f'CREATE DATABASE "{nom}"')


PREPARATION = """
import sys
sys.path.insert(0, "bench")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from run import construire
construire(100)
from django.test import Client
from fipd.models import Utilisateur
for nom in ("bench.nord", "bench.sgcipdr"):
    client = Client()
    client.force_login(Utilisateur.objects.get(username=nom))
    print(nom, client.cookies["sessionid"].value)
"""


def preparer(env: dict) -> dict[str, str]:
    """Migrates, builds the data set (once), collects static files; returns the users' session cookies."""
    sortie = subprocess.run(
        [PYTHON, "-c", PREPARATION], env=env, cwd=RACINE, capture_output=True, text=True, check=False
    )
    if sortie.returncode:
        sys.exit(f"préparation impossible :\n{sortie.stderr[-3000:]}")
    cookies = {}
    for ligne in sortie.stdout.splitlines():
        nom, _, valeur = ligne.partition(" ")
        if nom.startswith("bench."):
            cookies[nom] = valeur
    return cookies


def demarrer_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    serveur = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "fipd.wsgi:application",
            "--config",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "error",
        ],
        env=env,
        cwd=RACINE,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{REFERENCE}", timeout=2)
            return serveur
        except OSError:
            time.sleep(0.2)
    serveur.terminate()
    sys.exit("gunicorn n'a pas démarré")


LIGNE_DEBIT = re.compile(r"Requests/sec:\s+([0-9.]+)")
LIGNE_LATENCE = re.compile(r"^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITES = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, cookie: str, duree: int, connexions: int) -> dict:
    sortie = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connexions}",
            f"-d{duree}s",
            "--latency",
            "-H",
            f"Cookie: sessionid={cookie}",
            "-H",
            "X-Forwarded-Proto: https",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx or 3xx responses" in sortie:
        sys.exit(f"réponses en erreur sur {url} :\n{sortie}")
    latences = {p: float(v) * UNITES[u] for p, v, u in LIGNE_LATENCE.findall(sortie)}
    return {
        "debit": float(LIGNE_DEBIT.search(sortie).group(1)),
        "p50_ms": round(latences.get("50", 0), 1),
        "p99_ms": round(latences.get("99", 0), 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("BENCH_DATABASE_URL", BASE_PAR_DEFAUT))
    parser.add_argument("--port", type=int, default=0, help="0 : un port libre")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connexions", type=int, default=4)
    parser.add_argument("--duree", type=int, default=8, help="secondes par mesure")
    parser.add_argument("--tours", type=int, default=3)
    args = parser.parse_args()

    RESULTATS.mkdir(parents=True, exist_ok=True)
    if not args.port:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            args.port = s.getsockname()[1]
    creer_la_base(args.base)
    env = environnement(args.base, args.port)
    cookies = preparer(env)
    serveur = demarrer_gunicorn(env, args.port, args.workers)
    racine = f"http://127.0.0.1:{args.port}"
    resultats = {"serveur": f"gunicorn, {args.workers} workers, PostgreSQL, DEBUG off", "pages": {}}
    try:
        for nom, utilisateur, chemin, budget in PAGES:
            cookie = cookies[utilisateur]
            wrk(racine + chemin, cookie, 2, args.connexions)  # warm-up (caches, connections)
            tours = []
            for _ in range(args.tours):
                reference = wrk(racine + REFERENCE, cookie, args.duree, args.connexions)
                page = wrk(racine + chemin, cookie, args.duree, args.connexions)
                tours.append(
                    {"reference": reference, "page": page, "ratio": page["debit"] / reference["debit"]}
                )
            ratio = statistics.median(t["ratio"] for t in tours)
            resultats["pages"][nom] = {
                "chemin": chemin,
                "budget": budget,
                "ratio": round(ratio, 3),
                "tenu": ratio >= budget,
                "tours": tours,
            }
            dernier = tours[-1]
            print(
                f"{nom:32} {dernier['page']['debit']:7.1f} req/s  p50 {dernier['page']['p50_ms']:6.1f} ms  "
                f"p99 {dernier['page']['p99_ms']:6.1f} ms  | page nue {dernier['reference']['debit']:7.1f} req/s  "
                f"| ratio {ratio:.3f} (budget {budget}) {'tenu' if ratio >= budget else 'NON TENU'}"
            )
    finally:
        serveur.send_signal(signal.SIGTERM)
        serveur.wait(10)
    (RESULTATS / "production.json").write_text(json.dumps(resultats, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
