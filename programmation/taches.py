"""The tasks of the queue (fipd/celery.py): a validated version's PDF, the workflow's e-mails."""

from __future__ import annotations

import smtplib

from celery import shared_task

from fipd.journal import IDENTIFIANT


@shared_task(ignore_result=True)
def generer_version(version_id: int, identifiant: str = "-") -> None:
    """Renders a validated version's PDF once; a failure is recorded on the version (état « échec »)."""
    from .versions import generer

    jeton = IDENTIFIANT.set(identifiant or "-")  # the log lines carry the request that validated
    try:
        generer(version_id)
    finally:
        IDENTIFIANT.reset(jeton)


@shared_task(
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,  # 30 s, 60 s, 120 s… with jitter
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=6,
)
def envoyer_courriel(sujet: str, corps: str, adresse: str) -> None:
    """One message to one recipient (a retry resends to that one only; no one sees the others' addresses)."""
    from django.core.mail import send_mail

    send_mail(sujet, corps, None, [adresse])
