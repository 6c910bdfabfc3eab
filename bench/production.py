"""Load served as in production (DESIGN.md §8, issue 12), each measure as a ratio to a bare DSFR page served
the same way in the same run: gunicorn, PostgreSQL with persistent connections, DEBUG off, WhiteNoise.

One command: `.venv/bin/python bench/production.py` (PostgreSQL on 127.0.0.1:5432 and `wrk`, Debian package
`wrk`, are needed). It builds once, in its own database (`fipd_bench`), the national data set: 101 departments
× 4 programmes × 100 actions, Nord's programme R with 500, and a realistic history (three edits of each of
Nord's 500 actions, one edit of every other action). Then it starts gunicorn on 127.0.0.1 and, page after
page, runs `wrk` on the bare page and on the page alternately (« tours »), and reports for each: throughput,
p50/p99 latency, and the median ratio of its throughput to the bare page's, against the budget (25 % for
pages, 20 % for saves). Results are printed and written to bench/resultats/production.json.

The measures: the national dashboard (SG-CIPDR), the 500-action programmation page, the action form, the
live preview (htmx POST) and saving an action (POST, each request on another of the 500 actions with its
current version, so every save is a real save through the write rule).
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
import tempfile
import time
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
RESULTATS = RACINE / "bench" / "resultats"
PYTHON = sys.executable
BASE_PAR_DEFAUT = "postgres://postgres@127.0.0.1:5432/fipd_bench"
REFERENCE = "/accessibilite/"


def environnement(base: str) -> dict:
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
        AXES_FAILURE_LIMIT="1000000",
    )
    return env


def creer_la_base(base: str) -> None:
    import psycopg

    nom = base.rsplit("/", 1)[1]
    with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as connexion:
        if not connexion.execute("SELECT 1 FROM pg_database WHERE datname = %s", (nom,)).fetchone():
            connexion.execute(f'CREATE DATABASE "{nom}"')


# Run in a subprocess with the production settings: builds the data (once), signs the users in, and writes
# what the measures need (cookies, CSRF token, the bodies of the POSTs) as JSON on stdout.
PREPARATION = r"""
import json, sys, time
sys.path.insert(0, "bench")
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from run import construire
construire(100)
from decimal import Decimal
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client
from fipd.models import Utilisateur
from programmation.ecriture import ecrire_actions
from programmation.models import Action, Programmation

# A realistic history: three edits of each of Nord's actions, one of every other (once).
if not Action.history.filter(history_type="~").exists():
    debut = time.perf_counter()
    for p in Programmation.objects.select_related("departement", "programme").order_by("pk"):
        tours = 3 if (p.departement.code, p.programme.code) == ("59", "R") else 1
        for tour in range(tours):
            actions = list(p.actions.select_related("porteur"))
            for a in actions:
                a.intitule = f"{a.intitule.split(' (v')[0]} (v{tour + 2})"
            ecrire_actions(p.pk, actions)
    print(f"historique construit en {time.perf_counter() - debut:.0f} s", file=sys.stderr)

sortie = {"cookies": {}}
for nom in ("bench.nord", "bench.sgcipdr"):
    client = Client()
    client.force_login(Utilisateur.objects.get(username=nom))
    sortie["cookies"][nom] = client.cookies["sessionid"].value
secret = _get_new_csrf_string()
sortie["csrf_cookie"], sortie["csrf_jeton"] = secret, _mask_cipher_secret(secret)
p = Programmation.objects.get(exercice__annee=2026, departement__code="59", programme__code="R")
actions = list(p.actions.select_related("porteur").order_by("pk"))
sortie["action"] = actions[0].pk


def formulaire(a):
    return {
        "reference": a.reference, "intitule": a.intitule, "porteur": a.porteur_id, "categorie": a.categorie,
        "public": a.public, "milieu": a.milieu, "theme_prevention_primaire": "", "justification": "",
        "cout_total": f"{a.cout_total}", "montant_demande": "", "montant_fipd": f"{a.montant_fipd}",
        "code_analytique": "", "date_debut": "", "date_fin": "", "decision": a.decision,
        "cofinancements-TOTAL_FORMS": "0", "cofinancements-INITIAL_FORMS": "0",
        "cofinancements-MIN_NUM_FORMS": "0", "cofinancements-MAX_NUM_FORMS": "1000",
        "porteur-nom": "", "porteur-type": "", "porteur-siret": "", "porteur-rna": "",
    }


