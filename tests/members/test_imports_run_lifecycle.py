"""An import run's lifecycle: claimed by one executor, failed when it breaks, run again.

The races run two executors (threads, each with its own connection) on
PostgreSQL; SQLite's in-memory test database cannot hold two writers, so they
skip there (and fail in CI, which must have PostgreSQL).
"""

import os
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection
from django.test import Client
from django.utils import timezone

from members import tasks
from members.models import AuditEvent, ImportChange, ImportRun, Member, Notification
from members.services import hrm_import
from members.services.hrm_import import (
    import_drop_dir_scan,
    import_files_purge,
    import_run_confirm,
    import_run_create,
    import_run_execute,
    import_run_requeue,
)
from tests.conftest import require_service, vi_text
from tests.members import test_imports_admin as admin_tests
from tests.members import test_imports_runs as hrm
from tests.members.hrm import conftest as hrm_files

make_csv = hrm_files.make_csv
org = hrm.org
_media = hrm._media
tree, profile, officer, queue = (
    admin_tests.tree,
    admin_tests.profile,
    admin_tests.officer,
    admin_tests.queue,
)
run_url = admin_tests.run_url
pytestmark = pytest.mark.django_db
Status = ImportRun.Status
NEW, UPDATED = ImportChange.Action.NEW, ImportChange.Action.UPDATED
# A CCCD as an error message of the database would quote it.
CCCD = "001090000123"


@pytest.fixture
def _postgresql():
    require_service(
        connection.vendor == "postgresql",
        "two executors at once need PostgreSQL: SQLite's test database has one writer",
    )


def start(employer, path, **options) -> ImportRun:
    return import_run_create(
        employer=employer,
        source=ImportRun.Source.COMMAND,
        file_name=path.name,
        content=path.read_bytes(),
        **options,
    )


def concurrently(*calls: Callable, timeout: float = 120) -> list:
    """Run each call in its own thread (own connection); return results or errors."""
    results: list = [None] * len(calls)

    def target(index: int, call: Callable) -> None:
        try:
            results[index] = call()
        except BaseException as error:  # reported to the test
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=target, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "an executor hung"
    return results


def errors_of(results: list) -> list[BaseException]:
    return [r for r in results if isinstance(r, BaseException)]


def changes(run: ImportRun, action: str) -> int:
    return ImportChange.objects.filter(run=run, action=action).count()


def overlapping(monkeypatch) -> Callable[[], None]:
    """Hold an executor that starts reading the file until another one returned.

    Two executors that both get as far as reading the file overlap for
    certain (each waits a moment for the other); an executor that leaves at
    once lets the other go on at once. Returns what an executor calls when it
    returns.
    """
    returned = threading.Event()
    real = hrm_import.hrm_file_read

    def waiting(*args, **kwargs):
        returned.wait(timeout=3)
        return real(*args, **kwargs)

    monkeypatch.setattr(hrm_import, "hrm_file_read", waiting)
    return returned.set


def executor(run_id: int, done: Callable[[], None], batch_size: int = 100):
    def execute() -> ImportRun:
        try:
            return import_run_execute(run_id=run_id, batch_size=batch_size)
        finally:
            done()

    return execute


def claimed_elsewhere(run: ImportRun, *, heartbeat_ago: timedelta, **extra) -> None:
    """Mark the run as executed by another worker whose last sign was that long ago."""
    now = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        status=Status.RUNNING,
        claim="another-worker",
        claimed_at=extra.get("claimed_at", now - heartbeat_ago),
        heartbeat_at=now - heartbeat_ago,
        started_at=now - heartbeat_ago,
    )


class DatabaseBrokeError(IntegrityError):
    """What the database raises mid-run, quoting the row's CCCD."""


REAL_APPLY_BATCH = hrm_import._apply_batch


