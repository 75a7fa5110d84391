"""An HRM file read into records: one per data row, clean values or reasons."""

import contextlib
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.hrm.files import (
    CSV_DELIMITERS,
    DEFAULT_MAX_BYTES,
    CheckedFile,
    csv_count_rows,
    csv_rows,
    file_check,
    xlsx_column_offset,
    xlsx_row_count,
    xlsx_rows,
    xlsx_sheets,
    xlsx_workbook,
)
from members.hrm.headers import (
    FIELD_LABELS,
    Column,
    HeaderRow,
    Layout,
    alias_index,
    column_letter,
    header_scan,
    layout_build,
)
from members.hrm.profiles import MappingProfile, profile_coerce
from members.hrm.refusals import FileRefused, render
from members.hrm.values import (
    GENDER_ALIASES,
    STATUS_ALIASES,
    Vocabulary,
    cell_text,
    date_clean,
    email_clean,
    gender_clean,
    national_id_value_clean,
    phone_value_clean,
    status_clean,
    text_clean,
)

CODE_MAX_LENGTH = 64
TEXT_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one cell of a row cannot be taken: its column as headed in the file."""

    column: str
    field: str
    code: str
    message: Any
    params: Mapping[str, Any] | None = None

    @property
    def reason(self) -> str:
        """Return the reason rendered in the active language."""
        return render(self.message, self.params)

    def __str__(self) -> str:
        return f"{self.column}: {self.reason}"


class HrmRecord:
    """One data row: its spreadsheet row number, clean values, raw text, errors.

    ``values`` holds a field only when the file has its column and the cell is
    clean; an empty cell gives "" (text) or None (dates, national ID).
    ``raw`` is every cell as text, keyed like ``HrmFile.headers`` (cells right
    of the header row by column letter); it is built when asked for, from the
    row's cells the record keeps, and is None for a valid record read with
    ``records(keep_valid_cells=False)``.
    """

    __slots__ = ("_cells", "_shape", "errors", "row_number", "values")

    def __init__(
        self,
        *,
        row_number: int,
        values: dict[str, Any],
        errors: list[RowError],
        cells: Sequence[Any] | None,
        shape: "_RawShape",
    ):
        self.row_number = row_number
        self.values = values
        self.errors = errors
        self._cells = cells
        self._shape = shape

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def raw(self) -> dict[str, str] | None:
        return None if self._cells is None else self._shape.raw(self._cells)

    def __repr__(self) -> str:
        return (
            f"HrmRecord(row_number={self.row_number!r}, values={self.values!r}, "
            f"errors={self.errors!r})"
        )


class HrmFile:
    """A checked HRM file whose layout is known; ``records()`` reads its rows.

    ``records()`` streams the rows each time it is called, so a second pass
    reads the file again instead of holding every record in memory.
    ``total_rows`` (data rows) and ``blank_rows`` (rows skipped for holding
    nothing in any mapped column) are set when a pass reaches the end.
    """

    def __init__(
        self,
        *,
        checked: CheckedFile,
        layout: Layout,
        profile: MappingProfile,
        row_count: int,
        sheet: Any = None,
        delimiter: str = "",
    ):
        self._checked = checked
        self._layout = layout
        self._profile = profile
        self._sheet = sheet
        self.file_name = checked.file_name
        self.kind = checked.kind
        self.size = checked.size
        self.sha256 = checked.sha256
        self.encoding = checked.encoding
        self.sheet_name: str = sheet.name if sheet is not None else ""
        self.delimiter = delimiter
        self.header_row = layout.header_row
        self.column_offset = layout.column_offset
        self.columns: dict[str, Column] = layout.columns
        self.headers: tuple[str, ...] = layout.headers
        self.row_count = row_count
        self.total_rows: int | None = None
        self.blank_rows: int | None = None

    def __repr__(self) -> str:
        return f"<HrmFile {self.file_name} header_row={self.header_row}>"

    def records(self, *, keep_valid_cells: bool = True) -> Iterator[HrmRecord]:
        """Yield a record for every row below the header that holds data.

        Without ``keep_valid_cells`` only invalid records keep their cells
        (their ``raw``): a caller holding every record of a large file keeps
        a third less memory.
        """
        clean = _RowCleaner(self._layout, self._profile)
        total = blank = 0
        source = self._rows()
        rows = itertools.islice(source, self.header_row, None)
        try:
            for row_number, cells in enumerate(rows, start=self.header_row + 1):
                record = clean(cells, row_number, keep_valid_cells)
                if record is None:
                    blank += 1
                    continue
                total += 1
                yield record
        finally:
            # A pass left early (the first record only) lets go of the file now,
            # while a caller's handle is still open, not when collected.
            if hasattr(source, "close"):
                source.close()
        self.total_rows, self.blank_rows = total, blank

    def record_from_cells(
        self, cells: Sequence[Any], row_number: int
    ) -> HrmRecord | None:
        """Clean one row given as cells in this file's layout (a corrected row).

        Returns None when the row holds nothing in any mapped column.
        """
        return _RowCleaner(self._layout, self._profile)(cells, row_number)

    def rows(self) -> Iterator[Sequence[Any]]:
        """Yield every row from row 1 as its cells, typed as the reader gets them.

        A workbook's rows start at its first used column (``column_offset``).
        """
        return self._rows()

    def _rows(self) -> Iterator[Sequence[Any]]:
        if self.kind == "xlsx":
            return xlsx_rows(self._sheet)
        return csv_rows(self._checked, delimiter=self.delimiter)


def read_hrm_file(
    source: Any,
    *,
    file_name: str = "",
    profile: MappingProfile | Mapping[str, Any] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> HrmFile:
    """Check an HRM file, find its header row and columns, and return it to read.

    ``source`` is a path, a Django UploadedFile or a binary file object (kept
    open: it is read again by each ``records()`` pass). ``file_name`` names
    the file in messages and gives its type (.xlsx or .csv); it defaults to
    the source's name. Raises FileRefused when the file is unsafe, unreadable
    or of unknown layout, and ValidationError when the profile is malformed.
    """
    profile = profile_coerce(profile)
    checked = file_check(source, file_name=file_name, max_bytes=max_bytes)
    index = alias_index(profile.aliases, profile.ignore)
    fixed = profile.header_row is not None
    if checked.kind == "xlsx":
        hrm = _xlsx_read(checked, profile=profile, index=index, fixed=fixed)
    else:
        hrm = _csv_read(checked, profile=profile, index=index, fixed=fixed)
    _rows_required(hrm)
    return hrm


def _rows_required(hrm: "HrmFile") -> None:
    """Refuse a file whose header row has no employee below it.

    Such a file would otherwise run as a file of nobody: for an employer that
    sends full files, every member would look missing from it. Reading stops
    at the first row with data, so a real file costs one row more.
    """
    first = None
    if hrm.row_count > 0:
        with contextlib.closing(hrm.records()) as records:
            first = next(records, None)
    if first is None:
        raise FileRefused(
            _(
                "%(name)s has its headers in row %(row)s but no employee in the "
                "rows below: export the file again from the HRM system, with the "
                "employees' rows."
            ),
            code="no_rows",
            params={"name": hrm.file_name, "row": hrm.header_row},
        )


def _xlsx_read(
    checked: CheckedFile, *, profile: MappingProfile, index: dict, fixed: bool
) -> HrmFile:
    workbook = xlsx_workbook(checked)
    best: tuple[HeaderRow | None, Any] = (None, None)
    with contextlib.closing(workbook):
        for sheet in xlsx_sheets(workbook, file_name=checked.file_name):
            header = header_scan(
                xlsx_rows(sheet), index=index, header_row=profile.header_row
            )
            if best[1] is None or (
                header is not None and (best[0] is None or header.rank > best[0].rank)
            ):
                best = (header, sheet)
    header, sheet = best
    layout = layout_build(
        header,
        file_name=checked.file_name,
        column_offset=xlsx_column_offset(sheet) if sheet is not None else 0,
        fixed=fixed,
    )
    return HrmFile(
        checked=checked,
        layout=layout,
        profile=profile,
        sheet=sheet,
        row_count=xlsx_row_count(sheet) - layout.header_row,
    )


def _csv_read(
    checked: CheckedFile, *, profile: MappingProfile, index: dict, fixed: bool
) -> HrmFile:
    best: tuple[tuple, HeaderRow | None, str] = ((), None, CSV_DELIMITERS[0])
    for delimiter in CSV_DELIMITERS:
        with contextlib.closing(csv_rows(checked, delimiter=delimiter)) as rows:
            header = header_scan(rows, index=index, header_row=profile.header_row)
        if header is None:
            continue
        # On a tie the delimiter that splits the header into more cells wins.
        key = (header.rank, sum(1 for cell in header.cells if cell))
        if key > best[0]:
            best = (key, header, delimiter)
    _key, header, delimiter = best
    layout = layout_build(header, file_name=checked.file_name, fixed=fixed)
    row_count = csv_count_rows(checked, delimiter=delimiter)
    return HrmFile(
        checked=checked,
        layout=layout,
        profile=profile,
        delimiter=delimiter,
        row_count=row_count - layout.header_row,
    )


@dataclass(frozen=True)
class _RawShape:
    headers: tuple[str, ...]
    offset: int

    def raw(self, cells: Sequence[Any]) -> dict[str, str]:
        """Return every cell as text under its report key, extra cells by letter."""
        width = len(self.headers)
        texts = [cell_text(cell) for cell in cells]
        texts.extend([""] * (width - len(texts)))
        raw = dict(zip(self.headers, texts, strict=False))
        for index in range(width, len(texts)):
            if texts[index].strip():
                raw.setdefault(column_letter(index + self.offset), texts[index])
        return raw


_REQUIRED = object()


class _RowCleaner:
    """Turn one row's cells into a record, with the layout and profile at hand."""

    def __init__(self, layout: Layout, profile: MappingProfile):
        self.shape = _RawShape(headers=layout.headers, offset=layout.column_offset)
        genders = Vocabulary(GENDER_ALIASES, profile.genders)
        statuses = Vocabulary(STATUS_ALIASES, profile.statuses)
        cleaners = {
            "employee_code": (_REQUIRED, _code),
            "full_name": (_REQUIRED, _text),
            "date_of_birth": (None, _remembered(_date)),
            "gender": (
                "",
                lambda cell, _values: gender_clean(cell, vocabulary=genders),
            ),
            "national_id": (None, _national_id),
            "phone": ("", _phone),
            "email": ("", _email),
            "department_code": ("", _remembered(_code)),
            "department_name": ("", _remembered(_text)),
            "position": ("", _remembered(_text)),
            "hire_date": (None, _remembered(_date)),
            "employment_status": (
                "",
                lambda cell, _values: status_clean(cell, vocabulary=statuses),
            ),
        }
        # Columns in FIELDS order: the national ID after date of birth and gender.
        self.plan = [
            (name, column.index, column.header, *cleaners[name])
            for name, column in layout.columns.items()
        ]

    def __call__(
        self, cells: Sequence[Any], row_number: int, keep_valid_cells: bool = True
    ) -> HrmRecord | None:
        count = len(cells)
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        has_data = False
        for name, index, header, empty, clean in self.plan:
            cell = cells[index] if index < count else None
            if cell is None or (isinstance(cell, str) and (not cell or cell.isspace())):
                if empty is _REQUIRED:
                    errors.append(
                        RowError(
                            column=header,
                            field=name,
                            code="required",
                            message=_("This row has no %(field)s."),
                            params={"field": FIELD_LABELS[name]},
                        )
                    )
                else:
                    values[name] = empty
                continue
            has_data = True
            try:
                values[name] = clean(cell, values)
            except ValidationError as error:
                errors.append(
                    RowError(
                        column=header,
                        field=name,
                        code=error.code or "invalid",
                        message=error.message,
                        params=error.params,
                    )
                )
        if not has_data:
            return None
        return HrmRecord(
            row_number=row_number,
            values=values,
            errors=errors,
            cells=cells if errors or keep_valid_cells else None,
            shape=self.shape,
        )


