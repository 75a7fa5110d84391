"""HRM import (issue 4): parse-only, django-import-export's path and ours, timed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_hrm \\
        .venv/bin/python benchmarks/import_hrm.py --rows 82000

PostgreSQL only; the database's name must contain "bench" (its members of the
two benchmark employers are wiped). It is created if missing, then migrated.
Each measurement runs in its own subprocess, so its peak memory (ru_maxrss)
is its own. django-import-export runs on a sample (--sample rows) and is
scaled to the full size.
"""

import argparse
import json
import os
import platform
import random
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
HEADERS = [
    "STT", "Mã NV", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD",
    "Điện thoại", "Email", "Mã đơn vị", "Tên đơn vị", "Chức danh",
    "Ngày vào công ty", "Trạng thái",
]  # fmt: skip
OURS, BASELINE = "BENCH-HRM", "BENCH-IE"
DEPARTMENTS = 50


def _cccd(dob: date, female: bool, serial: int) -> str:
    digit = 2 * ((dob.year - 1900) // 100) + (1 if female else 0)
    return f"001{digit}{dob.year % 100:02d}{serial % 1_000_000:06d}"


def generate(path: Path, rows: int, *, changed_share: float = 0.0, seed=2024):
    """Write an HRM-shaped workbook (write-only openpyxl); a share of rows changed."""
    import openpyxl
    from faker import Faker

    fake = Faker("vi_VN")
    Faker.seed(seed)
    rng = random.Random(seed)
    family = [fake.last_name() for _ in range(60)]
    middle = [fake.middle_name() for _ in range(60)]
    given = [fake.first_name() for _ in range(200)]
    # Its own generator: the rows must be the same in both workbooks.
    pick = random.Random(seed + 1)
    changed = set(pick.sample(range(rows), int(rows * changed_share)))
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhân sự")
    sheet.append(["TẬP ĐOÀN BENCH"])
    sheet.append(["DANH SÁCH NHÂN SỰ"])
    sheet.append([])
    sheet.append(HEADERS)
    for i in range(rows):
        female = rng.random() < 0.5
        dob = date(1965, 1, 1) + timedelta(days=rng.randrange(14_000))
        department = i % DEPARTMENTS
        name = f"{rng.choice(family)} {rng.choice(middle)} {rng.choice(given)}"
        position = "Chuyên viên" if i not in changed else "Chuyên viên chính"
        sheet.append(
            [
                i + 1,
                f"{i + 1:07d}",
                name,
                datetime(dob.year, dob.month, dob.day),  # noqa: DTZ001 (a naive Excel date)
                "Nữ" if female else "Nam",
                _cccd(dob, female, i + 1),
                f"09{(i + 1) % 100_000_000:08d}",
                f"nv{i + 1}@bench.vn",
                f"PB{department:02d}",
                f"Phòng {department}",
                position,
                f"{1 + i % 28:02d}/{1 + i % 12:02d}/2015",
                "Đang làm việc",
            ]
        )
    workbook.save(path)


# Measurements, each in its own process -----------------------------------


def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionportal.settings")
    import django

    django.setup()


def _employer(code: str):
    from members.models import HrmDepartment, Unit
    from members.services import unit_create

    sector = Unit.objects.filter(code="BENCH").first() or unit_create(
        code="BENCH", name="Bench sector", level=Unit.Level.SECTOR
    )
    employer = Unit.objects.filter(code=code).first()
    if employer is None:
        employer = unit_create(
            code=code,
            name=code,
            level=Unit.Level.UPPER,
            parent=sector,
            is_employer=True,
        )
        for d in range(DEPARTMENTS):
            unit = unit_create(
                code=f"{code}-{d:02d}",
                name=f"CĐCS {code} {d}",
                level=Unit.Level.GRASSROOTS,
                parent=Unit.objects.get(pk=employer.pk),
            )
            HrmDepartment.objects.create(
                employer=employer, code=f"PB{d:02d}", unit=unit
            )
    return Unit.objects.get(pk=employer.pk)


def _wipe(code: str) -> None:
    from members.models import Member, Transfer

    Transfer.objects.filter(member__employer__code=code).delete()
    Member.objects.filter(employer__code=code).delete()


def measure_parse(path: Path, rows: int) -> dict:
    from members.hrm import read_hrm_file

    hrm = read_hrm_file(path, max_bytes=10**9)
    count = sum(1 for _ in hrm.records())
    return {"rows": count}


def measure_floor(path: Path, rows: int) -> dict:
    """Parse, then COPY the clean rows into the register: no plan, no checks.

    The least any import of this file can take on this schema (its indexes
    included): a lower bound to read the first import against, not a path a
    product could take (no duplicates, transfers, hashes, history or resume).
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from members.hrm import read_hrm_file
    from members.models import HrmDepartment, Member
    from members.text import fold

    employer = _employer(OURS)
    units = dict(
        HrmDepartment.objects.filter(employer=employer).values_list("code", "unit_id")
    )
    now = timezone.now()
    columns = ["employer_id", "employee_code", "unit_id", "national_id"]
    columns += ["full_name", "full_name_folded", "date_of_birth", "gender", "phone"]
    columns += ["email", "position", "hired_on", "department_code", "status"]
    columns += ["created_at", "updated_at", "hrm_hash", "employment_status"]
    columns += ["card_number"]
    table = Member._meta.db_table
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for record in read_hrm_file(path, max_bytes=10**9).records():
                v = record.values
                copy.write_row(
                    (
                        employer.pk, v["employee_code"], units[v["department_code"]],
                        v["national_id"], v["full_name"], fold(v["full_name"]),
                        v["date_of_birth"], v["gender"], v["phone"], v["email"],
                        v["position"], v["hire_date"], v["department_code"], "active",
                        now, now, "", "", "",
                    )
                )  # fmt: skip
    return {"rows": rows, "copy_s": time.perf_counter() - started}


def measure_baseline(path: Path, rows: int) -> dict:
    """django-import-export's straightforward path, on the first ``rows`` rows."""
    import tablib
    from import_export import fields, resources, widgets

    from members.hrm import read_hrm_file
    from members.models import HrmDepartment, Member

    employer = _employer(BASELINE)
    _wipe(BASELINE)  # OURS was wiped by the "wipe" step: the CCCDs are shared
    units = dict(
        HrmDepartment.objects.filter(employer=employer).values_list("code", "unit_id")
    )
    names = ["employer", "unit", "employee_code", "full_name", "date_of_birth"]
    names += ["gender", "national_id", "phone", "email", "position", "hired_on"]
    data = tablib.Dataset(headers=names)
    for n, record in enumerate(read_hrm_file(path, max_bytes=10**9).records()):
        if n >= rows:
            break
        v = record.values
        data.append(
            [
                employer.pk, units[v["department_code"]], v["employee_code"],
                v["full_name"], v["date_of_birth"], v["gender"], v["national_id"],
                v["phone"], v["email"], v["position"], v["hire_date"],
            ]
        )  # fmt: skip

    unit_model = employer.__class__

    class MemberResource(resources.ModelResource):
        employer = fields.Field(
            attribute="employer", column_name="employer",
            widget=widgets.ForeignKeyWidget(unit_model),
        )  # fmt: skip
        unit = fields.Field(
            attribute="unit", column_name="unit",
            widget=widgets.ForeignKeyWidget(unit_model),
        )  # fmt: skip

        class Meta:
            model = Member
            fields = tuple(names)
            import_id_fields = ("employer", "employee_code")

    started = time.perf_counter()
    result = MemberResource().import_data(data, dry_run=False, raise_errors=True)
    first = time.perf_counter() - started
    started = time.perf_counter()
    MemberResource().import_data(data, dry_run=False, raise_errors=True)
    again = time.perf_counter() - started
    _wipe(BASELINE)
    return {"rows": len(data), "first_s": first, "reimport_s": again,
            "totals": dict(result.totals)}  # fmt: skip


def measure_ours(path: Path, rows: int) -> dict:
    from members.models import ImportRun
    from members.services.hrm_import import import_run_create, import_run_execute

    employer = _employer(OURS)
    run = import_run_create(
        employer=employer,
        source=ImportRun.Source.COMMAND,
        file_name=path.name,
        content=path.read_bytes(),
        confirmed=True,
    )
    run = import_run_execute(run_id=run.pk)
    return {
        "status": run.status,
        "new": run.count_new,
        "updated": run.count_updated,
        "unchanged": run.count_unchanged,
        "held": run.count_held,
    }


def child(args) -> None:
    _setup_django()
    path = Path(args.path)
    if args.measure == "wipe":
        # In a process of its own: deleting 82,000 members through the ORM
        # holds them all, and would count in the next measurement's peak.
        _employer(OURS)
        _wipe(OURS)
        print("RESULT {}")
        return
    started = time.perf_counter()
    if args.measure == "parse":
        out = measure_parse(path, args.rows)
    elif args.measure == "baseline":
        out = measure_baseline(path, args.rows)
    elif args.measure == "floor":
        out = measure_floor(path, args.rows)
    else:
        out = measure_ours(path, args.rows)
    out["wall_s"] = time.perf_counter() - started
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out, default=str))