def breaking_at(monkeypatch, call: int) -> None:
    """Make the ``call``-th batch of a run raise a database error (0: none)."""
    real = REAL_APPLY_BATCH
    calls = []

    def apply(run, batch, today):
        calls.append(1)
        if len(calls) == call:
            raise DatabaseBrokeError(
                'duplicate key value violates unique constraint "member_national_id'
                f'_unique" DETAIL: Key (national_id)=({CCCD}) already exists.'
            )
        return real(run, batch, today)

    monkeypatch.setattr(hrm_import, "_apply_batch", apply)


# 1. One run, one executor -----------------------------------------------------


@pytest.mark.usefixtures("_postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_executors_of_a_new_file_write_it_once(org, make_csv, monkeypatch):
    run = start(org.vnpt, make_csv(hrm.rows_for(600), name="moi.csv"))
    done = overlapping(monkeypatch)

    results = concurrently(executor(run.pk, done), executor(run.pk, done))

    assert errors_of(results) == []
    run.refresh_from_db()
    assert (run.status, run.count_new, run.rows_done) == (Status.DONE, 600, 600)
    assert Member.objects.filter(employer=org.vnpt).count() == 600
    assert changes(run, NEW) == 600
    # One executor did the work; the other left without writing.
    assert sorted(r.status for r in results) == [Status.DONE, Status.RUNNING]


@pytest.mark.usefixtures("_postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_executors_of_an_update_file_record_each_change_once(
    org, make_csv, monkeypatch
):
    hrm.run_command(make_csv(hrm.rows_for(300), name="goc.csv"))
    promoted = {i: {"Chức danh": f"Trưởng nhóm {i}"} for i in range(1, 301)}
    run = start(org.vnpt, make_csv(hrm.rows_for(300, promoted), name="capnhat.csv"))
    done = overlapping(monkeypatch)

    results = concurrently(executor(run.pk, done), executor(run.pk, done))

    assert errors_of(results) == []
    run.refresh_from_db()
    assert (run.status, run.count_updated) == (Status.DONE, 300)
    assert changes(run, UPDATED) == 300
    assert set(
        Member.objects.filter(employer=org.vnpt).values_list("position", flat=True)
    ) == {f"Trưởng nhóm {i}" for i in range(1, 301)}


@pytest.mark.usefixtures("_postgresql")
@pytest.mark.django_db(transaction=True)
def test_a_working_executor_keeps_its_claim_alive_past_the_stale_time(
    org, make_csv, monkeypatch
):
    """Its heartbeat, not its progress, says it lives: a slow read is not a death."""
    monkeypatch.setattr(hrm_import, "HEARTBEAT_EVERY", 0.05)
    monkeypatch.setattr(hrm_import, "CLAIM_STALE_AFTER", timedelta(milliseconds=500))
    run = start(org.vnpt, make_csv(hrm.rows_for(100), name="cham.csv"))
    reading = threading.Event()
    real = hrm_import.hrm_file_read

    def slow_read(*args, **kwargs):
        reading.set()
        time.sleep(1.5)  # three stale periods without a batch
        return real(*args, **kwargs)

    monkeypatch.setattr(hrm_import, "hrm_file_read", slow_read)

    def late() -> ImportRun:
        reading.wait(timeout=10)
        time.sleep(1.0)
        return import_run_execute(run_id=run.pk)

    first, second = concurrently(
        lambda: import_run_execute(run_id=run.pk, batch_size=10), late
    )

    assert errors_of([first, second]) == []
    assert first.status == Status.DONE
    assert second.status == Status.RUNNING  # it found the run alive and left
    assert changes(run, NEW) == 100


def test_a_second_executor_leaves_a_run_claimed_by_a_live_worker(org, make_csv):
    run = start(org.vnpt, make_csv(hrm.rows_for(20)))
    claimed_elsewhere(run, heartbeat_ago=timedelta(seconds=5))

    left = import_run_execute(run_id=run.pk)

    assert (left.status, left.claim) == (Status.RUNNING, "another-worker")
    assert not Member.objects.filter(employer=org.vnpt).exists()
    assert not ImportChange.objects.filter(run=run).exists()
    run.refresh_from_db()
    assert (run.planned, run.rows_done, run.claim) == (False, 0, "another-worker")


@pytest.mark.parametrize(
    ("heartbeat_ago", "claimed_ago"),
    [(timedelta(minutes=10), None), (timedelta(seconds=5), timedelta(hours=2))],
    ids=["heartbeat-stopped", "older-than-the-time-limit"],
)
def test_a_run_whose_worker_is_gone_is_taken_back_and_finished(
    org, make_csv, heartbeat_ago, claimed_ago
):
    run = start(org.vnpt, make_csv(hrm.rows_for(20)))
    extra = {"claimed_at": timezone.now() - claimed_ago} if claimed_ago else {}
    claimed_elsewhere(run, heartbeat_ago=heartbeat_ago, **extra)

    finished = import_run_execute(run_id=run.pk)

    assert (finished.status, finished.count_new, finished.claim) == (
        Status.DONE,
        20,
        "",
    )
    assert Member.objects.filter(employer=org.vnpt).count() == 20


def test_an_executor_that_lost_its_claim_writes_no_further_batch(
    org, make_csv, monkeypatch
):
    run = start(org.vnpt, make_csv(hrm.rows_for(50)))
    real = hrm_import._apply_batch

    def apply_then_lose_the_run(run_, batch, today):
        real(run_, batch, today)
        # Meanwhile its heartbeat was missed and another worker took the run.
        ImportRun.objects.filter(pk=run_.pk).update(claim="another-worker")

    monkeypatch.setattr(hrm_import, "_apply_batch", apply_then_lose_the_run)

    left = import_run_execute(run_id=run.pk, batch_size=10)

    assert (left.status, left.claim) == (Status.RUNNING, "another-worker")
    assert Member.objects.filter(employer=org.vnpt).count() == 10
    assert changes(run, NEW) == 10
    assert left.message == ""


def test_the_task_looks_again_later_and_takes_back_a_run_whose_worker_died(
    org, make_csv, task_queue
):
    run = start(org.vnpt, make_csv(hrm.rows_for(20)))
    claimed_elsewhere(run, heartbeat_ago=timedelta(seconds=5))
    tasks.import_run_execute.delay(run_id=run.pk)

    first = task_queue.work(1)

    assert type(first[0]).__name__ == "Retry"
    retry = task_queue.published[-1]
    assert retry.kwargs == {"run_id": run.pk}
    assert retry.options["countdown"] >= hrm_import.CLAIM_STALE_AFTER.total_seconds()
    assert not Member.objects.filter(employer=org.vnpt).exists()

    # The other worker never beats again.
    claimed_elsewhere(run, heartbeat_ago=timedelta(minutes=10))
    (summary,) = task_queue.work(1)

    assert (summary["status"], summary["new"]) == (Status.DONE, 20)
    assert Member.objects.filter(employer=org.vnpt).count() == 20


# 2. A failure ends the run as failed ------------------------------------------


def test_an_error_mid_run_ends_it_failed_with_a_masked_reason_and_what_was_written(
    org, make_csv, monkeypatch, django_capture_on_commit_callbacks
):
    path = make_csv(hrm.rows_for(50))
    run = start(org.vnpt, path, started_by=org.vnpt_officer)
    breaking_at(monkeypatch, call=3)

    with django_capture_on_commit_callbacks(execute=True):
        failed = import_run_execute(run_id=run.pk, batch_size=10)

    failed.refresh_from_db()
    assert failed.status == Status.FAILED
    assert failed.finished_at is not None
    assert failed.claim == ""
    assert (failed.rows_done, failed.total_rows) == (20, 50)
    assert CCCD not in failed.message
    assert "[CCCD]" in failed.message
    assert "DatabaseBrokeError" in failed.message
    assert "20" in failed.message
    assert "50" in failed.message
    # What the first two batches wrote stays, and is listed.
    assert Member.objects.filter(employer=org.vnpt).count() == 20
    assert changes(failed, NEW) == 20
    notification = Notification.objects.get(recipient=org.vnpt_officer)
    assert notification.body == failed.message
    assert vi_text("Failed") in notification.title

    # Run again, it finishes what was left, each member once.
    breaking_at(monkeypatch, call=0)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        import_run_requeue(run=failed, user=org.vnpt_officer)
    assert len(queued) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.message, failed.finished_at) == (
        Status.QUEUED,
        "",
        None,
    )
    done = import_run_execute(run_id=run.pk, batch_size=10)
    assert done.status == Status.DONE
    assert Member.objects.filter(employer=org.vnpt).count() == 50
    assert changes(done, NEW) == 50
    assert set(ImportChange.objects.filter(run=done).values_list("row_number")) == {
        (row,) for row in range(2, 52)
    }


