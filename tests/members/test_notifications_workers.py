"""The notification engine under real Celery workers on Redis and PostgreSQL.

SQLite's in-memory test database answers a second writer with "table is
locked" and is invisible to another process, so these skip on SQLite (and
fail in CI, which must have PostgreSQL and Redis).
"""

import os
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from celery.concurrency.asynpool import AsynPool
from celery.states import SUCCESS
from django.core import mail
from django.db import connection
from django.utils import timezone
from kombu.utils.url import maybe_sanitize_url

from members.models import Notification, NotificationDelivery
from members.tasks import reminder_due
from tests.conftest import require_service
from tests.members.conftest import (
    FakeSMTP,
    SMTPScript,
    broadcast_key,
    worker_running,
)
from tests.unionportal.test_celery import (
    REDIS_TEST_URL,
    app_for_broker,
    queue_delete,
    redis_reachable,
)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Call to deprecated setex:DeprecationWarning"),
]

REMINDER_DUE = "members.tasks.reminder_due"
DELIVERIES_SEND = "members.tasks.deliveries_send"
Status = NotificationDelivery.Status


@pytest.fixture(autouse=True)
def _postgresql(settings):
    require_service(
        connection.vendor == "postgresql",
        "real workers here need PostgreSQL: threads write at once, a child forks",
    )
    # Workers run on the real clock: no quiet hours, whatever the time of the run.
    settings.NOTIFICATION_QUIET_START, settings.NOTIFICATION_QUIET_END = 24, 0


@pytest.fixture
def threads_worker(redis_app):
    """A worker with two threads, so two tasks run at once.

    Stopped after its test: the prefork worker below must not share the process
    with another running worker (Celery keeps one event loop a process).
    """
    with worker_running(redis_app, "notifications", pool="threads", concurrency=2):
        yield


def assert_ids_only(published: list[dict]) -> None:
    """Each message on the wire names a reminder kind or carries delivery ids."""
    for message in published:
        args, kwargs, _embed = message["body"]
        assert tuple(args) == ()
        if message["task"] == REMINDER_DUE:
            assert kwargs.keys() == {"kind"}
        else:
            assert message["task"] == DELIVERIES_SEND
            assert kwargs.keys() == {"delivery_ids"}
            assert all(type(i) is int for i in kwargs["delivery_ids"])
        assert message["headers"]["argsrepr"] == "()"
        assert "@" not in message["headers"]["kwargsrepr"]


@pytest.mark.usefixtures("threads_worker")
def test_reminder_run_twice_at_once_by_a_worker_sends_once_per_key(
    broadcast, recipients, task_watch, settings, monkeypatch
):
    """Two copies of the due task run side by side, both past the "stored?" check.

    The targets wait for each other (so the two runs overlap), and the
    notification insert waits until both runs have found the keys missing:
    then the unique dedupe key alone keeps the second copy from storing or
    sending anything.
    """
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users = recipients(40)
    both_running = threading.Barrier(2, timeout=10)
    both_read = threading.Barrier(2, timeout=10)
    kind = broadcast(users, before_targets=both_running.wait)
    insert = Notification.objects.bulk_create

    def bulk_create_when_both_read(objs, **kwargs):
        both_read.wait()
        return insert(objs, **kwargs)

    monkeypatch.setattr(Notification.objects, "bulk_create", bulk_create_when_both_read)

    reminder_due.delay(kind=kind)
    reminder_due.delay(kind=kind)
    task_watch.wait_idle()

    first, second = runs = task_watch.finished(REMINDER_DUE)
    assert [run["state"] for run in runs] == [SUCCESS, SUCCESS]
    assert first["thread"] != second["thread"]
    assert first["start"] < second["end"]
    assert second["start"] < first["end"]
    assert sorted(run["retval"]["created"] for run in runs) == [0, 40]
    expected = Counter(broadcast_key(user.pk) for user in users)
    stored = Notification.objects.filter(kind=kind)
    assert Counter(stored.values_list("dedupe_key", flat=True)) == expected
    deliveries = NotificationDelivery.objects.filter(notification__kind=kind)
    assert Counter(deliveries.values_list("status", flat=True)) == {Status.SENT: 40}
    sent = Counter(m.extra_headers["X-Portal-Notification"] for m in mail.outbox)
    assert sent == expected
    # Each delivery was handed to exactly one chunk, by the run that stored it.
    handed = Counter(
        delivery_id
        for message in task_watch.published
        if message["task"] == DELIVERIES_SEND
        for delivery_id in message["body"][1]["delivery_ids"]
    )
    assert handed == Counter(deliveries.values_list("pk", flat=True))
    assert_ids_only(task_watch.published)


class DyingSMTPScript(SMTPScript):
    """Records to a file (the pool child is another process) and dies for real."""

    def __init__(self, directory: Path, *, die_after: int) -> None:
        super().__init__()
        self.log = directory / "sent.log"
        self.death = directory / "died.pid"
        self.limit = die_after
        self.parent = os.getpid()
        self.log.touch()

    def receive(self, recipients: list[str], key: str) -> None:
        sent = len(self.log.read_text().splitlines())
        if sent >= self.limit and not self.death.exists():
            assert os.getpid() != self.parent, "not in a pool child"
            self.death.write_text(str(os.getpid()))
            os._exit(1)  # killed between two messages: no cleanup, no ack
        with self.log.open("a") as log:
            log.write(f"{os.getpid()} {key}\n")

    def lines(self) -> list[tuple[int, str]]:
        return [
            (int(pid), key)
            for pid, key in (line.split() for line in self.log.read_text().splitlines())
        ]


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Not done within {timeout} s.")
        time.sleep(0.1)


