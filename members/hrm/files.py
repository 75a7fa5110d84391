"""Safety checks on an uploaded HRM file, and the readers of its rows.

Every check runs before a parser sees the file: size, real type by content,
and for a workbook the zip's central directory (entry count, unpacked size,
compression ratio, the size each part calamine reads declares), which is read
without decompressing anything. Before calamine opens a workbook, the parts
it reads are streamed and what it would hold is counted (``xlsx_scan``).
"""

import codecs
import contextlib
import csv
import hashlib
import io
import logging
import os
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

# Imported for its side effect as much as for itself: openpyxl and other XML
# readers switch to their hardened parsers when defusedxml is installed.
import defusedxml  # noqa: F401
import python_calamine
from django.core.files import File
from django.utils.translation import gettext_lazy as _

from members.hrm.refusals import FileRefused, number_text, size_text
from members.hrm.xlsx_scan import UnreadablePart, part_limit, part_too_large, xlsx_scan

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# A workbook holds a few dozen parts; thousands are a zip bomb's many copies.
MAX_ZIP_ENTRIES = 2_000
# An 82,000-row export unpacks to about 64 MB of sheet XML.
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
# Sheet XML deflates about 10:1 and repetitive sheets up to some 50:1; the
# deflate ceiling is about 1032:1, where a zip bomb's parts sit.
MAX_COMPRESSION_RATIO = 200
# Small parts may compress well beyond the ratio without harm.
RATIO_FLOOR_BYTES = 1024 * 1024
SUFFIXES = (".xlsx", ".csv")

_CHUNK = 1024 * 1024
_HEAD = 64 * 1024
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLSX_PARTS = ("[content_types].xml", "xl/workbook.xml")


@dataclass
class CheckedFile:
    """An upload that passed the checks, and how to read it again."""

    file_name: str
    kind: str  # "xlsx" or "csv"
    size: int
    sha256: str
    path: Path | None = None
    handle: IO[bytes] | None = None
    encoding: str = ""  # of a CSV: "utf-8", "utf-8-sig" or "utf-16"

    @contextlib.contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """Yield the file in binary at its start; a caller's handle stays open."""
        if self.path is not None:
            with self.path.open("rb") as handle:
                yield handle
        else:
            assert self.handle is not None  # noqa: S101 - one of the two is set
            self.handle.seek(0)
            yield self.handle


