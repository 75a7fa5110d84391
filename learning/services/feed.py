"""Writes of the member feed: posts, working out a member's feed, views, confirmations.

A member's feed is worked out when they look at it (``feed_sync``): the
posts released to their units since it was last worked out enter it through
the 20/80 rule of ``learning.feed_governor``, which says what "the feed a
member sees" is. The rows written (``FeedEntry``) keep each delivery, so that
the rule reads the last 7 days only, whatever the history.
"""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.feed_governor import WINDOW, Candidate, Delivered, deliveries_plan
from learning.models import (
    Course,
    FeedConfirmation,
    FeedCursor,
    FeedEntry,
    FeedPost,
)
from members.models import AuditEvent, Member, Unit
from members.scope import require_unit_in_scope
from members.services.audit import audit_record

logger = logging.getLogger(__name__)

# A new member's feed starts with the posts of the last 30 days.
HISTORY = timedelta(days=30)
# Posts published in a transaction still open while a feed was worked out
# are picked up by the next working out: it looks this far back again.
OVERLAP = timedelta(minutes=5)
# The portal namespaces a survey or an initiative lives in.
LINK_NAMESPACES = {
    FeedPost.LinkKind.SURVEY: "feedback",
    FeedPost.LinkKind.INITIATIVE: "feedback",
}
VIEWS_AT_ONCE = 50


# Posts -----------------------------------------------------------------------


def feed_link_check(*, link_kind: str, course: Course | None, link_path: str) -> None:
    """Refuse a post's link that is missing, foreign or points off the portal.

    A survey's or initiative's link is a path on this portal (one leading
    slash, no host, no query) that resolves to a page of the app that holds
    them; learning never imports that app, so the path is what it keeps.
    """
    kinds = FeedPost.LinkKind
    if link_kind == kinds.COURSE:
        if course is None:
            raise ValidationError({"course": _("Choose the course the post links to.")})
        if course.status != Course.Status.PUBLISHED:
            raise ValidationError({"course": _("Link only to a published course.")})
        return
    if link_kind not in LINK_NAMESPACES:
        return
    refused = ValidationError(
        {
            "link_path": _(
                "Give the address of a survey or initiative on this portal, "
                "starting with /."
            )
        }
    )
    path = link_path or ""
    if (
        not path.startswith("/")
        or path.startswith("//")
        or any(char in path for char in "\\?#:@ \t\r\n")
    ):
        raise refused
    try:
        match = resolve(path)
    except Resolver404:
        raise refused from None
    if match.namespace != LINK_NAMESPACES[link_kind]:
        raise refused


def feed_post_check(*, post: FeedPost, audience: list[Unit]) -> None:
    """Refuse a post that cannot be published, with every reason at once."""
    errors: dict[str, list[str]] = {}
    if not post.body and not post.image and not post.video and not post.link_kind:
        errors.setdefault("body", []).append(
            _("Write a text, or add an image, a video or a link.")
        )
    if not audience:
        errors.setdefault("audience_units", []).append(
            _("Choose the units whose members the post is for.")
        )
    if post.confirm_required and not post.is_messaging:
        errors.setdefault("confirm_required", []).append(
            _("Only a union message can ask members to confirm.")
        )
    if post.confirm_required and post.confirm_by is None:
        errors.setdefault("confirm_by", []).append(
            _("Give the day by which members should confirm.")
        )
    if post.image and post.video:
        errors.setdefault("video", []).append(
            _("A post shows an image or a video, not both.")
        )
    try:
        feed_link_check(
            link_kind=post.link_kind,
            course=post.course if post.course_id else None,
            link_path=post.link_path,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def feed_post_publish(*, post: FeedPost, actor, now: datetime | None = None) -> None:
    """Publish a draft post: it reaches its audience at ``publish_at`` or now.

    Every unit of the audience, and the author's unit, must be in the
    actor's scope. A refusal is recorded in the audit trail with its reasons
    and nothing of the post changes.
    """
    now = now or timezone.now()
    try:
        _publish(post=post, actor=actor, now=now)
    except ValidationError as error:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.STAFF_ACTION,
            obj=post,
            detail={
                "action": "feed_post_publish_refused",
                "reasons": error.messages,
            },
        )
        raise