def test_pool_child_killed_mid_chunk_sends_nothing_twice_and_loses_nothing(
    broadcast, recipients, smtp, tmp_path, monkeypatch
):
    """A prefork child dies (os._exit) after 20 of a chunk of 50 e-mails.

    The task acknowledges late and is rejected when its worker is lost, so
    Redis hands the chunk to the child that replaces the dead one, under the
    same task id: it takes back the chunk the dead child had claimed, skips
    the 20 deliveries whose marks were committed, and sends the rest. (The
    gap no queue closes: a death after the server accepted a message and
    before its mark committed would send that one message again; this kill
    comes between two messages, and test_notifications.py pins the bound.)
    """
    require_service(
        redis_reachable(REDIS_TEST_URL),
        f"Redis is not reachable at {maybe_sanitize_url(REDIS_TEST_URL)}",
    )
    users = recipients(50)
    kind = broadcast(users)
    script = FakeSMTP.script = DyingSMTPScript(tmp_path, die_after=20)
    # The pool marks a job lost on its second look at a dead child; it looks
    # when the child exits and then every 5 s, which would be the test's wait.
    monkeypatch.setattr(
        AsynPool, "timers", property(lambda pool: {pool.maintain_pool: 0.25})
    )
    app = app_for_broker(REDIS_TEST_URL, REDIS_TEST_URL)
    deliveries = NotificationDelivery.objects.filter(notification__kind=kind)
    try:
        with worker_running(
            app, "prefork", pool="prefork", concurrency=1, worker_lost_wait=0
        ):
            app.tasks[REMINDER_DUE].delay(kind=kind)
            wait_for(lambda: deliveries.filter(status=Status.SENT).count() == 50)
        queue_delete(app)
    finally:
        app.close()

    lines = script.lines()
    dead = int(script.death.read_text())
    assert [pid for pid, _key in lines[:20]] == [dead] * 20
    (survivor,) = {pid for pid, _key in lines[20:]}
    assert survivor != dead
    assert Counter(key for _pid, key in lines) == Counter(
        deliveries.values_list("notification__dedupe_key", flat=True)
    )
    assert len(lines) == 50
    assert set(deliveries.values_list("attempts", flat=True)) == {1}


def test_deliveries_stranded_by_a_dead_worker_go_out_within_two_minutes(
    broadcast, recipients, smtp, tmp_path, monkeypatch
):
    """A prefork child dies after 20 of 50 e-mails and the broker keeps the chunk.

    When the whole worker node goes, Redis gives its unacknowledged message
    back only after the visibility timeout (hours); here the worker is told
    not to requeue a lost task, which leaves the same 30 deliveries claimed
    and nobody sending them. The sweeper runs every minute (its clock
    simulated here, from the kill): a claim older than the chunk's hard time
    limit has no live worker, so the first sweep past it hands the 30 back and
    the worker sends them, 2 minutes after the kill at the latest.
    """
    require_service(
        redis_reachable(REDIS_TEST_URL),
        f"Redis is not reachable at {maybe_sanitize_url(REDIS_TEST_URL)}",
    )
    from members.services.notifications import deliveries_release

    users = recipients(50)
    kind = broadcast(users)
    script = FakeSMTP.script = DyingSMTPScript(tmp_path, die_after=20)
    monkeypatch.setattr(
        AsynPool, "timers", property(lambda pool: {pool.maintain_pool: 0.25})
    )
    app = app_for_broker(
        REDIS_TEST_URL, REDIS_TEST_URL, task_reject_on_worker_lost=False
    )
    deliveries = NotificationDelivery.objects.filter(notification__kind=kind)
    sweeps = []
    try:
        with worker_running(
            app, "prefork", pool="prefork", concurrency=1, worker_lost_wait=0
        ):
            app.tasks[REMINDER_DUE].delay(kind=kind)
            wait_for(script.death.exists)
            killed = timezone.now()
            wait_for(
                lambda: (
                    not deliveries.filter(status=Status.PENDING).exists()
                    and deliveries.filter(status=Status.SENDING).count() == 30
                )
            )
            for minute in (1, 2):
                released = deliveries_release(now=killed + timedelta(minutes=minute))
                sweeps.append((minute, released))
                if released:
                    wait_for(
                        lambda: deliveries.filter(status=Status.SENT).count() == 50
                    )
                    break
        queue_delete(app)
    finally:
        app.close()

    assert sweeps[-1][1] == 30, sweeps
    assert sweeps[-1][0] <= 2
    assert Counter(deliveries.values_list("status", flat=True)) == {Status.SENT: 50}
    lines = script.lines()
    assert Counter(key for _pid, key in lines) == Counter(
        deliveries.values_list("notification__dedupe_key", flat=True)
    )
    assert len(lines) == 50
