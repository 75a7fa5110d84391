"""Benchmark one reminder to the whole register: two Celery workers, Redis, PostgreSQL.

Issue 5 asks that one reminder to all 82,000 members be stored and its e-mail
handed to the (locmem) backend by two workers on Redis and PostgreSQL in under
60 s, with no duplicates. Run it on PostgreSQL and Redis::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_fanout \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/notifications_fanout.py --members 82000

The register comes from benchmarks/members_seed.py (reused when a run of the
same size left it), with the sizes benchmarks/members_admin.py uses, and every
member gets a login account with an e-mail address. A database of its own
(any name containing "bench") keeps it apart from the members benchmark,
which may reseed its register while this one runs. A benchmark-only,
mandatory reminder kind targets every member's account with dedupe keys that
carry the run's id. Two worker processes (``celery -A unionportal worker
--concurrency=1`` twice, on a queue of their own) run
``members.tasks.reminder_due`` and the delivery chunks it queues, with the
locmem e-mail backend and no quiet hours; the script polls the database every
0.5 s until every notification is stored and every e-mail delivery is sent.
After the workers stop, it measures in-process baselines on a sample, scaled
to the register: the naive path (one ``notify()`` a recipient, its e-mail sent
eagerly) and the engine run eagerly in one process. ``--variant`` adds runs
with changes prototyped by monkeypatching inside the workers only; the
application code is never changed. It prints a markdown report.

The workers import this module (``-I``) to register the reminder kind, route
the tasks they queue to the benchmark's queue and count, per task, what
reaches the e-mail backend (the locmem outbox lives in the workers). The
notifications of an earlier run are deleted at the start of the next one;
the workers are stopped on exit, Ctrl-C and SIGTERM included.
"""

import argparse
import contextlib
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases, report  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_fanout "
    "REDIS_URL=redis://127.0.0.1:6379/0 "
    ".venv/bin/python benchmarks/notifications_fanout.py --members 82000"
)
KIND = "bench.fanout"
KIND_EAGER = "bench.fanout.eager"
KIND_NAIVE = "bench.fanout.naive"
KINDS = (KIND, KIND_EAGER, KIND_NAIVE)
# Redis keys, the workers' queues and the dedupe keys all start with this.
PREFIX = "bench-fanout"
PROJECT = "project"
# Kombu's Redis transport keeps a queue's bindings in these tables.
BINDINGS = ("binding", "binding_permanent")
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
HEADER = "X-Portal-Notification"
# What the workers read from their environment.
ENV_RUN = "BENCH_FANOUT_RUN"
ENV_PHASE = "BENCH_FANOUT_PHASE"
ENV_QUEUE = "BENCH_FANOUT_QUEUE"
ENV_PROFILE = "BENCH_FANOUT_PROFILE"
ENV_KEEP_OUTBOX = "BENCH_FANOUT_KEEP_OUTBOX"
POLL_S = 0.5
WORKERS = 2
TITLE = "Nhắc việc: khảo sát nhu cầu đoàn viên năm 2024 đóng vào ngày mai"
BODY = (
    "Chào {name},\n\nKhảo sát nhu cầu của đoàn viên đóng vào ngày {date}. Mời "
    "bạn dành năm phút trả lời để Công đoàn biết bạn cần gì và chăm lo cho bạn "
    "được sát hơn."
)


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    database, redis_url = _services()
    register = databases.register_ready(
        args, EXAMPLE, database=database, set_environment=_environment
    )
    result = Report(args=args, database=database, redis_url=redis_url)
    result.seeded_s = register.seeded_s
    result.accounts = _accounts_ensure()
    result.load_before = os.getloadavg()
    run = f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(2)}"
    print(f"Run {run}: deleting what earlier runs left…", flush=True)
    _leftovers_delete(redis_url)
    for phase in [PROJECT, *args.variant]:
        result.phases.append(
            _fanout(
                args,
                run=run,
                phase=phase,
                redis_url=redis_url,
                database=database["NAME"],
            )
        )
    if args.baseline_sample:
        result.baselines = _baselines(args, run=run)
    result.load_after = os.getloadavg()
    result.total_s = time.perf_counter() - started
    result.print()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    databases.seed_arguments(parser)
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=5_000,
        help="recipients of the in-process baselines (0: skip them)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        choices=sorted(VARIANTS),
        help="also run with a prototyped change (repeatable)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="time SQL, COMMIT and e-mail inside the workers (adds a little)",
    )
    parser.add_argument(
        "--keep-outbox",
        action="store_true",
        help="keep the locmem outbox in the workers (it grows with every e-mail)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds a phase")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="PERCENT",
        help="before each phase, wait (up to 15 min) until the machine is less "
        "busy than this over 5 s",
    )
    args = parser.parse_args()
    databases.register_defaults(args)
    return args


# Environment ---------------------------------------------------------------


def _services() -> tuple[dict, str]:
    """Return the parsed DATABASE_URL and REDIS_URL; refuse anything else."""
    import redis

    config = databases.database_settings(EXAMPLE)
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url.startswith(("redis://", "rediss://")):
        sys.exit(
            f"REDIS_URL is not set to Redis; this benchmark needs it:\n  {EXAMPLE}"
        )
    broker = os.environ.get("CELERY_BROKER_URL", redis_url)
    if not broker.startswith(("redis://", "rediss://")):
        sys.exit(f"CELERY_BROKER_URL is not Redis ({broker}): unset it.")
    try:
        redis.Redis.from_url(redis_url, socket_timeout=5).ping()
    except redis.RedisError as error:
        sys.exit(f"Redis at {redis_url} does not answer: {error}")
    return config, redis_url


def _environment(database: dict) -> bool:
    """Set the settings the workers get too; create the database if missing."""
    # The developer's .env (DJANGO_DEBUG=true) must not leak into the figures.
    os.environ.setdefault("ENV_FILE", "/nonexistent/.env")
    os.environ.update(_worker_settings())
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(64))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    databases.var_dir_temporary(static=False)
    return databases.database_create(database)


def _worker_settings() -> dict[str, str]:
    """Return what the benchmark fixes in the environment of every process."""
    return {
        "DJANGO_SETTINGS_MODULE": "unionportal.settings",
        "DJANGO_DEBUG": "false",
        # settings.py reads EMAIL_URL; memorymail:// is Django's locmem backend.
        # EMAIL_BACKEND is set as well for whoever reads the environment.
        "EMAIL_URL": "memorymail://",
        "EMAIL_BACKEND": LOCMEM,
        # quiet_until() is quiet unless END <= hour < START: 0 <= hour < 24
        # holds for every hour, so nothing is held for the night.
        "NOTIFICATION_QUIET_START": "24",
        "NOTIFICATION_QUIET_END": "0",
        "NOTIFICATION_CHANNELS": "email",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }


def _account_email(member_id: int) -> str:
    return f"member{member_id}@bench.congdoan.local"


def _accounts_ensure() -> dict:
    """Give every member a login account with an e-mail address, in bulk."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from members.models import Member, User

    started = time.perf_counter()
    missing = Member.objects.filter(user__isnull=True)
    count = missing.count()
    if count:
        print(f"Creating login accounts for {count:,} members…", flush=True)
        with transaction.atomic():
            users = (
                User(
                    email=_account_email(pk),
                    name=name[:150],
                    password=make_password(None),
                )
                for pk, name in missing.values_list("pk", "full_name").iterator()
            )
            User.objects.bulk_create(users, batch_size=2000, ignore_conflicts=True)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {Member._meta.db_table} AS m SET user_id = u.id "  # noqa: S608
                    f"FROM {User._meta.db_table} AS u WHERE m.user_id IS NULL "
                    "AND u.email = 'member' || m.id || %s",
                    [_account_email(0).removeprefix("member0")],
                )
        with connection.cursor() as cursor:
            for model in (User, Member):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    accounts = User.objects.filter(member__isnull=False)
    reached = accounts.filter(is_active=True).exclude(email="").count()
    if Member.objects.filter(user__isnull=True).exists():
        raise SystemExit("Some members still have no login account.")
    return {
        "created": count,
        "accounts": accounts.count(),
        "with e-mail": reached,
        "seconds": time.perf_counter() - started,
    }


def _leftovers_delete(redis_url: str) -> None:
    """Delete the notifications and Redis keys that earlier runs left."""
    import redis

    _rows_delete()
    client = redis.Redis.from_url(redis_url)
    for pattern in (f"{PREFIX}*", *(f"_kombu.{table}.{PREFIX}*" for table in BINDINGS)):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)


def _rows_delete() -> None:
    """Delete every benchmark notification and its deliveries; vacuum the tables."""
    from django.db import connection

    from members.models import Notification, NotificationDelivery

    notifications = Notification._meta.db_table
    deliveries = NotificationDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {deliveries} WHERE notification_id IN "  # noqa: S608
            f"(SELECT id FROM {notifications} WHERE kind = ANY(%s))",
            [list(KINDS)],
        )
        cursor.execute(
            f"DELETE FROM {notifications} WHERE kind = ANY(%s)",  # noqa: S608
            [list(KINDS)],
        )
        for table in (notifications, deliveries):
            cursor.execute(f"VACUUM ANALYZE {table}")


# The reminder kind -----------------------------------------------------------


def reminder_register(*, kind: str, key_prefix: str, limit: int | None = None):
    """Register a mandatory reminder kind that reaches every member's account."""
    from django.urls import reverse

    from members.models import User
    from members.reminders import ReminderTarget, reminder

    link = reverse("portal:home")

    @reminder(
        name=kind,
        label="Benchmark: one reminder to every member",
        mandatory=True,
        crontab={"minute": "0", "hour": "9"},
    )
    def every_member(*, today):
        closes = f"{today + timedelta(days=1):%d/%m/%Y}"
        users = (
            User.objects.filter(member__isnull=False)
            .order_by("pk")
            .values_list("pk", "name")
        )
        if limit is not None:
            users = users[:limit]
        for pk, name in users.iterator(chunk_size=2000):
            yield ReminderTarget(
                recipient_id=pk,
                dedupe_key=f"{key_prefix}:{pk}",
                title=TITLE,
                body=BODY.format(name=name, date=closes),
                link=link,
            )

    return every_member


def _key_prefix(run: str, phase: str) -> str:
    return f"{PREFIX}:{run}:{phase}"


class _Keys:
    """The Redis keys and the queue of one phase of one run."""

    def __init__(self, *, run: str, phase: str):
        self.run, self.phase = run, phase
        self.base = _key_prefix(run, phase)
        self.queue = f"{PREFIX}.{run}.{phase}"
        self.ready = f"{self.base}:ready"
        self.stats = f"{self.base}:stats"
        self.emails = f"{self.base}:emails"
        self.email_keys = f"{self.base}:email-keys"
        self.task_ids = f"{self.base}:task-ids"

    def all(self, client) -> list[str]:
        """Return the keys to delete: these, kombu's and the tasks' results."""
        results = [
            f"celery-task-meta-{task_id.decode()}"
            for task_id in client.smembers(self.task_ids)
        ]
        return [
            self.queue,
            *(f"_kombu.{table}.{self.queue}" for table in BINDINGS),
            self.ready,
            self.stats,
            self.emails,
            self.email_keys,
            self.task_ids,
            *results,
        ]


# Inside the workers ------------------------------------------------------------


