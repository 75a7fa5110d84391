"""A member's own data written out: JSON for machines, XLSX for people."""

import json
from datetime import date, datetime
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _

from members.resources import cell_escape, sheet_title
from members.selectors.privacy import MemberData, export_value

# Characters a worksheet's name may not hold.


def member_data_json(data: MemberData) -> bytes:
    """Return the data as one JSON object: a key a section, English field names."""
    document = {"generated_at": export_value(data.generated_at)}
    for section in data.sections:
        rows = [
            {key: export_value(value) for key, value in row.items()}
            for row in section.rows
        ]
        document[section.key] = (rows[0] if rows else {}) if section.single else rows
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def _cell(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return cell_escape(value)


def member_data_xlsx(data: MemberData) -> bytes:
    """Return the data as a workbook: a sheet a section, headed in the UI language.

    A single record (the profile) is a sheet of label and value rows; no cell
    can run as a formula.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for section in data.sections:
        title = sheet_title(section.title)
        sheet = book.create_sheet(title=title)
        labels = [cell_escape(str(label)) for _key, label in section.columns]
        if section.single:
            row = section.rows[0] if section.rows else {}
            for (key, _label), label in zip(section.columns, labels, strict=True):
                sheet.append([label, _cell(row.get(key))])
            continue
        sheet.append(labels)
        for row in section.rows:
            sheet.append([_cell(row.get(key)) for key, _label in section.columns])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
