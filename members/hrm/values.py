"""Cell values of HRM exports turned into clean member fields, or a reason why not.

Every cleaner takes a raw cell as a reader gives it (str from CSV; str, float,
int, bool, date, datetime, time or timedelta from a workbook) and returns the
clean value or raises ValidationError with an English msgid, a code and params.
"""

import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.identifiers import national_id_clean, phone_clean
from members.text import fold, nfc

# Excel's day 0 of the 1900 date system (serial 1 is 01/01/1900, and serials
# from 61 on are off by Excel's phantom 29/02/1900, which this base absorbs).
EXCEL_EPOCH = date(1899, 12, 30)
# Serial 10000 is 18/05/1927. A smaller number in a date column is a year
# (1990), a day count or a code rather than the birth or hire date of a
# working member, so it is refused instead of read as a date in 1900-1927.
MIN_DATE_SERIAL = 10_000
MAX_DATE_SERIAL = 2_958_465  # 31/12/9999
MIN_YEAR = 1900

_TIME = r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DAY_FIRST = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)
_YEAR_FIRST = re.compile(r"(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})" + _TIME)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


class EmploymentStatus(models.TextChoices):
    # "employment" context: the same words describe union membership elsewhere.
    WORKING = "working", pgettext_lazy("employment", "Working")
    MATERNITY_LEAVE = "maternity_leave", pgettext_lazy("employment", "Maternity leave")
    ON_LEAVE = "on_leave", pgettext_lazy("employment", "On leave")
    LEFT = "left", pgettext_lazy("employment", "Left")
    RETIRED = "retired", pgettext_lazy("employment", "Retired")


GENDERS = ("male", "female")

# Written as the exports write them; matched by vocab_key.
STATUS_ALIASES: dict[str, tuple[str, ...]] = {
    EmploymentStatus.WORKING: (
        "Đang làm việc", "Đang làm", "Đang công tác", "Làm việc", "Active",
        "Working", "Employed",
    ),
    EmploymentStatus.MATERNITY_LEAVE: (
        "Nghỉ thai sản", "Thai sản", "Nghỉ sinh", "Nghỉ chế độ thai sản",
        "Maternity leave", "Maternity",
    ),
    EmploymentStatus.ON_LEAVE: (
        "Nghỉ không lương", "Tạm nghỉ", "Tạm hoãn hợp đồng", "Nghỉ dài hạn",
        "On leave", "Leave of absence", "Unpaid leave",
    ),
    EmploymentStatus.LEFT: (
        "Đã nghỉ việc", "Nghỉ việc", "Đã nghỉ", "Thôi việc", "Đã thôi việc",
        "Chấm dứt hợp đồng", "Chấm dứt HĐLĐ", "Terminated", "Resigned", "Left",
        "Inactive",
    ),
    EmploymentStatus.RETIRED: ("Nghỉ hưu", "Đã nghỉ hưu", "Retired"),
}  # fmt: skip
GENDER_ALIASES: dict[str, tuple[str, ...]] = {
    "male": ("Nam", "Nam giới", "Male", "M"),
    "female": ("Nữ", "Nữ giới", "Female", "F"),
}


def vocab_key(text: str) -> str:
    """Return the key a word is matched by: "Đang làm  việc" -> "danglamviec"."""
    return _NOT_ALNUM.sub("", fold(text))


def is_blank(value: object) -> bool:
    """Return whether a cell holds nothing: empty, None or only spaces."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value or value.isspace()
    return False


def cell_text(value: object) -> str:
    """Return a cell as staff would read it: 123.0 -> "123", a date as dd/mm/yyyy."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def text_clean(value: object, *, max_length: int = 255) -> str:
    """Return text trimmed, inner spaces collapsed, in NFC; a number as its digits."""
    text = nfc(cell_text(value))
    if len(text) > max_length:
        raise ValidationError(
            _("This text is %(length)s characters long; at most %(limit)s fit."),
            code="too_long",
            params={"length": len(text), "limit": max_length},
        )
    return text


def date_clean(value: object) -> date:
    """Return the date of a date cell, an Excel serial or dd/mm/yyyy text.

    Text is read day first: dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, or
    yyyy-mm-dd; a time after the date is ignored. A two-digit year is refused.
    """
    if isinstance(value, datetime):
        return _date_checked(value.date(), value)
    if isinstance(value, date):
        return _date_checked(value, value)
    if _is_number(value):
        if math.isfinite(value) and MIN_DATE_SERIAL <= value <= MAX_DATE_SERIAL:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise _not_a_date(value)
    if not isinstance(value, str):
        raise _not_a_date(value)
    text = value.strip()
    match = _DAY_FIRST.fullmatch(text)
    if match:
        day, _separator, month, year = match.groups()
        if len(year) == 2:
            raise ValidationError(
                _(
                    '"%(value)s" has a two-digit year, which could be 19xx or '
                    "20xx; write the year in full (dd/mm/yyyy)."
                ),
                code="date_two_digit_year",
                params={"value": text},
            )
    else:
        match = _YEAR_FIRST.fullmatch(text)
        if not match:
            raise _not_a_date(value)
        year, _separator, month, day = match.groups()
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError(
            _('"%(value)s" is not a real date: there is no such day or month.'),
            code="date_impossible",
            params={"value": text},
        ) from None
    return _date_checked(parsed, text)


