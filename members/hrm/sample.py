"""A sample HRM workbook: the headers the reader accepts and two example rows."""

from collections.abc import Sequence
from datetime import date
from io import BytesIO

from django.utils.translation import gettext as _

from members.hrm.headers import ALIASES, FIELDS
from members.resources import cell_escape, sheet_title

# Two made-up employees, named for what they are ("Mẫu", sample; "Thử",
# trial), whose every cell reads without an error: a CCCD that matches the
# birth year and gender, a mobile number, dates, words the reader knows for
# gender and status.
EXAMPLES = (
    {
        "employee_code": "MAU0001",
        "full_name": "Nguyễn Văn Mẫu",
        "date_of_birth": date(1990, 1, 6),
        "gender": "Nam",
        "national_id": "001090099991",
        "phone": "0912 345 678",
        "email": "mau.nguyen@example.vn",
        "department_code": "PB01",
        "department_name": "Phòng Kỹ thuật",
        "position": "Kỹ sư",
        "hire_date": date(2015, 2, 14),
        "employment_status": "Đang làm việc",
    },
    {
        "employee_code": "MAU0002",
        "full_name": "Trần Thị Thử",
        "date_of_birth": date(1992, 8, 21),
        "gender": "Nữ",
        "national_id": "001192099992",
        "phone": "0987 654 321",
        "email": "thu.tran@example.vn",
        "department_code": "PB02",
        "department_name": "Phòng Kinh doanh",
        "position": "Chuyên viên",
        "hire_date": date(2018, 9, 3),
        "employment_status": "Đang làm việc",
    },
)
DATE_FORMAT = "DD/MM/YYYY"


def hrm_sample_headers() -> list[str]:
    """Return the sample's headers: each field's first (Vietnamese) alias."""
    return [ALIASES[field][0] for field in FIELDS]


def hrm_sample_workbook(*, departments: Sequence[tuple[str, str]] = ()) -> bytes:
    """Return an .xlsx with the headers and two example rows, as the reader takes.

    ``departments`` (code, name) replace the examples' made-up departments,
    so that a sample made for an employer lands in its mapped union units.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(_("HRM data")))
    sheet.append(hrm_sample_headers())
    for index, example in enumerate(EXAMPLES):
        values = dict(example)
        if departments:
            code, name = departments[index % len(departments)]
            values["department_code"], values["department_name"] = code, name
        row = []
        for field in FIELDS:
            cell = WriteOnlyCell(sheet, value=cell_escape(values[field]))
            if isinstance(values[field], date):
                cell.number_format = DATE_FORMAT
            row.append(cell)
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
