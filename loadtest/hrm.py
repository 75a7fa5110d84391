"""HRM files for the load test, made from the register, and the import they start.

``loadtest/run.py`` calls it (DATABASE_URL and the rest as for the portal)::

    python loadtest/hrm.py files --out var/loadtest/hrm
    python loadtest/hrm.py uploader canbo.vnpt@congdoan.local
    python loadtest/hrm.py queue var/loadtest/hrm/VNPT.xlsx ...
    python loadtest/hrm.py report --since 2026-12-06T19:00:00+00:00 VNPT.xlsx ...

``files`` writes one workbook an employer holding members, with every one of
its members as the register has them (so importing it changes little: at
most a refreshed fingerprint a member), and ``index.json`` (employer id:
code, file, rows) for the staff who upload one. The headers are the ones the
reader documents (``hrm_sample_headers``), the words for gender and status
its own first aliases.

``uploader EMAIL`` gives that account the permission to upload HRM files, as
an administrator does in the admin (the demo gives it to no staff role).

``queue FILES`` starts the imports the way scheduled imports start in
production: each file is put in ``IMPORT_DROP_DIR/<employer code>/`` (the
employer is the one whose members the file's first rows are) and the
``import_drop_dir_scan`` task is sent to the "imports" queue, which queues a
run a file there. ``report`` prints those runs (JSON): status, times, rows.
"""

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionportal.settings")
    import django

    django.setup()


def _row(member: dict, departments: dict[str, str]) -> list:
    """A member's row, in the reader's field order (hrm_sample_headers')."""
    from members.hrm.headers import FIELDS
    from members.hrm.values import GENDER_ALIASES, STATUS_ALIASES

    def day(value) -> str:
        return f"{value:%d/%m/%Y}" if value else ""

    def word(aliases: dict, value: str) -> str:
        return aliases[value][0] if value in aliases else ""

    values = {
        "employee_code": member["employee_code"],
        "full_name": member["full_name"],
        "date_of_birth": day(member["date_of_birth"]),
        "gender": word(GENDER_ALIASES, member["gender"]),
        "national_id": member["national_id"] or "",
        "phone": member["phone"],
        "email": member["email"],
        "department_code": member["department_code"],
        "department_name": departments.get(member["department_code"], ""),
        "position": member["position"],
        "hire_date": day(member["hired_on"]),
        "employment_status": word(STATUS_ALIASES, member["employment_status"]),
    }
    return [values[name] for name in FIELDS]


COLUMNS = (
    "employee_code",
    "full_name",
    "date_of_birth",
    "gender",
    "national_id",
    "phone",
    "email",
    "department_code",
    "position",
    "hired_on",
    "employment_status",
)


def files(out: Path) -> dict:
    """Write a workbook an employer with members; return the index written."""
    from openpyxl import Workbook

    from members.hrm.sample import hrm_sample_headers
    from members.models import HrmDepartment, Member, Unit
    from members.resources import cell_escape, sheet_title

    headers = hrm_sample_headers()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    index = {}
    employers = Unit.objects.filter(
        is_employer=True, employees__isnull=False
    ).distinct()
    for employer in employers.order_by("code"):
        departments = dict(
            HrmDepartment.objects.filter(employer=employer).values_list("code", "name")
        )
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=sheet_title("Nhân sự"))
        sheet.append(headers)
        rows = 0
        members = (
            Member.objects.filter(employer=employer)
            .order_by("pk")
            .values(*COLUMNS)
            .iterator(chunk_size=5000)
        )
        for member in members:
            sheet.append([cell_escape(value) for value in _row(member, departments)])
            rows += 1
        name = f"{employer.code}.xlsx"
        book.save(out / name)
        index[str(employer.pk)] = {"code": employer.code, "file": name, "rows": rows}
    (out / "index.json").write_text(
        json.dumps({"employers": index}, ensure_ascii=False), encoding="utf-8"
    )
    return index