def broken_plan(*args, **kwargs):
    raise ValueError(f"cannot compare phone 0912 345 678 of {CCCD}")


def test_an_error_while_planning_ends_the_run_failed(org, make_csv, monkeypatch):
    run = start(org.vnpt, make_csv(hrm.rows_for(5)))
    monkeypatch.setattr(hrm_import, "_plan", broken_plan)

    failed = import_run_execute(run_id=run.pk)

    assert failed.status == Status.FAILED
    assert "ValueError" in failed.message
    assert CCCD not in failed.message
    assert "0912 345 678" not in failed.message
    assert not Member.objects.exists()


def test_a_failed_run_is_not_executed_again_until_staff_run_it_again(
    org, make_csv, monkeypatch
):
    run = start(org.vnpt, make_csv(hrm.rows_for(5)))
    breaking_at(monkeypatch, call=1)
    import_run_execute(run_id=run.pk)
    breaking_at(monkeypatch, call=0)

    # A redelivered message of the failed run finds it failed and leaves it.
    again = import_run_execute(run_id=run.pk)

    assert again.status == Status.FAILED
    assert not Member.objects.exists()


def test_only_a_failed_or_abandoned_run_can_be_run_again(org, make_csv):
    done = start(org.vnpt, make_csv(hrm.rows_for(5)))
    import_run_execute(run_id=done.pk)
    done.refresh_from_db()

    with pytest.raises(ValidationError):
        import_run_requeue(run=done, user=org.vnpt_officer)

    live = start(org.vnpt, make_csv(hrm.rows_for(5), name="b.csv"))
    claimed_elsewhere(live, heartbeat_ago=timedelta(seconds=5))
    with pytest.raises(ValidationError):
        import_run_requeue(run=live, user=org.vnpt_officer)

    claimed_elsewhere(live, heartbeat_ago=timedelta(minutes=30))
    requeued = import_run_requeue(run=live, user=org.vnpt_officer)
    assert (requeued.status, requeued.claim) == (Status.QUEUED, "")
    event = AuditEvent.objects.filter(object_id=str(live.pk)).latest("pk")
    assert event.actor == org.vnpt_officer
    assert event.detail["requeued_from"] == Status.RUNNING


