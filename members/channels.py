"""Delivery channels: how a stored notification leaves the portal.

The in-portal channel is the notification row itself (the inbox). Every other
channel is a class here with a name, ``destinations(users)`` and ``send(...)``,
listed in the ``NOTIFICATION_CHANNELS`` setting. To add SMS or Zalo: write a
channel whose ``send`` calls the provider's API and raises on failure (an
OSError is retried with backoff and the delivery marked failed after the last
try; ``DeliveryRefusedError`` fails it at once; ``DestinationGoneError`` removes the
device), whose ``reaches`` says whether the person has a number, add its name
to the setting, and declare the provider's credentials in settings.py.
Channels that wake people up keep to the quiet hours (``respects_quiet_hours``).
"""

import base64
import hashlib
import json
import re
from email.utils import parseaddr

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from members.models import Notification, PushSubscription, User


class DeliveryRefusedError(Exception):
    """The channel's service refused the message for good: trying again is useless."""


class DestinationGoneError(Exception):
    """The device the message was for no longer exists (an expired subscription)."""


class ChannelUnavailableError(OSError):
    """The channel's service failed for now (a 5xx or 429): retried like a hang-up."""


class Channel:
    name = ""
    respects_quiet_hours = True

    def configured(self) -> bool:
        """Return whether the settings give the channel what it needs to send."""
        return True

    def reaches(self, user: User) -> bool:
        raise NotImplementedError

    def destinations(self, users: list[User]) -> dict[int, list[int | None]]:
        """Return, for each user the channel reaches, where to send.

        None stands for the account itself (one delivery a notification); a
        channel that sends to each of a person's devices gives their ids.
        """
        return {user.pk: [None] for user in users if self.reaches(user)}

    def open(self):
        """Return a connection to reuse across a chunk of deliveries, or None."""
        return None

    def send(
        self,
        notification: Notification,
        *,
        connection=None,
        subscription: PushSubscription | None = None,
    ) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    """E-mail through Django's configured backend (SMTP from EMAIL_URL)."""

    name = "email"

    def reaches(self, user: User) -> bool:
        return bool(user.email) and user.is_active

    def open(self):
        return get_connection()

    def send(self, notification, *, connection=None, subscription=None) -> None:
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


# Push services must take at least 4096 bytes of encrypted payload (RFC 8030);
# aes128gcm adds 103 bytes, and the rest is left as margin.
PUSH_PAYLOAD_MAX_BYTES = 3000
GONE_STATUSES = {404, 410}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def push_topic(dedupe_key: str) -> str:
    """Return the Topic header of a notification: 32 URL-safe characters.

    A push service keeps one waiting message a topic, so a message sent again
    (by a worker that died right after the push service took it) replaces the
    first instead of showing twice; the service worker uses it as the tag.
    """
    return _b64url(hashlib.sha256(dedupe_key.encode()).digest()[:24])


def push_payload(notification: Notification) -> bytes:
    """Return the JSON the service worker shows: title, body, link and tag.

    The link is the notification's own path on the portal (anything else is
    replaced by the inbox); the body is shortened to fit a push message.
    """
    link = notification.link
    if not (
        link.startswith("/")
        and url_has_allowed_host_and_scheme(link, allowed_hosts=None)
    ):
        link = reverse("members:inbox")
    data = {
        "title": notification.title,
        "body": notification.body,
        "link": link,
        "tag": push_topic(notification.dedupe_key),
    }
    encoded = json.dumps(data, ensure_ascii=False).encode()
    while len(encoded) > PUSH_PAYLOAD_MAX_BYTES and data["body"].strip("…"):
        excess = len(encoded) - PUSH_PAYLOAD_MAX_BYTES
        body = data["body"].encode()[: max(0, len(data["body"].encode()) - excess - 3)]
        data["body"] = body.decode(errors="ignore").rstrip() + "…"
        encoded = json.dumps(data, ensure_ascii=False).encode()
    return encoded


def vapid_subject() -> str:
    """Return the VAPID contact: the setting, else the sender's address."""
    if settings.WEBPUSH_VAPID_SUBJECT:
        return settings.WEBPUSH_VAPID_SUBJECT
    return f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"


