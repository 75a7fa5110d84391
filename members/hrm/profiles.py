"""An employer's mapping profile: extra header aliases, header row, extra words."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members.hrm.headers import FIELDS
from members.hrm.values import GENDERS, EmploymentStatus

OPTION_KEYS = ("header_row", "ignore", "statuses", "genders")


@dataclass(frozen=True)
class MappingProfile:
    """How one employer's export differs from the built-in expectations.

    As a plain dict (what the admin stores)::

        {
            "employee_code": ["Số hiệu NV"],        # field -> extra header aliases
            "department_code": ["Đơn vị"],          # overrides a built-in alias
            "header_row": 7,                        # 1-based; skips detection
            "ignore": ["Đơn vị cũ"],                # headers that are no field
            "statuses": {"Tạm hoãn HĐ": "on_leave"},  # wording -> EmploymentStatus
            "genders": {"Trai": "male"},            # wording -> male/female
        }
    """

    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    header_row: int | None = None
    ignore: tuple[str, ...] = ()
    statuses: Mapping[str, str] = field(default_factory=dict)
    genders: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "MappingProfile":
        """Return the profile a dict describes, or raise ValidationError."""
        data = dict(data or {})
        unknown = sorted(set(data) - set(FIELDS) - set(OPTION_KEYS))
        if unknown:
            raise ValidationError(
                _(
                    'The mapping profile has an unknown key "%(key)s"; the keys are '
                    "the field names (%(fields)s) and %(options)s."
                ),
                code="profile_key",
                params={
                    "key": unknown[0],
                    "fields": ", ".join(FIELDS),
                    "options": ", ".join(OPTION_KEYS),
                },
            )
        aliases = {
            name: _texts(data[name], key=name) for name in FIELDS if name in data
        }
        header_row = data.get("header_row")
        if header_row is not None and (
            isinstance(header_row, bool)
            or not isinstance(header_row, int)
            or header_row < 1
        ):
            raise ValidationError(
                _("The header row of a mapping profile is a whole number from 1."),
                code="profile_header_row",
            )
        statuses = _words(
            data.get("statuses"), key="statuses", allowed=EmploymentStatus.values
        )
        genders = _words(data.get("genders"), key="genders", allowed=GENDERS)
        return cls(
            aliases=aliases,
            header_row=header_row,
            ignore=_texts(data.get("ignore", ()), key="ignore"),
            statuses=statuses,
            genders=genders,
        )


def profile_coerce(
    profile: "MappingProfile | Mapping[str, Any] | None",
) -> MappingProfile:
    """Return a MappingProfile from a profile, its dict form or None."""
    if isinstance(profile, MappingProfile):
        return profile
    return MappingProfile.from_dict(profile)


def _texts(value: Any, *, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(
        isinstance(text, str) for text in value
    ):
        raise ValidationError(
            _('"%(key)s" in a mapping profile is a list of header texts.'),
            code="profile_texts",
            params={"key": key},
        )
    return tuple(text for text in value if text.strip())


def _words(value: Any, *, key: str, allowed: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(
            _('"%(key)s" in a mapping profile maps words to values.'),
            code="profile_words",
            params={"key": key},
        )
    for text, meaning in value.items():
        if not isinstance(text, str) or meaning not in allowed:
            raise ValidationError(
                _('"%(meaning)s" for "%(text)s" in %(key)s is not one of %(allowed)s.'),
                code="profile_word_value",
                params={
                    "meaning": meaning,
                    "text": text,
                    "key": key,
                    "allowed": ", ".join(allowed),
                },
            )
    return dict(value)
