"""Erasure in the HRM imports: the recorded changes, the held rows, the stored files.

``imports_erase`` runs inside the erasure's transaction: the person goes from
what imports did or would do (previews too) and from held rows; the stored
files that may hold them are left to ``import_files_erase_pending`` (the task
``members.tasks.import_files_erase``, queued on commit), since rewriting a
large export takes seconds a file. Meanwhile the person waits in
``ImportFileErasure`` as marks only (keyed hashes of their codes, CCCD, phones
and e-mails), never in clear.

A stored file holding the person is rewritten without them
(``members.hrm.redaction``) and stored under its new content hash; every run
that used it points to the new copy and records when
(``ImportRun.stored_redacted_at``), while ``file_sha256`` and ``file_size``
stay those of the file as received, as the audit trail has them. The old copy
is deleted once that is committed. A file an import is reading now waits for
the next pass.
"""

import contextlib
import hashlib
import logging
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from members.hrm import FileRefused
from members.hrm.headers import alias_index, header_key
from members.hrm.profiles import MappingProfile
from members.hrm.redaction import (
    PersonMarks,
    hrm_file_redact,
    mark,
    person_marks,
)
from members.models import (
    AuditEvent,
    HrmProfile,
    ImportChange,
    ImportFileErasure,
    ImportHeldRow,
    ImportRun,
    Member,
    Transfer,
)
from members.queue import task_get
from members.services.audit import audit_record
from members.services.hrm_import import hrm_file_read
from members.services.traces import Trace

logger = logging.getLogger(__name__)

# One pass over the stored files at a time (a PostgreSQL advisory lock): two
# passes rewriting one file at once would each put back the other's person.
_FILES_LOCK = 0x45524153  # "ERAS"
# A stored file no run refers to is deleted after this long (a rolled back
# pass's copy, a crash between writing a file and recording its run).
UNREFERENCED_AFTER_SECONDS = 24 * 3600


def imports_erase(*, member: Member, trace: Trace) -> dict[str, object]:
    """Take the person out of the imports' changes and held rows; queue the files.

    Returns counts for the audit trail and the ids of the person's held rows.
    """
    codes = _codes_by_employer(member)
    runs = _runs(member, codes, trace)
    rows = _linked_rows(member, codes, runs)
    marks = person_marks(
        national_ids=trace.national_ids, phones=trace.phones, emails=trace.emails
    )
    held = _held_rows_erase(member, runs, codes, rows, marks, trace)
    changes = _changes_erase(member, codes, rows, trace)
    files = (
        ImportRun.objects.filter(pk__in=runs)
        .exclude(stored_file="")
        .values("stored_file")
        .distinct()
        .count()
    )
    if files:
        ImportFileErasure.objects.create(
            member=member,
            runs=sorted(runs),
            rows={str(run): sorted(numbers) for run, numbers in rows.items()},
            codes={
                str(employer): sorted(mark(code) for code in employer_codes)
                for employer, employer_codes in codes.items()
            },
            digits=sorted(marks.digits),
            emails=sorted(marks.emails),
        )
        task_get("import_files_erase").delay_on_commit()
    return {
        "files_queued": files,
        "held_rows": len(held),
        "changes": changes,
        "held": held,
    }


def _codes_by_employer(member: Member) -> dict[int, set[str]]:
    """Return every employee code the person had, by employer."""
    codes: dict[int, set[str]] = defaultdict(set)
    if member.employer_id and member.employee_code:
        codes[member.employer_id].add(member.employee_code)
    for employer, code in ImportChange.objects.filter(member=member).values_list(
        "run__employer_id", "employee_code"
    ):
        codes[employer].add(code)
    for employer, code in Transfer.objects.filter(
        member=member, to_employer__isnull=False
    ).values_list("to_employer_id", "to_employee_code"):
        if code:
            codes[employer].add(code)
    return codes


def _runs(member: Member, codes: dict, trace: Trace) -> set[int]:
    """Return the ids of the runs whose file or rows may hold the person."""
    may_hold = (
        Q(employer_id__in=list(codes))
        | Q(changes__member=member)
        | Q(held_rows__member=member)
    )
    for text in [*trace.national_ids, *trace.emails]:
        may_hold |= Q(held_rows__values__icontains=text)
    return set(ImportRun.objects.filter(may_hold).values_list("pk", flat=True))


def _linked_rows(member: Member, codes: dict, runs: set[int]) -> dict[int, set[int]]:
    """Return the row numbers known to be the person's, by run."""
    rows: dict[int, set[int]] = defaultdict(set)
    linked = Q(member=member)
    for employer, employer_codes in codes.items():
        linked |= Q(run__employer_id=employer, employee_code__in=employer_codes)
    for run_id, row in (
        ImportChange.objects.filter(linked, run_id__in=runs)
        .exclude(row_number=None)
        .values_list("run_id", "row_number")
    ):
        rows[run_id].add(row)
    for run_id, row in ImportHeldRow.objects.filter(member=member).values_list(
        "run_id", "row_number"
    ):
        rows[run_id].add(row)
    return rows


