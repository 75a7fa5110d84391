"""An HRM file rewritten without one person's rows and cells, for their erasure.

The rewritten file is what the import reads again (a run confirmed, resumed,
a held row fixed): every other row stays at its row number with the cells
the reader read, and the header rows above stay as they were. The person's
rows become blank rows, which the reader skips; their CCCD, phone or e-mail
found in another row (a typo, a shared phone) is blanked in that cell alone.

A workbook is written anew holding the one sheet the import reads, its
cells' values and types as python-calamine read them: formatting, other
sheets, comments and the document's properties (its author) are not kept.
A CSV keeps its encoding and delimiter.
"""

import csv
import hashlib
import hmac
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import xlsxwriter
from django.conf import settings

from members.hrm.records import HrmFile
from members.hrm.values import cell_text, text_clean
from members.text import nfc

# Nine digits or more, one space, dot or dash at most between two, "+" first
# perhaps: how a CCCD or a phone is written in a cell or a sentence.
DIGIT_RUN = re.compile(r"\+?\d(?:[ .\-]?\d){8,}")
_NOT_DIGIT = re.compile(r"\D")
_EMAIL = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+")
_SALT = "members.hrm.redaction.mark"


def digit_forms(*, national_id: str = "", phone: str = "") -> frozenset[str]:
    """Return the digit strings a CCCD or a phone (0xxxxxxxxx) shows as in cells.

    A number cell loses a CCCD's leading zeros and a phone's 0; a phone may
    also be written with +84 or 84.
    """
    forms = set()
    if national_id:
        forms |= {national_id, national_id.lstrip("0")}
    if phone:
        forms |= {phone, phone[1:], "84" + phone[1:]}
    return frozenset(form for form in forms if len(form) >= 9)


