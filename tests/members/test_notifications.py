"""The notification engine: once per dedupe key, quiet hours, preferences, retries."""

import json
import re
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from members.models import (
    Member,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    Relative,
    StaffRole,
    Unit,
    User,
)
from members.reminders import ReminderTarget, reminders_all
from members.services import notifications
from members.services.notifications import STRANDED_AFTER
from members.tasks import RETRY_DELAYS, deliveries_release, reminder_due
from tests.conftest import require_service
from tests.members.conftest import BROADCAST, WorkerLost, broadcast_key
from tests.members.factories import (
    make_care_case,
    make_member,
    make_relative,
    make_staff,
    make_union_tree,
    make_unit,
    reloaded,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
Status = NotificationDelivery.Status
DELIVERIES_SEND = "members.tasks.deliveries_send"
REMINDER_DUE = "members.tasks.reminder_due"


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=HCM)


DAY = date(2025, 3, 10)  # a Monday
SWEEP_EVERY = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _morning(time_machine):
    """Run on a fixed Monday morning in Vietnam, outside the quiet hours."""
    time_machine.move_to(local(DAY, 9), tick=False)


def deliveries(kind: str = BROADCAST):
    return NotificationDelivery.objects.filter(notification__kind=kind)


def statuses(kind: str = BROADCAST) -> Counter:
    return Counter(deliveries(kind).values_list("status", flat=True))


def keys(kind: str = BROADCAST) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("dedupe_key", flat=True)
    )


# A reminder is sent once ---------------------------------------------------


