"""HRM import runs: one code path behind the admin upload, the command and the schedule.

``import_run_create`` stores a copy of the file and records the run;
``import_run_execute`` reads it (members.hrm), plans every row against the
register, and applies the plan in batches, each batch one transaction that
also moves the run's progress. Nothing is ever deleted: members missing from a
full file are flagged, bad rows are held with their row, column and reason,
and the good rows land. A plan beyond the safety limits (too many bad rows, too
many members missing) writes nothing until staff confirm. A run stopped half
way (a worker killed) and executed again plans the rest against what was
already written and ends as an uninterrupted run would. One execution at a
time holds a run (a claim kept alive by a heartbeat); an error ends the run
as failed, and staff can run it again (``import_run_requeue``), which resumes it.
"""

import gc
import hashlib
import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, NamedTuple

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models import DateTimeField, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.bulk import rows_insert, rows_update
from members.cache import REGISTER, cache_bump_on_commit
from members.hrm import FileRefused, HrmFile, HrmRecord, read_hrm_file
from members.logging import mask_text
from members.models import (
    AuditEvent,
    HrmDepartment,
    HrmProfile,
    ImportChange,
    ImportHeldRow,
    ImportRun,
    Member,
    StaffRole,
    Transfer,
    Unit,
    User,
)
from members.queue import task_get
from members.scope import require_unit_in_scope
from members.services.audit import audit_record
from members.services.notifications import batched, notify
from members.services.register import member_normalise
from members.services.transfers import transfers_awaiting_notify

logger = logging.getLogger(__name__)

# HRM field -> Member field, for the fields an HRM file may set.
MEMBER_FIELDS = {
    "full_name": "full_name",
    "date_of_birth": "date_of_birth",
    "gender": "gender",
    "national_id": "national_id",
    "phone": "phone",
    "email": "email",
    "position": "position",
    "employment_status": "employment_status",
    "hire_date": "hired_on",
    "department_code": "department_code",
}
# What the employer's status means for the union membership.
STATUS_EFFECT = {"left": Member.Status.LEFT, "retired": Member.Status.RETIRED}
INVALID_SHARE = 0.05
ABSENT_SHARE = 0.10
Status = ImportRun.Status


@dataclass
class Plan:
    """What a file would do to the register, row by row."""

    data_rows: int = 0
    new: list = field(default_factory=list)  # (row, values, unit_id)
    updated: list = field(default_factory=list)  # (row, pk, changes, values, hash)
    unchanged: list = field(default_factory=list)  # (pk, hash) to refresh
    held: list = field(default_factory=list)  # (row, column, code, reason, raw)
    transfers: list = field(default_factory=list)  # (row, pk, to_unit, employer, code)
    absent: list = field(default_factory=list)  # member pks
    unmapped: dict = field(default_factory=dict)  # department code -> name

    def counts(self) -> dict[str, int]:
        return {
            "count_new": len(self.new),
            "count_updated": len(self.updated),
            "count_unchanged": len(self.unchanged),
            "count_held": len(self.held),
            "count_absent": len(self.absent),
            "count_transfers": len(self.transfers),
        }


def _import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def import_run_create(
    *,
    employer: Unit,
    source: str,
    file_name: str,
    content: bytes,
    started_by: User | None = None,
    dry_run: bool = False,
    confirmed: bool = False,
) -> ImportRun:
    """Record a run and keep a copy of its file (by content hash) for executing it."""
    if not employer.is_employer:
        raise ValidationError(_("%(unit)s receives no HRM file.") % {"unit": employer})
    require_unit_in_scope(started_by, employer)
    digest = hashlib.sha256(content).hexdigest()
    path = _import_dir() / digest[:2] / f"{digest}{Path(file_name).suffix.lower()}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(content)
        partial.replace(path)
    return ImportRun.objects.create(
        employer=employer,
        source=source,
        started_by=started_by,
        file_name=Path(file_name).name[:255],
        file_sha256=digest,
        file_size=len(content),
        stored_file=str(path.relative_to(settings.MEDIA_ROOT)),
        dry_run=dry_run,
        confirmed=confirmed,
    )


_HASHED = tuple(sorted(MEMBER_FIELDS))


