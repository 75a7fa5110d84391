"""Reads of a person's notifications: the inbox, its badge, the settings page."""

from dataclasses import dataclass

from django.db.models import QuerySet

from members.models import Notification, NotificationPreference, PushSubscription
from members.reminders import reminders_all
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


@dataclass(frozen=True)
class NotificationSetting:
    kind: str
    label: str
    mandatory: bool
    enabled: bool


def notification_settings(*, user) -> list[tuple[str, list[NotificationSetting]]]:
    """Return every reminder kind with whether the person receives it.

    Grouped by who the kind is for ("" where a kind does not say), in the
    registry's order; a kind the person never turned off is on.
    """
    turned = dict(
        scoped(NotificationPreference.objects.all(), user, portal=True).values_list(
            "kind", "enabled"
        )
    )
    groups: dict[str, list[NotificationSetting]] = {}
    for reminder in reminders_all():
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
