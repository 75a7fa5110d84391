"""Badges awarded: by their rules, by staff with a reason, and revoked with one.

An award is unique per (badge, member, source): a rule that fires twice
awards once. The member is told once, after commit.
"""

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.models import Badge, BadgeAward
from members.models import AuditEvent, Member, User
from members.scope import require_unit_in_scope
from members.services.audit import audit_record
from members.services.notifications import notify

MAX_REASON = 2000


def _notify_awarded(award: BadgeAward) -> None:
    user_id = (
        Member.objects.filter(pk=award.member_id)
        .values_list("user_id", flat=True)
        .first()
    )
    if user_id is None:
        return
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    notify(
        recipient=user,
        kind="learning.badge_awarded",
        dedupe_key=f"badge-award:{award.pk}:{user_id}",
        title=_("You earned the badge %(badge)s") % {"badge": award.badge.name},
        body=award.badge.description,
        link=reverse("learning:my_badges"),
        mandatory=False,
    )


def badge_award(
    *,
    badge: Badge,
    member_id: int,
    source: str,
    reason: str = "",
    actor: User | None = None,
    now: datetime | None = None,
) -> BadgeAward | None:
    """Award the badge once for the source; return the award, or None if held."""
    email = (
        Member.objects.filter(pk=member_id).values_list("email", "user__email").first()
    )
    try:
        with transaction.atomic():
            award = BadgeAward.objects.create(
                badge=badge,
                member_id=member_id,
                source=source[:64],
                reason=reason,
                awarded_at=now or timezone.now(),
                awarded_by=actor,
                recipient_email=(email[0] or email[1] or "") if email else "",
                salt=secrets.token_hex(8),
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _notify_awarded(award), robust=True)
    return award


def _rule_badges(rule: str, **filters):
    return Badge.objects.filter(rule=rule, is_active=True, **filters).order_by("pk")


def badges_for_level(*, member_id: int, level: int) -> None:
    for badge in _rule_badges(Badge.Rule.LEVEL, threshold__lte=level):
        badge_award(badge=badge, member_id=member_id, source="level")


def badges_for_streak(*, member_id: int, days: int) -> None:
    for badge in _rule_badges(Badge.Rule.STREAK, threshold__lte=days):
        badge_award(badge=badge, member_id=member_id, source="streak")


def badges_for_course(*, member_id: int, course_id: int) -> None:
    badges = _rule_badges(Badge.Rule.COURSE_COMPLETED).filter(
        Q(course_id=course_id) | Q(course__isnull=True)
    )
    for badge in badges:
        badge_award(badge=badge, member_id=member_id, source=f"course:{course_id}")


def badges_for_quiz_perfect(*, member_id: int, quiz_id: int) -> None:
    for badge in _rule_badges(Badge.Rule.QUIZ_PERFECT):
        badge_award(badge=badge, member_id=member_id, source="quiz_perfect")


def badges_for_initiative(*, member_id: int, initiative_id: int) -> None:
    for badge in _rule_badges(Badge.Rule.INITIATIVE):
        badge_award(
            badge=badge, member_id=member_id, source=f"initiative:{initiative_id}"
        )


@transaction.atomic
def badge_award_manual(
    *, badge: Badge, member: Member, reason: str, actor: User
) -> BadgeAward:
    """Award a badge from staff, with the reason the member and the assertion show."""
    require_unit_in_scope(actor, member.unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the badge is awarded."), code="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(
            _("The reason is at most %(count)s characters.") % {"count": MAX_REASON},
            code="reason",
        )
    if badge.rule != Badge.Rule.MANUAL or not badge.is_active:
        raise ValidationError(
            _("Only an active badge awarded by staff can be given by hand."),
            code="rule",
        )
    now = timezone.now()
    award = badge_award(
        badge=badge,
        member_id=member.pk,
        source=f"manual:{now:%Y%m%d%H%M%S%f}",
        reason=reason,
        actor=actor,
        now=now,
    )
    if award is None:
        raise ValidationError(_("This badge was just awarded."), code="twice")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=award,
        detail={"action": "badge_award", "badge": badge.slug, "reason": reason},
    )
    return award


@transaction.atomic
def badge_revoke(*, award: BadgeAward, actor: User, reason: str) -> BadgeAward:
    """Revoke an award: its assertion says so from now on."""
    award = (
        BadgeAward.objects.select_for_update(of=("self",))
        .select_related("member__unit")
        .get(pk=award.pk)
    )
    require_unit_in_scope(actor, award.member.unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the badge is revoked."), code="reason")
    if award.revoked_at is not None:
        raise ValidationError(_("This badge is revoked already."), code="revoked")
    award.revoked_at = timezone.now()
    award.revoked_by = actor
    award.revoke_reason = reason[:MAX_REASON]
    award.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=award,
        detail={"action": "badge_revoke", "reason": award.revoke_reason},
    )
    return award