def _date_checked(parsed: date, original: object) -> date:
    if parsed.year < MIN_YEAR:
        raise _not_a_date(original)
    return parsed


def _not_a_date(value: object) -> ValidationError:
    return ValidationError(
        _('"%(value)s" is not a date; write it as dd/mm/yyyy.'),
        code="date_invalid",
        params={"value": cell_text(value).strip()},
    )


class Vocabulary:
    """Words of a closed set (genders, statuses) matched whatever their spelling."""

    def __init__(
        self,
        aliases: Mapping[str, tuple[str, ...]],
        extra: Mapping[str, str] | None = None,
    ):
        # str() turns a TextChoices member into its plain value.
        self._index = {
            vocab_key(text): str(value)
            for value, texts in aliases.items()
            for text in texts
        }
        for text, value in (extra or {}).items():
            self._index[vocab_key(text)] = str(value)
        self._seen: dict[str, str | None] = {}

    def get(self, text: str) -> str | None:
        """Return the value a word stands for, or None when it is unknown."""
        try:
            return self._seen[text]
        except KeyError:
            value = self._index.get(vocab_key(text))
            # Bounded: the module's own vocabularies live as long as the worker.
            if len(self._seen) < 1_000:
                self._seen[text] = value
            return value


def gender_clean(value: object, *, vocabulary: Vocabulary | None = None) -> str:
    """Return "male" or "female" from Nam/Nữ/Male/Female/M/F in any spelling."""
    text = cell_text(value).strip()
    gender = (vocabulary or _GENDERS).get(text)
    if gender is None:
        raise ValidationError(
            _('"%(value)s" is not a gender the importer knows (Nam/Nữ, Male/Female).'),
            code="gender_unknown",
            params={"value": text},
        )
    return gender


def status_clean(value: object, *, vocabulary: Vocabulary | None = None) -> str:
    """Return an EmploymentStatus value from the export's wording."""
    text = cell_text(value).strip()
    status = (vocabulary or _STATUSES).get(text)
    if status is None:
        raise ValidationError(
            _(
                '"%(value)s" is not an employment status the importer knows; '
                "add it to the employer's mapping profile."
            ),
            code="status_unknown",
            params={"value": text},
        )
    return status


class _EmailValidator(EmailValidator):
    # Django's validator compiles its patterns lazily and reaches them through
    # a proxy on every call; compiled once here, 82,000 rows check faster.
    user_regex = re.compile(
        EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags
    )
    domain_regex = re.compile(
        EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags
    )
    literal_regex = re.compile(
        EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags
    )


_validate_email = _EmailValidator()


def email_clean(value: object) -> str:
    """Return an e-mail address lower-cased, or refuse one that is not an address."""
    text = nfc(cell_text(value)).lower()
    try:
        _validate_email(text)
    except ValidationError:
        raise ValidationError(
            _('"%(value)s" is not an e-mail address.'),
            code="email_invalid",
            params={"value": text},
        ) from None
    return text


def phone_value_clean(value: object) -> str:
    """Return a phone as 0xxxxxxxxx; a number cell that lost its 0 gets it back."""
    return phone_clean(cell_text(value))


def national_id_value_clean(
    value: object, *, date_of_birth: date | None = None, gender: str = ""
) -> str:
    """Return the CCCD as 12 digits, checked against date of birth and gender.

    A CCCD that arrives as a number cell has lost its leading zeros (every
    province code begins with 0); it is refused, never padded back, since the
    digits that were lost cannot be known for sure.
    """
    text = cell_text(value)
    if _is_number(value) and text.isdigit() and len(text) < 12:
        raise ValidationError(
            _(
                "The national ID came as the number %(value)s and has lost its "
                "leading zeros; format the column as text in the HRM system's "
                "export and export it again."
            ),
            code="cccd_lost_zeros",
            params={"value": text},
        )
    return national_id_clean(text, date_of_birth=date_of_birth, gender=gender)


_GENDERS = Vocabulary(GENDER_ALIASES)
_STATUSES = Vocabulary(STATUS_ALIASES)