def mark(text: str) -> str:
    """Return the keyed hash an identifier is kept and compared as.

    Keyed by the secret key, so that a kept mark cannot be reversed by
    hashing every possible CCCD or phone number.
    """
    key = hashlib.sha256((_SALT + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PersonMarks:
    """What shows that a row or a cell of an HRM file is one person's (or several's).

    A row is theirs when it is one of ``rows`` or its employee code is one
    of ``codes``; a cell is theirs when it holds one of ``digits`` (a CCCD,
    a phone, written in any grouping) or of ``emails``. Codes, digits and
    e-mails are kept as marks (``mark``), never as themselves, so that the
    marks can wait in the database for the files to be rewritten.
    """

    codes: frozenset[str] = frozenset()
    rows: frozenset[int] = frozenset()
    digits: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()

    def __or__(self, other: "PersonMarks") -> "PersonMarks":
        return PersonMarks(
            codes=self.codes | other.codes,
            rows=self.rows | other.rows,
            digits=self.digits | other.digits,
            emails=self.emails | other.emails,
        )

    def text_is_theirs(self, text: str) -> bool:
        """Return whether a text holds the person's CCCD, phone or e-mail."""
        if not text:
            return False
        if self.emails and "@" in text:
            for email in _EMAIL.findall(text):
                if mark(email.rstrip(".").casefold()) in self.emails:
                    return True
        if self.digits:
            for run in DIGIT_RUN.findall(text):
                if mark(_NOT_DIGIT.sub("", run)) in self.digits:
                    return True
        return False

    def cell_is_theirs(self, cell: Any) -> bool:
        if cell is None or cell == "":
            return False
        return self.text_is_theirs(cell_text(cell))

    def code_is_theirs(self, cell: Any) -> bool:
        if not self.codes or cell is None or cell == "":
            return False
        try:
            return mark(text_clean(cell, max_length=10_000)) in self.codes
        except Exception:  # a cell no cleaner takes is no code of theirs
            return False

    def values_without(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Return a held row's values ({header: text}) with the person's cells blank."""
        return {
            key: "" if isinstance(value, str) and self.text_is_theirs(value) else value
            for key, value in values.items()
        }


def person_marks(
    *,
    codes: Iterable[str] = (),
    rows: Iterable[int] = (),
    national_ids: Iterable[str] = (),
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
) -> PersonMarks:
    """Return one person's marks from their identifiers as the register keeps them."""
    digits = set()
    for national_id in national_ids:
        digits |= digit_forms(national_id=national_id or "")
    for phone in phones:
        digits |= digit_forms(phone=phone or "")
    return PersonMarks(
        codes=frozenset(mark(nfc(code)) for code in codes if code),
        rows=frozenset(rows),
        digits=frozenset(mark(form) for form in digits),
        emails=frozenset(mark(email.casefold()) for email in emails if email),
    )


@dataclass
class Redaction:
    """A file rewritten: its new content, the person's rows, the cells blanked."""

    content: bytes
    rows: list[int]
    cells: int


def hrm_file_redact(hrm: HrmFile, marks: PersonMarks) -> Redaction | None:
    """Return the file rewritten without the person, or None if nothing is theirs."""
    code_column = hrm.columns["employee_code"].index
    rows: list[Sequence[Any]] = []
    erased_rows: list[int] = []
    cells = 0
    for row_number, row in enumerate(hrm.rows(), start=1):
        if row_number <= hrm.header_row:
            rows.append(row)
            continue
        code = row[code_column] if code_column < len(row) else None
        if row_number in marks.rows or marks.code_is_theirs(code):
            if any(cell not in (None, "") for cell in row):
                erased_rows.append(row_number)
            rows.append([])
            continue
        theirs = [marks.cell_is_theirs(cell) for cell in row]
        if any(theirs):
            cells += sum(theirs)
            row = ["" if mine else cell for cell, mine in zip(row, theirs, strict=True)]
        rows.append(row)
    if not erased_rows and not cells:
        return None
    if hrm.kind == "xlsx":
        content = _xlsx_write(rows, sheet_name=hrm.sheet_name, offset=hrm.column_offset)
    else:
        content = _csv_write(rows, encoding=hrm.encoding, delimiter=hrm.delimiter)
    return Redaction(content=content, rows=erased_rows, cells=cells)


def _csv_write(rows: list[Sequence[Any]], *, encoding: str, delimiter: str) -> bytes:
    # Cells go back exactly as the employer wrote them: this copy is read by
    # the import only and served to nobody, so members.resources.cell_escape,
    # which guards exports opened in a spreadsheet, would corrupt it.
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    # "utf-16" and "utf-8-sig" write the byte order mark the file came with.
    return buffer.getvalue().encode(encoding or "utf-8")


# XlsxWriter writes row by row in constant memory, several times faster than
# openpyxl for an 82,000-row sheet (docs/decisions.md); its conversions of
# strings into formulas, numbers or links are off, so a cell comes back as the
# employer wrote it and a text cell is never read as a formula (see _csv_write).
_WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
# Number formats of the values that are not text, numbers or booleans.
_FORMATS = {
    datetime: "dd/mm/yyyy hh:mm:ss",
    date: "dd/mm/yyyy",
    time: "hh:mm:ss",
    timedelta: "[h]:mm:ss",
}
# Characters XML 1.0 cannot carry, which a workbook cannot hold either.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xlsx_write(rows: list[Sequence[Any]], *, sheet_name: str, offset: int) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, _WORKBOOK_OPTIONS)
    formats = {
        kind: workbook.add_format({"num_format": code})
        for kind, code in _FORMATS.items()
    }
    sheet = workbook.add_worksheet(sheet_name or "Sheet1")
    for row_index, row in enumerate(rows):
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            column = offset + index
            if isinstance(value, bool):
                sheet.write_boolean(row_index, column, value)
            elif isinstance(value, int | float):
                sheet.write_number(row_index, column, value)
            elif isinstance(value, datetime | date | time | timedelta):
                kind = next(k for k in _FORMATS if isinstance(value, k))
                sheet.write_datetime(row_index, column, value, formats[kind])
            else:
                sheet.write_string(row_index, column, _NOT_XML.sub("", str(value)))
    workbook.close()
    return buffer.getvalue()
