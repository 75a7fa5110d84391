"""Header aliases of HRM exports and the search for the header row."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from members.hrm.refusals import FileRefused
from members.hrm.values import cell_text
from members.text import fold, nfc

# How many rows from the top may hold a title block above the header row.
HEADER_SCAN_ROWS = 30

# The fields a row is read into, in the order they are cleaned (date of birth
# and gender before the national ID, which is checked against them).
FIELD_LABELS = {
    "employee_code": _("employee code"),
    "full_name": _("full name"),
    "date_of_birth": _("date of birth"),
    "gender": _("gender"),
    "national_id": _("national ID (CCCD)"),
    "phone": _("phone"),
    "email": _("e-mail"),
    "department_code": _("department code"),
    "department_name": _("department name"),
    "position": _("position"),
    "hire_date": _("hire date"),
    "employment_status": _("employment status"),
}
FIELDS = tuple(FIELD_LABELS)
REQUIRED_FIELDS = ("employee_code", "full_name")

# Headers as the exports write them; matching ignores case, diacritics,
# spacing, punctuation and anything in brackets (see header_key).
ALIASES: dict[str, tuple[str, ...]] = {
    "employee_code": (
        "Mã NV", "Mã nhân viên", "Mã số nhân viên", "MSNV", "Mã CBNV",
        "Mã nhân sự", "Mã NS", "Employee ID", "Employee code", "Employee No",
        "Employee number", "Emp ID", "Emp code", "Staff ID", "Staff code",
    ),
    "full_name": (
        "Họ và tên", "Họ tên", "Họ và tên nhân viên", "Tên nhân viên",
        "Full name", "Name", "Employee name", "Staff name",
    ),
    "date_of_birth": (
        "Ngày sinh", "Ngày tháng năm sinh", "Date of birth", "Birth date",
        "Birthdate", "Birthday", "DOB",
    ),
    "gender": ("Giới tính", "Gender", "Sex"),
    "national_id": (
        "Số CCCD", "CCCD", "CMND/CCCD", "CCCD/CMND", "Số CMND/CCCD",
        "Số CCCD/CMND", "Số định danh", "Số định danh cá nhân", "National ID",
        "National ID number", "ID number", "ID card", "Citizen ID",
    ),
    "phone": (
        "Điện thoại", "Số điện thoại", "SĐT", "Số ĐT", "Điện thoại di động",
        "Di động", "Mobile", "Mobile phone", "Phone", "Phone number",
        "Telephone", "Tel",
    ),
    "email": (
        "Email", "E-mail", "Work email", "Email công ty", "Địa chỉ email",
        "Thư điện tử", "Email address",
    ),
    "department_code": (
        "Mã đơn vị", "Mã phòng ban", "Mã bộ phận", "Department code",
        "Dept code", "Department ID", "Dept ID", "Unit code",
    ),
    "department_name": (
        "Tên đơn vị", "Đơn vị", "Phòng ban", "Tên phòng ban", "Bộ phận",
        "Department", "Department name", "Dept", "Unit", "Unit name",
    ),
    "position": (
        "Chức danh", "Chức vụ", "Vị trí", "Vị trí công việc", "Position",
        "Job title",
    ),
    "hire_date": (
        "Ngày vào công ty", "Ngày vào làm", "Ngày bắt đầu làm việc",
        "Ngày tuyển dụng", "Hire date", "Start date", "Date hired",
        "Joining date", "Date of joining",
    ),
    "employment_status": (
        "Trạng thái", "Trạng thái làm việc", "Tình trạng", "Tình trạng làm việc",
        "Employment status", "Status", "Work status",
    ),
}  # fmt: skip

_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    """Return the key a header is matched by: "Số CCCD (12 số)" -> "socccd"."""
    folded = fold(text)
    key = _NOT_ALNUM.sub("", _BRACKETED.sub(" ", folded))
    # A header that is all brackets keeps its content.
    return key or _NOT_ALNUM.sub("", folded)


def alias_index(
    aliases: Mapping[str, Iterable[str]] | None = None,
    ignore: Iterable[str] = (),
) -> dict[str, str | None]:
    """Return header key -> field, built-in aliases first, then a profile's.

    A profile's alias wins over a built-in one with the same key, so that an
    employer whose "Đơn vị" holds unit codes can say so; an ignored header maps
    to None and is never a field's column.
    """
    index: dict[str, str | None] = {}
    for source in (ALIASES, aliases or {}):
        for field_name, texts in source.items():
            for text in texts:
                index[header_key(text)] = field_name
    for text in ignore:
        index[header_key(text)] = None
    return index


_BUILT_IN_INDEX = alias_index()


class Column(NamedTuple):
    """Where a field sits: 0-based index in the row, header as written, letter."""

    index: int
    header: str
    letter: str


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column index: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


@dataclass(frozen=True)
class HeaderRow:
    """One candidate header row: its cells and the fields they name."""

    row_number: int
    cells: tuple[str, ...]
    fields: dict[str, list[int]] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [name for name in REQUIRED_FIELDS if name not in self.fields]

    @property
    def rank(self) -> tuple[bool, int]:
        """Order candidates: complete ones first, then by fields named."""
        return (not self.missing, len(self.fields))


def header_row_read(
    cells: Sequence[object], *, row_number: int, index: Mapping[str, str | None]
) -> HeaderRow:
    """Return the fields a row's cells name, as a header row."""
    texts = tuple(
        nfc(cell) if isinstance(cell, str) else cell_text(cell) for cell in cells
    )
    fields: dict[str, list[int]] = {}
    for position, (cell, text) in enumerate(zip(cells, texts, strict=True)):
        if not isinstance(cell, str) or not text:
            continue
        field_name = index.get(header_key(text))
        if field_name is not None:
            fields.setdefault(field_name, []).append(position)
    return HeaderRow(row_number=row_number, cells=texts, fields=fields)


