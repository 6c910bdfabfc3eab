"""The queue with a real worker on Redis (redis://127.0.0.1:6379/5 unless FIPD_REDIS_TEST says otherwise): a
validation committed in the web process is rendered by the worker. Skipped when Redis does not answer, except
in CI (CI=true), where that is a failure."""

import hashlib
import os
import time
from decimal import Decimal

import pytest

from fipd.celery import app
from programmation.models import EtatVersion, VersionValidee
from programmation.workflow import changer_statut
from tests.factories import ActionFactory, ProgrammationFactory, UtilisateurFactory, departement, doter

REDIS = os.environ.get("FIPD_REDIS_TEST", "redis://127.0.0.1:6379/5")


def _oublier_les_connexions():
    """The app's connection pools were made for the previous broker: closed and forgotten."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


def _redis_ou_absent():
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError as erreur:
        raison = f"Redis injoignable à {REDIS} ({erreur})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"En CI, le test du worker doit tourner : {raison}")
        pytest.skip(f"Test du worker ignoré : {raison} (apt-get install -y redis-server)")


@pytest.fixture
def worker(settings, tmp_path):
    from celery.contrib.testing.worker import start_worker

    _redis_ou_absent()
    settings.MEDIA_ROOT = tmp_path / "media"
    anciens = {cle: app.conf[cle] for cle in ("broker_url", "task_always_eager", "task_default_queue")}
    queue = f"fipd-test-{os.getpid()}"  # a queue of its own: no other run's worker takes these tasks
    app.conf.update(broker_url=REDIS, task_always_eager=False, task_default_queue=queue)
    _oublier_les_connexions()
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, queues=[queue], shutdown_timeout=10
        ):
            yield
    finally:
        app.conf.update(anciens)
        _oublier_les_connexions()
        import redis

        redis.Redis.from_url(REDIS).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # reference data restored for the next test
def test_a_worker_renders_the_validated_version_from_the_redis_queue(worker, mailoutbox):
    p = ProgrammationFactory()
    doter(p, "100000.00")
    ActionFactory(
        programmation=p,
        reference="W-1",
        retenue=True,
        cout_total=Decimal("9000"),
        montant_fipd=Decimal("4000"),
    )
    agent = UtilisateurFactory(username="agent.nord", departements=[departement("59")])
    sgcipdr = UtilisateurFactory(username="sgcipdr", role="instructeur_sgcipdr")
    changer_statut(p.pk, "transmettre", agent)

    changer_statut(p.pk, "valider", sgcipdr)  # commits: the tasks go to Redis, the worker runs them

    version = VersionValidee.objects.get(programmation=p)
    limite = time.monotonic() + 15
    while version.etat == EtatVersion.EN_COURS and time.monotonic() < limite:
        time.sleep(0.2)
        version.refresh_from_db()
    assert version.etat == EtatVersion.PRETE, version.erreur
    assert hashlib.sha256(version.fichier.open("rb").read()).hexdigest() == version.empreinte
    limite = time.monotonic() + 5
    while not any("validée" in m.subject for m in mailoutbox) and time.monotonic() < limite:
        time.sleep(0.1)
    assert [m.to for m in mailoutbox if "validée" in m.subject] == [[agent.email]]
