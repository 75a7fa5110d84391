"""Masking of national IDs and phone numbers in log records and error reports.

Settings' LOGGING puts ``PersonalDataFilter`` on every handler and sends error
reports through ``AdminEmailHandler`` below, which masks the finished e-mail
(the request's POST data and the traceback included). Celery workers replace
the root handlers at start-up; ``celery_handlers_mask`` filters theirs too.

Nothing here imports models: logging is configured before the apps load.
"""

import logging
import re
from typing import Any

from django.utils.log import AdminEmailHandler as DjangoAdminEmailHandler

# 12 digits standing alone: a CCCD (the old 9-digit CMND is not masked).
_CCCD = re.compile(r"(?<!\d)\d{12}(?!\d)")
# A Vietnamese phone: 0, 84 or +84, then 9 or 10 digits, perhaps grouped by
# spaces, dots or dashes ("0912 345 678", "+84 355-441-122").
_PHONE = re.compile(r"(?<![\d+])(?:\+84|84|0)(?:[ .\-]?\d){9,10}(?!\d)")
# Either needs ten digits at least, one separator at most between two: a text
# without such a run (most log lines, line numbers, status codes) is left as it
# is after one search instead of two substitutions.
_CANDIDATE = re.compile(r"\d(?:[ .\-]?\d){9}")
CCCD_MASK = "[CCCD]"
PHONE_MASK = "[SĐT]"
EMAIL_MASK = "[email]"
# Keys of a structure whose values are personal data whatever they look like.
PERSONAL_KEYS = frozenset(
    {"national_id", "cccd", "phone", "email", "full_name", "date_of_birth"}
)


def mask_text(text: str) -> str:
    """Return the text with CCCD-like and phone-like numbers masked."""
    if not text or not _CANDIDATE.search(text):
        return text
    return _PHONE.sub(PHONE_MASK, _CCCD.sub(CCCD_MASK, text))


def mask_data(value: Any) -> Any:
    """Return a JSON-like structure with personal values dropped or masked.

    Values under a key ending in "sha256" are hashes, left whole.
    """
    if isinstance(value, dict):
        return {
            str(key): item if str(key).endswith("sha256") else mask_data(item)
            for key, item in value.items()
            if str(key).lower() not in PERSONAL_KEYS
        }
    if isinstance(value, list | tuple):
        return [mask_data(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


class PersonalDataFilter(logging.Filter):
    """Mask national IDs and phones in a record's message, traceback and stack."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the log
            message = str(record.msg)
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text; exc_info stays for the e-mail report.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class AdminEmailHandler(DjangoAdminEmailHandler):
    """Django's error report e-mail, masked once written (POST data, locals...)."""

    def send_mail(self, subject, message, *args, **kwargs):
        if kwargs.get("html_message"):
            kwargs["html_message"] = mask_text(kwargs["html_message"])
        super().send_mail(mask_text(subject), mask_text(message), *args, **kwargs)


def celery_handlers_mask(logger=None, **kwargs) -> None:
    """Put the filter on the handlers a Celery worker installed (a signal receiver)."""
    if logger is None:
        return
    for handler in logger.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