def header_scan(
    rows: Iterable[Sequence[object]],
    *,
    index: Mapping[str, str | None] | None = None,
    header_row: int | None = None,
    scan_rows: int = HEADER_SCAN_ROWS,
) -> HeaderRow | None:
    """Return the best header row among the first rows, or None if there are none.

    ``rows`` are the sheet's rows from row 1. The best row names both required
    fields and the most fields; on a tie the upper row wins. With a fixed
    ``header_row`` (1-based) that row is returned whatever it names.
    """
    index = _BUILT_IN_INDEX if index is None else index
    best: HeaderRow | None = None
    limit = header_row or scan_rows
    for row_number, cells in enumerate(rows, start=1):
        if row_number > limit:
            break
        if header_row is not None and row_number != header_row:
            continue
        candidate = header_row_read(cells, row_number=row_number, index=index)
        if best is None or candidate.rank > best.rank:
            best = candidate
    return best


@dataclass(frozen=True)
class Layout:
    """Where the header row is and which column holds which field."""

    header_row: int
    columns: dict[str, Column]
    # The report key of every column in file order: the header as written,
    # the column letter where it is blank, "header (letter)" where repeated.
    headers: tuple[str, ...]
    column_offset: int = 0


def layout_build(
    header: HeaderRow | None,
    *,
    file_name: str,
    column_offset: int = 0,
    fixed: bool = False,
    scan_rows: int = HEADER_SCAN_ROWS,
) -> Layout:
    """Return the layout a header row gives, or refuse the file whole.

    ``column_offset`` is the index of the sheet's first column (a sheet whose
    data starts in column C has offset 2), for the letters staff see.
    """
    if header is None or not header.fields:
        if fixed:
            raise _refuse_fixed_row(header, file_name=file_name)
        raise FileRefused(
            _(
                "%(name)s has no header row the importer recognises in its first "
                "%(rows)s rows. It needs at least a column for the employee code "
                '(such as "Mã NV") and one for the full name (such as "Họ và tên").'
            ),
            code="unknown_layout",
            params={"name": file_name, "rows": scan_rows},
        )
    letters = [
        column_letter(position + column_offset) for position in range(len(header.cells))
    ]
    if header.missing:
        if fixed:
            raise _refuse_fixed_row(header, file_name=file_name)
        raise FileRefused(
            _(
                "%(name)s has an unknown layout: row %(row)s comes closest, with "
                "the columns %(found)s, but it has no column for %(missing)s. "
                "Rename the columns, or add their headers to the employer's "
                "mapping profile."
            ),
            code="unknown_layout",
            params={
                "name": file_name,
                "row": header.row_number,
                "found": _found(header),
                "missing": _labels(header.missing),
            },
        )
    for field_name, positions in header.fields.items():
        if len(positions) > 1:
            first, second = positions[:2]
            raise FileRefused(
                _(
                    "%(name)s has two columns for %(field)s: "
                    '"%(first)s" (column %(first_letter)s) and "%(second)s" '
                    "(column %(second_letter)s). Remove one, or tell them apart "
                    "in the employer's mapping profile."
                ),
                code="duplicate_columns",
                params={
                    "name": file_name,
                    "field": FIELD_LABELS[field_name],
                    "first": header.cells[first],
                    "first_letter": letters[first],
                    "second": header.cells[second],
                    "second_letter": letters[second],
                },
            )
    columns = {
        field_name: Column(
            positions[0], header.cells[positions[0]], letters[positions[0]]
        )
        for field_name, positions in sorted(
            header.fields.items(), key=lambda item: FIELDS.index(item[0])
        )
    }
    return Layout(
        header_row=header.row_number,
        columns=columns,
        headers=_report_keys(header.cells, letters),
        column_offset=column_offset,
    )


def _report_keys(cells: Sequence[str], letters: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    for text in cells:
        if text:
            seen[text] = seen.get(text, 0) + 1
    keys = []
    for text, letter in zip(cells, letters, strict=True):
        if not text:
            keys.append(letter)
        elif seen[text] > 1:
            keys.append(f"{text} ({letter})")
        else:
            keys.append(text)
    return tuple(keys)


def _found(header: HeaderRow) -> object:
    headers = [header.cells[positions[0]] for positions in header.fields.values()]
    if not headers:
        return _("(no known column)")
    return ", ".join(f'"{text}"' for text in headers)


def _labels(field_names: Sequence[str]) -> object:
    """Return the fields' labels joined, translated when rendered."""
    return format_lazy(
        ", ".join("{}" for _name in field_names),
        *(FIELD_LABELS[name] for name in field_names),
    )


def _refuse_fixed_row(header: HeaderRow | None, *, file_name: str) -> FileRefused:
    if header is None:
        return FileRefused(
            _(
                "%(name)s is shorter than the header row set in the employer's "
                "mapping profile: correct the header row in the profile, or "
                "check that this is the right file."
            ),
            code="unknown_layout",
            params={"name": file_name},
        )
    return FileRefused(
        _(
            "Row %(row)s of %(name)s, the header row set in the employer's mapping "
            "profile, has the columns %(found)s but no column for %(missing)s. "
            "Correct the header row in the profile, or the file's headers."
        ),
        code="unknown_layout",
        params={
            "name": file_name,
            "row": header.row_number,
            "found": _found(header),
            "missing": _labels(header.missing or REQUIRED_FIELDS),
        },
    )