def run_child(measure: str, path: Path, rows: int) -> dict:
    command = [sys.executable, __file__, "--child", measure, str(path)]
    command += ["--rows", str(rows)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    sys.exit(f"{measure} failed:\n{done.stdout}\n{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=82_000)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, metavar=("MEASURE", "PATH"))
    args = parser.parse_args()
    if args.child:
        args.measure, args.path = args.child
        return child(args)

    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres") or "bench" not in parsed.path:
        sys.exit("PostgreSQL only, in a database named *bench*:\n  " + __doc__)
    _setup_django()
    import environ
    from django.core.management import call_command

    from benchmarks.databases import database_create

    database_create(environ.Env.db_url_config(url))

    call_command("migrate", verbosity=0, interactive=False)
    _employer(OURS)
    _employer(BASELINE)

    folder = Path(tempfile.mkdtemp(prefix="hrm-bench-"))
    workbook, changed = folder / "hrm.xlsx", folder / "hrm_changed.xlsx"
    started = time.perf_counter()
    generate(workbook, args.rows)
    generate(changed, args.rows, changed_share=0.05)
    print(f"Generated 2 workbooks of {args.rows:,} rows in "
          f"{time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip

    parse = run_child("parse", workbook, args.rows)
    run_child("wipe", workbook, args.rows)
    base = run_child("baseline", workbook, args.sample)
    scale = args.rows / base["rows"]
    floor = run_child("floor", workbook, args.rows)
    run_child("wipe", workbook, args.rows)  # the first import starts from none
    first = run_child("first", workbook, args.rows)
    unchanged = run_child("unchanged", workbook, args.rows)
    five = run_child("changed", changed, args.rows)

    base_first = base["first_s"] * scale
    base_again = base["reimport_s"] * scale
    lines = [
        "| measurement | wall (s) | x parse-only | baseline ÷ ours | peak MB |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| parse only (read_hrm_file + records) | {parse['wall_s']:.1f} | 1.00 | "
        f"| {parse['peak_mb']:.0f} |",
        f"| django-import-export first import, {base['rows']:,} rows x{scale:.1f} "
        f"| {base_first:.1f} | {base_first / parse['wall_s']:.2f} | 1.0 "
        f"| {base['peak_mb']:.0f} (sample) |",
        f"| django-import-export re-import, scaled | {base_again:.1f} "
        f"| {base_again / parse['wall_s']:.2f} | 1.0 | |",
        f"| floor: parse, then COPY the clean rows (no checks, no history) "
        f"| {floor['copy_s']:.1f} | {floor['copy_s'] / parse['wall_s']:.2f} | "
        f"| {floor['peak_mb']:.0f} |",
    ]
    for label, m, against in (
        ("ours: first import", first, base_first),
        ("ours: unchanged re-import", unchanged, base_again),
        ("ours: re-import, 5% changed", five, base_again),
    ):
        lines.append(
            f"| {label} ({m['new']:,} new, {m['updated']:,} updated, "
            f"{m['unchanged']:,} unchanged) | {m['wall_s']:.1f} "
            f"| {m['wall_s'] / parse['wall_s']:.2f} | {against / m['wall_s']:.1f} "
            f"| {m['peak_mb']:.0f} |"
        )
    print("\n".join(lines))
    print()
    print(f"Machine: {platform.platform()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs; {args.rows:,} rows, workbook "
          f"{workbook.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    print("Command: DATABASE_URL=… " + shlex.join([sys.executable, *sys.argv]))


if __name__ == "__main__":
    main()