def _code_columns(employer_id: int, cache: dict) -> dict[str, str | None]:
    """Return header key -> field for the employer's files (held rows' values)."""
    if employer_id not in cache:
        profile = HrmProfile.objects.filter(employer_id=employer_id).first()
        try:
            mapping = MappingProfile.from_dict(profile.mapping if profile else None)
        except ValidationError:
            mapping = MappingProfile()
        cache[employer_id] = alias_index(mapping.aliases, mapping.ignore)
    return cache[employer_id]


def _held_rows_erase(
    member: Member,
    runs: set[int],
    codes: dict,
    rows: dict,
    marks: PersonMarks,
    trace: Trace,
) -> list[int]:
    """Empty the person's held rows; blank their cells and codes in the others'.

    Returns the ids of the person's own held rows.
    """
    theirs, changed = [], []
    columns: dict = {}
    held = ImportHeldRow.objects.filter(Q(run_id__in=runs) | Q(member=member))
    for row in held.select_related("run").iterator(chunk_size=1000):
        employer_codes = codes.get(row.run.employer_id, set())
        index = _code_columns(row.run.employer_id, columns)
        code = next(
            (
                str(value).strip()
                for key, value in row.values.items()
                if index.get(header_key(key)) == "employee_code"
            ),
            "",
        )
        if (
            row.member_id == member.pk
            or row.row_number in rows.get(row.run_id, ())
            or (code and code in employer_codes)
        ):
            theirs.append(row.pk)
            row.values, row.code = {}, ""
            row.employee_code, row.full_name = "", ""
            row.reason = trace.scrub(row.reason, names=True, codes=True)
            changed.append(row)
            continue
        values = marks.values_without(row.values)
        reason = trace.scrub(row.reason, codes=bool(employer_codes))
        if values != row.values or reason != row.reason:
            row.values, row.reason = values, reason
            changed.append(row)
    ImportHeldRow.objects.bulk_update(
        changed,
        ["values", "code", "reason", "employee_code", "full_name"],
        batch_size=500,
    )
    return theirs


def _changes_erase(member: Member, codes: dict, rows: dict, trace: Trace) -> int:
    """Replace the person in what imports did or would do (previews too)."""
    theirs = Q(member=member)
    for employer, employer_codes in codes.items():
        theirs |= Q(run__employer_id=employer, employee_code__in=employer_codes)
    for run_id, numbers in rows.items():
        theirs |= Q(run_id=run_id, row_number__in=numbers)
    return ImportChange.objects.filter(theirs).update(
        employee_code=trace.code, full_name=trace.pseudonym, changes={}
    )


# The stored files ---------------------------------------------------------------


def import_files_erase_pending() -> dict[str, int]:
    """Rewrite the stored files that hold people erased since; return counts.

    Every waiting erasure is handled in one pass, each file rewritten once
    for all of them, each in a transaction of its own. An erasure is done
    (its marks deleted) once none of its files is left: a file an import is
    reading now is skipped and counted in "waiting", for the next pass.
    Returns {"files": rewritten, "erasures": done, "waiting": erasures left}
    or {"busy": 1} when another pass holds the files.
    """
    with _files_lock() as acquired:
        if not acquired:
            return {"busy": 1}
        jobs = list(ImportFileErasure.objects.order_by("pk"))
        paths: dict[str, set[int]] = defaultdict(set)  # file -> jobs
        stored = dict(
            ImportRun.objects.filter(pk__in={r for job in jobs for r in job.runs})
            .exclude(stored_file="")
            .values_list("pk", "stored_file")
        )
        for job in jobs:
            for run in job.runs:
                if run in stored:
                    paths[stored[run]].add(job.pk)
        by_pk = {job.pk: job for job in jobs}
        rewritten: dict[int, int] = defaultdict(int)
        waiting: set[int] = set()
        files = 0
        for path in sorted(paths):
            with transaction.atomic():
                outcome = _file_erase(path, [by_pk[pk] for pk in sorted(paths[path])])
            if outcome == "running":
                waiting |= paths[path]
            elif outcome == "rewritten":
                files += 1
                for pk in paths[path]:
                    rewritten[pk] += 1
        for job in jobs:
            if job.pk in waiting:
                continue
            with transaction.atomic():
                audit_record(
                    actor=None,
                    action=AuditEvent.Action.ERASED,
                    obj=job.member,
                    detail={"step": "import files", "files": rewritten[job.pk]},
                )
                job.delete()
    return {
        "files": files,
        "erasures": len(jobs) - len(waiting),
        "waiting": len(waiting),
    }