@pytest.mark.django_db
def test_reminder_task_run_twice_stores_and_sends_once_per_key(
    task_queue, broadcast, recipients, smtp
):
    users = recipients(12)
    kind = broadcast(users)

    reminder_due.delay(kind=kind)
    reminder_due.delay(kind=kind)
    results = task_queue.work()
    reminder_due.delay(kind=kind)  # and once more after everything was sent
    results += task_queue.work()

    expected = sorted(broadcast_key(user.pk) for user in users)
    assert keys(kind) == expected
    assert statuses(kind) == {Status.SENT: 12}
    assert sorted(smtp.sent) == expected
    runs = [r for r in results if isinstance(r, dict) and r.get("kind") == kind]
    assert [run["created"] for run in runs] == [12, 0, 0]
    assert set(deliveries(kind).values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_notify_twice_with_one_key_stores_one_notification(
    task_queue, recipients, smtp
):
    (user,) = recipients(1)

    with task_queue.committing():
        first = notifications.notify(
            recipient=user, kind="hrm.import", dedupe_key="hrm-import:7", title="Xong"
        )
        again = notifications.notify(
            recipient=user, kind="hrm.import", dedupe_key="hrm-import:7", title="Lại"
        )
    task_queue.work()

    assert first == again
    assert Notification.objects.get(dedupe_key="hrm-import:7").title == "Xong"
    assert smtp.sent == ["hrm-import:7"]


@pytest.mark.django_db(transaction=True)
def test_two_stores_racing_with_the_same_targets_keep_one_row_each(
    task_queue, recipients, smtp, monkeypatch
):
    """Two processes store the same batch at the same moment; the database decides.

    Both threads are held until each has found the keys not stored yet, then
    both insert: the unique dedupe key makes one wait for the other and skip
    its rows. PostgreSQL only: SQLite runs write transactions one at a time
    (IMMEDIATE), so the race cannot happen there, and its in-memory test
    database answers a second writer with "table is locked" instead of waiting.
    """
    require_service(
        connection.vendor == "postgresql", "two writers at once need PostgreSQL"
    )
    users = recipients(8)
    targets = [
        ReminderTarget(
            recipient_id=user.pk, dedupe_key=broadcast_key(user.pk), title="T"
        )
        for user in users
    ]
    both_read = threading.Barrier(2, timeout=10)
    start = threading.Barrier(2, timeout=10)
    insert = Notification.objects.bulk_create

    def bulk_create_when_both_read(objs, **kwargs):
        both_read.wait()
        return insert(objs, **kwargs)

    monkeypatch.setattr(Notification.objects, "bulk_create", bulk_create_when_both_read)
    created, errors = [], []

    def store():
        try:
            start.wait()
            created.append(
                notifications.notifications_store(
                    kind=BROADCAST, targets=targets, mandatory=True
                )
            )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == []
    assert sorted(created) == [0, 8]
    assert keys() == sorted(target.dedupe_key for target in targets)
    assert deliveries().count() == 8
    queued = [
        delivery_id
        for message in task_queue.published
        for delivery_id in message.kwargs["delivery_ids"]
    ]
    assert sorted(queued) == sorted(deliveries().values_list("pk", flat=True))
    task_queue.work()
    assert sorted(smtp.sent) == keys()


# A worker killed in the middle of a chunk ----------------------------------


@pytest.mark.parametrize(
    "recovery", ["redelivery", "sweeper", "sweeper-then-redelivery"]
)
@pytest.mark.django_db
def test_worker_killed_mid_chunk_sends_nothing_twice_and_loses_nothing(
    recovery, task_queue, broadcast, recipients, smtp, time_machine
):
    """The worker dies after handing 20 of a chunk of 50 e-mails to the server.

    Simulated here in one process (a real kill of a prefork child is in
    test_notifications_workers.py, on PostgreSQL). What makes it safe: the
    chunk is claimed (``sending``) under the task's id, and each e-mail is
    marked sent by its own committed UPDATE as soon as the server took it, so
    the 20 marked are skipped when the chunk runs again, and the 21st, which
    the server never took, is sent. The chunk comes back because the task
    acknowledges late and is rejected on worker loss (redelivery: the same
    task id takes its claim back at once); or, when the broker holds it back
    (Redis restores an unacknowledged message only after its visibility
    timeout) or lost it, because ``deliveries_release``, every minute, hands
    rows claimed longer ago than the chunk's hard time limit back to the queue
    (sweeper): the stranded 30 go out within two minutes of the kill; or
    both, one after the other.
    """
    users = recipients(50)
    kind = broadcast(users)
    smtp.die_after = 20

    reminder_due.delay(kind=kind)
    with pytest.raises(WorkerLost):
        task_queue.work()
    killed = timezone.now()

    assert statuses(kind) == {Status.SENT: 20, Status.SENDING: 30}
    assert task_queue.names() == [DELIVERIES_SEND]  # unacknowledged
    if recovery != "redelivery":
        held_back = task_queue.drop()
        for _minute in (1, 2):  # the sweeps of the next two minutes
            time_machine.shift(SWEEP_EVERY)
            deliveries_release.delay()
            task_queue.work()
        assert timezone.now() - killed <= timedelta(minutes=2)
        if recovery == "sweeper-then-redelivery":
            assert statuses(kind) == {Status.SENT: 50}
            task_queue.redeliver(held_back)
    task_queue.work()

    assert statuses(kind) == {Status.SENT: 50}
    assert smtp.counts() == Counter(keys(kind))
    assert len(smtp.sent) == 50
    assert set(deliveries(kind).values_list("attempts", flat=True)) == {1}
    assert set(deliveries(kind).values_list("claim", flat=True)) == {""}


@pytest.mark.django_db
def test_a_death_after_the_server_took_a_message_resends_that_one_only(
    task_queue, broadcast, recipients, smtp
):
    """The one gap no queue closes, and its bound: one message, never a slice.

    SMTP is not transactional: a worker that dies after the server accepted
    a message and before its mark committed cannot know it went out. The
    mark commits right after each message, so that message is the only one
    sent twice, whichever message the death falls on.
    """
    users = recipients(30)
    kind = broadcast(users)
    smtp.die_after_accepting = 17

    reminder_due.delay(kind=kind)
    with pytest.raises(WorkerLost):
        task_queue.work()
    assert statuses(kind) == {Status.SENT: 16, Status.SENDING: 14}
    task_queue.work()

    assert statuses(kind) == {Status.SENT: 30}
    twice = [key for key, count in smtp.counts().items() if count > 1]
    assert len(twice) == 1
    assert smtp.counts()[twice[0]] == 2
    assert set(smtp.counts()) == set(keys(kind))


@pytest.mark.django_db
def test_a_chunk_past_its_time_budget_hands_the_rest_to_a_new_task(
    task_queue, broadcast, recipients, smtp, monkeypatch
):
    """A slow mail server never keeps a chunk claimed until the sweeper takes it."""
    users = recipients(10)
    kind = broadcast(users)
    # Each look at the clock finds 100 s gone: a task may send two messages.
    clock = iter(range(0, 10_000, 100))
    monkeypatch.setattr("time.monotonic", lambda: next(clock))
    monkeypatch.setattr("members.tasks.SEND_BUDGET", 250)

    reminder_due.delay(kind=kind)
    results = task_queue.work()

    sends = [r for r in results if isinstance(r, dict) and "released" in r]
    assert [r["sent"] for r in sends] == [2, 2, 2, 2, 2]
    assert [len(r["released"]) for r in sends] == [8, 6, 4, 2, 0]
    assert statuses(kind) == {Status.SENT: 10}
    assert sorted(smtp.sent) == keys(kind)


def test_a_sending_task_ends_before_the_sweeper_would_take_its_chunk_back():
    from members.tasks import SEND_BUDGET, deliveries_send

    hard_limit = timedelta(seconds=deliveries_send.time_limit)
    assert hard_limit > timedelta(seconds=SEND_BUDGET)
    # A chunk's claim expires and the next sweep comes within two minutes.
    assert hard_limit + SWEEP_EVERY <= timedelta(minutes=2)


@pytest.mark.django_db
def test_a_claim_older_than_the_chunks_hard_time_limit_is_released_by_the_next_sweep(
    task_queue, broadcast, recipients, smtp, time_machine
):
    """A worker killed for good leaves its chunk claimed; the broker never resends.

    The task is killed at its hard time limit, so a claim older than that has
    no live worker: the next sweep hands the rows back. A younger one may
    still be sending and is left alone.
    """
    from members.tasks import deliveries_send

    users = recipients(5)
    kind = broadcast(users)
    smtp.die_after = 2
    reminder_due.delay(kind=kind)
    with pytest.raises(WorkerLost):
        task_queue.work()
    task_queue.drop()  # the broker holds the message back (visibility timeout)
    assert statuses(kind) == {Status.SENT: 2, Status.SENDING: 3}

    time_machine.shift(timedelta(seconds=deliveries_send.time_limit))
    assert notifications.deliveries_release() == 0  # its worker may be alive
    time_machine.shift(timedelta(seconds=1))
    assert notifications.deliveries_release() == 3
    assert statuses(kind) == {Status.SENT: 2, Status.PENDING: 3}
    task_queue.work()

    assert statuses(kind) == {Status.SENT: 5}
    assert smtp.counts() == Counter(keys(kind))


@pytest.mark.django_db
def test_the_sweeper_is_scheduled_every_minute():
    call_command("setup_schedules", "--reset", stdout=StringIO())

    release = PeriodicTask.objects.get(task="members.tasks.deliveries_release")
    assert (release.interval.every, release.interval.period) == (
        SWEEP_EVERY.total_seconds(),
        IntervalSchedule.SECONDS,
    )
    assert release.enabled


# Quiet hours ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "status", "wake"),
    [
        ((20, 59), Status.SENT, None),
        ((21, 0), Status.HELD, local(DAY + timedelta(days=1), 7)),
        ((6, 59), Status.HELD, local(DAY, 7)),
        ((7, 0), Status.SENT, None),
    ],
    ids=["20:59", "21:00", "06:59", "07:00"],
)
@pytest.mark.django_db
def test_email_keeps_to_the_quiet_hours_in_vietnam(
    clock, status, wake, task_queue, broadcast, recipients, smtp, time_machine
):
    time_machine.move_to(local(DAY, *clock), tick=False)
    users = recipients(3)
    kind = broadcast(users)

    reminder_due.delay(kind=kind)
    task_queue.work()

    assert Notification.objects.filter(kind=kind).count() == 3  # inbox: any hour
    assert statuses(kind) == {status: 3}
    assert len(smtp.sent) == (3 if status == Status.SENT else 0)
    for delivery in deliveries(kind):
        assert delivery.not_before == wake
        assert (delivery.sent_at is None) == (wake is not None)


