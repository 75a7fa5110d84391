"""Celery: real workers on Redis and on the SQLite broker, commit hooks, app config."""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from celery import Celery, shared_task, signals
from celery.contrib.testing.worker import start_worker
from celery.fixups.django import DjangoFixup
from celery.utils.nodenames import gethostname
from celery.worker import WorkController
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from kombu.utils.url import maybe_sanitize_url

from members.models import User
from tests.conftest import require_service
from unionportal.celery import app as portal_app
from unionportal.health import HEARTBEAT_CACHE_KEY
from unionportal.tasks import worker_heartbeat

pytestmark = pytest.mark.filterwarnings(
    "ignore:Call to deprecated setex:DeprecationWarning"
)

REDIS_TEST_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/15"
HEARTBEAT = worker_heartbeat.name
TRANSPORTS = {
    "configured": "redis" if settings.REDIS_URL else "sqla",
    "redis": "redis",
    "sqlite": "sqla",
}


@shared_task
def account_create(email: str) -> int:
    """Create a login account from inside the worker; return its primary key."""
    return User.objects.create_user(email, name="Người Thử Worker").pk


def redis_reachable(url: str) -> bool:
    try:
        with redis.Redis.from_url(
            url, socket_connect_timeout=0.5, socket_timeout=0.5
        ) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def app_for_broker(broker_url: str, result_backend: str, **options) -> Celery:
    """A fresh app configured like the portal's but on another broker."""
    app = Celery("unionportal-test", set_as_current=False, task_cls=portal_app.task_cls)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=broker_url,
        result_backend=result_backend,
        task_default_queue=f"unionportal-test-{uuid.uuid4().hex}",
        # Every task to the test's own queue, which its worker alone takes.
        task_queues=None,
        task_routes=None,
        worker_enable_remote_control=False,
        **options,
    )
    return app


def logging_left_alone(**kwargs) -> None:
    """Answer setup_logging, so the worker keeps the session's logging config."""


@contextmanager
def running_worker(app: Celery, name: str) -> Iterator[WorkController]:
    signals.setup_logging.connect(logging_left_alone)
    try:
        with start_worker(
            app, perform_ping_check=False, hostname=f"{name}@{uuid.uuid4().hex[:8]}"
        ) as worker:
            yield worker
    finally:
        signals.setup_logging.disconnect(logging_left_alone)
        portal_app.set_current()
        portal_app.set_default()


def queue_delete(app: Celery) -> None:
    """Delete the app's test queue with its bindings, which a new channel must learn."""
    with app.connection_for_write() as conn:
        queue = app.amqp.queues[app.conf.task_default_queue](conn.default_channel)
        queue.declare()
        queue.delete()


@pytest.fixture(scope="module", params=["configured", "redis", "sqlite"])
def worker(request, tmp_path_factory) -> Iterator[WorkController]:
    """A worker in a thread: the portal's own app, or a fresh one on Redis/SQLite."""
    if request.param == "configured":
        # Messages earlier tests of this process left on its broker are not this
        # worker's: run by it, they would write while the test's data is flushed.
        portal_app.control.purge()
        with running_worker(portal_app, "configured") as worker:
            yield worker
        return
    if request.param == "redis":
        require_service(
            redis_reachable(REDIS_TEST_URL),
            f"Redis is not reachable at {maybe_sanitize_url(REDIS_TEST_URL)}",
        )
        app = app_for_broker(REDIS_TEST_URL, REDIS_TEST_URL)
    else:
        directory = tmp_path_factory.mktemp("celery-sqlite")
        app = app_for_broker(
            f"sqla+sqlite:///{directory / 'broker.sqlite3'}",
            f"db+sqlite:///{directory / 'results.sqlite3'}",
            # The SQLAlchemy transport hands its options to create_engine(),
            # which rejects the Redis visibility_timeout set when REDIS_URL is.
            broker_transport_options={},
        )
    try:
        with running_worker(app, request.param) as worker:
            yield worker
        queue_delete(app)
    finally:
        app.close()


