"""Erasure reaches every copy: a database dump, media, logs and Redis hold no trace.

The person is brought in the way users do it (a dry run and a real HRM
import of a workbook, a later CSV, an officer's edit in the admin, a portal
account, notifications, a consultation), then erased as an officer handles
their erasure request. Everything the project keeps is then searched for the
person's name (as stored, decomposed, lower-cased, unaccented and as JSON
escapes it), employee code, CCCD, phone and e-mail: none may remain.
"""

import base64
import hashlib
import io
import json
import logging
import os
import subprocess
import time
import unicodedata
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from members.hrm import read_hrm_file
from members.logging import PersonalDataFilter
from members.models import (
    ConsultationRequest,
    DataRightsRequest,
    HrmDepartment,
    HrmProfile,
    ImportFileErasure,
    ImportHeldRow,
    ImportRun,
    Member,
)
from members.services.consultations import consultation_request
from members.services.data_rights import data_rights_request_submit
from members.services.erasure import erased_name, member_erase
from members.services.erasure_imports import (
    import_files_erase_pending,
    import_files_unreferenced_delete,
)
from members.services.hrm_import import import_run_confirm, import_run_execute
from members.services.hrm_review import held_row_fix
from members.services.notifications import notify
from members.text import fold
from tests.conftest import vi_text
from tests.members.factories import (
    make_account,
    make_member,
    make_union_tree,
    national_id_for,
)
from tests.members.hrm import conftest as hrm_files
from tests.members.hrm.builders import VN_HEADERS
from tests.members.test_imports_runs import hrm_row
from tests.members.test_register_admin import form_data

pytestmark = pytest.mark.django_db

make_csv = hrm_files.make_csv
make_xlsx = hrm_files.make_xlsx

NAME = "Lưu Thị Huyền Trâm"
CODE = "NV-7319"
DOB = date(1991, 7, 19)
CCCD = national_id_for(
    date_of_birth=DOB, gender="female", serial=731_919, province="079"
)
PHONE_IN_FILE = "0913 246 801"
PHONE = "0913246801"
EMAIL = "tram.luu.7319@example.vn"
# Another employee whose row in a later file carries the person's CCCD.
OTHER_CODE, OTHER_NAME = "NV-9001", "Quách Văn Tuấn"


def other_row(i: int, **overrides) -> list:
    """Return a valid row of employee ``i``, with a CCCD no tree member has."""
    gender = "male" if i % 2 else "female"
    dob = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
    cccd = national_id_for(date_of_birth=dob, gender=gender, serial=i, province="080")
    cells = {"Số CCCD": cccd, **overrides}
    return hrm_row(i, gender_value=gender, dob_value=dob, **cells)


def person_row(**overrides) -> list:
    values = dict(zip(VN_HEADERS, other_row(90), strict=True))
    values.update(
        {
            "STT": "90",
            "Mã NV": CODE,
            "Họ và tên": NAME,
            "Ngày sinh": f"{DOB:%d/%m/%Y}",
            "Giới tính": "Nữ",
            "Số CCCD": CCCD,
            "Điện thoại": PHONE_IN_FILE,
            "Email": EMAIL,
            "Mã đơn vị": "DV01",
        }
    )
    values.update(overrides)
    return [values[h] for h in VN_HEADERS]


def needles() -> dict[str, str]:
    """Every form the person's identifiers may be kept in, by a label."""
    return {
        "name": NAME,
        "name (NFD)": unicodedata.normalize("NFD", NAME),
        "name (lower case)": NAME.lower(),
        "name (unaccented)": fold(NAME),
        "name (JSON escapes)": json.dumps(NAME)[1:-1],
        "employee code": CODE,
        "CCCD": CCCD,
        "phone": PHONE,
        "phone (as in the file)": PHONE_IN_FILE,
        "phone (+84)": "+84" + PHONE[1:],
        "e-mail": EMAIL,
    }


def count(text: str) -> Counter:
    found = Counter()
    for label, needle in needles().items():
        found[label] = text.count(needle)
        if label.startswith("name") or label == "e-mail":
            # Case-insensitive forms too, once each place.
            found[label] = max(found[label], text.lower().count(needle.lower()))
    return found