def _hash(values: dict) -> str:
    """Fingerprint the member fields a row sets, to skip unchanged rows cheaply."""
    text = "\x1f".join(
        f"{name}\x1e{values[name]}" for name in _HASHED if name in values
    )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a file's records are held.

    Holding 82,000 records made the collector walk them again and again (a
    sixth of an unchanged re-import's time); the records hold no cycles, so
    reference counting frees them all the same.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Held(NamedTuple):
    """A row the plan holds: where, why, the file's cells and whose row it is."""

    row: int
    column: str
    code: str
    reason: str
    raw: dict | None
    employee_code: str
    full_name: str


def _held(plan: Plan, record: HrmRecord, column: str, code: str, reason: str):
    # A valid record read without its cells (a duplicate) gets them later.
    values = record.values
    plan.held.append(
        Held(
            record.row_number,
            column,
            code,
            str(reason),
            record.raw,
            values.get("employee_code") or "",
            values.get("full_name") or "",
        )
    )


def _held_raw_fill(plan: Plan, hrm) -> None:
    """Read the original cells of held rows read without them, in one more pass.

    Only valid rows held for another reason (duplicates in the file, a CCCD
    taken, an unmapped department) lack them; a file without such rows is
    not read again.
    """
    missing = {held.row for held in plan.held if held.raw is None}
    if not missing:
        return
    raw = {
        record.row_number: record.raw
        for record in hrm.records()
        if record.row_number in missing
    }
    plan.held = [
        held if held.raw is not None else held._replace(raw=raw[held.row])
        for held in plan.held
    ]


def held_row_identity(*, employee_code: str, code: str, values: dict | None) -> str:
    """Return which row of an employer's files a held row is, file after file.

    A row with an employee code is that employee's row held for that reason,
    whatever its row number and other cells in the next file; a row without
    one is known by its cells. Two rows of one file with one identity (two
    rows of a duplicated code) are told apart by ``held_row_identities``.
    """
    if employee_code:
        key = f"code\x1f{employee_code}\x1f{code}"
    else:
        cells = "\x1f".join(f"{k}\x1e{v}" for k, v in sorted((values or {}).items()))
        key = f"row\x1f{code}\x1f{cells}"
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def held_row_identities(held: list[Held]) -> list[str]:
    """Return the identity of each held row of one file, in file order.

    The n-th row of a file sharing an identity with rows above it gets the
    identity with its ordinal, the same in every file that repeats them.
    """
    seen: Counter = Counter()
    identities = []
    for row in held:
        identity = held_row_identity(
            employee_code=row.employee_code, code=row.code, values=row.raw
        )
        seen[identity] += 1
        if seen[identity] > 1:
            identity = hashlib.blake2b(
                f"{identity}#{seen[identity]}".encode(), digest_size=16
            ).hexdigest()
        identities.append(identity)
    return identities


def _plan(
    run: ImportRun,
    records: list[HrmRecord],
    profile: HrmProfile | None,
    headers: dict[str, str],
) -> Plan:
    """Classify every row against the register; write nothing."""
    employer = run.employer
    plan = Plan(data_rows=len(records))
    departments = {d.code: d for d in HrmDepartment.objects.filter(employer=employer)}
    default_unit = profile.default_unit_id if profile else None
    # The employer's members, narrow: the full fields are read only for the
    # rows whose content changed (see _plan_updates).
    existing = {
        row[_CODE]: row
        for row in Member.objects.filter(employer=employer).values_list(*_EXISTING)
    }
    by_national_id = _national_id_owners(records, existing)
    rows_of_code = defaultdict(list)
    for r in records:
        if r.valid:
            rows_of_code[r.values["employee_code"]].append(str(r.row_number))
    ids = Counter(r.values.get("national_id") for r in records if r.valid)
    seen_codes = {r.values.get("employee_code") for r in records}

    changed = []  # (record, existing row, unit id): content differs from the hash
    for record in records:
        values = record.values
        code = values.get("employee_code", "")
        if not record.valid:
            first = record.errors[0]
            reason = "; ".join(e.reason for e in record.errors)
            _held(plan, record, first.column, first.code, reason)
            continue
        if len(rows_of_code[code]) > 1:
            rows = rows_of_code[code]
            _held(
                plan,
                record,
                headers["employee_code"],
                "duplicate_code",
                _("Employee code %(code)s appears in rows %(rows)s of this file.")
                % {"code": code, "rows": ", ".join(rows)},
            )
            continue
        national_id = values.get("national_id")
        if national_id and ids[national_id] > 1:
            _held(
                plan,
                record,
                headers.get("national_id", ""),
                "duplicate_national_id",
                _("CCCD %(id)s appears in more than one row of this file.")
                % {"id": national_id},
            )
            continue
        department = values.get("department_code", "")
        mapped = departments.get(department)
        unit_id = (mapped.unit_id if mapped else None) or default_unit
        if department and (mapped is None or mapped.unit_id is None):
            plan.unmapped.setdefault(department, values.get("department_name", ""))
        member = existing.get(code)
        owner = by_national_id.get(national_id) if national_id else None
        if member is not None:
            if owner is not None and owner["pk"] != member[_PK]:
                _held(
                    plan,
                    record,
                    headers.get("national_id", ""),
                    "national_id_taken",
                    _("CCCD %(id)s already belongs to employee %(code)s.")
                    % {"id": national_id, "code": owner["employee_code"]},
                )
                continue
            _plan_existing(plan, record, member, unit_id, changed)
            continue
        if owner is not None:
            if owner["employer_id"] == employer.pk:
                _held(
                    plan,
                    record,
                    headers.get("national_id", ""),
                    "national_id_taken",
                    _("CCCD %(id)s already belongs to employee %(code)s.")
                    % {"id": national_id, "code": owner["employee_code"]},
                )
            elif unit_id is None:
                _held_unmapped(plan, record, headers, department)
            else:
                plan.transfers.append(
                    (record.row_number, owner["pk"], unit_id, employer.pk, code)
                )
            continue
        if unit_id is None:
            _held_unmapped(plan, record, headers, department)
            continue
        plan.new.append((record.row_number, values, unit_id))

    _plan_updates(plan, changed)
    if profile is None or profile.full_file:
        plan.absent = [
            row[_PK]
            for code, row in existing.items()
            if code not in seen_codes
            and row[_STATUS] == Member.Status.ACTIVE
            and row[_ABSENT_SINCE] is None
        ]
    return plan


# The columns of the employer's members that planning reads for every row.
_EXISTING = (
    "pk",
    "employee_code",
    "hrm_hash",
    "hrm_absent_since",
    "unit_id",
    "status",
    "national_id",
)
_PK, _CODE, _HASH, _ABSENT_SINCE, _UNIT, _STATUS, _NATIONAL_ID = range(7)


def _national_id_owners(records, existing: dict) -> dict[str, dict]:
    """Return the members holding the file's national IDs that need a look.

    A row whose code is known and whose CCCD is the one that member already
    has needs none (the CCCD is unique: its owner is that member); the other
    CCCDs the file brings are read in chunks, not the whole register's.
    """
    wanted = set()
    for record in records:
        if not record.valid:
            continue
        national_id = record.values.get("national_id")
        if not national_id:
            continue
        member = existing.get(record.values.get("employee_code"))
        if member is None or member[_NATIONAL_ID] != national_id:
            wanted.add(national_id)
    owners = {}
    for chunk in batched(sorted(wanted), 5000):
        for row in Member.objects.filter(national_id__in=chunk).values(
            "pk", "national_id", "employer_id", "employee_code"
        ):
            owners[row["national_id"]] = row
    return owners


def _held_unmapped(plan, record, headers, department):
    _held(
        plan,
        record,
        headers.get("department_code", ""),
        "department_unmapped",
        _(
            "Department %(code)s is not mapped to a union unit: map it in the "
            "employer's HRM departments, then import the file again."
        )
        % {"code": department or "-"},
    )


def _plan_existing(
    plan: Plan, record: HrmRecord, member: tuple, unit_id, changed: list
) -> None:
    digest = _hash(record.values)
    if member[_UNIT] != unit_id and unit_id is not None:
        plan.transfers.append((record.row_number, member[_PK], unit_id, None, ""))
    # A row the register already matches may still carry a status the member
    # never took (imports once created leavers as active): compare it too.
    if digest == member[_HASH] and not _status_change(record.values, member[_STATUS]):
        # Back in the file after being missing: only the flag is lifted.
        flagged = member[_ABSENT_SINCE] is not None
        plan.unchanged.append((member[_PK], digest if flagged else None))
        return
    changed.append((record, member[_PK], digest))


def _plan_updates(plan: Plan, changed: list) -> None:
    """Compare the rows whose content changed with their members, field by field."""
    fields = ["pk", "status", *MEMBER_FIELDS.values()]
    for chunk in batched(changed, 2000):
        members = {
            row["pk"]: row
            for row in Member.objects.filter(pk__in=[c[1] for c in chunk]).values(
                *fields
            )
        }
        for record, pk, digest in chunk:
            member, values = members[pk], record.values
            changes = {}
            for hrm_field, member_field in MEMBER_FIELDS.items():
                if hrm_field in values and values[hrm_field] != member[member_field]:
                    new = values[hrm_field]
                    if new in ("", None) and member[member_field] in ("", None):
                        continue
                    changes[member_field] = [member[member_field], new]
            status = _status_change(values, member["status"])
            if status:
                changes["status"] = [member["status"], status]
            if changes:
                plan.updated.append((record.row_number, pk, changes, values, digest))
            else:
                plan.unchanged.append((pk, digest))


def _status_change(values: dict, current: str) -> str:
    """Return the union status the employer's status moves a member to, or "".

    Only an active member follows the file: a member who left the union, or
    whose membership staff changed, keeps the status staff gave them.
    """
    status = STATUS_EFFECT.get(values.get("employment_status"), "")
    return status if status and current == Member.Status.ACTIVE else ""


def _new_status(values: dict) -> str:
    """Return a new member's union status: the file's if they left or retired."""
    return STATUS_EFFECT.get(values.get("employment_status"), Member.Status.ACTIVE)


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def _apply_batch(run: ImportRun, batch: list, today: date) -> None:
    """Write one batch of planned actions and the run's progress, atomically."""
    employer = run.employer
    changes, new_members, new_changes, updated = [], [], [], []
    # member_normalise reads member.unit: one query a batch, not one a row.
    units = Unit.objects.in_bulk({item[2] for kind, item in batch if kind == "new"})
    for kind, item in batch:
        if kind == "new":
            row, values, unit_id = item
            member = Member(
                employer=employer,
                employee_code=values["employee_code"],
                unit=units[unit_id],
                hrm_hash=_hash(values),
                status=_new_status(values),
                **{
                    MEMBER_FIELDS[f]: v
                    for f, v in values.items()
                    if f in MEMBER_FIELDS and v is not None
                },
            )
            member_normalise(member)
            new_members.append(member)
            new_changes.append(
                {
                    "run_id": run.pk,
                    "action": ImportChange.Action.NEW,
                    "row_number": row,
                    "employee_code": member.employee_code,
                    "full_name": member.full_name,
                    "changes": {k: _json(v) for k, v in values.items()},
                    "member": member,
                }
            )
        elif kind == "updated":
            row, pk, diff, values, digest = item
            updated.append((pk, diff, digest, row))
        elif kind == "unchanged":
            pk, digest = item
            if digest:
                updated.append((pk, {}, digest, None))
    if new_members:
        rows_insert(Member, new_members)  # sets their pks
        for change in new_changes:
            change["member_id"] = change.pop("member").pk
        rows_insert(ImportChange, new_changes)
    if updated:
        members = Member.objects.select_related("unit").in_bulk([u[0] for u in updated])
        touched = set()
        for pk, diff, digest, row in updated:
            member = members[pk]
            for name, (_old, new) in diff.items():
                setattr(member, name, new)
                touched.add(name)
            member.hrm_hash = digest
            member.hrm_absent_since = None
            if diff:
                member_normalise(member)
                changes.append(
                    ImportChange(
                        run=run,
                        action=ImportChange.Action.UPDATED,
                        row_number=row,
                        member=member,
                        employee_code=member.employee_code,
                        full_name=member.full_name,
                        changes={k: [_json(o), _json(n)] for k, (o, n) in diff.items()},
                    )
                )
        names = {"hrm_hash", "hrm_absent_since", "updated_at", *touched}
        if touched & {"full_name"}:
            names.add("full_name_folded")
        if touched & {"date_of_birth"}:
            names.add("birthday_key")
        if touched & {"status"}:
            names.add("left_on")  # set by member_normalise
        rows_update(Member, list(members.values()), sorted(names))
    rows_insert(ImportChange, changes)
    if new_members or updated:
        # Bulk writes send no signal (members.receivers.register).
        cache_bump_on_commit(REGISTER, paths=[employer.path])


def hrm_file_read(
    source: Path | IO[bytes], *, file_name: str, profile: HrmProfile | None
) -> HrmFile:
    """Return an HRM file with its layout found by the employer's profile.

    Its rows are not read yet. Raises FileRefused as ``read_hrm_file`` does.
    """
    return read_hrm_file(
        source,
        file_name=file_name,
        profile=profile.mapping if profile else None,
        max_bytes=settings.HRM_IMPORT_MAX_BYTES,
    )


# One execution at a time holds a run: it claims the run with a token of its
# own, keeps the claim's heartbeat fresh from a thread while it works, and
# writes each batch only while the claim is still its own. Another execution
# (a Celery retry, a message Redis delivered again) leaves a live claim alone
# and takes the run over only once the heartbeat stopped (its worker died) or
# the claim outlived the task's hard time limit (members.tasks).
HEARTBEAT_EVERY = 20  # seconds
CLAIM_STALE_AFTER = timedelta(minutes=2)
RUN_TIME_LIMIT = timedelta(hours=1)
IN_PROGRESS = frozenset({Status.QUEUED, Status.RUNNING})


class ClaimLostError(Exception):
    """Another execution took the run over: this one writes nothing more."""


def _claim_stale_q(now) -> Q:
    return (
        Q(claim="")
        | Q(heartbeat_at__isnull=True)
        | Q(heartbeat_at__lt=now - CLAIM_STALE_AFTER)
        | Q(claimed_at__lt=now - RUN_TIME_LIMIT)
    )


def import_run_abandoned(*, run: ImportRun, now=None) -> bool:
    """Return whether a running run's execution has stopped giving signs of life."""
    if run.status != Status.RUNNING:
        return False
    now = now or timezone.now()
    return (
        not run.claim
        or run.heartbeat_at is None
        or run.heartbeat_at < now - CLAIM_STALE_AFTER
        or (run.claimed_at is not None and run.claimed_at < now - RUN_TIME_LIMIT)
    )


def _run_claim(*, run_id: int, token: str) -> bool:
    """Take a queued run, or a running one whose execution is gone, in one UPDATE.

    PostgreSQL checks the filter again after waiting for a concurrent claim,
    so of two executions claiming at once exactly one gets the run.
    """
    now = timezone.now()
    takeable = Q(status=Status.QUEUED) | (
        Q(status=Status.RUNNING) & _claim_stale_q(now)
    )
    return bool(
        ImportRun.objects.filter(takeable, pk=run_id).update(
            status=Status.RUNNING,
            claim=token,
            claimed_at=now,
            heartbeat_at=now,
            started_at=Coalesce("started_at", Value(now, DateTimeField())),
        )
    )


def _claim_hold(run: ImportRun, token: str) -> None:
    """Refresh the claim inside the caller's transaction, or raise ClaimLostError.

    The UPDATE locks the run's row until that transaction ends: a takeover
    waits for the batch being written, and no batch is written after it.
    """
    held = ImportRun.objects.filter(
        pk=run.pk, claim=token, status=Status.RUNNING
    ).update(heartbeat_at=timezone.now())
    if not held:
        raise ClaimLostError


class _Heartbeat:
    """Refresh a claim's heartbeat from a thread while the run reads, plans, writes."""

    def __init__(self, run_id: int, token: str) -> None:
        self.run_id, self.token = run_id, token
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "_Heartbeat":
        # Inside a caller's transaction (a test, the command in a transaction)
        # nothing the run writes commits before that transaction does, and a
        # beat from another connection would wait for its lock on the row.
        if not transaction.get_connection().in_atomic_block:
            self._thread = threading.Thread(
                target=self._beat, name=f"import-run-{self.run_id}", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_EVERY):
                try:
                    held = ImportRun.objects.filter(
                        pk=self.run_id, claim=self.token
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as error:  # a busy SQLite file: beat again
                    logger.warning("import run %s heartbeat: %s", self.run_id, error)
                    continue
                if not held:
                    return
        finally:
            connections.close_all()  # this thread's own connections


def import_run_execute(*, run_id: int, batch_size: int = 2000) -> ImportRun:
    """Execute (or resume) a run: read, plan, check the limits, apply in batches.

    A run another execution holds is left alone and returned as it is (still
    queued or running). Any error ends the run as failed, with its reason and
    what was written so far; staff can run it again (``import_run_requeue``).
    """
    token = uuid.uuid4().hex
    if not _run_claim(run_id=run_id, token=token):
        run = ImportRun.objects.get(pk=run_id)
        if run.status in IN_PROGRESS:
            logger.info("import run %s is held by another execution", run_id)
        return run
    run = ImportRun.objects.select_related("employer", "started_by").get(pk=run_id)
    started = time.monotonic()
    with _Heartbeat(run.pk, token), translation.override(settings.LANGUAGE_CODE):
        try:
            return _execute(run, token, started, batch_size)
        except ClaimLostError:
            logger.warning("import run %s was taken over; this execution left", run.pk)
        except Exception as error:
            logger.exception("import run %s failed", run.pk)
            return _fail(run, token, error, started)
    run.refresh_from_db()
    return run


def _execute(run: ImportRun, token: str, started: float, batch_size: int) -> ImportRun:
    profile = HrmProfile.objects.filter(employer=run.employer).first()
    with _collector_paused():
        try:
            hrm = hrm_file_read(
                Path(settings.MEDIA_ROOT) / run.stored_file,
                file_name=run.file_name,
                profile=profile,
            )
            records = list(hrm.records(keep_valid_cells=False))
        except FileRefused as refusal:
            return _finish(run, token, Status.REFUSED, str(refusal), started)
        headers = {name: column.header for name, column in hrm.columns.items()}
        plan = _plan(run, records, profile, headers)
        del records
        _held_raw_fill(plan, hrm)
        del hrm  # the workbook
        if not run.planned:
            counts = plan.counts()
            for name, value in counts.items():
                setattr(run, name, value)
            run.total_rows = plan.data_rows
            run.planned = True
            with transaction.atomic():
                _claim_hold(run, token)
                run.save(update_fields=[*counts, "total_rows", "planned"])
                _store_held(run, plan)
        limit = _over_limits(run, plan)
        if (limit and not run.confirmed) or run.dry_run:
            with transaction.atomic():
                _claim_hold(run, token)
                _store_preview(run, plan)
            if limit and not run.confirmed:
                return _finish(run, token, Status.NEEDS_CONFIRMATION, limit, started)
            return _finish(run, token, Status.PREVIEWED, _summary(run), started)
        _apply(run, token, plan, batch_size)
        return _finish(run, token, Status.DONE, _summary(run), started)


def _apply(run: ImportRun, token: str, plan: Plan, batch_size: int) -> None:
    """Write the plan in batches, each with the run's progress and claim, atomically."""
    with transaction.atomic():
        _claim_hold(run, token)
        _store_departments(run, plan)
    actions = [("new", item) for item in plan.new]
    actions += [("updated", item) for item in plan.updated]
    actions += [("unchanged", item) for item in plan.unchanged if item[1]]
    today = timezone.localdate()
    for batch in batched(actions, batch_size):
        with transaction.atomic():
            _claim_hold(run, token)
            _apply_batch(run, batch, today)
            run.rows_done = min(run.total_rows, run.rows_done + len(batch))
            run.save(update_fields=["rows_done"])
    with transaction.atomic():
        _claim_hold(run, token)
        _apply_transfers(run, plan)
        _apply_absent(run, plan, today)
        run.rows_done = run.total_rows
        run.save(update_fields=["rows_done"])


def _over_limits(run: ImportRun, plan: Plan) -> str:
    # Every held row counts, whatever held it: a file whose rows mostly clash
    # with the register is as suspect as one whose cells are wrong.
    held = len(plan.held)
    if plan.data_rows and held / plan.data_rows > INVALID_SHARE:
        return _(
            "%(held)s of %(rows)s rows cannot be imported as they are (more than "
            "5%%): nothing was written. Check the held rows below and correct the "
            "file, or confirm to import the other rows."
        ) % {"held": held, "rows": plan.data_rows}
    active = Member.objects.filter(
        employer=run.employer, status=Member.Status.ACTIVE
    ).count()
    if active and len(plan.absent) / active > ABSENT_SHARE:
        return _(
            "%(absent)s of the employer's %(active)s members are missing from this "
            "file (more than 10%%): nothing was written. Check that it is the full "
            "file, or confirm to flag them."
        ) % {"absent": len(plan.absent), "active": active}
    return ""


def _summary(run: ImportRun) -> str:
    counts = (run.count_new, run.count_updated, run.count_absent, run.count_transfers)
    if run.dry_run:
        # Read in a notification, away from the page that says "preview".
        return _preview_summary(run, changes=any(counts))
    if not any(counts):
        return _(
            "Nothing changed: the register already matches this file "
            "(%(held)s rows held for review)."
        ) % {"held": run.count_held}
    return _(
        "%(new)s new, %(updated)s updated, %(unchanged)s unchanged, %(held)s held "
        "for review, %(absent)s missing from the file, %(transfers)s transfers "
        "proposed."
    ) % {
        "new": run.count_new,
        "updated": run.count_updated,
        "unchanged": run.count_unchanged,
        "held": run.count_held,
        "absent": run.count_absent,
        "transfers": run.count_transfers,
    }


def _preview_summary(run: ImportRun, *, changes: bool) -> str:
    if not changes:
        return _(
            "Preview, nothing written: the register already matches this file "
            "(%(held)s rows would be held for review)."
        ) % {"held": run.count_held}
    return _(
        "Preview, nothing written: the file would add %(new)s members, update "
        "%(updated)s and leave %(unchanged)s unchanged; %(held)s rows would be "
        "held for review, %(absent)s members are missing from it and "
        "%(transfers)s transfers would be proposed. Confirm to import it."
    ) % {
        "new": run.count_new,
        "updated": run.count_updated,
        "unchanged": run.count_unchanged,
        "held": run.count_held,
        "absent": run.count_absent,
        "transfers": run.count_transfers,
    }


def _store_held(run: ImportRun, plan: Plan) -> None:
    """Keep the rows the run held: queued for review once each, or as its preview.

    A run that will write (no dry run, within the safety limits or confirmed)
    queues them, and a row already open for the employer moves to this run
    with its latest cells rather than being queued again. A dry run or a run
    stopped at the limits keeps them as its own, to show, never queued.
    """
    rows = [
        ImportHeldRow(
            run=run,
            employer_id=run.employer_id,
            identity=identity,
            row_number=held.row,
            column=held.column[:255],
            code=held.code,
            reason=held.reason,
            values=held.raw or {},
            employee_code=held.employee_code[:64],
            full_name=held.full_name[:255],
        )
        for held, identity in zip(
            plan.held, held_row_identities(plan.held), strict=True
        )
    ]
    if run.dry_run or (not run.confirmed and _over_limits(run, plan)):
        for row in rows:
            row.status = ImportHeldRow.Status.PREVIEW
        ImportHeldRow.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        return
    for chunk in batched(rows, 1000):
        _held_rows_queue(run, chunk)


_HELD_LATEST = (
    "run",
    "row_number",
    "column",
    "code",
    "reason",
    "values",
    "employee_code",
    "full_name",
)


def _held_rows_queue(run: ImportRun, rows: list[ImportHeldRow]) -> None:
    """Queue held rows, moving the employer's open entries of the same rows here."""
    open_rows = ImportHeldRow.objects.filter(
        employer_id=run.employer_id, status=ImportHeldRow.Status.OPEN
    )
    by_identity = {row.identity: row for row in rows}
    existing = list(
        open_rows.select_for_update(of=("self",)).filter(identity__in=by_identity)
    )
    _held_rows_move(existing, by_identity)
    met = {entry.identity for entry in existing}
    new = [row for row in rows if row.identity not in met]
    ImportHeldRow.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        # A run of the same employer queued some of them meanwhile (its insert
        # won the unique index): they move to this run all the same.
        taken = open_rows.filter(identity__in=[row.identity for row in new]).exclude(
            run=run
        )
        _held_rows_move(list(taken.select_for_update(of=("self",))), by_identity)


def _held_rows_move(entries: list[ImportHeldRow], latest: dict) -> None:
    for entry in entries:
        row = latest[entry.identity]
        for name in _HELD_LATEST:
            setattr(entry, name, getattr(row, name))
    ImportHeldRow.objects.bulk_update(entries, _HELD_LATEST, batch_size=1000)


def _store_preview(run: ImportRun, plan: Plan) -> None:
    """Keep what the run would do, for the preview screen (dry runs, stopped runs)."""
    ImportChange.objects.filter(run=run).delete()
    changes = [
        ImportChange(
            run=run,
            action=ImportChange.Action.NEW,
            row_number=row,
            employee_code=values["employee_code"],
            full_name=values.get("full_name", ""),
            changes={k: _json(v) for k, v in values.items()},
        )
        for row, values, _unit in plan.new
    ]
    changes += [
        ImportChange(
            run=run,
            action=ImportChange.Action.UPDATED,
            row_number=row,
            member_id=pk,
            employee_code=values["employee_code"],
            full_name=values.get("full_name", ""),
            changes={k: [_json(o), _json(n)] for k, (o, n) in diff.items()},
        )
        for row, pk, diff, values, _digest in plan.updated
    ]
    absent = Member.objects.filter(pk__in=plan.absent).values_list(
        "pk", "employee_code", "full_name"
    )
    changes += [
        ImportChange(
            run=run,
            action=ImportChange.Action.ABSENT,
            member_id=pk,
            employee_code=code,
            full_name=name,
        )
        for pk, code, name in absent
    ]
    ImportChange.objects.bulk_create(changes, batch_size=1000)


def _store_departments(run: ImportRun, plan: Plan) -> None:
    HrmDepartment.objects.bulk_create(
        [
            HrmDepartment(employer=run.employer, code=code, name=name[:255])
            for code, name in plan.unmapped.items()
        ],
        ignore_conflicts=True,
    )


def _apply_transfers(run: ImportRun, plan: Plan) -> None:
    """Propose the file's transfers from the receiving side; count what was written.

    The sending unit (or an officer above both) must release each member
    (members.services.transfers). The members are locked first, as
    ``transfer_request`` locks its member, so a member given a pending transfer
    meanwhile is skipped here, not proposed twice; the run's count is the
    transfers it wrote, not the rows that asked for one.
    """
    today = timezone.localdate()
    pks = sorted({t[1] for t in plan.transfers})
    members, pending = {}, set()
    for chunk in batched(pks, 2000):
        locked = Member.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        members.update((member.pk, member) for member in locked)
        pending.update(
            Transfer.objects.filter(
                member_id__in=chunk, state=Transfer.State.PENDING
            ).values_list("member_id", flat=True)
        )
    transfers = []
    for _row, pk, to_unit, to_employer, code in plan.transfers:
        member = members[pk]
        if pk in pending or (member.unit_id == to_unit and not to_employer):
            continue
        pending.add(pk)
        transfers.append(
            Transfer(
                member=member,
                from_unit_id=member.unit_id,
                to_unit_id=to_unit,
                to_employer_id=to_employer,
                to_employee_code=code,
                transfer_on=today,
                reason=_("Proposed by the HRM file %(file)s") % {"file": run.file_name},
                proposer_side=Transfer.Side.RECEIVING,
                requested_by=run.started_by,
            )
        )
    Transfer.objects.bulk_create(transfers, batch_size=1000)
    if transfers:
        # Transfers from anywhere wait for their senders: the whole register.
        cache_bump_on_commit(REGISTER)
    ImportChange.objects.bulk_create(
        [
            ImportChange(
                run=run,
                action=ImportChange.Action.TRANSFER,
                member=t.member,
                employee_code=t.to_employee_code or t.member.employee_code,
                # Another employer's member: their name is not the file's to show.
                full_name="" if t.to_employer_id else t.member.full_name,
                changes={"to_unit": t.to_unit_id, "to_employer": t.to_employer_id},
            )
            for t in transfers
        ],
        batch_size=1000,
    )
    run.count_transfers = ImportChange.objects.filter(
        run=run, action=ImportChange.Action.TRANSFER
    ).count()
    run.save(update_fields=["count_transfers"])
    transfers_awaiting_notify(transfers=transfers)


def _apply_absent(run: ImportRun, plan: Plan, today: date) -> None:
    flagged = Member.objects.filter(pk__in=plan.absent, hrm_absent_since__isnull=True)
    rows = list(flagged.values_list("pk", "employee_code", "full_name"))
    flagged.update(hrm_absent_since=today)
    if rows:
        cache_bump_on_commit(REGISTER, paths=[run.employer.path])
    ImportChange.objects.bulk_create(
        [
            ImportChange(
                run=run,
                action=ImportChange.Action.ABSENT,
                member_id=pk,
                employee_code=code,
                full_name=name,
            )
            for pk, code, name in rows
        ]
    )


def _finish(
    run: ImportRun, token: str, status: str, message: str, started: float
) -> ImportRun:
    """End the run with its outcome and release its claim (ClaimLostError if gone)."""
    run.status = status
    run.message = message
    run.finished_at = timezone.now()
    run.duration_ms = round((time.monotonic() - started) * 1000)
    run.claim, run.heartbeat_at = "", None
    with transaction.atomic():
        _claim_hold(run, token)
        run.save(
            update_fields=[
                "status",
                "message",
                "finished_at",
                "duration_ms",
                "claim",
                "heartbeat_at",
            ]
        )
        transaction.on_commit(lambda: import_run_notify(run=run))
    return run


def _fail(run: ImportRun, token: str, error: Exception, started: float) -> ImportRun:
    """End the run failed, with the reason (masked as in the logs) and rows written."""
    if isinstance(error, SoftTimeLimitExceeded):
        reason = _("it ran longer than %(minutes)s minutes") % {
            "minutes": int(RUN_TIME_LIMIT.total_seconds() // 60)
        }
    else:
        reason = mask_text(f"{type(error).__name__}: {error}")[:1000]
    # What the committed batches wrote, not what the failed one had counted.
    run.refresh_from_db(fields=["rows_done", "total_rows"])
    if run.rows_done:
        message = _(
            "The import stopped with an error: %(error)s. %(done)s of %(rows)s "
            "rows had been written (the changes below); run it again to finish: "
            "what was written is not written twice."
        ) % {"error": reason, "done": run.rows_done, "rows": run.total_rows}
    else:
        message = _(
            "The import stopped with an error: %(error)s. No member was written; "
            "run it again once the cause is put right."
        ) % {"error": reason}
    try:
        return _finish(run, token, Status.FAILED, message, started)
    except ClaimLostError:
        run.refresh_from_db()
        return run


def import_run_notify(*, run: ImportRun) -> None:
    """Tell whoever started the run, or for a scheduled one the employer's staff."""
    if run.started_by_id:
        recipients = [run.started_by]
    else:
        recipients = User.objects.filter(
            Q(staff_roles__unit=run.employer)
            & Q(staff_roles__role=StaffRole.Role.OFFICER),
            is_active=True,
        ).distinct()
    title = _("HRM import of %(file)s: %(status)s") % {
        "file": run.file_name,
        "status": run.get_status_display(),
    }
    for user in recipients:
        notify(
            recipient=user,
            kind="hrm.import_result",
            dedupe_key=f"hrm-import:{run.pk}:{run.status}:{user.pk}",
            title=title,
            body=run.message,
            link=f"/admin/members/importrun/{run.pk}/change/",
        )


def import_run_summary(*, run: ImportRun) -> dict:
    """Return a run's outcome as plain data (the command's JSON, task results)."""
    return {
        "run_id": run.pk,
        "status": run.status,
        "message": run.message,
        "file": run.file_name,
        "sha256": run.file_sha256,
        "rows": run.total_rows,
        "new": run.count_new,
        "updated": run.count_updated,
        "unchanged": run.count_unchanged,
        "held": run.count_held,
        "absent": run.count_absent,
        "transfers": run.count_transfers,
        "duration_ms": run.duration_ms,
    }


def import_drop_dir_scan(*, now=None) -> list[int]:
    """Queue a run for every file waiting in IMPORT_DROP_DIR/<employer code>/.

    The file is copied into the run's storage and, once the run is committed,
    moved to ``archive/<date>/`` beside it, so it is imported once; a file
    whose run could not be recorded stays where the next scan finds it. The
    run itself executes in its own task (acknowledged late, so a worker lost
    mid-run hands it to another, which resumes it). A file changed in the last
    minute may still be being written and waits for the next scan.
    """
    root = Path(settings.IMPORT_DROP_DIR)
    now = now or timezone.now()
    runs = []
    if not root.is_dir():
        return runs
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        employer = Unit.objects.filter(code=folder.name, is_employer=True).first()
        if employer is None:
            logger.warning("drop folder %s names no employer unit", folder)
            continue
        waiting = (p for p in folder.iterdir() if p.is_file())
        for path in sorted(waiting, key=lambda p: p.stat().st_mtime):
            if path.name.startswith(".") or now.timestamp() - path.stat().st_mtime < 60:
                continue
            try:
                runs.append(_drop_file_queue(employer=employer, path=path))
            except Exception:
                # One file's failure must not keep the other employers' files.
                logger.exception(
                    "drop file %s not queued; kept for the next scan", path
                )
    return runs


@transaction.atomic
def _drop_file_queue(*, employer: Unit, path: Path) -> int:
    execute_task = task_get("import_run_execute")
    run = import_run_create(
        employer=employer,
        source=ImportRun.Source.SCHEDULE,
        file_name=path.name,
        content=path.read_bytes(),
    )

    def archive() -> None:
        folder = path.parent / "archive" / f"{timezone.localdate():%Y-%m-%d}"
        folder.mkdir(parents=True, exist_ok=True)
        path.replace(folder / f"{run.pk}-{path.name}")

    # If the move fails, the file is imported again by the next scan, which
    # changes nothing the first import wrote.
    transaction.on_commit(archive, robust=True)
    execute_task.delay_on_commit(run_id=run.pk)
    return run.pk


def import_files_purge(*, now=None) -> dict[str, int]:
    """Delete the stored HRM files no run needs any more, and old held rows' cells.

    A file (stored once per content) goes when every run that used it was
    created more than IMPORT_FILE_RETENTION_DAYS ago and none is still
    queued, running or waiting for confirmation; the held rows resolved
    that long ago keep their row, column and reason but lose the file's
    values. What the register took from the files stays in the register.
    Returns how many files and held rows were purged.
    """
    days = settings.IMPORT_FILE_RETENTION_DAYS
    if not days:
        return {"files": 0, "held_rows": 0}
    cutoff = (now or timezone.now()) - timedelta(days=days)
    waiting = [Status.QUEUED, Status.RUNNING, Status.NEEDS_CONFIRMATION]
    needed = set(
        ImportRun.objects.filter(Q(created_at__gte=cutoff) | Q(status__in=waiting))
        .exclude(stored_file="")
        .values_list("stored_file", flat=True)
    )
    old = set(
        ImportRun.objects.filter(created_at__lt=cutoff)
        .exclude(stored_file="")
        .values_list("stored_file", flat=True)
    )
    files = 0
    for stored in sorted(old - needed):
        path = Path(settings.MEDIA_ROOT) / stored
        if path.exists():
            path.unlink()
            files += 1
    # The code and name shown beside a held row are the file's values too.
    held_rows = (
        ImportHeldRow.objects.filter(run__created_at__lt=cutoff)
        .exclude(status=ImportHeldRow.Status.OPEN)
        .exclude(values={}, full_name="", employee_code="")
        .update(values={}, full_name="", employee_code="")
    )
    logger.info("import files purged: %s files, %s held rows", files, held_rows)
    return {"files": files, "held_rows": held_rows}


class AlreadyConfirmedError(ValidationError):
    """The run's file was confirmed already; ``run`` is the run importing it."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(_("This file has already been confirmed."))
        self.run = run


def import_run_can_confirm(*, run: ImportRun) -> bool:
    """Return whether the run is a preview or a stopped run, waiting for a yes."""
    return run.status == Status.NEEDS_CONFIRMATION or (
        run.dry_run and run.status == Status.PREVIEWED
    )


@transaction.atomic
def import_run_confirm(*, run: ImportRun, user: User) -> ImportRun:
    """Queue a real run of a previewed (or stopped) run's stored file, once.

    The previewed run's row stays locked until the new run is committed, so
    of two confirmations at once (two clicks, two tabs) the second waits,
    then finds the first one's run and raises AlreadyConfirmedError.
    """
    require_unit_in_scope(user, run.employer)
    run = (
        ImportRun.objects.select_for_update(of=("self",))
        .select_related("employer")
        .get(pk=run.pk)
    )
    if not import_run_can_confirm(run=run):
        raise ValidationError(_("Only a preview or a stopped run can be confirmed."))
    later = (
        ImportRun.objects.filter(
            employer_id=run.employer_id,
            file_sha256=run.file_sha256,
            dry_run=False,
            created_at__gte=run.created_at,
        )
        .exclude(pk=run.pk)
        .exclude(status__in=[Status.REFUSED, Status.FAILED])
        .order_by("-created_at")
        .first()
    )
    if later is not None:
        raise AlreadyConfirmedError(later)
    try:
        content = (Path(settings.MEDIA_ROOT) / run.stored_file).read_bytes()
    except OSError as error:
        raise ValidationError(_FILE_GONE) from error
    confirmed = import_run_create(
        employer=run.employer,
        source=ImportRun.Source.UPLOAD,
        file_name=run.file_name,
        content=content,
        started_by=user,
        dry_run=False,
        confirmed=run.status == Status.NEEDS_CONFIRMATION,
    )
    execute_task = task_get("import_run_execute")
    execute_task.delay_on_commit(run_id=confirmed.pk)
    return confirmed


_FILE_GONE = gettext_lazy("The stored file of this run is gone: upload it again.")


def import_run_requeue_refusal(*, run: ImportRun) -> str:
    """Return why the run cannot be run again ("" if it can)."""
    if run.status == Status.FAILED or import_run_abandoned(run=run):
        return ""
    return _(
        "Only a failed run, or one whose worker stopped responding, can be run again."
    )


@transaction.atomic
def import_run_requeue(*, run: ImportRun, user: User) -> ImportRun:
    """Queue a failed (or abandoned) run again; it resumes where it stopped.

    The rows its batches wrote are planned again against the register as it
    now is, so nothing is written twice.
    """
    require_unit_in_scope(user, run.employer)
    run = ImportRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    refusal = import_run_requeue_refusal(run=run)
    if refusal:
        raise ValidationError(refusal)
    if (
        not run.stored_file
        or not (Path(settings.MEDIA_ROOT) / run.stored_file).is_file()
    ):
        raise ValidationError(_FILE_GONE)
    previous = {"requeued_from": run.status, "message": run.message}
    run.status = Status.QUEUED
    run.message = ""
    run.finished_at = run.duration_ms = None
    run.claim, run.claimed_at, run.heartbeat_at = "", None, None
    run.save(
        update_fields=[
            "status",
            "message",
            "finished_at",
            "duration_ms",
            "claim",
            "claimed_at",
            "heartbeat_at",
        ]
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.IMPORT,
        obj=run,
        detail={**previous, "rows_done": run.rows_done, "file_sha256": run.file_sha256},
    )
    task_get("import_run_execute").delay_on_commit(run_id=run.pk)
    return run