@contextlib.contextmanager
def _files_lock() -> Iterator[bool]:
    """Hold the files for one pass; yield False if another pass holds them."""
    if connection.vendor != "postgresql":
        # SQLite lets one writer at a time in: nothing more to hold.
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_FILES_LOCK])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_FILES_LOCK])


def _file_marks(jobs: list[ImportFileErasure], sharing: list[ImportRun]) -> PersonMarks:
    """Return the marks of every waiting person, for a file these runs share."""
    employers = {str(run.employer_id) for run in sharing}
    runs = {str(run.pk) for run in sharing}
    marks = PersonMarks()
    for job in jobs:
        marks |= PersonMarks(
            codes=frozenset(
                code for employer in employers for code in job.codes.get(employer, ())
            ),
            rows=frozenset(row for run in runs for row in job.rows.get(run, ())),
            digits=frozenset(job.digits),
            emails=frozenset(job.emails),
        )
    return marks


def _file_erase(stored: str, jobs: list[ImportFileErasure]) -> str:
    """Rewrite one stored file without the waiting people; say what happened.

    Returns "rewritten", "clean" (nothing of theirs in it, or it is gone) or
    "running" (an import is reading it: left for the next pass).
    """
    sharing = list(
        ImportRun.objects.select_for_update().filter(stored_file=stored).order_by("pk")
    )
    path = Path(settings.MEDIA_ROOT) / stored
    if not sharing or not path.is_file():
        return "clean"
    if any(run.status == ImportRun.Status.RUNNING for run in sharing):
        return "running"
    marks = _file_marks(jobs, sharing)
    # The file as the person's employer's import reads it, where one did.
    employers = {int(employer) for job in jobs for employer in job.codes}
    reader = next((r for r in sharing if r.employer_id in employers), sharing[0])
    profile = HrmProfile.objects.filter(employer_id=reader.employer_id).first()
    try:
        hrm = hrm_file_read(path, file_name=reader.file_name, profile=profile)
        redaction = hrm_file_redact(hrm, marks)
    except FileRefused:
        # No import can read it: if it holds the person it can only go.
        if not _raw_holds(path, marks):
            return "clean"
        ImportRun.objects.filter(pk__in=[r.pk for r in sharing]).update(
            stored_redacted_at=timezone.now()
        )
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
        return "rewritten"
    if redaction is None:
        return "clean"
    new = _store(redaction.content, suffix=path.suffix)
    ImportRun.objects.filter(pk__in=[r.pk for r in sharing]).update(
        stored_file=new, stored_redacted_at=timezone.now()
    )
    ImportHeldRow.objects.filter(run__in=sharing, row_number__in=redaction.rows).update(
        values={}, code=""
    )
    transaction.on_commit(lambda: _delete_if_unused(stored))
    return "rewritten"


def _raw_holds(path: Path, marks: PersonMarks) -> bool:
    """Return whether a file no import can read shows the person's marks as text."""
    texts: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            texts = [
                archive.read(info).decode("utf-8", "replace")
                for info in archive.infolist()
                if info.file_size < 256 * 1024 * 1024
            ]
    except (zipfile.BadZipFile, OSError, ValueError):
        data = path.read_bytes()
        for encoding in ("utf-8-sig", "utf-16", "cp1258"):
            try:
                texts = [data.decode(encoding)]
                break
            except UnicodeDecodeError:
                continue
    return any(marks.text_is_theirs(text) for text in texts)


def _store(content: bytes, *, suffix: str) -> str:
    """Store a file by its content hash as the import does; return its media path."""
    digest = hashlib.sha256(content).hexdigest()
    path = Path(settings.MEDIA_ROOT) / "imports" / digest[:2] / f"{digest}{suffix}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(content)
        partial.replace(path)
    return str(path.relative_to(settings.MEDIA_ROOT))


def _delete_if_unused(stored: str) -> None:
    """Delete an old copy once no run uses it (a run queued since may)."""
    if not ImportRun.objects.filter(stored_file=stored).exists():
        (Path(settings.MEDIA_ROOT) / stored).unlink(missing_ok=True)


def import_files_unreferenced_delete(*, now=None) -> int:
    """Delete stored HRM files no run refers to, older than a day; return how many.

    Such a file is left by a pass whose transaction rolled back after it
    wrote the rewritten copy, or by a process stopped between storing a file
    and recording its run: no later erasure would find it.
    """
    root = Path(settings.MEDIA_ROOT) / "imports"
    if not root.is_dir():
        return 0
    now = (now or timezone.now()).timestamp()
    used = set(ImportRun.objects.values_list("stored_file", flat=True))
    deleted = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if now - path.stat().st_mtime < UNREFERENCED_AFTER_SECONDS:
            continue
        if str(path.relative_to(settings.MEDIA_ROOT)) not in used:
            path.unlink(missing_ok=True)
            deleted += 1
    if deleted:
        logger.info("import files: %s no run refers to were deleted", deleted)
    return deleted
