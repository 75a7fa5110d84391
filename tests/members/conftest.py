"""Fixtures for the notification tests: reminder kinds, a task queue, real workers."""

import email
import logging
import smtplib
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from celery import Celery, _state, signals
from celery.app.task import Task
from celery.contrib.testing.worker import TestWorkController, start_worker
from celery.exceptions import Retry
from celery.result import EagerResult
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from kombu.utils.url import maybe_sanitize_url

from members.models import User
from members.reminders import _REGISTRY, ReminderTarget, reminder
from tests.conftest import require_service
from tests.unionportal.test_celery import (
    REDIS_TEST_URL,
    app_for_broker,
    logging_left_alone,
    queue_delete,
    redis_reachable,
)
from unionportal.celery import app as portal_app

BROADCAST = "tests.broadcast"


# Reminder kinds ------------------------------------------------------------


@pytest.fixture
def register_kind() -> Iterator[Callable]:
    """Register reminder kinds for one test; the registry forgets them afterwards."""
    names: list[str] = []

    def register(
        name: str,
        targets: Callable[..., Iterable[ReminderTarget]],
        *,
        mandatory: bool = False,
    ) -> str:
        assert name not in _REGISTRY, f"{name} is already a reminder kind"
        names.append(name)
        reminder(
            name=name,
            label=name,
            mandatory=mandatory,
            crontab={"minute": "0", "hour": "8"},
        )(targets)
        return name

    yield register
    for name in names:
        _REGISTRY.pop(name, None)


def broadcast_key(user_id: int, occasion: str = "2025-03-10") -> str:
    return f"test-broadcast:{occasion}:{user_id}"


@pytest.fixture
def broadcast(register_kind) -> Callable[..., str]:
    """Register ``tests.broadcast``: one notification to each of the given users.

    ``before_targets`` runs in the task before the first target is handed
    over (a barrier, a sleep), so tests can line concurrent runs up.
    """

    def make(
        users: Iterable[User],
        *,
        mandatory: bool = False,
        before_targets: Callable[[], None] | None = None,
    ) -> str:
        user_ids = [user.pk for user in users]

        def targets(*, today):
            if before_targets is not None:
                before_targets()
            for user_id in user_ids:
                yield ReminderTarget(
                    recipient_id=user_id,
                    dedupe_key=broadcast_key(user_id),
                    title="Nhắc việc thử",
                    body="Nội dung nhắc việc.",
                    link="/thong-bao/",
                )

        return register_kind(BROADCAST, targets, mandatory=mandatory)

    return make


@pytest.fixture
def recipients(db) -> Callable[[int], list[User]]:
    """Create ``n`` active accounts with e-mail addresses (cheap: no passwords)."""

    def make(n: int, *, prefix: str = "nguoinhan") -> list[User]:
        tag = uuid.uuid4().hex[:6]
        return User.objects.bulk_create(
            User(email=f"{prefix}{i}-{tag}@example.vn", name=f"Người nhận {i}")
            for i in range(n)
        )

    return make


# An in-memory broker -------------------------------------------------------


class WorkerLost(BaseException):
    """The worker process died in the middle of a task (the fake SMTP server's cue)."""


@dataclass
class Message:
    task: str
    args: tuple
    kwargs: dict
    options: dict
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def retries(self) -> int:
        return self.options.get("retries") or 0


