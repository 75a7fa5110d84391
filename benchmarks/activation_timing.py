"""Benchmark whether /kich-hoat/ answers register and unknown e-mails alike in time.

Run it on PostgreSQL and Redis (production's broker); the database is created
when it is missing, migrated, seeded once by benchmarks/members_seed.py (later
runs of the same size reuse the data) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_activation \\
    REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python benchmarks/activation_timing.py --members 82000 --tries 50

It posts the activation form, through Django's test Client in-process with
DEBUG off, for e-mails of active members without an account (each the only
member with that e-mail, so a link is due) and for e-mails in no record, in
turn, ``--tries`` times each after ``--warmup`` untimed requests of each,
every request from its own address and for its own e-mail so that no rate
limit answers. E-mail goes through Django's SMTP backend to a sink on
127.0.0.1 that this script runs (``--smtp-latency-ms`` delays each of its
replies, as a distant relay would). Tasks are published to a Redis queue of
this run's own, deleted at the end; after the timing the published tasks are
run in-process, so that the report counts the e-mails each case sent inside
the requests and afterwards. The baseline is the difference between the two
cases' medians: the goal is under 5 ms.

The database name must contain "bench": a register of another size is wiped.
"""

import argparse
import gc
import os
import socketserver
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.report import (  # noqa: E402
    Percentiles,
    code_version,
    command,
    heading,
    run_facts,
    table,
)

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_activation "
    "REDIS_URL=redis://127.0.0.1:6379/9 "
    ".venv/bin/python benchmarks/activation_timing.py"
)
GOAL_MS = 5.0
ACTIVATE = "/kich-hoat/"


# A local SMTP sink -----------------------------------------------------------


class SMTPSink(socketserver.ThreadingTCPServer):
    """Accept every message on 127.0.0.1 and count the recipients it was for."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, latency_s: float) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.latency_s = latency_s
        self.lock = threading.Lock()
        self.recipients: list[str] = []

    def received(self) -> list[str]:
        with self.lock:
            return list(self.recipients)


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        if self.server.latency_s:
            time.sleep(self.server.latency_s)
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 bench-sink ESMTP")
        recipients: list[str] = []
        while raw := self.rfile.readline():
            verb = raw.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self.reply("250 bench-sink")
            elif verb == "RCPT":
                recipients.append(raw.decode().split(":", 1)[1].strip(" <>\r\n"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                while self.rfile.readline() not in {b".\r\n", b".\n", b""}:
                    pass
                with self.server.lock:
                    self.server.recipients.extend(recipients)
                recipients = []
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:  # MAIL, RSET, NOOP
                self.reply("250 OK")


# The two cases ---------------------------------------------------------------


@dataclass
class Case(Percentiles):
    """One kind of e-mail posted to the form, and what its requests cost."""

    name: str
    emails: list[str]
    samples: list[float] = field(default_factory=list)
    queries: int = 0
    sent_in_requests: int = 0
    sent_after: int = 0
    tasks: int = 0


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    sink = SMTPSink(args.smtp_latency_ms / 1000)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    register = databases.register_ready(
        args, EXAMPLE, set_environment=_environment(sink)
    )
    queue = f"bench-activation-{uuid.uuid4().hex[:8]}"
    published = _publishing_to(queue)
    known, unknown = _cases(args.warmup + args.tries)
    load_before = os.getloadavg()
    try:
        _time(args, known, unknown, sink, published)
        load_after = os.getloadavg()
        _run_published(published, (known, unknown), sink)
    finally:
        _queue_delete(queue)
    _report(
        args=args,
        register=register,
        cases=(known, unknown),
        load=(load_before, load_after),
        total_s=time.perf_counter() - started,
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    databases.seed_arguments(parser)
    parser.add_argument("--tries", type=int, default=50, help="timed tries a case")
    parser.add_argument("--warmup", type=int, default=5, help="untimed tries a case")
    parser.add_argument(
        "--smtp-latency-ms",
        type=float,
        default=0.0,
        help="delay of each reply of the SMTP sink (a distant relay)",
    )
    args = parser.parse_args()
    databases.register_defaults(args)
    if args.tries < 2:
        parser.error("--tries must be at least 2 (a p95 needs two samples)")
    if not os.environ.get("REDIS_URL"):
        parser.error(f"REDIS_URL is not set; the tasks go to Redis:\n  {EXAMPLE}")
    return args


def _environment(sink: SMTPSink):
    def set_environment(database: dict) -> bool:
        host, port = sink.server_address
        os.environ["EMAIL_URL"] = f"smtp://{host}:{port}"
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
        return databases.environment(database)

    return set_environment


def _publishing_to(queue: str) -> list[tuple[str, tuple, dict]]:
    """Send the portal's tasks to ``queue``; return the list of what is published."""
    from celery import signals

    from unionportal.celery import app

    app.conf.task_default_queue = queue
    published: list[tuple[str, tuple, dict]] = []

    def record(sender=None, body=None, **kwargs) -> None:
        args, task_kwargs, _embed = body
        published.append((sender, tuple(args), dict(task_kwargs)))

    signals.before_task_publish.connect(record, weak=False)
    return published


