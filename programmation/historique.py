"""Readable history (django-simple-history): who changed what, when, each field before → after.

Historical records are fetched in one or two queries per list and compared in Python
(``diff_against``), so a page's query count does not depend on how many records there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from eligibilite.regles import montant
from eligibilite.regles.snpd import MESURES_PAR_NUMERO

from .models import Action, MouvementEnveloppe, NatureMouvement, Porteur, Programmation, Statut

NATURES = {"+": "Création", "~": "Modification", "-": "Suppression"}
VIDE = "(vide)"


@dataclass(frozen=True)
class Changement:
    champ: str
    avant: str
    apres: str


@dataclass
class Evenement:
    date: datetime
    auteur: str
    nature: str  # Création, Modification, Suppression
    objet: str = ""
    resume: str = ""
    changements: list[Changement] = field(default_factory=list)
    lien: str = ""
    motif: str = ""  # the reason a bulk write gave (« Import du fichier programmation.xlsx »)


def auteur(record) -> str:
    user = record.history_user
    if user is None:
        return "Système"
    return user.get_full_name() or user.get_username()


def valeur_lisible(champ: models.Field, valeur, noms: dict | None = None) -> str:
    if valeur is None or valeur == "":
        return VIDE
    if champ.name == "mesure_snpd":  # keyed by the measure's number: named from the reference module
        mesure = MESURES_PAR_NUMERO.get(valeur)
        return str(mesure) if mesure else f"mesure n° {valeur}"
    if champ.is_relation:  # a porteur (``noms``: the porteurs' names by id)
        return (noms or {}).get(valeur, f"n° {valeur}")
    if champ.choices:
        return str(dict(champ.flatchoices).get(valeur, valeur))
    if isinstance(champ, models.BooleanField):
        return "oui" if valeur else "non"
    if isinstance(champ, models.DecimalField):
        return montant(Decimal(valeur))
    if isinstance(champ, models.DateTimeField):
        return timezone.localtime(valeur).strftime("%d/%m/%Y %H:%M")
    if isinstance(champ, models.DateField) and isinstance(valeur, date):
        return valeur.strftime("%d/%m/%Y")
    return str(valeur)


def changements(
    nouveau, ancien, modele: type[models.Model], noms: dict | None = None, exclus: Iterable[str] = ()
) -> list[Changement]:
    """The fields that differ between two historical records of ``modele``, in the model's field order."""
    delta = nouveau.diff_against(ancien, excluded_fields=set(exclus))
    ordre = {f.name: i for i, f in enumerate(modele._meta.fields)}
    resultat = []
    for change in sorted(delta.changes, key=lambda c: ordre.get(c.field, len(ordre))):
        champ = modele._meta.get_field(change.field)
        resultat.append(
            Changement(
                str(champ.verbose_name),
                valeur_lisible(champ, change.old, noms),
                valeur_lisible(champ, change.new, noms),
            )
        )
    return resultat


def _noms_porteurs(paires: Sequence[tuple]) -> dict[int, str]:
    """Names of the porteurs that a porteur change mentions (one query, none when no porteur changed)."""
    ids = set()
    for nouveau, ancien in paires:
        if ancien is not None and nouveau.porteur_id != ancien.porteur_id:
            ids.update((nouveau.porteur_id, ancien.porteur_id))
    return dict(Porteur.objects.filter(pk__in=ids).values_list("pk", "nom")) if ids else {}


def _evenement_action(nouveau, ancien, noms, avec_objet: bool) -> Evenement:
    evenement = Evenement(
        date=nouveau.history_date,
        auteur=auteur(nouveau),
        nature=NATURES.get(nouveau.history_type, nouveau.history_type),
        objet=f"{nouveau.reference} – {nouveau.intitule}" if avec_objet else "",
        motif=nouveau.history_change_reason or "",
    )
    if nouveau.history_type == "~" and ancien is not None:
        evenement.changements = changements(nouveau, ancien, Action, noms)
    elif nouveau.history_type == "+":
        evenement.resume = (
            f"montant FIPD {montant(nouveau.montant_fipd)}, coût total {montant(nouveau.cout_total)}, "
            f"décision « {valeur_lisible(Action._meta.get_field('decision'), nouveau.decision)} »"
        )
    if nouveau.history_type != "-":
        evenement.lien = reverse("action", kwargs={"pk": nouveau.id})
    return evenement