class _WorkerProbe:
    """Count, per task, the time spent and the e-mails handed to the backend."""

    def __init__(self, *, keys: _Keys, profile: bool, keep_outbox: bool):
        self.keys, self.profile, self.keep_outbox = keys, profile, keep_outbox
        self.client, self.client_pid = None, None
        self.started: dict[str, tuple] = {}
        self.outbox_seen = 0
        # [calls, seconds] of SQL statements, COMMITs and e-mail sends.
        self.sql, self.commit, self.email = [0, 0.0], [0, 0.0], [0, 0.0]
        self.profiling = False

    def redis(self):
        import redis

        if self.client_pid != os.getpid():
            self.client = redis.Redis.from_url(os.environ["REDIS_URL"])
            self.client_pid = os.getpid()
        return self.client

    def ready(self, sender=None, **kwargs) -> None:
        self.redis().sadd(self.keys.ready, sender.hostname)

    def before(self, task_id=None, **kwargs) -> None:
        if self.profile and not self.profiling:
            self._profile_install()
        self.started[task_id] = (
            time.perf_counter(),
            time.process_time(),
            *self.sql,
            *self.commit,
            *self.email,
        )

    def after(self, task_id=None, task=None, kwargs=None, **rest) -> None:
        from django.core import mail

        begun = self.started.pop(task_id, None)
        if begun is None:
            return
        wall = time.perf_counter() - begun[0]
        cpu = time.process_time() - begun[1]
        outbox = getattr(mail, "outbox", [])
        keys = [m.extra_headers.get(HEADER, "") for m in outbox[self.outbox_seen :]]
        if self.keep_outbox:
            self.outbox_seen = len(outbox)
        else:
            # The locmem outbox would hold every e-mail sent so far: a test
            # artefact that SMTP does not have, so it must not weigh on RSS.
            outbox.clear()
        name = task.name.rsplit(".", 1)[-1]
        now = [*self.sql, *self.commit, *self.email]
        figures = {
            "tasks": 1,
            "wall": wall,
            "cpu": cpu,
            "items": len((kwargs or {}).get("delivery_ids", ())),
            "emails": len(keys),
            "sql_calls": now[0] - begun[2],
            "sql_s": now[1] - begun[3],
            "commit_calls": now[2] - begun[4],
            "commit_s": now[3] - begun[5],
            "email_s": now[5] - begun[7],
        }
        pipe = self.redis().pipeline(transaction=False)
        pipe.sadd(self.keys.task_ids, task_id)
        for figure, value in figures.items():
            pipe.hincrbyfloat(self.keys.stats, f"{name}.{figure}", value)
        if keys:
            pipe.incrby(self.keys.emails, len(keys))
            pipe.sadd(self.keys.email_keys, *keys)
        pipe.execute()

    def _profile_install(self) -> None:
        """Time SQL statements, COMMITs and e-mail sends in this process."""
        from django.db import connection
        from django.db.backends.postgresql.base import DatabaseWrapper

        from members import channels

        probe = self

        def timed(counter, function):
            def wrapper(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    counter[0] += 1
                    counter[1] += time.perf_counter() - started

            return wrapper

        def sql(execute, query, params, many, context):
            return timed(probe.sql, execute)(query, params, many, context)

        connection.execute_wrappers.append(sql)
        DatabaseWrapper._commit = timed(self.commit, DatabaseWrapper._commit)
        channels.EmailChannel.send = timed(self.email, channels.EmailChannel.send)
        self.profiling = True


def _worker_install() -> None:
    """Prepare a benchmark worker: its reminder kind, its queue, its counters."""
    from celery.signals import task_postrun, task_prerun, worker_ready
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.utils import timezone

    from members.services.notifications import quiet_until
    from unionportal.celery import app

    run, phase = os.environ[ENV_RUN], os.environ[ENV_PHASE]
    if settings.EMAIL_BACKEND != LOCMEM:
        raise ImproperlyConfigured(f"The workers must use {LOCMEM}.")
    if quiet_until(timezone.now()) is not None:
        raise ImproperlyConfigured("Quiet hours are on: e-mail would be held.")
    # Tasks queued by the workers (the delivery chunks) go to their own queue.
    app.conf.task_default_queue = os.environ[ENV_QUEUE]
    keys = _Keys(run=run, phase=phase)
    reminder_register(kind=KIND, key_prefix=keys.base)
    probe = _WorkerProbe(
        keys=keys,
        profile=bool(os.environ.get(ENV_PROFILE)),
        keep_outbox=bool(os.environ.get(ENV_KEEP_OUTBOX)),
    )
    worker_ready.connect(probe.ready, weak=False)
    task_prerun.connect(probe.before, weak=False)
    task_postrun.connect(probe.after, weak=False)
    if phase != PROJECT:
        VARIANTS[phase].apply()


# Prototypes: applied inside the workers of a --variant phase only --------------


@dataclass(frozen=True)
class Variant:
    description: str
    apply: object


def _chunk(size: int):
    def apply() -> None:
        from members.services import notifications

        notifications.DELIVERY_CHUNK = size

    return apply


def _per_delivery() -> None:
    """The engine before the claim: lock, send and mark one delivery a transaction.

    ``deliveries_send`` as it was until 2026-11-28: for each delivery of the
    chunk, ``SELECT ... FOR UPDATE`` with its notification and recipient, send,
    ``save(update_fields=...)``, COMMIT. Kept to measure the change against.
    """
    from contextlib import suppress

    from django.db import transaction
    from django.utils import timezone

    from members.channels import channel_get
    from members.models import NotificationDelivery
    from members.services import notifications

    status = NotificationDelivery.Status

    @transaction.atomic
    def delivery_send(*, delivery_id, connection=None, now=None):
        now = now or timezone.now()
        delivery = (
            NotificationDelivery.objects.select_for_update()
            .select_related("notification__recipient")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status in {status.SENT, status.FAILED}:
            return "skipped"
        channel = channel_get(delivery.channel)
        if channel.respects_quiet_hours:
            until = notifications.quiet_until(now)
            if until is not None:
                delivery.status, delivery.not_before = status.HELD, until
                delivery.save(update_fields=["status", "not_before"])
                return "held"
        channel.send(delivery.notification, connection=connection)
        delivery.status, delivery.sent_at = status.SENT, now
        delivery.attempts += 1
        delivery.last_error = ""
        delivery.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        return "sent"

    def deliveries_send(*, delivery_ids, final=False, now=None, **kwargs):
        counts, failed, connections = {"sent": 0, "held": 0, "skipped": 0}, [], {}
        channels = dict(
            NotificationDelivery.objects.filter(pk__in=delivery_ids).values_list(
                "pk", "channel"
            )
        )
        try:
            for delivery_id in delivery_ids:
                name = channels.get(delivery_id)
                if name is None:
                    counts["skipped"] += 1
                    continue
                if name not in connections:
                    connections[name] = channel_get(name).open()
                try:
                    result = delivery_send(
                        delivery_id=delivery_id, connection=connections[name], now=now
                    )
                except OSError as error:
                    notifications.delivery_failure_record(
                        delivery_id=delivery_id, error=str(error), final=final
                    )
                    failed.append(delivery_id)
                    if connections[name] is not None:
                        with suppress(OSError):
                            connections[name].close()
                else:
                    counts[result] += 1
        finally:
            for connection in connections.values():
                if connection is not None:
                    connection.close()
        return {**counts, "failed": failed, "released": []}

    notifications.deliveries_send = deliveries_send


def _batched_send(commit_every: int | None):
    """Send a chunk with one locking SELECT and one UPDATE per transaction.

    ``commit_every`` bounds what a worker killed between sending and
    committing sends again when the task is redelivered (the project: 1).
    """

    def apply() -> None:
        from django.db import transaction
        from django.db.models import F
        from django.utils import timezone

        from members.channels import channel_get
        from members.models import NotificationDelivery
        from members.services import notifications

        status = NotificationDelivery.Status

        def deliveries_send(*, delivery_ids, final=False, now=None, **kwargs):
            until = notifications.quiet_until(now or timezone.now())
            counts, failed, connections = {"sent": 0, "held": 0, "skipped": 0}, [], {}
            ids = sorted(delivery_ids)
            try:
                for part in notifications.batched(ids, commit_every or len(ids)):
                    with transaction.atomic():
                        rows = list(
                            NotificationDelivery.objects.select_for_update(of=("self",))
                            .select_related("notification__recipient")
                            .filter(
                                pk__in=part, status__in=[status.PENDING, status.HELD]
                            )
                            .order_by("pk")
                        )
                        counts["skipped"] += len(part) - len(rows)
                        sent, held = [], []
                        for delivery in rows:
                            channel = channel_get(delivery.channel)
                            if channel.respects_quiet_hours and until is not None:
                                held.append(delivery.pk)
                                continue
                            if delivery.channel not in connections:
                                connections[delivery.channel] = channel.open()
                            try:
                                channel.send(
                                    delivery.notification,
                                    connection=connections[delivery.channel],
                                )
                            except OSError as error:
                                NotificationDelivery.objects.filter(
                                    pk=delivery.pk
                                ).update(
                                    attempts=F("attempts") + 1,
                                    last_error=str(error)[:500],
                                    status=status.FAILED if final else delivery.status,
                                )
                                failed.append(delivery.pk)
                            else:
                                sent.append(delivery.pk)
                        NotificationDelivery.objects.filter(pk__in=sent).update(
                            status=status.SENT,
                            sent_at=timezone.now(),
                            attempts=F("attempts") + 1,
                            last_error="",
                        )
                        NotificationDelivery.objects.filter(pk__in=held).update(
                            status=status.HELD, not_before=until
                        )
                        counts["sent"] += len(sent)
                        counts["held"] += len(held)
            finally:
                for connection in connections.values():
                    if connection is not None:
                        connection.close()
            return {**counts, "failed": failed, "released": []}

        notifications.deliveries_send = deliveries_send

    return apply


def _claim_send() -> None:
    """Claim the chunk in one statement, then mark each e-mail sent on its own.

    One transaction locks the chunk's waiting rows and marks them "sending"
    (a new status: it fits the column, the prototype does not touch the
    choices); after each send a single UPDATE in autocommit marks the row
    sent. A worker killed mid-chunk leaves rows "sending" that
    deliveries_release would requeue after STRANDED_AFTER: at most the e-mail
    in flight goes twice, as today, and none is lost.
    """
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from members.channels import channel_get
    from members.models import NotificationDelivery
    from members.services import notifications

    status = NotificationDelivery.Status
    sending = "sending"
    deliveries = NotificationDelivery.objects

    def deliveries_send(*, delivery_ids, final=False, now=None, **kwargs):
        until = notifications.quiet_until(now or timezone.now())
        counts, failed, connections = {"sent": 0, "held": 0, "skipped": 0}, [], {}
        with transaction.atomic():
            rows = list(
                deliveries.select_for_update(of=("self",))
                .select_related("notification__recipient")
                .filter(pk__in=delivery_ids, status__in=[status.PENDING, status.HELD])
                .order_by("pk")
            )
            held = {
                d.pk
                for d in rows
                if until is not None and channel_get(d.channel).respects_quiet_hours
            }
            deliveries.filter(pk__in=held).update(status=status.HELD, not_before=until)
            rows = [d for d in rows if d.pk not in held]
            deliveries.filter(pk__in=[d.pk for d in rows]).update(status=sending)
        counts["held"] = len(held)
        counts["skipped"] = len(delivery_ids) - len(rows) - len(held)
        try:
            for delivery in rows:
                channel = channel_get(delivery.channel)
                if delivery.channel not in connections:
                    connections[delivery.channel] = channel.open()
                try:
                    channel.send(
                        delivery.notification, connection=connections[delivery.channel]
                    )
                except OSError as error:
                    deliveries.filter(pk=delivery.pk).update(
                        status=status.FAILED if final else status.PENDING,
                        attempts=F("attempts") + 1,
                        last_error=str(error)[:500],
                    )
                    failed.append(delivery.pk)
                else:
                    deliveries.filter(pk=delivery.pk).update(
                        status=status.SENT,
                        sent_at=timezone.now(),
                        attempts=F("attempts") + 1,
                        last_error="",
                    )
                    counts["sent"] += 1
        finally:
            for connection in connections.values():
                if connection is not None:
                    connection.close()
        return {**counts, "failed": failed, "released": []}

    notifications.deliveries_send = deliveries_send


def _async_session() -> None:
    """Turn synchronous_commit off for the worker's database sessions."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    def asynchronous(sender, connection, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")

    connection_created.connect(asynchronous, weak=False)
    if connection.connection is not None:
        asynchronous(None, connection)


def _store_split(parts: int):
    """Let reminder_due hand the store to ``parts`` tasks, one a share of targets.

    Each part runs the kind's targets and keeps those whose recipient id
    falls in its share (id modulo ``parts``), so any reminder kind can be
    split without knowing its query; the dedupe keys still decide.
    """

    def apply() -> None:
        from datetime import date

        from django.conf import settings
        from django.utils import timezone, translation

        from members.reminders import reminder_get
        from members.services import notifications
        from unionportal.celery import app

        @app.task(name="benchmarks.reminder_part", acks_late=True, ignore_result=True)
        def reminder_part(*, kind: str, today: str, part: int, batch_size: int):
            reminder = reminder_get(kind)
            targets = (
                target
                for target in reminder.targets(today=date.fromisoformat(today))
                if target.recipient_id % parts == part
            )
            created = 0
            with translation.override(settings.LANGUAGE_CODE):
                for batch in notifications.batched(targets, batch_size):
                    created += notifications.notifications_store(
                        kind=kind, targets=batch, mandatory=reminder.mandatory
                    )
            return created

        def reminder_run(*, kind, today=None, batch_size=1000):
            today = today or timezone.localdate()
            for part in range(parts):
                reminder_part.delay(
                    kind=kind, today=today.isoformat(), part=part, batch_size=batch_size
                )
            return {"kind": kind, "parts": parts}

        notifications.reminder_run = reminder_run

    return apply


def _both(*changes):
    def apply() -> None:
        for change in changes:
            change()

    return apply


VARIANTS = {
    "chunk-50": Variant("DELIVERY_CHUNK = 50 (project: 200)", _chunk(50)),
    "chunk-1000": Variant("DELIVERY_CHUNK = 1000 (project: 200)", _chunk(1000)),
    "per-delivery": Variant(
        "the engine before the claim: one locking SELECT, UPDATE and COMMIT per e-mail",
        _per_delivery,
    ),
    "async-marks": Variant(
        "the project, with synchronous_commit off in the workers' sessions",
        _async_session,
    ),
    "batched-send": Variant(
        "deliveries_send: one SELECT ... FOR UPDATE OF the chunk, one UPDATE, "
        "one COMMIT per chunk of 200",
        _batched_send(None),
    ),
    "batched-send-20": Variant(
        "deliveries_send: as batched-send, committing every 20 e-mails",
        _batched_send(20),
    ),
    "orm-marks": Variant(
        "the project's claim, with each mark an ORM update() instead of raw SQL",
        _claim_send,
    ),
    "batched-send-20-store-split": Variant(
        "batched-send-20, and reminder_due splits the store into 2 tasks",
        _both(_batched_send(20), _store_split(2)),
    ),
    "batched-send-20-chunk-1000": Variant(
        "batched-send-20 with DELIVERY_CHUNK = 1000",
        _both(_batched_send(20), _chunk(1000)),
    ),
}


# The fan-out, measured -------------------------------------------------------


def _proc_stat(pid: int) -> list[str] | None:
    """Return the fields of /proc/<pid>/stat after the command name."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _proc_comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _pids() -> list[int]:
    return [
        int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()
    ]


def _children(pid: int) -> list[int]:
    """Return the descendants of ``pid``."""
    parents = {}
    for child in _pids():
        fields = _proc_stat(child)
        if fields:
            parents[child] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


def _cpu_of(pid: int) -> float:
    """Return the CPU seconds of a process and of its reaped children."""
    fields = _proc_stat(pid)
    if not fields:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """Return the busy and total CPU seconds of the machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / ticks, sum(values) / ticks


class _CpuMeter:
    """CPU seconds of the workers, this database's backends, Redis and the rest."""

    def __init__(self, *, worker_pids: list[int], database: str):
        self.worker_pids, self.database = set(worker_pids), database
        self.start, self.machine = self._read(), _machine_busy()

    def _group(self, pid: int) -> str | None:
        if pid in self.worker_pids:
            return "workers"
        if pid == os.getpid():
            return "this script"
        comm = _proc_comm(pid)
        if comm == "redis-server":
            return "redis"
        if comm == "postgres":
            try:
                title = (
                    Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                )
            except OSError:
                return None
            return "postgres" if f" {self.database} " in title else None
        return None

    def _read(self) -> dict[int, tuple[str, float]]:
        groups = {pid: self._group(pid) for pid in _pids()}
        return {pid: (group, _cpu_of(pid)) for pid, group in groups.items() if group}

    def stop(self) -> dict[str, float]:
        """Return CPU seconds per group since the start, and the machine's load."""
        used = dict.fromkeys(("workers", "postgres", "redis", "this script"), 0.0)
        for pid, (group, cpu) in self._read().items():
            used[group] += cpu - self.start.get(pid, (group, 0.0))[1]
        busy, total = (
            b - a for a, b in zip(self.machine, _machine_busy(), strict=True)
        )
        used["other processes"] = max(0.0, busy - sum(used.values()))
        used["machine busy %"] = 100 * busy / total if total else 0.0
        return used


def _wait_idle(percent: float, patience: float = 900) -> None:
    """Wait until the machine is less busy than ``percent`` over 5 s, or give up."""
    deadline = time.perf_counter() + patience
    while True:
        before = _machine_busy()
        time.sleep(5)
        busy, total = (b - a for a, b in zip(before, _machine_busy(), strict=True))
        load = 100 * busy / total
        if load < percent:
            return
        if time.perf_counter() > deadline:
            print(f"  machine still {load:.0f} % busy; measuring anyway", flush=True)
            return
        print(f"  machine {load:.0f} % busy; waiting for it to settle…", flush=True)


def _vm_hwm_mb(pid: int) -> float | None:
    """Return the peak resident set (VmHWM) of a process in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class _Worker:
    """One ``celery worker`` process (and its pool child), started and stopped."""

    def __init__(self, *, number: int, keys: _Keys, env: dict, log_dir: Path):
        self.name = f"{PREFIX}-{number}-{keys.run}-{keys.phase}@{platform.node()}"
        celery = Path(sys.executable).with_name("celery")
        self.command = [
            str(celery),
            "-A",
            "unionportal",
            "worker",
            "--concurrency=1",
            "--pool=prefork",
            "-Q",
            keys.queue,
            "-n",
            self.name,
            "-I",
            "benchmarks.notifications_fanout",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self.log = log_dir / f"worker-{number}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603
                self.command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Out of the terminal's process group: Ctrl-C reaches the
                # script, which then stops the workers itself.
                start_new_session=True,
            )
        self.peak_mb: dict[int, float] = {}

    def pids(self) -> list[int]:
        return [self.process.pid, *_children(self.process.pid)]

    def sample(self) -> None:
        """Record the peak RSS of the worker and its pool children."""
        for pid in self.pids():
            peak = _vm_hwm_mb(pid)
            if peak is not None:
                self.peak_mb[pid] = max(peak, self.peak_mb.get(pid, 0))

    def check(self) -> None:
        if self.process.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(
                f"Worker {self.name} exited ({self.process.returncode}):\n{tail}"
            )

    def stop(self, grace: float = 20) -> None:
        """Ask for a warm shutdown; kill the process group if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # A pool child left behind by its dead parent is still in the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


@dataclass
class Phase:
    """The figures of one fan-out with two workers."""

    name: str
    description: str
    recipients: int = 0
    deliveries_expected: int = 0
    store_s: float | None = None
    first_sent_s: float | None = None
    send_s: float | None = None
    store_db_s: float | None = None
    send_db_s: float | None = None
    timed_out: bool = False
    peak_mb: list[float] = field(default_factory=list)
    peak_child_mb: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)
    checks: dict[str, int] = field(default_factory=dict)
    polls: int = 0
    poll_ms: float = 0.0
    last_delivery_before: int = 0

    @property
    def total_s(self) -> float | None:
        return self.send_s

    def stat(self, task: str, figure: str) -> float:
        return self.stats.get(f"{task}.{figure}", 0.0)


def _fanout(args, *, run: str, phase: str, redis_url: str, database: str) -> Phase:
    """Run the reminder with two workers; return what was measured."""
    import redis
    from django.db.models import Max, Min

    from members.models import Notification, NotificationDelivery, User
    from members.tasks import reminder_due
    from unionportal.celery import app

    description = "the project" if phase == PROJECT else VARIANTS[phase].description
    print(f"\n{phase}: {description}", flush=True)
    _rows_delete()
    keys = _Keys(run=run, phase=phase)
    client = redis.Redis.from_url(redis_url)
    accounts = User.objects.filter(member__isnull=False)
    result = Phase(
        name=phase,
        description=description,
        recipients=accounts.count(),
        deliveries_expected=accounts.filter(is_active=True).exclude(email="").count(),
    )
    env = {
        **os.environ,
        **_worker_settings(),
        "PYTHONPATH": str(ROOT),
        ENV_RUN: run,
        ENV_PHASE: phase,
        ENV_QUEUE: keys.queue,
    }
    if args.profile:
        env[ENV_PROFILE] = "1"
    if args.keep_outbox:
        env[ENV_KEEP_OUTBOX] = "1"
    log_dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}-"))
    workers = []
    stored = Notification.objects.filter(kind=KIND)
    try:
        workers = [
            _Worker(number=n, keys=keys, env=env, log_dir=log_dir)
            for n in range(1, WORKERS + 1)
        ]
        _wait_ready(workers, client, keys)
        if args.wait_idle:
            _wait_idle(args.wait_idle)
        result.last_delivery_before = (
            NotificationDelivery.objects.order_by("-pk")
            .values_list("pk", flat=True)
            .first()
            or 0
        )
        meter = _CpuMeter(
            worker_pids=[pid for worker in workers for pid in worker.pids()],
            database=database,
        )
        default_queue = app.conf.task_default_queue
        app.conf.task_default_queue = keys.queue
        try:
            started_at = time.time()
            started = time.perf_counter()
            reminder_due.delay(kind=KIND)
        finally:
            app.conf.task_default_queue = default_queue
        print(f"  queued reminder_due on {keys.queue}; polling…", flush=True)
        _poll(args, result, workers, client, keys, started)
        result.cpu = meter.stop()
        for worker in workers:
            worker.sample()
            result.peak_mb.append(max(worker.peak_mb.values(), default=0))
            children = [
                mb for pid, mb in worker.peak_mb.items() if pid != worker.process.pid
            ]
            result.peak_child_mb.append(max(children, default=0))
        # Let the last task's counters land before reading them.
        time.sleep(1)
        result.stats = {
            key.decode(): float(value)
            for key, value in client.hgetall(keys.stats).items()
        }
        times = stored.aggregate(last=Max("created_at"))
        sent_times = NotificationDelivery.objects.filter(
            notification__kind=KIND
        ).aggregate(first=Min("sent_at"), last=Max("sent_at"))
        if times["last"]:
            result.store_db_s = times["last"].timestamp() - started_at
        if sent_times["first"]:
            result.first_sent_s = sent_times["first"].timestamp() - started_at
        if sent_times["last"]:
            result.send_db_s = sent_times["last"].timestamp() - started_at
        result.checks = _checks(client, keys)
    finally:
        for worker in workers:
            worker.stop()
        client.delete(*keys.all(client))
        shutil.rmtree(log_dir, ignore_errors=True)
    _phase_print(result)
    return result