def vapid_public_key_of(private_key: str) -> str:
    """Return the base64url public key (the browser's applicationServerKey)."""
    public = Vapid.from_string(private_key).public_key
    return _b64url(
        public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


_SUBJECT = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://[^\s/]+(/\S*)?)$")


def webpush_settings_problem() -> str | None:
    """Return what is wrong with the Web Push settings, or None.

    Neither key set is not a problem: Web Push is then off.
    """
    public = settings.WEBPUSH_VAPID_PUBLIC_KEY
    private = settings.WEBPUSH_VAPID_PRIVATE_KEY
    if not public and not private:
        return None
    if not (public and private):
        return (
            "Set both WEBPUSH_VAPID_PUBLIC_KEY and WEBPUSH_VAPID_PRIVATE_KEY, or "
            "neither (Web Push off); `manage.py webpush_keys` makes a pair."
        )
    try:
        derived = vapid_public_key_of(private)
    except Exception:
        return "WEBPUSH_VAPID_PRIVATE_KEY is not a P-256 private key (base64url)."
    if derived != public.rstrip("="):
        return "WEBPUSH_VAPID_PUBLIC_KEY is not the public key of the private key."
    if not _SUBJECT.match(vapid_subject()):
        return (
            "WEBPUSH_VAPID_SUBJECT must be a mailto: address or an https:// URL "
            "(push services write to it about problems)."
        )
    return None


class WebPushConnection:
    """One HTTP session and the signing key, reused across a chunk of pushes."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.vapid = Vapid.from_string(settings.WEBPUSH_VAPID_PRIVATE_KEY)

    def close(self) -> None:
        # A closed session opens new connections on its next request.
        self.session.close()


class WebPushChannel(Channel):
    """Web Push to each browser a person turned notifications on in (pywebpush).

    The payload is encrypted to the browser's keys (RFC 8291, aes128gcm) and
    the request signed with the portal's VAPID key (RFC 8292). A 404 or 410
    means the subscription is gone: the device is removed. A 429, a 5xx or no
    answer in time is retried like an SMTP hang-up; any other refusal fails
    the delivery at once.
    """

    name = "webpush"

    def configured(self) -> bool:
        return bool(
            settings.WEBPUSH_VAPID_PUBLIC_KEY and settings.WEBPUSH_VAPID_PRIVATE_KEY
        )

    def reaches(self, user: User) -> bool:
        return user.is_active and user.push_subscriptions.exists()

    def destinations(self, users: list[User]) -> dict[int, list[int | None]]:
        active = [user.pk for user in users if user.is_active]
        found: dict[int, list[int | None]] = {}
        rows = (
            PushSubscription.objects.filter(user_id__in=active)
            .order_by("pk")
            .values_list("user_id", "pk")
        )
        for user_id, subscription_id in rows:
            found.setdefault(user_id, []).append(subscription_id)
        return found

    def open(self):
        return WebPushConnection()

    def send(self, notification, *, connection=None, subscription=None) -> None:
        if subscription is None:
            raise DeliveryRefusedError("A Web Push delivery names no device.")
        own = connection is None
        connection = connection or WebPushConnection()
        try:
            webpush(
                {
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=push_payload(notification).decode(),
                vapid_private_key=connection.vapid,
                vapid_claims={"sub": vapid_subject()},
                ttl=settings.WEBPUSH_TTL,
                timeout=settings.WEBPUSH_TIMEOUT,
                headers={
                    "Urgency": "normal",
                    "Topic": push_topic(notification.dedupe_key),
                },
                requests_session=connection.session,
            )
        except WebPushException as error:
            response = error.response
            status = getattr(response, "status_code", None)
            if status in GONE_STATUSES:
                raise DestinationGoneError(
                    f"{status}: the subscription is gone"
                ) from error
            if status is not None and (status == 429 or status >= 500):
                raise ChannelUnavailableError(
                    f"push service answered {status}"
                ) from error
            raise DeliveryRefusedError(
                f"push service refused the message: {status or error.message}"
            ) from error
        finally:
            if own:
                connection.close()


_CHANNELS = {channel.name: channel for channel in (EmailChannel(), WebPushChannel())}


def channels_enabled() -> list[Channel]:
    """Return the channels the settings turn on and configure, in order."""
    channels = (_CHANNELS[name] for name in settings.NOTIFICATION_CHANNELS)
    return [channel for channel in channels if channel.configured()]


def channel_get(name: str) -> Channel:
    return _CHANNELS[name]


def webpush_offered() -> bool:
    """Return whether members may turn Web Push on (listed and with keys)."""
    channel = _CHANNELS[WebPushChannel.name]
    return channel.name in settings.NOTIFICATION_CHANNELS and channel.configured()
