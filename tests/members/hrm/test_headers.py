"""Header aliases, the header row below a title block, layouts refused whole."""

import datetime
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from members.hrm import FileRefused, MappingProfile, read_hrm_file
from members.hrm.headers import header_key
from members.text import nfc
from tests.members.hrm.builders import VN_HEADERS, VN_ROW


@pytest.mark.parametrize(
    ("code_header", "name_header"),
    [
        ("Mã NV", "Họ và tên"),
        ("Ma NV", "Ho va ten"),
        ("MÃ NHÂN VIÊN", "HỌ TÊN"),
        ("  mã   nhân  viên ", "họ  tên"),
        ("Mã nhân viên (*)", "Họ và tên (*)"),
        ("Employee ID", "Full name"),
        ("employee-code", "NAME"),
        ("Staff ID", "Full Name:"),
        (unicodedata.normalize("NFD", "Mã NV"), unicodedata.normalize("NFD", "Họ tên")),
    ],
)
def test_header_aliases_match_with_or_without_diacritics(
    make_csv, code_header, name_header
):
    path = make_csv([[code_header, name_header], ["NV01", "Lê Thị Bình"]])

    hrm = read_hrm_file(path)

    assert hrm.columns["employee_code"].index == 0
    assert hrm.columns["full_name"].index == 1
    assert hrm.columns["full_name"].header == nfc(name_header)
    assert [record.values["full_name"] for record in hrm.records()] == ["Lê Thị Bình"]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Số CCCD", "national_id"),
        ("CMND/CCCD", "national_id"),
        ("So CCCD (12 so)", "national_id"),
        ("National ID", "national_id"),
        ("ID number", "national_id"),
        ("SĐT", "phone"),
        ("Số điện thoại", "phone"),
        ("Mobile", "phone"),
        ("E-mail", "email"),
        ("Work email", "email"),
        ("Ngày sinh", "date_of_birth"),
        ("DOB", "date_of_birth"),
        ("Giới tính", "gender"),
        ("Sex", "gender"),
        ("Mã đơn vị", "department_code"),
        ("Dept code", "department_code"),
        ("Đơn vị", "department_name"),
        ("Department", "department_name"),
        ("Chức vụ", "position"),
        ("Job title", "position"),
        ("Ngày vào công ty", "hire_date"),
        ("Start date", "hire_date"),
        ("Trạng thái", "employment_status"),
        ("Employment status", "employment_status"),
    ],
)
def test_each_field_has_its_aliases(make_csv, header, field):
    path = make_csv([["Mã NV", "Họ tên", header], ["NV01", "An", ""]])

    assert read_hrm_file(path).columns[field].index == 2


def test_header_key_ignores_case_marks_spacing_punctuation_and_notes():
    assert header_key("Số CCCD/CMND (12 số)") == header_key("so cccd cmnd")
    assert header_key("  E-MAIL ") == header_key("email")
    assert header_key("Điện thoại") == "dienthoai"


def test_header_row_is_found_below_a_title_block(make_xlsx):
    path = make_xlsx(
        [
            ["TỔNG CÔNG TY VIỄN THÔNG"],
            ["DANH SÁCH CÁN BỘ NHÂN VIÊN"],
            ["Ngày xuất: 15/11/2026"],
            [],
            VN_HEADERS,
            VN_ROW,
            [],
            ["3", "NV03", "Trần Văn Cường"],
        ],
        first_column=2,
    )

    hrm = read_hrm_file(path)

    assert hrm.header_row == 5
    assert hrm.columns["employee_code"].letter == "C"
    assert hrm.columns["full_name"].header == "Họ và tên"
    records = list(hrm.records())
    assert [record.row_number for record in records] == [6, 8]
    assert hrm.total_rows == 2
    assert hrm.blank_rows == 1
    assert hrm.row_count == 3


def test_row_numbers_count_empty_rows_above_the_used_range(make_xlsx):
    path = make_xlsx([VN_HEADERS, VN_ROW], first_row=4, first_column=3)

    hrm = read_hrm_file(path)

    assert hrm.header_row == 4
    assert hrm.columns["employee_code"].letter == "D"
    [record] = hrm.records()
    assert record.row_number == 5


def test_english_layout_with_extra_columns_in_another_order(make_xlsx):
    headers = [
        "Cost centre", "Full name", "Employee ID", "Hire date", "Mobile",
        "Work email", "Department code", "Department", "Date of birth",
        "Gender", "National ID", "Job title", "Employment status", "Notes",
    ]  # fmt: skip
    row = [
        "CC-9", "Phạm Minh Đức", "E-77", datetime.date(2019, 3, 1), "+84 912345678",
        "Duc.Pham@Example.VN", "D01", "Network", datetime.date(1988, 2, 29),
        "Male", "001088000123", "Engineer", "Active", "transferred from HN",
    ]  # fmt: skip

    hrm = read_hrm_file(make_xlsx([headers, row]))

    assert list(hrm.columns) == [
        "employee_code", "full_name", "date_of_birth", "gender", "national_id",
        "phone", "email", "department_code", "department_name", "position",
        "hire_date", "employment_status",
    ]  # fmt: skip
    [record] = hrm.records()
    assert record.errors == []
    assert record.values == {
        "employee_code": "E-77",
        "full_name": "Phạm Minh Đức",
        "date_of_birth": datetime.date(1988, 2, 29),
        "gender": "male",
        "national_id": "001088000123",
        "phone": "0912345678",
        "email": "duc.pham@example.vn",
        "department_code": "D01",
        "department_name": "Network",
        "position": "Engineer",
        "hire_date": datetime.date(2019, 3, 1),
        "employment_status": "working",
    }
    assert record.raw["Cost centre"] == "CC-9"
    assert record.raw["Notes"] == "transferred from HN"
    assert record.raw["Date of birth"] == "29/02/1988"