def test_a_failed_run_of_another_employer_cannot_be_run_again(
    org, make_csv, monkeypatch
):
    from django.core.exceptions import PermissionDenied

    run = start(org.vnpt, make_csv(hrm.rows_for(5)))
    breaking_at(monkeypatch, call=1)
    import_run_execute(run_id=run.pk)

    with pytest.raises(PermissionDenied):
        import_run_requeue(run=run, user=org.vtc_officer)
    run.refresh_from_db()
    assert run.status == Status.FAILED


def test_the_stored_file_of_a_failed_run_goes_after_its_retention(
    org, make_csv, monkeypatch, settings, time_machine
):
    settings.IMPORT_FILE_RETENTION_DAYS = 90
    time_machine.move_to(timezone.now() - timedelta(days=120), tick=False)
    run = start(org.vnpt, make_csv(hrm.rows_for(5)))
    breaking_at(monkeypatch, call=1)
    import_run_execute(run_id=run.pk)
    time_machine.move_to(timezone.now() + timedelta(days=120), tick=False)

    assert import_files_purge()["files"] == 1
    assert not (Path(settings.MEDIA_ROOT) / run.stored_file).exists()


def test_staff_run_a_failed_import_again_from_its_page(
    officer, tree, profile, queue, tmp_path, monkeypatch
):
    rows = [
        admin_tests.row(f"NV{5000 + i}", f"Lê Văn {i}", date(1980, 1, 1 + i))
        for i in range(1, 6)
    ]
    admin_tests.upload(officer, tree, admin_tests.csv_file(tmp_path, "a.csv", *rows))
    queue.work()
    preview = ImportRun.objects.get()
    officer.post(run_url(preview, "confirm"))
    run = ImportRun.objects.exclude(pk=preview.pk).get()
    breaking_at(monkeypatch, call=1)
    queue.work()
    run.refresh_from_db()
    assert run.status == Status.FAILED

    body = officer.get(run_url(run)).content.decode()
    assert "Chạy lại" in body
    assert run_url(run, "requeue") in body
    assert "Chạy lại" not in officer.get(run_url(preview)).content.decode()
    assert officer.get(run_url(run, "requeue")).status_code == 405

    response = officer.post(run_url(run, "requeue"))

    assert response["Location"] == run_url(run)
    run.refresh_from_db()
    assert run.status == Status.QUEUED
    assert queue.run_ids == [run.pk]
    breaking_at(monkeypatch, call=0)
    queue.work()
    run.refresh_from_db()
    assert (run.status, run.count_new) == (Status.DONE, 5)
    assert (
        Member.objects.filter(
            employer=tree.vnpt, employee_code__startswith="NV5"
        ).count()
    ) == 5
    # A done run cannot be run again: the page says why, nothing is queued.
    response = officer.post(run_url(run, "requeue"), follow=True)
    assert queue.run_ids == []
    refusal = (
        "Only a failed run, or one whose worker stopped responding, can be run again."
    )
    assert vi_text(refusal) in response.content.decode()