class MemoryQueue:
    """The portal's task messages, kept in order here instead of sent to a broker.

    Every message published is recorded in ``published`` exactly as
    ``apply_async`` received it (what the broker would carry). ``work()`` runs
    the waiting messages the way the configured worker does (``acks_late``,
    ``task_reject_on_worker_lost``): a message leaves the queue when its task
    returns, fails, or asks for a retry (the retry is a new message, with its
    countdown recorded); when the task dies with ``WorkerLost`` the message
    stays at the head of the queue and is delivered again by the next
    ``work()``. Each task's transaction commits (its on-commit hooks run) the
    way it would outside the test's wrapping transaction.
    """

    def __init__(self, app: Celery, capture_on_commit) -> None:
        self.app = app
        self.capture_on_commit = capture_on_commit
        self.published: list[Message] = []
        self.ready: deque[Message] = deque()
        self._lock = threading.Lock()

    def publish(self, task: Task, args, kwargs, options) -> EagerResult:
        message = Message(
            task.name, tuple(args or ()), dict(kwargs or {}), dict(options)
        )
        with self._lock:
            self.published.append(message)
            self.ready.append(message)
        return EagerResult(message.id, None, "PENDING")

    @contextmanager
    def committing(self) -> Iterator[None]:
        """Run the on-commit hooks of what the block commits, as a real commit would."""
        with self.capture_on_commit(execute=True):
            yield

    def names(self) -> list[str]:
        return [message.task for message in self.ready]

    def drop(self) -> list[Message]:
        """Lose every waiting message (a broker that lost them)."""
        lost = list(self.ready)
        self.ready.clear()
        return lost

    def redeliver(self, messages: Iterable[Message]) -> None:
        """Put messages back at the end of the queue (a broker's visibility timeout)."""
        self.ready.extend(messages)

    def work(self, count: int | None = None) -> list:
        """Run ``count`` waiting messages (all, and what they publish, if None).

        Return what the tasks returned (a ``Retry`` for a retried one).
        """
        results = []
        for _ in range(count or 1000):
            if not self.ready:
                break
            results.append(self._run(self.ready[0]))
            self.ready.popleft()  # WorkerLost skips this: the message stays
        else:
            if count is None:
                raise AssertionError("The queue did not drain in 1000 tasks.")
        return results

    def _run(self, message: Message):
        task = self.app.tasks[message.task]
        task.push_request(
            id=message.id,
            args=message.args,
            kwargs=message.kwargs,
            retries=message.retries,
            called_directly=False,
            is_eager=False,
            delivery_info={},
        )
        try:
            with self.committing():
                return task.run(*message.args, **message.kwargs)
        except Retry as retry:
            return retry
        except Exception:
            self.ready.popleft()  # acks_on_failure_or_timeout: acknowledged
            raise
        finally:
            task.pop_request()


@pytest.fixture
def task_queue(
    monkeypatch, django_capture_on_commit_callbacks
) -> Iterator[MemoryQueue]:
    """Tasks published by the portal are recorded and run by ``task_queue.work()``."""
    with current_app(portal_app):
        queue = MemoryQueue(portal_app, django_capture_on_commit_callbacks)

        def apply_async(self, args=None, kwargs=None, **options):
            return queue.publish(self, args, kwargs, options)

        monkeypatch.setattr(Task, "apply_async", apply_async)
        yield queue


@contextmanager
def current_app(app: Celery) -> Iterator[None]:
    """Make ``app`` the one shared tasks resolve to, then restore the previous one."""
    previous_current, previous_default = _state.get_current_app(), _state.default_app
    app.set_current()
    app.set_default()
    try:
        yield
    finally:
        previous_current.set_current()
        _state.set_default_app(previous_default)


# A fake SMTP server --------------------------------------------------------


class SMTPScript:
    """What the fake SMTP server received, and what a test scripts it to do."""

    def __init__(self) -> None:
        self.sent: list[str] = []  # dedupe keys, in the order accepted
        self.fail_for: set[str] = set()  # the server hangs up on these addresses
        self.refuse = False  # the server refuses connections
        self.die_after: int | None = None  # the worker dies on the next message
        # The worker dies right after the server accepted this many messages.
        self.die_after_accepting: int | None = None
        self.connections = 0
        self._lock = threading.Lock()

    def connect(self) -> None:
        with self._lock:
            if self.refuse:
                raise ConnectionRefusedError(111, "Connection refused")
            self.connections += 1

    def receive(self, recipients: list[str], key: str) -> None:
        with self._lock:
            if self.die_after is not None and len(self.sent) >= self.die_after:
                self.die_after = None  # the next worker lives
                self.die()
            if set(recipients) & self.fail_for:
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self.sent.append(key)
            if self.die_after_accepting is not None and (
                len(self.sent) >= self.die_after_accepting
            ):
                self.die_after_accepting = None
                self.die()

    def die(self) -> None:
        raise WorkerLost(f"killed after {len(self.sent)} messages")

    def counts(self) -> Counter:
        return Counter(self.sent)