def historique_action(action: Action) -> list[Evenement]:
    """Every recorded change of one action, newest first (two queries at most)."""
    records = list(Action.history.filter(id=action.pk).select_related("history_user").order_by("history_id"))
    paires = list(zip(records, [None, *records[:-1]], strict=True))
    noms = _noms_porteurs(paires)
    return [_evenement_action(n, a, noms, avec_objet=False) for n, a in reversed(paires)]


def historique_actions(programmation: Programmation, limite: int = 50) -> list[Evenement]:
    """The latest ``limite`` changes across the programmation's actions, deleted ones included, newest first:
    one query for the records (each with the id of the record before it), one for those earlier records."""
    precedent = (
        Action.history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    records = list(
        Action.history.filter(programmation_id=programmation.pk)
        .annotate(precedent_id=Subquery(precedent))
        .select_related("history_user")
        .order_by("-history_id")[:limite]
    )
    ids = [r.precedent_id for r in records if r.history_type == "~" and r.precedent_id]
    precedents = Action.history.in_bulk(ids) if ids else {}
    paires = [(r, precedents.get(r.precedent_id)) for r in records]
    noms = _noms_porteurs(paires)
    evenements = []
    for nouveau, ancien in paires:
        evenement = _evenement_action(nouveau, ancien, noms, avec_objet=True)
        if nouveau.history_type == "~" and not evenement.changements:
            continue  # a save that changed nothing visible (stored verdicts only, say)
        evenements.append(evenement)
    return evenements


def historique_statut(programmation: Programmation) -> list[Evenement]:
    """The programmation's creation and each status change, newest first (one query)."""
    champ = Programmation._meta.get_field("statut")
    evenements, avant = [], None
    for record in (
        Programmation.history.filter(id=programmation.pk)
        .select_related("history_user")
        .only("history_id", "history_date", "history_type", "history_user", "statut")
        .order_by("history_id")
    ):
        if avant is None:
            resume = f"statut « {valeur_lisible(champ, record.statut)} »"
            evenements.append(Evenement(record.history_date, auteur(record), "Création", resume=resume))
        elif record.statut != avant:
            evenements.append(
                Evenement(
                    record.history_date,
                    auteur(record),
                    "Changement de statut",
                    changements=[Changement("statut", Statut(avant).label, Statut(record.statut).label)],
                )
            )
        avant = record.statut
    return list(reversed(evenements))


def historique_mouvements(enveloppe_id: int | None) -> list[Evenement]:
    """Each recorded change of the envelope's movements, newest first (one query)."""
    if enveloppe_id is None:
        return []
    records = list(
        MouvementEnveloppe.history.filter(enveloppe_id=enveloppe_id)
        .select_related("history_user")
        .order_by("history_id")
    )
    derniers: dict[int, object] = {}
    evenements = []
    for record in records:
        ancien = derniers.get(record.id)
        nature = dict(NatureMouvement.choices).get(record.nature, record.nature)
        evenement = Evenement(
            record.history_date,
            auteur(record),
            NATURES.get(record.history_type, record.history_type),
            objet=f"{nature} du {record.date:%d/%m/%Y}",
        )
        if record.history_type == "~" and ancien is not None:
            evenement.changements = changements(record, ancien, MouvementEnveloppe, exclus={"enveloppe"})
        else:
            evenement.resume = f"{montant(record.montant)} – {record.motif}"
        evenements.append(evenement)
        derniers[record.id] = record
    return list(reversed(evenements))
