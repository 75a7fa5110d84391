"""Uploads that attack the reader: a zip bomb through the admin, XML entities, types.

Memory is measured as the process's peak resident size (VmHWM, reset through
/proc/self/clear_refs where the kernel allows it), not with tracemalloc, so
that allocations of the native readers count too. Times are printed, never
asserted.
"""

import html
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from members.forms.imports import ImportUploadForm
from members.hrm import FileRefused, read_hrm_file
from members.hrm.files import MAX_COMPRESSION_RATIO, MAX_UNPACKED_BYTES
from members.models import ImportRun
from members.services.hrm_import import import_run_execute
from tests.members.factories import make_union_tree
from tests.members.hrm.builders import (
    CONTENT_TYPES,
    HEADER_ROW,
    PACKAGE_RELS,
    SHEET,
    WORKBOOK,
    WORKBOOK_RELS,
    crafted_xlsx,
    inline_cell,
    random_text,
    repeated_xlsx,
    zeros_workbook,
)
from tests.members.hrm.test_files import BILLION_LAUGHS, EXTERNAL_ENTITY, _laughs

MB = 1024 * 1024
# A reader that inflated any part of the bomb would grow by hundreds of MB.
MEMORY_GROWTH_LIMIT = 48 * MB
SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
ROWS = "<si><t>Mã NV</t></si><si><t>Họ và tên</t></si><si><t>NV01</t></si>"


class PeakMemory:
    """The growth of the process's resident memory over a block, at its peak."""

    def __init__(self) -> None:
        self.growth = 0
        self.seconds = 0.0

    @staticmethod
    def _status(field: str) -> int:
        text = Path("/proc/self/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", text).group(1)) * 1024

    def __enter__(self):
        self.peak_reset = True
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:  # an older kernel: the lifetime peak, a weaker bound
            self.peak_reset = False
        self.before = self._status("VmRSS")
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.monotonic() - self.started
        self.growth = self._status("VmHWM") - self.before


def _local(name: bytes, method: int, crc: int, size: int, packed: int) -> bytes:
    return struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, packed, size, len(name), 0
    )


def _central(name, method, crc, size, packed, offset) -> bytes:
    return struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        method,
        0,
        0,
        crc,
        packed,
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        offset,
    )


def zip_bomb(path: Path, *, megabytes: int) -> Path:
    """Write a workbook-shaped zip whose sheet inflates to ``megabytes`` of zeros.

    Built from one deflated megabyte repeated (each ends with a full flush,
    so the blocks chain), in a few MB of disk and memory and well under a
    second, instead of deflating the gigabytes.
    """
    chunk = b"\0" * MB
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _megabyte in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    sheet = block * megabytes + deflate.flush(zlib.Z_FINISH)
    parts = [
        (b"[Content_Types].xml", 0, b"<Types/>"),
        (b"xl/workbook.xml", 0, b"<workbook/>"),
    ]
    body, directory = b"", b""
    for name, _method, data in parts:
        crc_part = zlib.crc32(data)
        directory += _central(name, 0, crc_part, len(data), len(data), len(body))
        directory += name
        body += _local(name, 0, crc_part, len(data), len(data)) + name + data
    name = b"xl/worksheets/sheet1.xml"
    size = megabytes * MB
    directory += _central(name, 8, crc, size, len(sheet), len(body)) + name
    body += _local(name, 8, crc, size, len(sheet)) + name + sheet
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 3, 3, len(directory), len(body), 0)
    path.write_bytes(body + directory + end)
    return path


def test_the_bomb_builder_makes_a_real_bomb(tmp_path):
    """The zip is valid: its sheet really inflates to zeros (checked on 8 MB)."""
    import zipfile

    path = zip_bomb(tmp_path / "nho.xlsx", megabytes=8)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        with archive.open("xl/worksheets/sheet1.xml") as part:
            assert part.read(MB) == b"\0" * MB


@pytest.mark.django_db
def test_a_zip_bomb_upload_is_refused_without_growing_memory(client, tmp_path):
    tree = make_union_tree()
    megabytes = MAX_UNPACKED_BYTES // MB * 3 // 2  # half again over the limit
    path = zip_bomb(tmp_path / "nhansu.xlsx", megabytes=megabytes)
    assert path.stat().st_size < 2 * MB
    client.force_login(tree.upper_officer)
    content = path.read_bytes()

    with PeakMemory() as memory:
        response = client.post(
            reverse("admin:members_importrun_upload"),
            {
                "employer": tree.vnpt.pk,
                "file": SimpleUploadedFile("nhansu.xlsx", content),
            },
        )

    assert response.status_code == 200
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REFUSED
    with pytest.raises(FileRefused) as refused, translation.override("vi"):
        read_hrm_file(path)
    assert refused.value.code == "zip_bomb"
    with translation.override("vi"):
        assert run.message == str(refused.value)
    assert run.message in response.content.decode()
    assert memory.growth < MEMORY_GROWTH_LIMIT


