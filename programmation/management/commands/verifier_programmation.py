"""``python manage.py verifier_programmation FICHIER``: the check contract of DESIGN.md §4.

Reads a programmation in JSON, CSV or XLSX (DESIGN.md §5; for CSV and XLSX the options give the header
fields), prints the JSON report on stdout and exits 0 when the programmation is eligible, 1 when a blocking
verdict exists; on bad input, prints nothing on stdout, the problems on stderr (one French line each, the
first 200 then their count) and exits 2. Reads the database, never writes to it.

The file is opened without blocking and read only when it is a regular file, and at most one byte past the
size cap: a FIFO, a device such as /dev/zero or an oversized file is refused before any parsing.
"""

import json
import os
import stat
import sys
from typing import NoReturn

from django.core.management.base import BaseCommand
from django.db.utils import OperationalError, ProgrammingError

from eligibilite.regles.montants import lisible
from programmation.tableur import message_trop_gros, taille_maximale
from programmation.verification import (
    OPTIONS_ENTETE,
    BaseNonMigree,
    FichierInvalide,
    problemes_affiches,
    verifier_fichier,
)

SORTIE_ELIGIBLE, SORTIE_BLOQUANTE, SORTIE_MAUVAISE_ENTREE = 0, 1, 2


class Command(BaseCommand):
    help = (
        "Vérifie une programmation décrite dans un fichier JSON, CSV ou XLSX, sans rien enregistrer, et "
        "affiche le rapport JSON des règles d'éligibilité. Sortie 0 : éligible ; 1 : au moins un verdict "
        "bloquant ; 2 : fichier invalide (chaque problème sur la sortie d'erreur) ou base non migrée."
    )
    requires_system_checks = []  # a read-only check: its output is the report and nothing else

    def add_arguments(self, parser):
        parser.add_argument(
            "fichier",
            metavar="FICHIER",
            help="La programmation : un fichier .json (DESIGN.md §4), .csv ou .xlsx (format d'import, §5).",
        )
        remplace = (
            "Obligatoire avec un fichier CSV ou XLSX ; avec un fichier JSON, remplace le champ « {} » du "
            "fichier."
        )
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
            rapport = verifier_fichier(lire_fichier(fichier), fichier, entete)
        except FichierInvalide as e:
            self.mauvaise_entree(e.erreurs)
        except BaseNonMigree as e:
            self.mauvaise_entree([str(e)])
        except (OperationalError, ProgrammingError) as e:  # a table missing from a partly migrated database
            self.mauvaise_entree([f"La base de données n'a pas pu être lue ({e}). {BaseNonMigree()}"])
        self.stdout.write(ecrivable(json.dumps(rapport, ensure_ascii=False, indent=2)))
        self.stdout.flush()
        if not rapport["eligible"]:
            sys.exit(SORTIE_BLOQUANTE)

    def mauvaise_entree(self, lignes) -> NoReturn:
        for ligne in problemes_affiches(lignes):
            self.stderr.write(ecrivable(ligne))
        self.stderr.flush()
        sys.exit(SORTIE_MAUVAISE_ENTREE)


def ecrivable(texte: str) -> str:
    """Text that UTF-8 can write: a lone surrogate that reached a message (a file name, say) becomes « \\udXXX »
    instead of a UnicodeEncodeError traceback."""
    return texte.encode("utf-8", "backslashreplace").decode("utf-8")


def lire_fichier(chemin: str) -> bytes:
    """The file's bytes: a missing, unreadable, special or oversized file is bad input, said before its
    content is read (never blocking on a FIFO, never reading a device without end)."""
    limite = taille_maximale()
    try:
        descripteur = os.open(chemin, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FichierInvalide([f"Le fichier « {lisible(chemin)} » n'existe pas."]) from None
    except IsADirectoryError:
        raise FichierInvalide([f"« {lisible(chemin)} » est un dossier, pas un fichier."]) from None
    except PermissionError:
        raise FichierInvalide(
            [f"Le fichier « {lisible(chemin)} » n'est pas lisible (droits insuffisants)."]
        ) from None
    except OSError as e:
        raise FichierInvalide(
            [f"Le fichier « {lisible(chemin)} » n'a pas pu être lu ({e.strerror}).".strip()]
        ) from None
    try:
        etat = os.fstat(descripteur)
        if stat.S_ISDIR(etat.st_mode):
            raise FichierInvalide([f"« {lisible(chemin)} » est un dossier, pas un fichier."])
        if not stat.S_ISREG(etat.st_mode):
            raise FichierInvalide(
                [
                    f"« {lisible(chemin)} » n'est pas un fichier ordinaire (c'est un tube, un périphérique ou une "
                    "socket) : indiquez le chemin d'un fichier enregistré sur le disque."
                ]
            )
        if etat.st_size > limite:
            raise FichierInvalide([message_trop_gros(etat.st_size)])
        with open(descripteur, "rb", closefd=False) as fichier:
            contenu = fichier.read(limite + 1)
    except OSError as e:
        raise FichierInvalide(
            [f"Le fichier « {lisible(chemin)} » n'a pas pu être lu ({e.strerror}).".strip()]
        ) from None
    finally:
        os.close(descripteur)
    if len(contenu) > limite:
        raise FichierInvalide([message_trop_gros()])
    return contenu
