"""The queue of rows HRM imports held: one entry a bad row, whatever the runs."""

import contextlib
import html
import importlib
import pkgutil
import threading
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from members import migrations as member_migrations
from members.models import HrmDepartment, HrmProfile, ImportHeldRow, ImportRun
from members.services import held_row_fix, held_rows_dismiss_with_note
from members.services.hrm_import import import_run_create, import_run_execute
from tests.conftest import require_service
from tests.members.factories import make_union_tree
from tests.members.test_imports_review import (
    HEADER,
    cccd,
    done_run,
    line,
    run_url,
    values_with,
)

Status = ImportRun.Status
Held = ImportHeldRow.Status
MONTH = [
    line("NV7000", "Lê Văn Một", date(1985, 5, 5)),
    line("NV7001", "Trần Thị Ngày Sai", text="31/02/1990", gender="Nữ"),
    line("NV7002", "Phạm Văn Cccd", national_id="0010850070021"),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tree(db):
    tree = make_union_tree()
    HrmDepartment.objects.create(employer=tree.vnpt, code="DV01", unit=tree.vnpt_hn)
    # Files of changes: the runs flag nobody absent.
    HrmProfile.objects.create(employer=tree.vnpt, full_file=False)
    return tree


@pytest.fixture
def officer(client, tree):
    client.force_login(tree.upper_officer)
    return client


def content(*lines: str) -> bytes:
    return (HEADER + "".join(lines)).encode("utf-8-sig")


def started(employer, *lines: str, name="thang.csv", **flags) -> ImportRun:
    run = import_run_create(
        employer=employer,
        source=ImportRun.Source.COMMAND,
        file_name=name,
        content=content(*lines),
        **flags,
    )
    return import_run_execute(run_id=run.pk)


def others(count: int, prefix: str = "NV72") -> list[str]:
    """Return ``count`` good rows, for files whose bad rows stay under the limit."""
    return [
        line(f"{prefix}{i:02d}", f"Người Số {i}", date(1980, 1, 1) + timedelta(i))
        for i in range(count)
    ]


def open_entries(employer) -> list[tuple]:
    return list(
        ImportHeldRow.objects.filter(employer=employer, status=Held.OPEN)
        .order_by("employee_code", "row_number")
        .values_list("employee_code", "full_name", "column", "run_id", "row_number")
    )


@pytest.mark.django_db
def test_a_bad_row_met_by_many_runs_is_one_entry_with_the_latest_run(tree):
    runs = [done_run(tree.vnpt, *MONTH, name=f"t{month}.csv") for month in (1, 2)]
    # Next month the file gains a row above them: their row numbers move.
    runs.append(
        done_run(tree.vnpt, line("NV6999", "Mới Vào", date(1991, 1, 1)), *MONTH)
    )
    started(tree.vnpt, *MONTH, dry_run=True)  # a preview meets them too

    latest = runs[-1]
    assert open_entries(tree.vnpt) == [
        ("NV7001", "Trần Thị Ngày Sai", "Ngày sinh", latest.pk, 4),
        ("NV7002", "Phạm Văn Cccd", "Số CCCD", latest.pk, 5),
    ]
    assert ImportHeldRow.objects.filter(status=Held.OPEN).count() == 2
    # Each run still says how many rows it held.
    assert [run.count_held for run in runs] == [2, 2, 2]

    # Met again by the newest run, the entry is the one to fix.
    entry = ImportHeldRow.objects.get(employee_code="NV7001", status=Held.OPEN)
    member = held_row_fix(
        row=entry,
        values=values_with(entry, **{"Ngày sinh": "28/02/1980"}),
        user=tree.upper_officer,
    )
    assert member.employee_code == "NV7001"


@pytest.mark.django_db
def test_previews_and_stopped_runs_hold_rows_without_queueing_them(tree):
    preview = started(tree.vnpt, *MONTH, *others(40), dry_run=True)
    stopped = started(tree.vnpt, *MONTH)  # 2 of 3 rows held: past the limit

    assert (preview.status, stopped.status) == (
        Status.PREVIEWED,
        Status.NEEDS_CONFIRMATION,
    )
    for run in (preview, stopped):
        rows = ImportHeldRow.objects.filter(run=run)
        assert sorted(rows.values_list("row_number", "status")) == [
            (3, Held.PREVIEW),
            (4, Held.PREVIEW),
        ]
    assert not ImportHeldRow.objects.filter(status=Held.OPEN).exists()

    confirmed = started(tree.vnpt, *MONTH, confirmed=True)

    assert confirmed.status == Status.DONE
    assert [entry[3] for entry in open_entries(tree.vnpt)] == [confirmed.pk] * 2
    # The previews keep theirs, to show on their pages.
    assert ImportHeldRow.objects.filter(status=Held.PREVIEW).count() == 4


@pytest.mark.django_db
def test_a_dismissed_row_met_again_opens_one_new_entry(tree):
    first = done_run(tree.vnpt, *MONTH, name="t1.csv")
    dismissed = ImportHeldRow.objects.get(run=first, employee_code="NV7002")
    held_rows_dismiss_with_note(
        rows=ImportHeldRow.objects.filter(pk=dismissed.pk),
        user=tree.upper_officer,
        note="Chờ HRM sửa CCCD",
    )

    later = [done_run(tree.vnpt, *MONTH, name=f"t{m}.csv") for m in (2, 3)]

    dismissed.refresh_from_db()
    assert (dismissed.status, dismissed.run) == (Held.DISMISSED, first)
    again = ImportHeldRow.objects.filter(employee_code="NV7002")
    assert sorted(again.values_list("status", "run_id")) == [
        (Held.DISMISSED, first.pk),
        (Held.OPEN, later[-1].pk),
    ]


@pytest.mark.django_db
def test_rows_sharing_an_employee_code_stay_apart_across_runs(tree):
    twins = [
        line("NV7100", "Đặng Văn Một", date(1980, 1, 1)),
        line(
            "NV7100",
            "Đặng Văn Hai",
            date(1981, 2, 2),
            national_id=cccd(date(1981, 2, 2), "male", 7101),
        ),
        *others(40),
    ]
    runs = [done_run(tree.vnpt, *twins, name=f"t{month}.csv") for month in (1, 2, 3)]

    assert open_entries(tree.vnpt) == [
        ("NV7100", "Đặng Văn Một", "Mã NV", runs[-1].pk, 2),
        ("NV7100", "Đặng Văn Hai", "Mã NV", runs[-1].pk, 3),
    ]


@pytest.mark.django_db
def test_the_database_refuses_two_open_entries_of_one_row(tree):
    run = done_run(tree.vnpt, *MONTH)
    entry = ImportHeldRow.objects.filter(run=run).first()
    later = done_run(tree.vnpt, MONTH[0], name="khac.csv")

    with pytest.raises(IntegrityError), transaction.atomic():
        ImportHeldRow.objects.create(
            run=later,
            employer=tree.vnpt,
            identity=entry.identity,
            row_number=99,
            reason="copy",
        )
    # A resolved copy is history, not a second entry in the queue.
    ImportHeldRow.objects.create(
        run=later,
        employer=tree.vnpt,
        identity=entry.identity,
        row_number=99,
        reason="copy",
        status=Held.DISMISSED,
    )


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_file_at_once_queue_each_bad_row_once(tree, monkeypatch):
    require_service(
        connection.vendor == "postgresql", "PostgreSQL, for real concurrent writers"
    )
    from members.services import hrm_import

    # Only bad rows: the two runs write no member, only their held rows.
    many = [
        line(f"NV73{i:02d}", f"Người Sai {i}", text="31/02/1990") for i in range(20)
    ]
    runs = [
        import_run_create(
            employer=tree.vnpt,
            source=ImportRun.Source.SCHEDULE,
            file_name=f"dot{i}.csv",
            content=content(*many),
            confirmed=True,
        )
        for i in (1, 2)
    ]
    barrier = threading.Barrier(2, timeout=10)
    real = hrm_import._held_rows_queue

    def lined_up(run, rows):
        # Both runs have planned and are about to queue their held rows; a
        # barrier broken by one waiting on a lock the other holds lets them
        # go in turn.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real(run, rows)

    monkeypatch.setattr(hrm_import, "_held_rows_queue", lined_up)
    outcomes, errors = {}, []

    def execute(run_id):
        try:
            outcomes[run_id] = import_run_execute(run_id=run_id).status
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=execute, args=(run.pk,)) for run in runs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert set(outcomes.values()) == {Status.DONE}
    entries = open_entries(tree.vnpt)
    assert [code for code, *_rest in entries] == [f"NV73{i:02d}" for i in range(20)]
    assert len({run_id for *_rest, run_id, _row in entries}) == 1


