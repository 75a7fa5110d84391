"""Text fields stored in NFC, so that a typed "ễ" and a pasted "ễ" compare equal."""

import unicodedata

from django.db import models


def nfc_line(value):
    """Return one line of text in NFC, trimmed, inner runs of spaces collapsed."""
    if not isinstance(value, str):
        return value
    return " ".join(unicodedata.normalize("NFC", value).split())


def nfc_text(value):
    """Return a text of several lines in NFC, trimmed, with Unix line endings."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


class _NFCMixin:
    """Normalise on form input, on save (the instance too) and in lookups."""

    normalise = staticmethod(nfc_line)

    def to_python(self, value):
        return self.normalise(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = self.normalise(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        return self.normalise(super().get_prep_value(value))


class NFCCharField(_NFCMixin, models.CharField):
    """A one-line text field kept in NFC with its spaces collapsed."""


class NFCTextField(_NFCMixin, models.TextField):
    """A text field of several lines kept in NFC."""

    normalise = staticmethod(nfc_text)