def test_staff_of_another_employer_cannot_run_a_failed_import_again(
    client, tree, profile, queue, tmp_path, monkeypatch
):
    client.force_login(tree.upper_officer)
    admin_tests.upload(
        client,
        tree,
        admin_tests.csv_file(
            tmp_path, "a.csv", admin_tests.row("NV6001", "Lê Văn A", date(1980, 1, 1))
        ),
    )
    monkeypatch.setattr(hrm_import, "_plan", broken_plan)
    queue.work()
    run = ImportRun.objects.get()
    assert run.status == Status.FAILED

    client.force_login(tree.vtc_officer)
    assert client.post(run_url(run, "requeue")).status_code == 404
    run.refresh_from_db()
    assert run.status == Status.FAILED
    assert queue.run_ids == []


# 8. Confirming twice ----------------------------------------------------------


def previewed(tree, tmp_path, queue, officer) -> ImportRun:
    rows = [
        admin_tests.row(f"NV{7000 + i}", f"Phạm Thị {i}", date(1990, 2, i), "Nữ")
        for i in range(1, 4)
    ]
    admin_tests.upload(officer, tree, admin_tests.csv_file(tmp_path, "c.csv", *rows))
    queue.work()
    preview = ImportRun.objects.get()
    # The tree's own members are missing from it: it stops at the limits.
    assert preview.status == Status.NEEDS_CONFIRMATION
    return preview


@pytest.mark.usefixtures("_postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_queue_one_run(
    tree, profile, queue, tmp_path, monkeypatch
):
    first, second = Client(), Client()
    first.force_login(tree.upper_officer)
    second.force_login(tree.upper_officer)
    preview = previewed(tree, tmp_path, queue, first)
    # Both requests get as far as creating the run, if nothing stops them.
    both_there = threading.Barrier(2, timeout=2)
    real_create = hrm_import.import_run_create

    def create_when_both_there(**kwargs):
        with suppress(threading.BrokenBarrierError):
            both_there.wait()
        return real_create(**kwargs)

    monkeypatch.setattr(hrm_import, "import_run_create", create_when_both_there)

    responses = concurrently(
        lambda: first.post(run_url(preview, "confirm")),
        lambda: second.post(run_url(preview, "confirm")),
    )

    assert errors_of(responses) == []
    confirmed = ImportRun.objects.exclude(pk=preview.pk)
    assert confirmed.count() == 1
    run = confirmed.get()
    assert queue.run_ids == [run.pk]
    # Both pages lead to the one run.
    assert {r["Location"] for r in responses} == {run_url(run)}


