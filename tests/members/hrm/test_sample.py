"""The shared VNPT-shaped sample, as a workbook and as a CSV, read alike."""

import unicodedata

import pytest

from members.hrm import read_hrm_file
from tests.conftest import require_service
from tests.members.hrm.builders import SHARED_HRM


@pytest.fixture(params=["sample_vnpt.xlsx", "sample_vnpt.csv"])
def sample(request):
    path = SHARED_HRM / request.param
    require_service(path.exists(), f"the shared HRM sample {path} is absent")
    hrm = read_hrm_file(path)
    return hrm, {record.raw["STT"]: record for record in hrm.records()}


def test_sample_has_forty_data_rows_below_its_header(sample):
    hrm, by_number = sample

    assert len(by_number) == 40
    assert hrm.total_rows == 40
    assert hrm.blank_rows == 0
    # The workbook has a title block above its header; the CSV starts with it.
    assert hrm.header_row == (5 if hrm.kind == "xlsx" else 1)
    assert by_number["1"].row_number == hrm.header_row + 1
    assert set(hrm.columns) == {
        "employee_code", "full_name", "date_of_birth", "gender", "national_id",
        "phone", "email", "department_code", "department_name", "position",
        "hire_date", "employment_status",
    }  # fmt: skip


def test_sample_faults_are_reported_on_their_columns(sample):
    _hrm, by_number = sample

    # Duplicate codes are reported as values; holding them is the next layer's job.
    assert by_number["5"].values["employee_code"] == "NV000005"
    assert by_number["6"].values["employee_code"] == "NV000005"
    assert [(e.column, e.code) for e in by_number["10"].errors] == [
        ("Số CCCD", "cccd_length")
    ]
    assert [(e.column, e.code) for e in by_number["14"].errors] == [
        ("Họ và tên", "required")
    ]
    name = by_number["8"].values["full_name"]
    assert name == unicodedata.normalize("NFC", by_number["8"].raw["Họ và tên"])
    assert unicodedata.is_normalized("NFC", name)
    assert not unicodedata.is_normalized("NFC", by_number["8"].raw["Họ và tên"])


def test_sample_dates_phones_and_statuses_all_read(sample):
    _hrm, by_number = sample

    # Only the README's faults fail: STT 10's CCCD and STT 14's missing name.
    failing = {
        stt: [error.code for error in record.errors]
        for stt, record in by_number.items()
        if record.errors
    }
    assert failing == {"10": ["cccd_length"], "14": ["required"]}
    for record in by_number.values():
        assert record.values["date_of_birth"] is not None
        assert record.values["phone"].startswith("0")
        assert record.values["employment_status"] in {
            "working",
            "maternity_leave",
            "left",
        }


def test_sample_workbook_and_csv_give_identical_records():
    paths = [SHARED_HRM / "sample_vnpt.xlsx", SHARED_HRM / "sample_vnpt.csv"]
    require_service(
        all(path.exists() for path in paths), "the shared HRM sample is absent"
    )

    xlsx, csv = (
        [
            (
                record.values,
                [(e.column, e.code, e.params) for e in record.errors],
                record.raw,
            )
            for record in read_hrm_file(path).records()
        ]
        for path in paths
    )

    assert xlsx == csv