@transaction.atomic
def _publish(*, post: FeedPost, actor, now: datetime) -> None:
    post = FeedPost.objects.select_for_update().get(pk=post.pk)
    if post.status != FeedPost.Status.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    audience = list(post.audience_units.all())
    require_unit_in_scope(actor, post.owner_unit)
    for unit in audience:
        require_unit_in_scope(actor, unit)
    feed_post_check(post=post, audience=audience)
    post.status = FeedPost.Status.PUBLISHED
    post.released_at = max(post.publish_at, now)
    post.save(update_fields=["status", "released_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=post,
        detail={
            "action": "feed_post_publish",
            "category": post.category,
            "released_at": post.released_at.isoformat(),
            "units": [unit.code for unit in audience],
        },
    )


@transaction.atomic
def feed_post_withdraw(*, post: FeedPost, actor) -> None:
    """Take a published post out of every feed; its deliveries stay counted."""
    post = FeedPost.objects.select_for_update().get(pk=post.pk)
    require_unit_in_scope(actor, post.owner_unit)
    if post.status != FeedPost.Status.PUBLISHED:
        raise ValidationError(_("Only a published post can be withdrawn."))
    post.status = FeedPost.Status.WITHDRAWN
    post.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=post,
        detail={"action": "feed_post_withdraw"},
    )


# A member's feed ----------------------------------------------------------------


def posts_reaching(member: Member):
    """Return the published posts whose audience holds the member's unit."""
    return FeedPost.objects.filter(
        status=FeedPost.Status.PUBLISHED,
        audience_units__path__in=Unit.lineage_paths(member.unit.path),
    )


def feed_sync(*, member: Member, now: datetime | None = None) -> None:
    """Bring the member's feed up to ``now``: deliver what the 20/80 rule lets in.

    Two queries when nothing is new (and no waiting message can have found
    room since: a message of the window ageing out); otherwise a fixed few,
    reading only the last 7 days of deliveries and the waiting messages,
    whatever the history.
    The member's cursor row is locked while the feed is worked out, so that
    two pages opened at once deliver nothing twice and keep the rule.
    """
    now = now or timezone.now()
    cursor = FeedCursor.objects.filter(member=member).first()
    since = cursor.synced_at if cursor and cursor.synced_at else now - HISTORY
    fresh = _fresh_posts(member=member, since=since, now=now)
    if not fresh and cursor is not None and not _room_may_open(cursor, now):
        return
    if not fresh and cursor is None:
        # A first visit with nothing to deliver: the feed starts now.
        FeedCursor.objects.bulk_create(
            [FeedCursor(member=member, synced_at=now)], ignore_conflicts=True
        )
        return
    with transaction.atomic():
        if cursor is None:
            FeedCursor.objects.bulk_create(
                [FeedCursor(member=member)], ignore_conflicts=True
            )
        cursor = FeedCursor.objects.select_for_update().get(member=member)
        since = cursor.synced_at or now - HISTORY
        if since > now:
            return
        fresh = _fresh_posts(member=member, since=since, now=now)
        _deliver(member=member, cursor=cursor, fresh=fresh, since=since, now=now)


def _room_may_open(cursor: FeedCursor, now: datetime) -> bool:
    """Return whether a waiting message may find room without a new post."""
    return bool(
        cursor.waiting and cursor.recheck_at is not None and cursor.recheck_at <= now
    )


def _fresh_posts(*, member: Member, since: datetime, now: datetime) -> list[dict]:
    entered = FeedEntry.objects.filter(member=member, post=OuterRef("pk"))
    return list(
        posts_reaching(member)
        .filter(released_at__gt=since - OVERLAP, released_at__lte=now)
        .exclude(Exists(entered))
        .values("pk", "category", "released_at", "confirm_required")
        .distinct()
    )