def _queue_delete(queue: str) -> None:
    from unionportal.celery import app

    # Declared first, so that the channel knows its bindings and drops them too.
    with app.connection_for_write() as connection:
        declared = app.amqp.queues[queue](connection.default_channel)
        declared.declare()
        declared.delete()


def _cases(count: int) -> tuple[Case, Case]:
    """Return e-mails that are due a link, and e-mails in no record, ``count`` each."""
    from django.db.models import Count

    from members.models import Member, User

    accounts = User.objects.values_list("email", flat=True)
    single = (
        Member.objects.exclude(email="")
        .values("email")
        .annotate(n=Count("id"))
        .filter(n=1)
        .values("email")
    )
    emails = list(
        Member.objects.filter(
            status=Member.Status.ACTIVE, user__isnull=True, email__in=single
        )
        .exclude(email__in=accounts)
        .order_by("pk")
        .values_list("email", flat=True)[:count]
    )
    if len(emails) < count:
        sys.exit(f"The register has {len(emails)} e-mails due a link; {count} needed.")
    tag = uuid.uuid4().hex[:6]
    unknown = [f"khongco{n}-{tag}@example.vn" for n in range(count)]
    return (
        Case("in the register (a link is due)", emails),
        Case("in no record", unknown),
    )


def _post(client, email: str, number: int):
    # Each request from its own address, so that the per-address limit of
    # allauth's reset_password (which the form shares) never answers.
    address = f"198.18.{number // 250}.{number % 250 + 1}"
    return client.post(ACTIVATE, {"email": email}, REMOTE_ADDR=address)


def _time(args, known: Case, unknown: Case, sink: SMTPSink, published: list) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    number = 0
    print(f"Timing {args.tries} tries a case after {args.warmup} warm-ups…", flush=True)
    gc.collect()
    for index in range(args.warmup + args.tries):
        # Alternate which case goes first, so neither always follows the other.
        pair = (known, unknown) if index % 2 == 0 else (unknown, known)
        for case in pair:
            number += 1
            email = case.emails[index]
            before_mail, before_tasks = len(sink.received()), len(published)
            if index == 0:
                with CaptureQueriesContext(connection) as queries:
                    response = _post(client, email, number)
                case.queries = len(queries)
            else:
                began = time.perf_counter()
                response = _post(client, email, number)
                elapsed_ms = (time.perf_counter() - began) * 1000
                if index >= args.warmup:
                    case.samples.append(elapsed_ms)
            if response.status_code != 302:
                sys.exit(f"{ACTIVATE} answered {response.status_code} for a try.")
            case.sent_in_requests += len(sink.received()) - before_mail
            case.tasks += len(published) - before_tasks
        if (index + 1) % 10 == 0:
            print(f"  {index + 1}/{args.warmup + args.tries} pairs", flush=True)


def _run_published(published: list, cases: tuple[Case, ...], sink: SMTPSink) -> None:
    """Run the published tasks as a worker would; count the e-mails they sent."""
    from unionportal.celery import app

    owner = {email: case for case in cases for email in case.emails}
    for name, args, kwargs in published:
        before = len(sink.received())
        app.tasks[name].apply(args=args, kwargs=kwargs, throw=True)
        case = owner.get(kwargs.get("email", ""))
        if case is not None:
            case.sent_after += len(sink.received()) - before


def _report(*, args, register, cases, load, total_s) -> None:
    known, unknown = cases
    facts = run_facts(
        register=register,
        load_before=load[0],
        load_after=load[1],
        total_s=total_s,
        users=False,
    )
    # The command line with the broker too: REDIS_URL decides where tasks go.
    facts = [
        f"Command: `{command('DATABASE_URL', 'REDIS_URL')}`, code at {code_version()}"
        if fact.startswith("Command:")
        else fact
        for fact in facts
    ]
    facts.append(
        f"Each case: {args.warmup} warm-up requests, then {args.tries} timed, the "
        "cases in turn; Django's test Client in-process (DEBUG off, a local-memory "
        "cache); queries counted with CaptureQueriesContext on the first request; "
        f"e-mail by Django's SMTP backend to a sink on 127.0.0.1 replying after "
        f"{args.smtp_latency_ms:g} ms; tasks published to Redis"
    )
    heading("Activation request: register and unknown e-mails (issue 14)", facts)
    rows = [
        [
            case.name,
            f"{len(case.samples)}",
            f"{case.median_ms:.2f}",
            f"{case.p95_ms:.2f}",
            f"{case.queries}",
            f"{case.tasks}",
            f"{case.sent_in_requests}",
            f"{case.sent_after}",
        ]
        for case in cases
    ]
    print()
    table(
        [
            "e-mail",
            "tries",
            "median ms",
            "p95 ms",
            "queries",
            "tasks queued",
            "e-mails sent inside the requests",
            "e-mails sent after, by the tasks",
        ],
        rows,
        left=1,
    )
    difference = known.median_ms - unknown.median_ms
    verdict = "met" if abs(difference) < GOAL_MS else "missed"
    print(
        f"\nDifference of the medians (register minus unknown): {difference:+.2f} ms; "
        f"ratio {known.median_ms / unknown.median_ms:.2f}; goal under {GOAL_MS:g} ms: "
        f"{verdict}."
    )


if __name__ == "__main__":
    main()