def file_check(
    source: Any, *, file_name: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> CheckedFile:
    """Return the source checked: a path, an UploadedFile or a binary file object.

    Raises FileRefused when the file is too large, empty, of another type than
    its name says, not .xlsx or .csv, a possible zip bomb, or not UTF-8/UTF-16
    text; nothing is parsed before these checks pass.
    """
    path, handle = _source(source)
    name = file_name or getattr(source, "name", "") or (path.name if path else "")
    name = os.path.basename(str(name))
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in SUFFIXES:
        raise FileRefused(
            _("Only .xlsx and .csv files can be imported; %(name)s is neither."),
            code="unsupported_type",
            params={"name": name or "?"},
        )
    if handle is not None and not handle.seekable():
        handle = _spooled(handle, max_bytes=max_bytes, name=name)
    checked = CheckedFile(
        file_name=name, kind=suffix[1:], size=0, sha256="", path=path, handle=handle
    )
    checked.size = _size(checked)
    if checked.size > max_bytes:
        raise _too_large(name, checked.size, max_bytes)
    if checked.size == 0:
        raise FileRefused(
            _("%(name)s is empty: export the file again from the HRM system."),
            code="empty",
            params={"name": name},
        )
    head, checked.sha256 = _head_and_hash(checked)
    if checked.kind == "xlsx":
        _xlsx_check(checked, head)
    else:
        checked.encoding = _text_check(head, name=name)
    return checked


def _source(source: Any) -> tuple[Path | None, IO[bytes] | None]:
    if isinstance(source, str | os.PathLike):
        return Path(source), None
    temporary_path = getattr(source, "temporary_file_path", None)
    if callable(temporary_path):
        return Path(temporary_path()), None
    if isinstance(source, File):
        # Django's File proxies its methods; the io classes need the real file.
        return None, source.file
    if hasattr(source, "read"):
        return None, source
    raise TypeError(f"Cannot read an HRM file from {type(source).__name__}.")


def _spooled(handle: IO[bytes], *, max_bytes: int, name: str) -> IO[bytes]:
    spool = tempfile.SpooledTemporaryFile(max_size=8 * _CHUNK)  # noqa: SIM115
    size = 0
    while chunk := handle.read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            spool.close()
            raise _too_large(name, size, max_bytes)
        spool.write(chunk)
    spool.seek(0)
    return spool


def _size(checked: CheckedFile) -> int:
    if checked.path is not None:
        try:
            return checked.path.stat().st_size
        except OSError as error:
            raise FileRefused(
                _("%(name)s cannot be opened: upload it again."),
                code="unreadable",
                params={"name": checked.file_name},
            ) from error
    assert checked.handle is not None  # noqa: S101
    return checked.handle.seek(0, io.SEEK_END)


def _too_large(name: str, size: int, limit: int) -> FileRefused:
    return FileRefused(
        _(
            "%(name)s is %(size)s; files up to %(limit)s can be imported. Export "
            "only the columns the union needs, or split the file by department."
        ),
        code="too_large",
        params={
            "name": name,
            "size": size_text(size, limit),
            "limit": size_text(limit, size),
        },
    )


def _head_and_hash(checked: CheckedFile) -> tuple[bytes, str]:
    digest = hashlib.sha256()
    head = b""
    with checked.open() as handle:
        while chunk := handle.read(_CHUNK):
            if not head:
                head = chunk[:_HEAD]
            digest.update(chunk)
    return head, digest.hexdigest()


def _xlsx_check(checked: CheckedFile, head: bytes) -> None:
    name = checked.file_name
    if head.startswith(_OLE):
        raise FileRefused(
            _(
                "%(name)s is an Excel 97-2003 workbook or a password-protected "
                "one; save it as an unprotected Excel Workbook (.xlsx)."
            ),
            code="legacy_or_encrypted",
            params={"name": name},
        )
    if not head.startswith(_ZIP_LOCAL):
        raise _not_xlsx(name)
    with checked.open() as handle:
        entries = _zip_entry_count(handle, name=name)
        if entries > MAX_ZIP_ENTRIES:
            raise _zip_bomb_entries(name, entries)
        try:
            # The constructor reads the central directory only; no part is opened.
            with zipfile.ZipFile(handle) as archive:
                infos = archive.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            ValueError,
            EOFError,
        ):
            raise _not_xlsx(name) from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _zip_bomb_entries(name, len(infos))
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRefused(
            _(
                "%(name)s would unpack to %(size)s, more than the %(limit)s a "
                "workbook may; it is refused as a possible zip bomb. Export the "
                "file again from the HRM system."
            ),
            code="zip_bomb",
            params={
                "name": name,
                "size": size_text(unpacked, MAX_UNPACKED_BYTES),
                "limit": size_text(MAX_UNPACKED_BYTES, unpacked),
            },
        )
    for info in infos:
        limit = part_limit(info.filename)
        if limit is not None and info.file_size > limit:
            raise part_too_large(name, info.filename, info.file_size, limit)
        if info.file_size > RATIO_FLOOR_BYTES and (
            info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        ):
            raise FileRefused(
                _(
                    "A part of %(name)s is compressed %(ratio)s to 1, far beyond "
                    "what spreadsheet data compresses; it is refused as a possible "
                    "zip bomb. Export the file again from the HRM system."
                ),
                code="zip_bomb",
                params={
                    "name": name,
                    "ratio": info.file_size // max(info.compress_size, 1),
                },
            )
        if info.flag_bits & 0x1:
            raise FileRefused(
                _("%(name)s is encrypted; save it without a password."),
                code="legacy_or_encrypted",
                params={"name": name},
            )
    names = {info.filename.lower() for info in infos}
    if not all(part in names for part in _XLSX_PARTS):
        raise _not_xlsx(name)


