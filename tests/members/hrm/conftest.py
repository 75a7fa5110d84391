"""Small HRM files built in tmp_path: workbooks with openpyxl, CSVs in any encoding."""

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pytest

from tests.members.hrm.builders import encode


@pytest.fixture
def make_xlsx(tmp_path) -> Callable[..., Path]:
    """Return a builder of .xlsx files: rows of one sheet, or {title: rows}."""

    def make(
        rows: Sequence[Sequence[object]] | None = None,
        *,
        sheets: dict[str, Sequence[Sequence[object]]] | None = None,
        name: str = "hrm.xlsx",
        first_column: int = 1,
        first_row: int = 1,
    ) -> Path:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for title, sheet_rows in (sheets or {"Nhân sự": rows or []}).items():
            sheet = workbook.create_sheet(title)
            for row_offset, row in enumerate(sheet_rows):
                for column_offset, value in enumerate(row):
                    if value is not None and value != "":
                        sheet.cell(
                            row=first_row + row_offset,
                            column=first_column + column_offset,
                            value=value,
                        )
        path = tmp_path / name
        workbook.save(path)
        return path

    return make


@pytest.fixture
def make_csv(tmp_path) -> Callable[..., Path]:
    """Return a builder of CSV files in a given encoding and delimiter."""

    def make(
        rows: Sequence[Sequence[object]],
        *,
        name: str = "hrm.csv",
        encoding: str = "utf-8-sig",
        delimiter: str = ",",
    ) -> Path:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        path = tmp_path / name
        path.write_bytes(encode(buffer.getvalue(), encoding))
        return path

    return make