def _deliver(
    *,
    member: Member,
    cursor: FeedCursor,
    fresh: list[dict],
    since: datetime,
    now: datetime,
) -> None:
    known = list(
        FeedEntry.objects.filter(member=member)
        .filter(
            Q(delivered_at__gt=since - WINDOW - OVERLAP) | Q(delivered_at__isnull=True)
        )
        .values(
            "pk",
            "messaging",
            "delivered_at",
            "post__released_at",
            "post__confirm_required",
        )
    )
    delivered = [
        Delivered(at=row["delivered_at"], messaging=row["messaging"])
        for row in known
        if row["delivered_at"] is not None
    ]
    waiting = {row["pk"]: row for row in known if row["delivered_at"] is None}
    # Keys: an entry's pk for a waiting message, minus a post's pk for a new post.
    candidates = [
        Candidate(
            key=pk,
            released_at=row["post__released_at"],
            messaging=True,
            mandatory=row["post__confirm_required"],
        )
        for pk, row in waiting.items()
    ] + [
        Candidate(
            key=-row["pk"],
            released_at=row["released_at"],
            messaging=row["category"] == FeedPost.Category.MESSAGING,
            mandatory=row["confirm_required"],
        )
        for row in fresh
    ]
    plan = deliveries_plan(
        delivered=delivered, candidates=candidates, since=since, now=now
    )
    FeedEntry.objects.bulk_create(
        [
            FeedEntry(
                member=member,
                post_id=row["pk"],
                messaging=row["category"] == FeedPost.Category.MESSAGING,
                delivered_at=plan.get(-row["pk"]),
            )
            for row in fresh
        ],
        ignore_conflicts=True,
    )
    entered = [FeedEntry(pk=pk, delivered_at=plan[pk]) for pk in waiting if pk in plan]
    if entered:
        FeedEntry.objects.bulk_update(entered, ["delivered_at"])
    cursor.synced_at = now
    cursor.waiting = sum(1 for c in candidates if c.messaging and c.key not in plan)
    messages = [item.at for item in delivered if item.messaging] + [
        at for c in candidates if c.messaging and (at := plan.get(c.key)) is not None
    ]
    cursor.recheck_at = min(
        (at + WINDOW for at in messages if at + WINDOW > now), default=None
    )
    cursor.save(update_fields=["synced_at", "waiting", "recheck_at"])


# What members do -------------------------------------------------------------------


def feed_views_record(
    *, member: Member, post_ids: list[int], now: datetime | None = None
) -> int:
    """Record that the member saw these posts in their feed; return how many were new.

    One query; a post seen again, not delivered to the member, or withdrawn
    changes nothing.
    """
    now = now or timezone.now()
    ids = [pk for pk in post_ids if isinstance(pk, int) and pk > 0][:VIEWS_AT_ONCE]
    if not ids:
        return 0
    return FeedEntry.objects.filter(
        member=member,
        post_id__in=ids,
        post__status=FeedPost.Status.PUBLISHED,
        delivered_at__isnull=False,
        delivered_at__lte=now,
        viewed_at__isnull=True,
    ).update(viewed_at=now)


def feed_confirm(
    *, member: Member, post: FeedPost, now: datetime | None = None
) -> bool:
    """Record that the member read a mandatory message; True the first time only.

    The post must be published, released, asking for confirmation and meant
    for the member's unit. A second confirmation, or one racing the first,
    adds nothing (a unique key per post and member).
    """
    now = now or timezone.now()
    meant = posts_reaching(member).filter(
        pk=post.pk, confirm_required=True, released_at__lte=now
    )
    if not meant.exists():
        raise ValidationError(_("This post does not ask you to confirm."))
    created = False
    try:
        with transaction.atomic():
            created = FeedConfirmation.objects.get_or_create(
                post=post, member=member, defaults={"confirmed_at": now}
            )[1]
    except IntegrityError:
        created = False  # a racing confirmation won
    feed_views_record(member=member, post_ids=[post.pk], now=now)
    return created