# The pages ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_queue_lists_name_and_failing_column_and_keeps_the_cells_for_the_row(
    officer, tree
):
    national_id = "0010850070021"
    for month in (1, 2, 3):
        done_run(tree.vnpt, *MONTH, name=f"t{month}.csv")
    started(tree.vnpt, *MONTH, dry_run=True)

    response = officer.get(reverse("admin:members_importheldrow_changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    body = response.content.decode()
    for text in ("NV7001", "Trần Thị Ngày Sai", "Ngày sinh", "Số CCCD"):
        assert html.escape(text) in body
    assert national_id not in body  # every cell is on the row's own page
    entry = ImportHeldRow.objects.get(employee_code="NV7002", status=Held.OPEN)
    own = officer.get(
        reverse("admin:members_importheldrow_change", args=[entry.pk])
    ).content.decode()
    assert national_id in own


@pytest.mark.django_db
def test_a_preview_page_lists_its_held_rows_and_offers_no_fix(officer, tree):
    preview = started(tree.vnpt, *MONTH, dry_run=True)

    body = officer.get(run_url(preview)).content.decode()

    assert html.escape("Trần Thị Ngày Sai") in body
    for entry in ImportHeldRow.objects.filter(run=preview):
        assert reverse("admin:members_importheldrow_fix", args=[entry.pk]) not in body
        assert reverse("admin:members_importheldrow_change", args=[entry.pk]) in body


# The migration that merged the copies ------------------------------------------


def identity_migration():
    """Return the migration module, whatever number the integrator gives it."""
    name = next(
        info.name
        for info in pkgutil.iter_modules(member_migrations.__path__)
        if info.name.endswith("_held_row_identity")
    )
    return importlib.import_module(f"members.migrations.{name}")


@pytest.mark.django_db
def test_the_migration_merges_copies_into_the_latest_and_keeps_resolved_ones(tree):
    from django.apps import apps

    runs = [done_run(tree.vnpt, *MONTH, name=f"t{month}.csv") for month in (1, 2)]
    preview = started(tree.vnpt, *MONTH, dry_run=True)
    real = list(ImportHeldRow.objects.filter(run=runs[-1]).order_by("row_number"))
    # As the import used to leave them: a copy of each bad row for each run,
    # all open, previews' included, without identity, code or name.
    ImportHeldRow.objects.all().delete()
    ImportHeldRow.objects.bulk_create(
        ImportHeldRow(
            run=run,
            employer=tree.vnpt,
            identity=f"legacy-{run.pk}-{held.row_number}",
            row_number=held.row_number,
            column=held.column,
            code=held.code,
            reason=held.reason,
            values=held.values,
        )
        for run in (*runs, preview)
        for held in real
    )
    ImportHeldRow.objects.filter(run=runs[0], row_number=4).update(
        status=Held.DISMISSED, resolution_note="Đã xử lý"
    )

    identity_migration().held_rows_merge(apps, None)

    left = ImportHeldRow.objects.order_by("run_id", "row_number")
    assert list(left.values_list("run_id", "row_number", "status")) == [
        (runs[0].pk, 4, Held.DISMISSED),
        (runs[1].pk, 3, Held.OPEN),
        (runs[1].pk, 4, Held.OPEN),
        (preview.pk, 3, Held.PREVIEW),
        (preview.pk, 4, Held.PREVIEW),
    ]
    assert open_entries(tree.vnpt) == [
        ("NV7001", "Trần Thị Ngày Sai", "Ngày sinh", runs[1].pk, 3),
        ("NV7002", "Phạm Văn Cccd", "Số CCCD", runs[1].pk, 4),
    ]
    # The next run meets the same rows: they are the same entries.
    entries = set(left.filter(status=Held.OPEN).values_list("pk", flat=True))
    latest = done_run(tree.vnpt, *MONTH, name="t3.csv")
    assert [entry[3] for entry in open_entries(tree.vnpt)] == [latest.pk] * 2
    assert set(left.filter(status=Held.OPEN).values_list("pk", flat=True)) == entries


@pytest.mark.django_db
def test_erasing_a_member_clears_their_code_and_name_from_held_rows(tree):
    from members.services.erasure import member_erase

    done_run(tree.vnpt, *MONTH)
    entry = ImportHeldRow.objects.get(employee_code="NV7001", status=Held.OPEN)
    member = held_row_fix(
        row=entry,
        values=values_with(entry, **{"Ngày sinh": "28/02/1980"}),
        user=tree.upper_officer,
    )

    member_erase(member=member, actor=tree.upper_officer, reason="Yêu cầu xoá")

    entry.refresh_from_db()
    assert (entry.employee_code, entry.full_name, entry.values) == ("", "", {})


@pytest.mark.django_db
def test_an_earlier_runs_page_says_where_its_rows_went(officer, tree):
    first = done_run(tree.vnpt, *MONTH, name="t1.csv")
    latest = done_run(tree.vnpt, *MONTH, name="t2.csv")

    earlier = officer.get(run_url(first)).content.decode()
    newest = officer.get(run_url(latest)).content.decode()

    assert (
        "2 dòng bị giữ lại trong lần nhập này đã gặp lại ở một lần nhập sau" in earlier
    )
    assert html.escape("Trần Thị Ngày Sai") not in earlier
    assert html.escape("Trần Thị Ngày Sai") in newest
    assert "đã gặp lại" not in newest