@pytest.mark.django_db
def test_held_email_goes_out_when_the_release_runs_at_seven(
    task_queue, recipients, smtp, time_machine
):
    evening, night = recipients(2)
    next_day = DAY + timedelta(days=1)
    for user, moment in ((evening, local(DAY, 21)), (night, local(next_day, 6, 59))):
        time_machine.move_to(moment, tick=False)
        with task_queue.committing():
            notifications.notify(
                recipient=user,
                kind="hrm.import",
                dedupe_key=f"hrm-import:{user.pk}",
                title="Nhập xong",
            )
        task_queue.work()
    assert statuses("hrm.import") == {Status.HELD: 2}
    wake = local(next_day, 7)
    assert set(deliveries("hrm.import").values_list("not_before", flat=True)) == {wake}

    time_machine.move_to(local(next_day, 6, 59, 59), tick=False)
    deliveries_release.delay()
    task_queue.work()
    assert statuses("hrm.import") == {Status.HELD: 2}
    assert smtp.sent == []

    time_machine.move_to(wake, tick=False)
    deliveries_release.delay()
    deliveries_release.delay()  # the next release comes before the queue drains
    task_queue.work()

    assert statuses("hrm.import") == {Status.SENT: 2}
    assert sorted(smtp.sent) == sorted(keys("hrm.import"))
    assert set(deliveries("hrm.import").values_list("sent_at", flat=True)) == {wake}

    time_machine.shift(timedelta(minutes=5))
    assert notifications.deliveries_release() == 0


