"""Loads the demo data of DESIGN.md §6 from fixtures/demo.json, through the guarded writes.

Debug only; running it twice is harmless (what exists is kept, what is missing is added).
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fipd.models import Utilisateur
from programmation.ecriture import Cofinanceur, ecrire_actions
from programmation.models import (
    Action,
    CelluleSuivi,
    Commentaire,
    Departement,
    Enveloppe,
    Exercice,
    MouvementEnveloppe,
    Porteur,
    Programmation,
    Programme,
    Region,
    Statut,
)
from programmation.textes import compter
from programmation.versions import generer, nouvelle_version

FICHIER = Path(settings.BASE_DIR) / "fixtures" / "demo.json"
EXERCICES_CLOTURES = range(2018, 2026)  # past campaigns: read-only
EXERCICE_OUVERT = 2026
EXERCICE_EN_PREPARATION = 2027


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (comptes, enveloppes, programmations) – en mode debug seulement."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Charger même hors du mode debug.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Les données de démonstration ne se chargent qu'en mode debug (DJANGO_DEBUG=1), "
                "jamais sur une instance réelle."
            )
        if not Departement.objects.exists():
            raise CommandError(
                "Les données de référence manquent : exécutez d'abord « python manage.py migrate »."
            )
        donnees = json.loads(FICHIER.read_text(encoding="utf-8"))
        with transaction.atomic():
            comptes = self.comptes(donnees)
            self.cellules(donnees["cellules"])
            self.enveloppes(donnees["enveloppes"])
            porteurs = self.porteurs(donnees["porteurs"])
            n = sum(self.programmation(p, porteurs, comptes) for p in donnees["programmations"])
            Exercice.objects.filter(annee__in=EXERCICES_CLOTURES).update(etat="cloture")
            Exercice.objects.filter(annee=EXERCICE_OUVERT).update(etat="ouvert")
            Exercice.objects.get_or_create(annee=EXERCICE_EN_PREPARATION, defaults={"etat": "en_preparation"})
        versions = self.versions_validees()
        self.stdout.write(
            self.style.SUCCESS(
                f"Démonstration prête : {len(comptes)} comptes (mot de passe « {donnees['mot_de_passe']} »), "
                f"{compter(n, 'action ajoutée', 'actions ajoutées')}, "
                f"{compter(versions, 'version validée produite', 'versions validées produites')}."
            )
        )

    def versions_validees(self) -> int:
        """Each validated programmation gets its validated version's PDF, rendered here, synchronously (not
        through the queue: the demo is complete when the command ends)."""
        produites = 0
        for p in Programmation.objects.filter(statut=Statut.VALIDEE).order_by("pk"):
            version = p.versions_validees.order_by("-numero").first()
            if version is None:
                version = nouvelle_version(p)
            if not version.prete:
                version = generer(version.pk)
                if not version.prete:
                    raise CommandError(
                        f"La version validée de la {p} n'a pas pu être produite : {version.erreur}"
                    )
                produites += 1
        return produites

    def comptes(self, donnees):
        comptes = {}
        for c in donnees["comptes"]:
            user, cree = Utilisateur.objects.get_or_create(
                username=c["username"],
                defaults={
                    "first_name": c["first_name"],
                    "last_name": c["last_name"],
                    "email": c["email"],
                    "role": c["role"],
                    "is_staff": c.get("superuser", False),
                    "is_superuser": c.get("superuser", False),
                    "region": Region.objects.get(code=c["region"]) if c.get("region") else None,
                },
            )
            if cree:
                user.set_password(donnees["mot_de_passe"])
                user.save()
                user.departements.set(Departement.objects.filter(code__in=c.get("departements", [])))
            comptes[c["username"]] = user
        return comptes

    def cellules(self, cellules):
        for c in cellules:
            CelluleSuivi.objects.get_or_create(
                departement=Departement.objects.get(code=c["departement"]),
                exercice=Exercice.objects.get(annee=c["annee"]),
                defaults={"active": c["active"]},
            )

    def enveloppes(self, enveloppes):
        # Regional envelopes come first in the file: departmental ones may not exceed them.
        for e in enveloppes:
            exercice = Exercice.objects.get(annee=e["annee"])
            if exercice.cloture:
                continue
            enveloppe, _ = Enveloppe.objects.get_or_create(
                exercice=exercice,
                programme=Programme.objects.get(code=e["programme"]),
                region=Region.objects.get(code=e["region"]) if "region" in e else None,
                departement=Departement.objects.get(code=e["departement"]) if "departement" in e else None,
            )
            if enveloppe.mouvements.exists():
                continue
            for jour, nature, montant, motif in e["mouvements"]:
                MouvementEnveloppe(
                    enveloppe=enveloppe,
                    date=date.fromisoformat(jour),
                    nature=nature,
                    montant=Decimal(montant),
                    motif=motif,
                ).save()

    def porteurs(self, porteurs):
        index = {}
        for p in porteurs:
            departement = Departement.objects.get(code=p["departement"])
            porteur = Porteur.objects.filter(departement=departement, nom=p["nom"]).first()
            if porteur is None:
                porteur = Porteur(
                    departement=departement,
                    nom=p["nom"],
                    type=p["type"],
                    siret=p.get("siret", ""),
                    rna=p.get("rna", ""),
                )
                porteur.save()
            index[(p["departement"], p["nom"])] = porteur
        return index

    def programmation(self, p, porteurs, comptes):
        exercice = Exercice.objects.get(annee=p["annee"])
        if exercice.cloture:
            return 0
        programmation, _ = Programmation.objects.get_or_create(
            exercice=exercice,
            departement=Departement.objects.get(code=p["departement"]),
            programme=Programme.objects.get(code=p["programme"]),
        )
        if programmation.statut != Statut.BROUILLON:
            return 0  # already loaded and moved on in the workflow
        existantes = set(programmation.actions.values_list("reference", flat=True))
        nouvelles, cofinancements = [], {}
        for a in p["actions"]:
            if a["reference"] in existantes:
                continue
            champs = {k: v for k, v in a.items() if k not in ("porteur", "cofinancements", "mesure_snpd")}
            if a.get("mesure_snpd") is not None:
                champs["mesure_snpd_id"] = a["mesure_snpd"]  # the measure's number (the foreign key's key)
            for montant in ("cout_total", "montant_demande", "montant_fipd"):
                if montant in champs:
                    champs[montant] = Decimal(champs[montant])
            for jour in ("date_debut", "date_fin"):
                if jour in champs:
                    champs[jour] = date.fromisoformat(champs[jour])
            if champs.get("decision", "en_instruction") != "en_instruction":
                champs["date_decision"] = date(p["annee"], 3, 15)
            if a.get("cofinancements"):
                # [financeur, montant] or [financeur, montant, true] for State money (DETR, DSIL…).
                cofinancements[len(nouvelles)] = [
                    Cofinanceur(f, Decimal(m), bool(etat and etat[0])) for f, m, *etat in a["cofinancements"]
                ]
            nouvelles.append(
                Action(
                    programmation=programmation, porteur=porteurs[(p["departement"], a["porteur"])], **champs
                )
            )
        if nouvelles:
            ecrire_actions(programmation.pk, nouvelles, cofinancements=cofinancements)
        self.statut(programmation, p, comptes)
        return len(nouvelles)

    def statut(self, programmation, p, comptes):
        """Moves the programmation along the workflow as a prefecture and the SG-CIPDR would have."""
        cible = p.get("statut", Statut.BROUILLON)
        etapes = {
            Statut.BROUILLON: [],
            Statut.TRANSMISE: [Statut.TRANSMISE],
            Statut.VALIDEE: [Statut.TRANSMISE, Statut.VALIDEE],
            Statut.A_CORRIGER: [Statut.TRANSMISE, Statut.A_CORRIGER],
        }[cible]
        agent = Utilisateur.objects.filter(departements=programmation.departement).first()
        for statut in etapes:
            avant = programmation.statut
            programmation.statut = statut
            programmation.save(update_fields=["statut", "modifie_le"])
            auteur = agent if statut == Statut.TRANSMISE else comptes["sgcipdr"]
            texte = p.get("commentaire", "") if statut == Statut.A_CORRIGER else ""
            if statut == Statut.TRANSMISE:
                texte = "Programmation transmise au SG-CIPDR."
            elif statut == Statut.VALIDEE:
                texte = "Programmation validée."
            Commentaire.objects.create(
                programmation=programmation,
                auteur=auteur,
                texte=texte,
                statut_avant=avant,
                statut_apres=statut,
            )
