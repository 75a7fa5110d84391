"""Open Badges 2.0 hosted documents: the issuer, a badge class, an assertion.

Each is JSON-LD at a stable public URL (https://www.imsglobal.org/sites/default/
files/Badges/OBv2p0Final/index.html). The recipient is the member's e-mail,
hashed with the award's salt (``sha256$`` + hex of sha256(e-mail + salt)), so
the assertion never shows the address. A revoked assertion answers with
``revoked: true`` and the reason.
"""

import hashlib

from django.conf import settings
from django.urls import reverse

from learning.models import Badge, BadgeAward

CONTEXT = "https://w3id.org/openbadges/v2"


def _absolute(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def issuer_url() -> str:
    return _absolute(reverse("learning:badge_issuer"))


def badge_class_url(badge: Badge) -> str:
    return _absolute(reverse("learning:badge_class", args=[badge.slug]))


def assertion_url(award: BadgeAward) -> str:
    return _absolute(reverse("learning:badge_assertion", args=[award.uuid]))


def recipient_identity(*, email: str, salt: str) -> str:
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return f"sha256${digest}"


def issuer_json() -> dict:
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(),
        "name": settings.PORTAL_NAME,
        "url": _absolute("/"),
        "email": settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">"),
    }


def badge_class_json(badge: Badge) -> dict:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": badge_class_url(badge),
        "name": badge.name,
        "description": badge.description,
        "image": _absolute(reverse("learning:badge_image", args=[badge.slug])),
        "criteria": {"narrative": badge.criteria},
        "issuer": issuer_url(),
    }


def assertion_json(award: BadgeAward) -> dict:
    """Return the award's hosted assertion, or its revocation if revoked."""
    if award.revoked_at is not None:
        return {
            "@context": CONTEXT,
            "type": "Assertion",
            "id": assertion_url(award),
            "revoked": True,
            "revocationReason": award.revoke_reason,
        }
    document = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(award),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": recipient_identity(
                email=award.recipient_email, salt=award.salt
            ),
        },
        "badge": badge_class_url(award.badge),
        "verification": {"type": "hosted"},
        "issuedOn": award.awarded_at.isoformat(),
    }
    if award.reason:
        document["narrative"] = award.reason
    return document


def badge_award_public(*, uuid) -> BadgeAward | None:
    return BadgeAward.objects.select_related("badge").filter(uuid=uuid).first()


def badge_public(*, slug: str) -> Badge | None:
    return Badge.objects.filter(slug=slug).first()
