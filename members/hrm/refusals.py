"""The one exception that refuses an HRM file whole, with a translatable reason."""

from collections.abc import Mapping
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import ngettext


class FileRefused(Exception):  # noqa: N818 - the name says what happened to the file
    """An HRM file that cannot be imported at all: unsafe, unreadable or unknown layout.

    ``message`` is a lazy translation with ``%(name)s``-style placeholders,
    ``params`` fills them (lazy values render in the active language), and
    ``code`` is the machine-readable reason (``too_large``, ``zip_bomb``,
    ``unknown_layout``, ...). ``str()`` renders the message in the active language.
    """

    def __init__(
        self, message: Any, *, code: str, params: Mapping[str, Any] | None = None
    ):
        self.message = message
        self.code = code
        self.params = dict(params or {})
        super().__init__(message, code, self.params)

    @property
    def text(self) -> str:
        """Return the message rendered in the active language."""
        return render(self.message, self.params)

    def __str__(self) -> str:
        return self.text

    def __reduce__(self):
        # Keyword-only arguments defeat Exception's default pickling (Celery).
        return (_file_refused, (self.message, self.code, self.params))


def _file_refused(message: Any, code: str, params: Mapping[str, Any]) -> FileRefused:
    return FileRefused(message, code=code, params=params)


def render(message: Any, params: Mapping[str, Any] | None) -> str:
    """Return a lazy message with its params filled in, in the active language."""
    if not params:
        return str(message)
    return str(message) % {key: str(value) for key, value in params.items()}


def _size_beside(size: int, other: int) -> str:
    """Return a size as staff read it, precisely enough to differ from ``other``.

    "1.0 GB, more than 1.0 GB" says nothing: when the rounded sizes read
    alike, both are given in bytes.
    """
    text = filesizeformat(size)
    if size == other or text != filesizeformat(other):
        return text
    return ngettext("%(size)s byte", "%(size)s bytes", size) % {
        "size": number_format(size, force_grouping=True)
    }


# Lazy: a refusal renders in the language active when it is read.
size_text = lazy(_size_beside, str)


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


# Lazy, and picklable (a refusal travels through Celery), as size_text.
number_text = lazy(_grouped, str)
