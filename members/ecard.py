"""The member's e-card: a signed, expiring token, its QR code, and its verification."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import segno
from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from members.models import Member

ECARD_SALT = "members.ecard"


@dataclass(frozen=True)
class EcardToken:
    value: str
    expires_at: datetime


@dataclass(frozen=True)
class EcardVerification:
    """What the public verify page may show: nothing that names the member."""

    valid: bool
    unit_name: str = ""
    expires_at: datetime | None = None


INVALID = EcardVerification(valid=False)


def ecard_issue(member: Member) -> EcardToken:
    """Return a token for the member's card and when it stops being valid."""
    max_age = settings.ECARD_TOKEN_MAX_AGE
    expires_at = timezone.now().replace(microsecond=0) + timedelta(seconds=max_age)
    # The expiry travels signed in the token, so the verify page can show it.
    value = signing.dumps(
        {"m": member.pk, "x": int(expires_at.timestamp())}, salt=ECARD_SALT
    )
    return EcardToken(value=value, expires_at=expires_at)


def ecard_token(member: Member) -> str:
    """Return a signed token for the card, valid for ECARD_TOKEN_MAX_AGE seconds."""
    return ecard_issue(member).value


def ecard_verify(token: str) -> EcardVerification:
    """Check a card token: intact, unexpired, and its member still active."""
    try:
        payload = signing.loads(
            token, salt=ECARD_SALT, max_age=settings.ECARD_TOKEN_MAX_AGE
        )
        member_id, expires = int(payload["m"]), int(payload["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return INVALID
    expires_at = datetime.fromtimestamp(expires, tz=UTC)
    if expires_at <= timezone.now():
        return INVALID
    member = (
        Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE)
        .select_related("unit")
        .first()
    )
    if member is None:
        return INVALID
    return EcardVerification(
        valid=True, unit_name=member.unit.name, expires_at=expires_at
    )


def ecard_qr_svg(url: str, *, title: str = "") -> SafeString:
    """Return the QR code of ``url`` as inline SVG that scales to its container."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(
        scale=1, border=4, omitsize=True, title=title or None, light="#fff"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the title is escaped