# Preferences ---------------------------------------------------------------


@pytest.fixture
def care_unit(db):
    """A grassroots union with two care officers, a birthday tomorrow, a stale case."""
    upper = make_unit(
        code="VNPT", name="Công đoàn VNPT", level=Unit.Level.UPPER, is_employer=True
    )
    unit = make_unit(
        code="VNPT-HN",
        name="CĐCS VNPT Hà Nội",
        level=Unit.Level.GRASSROOTS,
        parent=upper,
    )
    unit = reloaded(unit)
    member = make_member(
        unit=unit, full_name="Nguyễn Văn An", date_of_birth=date(1985, 3, 11)
    )
    make_care_case(
        member=member, summary="Ốm nằm viện", opened_on=DAY - timedelta(days=30)
    )
    officers = [
        make_staff(email=email, name=name, unit=unit, role=StaffRole.Role.CARE_OFFICER)
        for email, name in (
            ("chamlo.a@example.vn", "Đỗ Thị Chăm"),
            ("chamlo.b@example.vn", "Phan Văn Lo"),
        )
    ]
    return officers


@pytest.mark.django_db
def test_opt_out_of_an_optional_kind_is_respected_and_mandatory_kinds_still_arrive(
    care_unit, task_queue, smtp
):
    opted_out, other = care_unit
    notifications.notification_preference_set(
        user=opted_out, kind="care.birthday", enabled=False
    )
    with pytest.raises(ValidationError):
        notifications.notification_preference_set(
            user=opted_out, kind="care.case_unvisited", enabled=False
        )
    # Even a stale "off" row (say, from when the kind was optional) is ignored.
    NotificationPreference.objects.create(
        user=opted_out, kind="care.case_unvisited", enabled=False
    )

    reminder_due.delay(kind="care.birthday")
    reminder_due.delay(kind="care.case_unvisited")
    task_queue.work()

    received = Counter(Notification.objects.values_list("recipient__email", "kind"))
    assert received == {
        (other.email, "care.birthday"): 1,
        (other.email, "care.case_unvisited"): 1,
        (opted_out.email, "care.case_unvisited"): 1,
    }
    assert sorted(smtp.sent) == sorted(
        Notification.objects.values_list("dedupe_key", flat=True)
    )


@pytest.mark.django_db
def test_opting_back_in_receives_the_next_occasion(care_unit, task_queue, smtp):
    officer, _other = care_unit
    notifications.notification_preference_set(
        user=officer, kind="care.birthday", enabled=False
    )
    reminder_due.delay(kind="care.birthday")
    task_queue.work()
    assert not Notification.objects.filter(recipient=officer).exists()

    notifications.notification_preference_set(
        user=officer, kind="care.birthday", enabled=True
    )
    reminder_due.delay(kind="care.birthday")
    task_queue.work()

    assert (
        Notification.objects.filter(recipient=officer, kind="care.birthday").count()
        == 1
    )


def test_every_care_kind_says_whether_it_is_mandatory():
    kinds = {kind.name: kind.mandatory for kind in reminders_all()}
    assert kinds["care.case_unvisited"] is True
    assert kinds["care.birthday"] is False
    assert kinds["care.weekly_digest"] is False


# Task arguments carry ids only ---------------------------------------------


