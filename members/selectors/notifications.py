"""Reads of a person's notifications: the inbox, its badge, the settings page."""

from dataclasses import dataclass

from django.db.models import QuerySet

from members.models import (
    Member,
    Notification,
    NotificationPreference,
    PushSubscription,
    StaffRole,
)
from members.reminders import MEMBER, reminders_all
from members.scope import scoped


def notifications_for_user(*, user) -> QuerySet[Notification]:
    """Return the person's own notifications, newest first, for the portal inbox."""
    return scoped(Notification.objects.all(), user, portal=True)


def notifications_unread_count(*, user) -> int:
    """Return how many of the person's notifications are unread (the menu badge)."""
    return notifications_for_user(user=user).filter(read_at__isnull=True).count()


def push_devices_for_user(*, user) -> QuerySet[PushSubscription]:
    """Return the devices on which the person turned Web Push on, newest first."""
    return scoped(PushSubscription.objects.all(), user, portal=True)


HOME_LATEST = 3


def notifications_home_block(*, user) -> dict | None:
    """Return the home's block of unread notifications: how many, the latest few."""
    unread = notifications_for_user(user=user).filter(read_at__isnull=True)
    latest = list(unread[:HOME_LATEST])
    if not latest:
        return None
    # Fewer than a page's worth: the list is the count, no second query.
    count = len(latest) if len(latest) < HOME_LATEST else unread.count()
    return {
        "template": "members/notifications/home_block.html",
        "order": 5,
        "unread_count": count,
        "latest": latest,
    }


@dataclass(frozen=True)
class NotificationSetting:
    kind: str
    label: str
    mandatory: bool
    enabled: bool


def notification_roles(*, user) -> set[str]:
    """Return who the person is to the reminder registry: a member, staff roles."""
    roles = set(StaffRole.objects.filter(user=user).values_list("role", flat=True))
    if scoped(Member.objects.all(), user, portal=True).exists():
        roles.add(MEMBER)
    return roles


def notification_settings(*, user) -> list[tuple[str, list[NotificationSetting]]]:
    """Return the reminder kinds the person can receive, with whether they do.

    A kind is for the people holding one of its ``roles`` (everyone when it
    names none): a member is not offered the officers' kinds, nor an officer
    the members'. Grouped by who the kind is for ("" where a kind does not
    say), in the registry's order; a kind the person never turned off is on.
    """
    roles = notification_roles(user=user)
    turned = dict(
        scoped(NotificationPreference.objects.all(), user, portal=True).values_list(
            "kind", "enabled"
        )
    )
    groups: dict[str, list[NotificationSetting]] = {}
    for reminder in reminders_all():
        if reminder.roles and not roles.intersection(reminder.roles):
            continue
        recipients = str(reminder.recipients)
        groups.setdefault(recipients, []).append(
            NotificationSetting(
                kind=reminder.name,
                label=str(reminder.label),
                mandatory=reminder.mandatory,
                enabled=reminder.mandatory or turned.get(reminder.name, True),
            )
        )
    return list(groups.items())
