"""The task queue: without REDIS_URL, tasks run in-process after the commit; the workflow's e-mails go
through a task retried on SMTP and network errors."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from programmation.taches import envoyer_courriel
from programmation.workflow import _envoyer

pytestmark = pytest.mark.django_db


class PanneUneFois(EmailBackend):
    """The in-memory backend, whose first sending fails as a refused SMTP server would."""

    echecs = 0

    def send_messages(self, messages):
        if PanneUneFois.echecs == 0:
            PanneUneFois.echecs += 1
            raise smtplib.SMTPServerDisconnected("Connexion perdue")
        return super().send_messages(messages)


def test_without_redis_tasks_run_eagerly(settings):
    from fipd.celery import app

    assert app.conf.task_always_eager is True
    assert app.conf.broker_url == "memory://localhost/"


def test_an_email_refused_once_by_the_server_is_retried_and_sent_once(settings):
    settings.EMAIL_BACKEND = "tests.programmation.test_taches.PanneUneFois"
    PanneUneFois.echecs = 0

    envoyer_courriel.delay("Sujet", "Corps", "agent@nord.gouv.fr")

    assert PanneUneFois.echecs == 1
    assert [m.to for m in mail.outbox] == [["agent@nord.gouv.fr"]]


def test_retries_are_bounded(settings):
    essais = []

    class ToujoursEnPanne(EmailBackend):
        def send_messages(self, messages):
            essais.append(1)
            raise ConnectionRefusedError("Serveur SMTP injoignable")

    settings.EMAIL_BACKEND = f"{__name__}.ToujoursEnPanne"
    globals()["ToujoursEnPanne"] = ToujoursEnPanne
    resultat = envoyer_courriel.delay("Sujet", "Corps", "agent@nord.gouv.fr")
    assert isinstance(resultat.result, ConnectionRefusedError)  # given up after max_retries, not forever
    assert len(essais) == 1 + envoyer_courriel.max_retries == 7
    assert mail.outbox == []


def test_the_workflow_sends_one_task_per_recipient(django_capture_on_commit_callbacks):
    _envoyer("Sujet", "Corps", ["a@x.fr", "b@x.fr"])
    assert sorted(m.to[0] for m in mail.outbox) == ["a@x.fr", "b@x.fr"]
