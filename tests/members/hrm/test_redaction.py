"""An HRM file rewritten without a person: their rows blank, the others' as read."""

import io
from datetime import date

import openpyxl
import python_calamine

from members.hrm import read_hrm_file
from members.hrm.redaction import hrm_file_redact, person_marks

HEADERS = ["Mã NV", "Họ và tên", "Ngày sinh", "Số CCCD", "Điện thoại", "Ghi chú"]
PERSON = ["NV02", "Lưu Thị Trâm", "19/07/1991", "079191731919", "0913 246 801", ""]
MARKS = person_marks(
    codes=["NV02"],
    national_ids=["079191731919"],
    phones=["0913246801"],
    emails=["tram@example.vn"],
)


def records(hrm) -> dict[int, tuple]:
    return {r.row_number: (r.values, r.raw) for r in hrm.records()}


def test_a_utf16_tab_separated_file_keeps_its_form_and_everyone_else(
    tmp_path, make_csv
):
    rows = [
        HEADERS,
        ["NV01", "Phan Văn Dũng", "02/01/1985", "001085007001", "0912 700 001", ""],
        PERSON,
        # A colleague who noted the person's phone as their emergency contact.
        ["NV03", "Hà Văn Phúc", "04/03/1991", "001091007003", "", "+84 913 246 801"],
        ["NV04", "=HYPERLINK(1)", "05/04/1992", "", "", "tram@example.vn"],
    ]
    path = make_csv(rows, encoding="utf-16-le-bom", delimiter="\t")
    before = read_hrm_file(path)

    redaction = hrm_file_redact(before, MARKS)

    assert redaction.rows == [3]
    assert redaction.cells == 2
    assert redaction.content.startswith(b"\xff\xfe")
    stored = tmp_path / "redacted.csv"
    stored.write_bytes(redaction.content)
    after = read_hrm_file(stored)
    assert (after.delimiter, after.encoding) == ("\t", "utf-16")
    old, new = records(before), records(after)
    assert set(new) == {2, 4, 5}  # row 3 is blank and skipped; the others keep theirs
    assert new[2] == old[2]
    assert new[4][1]["Ghi chú"] == ""
    assert new[5][0]["full_name"] == "=HYPERLINK(1)"
    assert new[5][1]["Ghi chú"] == ""
    text = redaction.content.decode("utf-16")
    for trace in ("Lưu Thị Trâm", "NV02", "079191731919", "913 246 801", "tram@"):
        assert trace not in text


def test_a_workbook_keeps_the_read_sheet_its_title_rows_offset_and_types(
    tmp_path, make_xlsx
):
    sheet = [
        ["Danh sách nhân sự tháng 6"],
        [],
        HEADERS,
        ["NV01", "Phan Văn Dũng", date(1985, 1, 2), "001085007001", 912700001, ""],
        [*PERSON[:2], date(1991, 7, 19), *PERSON[3:]],
        ["NV03", "Hà Văn Phúc", date(1991, 3, 4), "001091007003", "", "Ghi chú"],
    ]
    path = make_xlsx(
        sheets={"Nhân sự": sheet, "Ghi chép": [["Mã NV", "Họ và tên"], PERSON[:2]]},
        first_column=3,
    )
    # A text cell that looks like a formula, as an HRM system may export a name.
    workbook = openpyxl.load_workbook(path)
    workbook["Nhân sự"]["D6"].value = "=SUM(A1:A2)"
    workbook["Nhân sự"]["D6"].data_type = "s"
    workbook.save(path)
    before = read_hrm_file(path)
    assert records(before)[6][0]["full_name"] == "=SUM(A1:A2)"

    redaction = hrm_file_redact(before, MARKS)

    stored = tmp_path / "redacted.xlsx"
    stored.write_bytes(redaction.content)
    after = read_hrm_file(stored)
    assert (after.header_row, after.column_offset) == (3, 2)
    assert after.headers == before.headers
    old, new = records(before), records(after)
    assert set(new) == {4, 6}
    assert new[4] == old[4]
    assert new[6] == old[6]
    assert new[6][0]["full_name"] == "=SUM(A1:A2)"  # text, not a formula
    workbook = python_calamine.CalamineWorkbook.from_filelike(
        io.BytesIO(redaction.content)
    )
    assert workbook.sheet_names == ["Nhân sự"]
    assert workbook.get_sheet_by_index(0).to_python()[0][0] == (
        "Danh sách nhân sự tháng 6"
    )


def test_a_file_without_the_person_is_left_alone(make_csv):
    path = make_csv([HEADERS, ["NV01", "Phan Văn Dũng", "", "", "", ""]])

    assert hrm_file_redact(read_hrm_file(path), MARKS) is None
