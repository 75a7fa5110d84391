"""Uploads that attack the reader: a zip bomb through the admin, XML entities, types.

Memory is measured as the process's peak resident size (VmHWM, reset through
/proc/self/clear_refs where the kernel allows it), not with tracemalloc, so
that allocations of the native readers count too. Times are printed, never
asserted.
"""

import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from members.forms.imports import ImportUploadForm
from members.hrm import FileRefused, read_hrm_file
from members.hrm.files import MAX_UNPACKED_BYTES
from members.models import ImportRun
from tests.members.factories import make_union_tree
from tests.members.hrm.builders import (
    CONTENT_TYPES,
    PACKAGE_RELS,
    SHEET,
    WORKBOOK,
    WORKBOOK_RELS,
    crafted_xlsx,
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