def test_unknown_layout_is_refused_naming_what_was_found_and_missing(make_csv):
    path = make_csv([["STT", "Họ và tên", "Ngày sinh", "Ghi chú"], ["1", "An", ""]])

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "unknown_layout"
    with translation.override("en"):
        message = str(refused.value)
    assert '"Họ và tên", "Ngày sinh"' in message
    assert "no column for employee code" in message
    assert "row 1" in message


def test_file_without_any_known_header_is_refused(make_xlsx):
    path = make_xlsx([["Báo cáo doanh thu"], ["Tháng", "Doanh thu"], ["1", "100"]])

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "unknown_layout"
    with translation.override("en"):
        assert "first 30 rows" in str(refused.value)


def test_header_below_the_scanned_rows_is_not_found(make_csv):
    rows = [["Ghi chú"]] * 30 + [["Mã NV", "Họ tên"], ["NV01", "An"]]

    with pytest.raises(FileRefused):
        read_hrm_file(make_csv(rows))


def test_duplicate_mapped_columns_are_refused(make_csv):
    path = make_csv(
        [["Mã NV", "Họ tên", "Đơn vị", "Tên đơn vị"], ["NV01", "An", "X", "Y"]]
    )

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path)

    assert refused.value.code == "duplicate_columns"
    with translation.override("en"):
        message = str(refused.value)
    assert '"Đơn vị" (column C)' in message
    assert '"Tên đơn vị" (column D)' in message


def test_profile_aliases_override_ignore_and_extend(make_csv):
    path = make_csv(
        [
            ["Số hiệu", "Họ tên", "Đơn vị", "Tên đơn vị", "Tình trạng HĐ"],
            ["A-1", "An", "DV9", "Phòng Kỹ thuật", "Tạm hoãn HĐ"],
        ]
    )
    profile = {
        "employee_code": ["Số hiệu"],
        "department_code": ["Đơn vị"],
        "employment_status": ["Tình trạng HĐ"],
        "statuses": {"Tạm hoãn HĐ": "on_leave"},
    }

    [record] = read_hrm_file(path, profile=profile).records()

    assert record.values["employee_code"] == "A-1"
    assert record.values["department_code"] == "DV9"
    assert record.values["department_name"] == "Phòng Kỹ thuật"
    assert record.values["employment_status"] == "on_leave"


def test_profile_ignore_resolves_a_duplicate(make_csv):
    path = make_csv(
        [["Mã NV", "Họ tên", "Đơn vị", "Tên đơn vị"], ["NV01", "An", "X", "Y"]]
    )

    hrm = read_hrm_file(path, profile={"ignore": ["Đơn vị"]})

    assert hrm.columns["department_name"].header == "Tên đơn vị"
    [record] = hrm.records()
    assert record.raw["Đơn vị"] == "X"


def test_profile_fixed_header_row_wins_over_detection(make_csv):
    rows = [
        ["Mã NV", "Họ tên"],
        ["ghi chú: mẫu cũ"],
        ["Mã NV", "Họ tên", "Ngày sinh"],
        ["NV01", "An", "01/02/1990"],
    ]

    hrm = read_hrm_file(make_csv(rows), profile=MappingProfile(header_row=3))

    assert hrm.header_row == 3
    assert [record.row_number for record in hrm.records()] == [4]


def test_profile_header_row_without_the_required_columns_is_refused(make_csv):
    path = make_csv([["Mã NV", "Họ tên"], ["NV01", "An"]])

    with pytest.raises(FileRefused) as refused:
        read_hrm_file(path, profile={"header_row": 2})

    assert refused.value.code == "unknown_layout"


@pytest.mark.parametrize(
    "profile",
    [
        {"header": 3},
        {"header_row": 0},
        {"header_row": "3"},
        {"employee_code": [1]},
        {"statuses": {"Nghỉ": "fired"}},
        {"genders": {"Trai": "boy"}},
    ],
)
def test_malformed_profile_is_a_validation_error(profile):
    with pytest.raises(ValidationError):
        MappingProfile.from_dict(profile)


def test_the_sheet_with_the_header_is_read_when_it_is_not_the_first(make_xlsx):
    path = make_xlsx(
        sheets={
            "Hướng dẫn": [["Điền danh sách ở trang sau"], ["Họ tên: viết có dấu"]],
            "Danh sách": [VN_HEADERS, VN_ROW],
        }
    )

    hrm = read_hrm_file(path)

    assert hrm.sheet_name == "Danh sách"
    assert [record.values["employee_code"] for record in hrm.records()] == ["NV01"]
