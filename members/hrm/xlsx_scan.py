"""A workbook's parts streamed in bounded memory, refused before calamine loads them.

python-calamine holds a whole sheet in memory: 32 bytes for every cell of the
rectangle from the first filled cell to the last, 40 more for each filled
cell, and every text cell's own copy of its text (a shared string is copied
into each cell that uses it). The zip's directory cannot tell that: a file of
a few kilobytes with two cells far apart, or one long shared string used in
every cell, or a cell of a billion characters, makes a worker take gigabytes.
So every part calamine reads is inflated here in 64 KB pieces through expat,
counting what calamine would hold; a file whose count passes the budget, or
that holds something no Excel export holds, is refused first.

expat runs without expanding entity references in text (its default handler
receives them, and they refuse the file, as calamine would), with a bounded
document type declaration, a bounded nesting depth and a bounded number of
distinct names, and it may hold no unfinished piece of markup longer than
1 MB: nothing in the file can make the scan itself large.
"""

import array
import logging
import pyexpat
import zipfile
import zlib
from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from members.hrm.refusals import FileRefused, number_text, size_text

logger = logging.getLogger(__name__)

# An 82,000-row export with shared strings unpacks to about 40 MB of sheet XML
# and with inline strings (13 columns, as openpyxl writes them) to 61 MB.
SHEET_MAX_BYTES = 200 * 1024 * 1024
# The workbook, its relationships and its styles: a few kilobytes in an export.
PART_MAX_BYTES = 8 * 1024 * 1024
# Excel's own limit on the text of a cell.
TEXT_MAX_CHARS = 32_767
# What reading one file may hold: calamine's cells and texts, and the rows
# in Python. An 82,000-row, 13-column export counts 109 MB here with inline
# strings and 126 MB with shared strings (reading them took 100 and 89 MB);
# a worker process of about 110 MB stays under 300 MB. The budget is the
# HRM_IMPORT_READ_MAX_BYTES setting (160 MB by default), read at each scan.


def read_max_bytes() -> int:
    """Return what reading one workbook may hold (HRM_IMPORT_READ_MAX_BYTES)."""
    return settings.HRM_IMPORT_READ_MAX_BYTES


# Calamine's costs, in bytes: a filled cell in the list it reads first, a
# cell of the rectangle it then fills, a shared string's place in its list,
# a merged range. A text costs its allocation (``_allocation``): exact for a
# copy of a shared string or a text of one run, up to twice its length for a
# text calamine builds from several runs.
CELL_BYTES = 40
SLOT_BYTES = 32
SHARED_SLOT_BYTES = 24
MERGE_BYTES = 32
# A row as Python objects beyond its texts: a cell's object and slot. The
# header scan holds up to three rows' worth at once (python-calamine's row,
# its texts, and the texts of the best header row so far).
ROW_CELL_BYTES = 96
ROW_COPIES = 3
# The readers' own buffers and what the first rows leave, whatever the file.
FIXED_BYTES = 8 * 1024 * 1024
# The workbook, relationships and styles are held as parsed: at most this
# many times their size.
PART_FACTOR = 4