def uploader(email: str) -> None:
    """Let the account upload HRM files and follow their runs."""
    from django.contrib.auth.models import Permission

    from members.models import User

    user = User.objects.get(email=email)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="members",
            codename__in=["add_importrun", "view_importrun"],
        )
    )


def _employer_of(path: Path):
    """The employer whose members the file's first rows are.

    A workbook ``files`` made is found in its index; any other file is read.
    """
    from members.hrm import read_hrm_file
    from members.models import Member, Unit

    index = path.parent / "index.json"
    if index.exists():
        made = json.loads(index.read_text(encoding="utf-8"))["employers"]
        for pk, entry in made.items():
            if entry["file"] == path.name:
                return Unit.objects.get(pk=pk)
    codes = []
    for record in read_hrm_file(path, max_bytes=10**9).records():
        if record.values.get("employee_code"):
            codes.append(record.values["employee_code"])
        if len(codes) >= 50:
            break
    found = Counter(
        Member.objects.filter(employee_code__in=codes).values_list(
            "employer_id", flat=True
        )
    )
    if not found:
        raise SystemExit(f"{path}: no member of the register is in its first rows")
    return Unit.objects.get(pk=found.most_common(1)[0][0])


def queue(paths: list[Path]) -> dict:
    """Drop the files for their employers and send the scan task to "imports"."""
    from django.conf import settings

    from members.queue import task_get

    since = datetime.now(UTC)
    names = []
    for path in paths:
        employer = _employer_of(path)
        folder = Path(settings.IMPORT_DROP_DIR) / employer.code
        folder.mkdir(parents=True, exist_ok=True)
        # Copied under a hidden name (the scan skips those), then renamed: the
        # scan never sees half a file. Its time is set a few minutes back, as
        # for a file an HRM system left there earlier, so that this scan takes
        # it rather than waiting a minute for writes to settle.
        partial = folder / f".{path.name}.part"
        shutil.copyfile(path, partial)
        earlier = time.time() - 300
        os.utime(partial, (earlier, earlier))
        partial.replace(folder / path.name)
        names.append(path.name)
    task_get("import_drop_dir_scan").delay()
    return {"since": since.isoformat(), "files": names}


def report(since: str, names: list[str]) -> list[dict]:
    """The runs the scan queued for those files since then, oldest first."""
    from members.models import ImportRun

    runs = ImportRun.objects.filter(
        source=ImportRun.Source.SCHEDULE,
        file_name__in=names,
        created_at__gte=datetime.fromisoformat(since),
    ).select_related("employer")

    def moment(value):
        return value.isoformat() if value else None

    return [
        {
            "employer": run.employer.code,
            "file": run.file_name,
            "status": run.status,
            "created_at": moment(run.created_at),
            "started_at": moment(run.started_at),
            "finished_at": moment(run.finished_at),
            "duration_ms": run.duration_ms,
            "total_rows": run.total_rows,
            "rows_done": run.rows_done,
            "new": run.count_new,
            "updated": run.count_updated,
            "unchanged": run.count_unchanged,
            "held": run.count_held,
            "absent": run.count_absent,
            "transfers": run.count_transfers,
            "message": run.message,
        }
        for run in runs.order_by("created_at")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("files")
    made.add_argument("--out", type=Path, required=True)
    account = commands.add_parser("uploader")
    account.add_argument("email")
    dropped = commands.add_parser("queue")
    dropped.add_argument("paths", nargs="+", type=Path)
    runs = commands.add_parser("report")
    runs.add_argument("--since", required=True)
    runs.add_argument("names", nargs="+")
    args = parser.parse_args()
    _django()
    if args.command == "files":
        started = time.monotonic()
        index = files(args.out)
        rows = sum(entry["rows"] for entry in index.values())
        print(
            f"HRM workbooks: {len(index)} employers, {rows} rows, "
            f"{time.monotonic() - started:.1f} s, in {args.out}"
        )
    elif args.command == "uploader":
        uploader(args.email)
    elif args.command == "queue":
        print(json.dumps(queue(args.paths)))
    else:
        print(json.dumps(report(args.since, args.names)))


if __name__ == "__main__":
    main()
