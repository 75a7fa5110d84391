"""Reminder kinds: the registry every app declares its reminders in.

An app declares its kinds in its own ``reminders.py`` (found at start-up by
``autodiscover_modules("reminders")``)::

    from members.reminders import Reminder, ReminderTarget, reminder

    @reminder(
        name="learning.course_deadline",
        label=_("Course deadline tomorrow"),
        mandatory=False,
        crontab={"minute": "0", "hour": "8"},
        recipients=_("Members enrolled in a course"),
        roles=(MEMBER,),
    )
    def course_deadline(*, today):
        for enrolment in ...:
            yield ReminderTarget(recipient_id=..., dedupe_key=..., title=..., ...)

The registry installs a beat schedule for each kind (``setup_schedules``); the
due task runs ``members.services.notifications.reminder_run`` for it, which
stores one notification a target (skipping dedupe keys already stored) and
hands e-mail to chunked delivery tasks.

The members app's own kinds live in this package, one module a topic
(``care``, ``consultations``, ``programmes``, ``privacy``), imported by
``MembersConfig.ready``; this module imports none of them, so that the
notifications service can read the registry without an import circle.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Who a kind goes to, in ``roles``: people whose account is a member's, and
# the staff roles (members.models.StaffRole.Role values: "officer",
# "care_officer", "viewer").
MEMBER = "member"


@dataclass(frozen=True)
class ReminderTarget:
    """One notification a reminder wants stored: who, the occasion's key, the text.

    ``dedupe_key`` is unique among all notifications of all apps: build it
    from the kind, the record's id, the occasion and the recipient
    (``care-birthday:member:12:2026-12-01:7``), so that the same occasion
    for the same person gives the same key and is stored, and sent, once.
    """

    recipient_id: int
    dedupe_key: str
    title: str
    body: str = ""
    link: str = ""


@dataclass(frozen=True)
class Reminder:
    name: str
    label: str
    targets: Callable[..., Iterable[ReminderTarget]]
    mandatory: bool = False
    crontab: dict = field(default_factory=lambda: {"minute": "0", "hour": "7"})
    recipients: str = ""
    roles: tuple[str, ...] = ()


_REGISTRY: dict[str, Reminder] = {}


def reminder(
    *,
    name: str,
    label,
    mandatory: bool = False,
    crontab: dict,
    recipients="",
    roles: Iterable[str] = (),
) -> Callable:
    """Register the decorated generator as the targets of a reminder kind.

    ``name`` is ``<app>.<kind>`` (a later registration of a name replaces the
    earlier). The generator is called as ``targets(today=date)`` and yields
    ``ReminderTarget``s; ``setup_schedules`` installs a beat schedule
    ``reminder:<name>`` that runs ``members.tasks.reminder_due(kind=name)``
    at ``crontab``. A ``mandatory`` kind reaches everyone; people may turn
    the others off on the portal's settings page, under ``recipients``.
    ``roles`` says who the targets are (``MEMBER`` and staff role names):
    the settings page offers a kind only to people holding one of them, and
    to everyone when a kind names none.
    """

    def register(targets):
        _REGISTRY[name] = Reminder(
            name=name,
            label=label,
            targets=targets,
            mandatory=mandatory,
            crontab=crontab,
            recipients=recipients,
            roles=tuple(roles),
        )
        return targets

    return register


def reminder_get(name: str) -> Reminder:
    return _REGISTRY[name]


def reminders_all() -> list[Reminder]:
    return sorted(_REGISTRY.values(), key=lambda kind: kind.name)


def reminder_schedules() -> list[dict]:
    """Return a beat schedule for every registered reminder kind."""
    return [
        {
            "name": f"reminder:{kind.name}",
            "task": "members.tasks.reminder_due",
            "crontab": kind.crontab,
            "kwargs": {"kind": kind.name},
            "description": kind.label,
        }
        for kind in reminders_all()
    ]