# Distinct texts a column remembers the clean value of.
_REMEMBERED_TEXTS = 50_000


def _remembered(clean: Callable[[Any, dict], Any]) -> Callable[[Any, dict], Any]:
    """Return the cleaner remembering its results for text cells.

    Departments, positions and dates repeat across thousands of rows; only
    str cells are remembered, since True, 1 and 1.0 are equal dict keys.
    """
    results: dict[str, Any] = {}

    def remembered(cell: Any, values: dict) -> Any:
        if cell.__class__ is not str:
            return clean(cell, values)
        try:
            return results[cell]
        except KeyError:
            value = clean(cell, values)
            if len(results) < _REMEMBERED_TEXTS:
                results[cell] = value
            return value

    return remembered


def _code(cell: Any, _values: dict) -> str:
    return text_clean(cell, max_length=CODE_MAX_LENGTH)


def _text(cell: Any, _values: dict) -> str:
    return text_clean(cell, max_length=TEXT_MAX_LENGTH)


def _date(cell: Any, _values: dict) -> Any:
    return date_clean(cell)


def _phone(cell: Any, _values: dict) -> str:
    return phone_value_clean(cell)


def _email(cell: Any, _values: dict) -> str:
    return email_clean(cell)


def _national_id(cell: Any, values: dict) -> str:
    return national_id_value_clean(
        cell,
        date_of_birth=values.get("date_of_birth"),
        gender=values.get("gender", ""),
    )
