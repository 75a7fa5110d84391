"""Delivery channels: how a stored notification leaves the portal.

The in-portal channel is the notification row itself (the inbox). Every other
channel is a class here with a name, ``reaches(user)`` and ``send(...)``, listed
in the ``NOTIFICATION_CHANNELS`` setting. To add SMS or Zalo: write a channel
whose ``send`` calls the provider's API and raises on failure (the delivery
task retries with backoff and marks the delivery failed after the last try),
whose ``reaches`` says whether the person has a number, add its name to the
setting, and declare the provider's credentials in settings.py. Channels that
wake people up keep to the quiet hours (``respects_quiet_hours``).
"""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from members.models import Notification, User


class Channel:
    name = ""
    respects_quiet_hours = True

    def reaches(self, user: User) -> bool:
        raise NotImplementedError

    def open(self):
        """Return a connection to reuse across a chunk of deliveries, or None."""
        return None

    def send(self, notification: Notification, *, connection=None) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    """E-mail through Django's configured backend (SMTP from EMAIL_URL)."""

    name = "email"

    def reaches(self, user: User) -> bool:
        return bool(user.email) and user.is_active

    def open(self):
        return get_connection()

    def send(self, notification: Notification, *, connection=None) -> None:
        body = notification.body
        if notification.link:
            body = (
                f"{body}\n\n{settings.PORTAL_BASE_URL.rstrip('/')}{notification.link}"
            )
        message = EmailMessage(
            subject=notification.title,
            body=body,
            to=[notification.recipient.email],
            connection=connection,
            headers={"X-Portal-Notification": notification.dedupe_key},
        )
        if connection is not None:
            # Kept open for the rest of the chunk: a backend handed a closed
            # connection opens and closes one for every message.
            connection.open()
        message.send(fail_silently=False)


_CHANNELS = {channel.name: channel for channel in (EmailChannel(),)}


def channels_enabled() -> list[Channel]:
    """Return the channels the settings turn on, in order."""
    return [_CHANNELS[name] for name in settings.NOTIFICATION_CHANNELS]


def channel_get(name: str) -> Channel:
    return _CHANNELS[name]
