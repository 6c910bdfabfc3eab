"""``python manage.py importer_programmation FICHIER --departement 59 --annee 2026 --programme R [--dry-run]``:
the spreadsheet import of DESIGN.md §5 on the command line, with the same behaviour as the page.

Reads a CSV or XLSX file in the import format (same limits as ``verifier_programmation``: size checked before
reading, 5 000 rows), matches or creates porteurs, creates or updates actions, and writes everything in one
transaction under the write rule (DESIGN.md §3.4); the programmation is created as a draft when it does not
exist yet, in an open exercice. ``--dry-run`` says what the import would do and writes nothing.

Exit status: 0 when imported (a French summary on stdout); 1 when refused — by the write rule (each refusal
on stderr), or because the programmation is read-only or its exercice not open; 2 on bad input — an
unreadable file, a faulty row (its line, column and a French message on stderr, the first 200 then their
count), an unknown department, programme or exercice, or a database without reference data.
"""

import sys
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.utils import OperationalError, ProgrammingError

from eligibilite.regles import arrondi_inferieur, montant
from eligibilite.regles.montants import lisible
from programmation.ecriture.import_ import Bilan, importer, lire_fichier_importe, motif_import
from programmation.management.commands.verifier_programmation import lire_fichier
from programmation.models import Departement, Exercice, Programmation, Programme, Statut
from programmation.verification import BaseNonMigree, FichierInvalide, problemes_affiches

SORTIE_IMPORTEE, SORTIE_REFUSEE, SORTIE_MAUVAISE_ENTREE = 0, 1, 2


class Refus(Exception):
    """The import is refused (exit 1); its text is the French message."""


