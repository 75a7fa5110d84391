"""Web Push subscriptions: the devices on which a person turned notifications on."""

import base64
import binascii
import ipaddress
import logging
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from members.models import PushSubscription, User

logger = logging.getLogger(__name__)

# A person's devices beyond this many: the ones added first are removed.
MAX_DEVICES = 10
AUTH_SECRET_BYTES = 16


def _b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _host_allowed(host: str) -> bool:
    return any(
        host == allowed or host.endswith("." + allowed)
        for allowed in (h.lower().strip(".") for h in settings.WEBPUSH_ENDPOINT_HOSTS)
    )


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def push_endpoint_check(endpoint: str) -> str:
    """Return the endpoint if the portal may send to it; else raise ValidationError.

    It must be an https address of a push service in WEBPUSH_ENDPOINT_HOSTS
    (a test or development push service on this machine, listed there, may
    use http).
    """
    invalid = ValidationError(_("This browser gave an address that is not valid."))
    if not isinstance(endpoint, str) or len(endpoint) > 2000:
        raise invalid
    try:
        URLValidator(schemes=["https", "http"])(endpoint)
    except ValidationError:
        raise invalid from None
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if not _host_allowed(host) or (parts.scheme != "https" and not _loopback(host)):
        raise ValidationError(
            _("The push service of this browser is not one the portal sends to.")
        )
    return endpoint


def push_keys_check(*, p256dh: str, auth: str) -> None:
    """Raise ValidationError unless the keys are a P-256 public key and a secret."""
    invalid = ValidationError(
        _("This browser gave encryption keys that are not valid.")
    )
    if not (isinstance(p256dh, str) and isinstance(auth, str)):
        raise invalid
    if len(p256dh) > 100 or len(auth) > 50:
        raise invalid
    try:
        public = _b64url_decode(p256dh)
        secret = _b64url_decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    except (ValueError, binascii.Error):
        raise invalid from None
    if len(public) != 65 or len(secret) != AUTH_SECRET_BYTES:
        raise invalid


# (token in the User-Agent, name shown), the first match wins: most browsers
# also say "Chrome" and "Safari".
_BROWSERS = [
    ("EdgA/", "Edge"),
    ("Edg/", "Edge"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("OPR/", "Opera"),
    ("coc_coc_browser/", "Cốc Cốc"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
]


def device_label(user_agent: str) -> str:
    """Name a device by its browser and system ("Chrome · Android"), or ""."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)


@transaction.atomic
def push_subscription_save(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Record that this browser of the person receives Web Push.

    Subscribing again updates the keys. A browser's endpoint belongs to one
    account: when another account signs in on the same browser and turns
    notifications on, the device moves to it, and what was waiting for the
    previous account on that device is not sent there. Beyond MAX_DEVICES
    the oldest devices are removed.
    """
    push_endpoint_check(endpoint)
    push_keys_check(p256dh=p256dh, auth=auth)
    PushSubscription.objects.filter(endpoint=endpoint).exclude(user=user).delete()
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "device_label": device_label(user_agent)[:100],
            "failures": 0,
        },
    )
    stale = PushSubscription.objects.filter(user=user).order_by("-created_at", "-pk")[
        MAX_DEVICES:
    ]
    PushSubscription.objects.filter(
        pk__in=list(stale.values_list("pk", flat=True))
    ).delete()
    return subscription


@transaction.atomic
def push_subscription_delete(
    *, user: User, endpoint: str | None = None, pk: int | None = None
) -> int:
    """Remove one of the person's own devices (by endpoint or id); return how many.

    Another person's device is never touched: it counts as not found.
    """
    if endpoint is None and pk is None:
        return 0
    found = PushSubscription.objects.filter(user=user)
    if endpoint is not None:
        found = found.filter(endpoint=endpoint)
    if pk is not None:
        found = found.filter(pk=pk)
    _total, by_model = found.delete()  # the total counts the deliveries too
    return by_model.get(PushSubscription._meta.label, 0)


def push_subscription_drop(*, subscription_id: int, reason: str) -> None:
    """Remove a device the push service says is gone; its deliveries go with it."""
    deleted, _by_model = PushSubscription.objects.filter(pk=subscription_id).delete()
    if deleted:
        logger.info("push subscription %s dropped: %s", subscription_id, reason)


def push_subscription_delivered(*, subscription_id: int, at: datetime) -> None:
    """Note that the push service took a message for the device."""
    PushSubscription.objects.filter(pk=subscription_id).update(
        last_success_at=at, failures=0
    )


def push_subscription_failed(*, subscription_id: int) -> None:
    """Count a failed attempt to reach the device."""
    PushSubscription.objects.filter(pk=subscription_id).update(
        failures=F("failures") + 1
    )