def _poll(args, result: Phase, workers, client, keys: _Keys, started: float) -> None:
    """Poll the database until every notification is stored and every e-mail sent.

    The tables grow from nothing during a phase, so the planner's statistics
    lag and a join would be planned for a handful of rows: the polls stay on
    one table each. The store is counted until it is complete; the send is
    then watched with an EXISTS on this phase's deliveries still waiting.
    """
    from members.models import Notification, NotificationDelivery

    status = NotificationDelivery.Status
    stored = Notification.objects.filter(kind=KIND)
    waiting = NotificationDelivery.objects.filter(
        pk__gt=result.last_delivery_before, status__in=[status.PENDING, status.HELD]
    )
    next_print, n_stored = started + 5, 0
    while True:
        time.sleep(
            max(0.0, started + POLL_S * (result.polls + 1) - time.perf_counter())
        )
        poll_started = time.perf_counter()
        if result.store_s is None:
            n_stored = stored.count()
            done = False
        else:
            done = not waiting.exists()
        now = time.perf_counter()
        result.polls += 1
        result.poll_ms += (now - poll_started) * 1000
        elapsed = now - started
        if result.store_s is None and n_stored >= result.recipients:
            result.store_s = elapsed
        for worker in workers:
            worker.sample()
            worker.check()
        if done:
            result.send_s = elapsed
            return
        if now >= next_print:
            handed = int(client.get(keys.emails) or 0)
            print(
                f"  {elapsed:5.1f} s: {n_stored:,} stored, {handed:,} e-mails sent",
                flush=True,
            )
            next_print += 5
        if elapsed > args.timeout:
            result.timed_out = True
            print(f"  timed out after {elapsed:.0f} s", flush=True)
            return