class Command(BaseCommand):
    help = (
        "Importe une programmation depuis un tableur CSV ou XLSX au format d'import : crée ou met à jour les "
        "actions et les porteurs, en une seule transaction, sous la règle d'écriture. Sortie 0 : importée ; "
        "1 : refusée (règles d'éligibilité, programmation en lecture seule, exercice non ouvert) ; 2 : fichier "
        "ou options invalides (chaque problème sur la sortie d'erreur)."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", metavar="FICHIER", help="Le tableur : un fichier .csv ou .xlsx.")
        parser.add_argument("--departement", required=True, help="Code du département (par exemple 59).")
        parser.add_argument(
            "--annee", required=True, type=int, help="Année de l'exercice (par exemple 2026)."
        )
        parser.add_argument("--programme", required=True, help="Code du programme (R, D, S ou K).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche ce que l'import ferait, sans rien enregistrer.",
        )

    def handle(self, *args, fichier, departement, annee, programme, dry_run, **options):
        try:
            contenu = lire_fichier(fichier)
            with transaction.atomic():
                programmation, creee = self.programmation(departement, annee, programme.upper())
                lue = lire_fichier_importe(programmation, contenu, fichier)
                if lue.problemes:
                    raise FichierInvalide(lue.problemes.lignes())
                bilan = importer(
                    programmation,
                    lue.actions,
                    motif=motif_import(fichier),
                    colonnes=lue.colonnes,
                    dry_run=dry_run,
                )
                if dry_run or not bilan.acceptable:
                    transaction.set_rollback(True)  # a programmation created for the import goes too
        except FichierInvalide as e:
            self.sortir(SORTIE_MAUVAISE_ENTREE, e.erreurs)
        except BaseNonMigree as e:
            self.sortir(SORTIE_MAUVAISE_ENTREE, [str(e)])
        except (OperationalError, ProgrammingError) as e:
            self.sortir(
                SORTIE_MAUVAISE_ENTREE, [f"La base de données n'a pas pu être lue ({e}). {BaseNonMigree()}"]
            )
        except Refus as e:
            self.sortir(SORTIE_REFUSEE, [str(e)])
        except ValidationError as e:
            self.sortir(SORTIE_REFUSEE, [f"Import refusé : {m}" for m in e.messages])
        if bilan.erreurs:
            self.sortir(SORTIE_MAUVAISE_ENTREE, bilan.erreurs)
        if bilan.refus:
            n = len(bilan.refus)
            entete = (
                f"Import refusé par la règle d'écriture ({n} motif{'s' if n > 1 else ''}) : rien n'a été "
                "enregistré."
            )
            self.sortir(SORTIE_REFUSEE, [entete, *bilan.refus])
        self.resumer(bilan, fichier, creee, dry_run)

    def programmation(self, departement: str, annee: int, programme: str) -> tuple[Programmation, bool]:
        """The programmation, created as a draft when it does not exist (in an open exercice only)."""
        if not Departement.objects.exists():
            raise BaseNonMigree()
        problemes = []
        dep = Departement.objects.filter(code=departement).first()
        if dep is None:
            problemes.append(f"Option --departement : département inconnu « {lisible(departement)} ».")
        prog = Programme.objects.filter(code=programme).first()
        if prog is None:
            codes = ", ".join(Programme.objects.order_by("code").values_list("code", flat=True))
            problemes.append(
                f"Option --programme : programme inconnu « {lisible(programme)} » (codes admis : {codes})."
            )
        exercice = Exercice.objects.filter(annee=annee).first()
        if exercice is None:
            problemes.append(f"Option --annee : l'exercice {annee} n'existe pas.")
        if problemes:
            raise FichierInvalide(problemes)
        programmation = (
            Programmation.objects.select_related("exercice", "departement", "programme")
            .filter(exercice=exercice, departement=dep, programme=prog)
            .first()
        )
        if programmation is not None:
            return programmation, False
        if not exercice.ouvert:
            etat = "clôturé" if exercice.cloture else "en préparation"
            raise Refus(
                f"L'exercice {annee} est {etat} : une programmation ne peut être créée que dans un exercice "
                f"ouvert, et le département {dep.code} n'a pas de programmation {prog.code} pour {annee}."
            )
        programmation = Programmation(
            exercice=exercice, departement=dep, programme=prog, statut=Statut.BROUILLON
        )
        programmation.save()
        return programmation, True

    def resumer(self, bilan: Bilan, fichier: str, creee: bool, dry_run: bool) -> None:
        p = bilan.programmation
        titre = f"programmation {p.programme.code} {p.exercice.annee} – {p.departement}"
        if dry_run:
            self.stdout.write(
                f"Simulation (--dry-run) de l'import de « {fichier} » : rien n'a été enregistré."
            )
            if creee:
                self.stdout.write(f"La {titre} n'existe pas : elle serait créée en brouillon.")
        else:
            cree = " (créée en brouillon)" if creee else ""
            self.stdout.write(f"Import de « {fichier} » dans la {titre}{cree}.")
        self.stdout.write(bilan.resume(simulation=dry_run))
        t = bilan.totaux
        enveloppe = montant(bilan.enveloppe) if bilan.enveloppe_notifiee else "aucune enveloppe notifiée"
        self.stdout.write(f"Total FIPD retenu : {montant(t.total_fipd)} (enveloppe : {enveloppe}).")
        if bilan.plafond_formation is not None:
            self.stdout.write(
                f"Formation retenue : {montant(t.total_formation)} ; plafond : "
                f"{montant(arrondi_inferieur(bilan.plafond_formation))} ({bilan.lecture_plafond})."
            )
        b, a = bilan.nb_bloquants, bilan.nb_alertes
        self.stdout.write(
            f"Verdicts : {b} bloquant{'s' if b > 1 else ''}, {a} alerte{'s' if a > 1 else ''} ; "
            f"{bilan.nb_en_instruction} action{'s' if bilan.nb_en_instruction > 1 else ''} en instruction."
        )

    def sortir(self, code: int, lignes) -> NoReturn:
        for ligne in problemes_affiches(list(lignes)):
            self.stderr.write(ligne)
        self.stderr.flush()
        sys.exit(code)
