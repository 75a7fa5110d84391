"""Rows read into records: clean values, errors by column, blank rows skipped."""

import datetime
import unicodedata

import pytest
from django.utils import translation

from members.hrm import read_hrm_file
from tests.members.hrm.builders import VN_HEADERS, VN_ROW


@pytest.fixture
def one_row(make_csv, make_xlsx):
    """Return a reader of the valid row with some cells replaced, from CSV or xlsx."""

    def read(kind: str = "csv", **cells):
        row = list(VN_ROW)
        for header, value in cells.items():
            row[VN_HEADERS.index(header.replace("_", " "))] = value
        make = make_xlsx if kind == "xlsx" else make_csv
        [record] = read_hrm_file(make([VN_HEADERS, row])).records()
        return record

    return read


def error_codes(record) -> dict[str, str]:
    return {error.column: error.code for error in record.errors}


@pytest.mark.parametrize(
    "text",
    [
        "06/01/1990",
        "6/1/1990",
        "06-01-1990",
        "06.01.1990",
        "1990-01-06",
        "1990/01/06",
        " 06/01/1990 ",
        "1990-01-06 00:00:00",
        "06/01/1990 08:30",
    ],
)
def test_text_dates_are_read_day_first(one_row, text):
    record = one_row(Ngày_sinh=text)

    assert record.values["date_of_birth"] == datetime.date(1990, 1, 6)
    assert record.valid


@pytest.mark.parametrize(
    "cell",
    [
        datetime.date(1990, 1, 6),
        datetime.datetime(1990, 1, 6, 8, 30),  # noqa: DTZ001 - cells are naive
        32879,  # the Excel serial of 06/01/1990, in a cell formatted as a number
        32879.75,
        "06/01/1990",
    ],
)
def test_workbook_date_cells_serials_and_text(one_row, cell):
    record = one_row("xlsx", Ngày_sinh=cell)

    assert record.values["date_of_birth"] == datetime.date(1990, 1, 6)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("06/01/90", "date_two_digit_year"),
        ("6-1-90", "date_two_digit_year"),
        ("31/02/1990", "date_impossible"),
        ("01/13/1990", "date_impossible"),
        ("1990", "date_invalid"),
        ("mùng 6 tháng 1", "date_invalid"),
        ("06/01/1890", "date_invalid"),
    ],
)
def test_unreadable_dates_are_errors_of_their_column(one_row, text, code):
    record = one_row(Ngày_sinh=text)

    assert error_codes(record) == {"Ngày sinh": code}
    assert "date_of_birth" not in record.values


def test_a_small_number_in_a_date_column_is_no_date(one_row):
    assert error_codes(one_row("xlsx", Ngày_vào_công_ty=2015)) == {
        "Ngày vào công ty": "date_invalid"
    }


def test_two_digit_year_message_asks_for_the_full_year(one_row):
    [error] = one_row(Ngày_sinh="06/01/90").errors

    with translation.override("en"):
        assert "06/01/90" in error.reason
        assert "dd/mm/yyyy" in error.reason


def test_nfd_text_is_stored_nfc(one_row):
    decomposed = unicodedata.normalize("NFD", "Trần Tấn Tú")
    record = one_row(
        Họ_và_tên=decomposed, Chức_danh=unicodedata.normalize("NFD", "Kỹ sư")
    )

    assert record.values["full_name"] == "Trần Tấn Tú"
    assert unicodedata.is_normalized("NFC", record.values["full_name"])
    assert record.values["position"] == "Kỹ sư"
    assert record.raw["Họ và tên"] == decomposed


def test_text_is_trimmed_and_inner_spaces_collapsed(one_row):
    record = one_row(Họ_và_tên="  Nguyễn   Văn\tAn ", Mã_NV=" NV01 ")

    assert record.values["full_name"] == "Nguyễn Văn An"
    assert record.values["employee_code"] == "NV01"


def test_national_id_stored_as_text_keeps_its_leading_zeros(one_row):
    record = one_row("xlsx", Số_CCCD="001090013807")

    assert record.values["national_id"] == "001090013807"


def test_national_id_that_lost_its_zeros_as_a_number_is_an_error(one_row):
    record = one_row("xlsx", Số_CCCD=1090013807)

    assert error_codes(record) == {"Số CCCD": "cccd_lost_zeros"}
    assert "national_id" not in record.values
    assert record.raw["Số CCCD"] == "1090013807"


def test_eleven_digit_national_id_is_an_error(one_row):
    assert error_codes(one_row(Số_CCCD="00109001380")) == {"Số CCCD": "cccd_length"}


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        ({"Ngày_sinh": "06/01/1991"}, "cccd_year"),
        ({"Giới_tính": "Nữ"}, "cccd_gender"),
    ],
)
def test_national_id_must_agree_with_birth_year_and_gender(one_row, cells, code):
    assert error_codes(one_row(**cells)) == {"Số CCCD": code}


def test_number_codes_become_their_digits(one_row):
    record = one_row("xlsx", Mã_NV=123, Mã_đơn_vị=7.0)

    assert record.values["employee_code"] == "123"
    assert record.values["department_code"] == "7"


