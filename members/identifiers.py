"""Vietnamese identifiers: national ID (CCCD) and phone numbers, checked, normalised."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The place-of-registration code opening a CCCD: 001-096 (Circular 59/2021/TT-BCA
# lists 63 of them; the range, not the list, is checked, because HRM files carry
# numbers issued under every revision of that list and after the 2025 mergers).
CCCD_PROVINCES = frozenset(f"{code:03d}" for code in range(1, 97))

_NON_DIGITS = re.compile(r"[\s.\-()]")
# [0-9], not \d: \d also matches the digits of other scripts (Arabic-Indic,
# full-width), which would be stored as they came.
_CCCD = re.compile(r"[0-9]{12}")
# Mobile (03, 05, 07, 08, 09 + 8 digits) and fixed lines (02 + 9 digits).
_PHONE = re.compile(r"0(?:[35789][0-9]{8}|2[0-9]{9})")


def national_id_clean(
    value: str, *, date_of_birth: date | None = None, gender: str = ""
) -> str:
    """Return the CCCD as 12 digits, or raise ValidationError saying what is wrong.

    The fourth digit encodes century and gender (0/1: 1900s male/female,
    2/3: 2000s, ...) and the next two the year of birth; when the date of
    birth or gender is known, they must agree.
    """
    digits = _NON_DIGITS.sub("", str(value or ""))
    if not _CCCD.fullmatch(digits):
        raise ValidationError(
            _("A national ID (CCCD) has exactly 12 digits."), code="cccd_length"
        )
    if digits[:3] not in CCCD_PROVINCES:
        raise ValidationError(
            _("The CCCD begins with %(code)s, which is no province code."),
            code="cccd_province",
            params={"code": digits[:3]},
        )
    century_gender = int(digits[3])
    century = 1900 + 100 * (century_gender // 2)
    female = century_gender % 2 == 1
    if date_of_birth is not None:
        year = century + int(digits[4:6])
        if year != date_of_birth.year:
            raise ValidationError(
                _("The CCCD says born in %(year)s, the date of birth says otherwise."),
                code="cccd_year",
                params={"year": year},
            )
    if gender in {"male", "female"} and female != (gender == "female"):
        raise ValidationError(
            _("The CCCD's gender digit does not match the member's gender."),
            code="cccd_gender",
        )
    return digits


def phone_clean(value: str) -> str:
    """Return a Vietnamese phone number as 0xxxxxxxxx, from 09x, +84 or 84 forms."""
    raw = str(value or "").strip()
    digits = _NON_DIGITS.sub("", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in {11, 12}:
        digits = "0" + digits[2:]
    elif digits and digits[0] != "0" and len(digits) in {9, 10}:
        # Spreadsheets drop the leading zero of numbers stored as numbers.
        digits = "0" + digits
    if not _PHONE.fullmatch(digits):
        raise ValidationError(
            _("%(value)s is not a Vietnamese phone number."),
            code="phone",
            params={"value": raw},
        )
    return digits