def _wait_ready(workers: list[_Worker], client, keys: _Keys, timeout=120) -> None:
    deadline = time.perf_counter() + timeout
    names = {worker.name for worker in workers}
    while True:
        ready = {name.decode() for name in client.smembers(keys.ready)}
        if names <= ready:
            return
        for worker in workers:
            worker.check()
        if time.perf_counter() > deadline:
            raise RuntimeError(f"Workers not ready after {timeout} s: {names - ready}")
        time.sleep(0.2)


def _checks(client, keys: _Keys) -> dict[str, int]:
    """Count duplicates and what was sent, from the database and the workers."""
    from django.db.models import Count

    from members.models import Notification, NotificationDelivery

    stored = Notification.objects.filter(kind=KIND)
    deliveries = NotificationDelivery.objects.filter(notification__kind=KIND)
    statuses = dict(deliveries.values_list("status").annotate(n=Count("pk")).order_by())
    emails = int(client.get(keys.emails) or 0)
    distinct = client.scard(keys.email_keys)
    return {
        "notifications": stored.count(),
        "dedupe keys stored more than once": stored.values("dedupe_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "recipients notified more than once": stored.values("recipient_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "deliveries": deliveries.count(),
        "(notification, channel) with more than one delivery": deliveries.values(
            "notification_id", "channel"
        )
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        **{f"deliveries {status}": n for status, n in sorted(statuses.items())},
        "e-mails handed to the backend": emails,
        "e-mails handed to the backend twice": emails - distinct,
    }


def _phase_print(result: Phase) -> None:
    total = f"{result.total_s:.1f} s" if result.total_s else "not finished"
    print(
        f"  done: {total}; stored in {_s(result.store_s)}; checks {result.checks}",
        flush=True,
    )


# Baselines, in-process -------------------------------------------------------


@dataclass
class Baseline:
    name: str
    description: str
    sample: int
    seconds: float
    notifications: int
    sent: int

    def scaled(self, recipients: int) -> float:
        return self.seconds / self.sample * recipients


def _baselines(args, *, run: str) -> list[Baseline]:
    """Measure the naive path and the eager engine in this process, on a sample."""
    from django.core import mail
    from django.urls import reverse
    from django.utils import timezone

    from members.models import Notification, NotificationDelivery, User
    from members.services.notifications import notify, reminder_run
    from unionportal.celery import app

    print(f"\nBaselines on {args.baseline_sample:,} recipients, in-process…")
    _rows_delete()
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    results = []
    sample = min(
        args.baseline_sample, User.objects.filter(member__isnull=False).count()
    )

    def counted(kind):
        stored = Notification.objects.filter(kind=kind).count()
        sent = NotificationDelivery.objects.filter(
            notification__kind=kind, status=NotificationDelivery.Status.SENT
        ).count()
        mail.outbox = []
        return stored, sent

    reminder_register(
        kind=KIND_EAGER, key_prefix=_key_prefix(run, "eager"), limit=sample
    )
    mail.outbox = []
    started = time.perf_counter()
    reminder_run(kind=KIND_EAGER)
    seconds = time.perf_counter() - started
    results.append(
        Baseline(
            "eager engine",
            "reminder_run with CELERY_TASK_ALWAYS_EAGER: the same batches and "
            "delivery chunks, one process, no broker",
            sample,
            seconds,
            *counted(KIND_EAGER),
        )
    )
    print(f"  eager engine: {seconds:.1f} s", flush=True)

    users = list(User.objects.filter(member__isnull=False).order_by("pk")[:sample])
    closes = f"{timezone.localdate() + timedelta(days=1):%d/%m/%Y}"
    prefix = _key_prefix(run, "naive")
    link = reverse("portal:home")
    started = time.perf_counter()
    for user in users:
        notify(
            recipient=user,
            kind=KIND_NAIVE,
            dedupe_key=f"{prefix}:{user.pk}",
            title=TITLE,
            body=BODY.format(name=user.name, date=closes),
            link=link,
        )
    seconds = time.perf_counter() - started
    results.append(
        Baseline(
            "naive notify() loop",
            "one notify() a recipient; its delivery task runs eagerly on commit",
            sample,
            seconds,
            *counted(KIND_NAIVE),
        )
    )
    print(f"  naive notify() loop: {seconds:.1f} s", flush=True)
    app.conf.task_always_eager = False
    return results


# The report ------------------------------------------------------------------


@dataclass
class Report:
    args: argparse.Namespace
    database: dict
    redis_url: str
    phases: list[Phase] = field(default_factory=list)
    baselines: list[Baseline] = field(default_factory=list)
    accounts: dict = field(default_factory=dict)
    seeded_s: float | None = None
    load_before: tuple = ()
    load_after: tuple = ()
    total_s: float = 0.0

    def print(self) -> None:
        project = self.phases[0]
        n = project.recipients
        report.heading("Notifications fan-out (issue 5)", self._facts())
        print()
        report.table(
            ["figure", *(phase.name for phase in self.phases)],
            self._rows(),
            left=1,
        )
        if self.baselines:
            print()
            report.table(
                [
                    "baseline (in-process)",
                    "sample",
                    "time",
                    "per recipient",
                    f"scaled to {n:,}",
                    "ratio to two workers",
                    "stored / sent",
                ],
                [
                    [
                        baseline.name,
                        f"{baseline.sample:,}",
                        _s(baseline.seconds),
                        f"{baseline.seconds / baseline.sample * 1000:.2f} ms",
                        _s(baseline.scaled(n)),
                        _ratio(baseline.scaled(n), project.total_s),
                        f"{baseline.notifications:,} / {baseline.sent:,}",
                    ]
                    for baseline in self.baselines
                ],
                left=1,
            )
            print()
            for baseline in self.baselines:
                print(f"- {baseline.name}: {baseline.description}")
        print()
        report.table(
            ["where the time goes", *(p.name for p in self.phases)],
            self._profile(),
            left=1,
        )
        print()
        for phase in self.phases[1:]:
            print(f"- {phase.name}: {phase.description} (prototype, in the workers)")

    def _rows(self) -> list[list[str]]:
        phases = self.phases

        def row(label, value):
            return [label, *(value(phase) for phase in phases)]

        rows = [
            row("recipients", lambda p: f"{p.recipients:,}"),
            row(
                "**total: enqueue → every e-mail sent**",
                lambda p: (
                    f"**{_s(p.total_s)}**" + (" (timed out)" if p.timed_out else "")
                ),
            ),
            row("store: enqueue → every notification stored", lambda p: _s(p.store_s)),
            row("first e-mail sent after (DB clock)", lambda p: _s(p.first_sent_s)),
            row(
                "send tail after the store",
                lambda p: _s(p.send_s - p.store_s) if p.send_s and p.store_s else "-",
            ),
            row(
                "last created_at / sent_at after enqueue (DB clock)",
                lambda p: f"{_s(p.store_db_s)} / {_s(p.send_db_s)}",
            ),
            row(
                "notifications/s (store)",
                lambda p: _rate(p.recipients, p.store_s),
            ),
            row(
                "e-mails/s (end to end)",
                lambda p: _rate(p.checks.get("deliveries sent", 0), p.send_s),
            ),
            row(
                "peak RSS of a worker process (max; pool child)",
                lambda p: (
                    f"{max(p.peak_mb, default=0):.0f} MiB; "
                    f"{max(p.peak_child_mb, default=0):.0f} MiB"
                ),
            ),
        ]
        check_names = []
        for phase in phases:
            check_names += [k for k in phase.checks if k not in check_names]
        for name in check_names:
            rows.append(row(name, lambda p, name=name: f"{p.checks.get(name, 0):,}"))
        rows.append(
            row(
                "sent == notifications",
                lambda p: (
                    "yes"
                    if p.checks.get("deliveries sent") == p.checks.get("notifications")
                    else "**no**"
                ),
            )
        )
        for baseline in self.baselines:
            rows.append(
                row(
                    f"ratio: {baseline.name} (scaled) / total",
                    lambda p, b=baseline: _ratio(b.scaled(p.recipients), p.total_s),
                )
            )
        return rows

    def _profile(self) -> list[list[str]]:
        phases = self.phases

        def row(label, value):
            return [label, *(value(phase) for phase in phases)]

        def per_item(p, figure):
            items = p.stat("deliveries_send", "items")
            value = p.stat("deliveries_send", figure)
            return f"{value / items * 1e6:.0f} µs" if items and value else "-"

        rows = [
            row(
                "store tasks (reminder_due and any parts): wall / CPU",
                lambda p: f"{_s(_store_stat(p, 'wall'))} / {_s(_store_stat(p, 'cpu'))}",
            ),
            row(
                "deliveries_send: tasks, mean wall",
                lambda p: (
                    f"{p.stat('deliveries_send', 'tasks'):.0f}, "
                    f"{_ms_per(p, 'deliveries_send')}"
                ),
            ),
            row(
                "workers busy in tasks (task time / 2 workers x total)",
                lambda p: (
                    f"{100 * _task_time(p) / (WORKERS * p.total_s):.0f} %"
                    if p.total_s
                    else "-"
                ),
            ),
            row(
                "deliveries_send: wall / CPU per delivery",
                lambda p: f"{per_item(p, 'wall')} / {per_item(p, 'cpu')}",
            ),
        ]
        if any(p.stat("deliveries_send", "sql_calls") for p in phases):
            rows += [
                row(
                    "per delivery: SQL statements (time)",
                    lambda p: f"{_per(p, 'sql_calls'):.1f} ({per_item(p, 'sql_s')})",
                ),
                row(
                    "per delivery: COMMITs (time)",
                    lambda p: (
                        f"{_per(p, 'commit_calls'):.1f} ({per_item(p, 'commit_s')})"
                    ),
                ),
                row(
                    "per delivery: building and handing the e-mail",
                    lambda p: per_item(p, "email_s"),
                ),
                row(
                    "store tasks: SQL statements (time)",
                    lambda p: (
                        f"{_store_stat(p, 'sql_calls'):.0f} "
                        f"({_s(_store_stat(p, 'sql_s'))})"
                    ),
                ),
            ]
        rows += [
            row(
                "CPU: workers / PostgreSQL (this database) / Redis / script",
                lambda p: " / ".join(
                    _s(p.cpu.get(name))
                    for name in ("workers", "postgres", "redis", "this script")
                ),
            ),
            row(
                "CPU of other processes on the machine meanwhile",
                lambda p: _s(p.cpu.get("other processes")),
            ),
            row(
                "machine busy (2 cores = 100 %)",
                lambda p: f"{p.cpu.get('machine busy %', 0):.0f} %",
            ),
            row(
                "polls (mean time of a poll)",
                lambda p: f"{p.polls} ({p.poll_ms / max(1, p.polls):.1f} ms)",
            ),
        ]
        return rows

    def _facts(self) -> list[str]:
        import redis
        from django.utils import timezone

        pg_version, settings = report.postgresql(
            ("shared_buffers", "synchronous_commit", "max_connections")
        )
        redis_version = redis.Redis.from_url(self.redis_url).info("server")[
            "redis_version"
        ]
        import celery

        accounts = self.accounts
        seed = (
            f"seeded in {self.seeded_s:.0f} s"
            if self.seeded_s is not None
            else "reused from an earlier run of the same size"
        )
        made = (
            f"{accounts['created']:,} created in {accounts['seconds']:.1f} s"
            if accounts["created"]
            else "all present"
        )
        return [
            f"Date: {timezone.localdate().isoformat()}",
            report.machine(self.load_before, self.load_after, span="from start to end"),
            f"PostgreSQL {pg_version} ({', '.join(settings)}), Redis "
            f"{redis_version}, both on the same machine; {report.software()}, "
            f"Celery {celery.__version__}",
            f"Command: `{report.command('DATABASE_URL', 'REDIS_URL')}`",
            f"Register: {self.args.members:,} members ({seed}); login accounts: "
            f"{accounts['accounts']:,}, {accounts['with e-mail']:,} active with "
            f"an e-mail ({made})",
            f"Workers: {WORKERS} processes, each `celery -A unionportal worker "
            "--concurrency=1 --pool=prefork` on a queue of their own (prefetch 1, "
            "acks_late, CELERY_DB_REUSE_MAX 1000 as configured), "
            "EMAIL_URL=memorymail:// (locmem), quiet hours off "
            "(NOTIFICATION_QUIET_START=24, END=0)"
            + (
                "; SQL/COMMIT/e-mail timed inside them (--profile)"
                if self.args.profile
                else ""
            )
            + (
                "; locmem outbox kept"
                if self.args.keep_outbox
                else "; the locmem outbox is emptied after every task (its keys "
                "counted in Redis first), so that RSS is the engine's"
            ),
            f"Timing: from `reminder_due.delay()` until a poll of the database "
            f"(every {POLL_S} s: a COUNT of the notifications until all are "
            "stored, then an EXISTS on deliveries still pending or held) sees "
            "every notification stored and every e-mail delivery `sent`; each "
            "phase starts from a notifications table emptied of benchmark rows "
            f"and vacuumed; whole run {self.total_s:.0f} s",
        ]


def _task_time(phase: Phase) -> float:
    return sum(value for key, value in phase.stats.items() if key.endswith(".wall"))


def _store_stat(phase: Phase, figure: str) -> float:
    """Return a figure of the store: reminder_due and, split, its parts."""
    return phase.stat("reminder_due", figure) + phase.stat("reminder_part", figure)


def _per(phase: Phase, figure: str) -> float:
    items = phase.stat("deliveries_send", "items")
    return phase.stat("deliveries_send", figure) / items if items else 0.0


def _ms_per(phase: Phase, task: str) -> str:
    tasks = phase.stat(task, "tasks")
    return f"{phase.stat(task, 'wall') / tasks * 1000:.0f} ms" if tasks else "-"


def _s(value: float | None) -> str:
    return f"{value:.1f} s" if value is not None else "-"


def _rate(count: int, seconds: float | None) -> str:
    return f"{count / seconds:,.0f}" if seconds else "-"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}x" if a and b else "n/a"


def _terminate(signum, frame) -> None:
    raise SystemExit(f"Stopped by signal {signum}.")


if __name__ == "__main__":
    # Stop the workers on Ctrl-C (even when started where SIGINT is ignored,
    # as a shell does for background jobs) and on SIGTERM.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    main()
elif os.environ.get(ENV_RUN):
    _worker_install()