_PIECE = 64 * 1024
_TEXT_BUFFER = 1024 * 1024
_PENDING_MAX = 1024 * 1024  # bytes expat may hold without a complete event
_DOCTYPE_MAX = 64 * 1024
_DEPTH_MAX = 64
_NAMES_MAX = 1_000
_CHECK_EVERY = 65_536  # cells or shared strings between two budget checks
_SHARED_PART = "xl/sharedstrings.xml"
_SHEET_PREFIX = "xl/worksheets/"
_OTHER_PARTS = frozenset(
    {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
)
_DIGITS = "0123456789"
_FAR = 1 << 62
_COLUMNS_KEPT = 20_000  # column letters remembered (their index)
# Cell types calamine reads as numbers, booleans or errors: nothing allocated.
_NOT_TEXT = frozenset({"", "n", "b", "e"})


def part_limit(name: str) -> int | None:
    """Return how far a zip entry may unpack, if calamine reads it (None if not)."""
    lowered = name.lower()
    if lowered == _SHARED_PART or lowered.startswith(_SHEET_PREFIX):
        return SHEET_MAX_BYTES
    if lowered in _OTHER_PARTS:
        return PART_MAX_BYTES
    return None


def part_too_large(name: str, part: str, size: int, limit: int) -> FileRefused:
    """Return the refusal of a part unpacking beyond its limit (said for staff)."""
    return FileRefused(
        _(
            "The part %(part)s of %(name)s unpacks to %(size)s, more than the "
            "%(limit)s an HRM export needs. Export only the columns the union "
            "needs, or split the file by department."
        ),
        code="sheet_too_large",
        params={
            "name": name,
            "size": size_text(size, limit),
            "limit": size_text(limit, size),
            "part": part,
        },
    )


def xlsx_scan(archive: zipfile.ZipFile, *, name: str) -> int:
    """Return the bytes calamine would hold reading the workbook, or refuse it.

    Raises FileRefused when a part unpacks beyond its limit or past the size
    its zip directory declares, when a text is longer than Excel allows, when
    the count passes read_max_bytes(), or when a part is not well-formed XML.
    """
    budget = _Budget(name)
    infos = archive.infolist()
    read = set()
    for info in infos:
        # calamine finds a part whatever the case of its name, and of two
        # alike takes one: which one, the count cannot know.
        lowered = info.filename.lower()
        if part_limit(lowered) is not None:
            if lowered in read:
                raise UnreadablePart(f"two parts named {info.filename[:80]!r}")
            read.add(lowered)
    # The shared strings first: the sheets' cells are counted with their lengths.
    for info in infos:
        if info.filename.lower() == _SHARED_PART:
            _SharedScan(budget).scan(archive, info)
    for info in infos:
        lowered = info.filename.lower()
        if lowered.startswith(_SHEET_PREFIX):
            _SheetScan(budget).scan(archive, info)
        elif lowered in _OTHER_PARTS:
            size = sum(len(piece) for piece in _pieces(archive, info, name))
            budget.add(PART_FACTOR * size)
    budget.check()
    return budget.total


def _pieces(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str
) -> Iterator[bytes]:
    """Yield a part inflated in pieces, refusing it past its limit or its CRC."""
    limit = part_limit(info.filename) or SHEET_MAX_BYTES
    size = 0
    try:
        with archive.open(info) as part:
            while piece := part.read(_PIECE):
                size += len(piece)
                if size > limit:
                    raise part_too_large(name, info.filename, size, limit)
                yield piece
    except (zipfile.BadZipFile, EOFError, zlib.error):
        # Python's zipfile stops at the declared size and checks the CRC: a
        # part inflating further, or damaged, ends here.
        detail = f"{info.filename}: unpacks past its declared size, or damaged"
        raise UnreadablePart(detail) from None
    except (NotImplementedError, RuntimeError, OSError, ValueError) as error:
        # A compression method zipfile lacks, or a password.
        raise UnreadablePart(f"{info.filename}: {error}") from None


class _Budget:
    """What calamine would hold of the file so far; refuses past the budget."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.total = FIXED_BYTES
        self.shared = array.array("I")  # what a copy of each shared string takes

    def add(self, amount: int) -> None:
        self.total += amount

    def check(self, extra: int = 0) -> None:
        if self.total + extra > read_max_bytes():
            raise too_large_to_read(self.name, self.total + extra)


def too_large_to_read(name: str, size: int) -> FileRefused:
    """Return the refusal of a workbook calamine would need too much memory for."""
    return FileRefused(
        _(
            "Reading %(name)s would take about %(size)s of memory, more than "
            "the %(limit)s one import may use: its sheets hold too many cells "
            "(or two cells very far apart, or texts repeated in very many "
            "cells). Export only the columns the union needs, or split the "
            "file by department."
        ),
        code="too_large_to_read",
        params={
            "name": name,
            "size": size_text(size, read_max_bytes()),
            "limit": size_text(read_max_bytes(), size),
        },
    )


def _text_too_long(name: str) -> FileRefused:
    return FileRefused(
        _(
            "%(name)s holds a cell of more than %(limit)s characters, which "
            "Excel itself does not allow: the file may have been tampered "
            "with, and is refused. Export it again from the HRM system."
        ),
        code="cell_too_long",
        params={"name": name, "limit": number_text(TEXT_MAX_CHARS)},
    )


class UnreadablePart(Exception):  # noqa: N818 - what calamine would also fail on
    """A part calamine could not read either: not XML, or XML Excel never writes.

    Its message is the detail for the log; ``members.hrm.files`` says it for staff.
    """


class _Stop(Exception):  # noqa: N818 - carries a refusal out of expat's handlers
    def __init__(self, refusal: Exception) -> None:
        self.refusal = refusal


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _allocation(size: int) -> int:
    """Return what malloc takes for ``size`` bytes (glibc: 16-byte steps, 32 least).

    From 128 KB it maps whole pages.
    """
    if not size:
        return 0
    if size < 128 * 1024:
        return max(32, (size + 23) & ~15)
    return (size + 4111) & ~4095


class _PartScan:
    """Stream one XML part through expat, with the guards every part gets.

    The handlers run for every element of a sheet (millions of times), so
    they keep to plain arithmetic on slots; subclasses count what they need
    in ``start_element``, ``end_element`` and ``characters``.
    """

    __slots__ = ("budget", "doctype_at", "ends", "name", "names", "parser", "starts")

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.name = budget.name
        self.starts = self.ends = 0
        self.names: set[str] = set()
        self.doctype_at: int | None = None
        parser = pyexpat.ParserCreate()
        # A text arrives in one call up to _TEXT_BUFFER bytes, in calls of
        # that size beyond: a call longer than Excel's limit is a text too long.
        parser.buffer_text = True
        parser.buffer_size = _TEXT_BUFFER
        parser.StartElementHandler = self.start_element
        parser.EndElementHandler = self.end_element
        parser.CharacterDataHandler = self.characters
        parser.StartDoctypeDeclHandler = self._doctype_start
        parser.EndDoctypeDeclHandler = self._doctype_end
        parser.EntityDeclHandler = self._entity_declared
        self.parser = parser

    def scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Read the part whole, then count what it leaves (``finish``)."""
        parser, fed, quiet, seen = self.parser, 0, 0, -1
        try:
            for piece in _pieces(archive, info, self.name):
                parser.Parse(piece, False)
                fed += len(piece)
                # No element began or ended for that long: expat is holding
                # one piece of markup (a tag, a comment) of that length.
                events = self.starts + self.ends
                quiet = quiet + len(piece) if events == seen else 0
                seen = events
                if quiet > _PENDING_MAX:
                    raise _Stop(UnreadablePart("markup too long"))
                if self.doctype_at is not None and fed - self.doctype_at > _DOCTYPE_MAX:
                    raise _Stop(UnreadablePart("document type declaration too long"))
            parser.Parse(b"", True)
        except _Stop as stop:
            raise stop.refusal from None
        except pyexpat.ExpatError as error:
            logger.info(
                "%s: %s is not well-formed: %s", self.name, info.filename, error
            )
            raise UnreadablePart(str(error)) from None
        finally:
            # The parser refers back to this object through its handlers.
            self.parser = None
        self.finish()

    def finish(self) -> None:
        """Count what the part left, once it is read whole."""

    def guard(self, tag: str, attributes: dict) -> None:
        """Count an element's start against the depth and names expat may hold."""
        self.starts += 1
        if self.starts - self.ends > _DEPTH_MAX:
            raise _Stop(UnreadablePart("elements nested too deep"))
        # expat keeps every distinct element and attribute name it meets.
        names = self.names
        names.add(tag)
        if attributes:
            names.update(attributes)
        if len(names) > _NAMES_MAX:
            raise _Stop(UnreadablePart("too many distinct names"))

    def _entity_declared(self, *args) -> None:
        # From here on expat hands entity references in text to the default
        # handler instead of expanding them: calamine reads no DTD at all.
        self.parser.DefaultHandler = self._default

    def _default(self, data: str) -> None:
        if data.startswith("&") and data.endswith(";"):
            raise _Stop(UnreadablePart(f"reference to the entity {data[:40]}"))

    def _doctype_start(self, *args) -> None:
        self.doctype_at = self.parser.CurrentByteIndex

    def _doctype_end(self) -> None:
        self.doctype_at = None

    def start_element(self, tag: str, attributes: dict) -> None:
        """Call ``guard`` first; a tag may carry a namespace prefix."""
        raise NotImplementedError

    def end_element(self, tag: str) -> None:
        """Count ``self.ends`` first."""
        raise NotImplementedError

    def characters(self, data: str) -> None:
        raise NotImplementedError


class _SharedScan(_PartScan):
    """The shared strings: the length of each, as calamine keeps them."""

    __slots__ = ("chars", "in_text", "length", "phonetic", "runs")

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.length = -1  # UTF-8 bytes of the string being read; -1 outside <si>
        self.chars = self.phonetic = self.runs = 0
        self.in_text = False

    def start_element(self, tag: str, attributes: dict) -> None:
        self.guard(tag, attributes)
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "si":
            self.length = self.chars = self.phonetic = self.runs = 0
        elif tag == "t":
            if self.length >= 0 and not self.phonetic:
                self.in_text = True
                self.runs += 1
        elif tag == "rPh":
            self.phonetic += 1

    def end_element(self, tag: str) -> None:
        self.ends += 1
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "t":
            self.in_text = False
        elif tag == "si":
            # calamine keeps only the strings that have a text, in order; a
            # cell's copy of one is exact, the string itself may have grown.
            if self.runs:
                shared = self.budget.shared
                copy = _allocation(self.length)
                shared.append(copy)
                grown = copy if self.runs == 1 else _allocation(2 * self.length)
                self.budget.add(SHARED_SLOT_BYTES + grown)
                if len(shared) % _CHECK_EVERY == 0:
                    self.budget.check()
            self.length = -1
        elif tag == "rPh":
            self.phonetic -= 1

    def characters(self, data: str) -> None:
        if len(data) > TEXT_MAX_CHARS:
            raise _Stop(_text_too_long(self.name))
        if self.in_text:
            self.chars += len(data)
            if self.chars > TEXT_MAX_CHARS:
                raise _Stop(_text_too_long(self.name))
            self.length += _utf8_length(data)


class _SheetScan(_PartScan):
    """A worksheet: its filled cells, the rectangle they span, their texts.

    Positions follow calamine: a cell's ``r`` gives its place (and sets the
    column the next cell takes); without one it takes the current row and
    column. A row's ``r`` sets the current row; the end of a row moves to
    the next one, at column A. All the text inside an inline string counts,
    phonetic runs and spaces too: the count may be over, never under.
    """

    __slots__ = (
        "bottom",
        "cell_column",
        "cell_row",
        "cell_text",
        "cells",
        "column",
        "columns",
        "filled",
        "in_cell",
        "in_value",
        "kind",
        "left",
        "merged",
        "right",
        "row",
        "row_text",
        "runs",
        "texts",
        "top",
        "value",
        "widest_text",
    )

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.row = self.column = 0
        self.cells = self.texts = self.merged = 0
        # The text of the row being read, and of the row with the most.
        self.row_text = self.widest_text = 0
        self.top = self.left = _FAR
        self.bottom = self.right = -1
        self.columns: dict[str, int] = {}  # column letters already read
        # The cell being read: its place and type, whether it holds a value,
        # the text of its <v> (a shared string's index), its inline text.
        self.in_cell = self.filled = self.in_value = False
        self.cell_row = self.cell_column = 0
        self.kind = ""
        self.value = ""
        self.cell_text = self.runs = 0

    def start_element(self, tag: str, attributes: dict) -> None:
        # The guard inlined: this runs for every element of every sheet.
        self.starts += 1
        if self.starts - self.ends > _DEPTH_MAX:
            raise _Stop(UnreadablePart("elements nested too deep"))
        names = self.names
        names.add(tag)
        if attributes:
            names.update(attributes)
        if len(names) > _NAMES_MAX:
            raise _Stop(UnreadablePart("too many distinct names"))
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            if self.in_cell:
                self._cell_end()
            reference = attributes.get("r")
            if reference is None:
                self.cell_row, self.cell_column = self.row, self.column
            else:
                # Inlined (a call a cell counts): column letters, then digits.
                letters = reference.rstrip(_DIGITS)
                column = self.columns.get(letters)
                if column is None:
                    column = self._column(letters)
                digits = reference[len(letters) :]
                if not (digits.isdigit() and digits.isascii()) or digits[0] == "0":
                    raise _Stop(UnreadablePart(f"cell reference {reference[:20]!r}"))
                self.cell_row, self.cell_column = int(digits) - 1, column
                self.column = column
            self.kind = attributes.get("t", "")
            self.in_cell, self.filled, self.cell_text, self.runs = True, False, 0, 0
        elif tag == "v":
            if self.in_cell and self.kind != "inlineStr":
                self.filled = self.in_value = True
                self.value = ""
        elif tag == "is":
            self.filled = self.in_cell
        elif tag == "t":
            self.runs += 1
        elif tag == "row":
            number = attributes.get("r")
            if number is not None:
                self.row = self._row_number(number)
        elif tag == "mergeCell":
            self.merged += 1

    def end_element(self, tag: str) -> None:
        self.ends += 1
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            if self.in_cell:
                self._cell_end()
            self.column += 1
        elif tag == "v":
            self.in_value = False
        elif tag == "row":
            if self.in_cell:
                self._cell_end()
            self._row_end()
            self.row += 1
            self.column = 0

    def characters(self, data: str) -> None:
        if len(data) > TEXT_MAX_CHARS:
            raise _Stop(_text_too_long(self.name))
        if self.in_value:
            self.value += data
        elif self.in_cell:
            self.cell_text += (
                len(data)
                if data.isascii()
                else len(data.encode("utf-8", "surrogatepass"))
            )

    def _cell_end(self) -> None:
        self.in_cell = self.in_value = False
        if not self.filled:
            return
        row, column = self.cell_row, self.cell_column
        self.cells += 1
        if row < self.top:
            self.top = row
        if row > self.bottom:
            self.bottom = row
        if column < self.left:
            self.left = column
        if column > self.right:
            self.right = column
        kind = self.kind
        if kind in _NOT_TEXT:
            text = 0
        elif kind == "s":
            text = self._shared_bytes()
        elif kind == "inlineStr":
            text = _allocation(self.cell_text * (1 if self.runs < 2 else 2))
        else:
            text = _allocation(2 * _utf8_length(self.value))
        self.texts += text
        self.row_text += text
        if self.cells % _CHECK_EVERY == 0:
            self.budget.check(self._held())

    def _row_end(self) -> None:
        if self.row_text > self.widest_text:
            self.widest_text = self.row_text
        self.row_text = 0

    def _shared_bytes(self) -> int:
        shared = self.budget.shared
        try:
            index = int(self.value)
        except ValueError:
            return 0  # calamine refuses the sheet itself
        return shared[index] if 0 <= index < len(shared) else 0

    def _held(self) -> int:
        """Return what calamine holds of the sheet, and its widest row in Python."""
        held = MERGE_BYTES * self.merged
        if self.cells:
            width = self.right - self.left + 1
            area = (self.bottom - self.top + 1) * width
            held += CELL_BYTES * self.cells + SLOT_BYTES * area + self.texts
            widest = max(self.widest_text, self.row_text)
            held += ROW_COPIES * (ROW_CELL_BYTES * width + widest)
        return held

    def finish(self) -> None:
        if self.in_cell:
            self._cell_end()
        self.budget.add(self._held())
        self.budget.check()

    def _column(self, letters: str) -> int:
        if not (letters.isascii() and letters.isalpha()):
            raise _Stop(UnreadablePart(f"cell reference column {letters[:20]!r}"))
        column = -1
        for letter in letters.upper():
            column = (column + 1) * 26 + ord(letter) - 65
        if len(self.columns) < _COLUMNS_KEPT:
            self.columns[letters] = column
        return column

    def _row_number(self, text: str) -> int:
        # A row's r may carry column letters too; calamine ignores them.
        digits = text[len(text.rstrip(_DIGITS)) :]
        if not (digits.isascii() and digits.isdigit()) or int(digits) == 0:
            raise _Stop(UnreadablePart(f"row or cell reference {text[:20]!r}"))
        return int(digits) - 1