def _zip_entry_count(handle: IO[bytes], *, name: str) -> int:
    """Return the entry count the end-of-central-directory record declares.

    Read before zipfile parses the directory, so that a forged directory of
    millions of entries is refused without building millions of ZipInfo.
    """
    size = handle.seek(0, io.SEEK_END)
    tail_size = min(size, 22 + 65_535 + 20)  # record, longest comment, zip64 locator
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    end = tail.rfind(_ZIP_END)
    if end < 0 or len(tail) < end + 22:
        raise _not_xlsx(name)
    entries = struct.unpack("<H", tail[end + 10 : end + 12])[0]
    locator = end - 20
    if (
        entries == 0xFFFF
        and locator >= 0
        and tail[locator : locator + 4] == _ZIP64_LOCATOR
    ):
        offset = struct.unpack("<Q", tail[locator + 8 : locator + 16])[0]
        handle.seek(offset)
        record = handle.read(56)
        if len(record) < 56:
            raise _not_xlsx(name)
        entries = struct.unpack("<Q", record[32:40])[0]
    return entries


def _zip_bomb_entries(name: str, count: int) -> FileRefused:
    return FileRefused(
        _(
            "%(name)s holds %(count)s parts, where a workbook holds at most "
            "%(limit)s; it is refused as a possible zip bomb. Export the file "
            "again from the HRM system."
        ),
        code="zip_bomb",
        params={"name": name, "count": count, "limit": MAX_ZIP_ENTRIES},
    )


def _not_xlsx(name: str) -> FileRefused:
    return FileRefused(
        _(
            "%(name)s is named .xlsx but is not an Excel workbook (it may be "
            "damaged, or another file renamed). Export it again from the HRM "
            "system as an Excel Workbook (.xlsx) or a CSV file."
        ),
        code="not_xlsx",
        params={"name": name},
    )


def _text_check(head: bytes, *, name: str) -> str:
    """Return the encoding of a CSV whose first bytes are text, or refuse it."""
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text": UTF-16 with a byte order mark, tab-separated.
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        raise _not_text(name) from None
    if "\x00" in text:
        raise _not_text(name)
    return encoding


def _not_text(name: str) -> FileRefused:
    return FileRefused(
        _(
            "%(name)s is named .csv but is not UTF-8 or UTF-16 text: it may be "
            "another file renamed, or a CSV in an older encoding. Save it from "
            'Excel as "CSV UTF-8" or as an Excel Workbook (.xlsx).'
        ),
        code="not_text",
        params={"name": name},
    )


# CSV -------------------------------------------------------------------------

CSV_DELIMITERS = (",", ";", "\t")
# A line of an HRM export is a few hundred characters. A line of millions
# (of delimiters, say) would become a row of millions of cells in memory.
CSV_LINE_MAX_CHARS = 1024 * 1024


def csv_rows(checked: CheckedFile, *, delimiter: str) -> Iterator[list[str]]:
    """Yield the rows of a checked CSV as lists of strings, from row 1.

    Raises FileRefused where the text turns out not to be text after all (a
    NUL or an undecodable byte) or the CSV cannot be split into cells.
    """
    with checked.open() as handle:
        stream = io.TextIOWrapper(
            handle, encoding=checked.encoding, errors="strict", newline=""
        )
        try:
            yield from csv.reader(
                _text_lines(stream, checked.file_name), delimiter=delimiter
            )
        except UnicodeDecodeError:
            raise _not_text(checked.file_name) from None
        except csv.Error as error:
            # The csv module's English says little to staff; it goes to the log.
            logger.info("%s is malformed CSV: %s", checked.file_name, error)
            raise FileRefused(
                _(
                    "%(name)s cannot be read as CSV: a cell is far too long, or a "
                    "quotation mark is left open. Open it in Excel and save it "
                    'again as "CSV UTF-8" or as an Excel Workbook (.xlsx).'
                ),
                code="csv_malformed",
                params={"name": checked.file_name},
            ) from None
        finally:
            # Leave the caller's handle open; ours closes with the with block.
            stream.detach()


def csv_count_rows(checked: CheckedFile, *, delimiter: str) -> int:
    """Return how many rows a CSV has, reading it through once to validate it."""
    count = 0
    for _row in csv_rows(checked, delimiter=delimiter):
        count += 1
    return count


def _text_lines(stream: IO[str], name: str) -> Iterator[str]:
    # Read a line at most one character past the limit: never a longer one.
    while line := stream.readline(CSV_LINE_MAX_CHARS + 1):
        if len(line) > CSV_LINE_MAX_CHARS:
            raise FileRefused(
                _(
                    "%(name)s has a line of more than %(limit)s characters, which "
                    "no HRM export has. Open it in Excel and save it again as "
                    '"CSV UTF-8" or as an Excel Workbook (.xlsx).'
                ),
                code="csv_line_too_long",
                params={"name": name, "limit": number_text(CSV_LINE_MAX_CHARS)},
            )
        if "\x00" in line:
            raise _not_text(name)
        yield line