def personal_strings() -> set[str]:
    """CCCDs, phone numbers (as stored and as bare digits), e-mails and names."""
    strings = set()
    for member in Member.objects.all():
        strings |= {member.national_id, member.full_name, member.email, member.phone}
    for relative in Relative.objects.all():
        strings |= {relative.full_name, relative.phone}
    for user in User.objects.all():
        strings |= {user.email, user.name}
    strings |= {re.sub(r"\D", "", s) for s in set(strings) if re.search(r"\d{6}", s)}
    strings |= {s[-9:] for s in set(strings) if s.isdigit() and len(s) >= 9}
    return {s for s in strings if s and len(s) >= 6}


@pytest.mark.django_db
def test_task_messages_carry_ids_and_the_kind_only(task_queue, smtp):
    tree = make_union_tree(today=DAY)
    officers = [
        make_staff(
            email=f"chamlo.{unit.code.lower()}@example.vn",
            name=f"Cán bộ chăm lo {unit.code}",
            unit=unit,
            role=StaffRole.Role.CARE_OFFICER,
        )
        for unit in (tree.vnpt_hn, tree.vnpt_hcm, tree.vtc_dt)
    ]
    member = make_member(
        unit=tree.vnpt_hn,
        full_name="Vũ Thị Sinh Nhật",
        date_of_birth=date(1990, 3, 11),
        email="sinhnhat@example.vn",
    )
    make_relative(
        member=member,
        full_name="Vũ Văn Con",
        relationship=Relative.Relationship.CHILD,
        date_of_birth=date(2015, 3, 11),
        phone="0912345678",
    )
    smtp.fail_for = {officers[0].email}  # one retry message, too

    for kind in ("care.birthday", "care.case_unvisited", "care.weekly_digest"):
        reminder_due.delay(kind=kind)
    task_queue.work(6)  # the three reminders, then their chunks, which fail once
    smtp.fail_for = set()
    task_queue.work()
    deliveries_release.delay()
    task_queue.work()

    # The run did reach people, through a retry.
    assert Notification.objects.filter(recipient__in=officers).count() >= 6
    assert statuses("care.birthday")[Status.SENT] >= 2
    retries = [m for m in task_queue.published if m.retries]
    assert retries
    forbidden = personal_strings()
    assert {"sinhnhat@example.vn", "0912345678", member.national_id} <= forbidden
    kinds = {kind.name for kind in reminders_all()}
    for message in task_queue.published:
        assert message.args == ()
        if message.task == REMINDER_DUE:
            assert message.kwargs.keys() == {"kind"}
            assert message.kwargs["kind"] in kinds
        elif message.task == DELIVERIES_SEND:
            assert message.kwargs.keys() == {"delivery_ids"}
            assert all(type(i) is int for i in message.kwargs["delivery_ids"])
        else:
            assert message.task == "members.tasks.deliveries_release"
            assert message.kwargs == {}
        wire = json.dumps([message.args, message.kwargs, message.options], default=str)
        leaked = {s for s in forbidden if s in wire}
        assert leaked == set(), message


# Retries -------------------------------------------------------------------


@pytest.mark.django_db
def test_smtp_failure_is_retried_with_backoff_for_the_failed_ids_only(
    task_queue, broadcast, recipients, smtp
):
    users = recipients(3)
    kind = broadcast(users)
    failing = users[1]
    smtp.fail_for = {failing.email}

    reminder_due.delay(kind=kind)
    task_queue.work()

    failed = deliveries(kind).get(notification__recipient=failing)
    sends = [m for m in task_queue.published if m.task == DELIVERIES_SEND]
    assert [m.retries for m in sends] == [0, 1, 2, 3, 4, 5]
    assert [m.options.get("countdown") for m in sends] == [None, *RETRY_DELAYS]
    assert len(sends[0].kwargs["delivery_ids"]) == 3
    assert all(m.kwargs == {"delivery_ids": [failed.pk]} for m in sends[1:])
    assert failed.status == Status.FAILED
    assert failed.attempts == 1 + len(RETRY_DELAYS)
    assert "Connection unexpectedly closed" in failed.last_error
    assert failed.sent_at is None
    assert statuses(kind) == {Status.SENT: 2, Status.FAILED: 1}
    assert sorted(smtp.sent) == sorted(
        broadcast_key(user.pk) for user in users if user != failing
    )
    # One connection a chunk, and one more after the hang-up in the first.
    assert smtp.connections == len(sends) + 1

    # Staff give it another round once the server is back (an admin action).
    smtp.fail_for = set()
    with task_queue.committing():
        assert notifications.deliveries_retry(deliveries=deliveries(kind)) == 1
    failed.refresh_from_db()
    # Marked handed over now: the sweeper leaves it to the queue for a while.
    assert (failed.status, failed.not_before) == (Status.PENDING, timezone.now())
    assert task_queue.ready[-1].kwargs == {"delivery_ids": [failed.pk]}
    task_queue.work()

    failed.refresh_from_db()
    assert failed.status == Status.SENT
    assert failed.last_error == ""
    assert smtp.counts() == Counter(keys(kind))


