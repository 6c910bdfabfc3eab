"""``python manage.py verifier_programmation FICHIER``: the check contract of DESIGN.md §4.

Prints the JSON report on stdout and exits 0 when the programmation is eligible, 1 when a blocking verdict
exists; on bad input, prints nothing on stdout, every problem on stderr (one French line each) and exits 2.
Reads the database, never writes to it.
"""

import json
import sys
from pathlib import Path
from typing import NoReturn

from django.core.management.base import BaseCommand
from django.db.utils import OperationalError, ProgrammingError

from programmation.verification import OPTIONS_ENTETE, BaseNonMigree, FichierInvalide, verifier

FORMATS_A_VENIR = (".csv", ".xlsx")
SORTIE_ELIGIBLE, SORTIE_BLOQUANTE, SORTIE_MAUVAISE_ENTREE = 0, 1, 2


class Command(BaseCommand):
    help = (
        "Vérifie une programmation décrite dans un fichier JSON, sans rien enregistrer, et affiche le "
        "rapport JSON des règles d'éligibilité. Sortie 0 : éligible ; 1 : au moins un verdict bloquant ; "
        "2 : fichier invalide (chaque problème sur la sortie d'erreur) ou base non migrée."
    )
    requires_system_checks = []  # a read-only check: its output is the report and nothing else

    def add_arguments(self, parser):
        parser.add_argument(
            "fichier", metavar="FICHIER", help="La programmation, au format JSON (DESIGN.md §4)."
        )
        remplace = "Avec un fichier JSON, remplace le champ « {} » du fichier."
        parser.add_argument(
            "--departement", help=f"Code du département (par exemple 59). {remplace.format('departement')}"
        )
        parser.add_argument(
            "--annee", help=f"Année de l'exercice (par exemple 2026). {remplace.format('annee')}"
        )
        parser.add_argument(
            "--programme", help=f"Code du programme (R, D, S ou K). {remplace.format('programme')}"
        )
        parser.add_argument(
            "--enveloppe",
            help=f"Enveloppe notifiée, avec un point pour les décimales (par exemple 120000.00). "
            f"{remplace.format('enveloppe')}",
        )

    def handle(self, *args, fichier, **options):
        entete = {cle: options[cle] for cle in OPTIONS_ENTETE if options.get(cle) is not None}
        try:
            rapport = verifier(lire_fichier(fichier), entete)
        except FichierInvalide as e:
            self.mauvaise_entree(e.erreurs)
        except BaseNonMigree as e:
            self.mauvaise_entree([str(e)])
        except (OperationalError, ProgrammingError) as e:  # a table missing from a partly migrated database
            self.mauvaise_entree([f"La base de données n'a pas pu être lue ({e}). {BaseNonMigree()}"])
        self.stdout.write(json.dumps(rapport, ensure_ascii=False, indent=2))
        self.stdout.flush()
        if not rapport["eligible"]:
            sys.exit(SORTIE_BLOQUANTE)

    def mauvaise_entree(self, lignes) -> NoReturn:
        for ligne in lignes:
            self.stderr.write(ligne)
        self.stderr.flush()
        sys.exit(SORTIE_MAUVAISE_ENTREE)


def lire_fichier(chemin: str) -> str:
    """The file's text (UTF-8, with or without BOM); a missing or unreadable file is bad input."""
    fichier = Path(chemin)
    if fichier.suffix.lower() in FORMATS_A_VENIR:
        raise FichierInvalide(
            [
                f"Le format {fichier.suffix.lower()} n'est pas encore pris en charge par la vérification : "
                "fournissez la programmation au format JSON."
            ]
        )
    try:
        contenu = fichier.read_bytes()
    except FileNotFoundError:
        raise FichierInvalide([f"Le fichier « {chemin} » n'existe pas."]) from None
    except IsADirectoryError:
        raise FichierInvalide([f"« {chemin} » est un dossier, pas un fichier."]) from None
    except PermissionError:
        raise FichierInvalide([f"Le fichier « {chemin} » n'est pas lisible (droits insuffisants)."]) from None
    except OSError as e:
        raise FichierInvalide(
            [f"Le fichier « {chemin} » n'a pas pu être lu ({e.strerror}).".strip()]
        ) from None
    try:
        return contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FichierInvalide([f"Le fichier « {chemin} » n'est pas encodé en UTF-8."]) from None
