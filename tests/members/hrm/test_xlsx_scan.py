"""The stream of a workbook's parts before calamine: what it counts, what it refuses.

Every file here is a few kilobytes; read as python-calamine reads them, the
refused ones would take from 200 MB to terabytes. They are refused by the
scan first, in bounded memory.
"""

import zipfile
from pathlib import Path

import pytest
from django.utils import translation

from members.hrm import FileRefused, read_hrm_file
from members.hrm.xlsx_scan import TEXT_MAX_CHARS
from tests.members.hrm.builders import (
    HEADER_ROW,
    SHEET_HEAD,
    inline_cell,
    random_text,
    repeated_xlsx,
)

EMPLOYEE = b'<row r="2">' + inline_cell("A2", "NV01") + inline_cell("B2", "An")
EMPLOYEE += b"</row>"


def refusal_of(path: Path) -> FileRefused:
    with pytest.raises(FileRefused) as refused:
        list(read_hrm_file(path).records())
    return refused.value


def _workbook(tmp_path: Path, *rows: bytes, **options) -> Path:
    sheet = [(HEADER_ROW, 1), (EMPLOYEE, 1), *((row, 1) for row in rows)]
    return repeated_xlsx(tmp_path / "nhansu.xlsx", sheet=sheet, **options)


# What calamine would hold ------------------------------------------------------


def test_cells_far_apart_are_refused_whatever_the_part_is_called(tmp_path):
    # calamine finds a sheet's part whatever the case of its name.
    far = b'<row r="400">' + inline_cell("XFD400", "x") + b"</row>"
    path = _workbook(tmp_path, far, sheet_part="XL/Worksheets/Sheet1.XML")

    refused = refusal_of(path)

    assert refused.code == "too_large_to_read"
    with translation.override("vi"):
        assert "hai ô nằm rất xa nhau" in refused.text


def test_cells_without_a_reference_take_the_rows_place(tmp_path):
    # No r on the cell: calamine puts it in its row's place, row 1,000,000,
    # under a header reaching column XFD.
    far = b'<row r="1000000"><c t="inlineStr"><is><t>NV</t></is></c></row>'
    wide = b'<row r="3">' + inline_cell("XFD3", "x") + b"</row>"

    assert refusal_of(_workbook(tmp_path, wide, far)).code == "too_large_to_read"


def test_cells_without_a_reference_are_read_in_their_place(tmp_path):
    row = b'<row r="3"><c t="inlineStr"><is><t>NV02</t></is></c>'
    row += b'<c t="inlineStr"><is><t>B\xc3\xacnh</t></is></c></row>'

    records = list(read_hrm_file(_workbook(tmp_path, row)).records())

    assert [r.values["full_name"] for r in records] == ["An", "Bình"]


def test_a_sheet_with_a_namespace_prefix_is_counted_alike(tmp_path):
    head = SHEET_HEAD.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=")
    head = head.replace(b"<sheetData>", b"<x:sheetData>")
    tail = b"</x:sheetData></x:worksheet>"
    far = b'<x:row r="400"><x:c r="XFD400"><x:v>1</x:v></x:c></x:row>'
    header = (
        b'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>M\xc3\xa3 NV</x:t>'
        b'</x:is></x:c><x:c r="B1" t="inlineStr"><x:is><x:t>H\xe1\xbb\x8d v\xc3\xa0'
        b" t\xc3\xaan</x:t></x:is></x:c></x:row>"
    )
    employee = (
        b'<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>NV01</x:t></x:is>'
        b'</x:c><x:c r="B2" t="inlineStr"><x:is><x:t>An</x:t></x:is></x:c></x:row>'
    )
    options = {"sheet_head": head, "sheet_tail": tail}
    near = repeated_xlsx(
        tmp_path / "gan.xlsx", sheet=[(header, 1), (employee, 1)], **options
    )
    assert [r.values["full_name"] for r in read_hrm_file(near).records()] == ["An"]

    path = repeated_xlsx(
        tmp_path / "xa.xlsx", sheet=[(header, 1), (employee, 1), (far, 1)], **options
    )
    assert refusal_of(path).code == "too_large_to_read"