@pytest.mark.django_db
def test_sweeper_leaves_a_delivery_waiting_for_its_retry_alone(
    task_queue, broadcast, recipients, smtp, time_machine
):
    (user,) = recipients(1)
    kind = broadcast([user])
    smtp.fail_for = {user.email}
    reminder_due.delay(kind=kind)
    task_queue.work(2)  # the reminder, and the chunk's first attempt
    for _ in range(3):  # the retries, each when its countdown is up
        (retry,) = task_queue.ready
        time_machine.shift(retry.options["countdown"])
        task_queue.work(1)
    (retry,) = task_queue.ready
    assert deliveries(kind).get().attempts == 4
    assert retry.options["countdown"] == 480  # due 15 minutes after the first try

    time_machine.shift(timedelta(minutes=5))  # created 12 minutes ago

    assert notifications.deliveries_release() == 0
    # Should the broker lose the retry, the sweeper takes over once it is overdue.
    task_queue.drop()
    time_machine.shift(timedelta(minutes=3) + STRANDED_AFTER)
    assert notifications.deliveries_release() == 0
    time_machine.shift(timedelta(seconds=1))
    assert notifications.deliveries_release() == 1


@pytest.mark.django_db
def test_delivery_that_succeeds_on_a_retry_is_sent_once(
    task_queue, broadcast, recipients, smtp
):
    users = recipients(2)
    kind = broadcast(users)
    smtp.fail_for = {users[0].email}

    reminder_due.delay(kind=kind)
    task_queue.work(2)  # the reminder and the first chunk
    delivery = deliveries(kind).get(notification__recipient=users[0])
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert delivery.last_error
    smtp.fail_for = set()
    task_queue.work()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        Status.SENT,
        2,
        "",
    )
    assert smtp.counts() == Counter(keys(kind))


@pytest.mark.django_db
def test_a_chunk_shares_one_smtp_connection_and_reconnects_after_a_hang_up(
    task_queue, broadcast, recipients, smtp
):
    users = recipients(30)
    kind = broadcast(users)
    smtp.fail_for = {users[15].email}

    reminder_due.delay(kind=kind)
    task_queue.work(2)  # the reminder and its one chunk of 30

    assert smtp.connections == 2
    assert len(smtp.sent) == 29
    assert statuses(kind) == {Status.SENT: 29, Status.PENDING: 1}


@pytest.mark.django_db
def test_smtp_server_refusing_connections_loses_nothing(
    task_queue, broadcast, recipients, smtp
):
    users = recipients(4)
    kind = broadcast(users)
    smtp.refuse = True

    reminder_due.delay(kind=kind)
    task_queue.work(3)  # the reminder, the chunk and its first retry
    assert statuses(kind) == {Status.PENDING: 4}
    assert set(deliveries(kind).values_list("attempts", flat=True)) == {2}
    assert "Connection refused" in deliveries(kind).first().last_error
    smtp.refuse = False
    task_queue.work()

    assert statuses(kind) == {Status.SENT: 4}
    assert smtp.counts() == Counter(keys(kind))


@pytest.mark.django_db
def test_email_held_for_the_night_does_not_touch_a_server_that_is_down(
    task_queue, broadcast, recipients, smtp, time_machine
):
    time_machine.move_to(local(DAY, 23, 30), tick=False)
    kind = broadcast(recipients(2))
    smtp.refuse = True

    reminder_due.delay(kind=kind)
    task_queue.work()

    assert statuses(kind) == {Status.HELD: 2}
    assert set(deliveries(kind).values_list("attempts", flat=True)) == {0}
    assert smtp.connections == 0
