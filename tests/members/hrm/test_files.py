"""Files refused before parsing, and the encodings and delimiters read."""

import io
import pickle
import struct
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from members.hrm import FileRefused, file_check, read_hrm_file
from members.hrm.files import CSV_LINE_MAX_CHARS, MAX_ZIP_ENTRIES
from tests.members.hrm.builders import VN_HEADERS, VN_ROW, crafted_xlsx


def codes(hrm) -> list[str]:
    return [record.values["employee_code"] for record in hrm.records()]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8-sig", ","),
        ("utf-8", ","),
        ("utf-8", ";"),
        ("utf-8-sig", "\t"),
        # Excel's "Unicode Text": UTF-16 little-endian with a BOM, tab-separated.
        ("utf-16-le-bom", "\t"),
        ("utf-16-be-bom", "\t"),
        ("utf-16-le-bom", ","),
    ],
)
def test_csv_encodings_and_delimiters_read_alike(make_csv, encoding, delimiter):
    path = make_csv([VN_HEADERS, VN_ROW], encoding=encoding, delimiter=delimiter)

    hrm = read_hrm_file(path)

    assert hrm.delimiter == delimiter
    [record] = hrm.records()
    assert record.values["full_name"] == "Nguyễn Văn An"
    assert record.values["national_id"] == "001090013807"
    assert record.raw["Mã NV"] == "NV01"
    assert record.valid


def test_csv_in_a_legacy_encoding_is_refused_with_advice(tmp_path):
    path = tmp_path / "nhansu.csv"
    path.write_bytes("Mã NV,Ho va ten\r\nNV01,Trân\r\n".encode("cp1252"))

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "not_text"
    with translation.override("en"):
        assert "CSV UTF-8" in str(refused.value)


def test_renamed_binary_is_refused(tmp_path):
    path = tmp_path / "nhansu.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "not_text"


def test_text_with_nul_bytes_is_refused(tmp_path):
    path = tmp_path / "nhansu.csv"
    path.write_bytes(b"Ma NV,Ho ten\r\nNV01,An\x00\x00\r\n")

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "not_text"


def test_workbook_renamed_csv_is_refused(make_xlsx, tmp_path):
    workbook = make_xlsx([VN_HEADERS, VN_ROW])
    renamed = tmp_path / "nhansu.csv"
    renamed.write_bytes(workbook.read_bytes())

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(renamed)

    assert refused.value.code == "not_text"


def test_csv_renamed_xlsx_is_refused(make_csv, tmp_path):
    text = make_csv([VN_HEADERS, VN_ROW])
    renamed = tmp_path / "nhansu.xlsx"
    renamed.write_bytes(text.read_bytes())

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(renamed)

    assert refused.value.code == "not_xlsx"


def test_zip_that_is_no_workbook_is_refused(tmp_path):
    path = tmp_path / "nhansu.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "not_xlsx"


def test_legacy_xls_is_refused_with_advice(tmp_path):
    path = tmp_path / "nhansu.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "legacy_or_encrypted"


@pytest.mark.parametrize("name", ["nhansu.xls", "nhansu.ods", "nhansu.txt", "nhansu"])
def test_other_file_types_are_refused_by_name(tmp_path, name):
    path = tmp_path / name
    path.write_text("Mã NV,Họ tên\nNV01,An\n", encoding="utf-8")

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "unsupported_type"


def test_oversize_file_is_refused_before_reading(make_csv):
    path = make_csv([VN_HEADERS, VN_ROW])

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path, max_bytes=100)

    assert refused.value.code == "too_large"
    with translation.override("en"):
        assert "100\xa0bytes" in str(refused.value)


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "nhansu.csv"
    path.write_bytes(b"")

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "empty"


def vi_text(refusal: FileRefused) -> str:
    with translation.override("vi"):
        return refusal.text


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "below",
    [
        [],
        [[""] * len(VN_HEADERS), ["", "", "", "", "", "", "", "", "", "", "", "", ""]],
        [["Tổng cộng: 0 nhân viên"]],  # a footer note in the STT column
    ],
    ids=["header-only", "blank-rows", "footer-only"],
)
def test_a_file_with_headers_and_no_employee_rows_is_refused(
    make_csv, make_xlsx, kind, below
):
    rows = [["Danh sách nhân sự"], [], VN_HEADERS, *below]
    path = make_csv(rows) if kind == "csv" else make_xlsx(rows)

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "no_rows"
    text = vi_text(refused.value)
    assert "dòng 3" in text  # where the headers were found
    assert "xuất lại" in text  # what to do: export it again


