"""The submission workflow of a programmation (DESIGN.md §2, §3.4):

    brouillon ─┐
               ├─ transmettre (agent of the department) ─→ transmise ─ valider (SG-CIPDR) ─→ validee
    a_corriger ┘                                            │                                 │
        ↑                                                   │ renvoyer (SG-CIPDR, comment)    │ rouvrir
        └───────────────────────────────────────────────────┴─────────────────────────────────┘ (comment)

Each transition is one transaction that locks the programmation row, checks who asks and what the stored
verdicts allow, changes the status with ``save(update_fields=...)`` (so that django-simple-history records
it), writes a ``Commentaire`` to the thread, and e-mails the other side once the transaction has committed
(through the task queue, with retries). A validation also creates the next validated version (its PDF is
rendered after the commit: ``programmation.versions``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string

from eligibilite.regles.libelles import texte_de_refus
from fipd.acces import exiger, peut_instruire, peut_transmettre
from fipd.models import Role
from programmation.textes import compter

from .ecriture.verrous import controler_exercice_ouvert, verrouiller
from .models import Action, Commentaire, Decision, Programmation, Statut
from .taches import envoyer_courriel
from .versions import creer_version

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transition:
    nom: str
    depuis: tuple[str, ...]
    vers: str
    libelle: str  # the button
    commentaire_obligatoire: bool
    vers_sgcipdr: bool  # who is told: the SG-CIPDR (True) or the department's agents
    sujet: str  # completed with the programmation
    gabarit: str


TRANSMETTRE = Transition(
    "transmettre",
    (Statut.BROUILLON, Statut.A_CORRIGER),
    Statut.TRANSMISE,
    "Transmettre au SG-CIPDR",
    False,
    True,
    "transmise au SG-CIPDR",
    "emails/programmation_transmise.txt",
)
VALIDER = Transition(
    "valider",
    (Statut.TRANSMISE,),
    Statut.VALIDEE,
    "Valider la programmation",
    False,
    False,
    "validée par le SG-CIPDR",
    "emails/programmation_validee.txt",
)
RENVOYER = Transition(
    "renvoyer",
    (Statut.TRANSMISE,),
    Statut.A_CORRIGER,
    "Renvoyer pour correction",
    True,
    False,
    "renvoyée pour correction",
    "emails/programmation_a_corriger.txt",
)
ROUVRIR = Transition(
    "rouvrir",
    (Statut.VALIDEE,),
    Statut.A_CORRIGER,
    "Rouvrir pour correction",
    True,
    False,
    "rouverte pour correction",
    "emails/programmation_rouverte.txt",
)
TRANSITIONS = {t.nom: t for t in (TRANSMETTRE, VALIDER, RENVOYER, ROUVRIR)}
COMMENTAIRE_OBLIGATOIRE = "Le commentaire est obligatoire : dites à la préfecture ce qu'elle doit corriger."


def autorisee(
    transition: Transition, user, programmation: Programmation, *, agent: bool | None = None
) -> bool:
    """Whether ``user``'s role allows ``transition`` (the status and the verdicts are checked when it runs).

    ``agent``: ``peut_transmettre(user, programmation)`` when the caller already knows it (one query less).
    """
    if transition is TRANSMETTRE:
        return peut_transmettre(user, programmation) if agent is None else agent
    return peut_instruire(user)


def possible(transition: Transition, programmation: Programmation) -> bool:
    """Whether the programmation's status (and its exercice) lets ``transition`` run at all."""
    return programmation.statut in transition.depuis and not programmation.exercice.cloture