# XLSX ------------------------------------------------------------------------


def xlsx_workbook(checked: CheckedFile) -> python_calamine.CalamineWorkbook:
    """Return the checked workbook opened with python-calamine, once it is scanned.

    The parts calamine reads are streamed first (``members.hrm.xlsx_scan``):
    a workbook calamine would need too much memory for is refused unopened.
    """
    xlsx_content_check(checked)
    try:
        if checked.path is not None:
            return python_calamine.CalamineWorkbook.from_path(str(checked.path))
        with checked.open() as handle:
            return python_calamine.CalamineWorkbook.from_filelike(handle)
    except Exception as error:  # calamine raises several unrelated types
        raise _unreadable(checked.file_name, error) from None


def xlsx_content_check(checked: CheckedFile) -> int:
    """Return the bytes calamine would hold reading the workbook, or refuse it.

    Inflates every part calamine reads in pieces, in bounded memory; raises
    FileRefused as ``xlsx_scan`` does, and for a part that is not readable XML.
    """
    with checked.open() as handle:
        try:
            with zipfile.ZipFile(handle) as archive:
                return xlsx_scan(archive, name=checked.file_name)
        except UnreadablePart as error:
            raise _unreadable(checked.file_name, error) from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
            raise _not_xlsx(checked.file_name) from None


def xlsx_sheets(
    workbook: python_calamine.CalamineWorkbook, *, file_name: str
) -> Iterator[python_calamine.CalamineSheet]:
    """Yield the workbook's visible worksheets in order (all sheets if none is)."""
    sheets = [
        (index, meta)
        for index, meta in enumerate(workbook.sheets_metadata)
        if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]
    visible = [
        item
        for item in sheets
        if item[1].visible == python_calamine.SheetVisibleEnum.Visible
    ]
    for index, _meta in visible or sheets:
        try:
            yield workbook.get_sheet_by_index(index)
        except Exception as error:  # see xlsx_workbook
            raise _unreadable(file_name, error) from None


def xlsx_rows(sheet: python_calamine.CalamineSheet) -> Iterator[list[Any]]:
    """Yield a sheet's rows from row 1 as lists of cells, typed as calamine reads them.

    python-calamine pads the rows above the used range but starts each row at
    the used range's first column (``xlsx_column_offset``).
    """
    return sheet.iter_rows()


def xlsx_column_offset(sheet: python_calamine.CalamineSheet) -> int:
    """Return the index of the first column calamine's rows start at."""
    start = sheet.start
    return start[1] if start else 0


def xlsx_row_count(sheet: python_calamine.CalamineSheet) -> int:
    """Return the number of rows from row 1 to the sheet's last row with data."""
    end = sheet.end
    return end[0] + 1 if end else 0


def _unreadable(name: str, error: Exception) -> FileRefused:
    """Return the refusal of a workbook calamine could not read, said for staff.

    calamine's own message (English, about XML or zip internals) goes to the
    log; staff read what happened and what to do.
    """
    detail = str(error) or type(error).__name__
    logger.info("%s unreadable by calamine: %s", name, detail)
    if "entity" in detail:
        # Excel writes no DTD; an entity reference is a crafted file.
        return FileRefused(
            _(
                "%(name)s holds XML entity references, which Excel never writes: "
                "the file may have been tampered with, and is refused. Export it "
                "again from the HRM system, or open it in Excel and save it as an "
                "Excel Workbook (.xlsx)."
            ),
            code="unreadable",
            params={"name": name},
        )
    if "declared" in detail and "size" in detail:
        # A part inflating past the size its zip directory declares slipped
        # by the directory checks: damaged, or forged to look small.
        return FileRefused(
            _(
                "A part of %(name)s unpacks to more than the file's own index "
                "says: the file is damaged or forged, and is refused as a "
                "possible zip bomb. Export it again from the HRM system."
            ),
            code="zip_bomb",
            params={"name": name},
        )
    return FileRefused(
        _(
            "%(name)s cannot be read as an Excel workbook: it may be damaged. "
            "Open it in Excel and save it again as an Excel Workbook (.xlsx), or "
            "export it again from the HRM system."
        ),
        code="unreadable",
        params={"name": name},
    )