def test_a_long_shared_string_counts_in_every_cell_that_uses_it(tmp_path):
    # The first string has only a phonetic run: calamine skips it, so index 0
    # is the long one.
    shared = [
        (b"<si><rPh><t>\xe3\x81\x8b</t></rPh></si>", 1),
        (b"<si><t>" + b"x" * 30_000 + b"</t></si>", 1),
    ]
    rows = b"".join(
        f'<row r="{n}"><c r="C{n}" t="s"><v>0</v></c></row>'.encode()
        for n in range(3, 8_003)
    )
    path = _workbook(
        tmp_path, rows, b"<!--" + random_text(100_000) + b"-->", shared_strings=shared
    )

    assert refusal_of(path).code == "too_large_to_read"


def test_a_text_longer_than_excel_allows_is_refused(tmp_path):
    shared = [(b"<si><t>" + b"y" * (TEXT_MAX_CHARS + 1) + b"</t></si>", 1)]

    refused = refusal_of(_workbook(tmp_path, shared_strings=shared))

    assert refused.code == "cell_too_long"
    with translation.override("vi"):
        assert "32.767 ký tự" in refused.text


def test_a_text_as_long_as_excel_allows_is_read(tmp_path):
    text = "y" * TEXT_MAX_CHARS
    row = b'<row r="3">' + inline_cell("A3", "NV02") + inline_cell("B3", text)

    records = list(read_hrm_file(_workbook(tmp_path, row + b"</row>")).records())

    # Read whole; too long for a name, so that row is held, not the file refused.
    assert [r.valid for r in records] == [True, False]


# XML no Excel writes -----------------------------------------------------------


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param([b"<a>" * 100 + b"</a>" * 100], id="nested-100-deep"),
        pytest.param(
            [b"<row " + b" ".join(b'a%d=""' % n for n in range(2_000)) + b"/>"],
            id="2000-distinct-names",
        ),
        pytest.param(
            [b"<!--" + random_text(2 * 1024 * 1024) + b"-->"], id="a-2-mb-comment"
        ),
        pytest.param(
            [b'<row r="3"><c r="A-3"><v>1</v></c></row>'], id="a-reference-askew"
        ),
        pytest.param([b"<row>"], id="not-well-formed"),
    ],
)
def test_markup_no_excel_export_holds_is_refused_as_unreadable(tmp_path, rows):
    refused = refusal_of(_workbook(tmp_path, *rows))

    assert refused.code == "unreadable"
    with translation.override("vi"):
        assert "Không đọc được tệp nhansu.xlsx" in refused.text


def test_two_shared_strings_parts_named_alike_are_refused(tmp_path):
    # calamine would read one of the two (the last), whichever the count used.
    path = _workbook(tmp_path, shared_strings=[(b"<si><t>a</t></si>", 1)])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("XL/SharedStrings.xml", "<sst/>")

    assert refusal_of(path).code == "unreadable"


def test_a_long_document_type_declaration_is_refused(tmp_path):
    entities = b"".join(b'<!ENTITY e%d "%d">' % (n, n) for n in range(10_000))
    head = SHEET_HEAD.replace(
        b"<worksheet", b"<!DOCTYPE worksheet [" + entities + b"]><worksheet", 1
    )

    refused = refusal_of(_workbook(tmp_path, sheet_head=head))

    assert refused.code == "unreadable"


def test_a_declared_entity_used_in_a_sheet_is_refused_unexpanded(tmp_path):
    head = SHEET_HEAD.replace(
        b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY e "An">]><worksheet', 1
    )
    row = b'<row r="3">' + inline_cell("A3", "NV02") + inline_cell("B3", "&e;")

    refused = refusal_of(_workbook(tmp_path, row + b"</row>", sheet_head=head))

    assert refused.code == "unreadable"
    with translation.override("vi"):
        assert "thực thể XML" in refused.text
