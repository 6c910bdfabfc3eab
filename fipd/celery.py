"""The task queue (Celery): PDF of a validated version, e-mails of the workflow.

The broker is Redis at ``REDIS_URL``. Without it (``make run``, the tests), tasks run in the web process, once
the transaction that asked for them has committed (``CELERY_TASK_ALWAYS_EAGER``): nothing else to start.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fipd.settings")

app = Celery("fipd")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="taches")