@pytest.mark.parametrize(
    "cell",
    [
        "0912345678",
        "0912 345 678",
        "091.234.5678",
        "0912-345-678",
        "+84 912345678",
        "+84 912 345 678",
        "84912345678",
        "912345678",
        912345678,
    ],
)
def test_phone_formats(one_row, cell):
    kind = "csv" if isinstance(cell, str) else "xlsx"

    assert one_row(kind, Điện_thoại=cell).values["phone"] == "0912345678"


def test_bad_phone_is_an_error_of_its_column(one_row):
    assert error_codes(one_row(Điện_thoại="12345")) == {"Điện thoại": "phone"}


@pytest.mark.parametrize(
    ("cell", "gender"),
    [
        ("Nam", "male"),
        ("NAM", "male"),
        ("nam giới", "male"),
        ("Male", "male"),
        ("M", "male"),
        ("Nữ", "female"),
        ("nu", "female"),
        ("NỮ", "female"),
        (unicodedata.normalize("NFD", "Nữ"), "female"),
        ("Female", "female"),
        ("f", "female"),
    ],
)
def test_gender_variants(one_row, cell, gender):
    # A CCCD whose gender digit agrees with each case.
    national_id = "001090013807" if gender == "male" else "001190013807"

    record = one_row(Giới_tính=cell, Số_CCCD=national_id)

    assert record.values["gender"] == gender
    assert record.valid


def test_unknown_gender_is_an_error_and_skips_the_gender_check(one_row):
    record = one_row(Giới_tính="Khác")

    assert error_codes(record) == {"Giới tính": "gender_unknown"}
    assert record.values["national_id"] == "001090013807"


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        ("Đang làm việc", "working"),
        ("dang lam viec", "working"),
        ("Active", "working"),
        ("Nghỉ thai sản", "maternity_leave"),
        ("On leave", "on_leave"),
        ("Đã nghỉ việc", "left"),
        ("ĐÃ NGHỈ VIỆC", "left"),
        ("Terminated", "left"),
        ("Resigned", "left"),
        ("Nghỉ hưu", "retired"),
    ],
)
def test_employment_status_mapping(one_row, cell, status):
    assert one_row(Trạng_thái=cell).values["employment_status"] == status


def test_unknown_status_is_an_error(one_row):
    assert error_codes(one_row(Trạng_thái="Biệt phái")) == {
        "Trạng thái": "status_unknown"
    }


def test_email_is_lower_cased_and_validated(one_row):
    assert (
        one_row(Email=" An.Nguyen@Example.VN ").values["email"]
        == "an.nguyen@example.vn"
    )
    assert error_codes(one_row(Email="an@@example")) == {"Email": "email_invalid"}


def test_empty_optional_cells_give_empty_values(one_row):
    record = one_row(Ngày_sinh="", Số_CCCD="", Điện_thoại="", Email="", Trạng_thái="")

    assert record.valid
    assert record.values["date_of_birth"] is None
    assert record.values["national_id"] is None
    assert record.values["phone"] == ""
    assert record.values["email"] == ""
    assert record.values["employment_status"] == ""


def test_missing_code_or_name_is_an_error_of_that_column(one_row):
    record = one_row(Mã_NV="", Họ_và_tên="  ")

    assert error_codes(record) == {"Mã NV": "required", "Họ và tên": "required"}
    with translation.override("en"):
        assert [str(error) for error in record.errors] == [
            "Mã NV: This row has no employee code.",
            "Họ và tên: This row has no full name.",
        ]


def test_blank_rows_are_skipped_but_counted_and_row_numbers_kept(make_csv):
    rows = [
        VN_HEADERS,
        VN_ROW,
        [],
        [""] * len(VN_HEADERS),
        ["41"],  # an STT with nothing else: no data
        [" ", "", "  "],
        ["3", "NV03", "Trần Văn Cường"],
    ]

    hrm = read_hrm_file(make_csv(rows))
    records = list(hrm.records())

    assert [record.row_number for record in records] == [2, 7]
    assert (hrm.total_rows, hrm.blank_rows, hrm.row_count) == (2, 4, 6)


def test_cells_right_of_the_header_are_kept_in_raw(make_csv):
    hrm = read_hrm_file(
        make_csv([["Mã NV", "Họ tên", ""], ["NV01", "An", "x", "ghi chú"]])
    )

    [record] = hrm.records()

    assert hrm.headers == ("Mã NV", "Họ tên", "C")
    assert record.raw == {"Mã NV": "NV01", "Họ tên": "An", "C": "x", "D": "ghi chú"}


def test_records_can_be_read_twice_alike(make_xlsx):
    hrm = read_hrm_file(make_xlsx([VN_HEADERS, VN_ROW, VN_ROW]))

    first = [(record.row_number, record.values) for record in hrm.records()]
    second = [(record.row_number, record.values) for record in hrm.records()]

    assert first == second
    assert len(first) == 2