def lines_with_needles(text: str) -> list[str]:
    """Return the lines where a needle is found, shortened: where a leak is."""
    found = []
    for line in text.splitlines():
        lowered = line.lower()
        if any(needle.lower() in lowered for needle in needles().values()):
            found.append(line[:300])
    return found


def database_dump() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        command = [
            "pg_dump",
            "-h",
            settings_dict["HOST"] or "127.0.0.1",
            "-p",
            str(settings_dict["PORT"] or 5432),
            "-U",
            settings_dict["USER"] or "postgres",
            settings_dict["NAME"],
        ]
        environment = {"PGPASSWORD": settings_dict["PASSWORD"] or ""}
        result = subprocess.run(
            command, capture_output=True, check=True, env=environment
        )
        return result.stdout.decode("utf-8")
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


def media_text() -> str:
    """Return the text of every file under MEDIA_ROOT, workbooks unzipped."""
    texts = []
    for path in sorted(Path(settings.MEDIA_ROOT).rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    texts.append(archive.read(name).decode("utf-8", "replace"))
            continue
        for encoding in ("utf-8-sig", "utf-16"):
            try:
                texts.append(data.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            texts.append(data.decode("latin-1"))
    return "\n".join(texts)


def redis_text() -> str:
    """Return every key and value of the Redis database the portal uses."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    parts = []
    for key in client.scan_iter(count=1000):
        parts.append(key)
        kind = client.type(key).decode()
        if kind == "string":
            parts.append(client.get(key) or b"")
        elif kind == "list":
            parts += client.lrange(key, 0, -1)
        elif kind == "hash":
            for field, value in client.hgetall(key).items():
                parts += [field, value]
        elif kind == "set":
            parts += list(client.smembers(key))
        elif kind == "zset":
            parts += client.zrange(key, 0, -1)
    texts = [part.decode("utf-8", "replace") for part in parts]
    return "\n".join(texts + [_message_body(text) for text in texts])


def _message_body(text: str) -> str:
    """Return a Celery message's body, which kombu keeps base64-encoded."""
    try:
        message = json.loads(text)
        return base64.b64decode(message["body"]).decode("utf-8", "replace")
    except (ValueError, TypeError, KeyError):
        return ""


@pytest.fixture
def console_log():
    """The stream the configured console handler writes to, every level down to DEBUG.

    SQL statements stay out (they carry every value by design, and are logged
    only with DEBUG on, never in production).
    """
    root = logging.getLogger()
    handler = next(
        handler
        for handler in root.handlers
        if any(isinstance(f, PersonalDataFilter) for f in handler.filters)
    )
    stream = io.StringIO()
    previous, level = handler.setStream(stream), root.level
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.setLevel(level)
        handler.setStream(previous)


@pytest.fixture
def tree(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = make_union_tree()
    HrmDepartment.objects.create(employer=tree.vnpt, code="DV01", unit=tree.vnpt_hn)
    HrmDepartment.objects.create(employer=tree.vnpt, code="DV02", unit=tree.vnpt_hcm)
    # The tree's own VNPT members are in no file: a file of changes flags nobody.
    HrmProfile.objects.create(employer=tree.vnpt, full_file=False)
    return tree


def others(path: Path, run: ImportRun) -> dict[str, dict]:
    """Return the clean values of every row of a stored file but the person's."""
    hrm = read_hrm_file(path, file_name=run.file_name)
    return {
        record.values.get("employee_code") or f"row {record.row_number}": {
            "row": record.row_number,
            "values": record.values,
            "raw": record.raw,
        }
        for record in hrm.records()
        if record.values.get("employee_code") != CODE
    }


@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_no_trace_in_the_database_media_logs_or_redis(
    tree, make_xlsx, make_csv, console_log, task_queue
):
    officer = tree.grassroots_officer
    rows = [
        VN_HEADERS,
        *(other_row(i) for i in range(1, 13)),
        person_row(),
        *(other_row(i) for i in range(13, 25)),
        other_row(25, **{"Số CCCD": "12345"}),  # held: a bad CCCD
    ]
    workbook = make_xlsx(rows, name="nhansu_vnpt_thang6.xlsx")
    # A preview of the same people in another file, never imported since: it
    # can still be confirmed after the erasure (a preview of the workbook could
    # not, once the workbook itself is imported).
    previewed = make_csv(rows, name="nhansu_vnpt_thang6.csv")
    call_command("import_hrm", str(previewed), employer="VNPT", dry_run=True)
    preview = ImportRun.objects.latest("pk")
    call_command("import_hrm", str(workbook), employer="VNPT")
    first = ImportRun.objects.latest("pk")
    # Another employee's row claims the person's CCCD: held, its reason naming
    # the person's employee code. One row, held: beyond the limits, confirmed.
    claim = make_xlsx(
        [
            VN_HEADERS,
            hrm_row(
                5,
                gender_value="female",
                dob_value=DOB,
                **{"Mã NV": OTHER_CODE, "Họ và tên": OTHER_NAME, "Số CCCD": CCCD},
            ),
        ],
        name="bo_sung_vnpt.xlsx",
    )
    call_command("import_hrm", str(claim), employer="VNPT", confirm=True)
    claimed = ImportRun.objects.latest("pk")
    changes = make_csv(
        [
            VN_HEADERS,
            person_row(**{"Chức danh": "Chuyên viên chính"}),
            other_row(26, **{"Điện thoại": "012345"}),  # held: a bad phone
        ],
        name="nhansu_vnpt_thang7.csv",
    )
    call_command("import_hrm", str(changes), employer="VNPT", confirm=True)
    second = ImportRun.objects.latest("pk")
    runs = (preview, first, claimed, second)
    assert [run.status for run in runs] == [ImportRun.Status.PREVIEWED] + [
        ImportRun.Status.DONE
    ] * 3
    member = Member.objects.get(employee_code=CODE)
    assert (member.full_name, member.national_id, member.email) == (NAME, CCCD, EMAIL)
    assert member.position == "Chuyên viên chính"
    (claim_held,) = ImportHeldRow.objects.filter(run=claimed)
    assert CODE in claim_held.reason
    others_before = {
        run.pk: others(Path(settings.MEDIA_ROOT) / run.stored_file, run)
        for run in (preview, first, claimed, second)
    }

    # An officer edits the member in the admin: Django's log keeps "Name (CODE)".
    client = Client()
    client.force_login(officer)
    url = reverse("admin:members_member_change", args=[member.pk])
    response = client.post(
        url, form_data(client.get(url), position="Trưởng nhóm kỹ thuật")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert NAME in client.get(reverse("admin:index")).content.decode()

    # The member's account, their notifications, a consultation, the request.
    user = make_account(Member.objects.get(pk=member.pk))
    notify(
        recipient=user,
        kind="care.birthday",
        dedupe_key=f"greeting:{member.pk}",
        title=f"Chúc mừng sinh nhật {NAME}",
        body=f"Công đoàn gửi lời chúc tới {NAME} ({CODE}), SĐT {PHONE}.",
    )
    notify(
        recipient=officer,
        kind="care.birthday",
        dedupe_key=f"birthday:{member.pk}",
        title=f"Sinh nhật ngày mai: {NAME}",
        body=f"Gọi {PHONE_IN_FILE} hoặc viết tới {EMAIL}.",
        link=url,
    )
    consultation_request(
        member=Member.objects.get(pk=member.pk),
        topic=ConsultationRequest.Topic.choices[0][0],
        subject="Hỏi về chế độ thai sản",
        mode=ConsultationRequest.Mode.choices[0][0],
        preferred_times="Chiều thứ Sáu",
        actor=user,
    )
    request = data_rights_request_submit(
        member=Member.objects.get(pk=member.pk),
        kind=DataRightsRequest.Kind.ERASURE,
        details=f"Tôi là {NAME}, mã {CODE}: xin xoá dữ liệu.",
        actor=user,
    )
    before = {
        "database dump": count(database_dump()),
        "media": count(media_text()),
        "logs": count(console_log.getvalue()),
    }
    if settings.REDIS_URL:
        before["redis"] = count(redis_text())
    assert sum(before["database dump"].values()) > 0  # the scan finds the person
    assert sum(before["media"].values()) > 0

    # The officer erases it as the request asks.
    response = client.post(
        reverse("admin:members_datarightsrequest_changelist"),
        {
            "action": "erase",
            "index": "0",
            ACTION_CHECKBOX_NAME: [str(request.pk)],
        },
        follow=True,
    )
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == DataRightsRequest.Status.DONE
    member.refresh_from_db()
    assert member.full_name == erased_name(member.pk)
    # What the erasure queued runs (the stored files are rewritten by a task).
    task_queue.work()

    texts = {
        "database dump": database_dump(),
        "media": media_text(),
        "logs": console_log.getvalue(),
    }
    after = {place: count(text) for place, text in texts.items()}
    # CI runs on Redis (tests/conftest.py refuses it otherwise).
    if settings.REDIS_URL:
        texts["redis"] = redis_text()
        after["redis"] = count(texts["redis"])
    report = "\n".join(
        f"{place}: {dict(before.get(place, {}))} -> {dict(found)}"
        for place, found in after.items()
    )
    print(report)  # noqa: T201 - the figures docs/privacy.md quotes
    leaks = {
        place: {label: n for label, n in found.items() if n}
        for place, found in after.items()
    }
    where = "\n".join(
        f"{place}: {line}"
        for place, text in texts.items()
        for line in lines_with_needles(text)
    )
    assert not any(leaks.values()), f"{report}\n{where}"
    assert "members.tasks.import_files_erase" in [
        message.task for message in task_queue.published
    ]
    # The admin home's "Recent actions" reads Django's log.
    assert NAME not in client.get(reverse("admin:index")).content.decode()

    # The stored files lost the person's rows and kept everyone else's.
    for run in (first, claimed, second):
        run.refresh_from_db()
        stored = Path(settings.MEDIA_ROOT) / run.stored_file
        assert stored.is_file()
        assert run.stored_redacted_at is not None
        kept = others(stored, run)
        expected = others_before[run.pk]
        if run == claimed:
            # The other employee's row lost only the person's CCCD.
            assert kept[OTHER_CODE]["values"]["full_name"] == OTHER_NAME
            assert kept[OTHER_CODE]["values"]["national_id"] is None
            del kept[OTHER_CODE], expected[OTHER_CODE]
        assert kept == expected
    preview.refresh_from_db()
    assert preview.stored_redacted_at is not None
    assert (
        others(Path(settings.MEDIA_ROOT) / preview.stored_file, preview)
        == (others_before[preview.pk])
    )
    assert (preview.file_sha256, preview.file_size) == (
        hashlib.sha256(previewed.read_bytes()).hexdigest(),
        previewed.stat().st_size,
    )  # the received file's, as the audit trail has them
    upper = Client()
    upper.force_login(tree.upper_officer)
    page = upper.get(reverse("admin:members_importrun_change", args=[first.pk]))
    assert vi_text("Stored copy") in page.content.decode()

    # Held rows of the rewritten file are still fixed in place.
    (held,) = [
        row
        for row in ImportHeldRow.objects.filter(run=second)
        if row.values["STT"] == "26"
    ]
    fixed = held_row_fix(
        row=held,
        values={**held.values, "Điện thoại": "0912 606 606"},
        user=tree.upper_officer,
    )
    assert fixed.phone == "0912606606"
    # And the preview, confirmed now, imports the others but not the person again.
    again = import_run_execute(
        run_id=import_run_confirm(run=preview, user=tree.upper_officer).pk
    )
    assert again.status == ImportRun.Status.DONE
    assert again.count_new == 0
    assert not Member.objects.filter(full_name=NAME).exists()
    assert again.count_unchanged == 24
    assert again.count_held == 1


def test_a_file_being_imported_loses_the_person_once_the_import_is_done(
    tree, make_csv, django_capture_on_commit_callbacks
):
    path = make_csv([VN_HEADERS, person_row(), other_row(1)], name="dang_chay.csv")
    call_command("import_hrm", str(path), employer="VNPT")
    run = ImportRun.objects.latest("pk")
    stored = (Path(settings.MEDIA_ROOT) / run.stored_file).read_bytes()
    member = Member.objects.get(employee_code=CODE)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)

    with django_capture_on_commit_callbacks() as queued:
        member_erase(member=member, actor=tree.grassroots_officer, reason="request")

    assert any("import_files_erase" in repr(callback) for callback in queued)
    assert Member.objects.get(pk=member.pk).full_name == erased_name(member.pk)
    assert import_files_erase_pending() == {"files": 0, "erasures": 0, "waiting": 1}
    run.refresh_from_db()
    assert (Path(settings.MEDIA_ROOT) / run.stored_file).read_bytes() == stored
    (waiting,) = ImportFileErasure.objects.all()
    # The person waits as keyed hashes only.
    assert CCCD not in json.dumps([waiting.codes, waiting.digits, waiting.emails])

    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_files_erase_pending() == {
            "files": 1,
            "erasures": 1,
            "waiting": 0,
        }

    run.refresh_from_db()
    text = (Path(settings.MEDIA_ROOT) / run.stored_file).read_text(encoding="utf-8-sig")
    assert NAME not in text
    assert "NV00001" in text
    assert not ImportFileErasure.objects.exists()
    assert (
        not (Path(settings.MEDIA_ROOT) / f"imports/{run.file_sha256[:2]}")
        .joinpath(f"{run.file_sha256}.csv")
        .exists()
    )


def test_a_namesakes_admin_history_keeps_the_name_the_persons_loses_it(tree):
    person = tree.own_member
    namesake = make_member(unit=tree.vnpt_hcm, full_name=person.full_name)
    kind = ContentType.objects.get_for_model(Member)
    entries = {
        who: LogEntry.objects.create(
            user=tree.upper_officer,
            content_type=kind,
            object_id=str(who.pk),
            object_repr=str(who),
            action_flag=CHANGE,
            # As Django writes it: the inline's record by name, \u-escaped.
            change_message=json.dumps(
                [
                    {"changed": {"fields": ["Position"]}},
                    {"added": {"name": "relative", "object": str(tree.own_relative)}},
                ]
            ),
        )
        for who in (person, namesake)
    }
    # Another record's history naming the person with their code.
    run_entry = LogEntry.objects.create(
        user=tree.upper_officer,
        content_type=ContentType.objects.get_for_model(ImportRun),
        object_id="1",
        object_repr="nhansu.xlsx",
        action_flag=CHANGE,
        change_message=(
            f"Row 5 fixed and imported: {person.employee_code} {person.full_name}."
        ),
    )

    member_erase(member=person, actor=None, reason="retention")

    for entry in [*entries.values(), run_entry]:
        entry.refresh_from_db()
    pseudonym = erased_name(person.pk)
    assert entries[person].object_repr == f"{pseudonym} (XOA-{person.pk})"
    assert entries[namesake].object_repr == str(namesake)
    added = json.loads(entries[person].change_message)[1]["added"]["object"]
    assert tree.own_relative.full_name not in added
    assert added.startswith(vi_text("Relative of %(name)s") % {"name": pseudonym})
    assert entries[namesake].change_message == json.dumps(
        [
            {"changed": {"fields": ["Position"]}},
            {"added": {"name": "relative", "object": str(tree.own_relative)}},
        ]
    )
    assert run_entry.change_message == (
        f"Row 5 fixed and imported: XOA-{person.pk} {pseudonym}."
    )


def test_files_no_run_uses_are_deleted_a_day_on(tree, make_csv):
    call_command(
        "import_hrm", str(make_csv([VN_HEADERS, other_row(1)])), employer="VNPT"
    )
    used = Path(settings.MEDIA_ROOT) / ImportRun.objects.latest("pk").stored_file
    folder = Path(settings.MEDIA_ROOT) / "imports" / "ab"
    folder.mkdir(parents=True)
    left, fresh = folder / "ab12.xlsx", folder / "ab34.csv.part"
    left.write_bytes(b"left by a rolled back erasure")
    fresh.write_bytes(b"being stored right now")
    day_ago = time.time() - 25 * 3600
    for path in (used, left):
        os.utime(path, (day_ago, day_ago))

    assert import_files_unreferenced_delete() == 1

    assert used.is_file()
    assert fresh.is_file()
    assert not left.exists()
