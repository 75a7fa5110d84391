"""Builders of HRM test files: the sample's headers, CSV encodings, crafted zips."""

import os
import struct
import zipfile
import zlib
from pathlib import Path

# Beside the repository, or where HRM_SAMPLES_DIR says (a git worktree elsewhere).
SHARED_HRM = Path(
    os.environ.get("HRM_SAMPLES_DIR")
    or Path(__file__).resolve().parents[3] / ".." / "shared" / "hrm"
)

# One valid row under the sample's Vietnamese headers, for tests that vary one cell.
VN_HEADERS = [
    "STT",
    "Mã NV",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Điện thoại",
    "Email",
    "Mã đơn vị",
    "Tên đơn vị",
    "Chức danh",
    "Ngày vào công ty",
    "Trạng thái",
]
VN_ROW = [
    "1", "NV01", "Nguyễn Văn An", "06/01/1990", "Nam", "001090013807",
    "0912 345 678", "an@example.vn", "DV01", "Trung tâm Viễn thông Hà Nội",
    "Kỹ sư", "14/02/2015", "Đang làm việc",
]  # fmt: skip


def encode(text: str, encoding: str) -> bytes:
    """Return text encoded, a byte order mark first for the BOM-carrying forms."""
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(encoding)


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    '.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
# Two rows of shared strings: 0, 1 in row 1 and 2, 3 in row 2.
SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '</row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c>'
    "</row></sheetData></worksheet>"
)


def crafted_xlsx(path: Path, *, shared_strings: str, extra: dict | None = None) -> Path:
    """Write a minimal workbook by hand, with the given sharedStrings.xml."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", SHEET)
        archive.writestr("xl/sharedStrings.xml", shared_strings)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
SHEET_TAIL = b"</sheetData></worksheet>"
SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
# Row 1: the two headers every HRM file needs, as inline strings.
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Mã NV</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Họ và tên</t></is></c></row>'
).encode()


def inline_cell(reference: str, text: str) -> bytes:
    """Return a cell holding an inline string (text already XML-escaped)."""
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _deflated(pieces) -> tuple[bytes, int, int]:
    """Deflate (bytes, times) pieces; return the stream, its CRC and unpacked size.

    Each piece ends with a full flush, after which deflate remembers nothing:
    a piece repeated is the same compressed block repeated, so a gigabyte of
    one character is written in a second, not deflated byte by byte.
    """
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    for data, times in pieces:
        block = deflate.compress(data) + deflate.flush(zlib.Z_FULL_FLUSH)
        out.append(block * times)
        size += len(data) * times
        for _time in range(times):
            crc = zlib.crc32(data, crc)
    out.append(deflate.flush(zlib.Z_FINISH))
    return b"".join(out), crc, size


def repeated_xlsx(
    path: Path,
    *,
    sheet,
    shared_strings=None,
    sheet_part: str = "xl/worksheets/sheet1.xml",
    sheet_head: bytes = SHEET_HEAD,
    sheet_tail: bytes = SHEET_TAIL,
) -> Path:
    """Write a workbook whose sheet (and shared strings) are (bytes, times) pieces.

    The zip is written by hand, so that parts of a gigabyte cost their
    compressed size in memory and a second or two to build.
    """
    parts = [
        ("[Content_Types].xml", [(CONTENT_TYPES.encode(), 1)]),
        ("_rels/.rels", [(PACKAGE_RELS.encode(), 1)]),
        ("xl/workbook.xml", [(WORKBOOK.encode(), 1)]),
        ("xl/_rels/workbook.xml.rels", [(WORKBOOK_RELS.encode(), 1)]),
        (sheet_part, [(sheet_head, 1), *sheet, (sheet_tail, 1)]),
    ]
    if shared_strings is not None:
        parts.append(
            ("xl/sharedStrings.xml", [(SST_HEAD, 1), *shared_strings, (b"</sst>", 1)])
        )
    body, directory = bytearray(), bytearray()
    for name, pieces in parts:
        packed, crc, size = _deflated(pieces)
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0, crc, len(packed), size, len(encoded))
        directory += struct.pack("<IH", 0x02014B50, 20)
        directory += struct.pack("<HHHHHIIIH", *fields)
        directory += struct.pack("<HHHHII", 0, 0, 0, 0, 0, len(body)) + encoded
        body += struct.pack("<I", 0x04034B50) + struct.pack("<HHHHHIIIH", *fields)
        body += struct.pack("<H", 0) + encoded + packed
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(parts), len(parts), len(directory),
        len(body), 0,
    )  # fmt: skip
    path.write_bytes(bytes(body + directory + end))
    return path


def column_letters(index: int) -> str:
    """Return a column's letters from its 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Printable ASCII without "<", ">", "&" (nor "-", for comments): text that deflates
# about 5:4, as hashes, tokens and scanned-in notes do.
_TEXT_TABLE = bytes(
    33 + n % 94 if chr(33 + n % 94) not in "<>&-" else ord("x") for n in range(256)
)


def random_text(size: int) -> bytes:
    return os.urandom(size).translate(_TEXT_TABLE)


def zeros_workbook(path: Path, *, zeros: int, text_bytes: int = 6_000_000) -> Path:
    """Write the workbook of issue #14 item 4: random text, then a cell of "0"s.

    Row 2 is an employee (NV01) with ``text_bytes`` of random text in cells of
    30,000 characters (under Excel's limit), then one cell of ``zeros`` "0"
    characters. With 10^9 of them the sheet unpacks to about 1.006 GB, under
    1 GiB and under 200:1, in about 6 MB.
    """
    cell, cells = 30_000, text_bytes // 30_000
    row = [b'<row r="2">', inline_cell("A2", "NV01")]
    row.append(inline_cell("B2", "Nguyễn Văn An"))
    for number in range(cells):
        reference = f"{column_letters(2 + number)}2"
        row.append(inline_cell(reference, random_text(cell).decode()))
    reference = f"{column_letters(2 + cells)}2"
    row.append(f'<c r="{reference}" t="inlineStr"><is><t>'.encode())
    million, rest = divmod(zeros, 1_000_000)
    return repeated_xlsx(
        path,
        sheet=[
            (HEADER_ROW, 1),
            (b"".join(row), 1),
            (b"0" * 1_000_000, million),
            (b"0" * rest, 1),
            (b"</t></is></c></row>", 1),
        ],
    )