def test_oversize_refusal_shows_two_sizes_that_differ(make_csv):
    path = make_csv([VN_HEADERS, VN_ROW])
    size = path.stat().st_size
    path.write_bytes(path.read_bytes() + b" " * (1024 * 1024 - size + 1))

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path, max_bytes=1024 * 1024)

    params = refused.value.params
    with translation.override("vi"):
        shown, limit = str(params["size"]), str(params["limit"])
    assert shown != limit
    assert (shown, limit) == ("1.048.577 byte", "1.048.576 byte")


def test_a_zip_directory_just_past_the_unpacked_limit_shows_both_sizes(tmp_path):
    from members.hrm.files import MAX_UNPACKED_BYTES

    path = crafted_xlsx(tmp_path / "gia.xlsx", shared_strings="<sst/>")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        others = sum(
            info.file_size
            for info in archive.infolist()
            if info.filename != "xl/sharedStrings.xml"
        )
    # The shared strings declare what brings the total one byte past the limit.
    declared = MAX_UNPACKED_BYTES + 1 - others
    name = b"xl/sharedStrings.xml"
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        if data[start + 46 : start + 46 + len(name)] == name:
            data[start + 24 : start + 28] = struct.pack("<L", declared)
        start += 4
    path.write_bytes(bytes(data))

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "zip_bomb"
    text = vi_text(refused.value)
    assert "1.073.741.825 byte" in text
    assert "1.073.741.824 byte" in text


def test_a_csv_the_csv_reader_chokes_on_is_refused_in_vietnamese(tmp_path):
    path = tmp_path / "dai.csv"
    field = "x" * 200_000  # past the csv module's field limit
    path.write_text(f"Mã NV,Họ và tên\nNV01,{field}\n", encoding="utf-8")

    with pytest.raises(FileRefused) as refused:
        list(read_hrm_file(path).records())

    assert refused.value.code == "csv_malformed"
    text = vi_text(refused.value)
    assert "field limit" not in text
    assert "lưu lại" in text  # save it again


def test_uploaded_file_and_file_object_read_like_a_path(make_xlsx):
    path = make_xlsx([VN_HEADERS, VN_ROW])
    upload = SimpleUploadedFile("tai-len.xlsx", path.read_bytes())
    stream = io.BytesIO(path.read_bytes())

    from_upload = read_hrm_file(upload)
    from_stream = read_hrm_file(stream, file_name="luong.xlsx")

    assert from_upload.file_name == "tai-len.xlsx"
    assert codes(from_upload) == codes(from_stream) == codes(read_hrm_file(path))
    assert from_upload.sha256 == from_stream.sha256


def test_a_csv_line_past_a_million_characters_is_refused_unread(tmp_path):
    path = tmp_path / "dong-dai.csv"
    path.write_bytes(
        "Mã NV;Họ và tên\nNV01;An".encode() + b";" * CSV_LINE_MAX_CHARS + b"\n"
    )

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "csv_line_too_long"
    with translation.override("vi"):
        assert "1.048.576 ký tự" in refused.value.text


def test_csv_file_object_stays_open_and_reads_twice(make_csv):
    stream = io.BytesIO(make_csv([VN_HEADERS, VN_ROW]).read_bytes())

    hrm = read_hrm_file(stream, file_name="nhansu.csv")

    assert codes(hrm) == codes(hrm) == ["NV01"]
    assert not stream.closed


# Zip bombs ---------------------------------------------------------------------


@pytest.fixture
def no_zip_member_reads(monkeypatch):
    """Fail the test if anything opens a part of a zip for reading through zipfile."""
    open_part = zipfile.ZipFile.open

    def refuse(*args, **kwargs):
        raise AssertionError("the zip checks must not decompress any part")

    def open_for_writing_only(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            refuse()
        return open_part(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_for_writing_only)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)