def heartbeat_wait(timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while (beat := cache.get(HEARTBEAT_CACHE_KEY)) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"The worker recorded no heartbeat within {timeout} s.")
        time.sleep(0.05)
    return beat


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_consumes_from_the_chosen_broker(worker, request):
    chosen = request.node.callspec.params["worker"]
    assert worker.consumer.connection.transport_cls == TRANSPORTS[chosen]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_heartbeat")
def test_heartbeat_through_worker_reaches_healthz(worker, client):
    worker.app.tasks[HEARTBEAT].delay()

    beat = heartbeat_wait()

    # The solo pool of the embedded worker reports the machine's host name
    # as request.hostname; the prefork pool in production reports the node name.
    assert beat["hostname"] == gethostname()
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is True
    assert report["worker"]["ok"] is True
    assert report["worker"]["hostname"] == beat["hostname"]
    assert report["worker"]["last_heartbeat"] == beat["at"]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_account_created_by_worker_is_visible_to_the_test(worker):
    email = f"worker-{uuid.uuid4().hex[:8]}@example.vn"

    result = worker.app.tasks[account_create.name].delay(email)
    account_id = result.get(timeout=10, interval=0.1)
    result.forget()

    account = User.objects.get(pk=account_id)
    assert account.email == email
    assert account.name == "Người Thử Worker"


@pytest.fixture
def sent_tasks(monkeypatch) -> list[str]:
    """Names of the tasks the portal app publishes, recorded instead of sent."""
    sent: list[str] = []

    def send_task(name, *args, **kwargs):
        sent.append(name)

    monkeypatch.setattr(portal_app, "send_task", send_task)
    return sent


def account_open_with_heartbeat(email: str) -> None:
    with transaction.atomic():
        portal_app.tasks[HEARTBEAT].delay_on_commit()
        User.objects.create_user(email, name="Trần Thị Bình")


@pytest.mark.django_db
def test_task_delayed_on_commit_is_not_sent_when_the_transaction_rolls_back(
    make_user, sent_tasks, django_capture_on_commit_callbacks
):
    make_user("trung@example.vn")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(IntegrityError),
    ):
        account_open_with_heartbeat("trung@example.vn")

    assert callbacks == []
    assert sent_tasks == []


@pytest.mark.django_db
def test_task_delayed_on_commit_is_sent_once_the_transaction_commits(
    sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        account_open_with_heartbeat("moi@example.vn")
        assert sent_tasks == []

    assert len(callbacks) == 1
    assert sent_tasks == [HEARTBEAT]
    assert User.objects.filter(email="moi@example.vn").exists()


def test_app_acknowledges_late_and_takes_one_task_at_a_time():
    assert portal_app.conf.task_acks_late is True
    assert portal_app.conf.task_reject_on_worker_lost is True
    assert portal_app.conf.worker_prefetch_multiplier == 1


def test_app_schedules_from_the_database_in_vietnam_time():
    assert (
        portal_app.conf.beat_scheduler
        == "django_celery_beat.schedulers:DatabaseScheduler"
    )
    assert portal_app.conf.timezone == "Asia/Ho_Chi_Minh"


def test_django_fixup_reuses_database_connections_for_1000_tasks():
    (fixup,) = (f for f in portal_app._fixups if isinstance(f, DjangoFixup))
    assert fixup.worker_fixup.db_reuse_max == 1000


def test_broker_is_redis_with_redis_url_else_sqlite_under_var_dir():
    if settings.REDIS_URL:
        expected = (settings.REDIS_URL, settings.REDIS_URL)
    else:
        expected = (
            f"sqla+sqlite:///{settings.VAR_DIR / 'celery-broker.sqlite3'}",
            f"db+sqlite:///{settings.VAR_DIR / 'celery-results.sqlite3'}",
        )
    assert (portal_app.conf.broker_url, portal_app.conf.result_backend) == expected