def test_confirming_a_preview_again_points_to_the_run_already_queued(
    officer, tree, profile, queue, tmp_path
):
    preview = previewed(tree, tmp_path, queue, officer)
    run = import_run_confirm(run=preview, user=tree.upper_officer)

    with pytest.raises(hrm_import.AlreadyConfirmedError) as refused:
        import_run_confirm(run=preview, user=tree.upper_officer)

    assert refused.value.run == run
    response = officer.post(run_url(preview, "confirm"), follow=True)
    assert response.redirect_chain[-1][0] == run_url(run)
    assert vi_text("This file has already been confirmed.") in (
        response.content.decode()
    )
    assert ImportRun.objects.count() == 2


def test_only_a_preview_or_a_stopped_run_can_be_confirmed(
    tree, profile, queue, tmp_path, officer
):
    preview = previewed(tree, tmp_path, queue, officer)
    ImportRun.objects.filter(pk=preview.pk).update(status=Status.RUNNING)
    preview.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        import_run_confirm(run=preview, user=tree.upper_officer)

    assert not isinstance(refused.value, hrm_import.AlreadyConfirmedError)
    assert ImportRun.objects.count() == 1
    assert queue.run_ids == []


# 11. The drop folder ----------------------------------------------------------


def test_a_scan_whose_transaction_fails_leaves_the_file_for_the_next_scan(
    org, make_csv, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    drop = tmp_path / "drop"
    settings.IMPORT_DROP_DIR = drop
    (drop / "VNPT").mkdir(parents=True)
    dropped = drop / "VNPT" / "vnpt-thang-3.csv"
    dropped.write_bytes(make_csv(hrm.rows_for(5)).read_bytes())
    old = time.time() - 120
    os.utime(dropped, (old, old))

    def broker_down(**kwargs):
        raise DatabaseError("could not queue the run")

    monkeypatch.setattr(tasks.import_run_execute, "delay_on_commit", broker_down)
    with (
        django_capture_on_commit_callbacks(execute=True),
        suppress(DatabaseError),
    ):
        import_drop_dir_scan()

    assert not ImportRun.objects.exists()
    assert dropped.exists()

    queued = []
    monkeypatch.setattr(
        tasks.import_run_execute,
        "delay_on_commit",
        lambda **kwargs: queued.append(kwargs["run_id"]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_ids = import_drop_dir_scan()

    run = ImportRun.objects.get()
    assert run_ids == queued == [run.pk]
    assert not dropped.exists()
    archive = drop / "VNPT" / "archive" / f"{timezone.localdate():%Y-%m-%d}"
    assert [p.name for p in archive.iterdir()] == [f"{run.pk}-vnpt-thang-3.csv"]


def test_one_file_that_cannot_be_queued_does_not_stop_the_others(
    org, make_csv, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    drop = tmp_path / "drop"
    settings.IMPORT_DROP_DIR = drop
    for code in ("VNPT", "VTC"):
        (drop / code).mkdir(parents=True)
        path = drop / code / f"{code.lower()}.csv"
        path.write_bytes(make_csv(hrm.rows_for(3), name=f"{code}.csv").read_bytes())
        old = time.time() - 120
        os.utime(path, (old, old))
    real_create = hrm_import.import_run_create

    def create(*, employer, **kwargs):
        if employer.code == "VNPT":
            raise DatabaseError("deadlock detected")
        return real_create(employer=employer, **kwargs)

    monkeypatch.setattr(hrm_import, "import_run_create", create)
    monkeypatch.setattr(tasks.import_run_execute, "delay_on_commit", lambda **kw: None)

    with django_capture_on_commit_callbacks(execute=True):
        run_ids = import_drop_dir_scan()

    assert len(run_ids) == 1
    assert ImportRun.objects.get().employer == org.vtc
    assert (drop / "VNPT" / "vnpt.csv").exists()
    assert not (drop / "VTC" / "vtc.csv").exists()