def _bomb(path, *, megabytes: int):
    """Write a workbook-shaped zip with one part of zeros deflated about 1000:1."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _megabyte in range(megabytes):
                part.write(chunk)
    return path


def test_zip_bomb_is_refused_from_the_directory_alone(tmp_path, no_zip_member_reads):
    path = _bomb(tmp_path / "bom.xlsx", megabytes=64)
    assert path.stat().st_size < 200_000

    tracemalloc.start()
    try:
        with pytest.raises(FileRefused) as refused:
            read_hrm_file(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert refused.value.code == "zip_bomb"
    assert peak < 8 * 1024 * 1024


def test_zip_with_thousands_of_parts_is_refused(tmp_path, no_zip_member_reads):
    path = tmp_path / "nhieu.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for number in range(MAX_ZIP_ENTRIES):
            archive.writestr(f"xl/media/image{number}.png", b"")

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "zip_bomb"


def test_forged_directory_declaring_gigabytes_is_refused(tmp_path, no_zip_member_reads):
    path = crafted_xlsx(tmp_path / "gia.xlsx", shared_strings="<sst/>")
    data = bytearray(path.read_bytes())
    # Every central-directory header says its part unpacks to almost 4 GB.
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        data[start + 24 : start + 28] = struct.pack("<L", 0xFFFFFFF0)
        start += 4
    path.write_bytes(bytes(data))

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "zip_bomb"


def test_a_sheet_declared_past_its_limit_is_refused_from_the_directory_alone(
    tmp_path, no_zip_member_reads
):
    # A sheet the zip says unpacks to 256 MB, well under 200:1 and 1 GiB.
    path = crafted_xlsx(tmp_path / "lon.xlsx", shared_strings="<sst/>")
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    for signature, header, field in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + header : start + header + len(name)] == name:
                size = struct.pack("<L", 256 * 1024 * 1024)
                data[start + field : start + field + 4] = size
                data[start + field - 4 : start + field] = struct.pack("<L", 2**21)
            start += 4
    path.write_bytes(bytes(data))

    with pytest.raises(FileRefused) as refused:
        file_check(path)

    assert refused.value.code == "sheet_too_large"
    with translation.override("vi"):
        assert "xl/worksheets/sheet1.xml" in refused.value.text


def test_ordinary_workbook_passes_the_checks_without_zipfile_decompressing(
    make_xlsx, no_zip_member_reads
):
    """The checks an upload runs in the request inflate nothing."""
    path = make_xlsx([VN_HEADERS, VN_ROW])

    checked = file_check(path)

    assert (checked.kind, checked.file_name) == ("xlsx", path.name)


def test_ordinary_workbook_is_read_once_its_parts_are_streamed(make_xlsx):
    path = make_xlsx([VN_HEADERS, VN_ROW])

    assert codes(read_hrm_file(path)) == ["NV01"]


# XML ---------------------------------------------------------------------------


def _laughs(level: int) -> str:
    """Return the entity of one level: ten references to the level below."""
    below = f"lol{level - 1}" if level > 1 else "lol"
    return f' <!ENTITY lol{level} "{f"&{below};" * 10}">\n'


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [\n <!ENTITY lol "lol">\n'
    + "".join(_laughs(level) for level in range(1, 10))
    + "]>\n"
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<si><t>Mã NV</t></si><si><t>Họ và tên</t></si><si><t>NV01</t></si>"
    "<si><t>&lol9;</t></si></sst>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE sst [ <!ENTITY xxe SYSTEM "file:///etc/hostname"> ]>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<si><t>Mã NV</t></si><si><t>Họ và tên</t></si><si><t>NV01</t></si>"
    "<si><t>&xxe;</t></si></sst>"
)


@pytest.mark.parametrize(
    "shared_strings", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["laughs", "external"]
)
def test_xml_entities_are_never_expanded(tmp_path, shared_strings):
    path = crafted_xlsx(tmp_path / "entity.xlsx", shared_strings=shared_strings)

    try:
        records = list(read_hrm_file(path).records())
    except FileRefused as refused:
        outcome = refused.code
    else:
        outcome = [record.values.get("full_name") for record in records]

    # python-calamine expands no entity: it refuses the part as unreadable XML.
    # Were it to read past the entity, the cell could only be short and literal.
    assert outcome == "unreadable" or (
        len(outcome) == 1 and len(outcome[0] or "") < 100
    )
    assert "lol" not in str(outcome)


def test_defusedxml_guards_the_other_xml_readers():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


def test_a_refusal_survives_pickling_in_any_language(make_csv):
    path = make_csv([["STT", "Ghi chú"], ["1", "x"]])
    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    copy = pickle.loads(pickle.dumps(refused.value))  # noqa: S301 - our own bytes

    assert copy.code == "unknown_layout"
    with translation.override("en"):
        assert str(copy) == str(refused.value)
        assert "hrm.csv" in str(copy)


def test_undecodable_bytes_deep_in_a_csv_refuse_it_before_any_record(tmp_path):
    path = tmp_path / "nhansu.csv"
    rows = "".join(f"NV{number:05d},Nguyễn Văn An\r\n" for number in range(5000))
    assert len(rows.encode()) > 64 * 1024
    path.write_bytes(("Mã NV,Họ tên\r\n" + rows).encode() + b"NV99999,Tr\xe2n\r\n")

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "not_text"