def test_a_zip_bomb_file_is_refused_by_the_reader_without_growing_memory(tmp_path):
    path = zip_bomb(tmp_path / "nhansu.xlsx", megabytes=MAX_UNPACKED_BYTES // MB + 64)

    with PeakMemory() as memory, pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "zip_bomb"
    assert memory.growth < MEMORY_GROWTH_LIMIT


# A sheet under every zip limit that takes gigabytes to read (issue #14 item 4) --

ROOT = Path(__file__).resolve().parents[3]
# What the process reading a file may reach, at its peak, whatever the file.
READ_PEAK_LIMIT_MIB = 300
# The child's address space: code that ignored the limits fails here, rather
# than taking the shared machine's memory.
CHILD_ADDRESS_SPACE = 4 * 1024 * MB
READ_IN_A_CHILD = textwrap.dedent(
    """
    import json, re, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    import django
    django.setup()
    from members.hrm import FileRefused, read_hrm_file
    outcome = {{}}
    try:
        hrm = read_hrm_file(sys.argv[1])
        outcome["rows"] = sum(1 for _record in hrm.records())
    except FileRefused as refusal:
        outcome["refused"] = refusal.code
    status = open("/proc/self/status").read()
    outcome["peak_mib"] = int(re.search(r"VmHWM:\\s+(\\d+) kB", status)[1]) / 1024
    print(json.dumps(outcome))
    """
).format(limit=CHILD_ADDRESS_SPACE)


def read_in_a_child(path: Path) -> dict:
    """Read a file as the worker does, in a Python of its own: outcome and peak RSS.

    The child's peak resident size (VmHWM) counts Django and the readers as a
    worker process holds them, and nothing of the test process: its ru_maxrss
    would start from the test process's own peak, inherited through exec.
    """
    done = subprocess.run(
        [sys.executable, "-c", READ_IN_A_CHILD, str(path)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "unionportal.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _issue_workbook(tmp_path: Path, zeros: int = 10**9) -> Path:
    return zeros_workbook(tmp_path / "nhansu.xlsx", zeros=zeros)


def _employee_row(number: int, cells: bytes = b"") -> bytes:
    return (
        f'<row r="{number}">'.encode()
        + inline_cell(f"A{number}", f"NV{number:05d}")
        + inline_cell(f"B{number}", "An")
        + cells
        + b"</row>"
    )


def _far_apart(tmp_path: Path, rows: int = 1_048_576) -> Path:
    """Two employees, the second in the last column of row ``rows``: a rectangle."""
    far = _employee_row(rows, inline_cell(f"XFD{rows}", "x"))
    sheet = [(HEADER_ROW, 1), (_employee_row(2), 1), (far, 1)]
    return repeated_xlsx(tmp_path / "xa.xlsx", sheet=sheet)


def _one_string_everywhere(tmp_path: Path, cells: int) -> Path:
    """A shared string of 30,000 characters, used once a row in ``cells`` rows."""
    shared = [(b"<si><t>" + b"x" * 30_000 + b"</t></si>", 1)]
    rows = [
        _employee_row(number, f'<c r="C{number}" t="s"><v>0</v></c>'.encode())
        for number in range(2, cells + 2)
    ]
    # Random text between the rows keeps the sheet under 200:1.
    sheet = [(HEADER_ROW, 1), (b"".join(rows), 1)]
    sheet.append((b"<!--" + random_text(cells * 10) + b"-->", 1))
    return repeated_xlsx(tmp_path / "chuoi.xlsx", sheet=sheet, shared_strings=shared)


def _commas(tmp_path: Path) -> Path:
    """A CSV whose second line is 49 MB of commas: 49 million empty cells."""
    path = tmp_path / "dau-phay.csv"
    with path.open("wb") as handle:
        handle.write("Mã NV,Họ và tên\nNV01,An".encode())
        for _megabyte in range(49):
            handle.write(b"," * MB)
        handle.write(b"\n")
    return path


def test_the_issues_workbook_passes_every_zip_limit(tmp_path):
    """It is the file of the issue: random text and 10^9 "0"s, in a few MB."""
    path = _issue_workbook(tmp_path)

    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
        unpacked = sum(info.file_size for info in archive.infolist())
    assert path.stat().st_size < 8 * MB
    assert sheet.file_size > 10**9
    assert unpacked < MAX_UNPACKED_BYTES
    assert sheet.file_size < MAX_COMPRESSION_RATIO * sheet.compress_size


@pytest.mark.django_db
def test_the_issues_upload_is_refused_in_the_request_without_growing_memory(
    client, tmp_path
):
    tree = make_union_tree()
    path = _issue_workbook(tmp_path)
    client.force_login(tree.upper_officer)
    content = path.read_bytes()

    with PeakMemory() as memory:
        response = client.post(
            reverse("admin:members_importrun_upload"),
            {
                "employer": tree.vnpt.pk,
                "file": SimpleUploadedFile("nhansu.xlsx", content),
            },
        )

    # Refused from the sizes its zip directory declares: nothing is inflated.
    assert memory.growth < MEMORY_GROWTH_LIMIT
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REFUSED
    assert response.status_code == 200
    assert "xl/worksheets/sheet1.xml" in run.message
    assert "hoặc chia tệp theo đơn vị" in run.message
    assert html.escape(run.message) in response.content.decode()


@pytest.mark.django_db
def test_a_sheet_under_the_size_limits_is_read_by_the_worker_alone(
    client, tmp_path, monkeypatch
):
    """10^8 "0"s pass the request's checks; the worker streams the sheet, refuses it."""
    queued = []
    monkeypatch.setattr(
        "members.tasks.import_run_execute.delay_on_commit",
        lambda *, run_id: queued.append(run_id),
    )
    tree = make_union_tree()
    content = _issue_workbook(tmp_path, zeros=10**8).read_bytes()
    client.force_login(tree.upper_officer)

    with PeakMemory() as request_memory:
        response = client.post(
            reverse("admin:members_importrun_upload"),
            {
                "employer": tree.vnpt.pk,
                "file": SimpleUploadedFile("nhansu.xlsx", content),
            },
        )

    run = ImportRun.objects.get()
    run_page = reverse("admin:members_importrun_change", args=[run.pk])
    assert response.status_code == 302
    assert response["Location"] == run_page
    assert (run.status, run.dry_run, queued) == (
        ImportRun.Status.QUEUED,
        True,
        [run.pk],
    )
    assert request_memory.growth < MEMORY_GROWTH_LIMIT

    with PeakMemory() as worker_memory:
        import_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.REFUSED
    assert worker_memory.growth < MEMORY_GROWTH_LIMIT
    # The reason, in Vietnamese, on the run page the upload led to.
    assert "32.767 ký tự" in run.message
    assert html.escape(run.message) in client.get(run_page).content.decode()


@pytest.mark.parametrize(
    ("build", "outcome"),
    [
        (_issue_workbook, {"refused": "sheet_too_large"}),
        (lambda tmp_path: _issue_workbook(tmp_path, 10**8),
         {"refused": "cell_too_long"}),
        (_far_apart, {"refused": "too_large_to_read"}),
        (lambda tmp_path: _one_string_everywhere(tmp_path, 20_000),
         {"refused": "too_large_to_read"}),
        (_commas, {"refused": "csv_line_too_long"}),
        # Just under what one read may hold: read whole.
        (lambda tmp_path: _far_apart(tmp_path, 280), {"rows": 2}),
        (lambda tmp_path: _one_string_everywhere(tmp_path, 4_800), {"rows": 4_800}),
    ],
    ids=[
        "the-issues-workbook",
        "a-cell-of-10^8-characters",
        "two-cells-far-apart",
        "one-long-string-in-every-row",
        "a-line-of-49-million-commas",
        "a-rectangle-under-the-budget",
        "copies-of-a-string-under-the-budget",
    ],
)  # fmt: skip
def test_any_file_is_refused_or_read_under_300_mb(tmp_path, build, outcome):
    path = build(tmp_path)

    read = read_in_a_child(path)

    assert {key: read[key] for key in outcome} == outcome
    assert read["peak_mib"] < READ_PEAK_LIMIT_MIB, read


def test_the_worker_reads_uploads_in_the_imports_queue_the_procfile_takes():
    from unionportal.celery import app

    route = app.amqp.router.route({}, "members.tasks.import_run_execute")
    worker = next(
        line
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("worker:")
    )

    assert route["queue"].name == "imports"
    # A worker told no --queues takes every declared queue, imports included.
    assert "--queues" not in worker
    assert " -Q " not in worker
    assert "imports" in {queue.name for queue in app.conf.task_queues}


# XML entities: python-calamine expands none -----------------------------------


def _sheet_with_inline_entity() -> str:
    dtd = '<!DOCTYPE worksheet [\n <!ENTITY lol "lol">\n'
    dtd += "".join(_laughs(level) for level in range(1, 10)) + "]>\n"
    sheet = SHEET.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n' + dtd,
    )
    return sheet.replace(
        '<c r="B2" t="s"><v>3</v></c>',
        '<c r="B2" t="inlineStr"><is><t>&lol9;</t></is></c>',
    )


def _workbook(path: Path, *, shared_strings: str, sheet: str) -> Path:
    """Write a minimal workbook with the given shared strings and sheet XML."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared_strings)
    return path


@pytest.mark.parametrize(
    ("shared_strings", "sheet"),
    [
        (BILLION_LAUGHS, SHEET),
        (EXTERNAL_ENTITY, SHEET),
        (f"{SST}{ROWS}<si><t>An</t></si></sst>", _sheet_with_inline_entity()),
    ],
    ids=["laughs-in-shared-strings", "external-entity", "laughs-in-the-sheet"],
)
def test_a_reference_to_a_declared_entity_refuses_the_workbook(
    tmp_path, shared_strings, sheet
):
    path = _workbook(
        tmp_path / "entity.xlsx", shared_strings=shared_strings, sheet=sheet
    )

    with PeakMemory() as memory, pytest.raises(FileRefused) as refused:
        list(read_hrm_file(path).records())

    # calamine reads no DTD: "&lol9;" is an unknown entity, the part unreadable.
    assert refused.value.code == "unreadable"
    assert memory.growth < MEMORY_GROWTH_LIMIT
    # Said in Vietnamese, with what to do; not calamine's English.
    with translation.override("vi"):
        text = refused.value.text
    assert "thực thể XML" in text
    assert "xuất lại" in text
    assert "unrecognized" not in text
    assert "&lol9;" not in text


def test_a_part_larger_than_its_zip_directory_says_is_refused_in_vietnamese(
    tmp_path,
):
    path = crafted_xlsx(
        tmp_path / "nho-gia.xlsx", shared_strings=f"{SST}{ROWS}<si><t>An</t></si></sst>"
    )
    data = bytearray(path.read_bytes())
    # The sheet's local and central headers understate its unpacked size.
    name = b"xl/worksheets/sheet1.xml"
    for signature, header, field in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + header : start + header + len(name)] == name:
                data[start + field : start + field + 4] = struct.pack("<L", 10)
            start += 4
    path.write_bytes(bytes(data))

    with pytest.raises(FileRefused) as refused:
        list(read_hrm_file(path).records())

    assert refused.value.code == "zip_bomb"
    with translation.override("vi"):
        text = refused.value.text
    assert "I/O error" not in text
    assert "declared" not in text
    assert "xuất lại" in text


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE sst [\n <!ENTITY lol "lol">\n'
        + "".join(_laughs(level) for level in range(1, 10))
        + "]>",
        '<!DOCTYPE sst [ <!ENTITY % xxe SYSTEM "file:///etc/hostname"> %xxe; ]>',
    ],
    ids=["laughs-declared-unused", "parameter-entity"],
)
def test_a_doctype_nobody_references_is_ignored_and_expands_nothing(tmp_path, doctype):
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n'
        f"{SST}{ROWS}<si><t>An</t></si></sst>"
    )
    path = crafted_xlsx(tmp_path / "dtd.xlsx", shared_strings=shared)

    records = list(read_hrm_file(path).records())

    assert [record.values.get("full_name") for record in records] == ["An"]
    hostname = Path("/etc/hostname")
    if hostname.exists() and hostname.read_text().strip():
        assert hostname.read_text().strip() not in str(records[0].values)


# Types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "nhansu.xls",
        "nhansu.xlsm",
        "nhansu.xlsb",
        "nhansu.ods",
        "nhansu.json",
        "nhansu.csv.exe",
        "nhansu.xlsx.zip",
        "nhansu",
    ],
)
def test_only_xlsx_and_csv_uploads_are_accepted(name):
    upload = SimpleUploadedFile(name, b"Ma NV,Ho ten\nNV01,An\n")
    form = ImportUploadForm(data={}, files={"file": upload}, user=None)

    assert not form.is_valid()
    assert "file" in form.errors
    with pytest.raises(FileRefused) as refused:
        read_hrm_file(upload, file_name=name)
    assert refused.value.code == "unsupported_type"


@pytest.mark.parametrize("name", ["NHANSU.XLSX", "nhansu.Csv"])
def test_the_two_types_are_accepted_whatever_the_case_of_their_suffix(name):
    upload = SimpleUploadedFile(name, b"x")

    form = ImportUploadForm(data={}, files={"file": upload}, user=None)
    form.is_valid()

    assert "file" not in form.errors