sortie["apercu"] = formulaire(actions[0]) | {"action_pk": actions[0].pk}
sortie["enregistrements"] = [
    {"pk": a.pk, "version": a.version, "corps": formulaire(a)} for a in actions if a.decision == "retenue"
]
print(json.dumps(sortie, default=str))
"""


def preparer(env: dict) -> dict:
    sortie = subprocess.run(
        [PYTHON, "-c", PREPARATION], env=env, cwd=RACINE, capture_output=True, text=True, check=False
    )
    if sortie.returncode:
        sys.exit(f"préparation impossible :\n{sortie.stderr[-3000:]}")
    if sortie.stderr.strip():
        print(sortie.stderr.strip())
    return json.loads(sortie.stdout.strip().splitlines()[-1])


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
            urllib.request.urlopen(
                urllib.request.Request(
                    f"http://127.0.0.1:{port}{REFERENCE}", headers={"X-Forwarded-Proto": "https"}
                ),
                timeout=2,
            )
            return serveur
        except OSError:
            time.sleep(0.2)
    serveur.terminate()
    sys.exit("gunicorn n'a pas démarré")


LIGNE_DEBIT = re.compile(r"Requests/sec:\s+([0-9.]+)")
LIGNE_LATENCE = re.compile(r"^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$", re.MULTILINE)
UNITES = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def script_lua(en_tetes: dict, requetes: list[tuple[str, str, str]] | None) -> str:
    """A wrk script: fixed headers; ``requetes`` (method, path, body) cycled through, one after the other."""
    lignes = [f'wrk.headers["{k}"] = {json.dumps(v)}' for k, v in en_tetes.items()]
    if requetes:
        lignes.append("local requetes = {")
        for methode, chemin, corps in requetes:
            lignes.append(f"  {{{json.dumps(methode)}, {json.dumps(chemin)}, {json.dumps(corps)}}},")
        lignes += [
            "}",
            "local i = 0",
            "request = function()",
            "  i = i + 1",
            "  local r = requetes[(i - 1) % #requetes + 1]",
            '  if r[3] == "" then return wrk.format(r[1], r[2]) end',
            "  return wrk.format(r[1], r[2], nil, r[3])",
            "end",
        ]
    return "\n".join(lignes) + "\n"


def wrk(racine: str, chemin: str, en_tetes: dict, duree: int, connexions: int, requetes=None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_lua(en_tetes, requetes))
    try:
        sortie = subprocess.run(
            ["wrk", "-t1", f"-c{connexions}", f"-d{duree}s", "--latency", "-s", script.name, racine + chemin],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    erreurs = re.search(r"Non-2xx or 3xx responses: (\d+)", sortie)
    latences = {p: float(v) * UNITES[u] for p, v, u in LIGNE_LATENCE.findall(sortie)}
    requetes_faites = re.search(r"(\d+) requests in", sortie)
    return {
        "requetes": int(requetes_faites.group(1)) if requetes_faites else 0,
        "debit": float(LIGNE_DEBIT.search(sortie).group(1)),
        "p50_ms": round(latences.get("50", 0), 1),
        "p99_ms": round(latences.get("99", 0), 1),
        "erreurs": int(erreurs.group(1)) if erreurs else 0,
    }


def corps(champs: dict) -> str:
    return "&".join(
        f"{urllib.parse.quote_plus(str(k))}={urllib.parse.quote_plus(str(v))}" for k, v in champs.items()
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("BENCH_DATABASE_URL", BASE_PAR_DEFAUT))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connexions", type=int, default=4)
    parser.add_argument("--duree", type=int, default=8, help="secondes par mesure")
    parser.add_argument("--tours", type=int, default=3)
    parser.add_argument("--seulement", help="noms des mesures à faire, séparés par des virgules")
    args = parser.parse_args()

    RESULTATS.mkdir(parents=True, exist_ok=True)
    creer_la_base(args.base)
    env = environnement(args.base)
    donnees = preparer(env)
    port = port_libre()
    racine = f"http://127.0.0.1:{port}"
    origine = f"https://127.0.0.1:{port}"
    commun = {"X-Forwarded-Proto": "https"}

    def en_tetes(utilisateur, post=False):
        cookie = f"sessionid={donnees['cookies'][utilisateur]}; csrftoken={donnees['csrf_cookie']}"
        resultat = commun | {"Cookie": cookie}
        if post:
            resultat |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origine,
                "Referer": origine + "/",
                "X-CSRFToken": donnees["csrf_jeton"],
            }
        return resultat

    jeton = {"csrfmiddlewaretoken": donnees["csrf_jeton"]}
    enregistrements = donnees["enregistrements"]

    def versions_actuelles() -> dict[int, int]:
        import psycopg

        with psycopg.connect(args.base) as connexion:
            return dict(
                connexion.execute(
                    "SELECT id, version FROM programmation_action WHERE id = ANY(%s)",
                    ([e["pk"] for e in enregistrements],),
                ).fetchall()
            )

    def sauvegardes(versions: dict[int, int]) -> list:
        """A save per retained action of the list, each with its current version read from the database just
        before the measure, so that every save is a real one (a stale version would only be refused)."""
        return [
            ("POST", f"/actions/{e['pk']}/", corps(e["corps"] | jeton | {"version": versions[e["pk"]]}))
            for e in enregistrements
        ]

    mesures = [
        ("tableau_national", "/national/2026/", en_tetes("bench.sgcipdr"), None, 0.25),
        ("programmation_500_actions", "/programmations/2026/59/R/", en_tetes("bench.nord"), None, 0.25),
        # The same page with its fragment cache missed for the rows and the filter form (a query string that
        # changes at every request is part of their key): what the first view after a write costs.
        (
            "programmation_500_actions_sans_cache",
            "/programmations/2026/59/R/",
            en_tetes("bench.nord"),
            [("GET", f"/programmations/2026/59/R/?vue={i}", "") for i in range(50_000)],
            0.25,
        ),
        ("formulaire_action", f"/actions/{donnees['action']}/", en_tetes("bench.nord"), None, 0.25),
        (
            "apercu_en_direct",
            "/programmations/2026/59/R/actions/apercu/",
            en_tetes("bench.nord", post=True) | {"HX-Request": "true"},
            [("POST", "/programmations/2026/59/R/actions/apercu/", corps(donnees["apercu"] | jeton))],
            0.25,
        ),
        ("enregistrer_une_action", "/", en_tetes("bench.nord", post=True), "sauvegardes", 0.20),
    ]
    if args.seulement:
        voulues = set(args.seulement.split(","))
        mesures = [m for m in mesures if m[0] in voulues]

    serveur = demarrer_gunicorn(env, port, args.workers)
    resultats = {
        "serveur": f"gunicorn, {args.workers} workers, PostgreSQL (connexions persistantes), DEBUG off",
        "client": f"wrk, {args.connexions} connexions, {args.duree} s par mesure, {args.tours} tours",
        "mesures": {},
    }
    try:
        for nom, chemin, entetes, requetes, budget in mesures:
            tours = []
            if requetes != "sauvegardes":
                wrk(racine, chemin, entetes, 2, args.connexions, requetes)  # warm-up
            for _ in range(args.tours):
                reference = wrk(racine, REFERENCE, en_tetes("bench.nord"), args.duree, args.connexions)
                if requetes == "sauvegardes":
                    # Each action at most once per measure (wrk goes through the list once, in order, before
                    # it would come back to the first): fewer saves per measure than retained actions.
                    avant = versions_actuelles()
                    page = wrk(racine, chemin, entetes, args.duree, args.connexions, sauvegardes(avant))
                    apres = versions_actuelles()
                    # Saves the database holds, to compare with the requests: a refused save writes nothing.
                    page["ecritures"] = sum(apres[pk] - avant[pk] for pk in avant)
                else:
                    page = wrk(racine, chemin, entetes, args.duree, args.connexions, requetes)
                tours.append(
                    {"reference": reference, "page": page, "ratio": page["debit"] / reference["debit"]}
                )
            ratio = statistics.median(t["ratio"] for t in tours)
            erreurs = sum(t["page"]["erreurs"] for t in tours)
            resultats["mesures"][nom] = {
                "chemin": chemin,
                "budget": budget,
                "ratio": round(ratio, 3),
                "tenu": ratio >= budget and not erreurs,
                "tours": tours,
            }
            dernier = tours[-1]
            print(
                f"{nom:26} {dernier['page']['debit']:7.1f} req/s  p50 {dernier['page']['p50_ms']:6.1f} ms  "
                f"p99 {dernier['page']['p99_ms']:7.1f} ms | page nue {dernier['reference']['debit']:7.1f} req/s "
                f"| ratio {ratio:.3f} (budget {budget}) {'tenu' if ratio >= budget else 'NON TENU'}"
                + (f" — {erreurs} réponses en erreur" if erreurs else "")
                + (
                    f" — {dernier['page']['ecritures']} écritures / {dernier['page']['requetes']} requêtes"
                    if "ecritures" in dernier["page"]
                    else ""
                )
            )
    finally:
        serveur.send_signal(signal.SIGTERM)
        serveur.wait(10)
    (RESULTATS / "production.json").write_text(json.dumps(resultats, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