def motifs_de_refus(transition: Transition, programmation: Programmation) -> list[str]:
    """What stands in the way of ``transition``, read from the stored verdicts and counts (one query)."""
    if transition not in (TRANSMETTRE, VALIDER):
        return []
    if transition is TRANSMETTRE and programmation.total_fipd <= 0 and not programmation.nb_en_instruction:
        # Read from the stored total: no query. An empty programmation was transmitted in one click (issue 9).
        return [
            "La programmation ne retient encore aucune action financée par le FIPD : il n'y a rien à "
            "transmettre. Saisissez ou importez les actions, puis retenez celles que vous financez."
        ]
    en_instruction_compte = transition is TRANSMETTRE and programmation.nb_en_instruction > 0
    if not programmation.nb_bloquants and not en_instruction_compte:
        return []
    motifs = [
        texte_de_refus(v["regle"], v["message"], v["source"])
        for v in programmation.verdicts
        if v.get("niveau") == "bloquant"
    ]
    condition = Q(decision=Decision.RETENUE, nb_bloquants__gt=0)
    if en_instruction_compte:
        condition |= Q(decision=Decision.EN_INSTRUCTION)
    en_instruction = []
    lignes = (
        Action.objects.filter(programmation=programmation)
        .filter(condition)
        .order_by("reference")
        .values_list("reference", "decision", "verdicts")
    )
    for reference, decision, verdicts in lignes:
        if decision == Decision.EN_INSTRUCTION:
            en_instruction.append(reference)
            continue
        motifs.extend(
            f"Action {reference} – {texte_de_refus(v['regle'], v['message'], v['source'])}"
            for v in verdicts
            if v.get("niveau") == "bloquant"
        )
    if en_instruction:
        motifs.append(
            f"{compter(len(en_instruction), 'action')} encore en instruction, à retenir ou non avant de transmettre : "
            + ", ".join(en_instruction)
            + "."
        )
    if not motifs:  # stored counts ahead of the stored lists: say so rather than refuse in silence
        motifs.append("La programmation compte encore des verdicts bloquants.")
    return motifs


def changer_statut(programmation_id: int, nom: str, auteur, texte: str = "", lien: str = "") -> Programmation:
    """Runs the transition ``nom`` for ``auteur``; raises ``PermissionDenied`` when their role does not allow
    it and ``ValidationError`` (a list of French messages) when the programmation does not. ``lien``: the
    absolute URL of the programmation page, for the e-mail."""
    transition = TRANSITIONS[nom]
    texte = (texte or "").strip()
    with transaction.atomic():
        programmation = verrouiller(programmation_id)
        exiger(autorisee(transition, auteur, programmation))
        controler_exercice_ouvert(programmation.exercice, "sa programmation est")
        if programmation.statut not in transition.depuis:
            raise ValidationError(
                f"La programmation est « {programmation.get_statut_display()} » : « {transition.libelle} » "
                "n'est pas possible.",
                code="statut",
            )
        if transition.commentaire_obligatoire and not texte:
            raise ValidationError(
                {"texte": COMMENTAIRE_OBLIGATOIRE},
                code="commentaire_obligatoire",
            )
        motifs = motifs_de_refus(transition, programmation)
        if motifs:
            raise ValidationError([ValidationError(m, code="verdicts") for m in motifs])
        avant = programmation.statut
        programmation.statut = transition.vers
        programmation.save(update_fields=["statut", "modifie_le"])
        Commentaire.objects.create(
            programmation=programmation,
            auteur=auteur,
            texte=texte,
            statut_avant=avant,
            statut_apres=transition.vers,
        )
        if transition is VALIDER:
            creer_version(programmation)  # rendered once this transaction commits (DESIGN.md §9)
        courriel = _courriel(transition, programmation, auteur, texte, lien)
        transaction.on_commit(lambda: _envoyer(*courriel), robust=True)
    return programmation


def destinataires(transition: Transition, programmation: Programmation) -> list[str]:
    utilisateurs = get_user_model().objects.filter(is_active=True).exclude(email="")
    if transition.vers_sgcipdr:
        utilisateurs = utilisateurs.filter(role=Role.INSTRUCTEUR_SGCIPDR)
    else:
        utilisateurs = utilisateurs.filter(
            role=Role.AGENT_PREFECTURE, departements=programmation.departement_id
        )
    return sorted(set(utilisateurs.values_list("email", flat=True)))


def _courriel(transition, programmation, auteur, texte, lien) -> tuple[str, str, list[str]]:
    sujet = (
        f"FIPD – Programmation {programmation.programme.code} {programmation.exercice.annee} – "
        f"{programmation.departement} : {transition.sujet}"
    )
    corps = render_to_string(
        transition.gabarit,
        {
            "programmation": programmation,
            "auteur": auteur.get_full_name() or auteur.get_username(),
            "texte": texte,
            "lien": lien,
        },
    )
    return sujet, corps, destinataires(transition, programmation)


def _envoyer(sujet: str, corps: str, adresses: list[str]) -> None:
    """One task per recipient (no one sees the others' addresses; an SMTP failure retries that one only),
    queued once the transaction has committed."""
    if not adresses:
        logger.warning("Aucun destinataire pour « %s ».", sujet)
        return
    for adresse in adresses:
        envoyer_courriel.delay(sujet, corps, adresse)
