"""Vietnamese text: NFC storage and diacritic-free folding for search."""

import unicodedata

# Đ/đ is a letter of its own, not D with a combining mark, so NFD keeps it.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(value: str) -> str:
    """Return the text trimmed, with inner runs of spaces collapsed, in NFC."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def fold(value: str) -> str:
    """Return the text without diacritics and case: "Nguyễn Đức" -> "nguyen duc"."""
    decomposed = unicodedata.normalize("NFD", nfc(value).translate(_FOLD_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def given_name(full_name: str) -> str:
    """Return the given name of a Vietnamese full name: its last word.

    Vietnamese order is family, middle, given ("Nguyễn Thị Hoa" -> "Hoa").
    """
    words = nfc(full_name).split()
    return words[-1] if words else ""
