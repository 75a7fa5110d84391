"""HRM exports (.xlsx, .csv) read into clean records; nothing here touches the database.

The first layer of the HRM import: it checks an uploaded file, finds its
header row and columns, and turns each data row into a record of clean values
or the reasons a cell cannot be taken. Matching, writing, runs, the admin, the
command and the Celery task build on this API.

Reading a file::

    from members.hrm import FileRefused, read_hrm_file

    try:
        hrm = read_hrm_file(upload, file_name="vnpt.xlsx", profile=profile_dict)
    except FileRefused as refusal:  # the whole file is refused
        refusal.code                # "too_large", "zip_bomb", "unknown_layout", ...
        str(refusal)                # the reason, in the active language
        refusal.message             # lazy English msgid, and refusal.params
    hrm.header_row   # 1-based row of the headers, as in the spreadsheet
    hrm.columns      # {"employee_code": Column(index=1, header="Mã NV", letter="B")}
    hrm.headers      # every column's key in file order (held-rows report header)
    hrm.row_count    # rows below the header, blank ones included (for progress)
    hrm.sha256, hrm.size, hrm.kind ("xlsx"/"csv"), hrm.sheet_name, hrm.delimiter
    for record in hrm.records():    # a fresh streaming pass each call
        record.row_number           # the spreadsheet's row number
        record.values               # {"employee_code": "NV01", "hire_date": date}
        record.raw                  # {"Mã NV": "NV01", "STT": "1", ...} as text
        record.errors               # [RowError(column="Số CCCD", field=
                                    #   "national_id", code="cccd_length", ...)]
        record.valid                # no errors
    hrm.total_rows, hrm.blank_rows  # set once a pass has reached the end
    hrm.rows()       # every row from row 1 as its cells (a workbook's from
                     # its first used column, hrm.column_offset)

``members.hrm.redaction`` rewrites a file without one person's rows and
cells, for their erasure.

``read_hrm_file(source, *, file_name="", profile=None, max_bytes=50 MB)``
takes a path, a Django UploadedFile or a binary file object. Before anything
is parsed it refuses files over ``max_bytes``, empty ones, names other than
.xlsx/.csv, contents that are not what the name says (a workbook must be a zip
holding ``[Content_Types].xml`` and ``xl/workbook.xml``; a CSV must be UTF-8,
with or without BOM, or UTF-16 with BOM, and hold no NUL), and workbooks whose
zip directory declares too many parts, too much unpacked data or a ratio no
spreadsheet reaches. ``file_check(source, file_name=..., max_bytes=...)``
runs these checks alone, unpacking nothing (the admin upload runs them in the
request). A CSV is validated to its end before ``read_hrm_file`` returns, so
``records()`` only raises FileRefused if the file changes meanwhile; a line
of more than a million characters refuses it.

Before python-calamine opens a workbook, every part it reads is streamed
through expat in bounded memory (``members.hrm.xlsx_scan``): a sheet or the
shared strings unpacking past 200 MB, a text longer than Excel's 32,767
characters, or cells that calamine would need more than 160 MB to hold (too
many, or far apart, or long texts repeated) refuse the file unopened.

Workbooks are read with python-calamine (it expands no XML entities); cells
keep calamine's types. The first visible worksheet is read unless another
has a better header row. A CSV's delimiter (comma, semicolon or tab, as in
Excel's UTF-16 "Unicode Text") is the one that yields the best header row.

The header row is the one among the first 30 that names the employee code
and the full name and the most other fields (``headers.ALIASES``, matched
ignoring case, diacritics, spacing, punctuation and bracketed notes). Two
columns for one field, or no row naming both required fields, refuse the file.

Fields (``headers.FIELDS``) and their clean values: ``employee_code``,
``department_code`` (text, a number cell as its digits: 123.0 -> "123");
``full_name``, ``department_name``, ``position`` (text trimmed, spaces
collapsed, NFC); ``date_of_birth``, ``hire_date`` (``date`` from date cells,
Excel serials from 10000 (18/05/1927) and day-first text dd/mm/yyyy,
d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or yyyy-mm-dd; a two-digit year is an error,
being ambiguous); ``gender`` ("male"/"female"); ``national_id`` (12 digits,
checked against date of birth and gender; a number cell that lost its leading
zeros is an error, never padded); ``phone`` (0xxxxxxxxx); ``email``
(lower-cased, validated); ``employment_status`` (``values.EmploymentStatus``).
Employee code and full name are required. A row with nothing in any mapped
column (empty, or only an STT or a footer note) is skipped and counted in
``blank_rows``. Duplicate codes in one file are left to the next layer.

A mapping profile (``profiles.MappingProfile``, or its dict form as stored
per employer) adds header aliases per field, overrides built-in ones, ignores
headers, fixes the header row, and adds wordings of statuses and genders::

    {"employee_code": ["Số hiệu"], "header_row": 7, "ignore": ["Đơn vị cũ"],
     "statuses": {"Tạm hoãn HĐ": "on_leave"}, "genders": {"Trai": "male"}}

``MappingProfile.from_dict`` raises ValidationError for a malformed one, so a
form can validate it before it is saved.
"""

from members.hrm.files import DEFAULT_MAX_BYTES, file_check
from members.hrm.headers import FIELD_LABELS, FIELDS, REQUIRED_FIELDS, Column
from members.hrm.profiles import MappingProfile
from members.hrm.records import HrmFile, HrmRecord, RowError, read_hrm_file
from members.hrm.refusals import FileRefused
from members.hrm.values import EmploymentStatus

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FIELDS",
    "FIELD_LABELS",
    "REQUIRED_FIELDS",
    "Column",
    "EmploymentStatus",
    "FileRefused",
    "HrmFile",
    "HrmRecord",
    "MappingProfile",
    "RowError",
    "file_check",
    "read_hrm_file",
]