class FakeSMTP:
    """Stands in for smtplib.SMTP under Django's SMTP backend: no network."""

    script = SMTPScript()

    def __init__(self, host, port, **kwargs) -> None:
        self.script.connect()
        self.connected = True

    def sendmail(self, from_addr, to_addrs, msg) -> dict:
        if not self.connected:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        key = email.message_from_bytes(msg)["X-Portal-Notification"]
        try:
            self.script.receive(list(to_addrs), key)
        except smtplib.SMTPServerDisconnected:
            self.connected = False
            raise
        return {}

    def quit(self) -> None:
        if not self.connected:
            raise smtplib.SMTPServerDisconnected("please run connect() first")
        self.connected = False

    def close(self) -> None:
        self.connected = False


class FakeSMTPBackend(SMTPBackend):
    """Django's own SMTP backend, talking to FakeSMTP."""

    connection_class = FakeSMTP


@pytest.fixture
def smtp(settings) -> SMTPScript:
    """E-mail goes through Django's SMTP backend to a scripted fake server."""
    settings.EMAIL_BACKEND = f"{__name__}.FakeSMTPBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "smtp.example.vn", 587
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    FakeSMTP.script = SMTPScript()
    return FakeSMTP.script


# Real workers --------------------------------------------------------------


@contextmanager
def worker_running(app: Celery, name: str, **options) -> Iterator[TestWorkController]:
    """Run a worker of ``app`` in a thread; the current app is restored afterwards.

    Run one at a time: Celery keeps one event loop a process, which two
    workers would share.
    """
    signals.setup_logging.connect(logging_left_alone)
    worker = None
    try:
        with (
            current_app(app),
            start_worker(
                app,
                perform_ping_check=False,
                hostname=f"{name}@{uuid.uuid4().hex[:8]}",
                **options,
            ) as worker,
        ):
            yield worker
    finally:
        signals.setup_logging.disconnect(logging_left_alone)
        if worker is not None and worker.logger_queue is not None:
            # A prefork test worker forwards its children's logs; stop that.
            root = logging.getLogger()
            for handler in list(root.handlers):
                if isinstance(handler, TestWorkController.QueueHandler):
                    root.removeHandler(handler)
            worker.queue_listener.stop()


@pytest.fixture(scope="module")
def redis_app() -> Iterator[Celery]:
    """A fresh app configured like the portal's, on Redis, with its own queue."""
    require_service(
        redis_reachable(REDIS_TEST_URL),
        f"Redis is not reachable at {maybe_sanitize_url(REDIS_TEST_URL)}",
    )
    app = app_for_broker(REDIS_TEST_URL, REDIS_TEST_URL)
    try:
        yield app
        queue_delete(app)
    finally:
        app.close()


class TaskWatch:
    """What an in-process worker was handed and ran, observed through signals."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.published: list[dict] = []
        self.runs: list[dict] = []
        self._running: dict[str, dict] = {}

    def connect(self) -> None:
        signals.before_task_publish.connect(self._on_publish, weak=False)
        signals.task_prerun.connect(self._on_prerun, weak=False)
        signals.task_postrun.connect(self._on_postrun, weak=False)

    def disconnect(self) -> None:
        signals.before_task_publish.disconnect(self._on_publish)
        signals.task_prerun.disconnect(self._on_prerun)
        signals.task_postrun.disconnect(self._on_postrun)

    def _on_publish(self, sender=None, body=None, headers=None, **kwargs) -> None:
        with self._lock:
            self.published.append({"task": sender, "body": body, "headers": headers})

    def _on_prerun(self, sender=None, task_id=None, **kwargs) -> None:
        run = {
            "task": sender.name,
            "start": time.monotonic(),
            "thread": threading.get_ident(),
        }
        with self._lock:
            self._running[f"{task_id}:{sender.request.retries}"] = run

    def _on_postrun(self, sender=None, task_id=None, state=None, retval=None, **kw):
        with self._lock:
            run = self._running.pop(f"{task_id}:{sender.request.retries}")
            run.update(end=time.monotonic(), state=state, retval=retval)
            self.runs.append(run)

    def finished(self, name: str) -> list[dict]:
        with self._lock:
            return [run for run in self.runs if run["task"] == name]

    def wait_idle(self, timeout: float = 15.0) -> None:
        """Wait until every message published has been run to its end."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                published, done = len(self.published), len(self.runs)
            if published and published == done:
                return
            if time.monotonic() > deadline:
                pytest.fail(f"{done} of {published} tasks ran within {timeout} s.")
            time.sleep(0.05)


@pytest.fixture
def task_watch() -> Iterator[TaskWatch]:
    watch = TaskWatch()
    watch.connect()
    yield watch
    watch.disconnect()
