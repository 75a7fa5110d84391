"""A run killed between batches and executed again ends as an uninterrupted run."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import ImportChange, ImportHeldRow, ImportRun, Member
from members.services import hrm_import
from members.services.hrm_import import import_run_create, import_run_execute
from tests.members import test_imports_runs as hrm
from tests.members.hrm import conftest as hrm_files

make_csv = hrm_files.make_csv
org = hrm.org
_media = hrm._media

# What the register holds for a member, apart from keys a run cannot repeat.
FIELDS = [f for f in hrm.COMPARED if f != "employer__code"]


class WorkerKilledError(BaseException):
    """The worker died in the middle of the run (no handler of the run sees it)."""


def register(employer) -> list[tuple]:
    return list(
        Member.objects.filter(employer=employer)
        .order_by("employee_code")
        .values_list(*FIELDS)
    )


def outcome(run: ImportRun) -> dict:
    run.refresh_from_db()
    return {
        "counts": hrm.counts(run),
        "rows_done": run.rows_done,
        "message": run.message,
        "register": register(run.employer),
        "changes": Counter(
            ImportChange.objects.filter(run=run).values_list("action", flat=True)
        ),
        "changed_members": sorted(
            ImportChange.objects.filter(run=run).values_list(
                "action", "employee_code", "row_number"
            )
        ),
        "held": sorted(
            ImportHeldRow.objects.filter(run=run).values_list("row_number", "code")
        ),
    }


def worker_dead(run: ImportRun) -> None:
    """Let the dead worker's heartbeat go stale, as it does once nothing beats."""
    long_ago = timezone.now() - hrm_import.CLAIM_STALE_AFTER - timedelta(seconds=1)
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)


def start(employer, path) -> ImportRun:
    return import_run_create(
        employer=employer,
        source=hrm_import.ImportRun.Source.COMMAND,
        file_name=path.name,
        content=path.read_bytes(),
    )


@pytest.mark.parametrize("kill_at", [2, 4])
def test_a_killed_and_resumed_run_equals_an_uninterrupted_one(
    org, make_csv, monkeypatch, kill_at
):
    # 62 rows: 2 duplicates held, 1 unmapped department held, the rest new.
    rows = hrm.rows_for(62, {21: {"Mã NV": "NV00050"}, 33: {"Mã đơn vị": "DV99"}})
    path = make_csv(rows, name="full.csv")

    uninterrupted = start(org.vnpt, path)
    import_run_execute(run_id=uninterrupted.pk, batch_size=10)
    expected = outcome(uninterrupted)
    assert expected["counts"][0] == ImportRun.Status.DONE
    assert expected["counts"][2] == 59

    Member.objects.filter(employer=org.vnpt).delete()

    killed = start(org.vnpt, path)
    real_apply = hrm_import._apply_batch
    calls = []

    def dying_apply(run, batch, today):
        calls.append(len(batch))
        if len(calls) == kill_at:
            raise WorkerKilledError
        return real_apply(run, batch, today)

    monkeypatch.setattr(hrm_import, "_apply_batch", dying_apply)
    with pytest.raises(WorkerKilledError):
        import_run_execute(run_id=killed.pk, batch_size=10)
    monkeypatch.setattr(hrm_import, "_apply_batch", real_apply)

    killed.refresh_from_db()
    assert killed.status == ImportRun.Status.RUNNING
    assert killed.rows_done == 10 * (kill_at - 1)
    assert Member.objects.filter(employer=org.vnpt).count() == 10 * (kill_at - 1)

    worker_dead(killed)
    import_run_execute(run_id=killed.pk, batch_size=10)

    resumed = outcome(killed)
    assert resumed == expected


def test_a_resumed_update_run_equals_an_uninterrupted_one(org, make_csv, monkeypatch):
    """Updates and absent flags too: a register of 60, a file changing 30, missing 3."""
    base = make_csv(hrm.rows_for(60), name="base.csv")
    changed = {i: {"Chức danh": f"Chuyên viên {i}"} for i in range(1, 31)}
    update = make_csv(hrm.rows_for(57, changed), name="update.csv")
    hrm.run_command(base)
    snapshot = register(org.vnpt)

    uninterrupted = start(org.vnpt, update)
    uninterrupted.confirmed = True
    uninterrupted.save(update_fields=["confirmed"])
    import_run_execute(run_id=uninterrupted.pk, batch_size=10)
    expected = outcome(uninterrupted)
    assert expected["counts"][3] == 30  # updated
    assert expected["counts"][6] == 3  # absent

    # Back to the register before the update: the first file's values.
    Member.objects.filter(employer=org.vnpt).delete()
    hrm.run_command(base)
    assert register(org.vnpt) == snapshot

    killed = start(org.vnpt, update)
    killed.confirmed = True
    killed.save(update_fields=["confirmed"])
    real_apply = hrm_import._apply_batch
    calls = []

    def dying_apply(run, batch, today):
        calls.append(1)
        if len(calls) == 2:
            raise WorkerKilledError
        return real_apply(run, batch, today)

    monkeypatch.setattr(hrm_import, "_apply_batch", dying_apply)
    with pytest.raises(WorkerKilledError):
        import_run_execute(run_id=killed.pk, batch_size=10)
    monkeypatch.setattr(hrm_import, "_apply_batch", real_apply)
    assert ImportRun.objects.get(pk=killed.pk).rows_done == 10

    worker_dead(killed)
    import_run_execute(run_id=killed.pk, batch_size=10)

    assert outcome(killed) == expected
