"""Reads of the member feed: the member's pages, staff's read counts and report."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from learning.models import FeedConfirmation, FeedEntry, FeedPost
from learning.selectors.courses import LEARNING_STATUSES
from members.models import Member, Unit
from members.scope import scoped
from members.selectors.register import member_for_user

PAGE_SIZE = 20
HOME_ITEMS = 3
TARGET_PERCENT = 20
# The chart's geometry, in SVG user units.
CHART_LABEL_WIDTH = 220
CHART_BAR_WIDTH = 300
CHART_ROW_HEIGHT = 22


# The member's feed ------------------------------------------------------------------


def _delivered(*, member: Member, now: datetime):
    confirmed = FeedConfirmation.objects.filter(member=member, post=OuterRef("post_id"))
    return (
        FeedEntry.objects.filter(
            member=member,
            delivered_at__isnull=False,
            delivered_at__lte=now,
            post__status=FeedPost.Status.PUBLISHED,
        )
        .select_related("post", "post__course")
        .annotate(confirmed=Exists(confirmed))
        .order_by("-delivered_at", "-pk")
    )


@dataclass(frozen=True)
class FeedPage:
    entries: list[FeedEntry]
    # The "older" link's cursor: the last entry's delivery and id, or "".
    older: str


def feed_page(
    *, member: Member, older: str = "", now: datetime | None = None
) -> FeedPage:
    """Return a page of the member's delivered posts, newest first; one query.

    ``older`` is the cursor of the page before (``"<timestamp>.<entry id>"``),
    so a page reads its 20 rows by the index whatever the history's size.
    """
    now = now or timezone.now()
    entries = _delivered(member=member, now=now)
    at, pk = _cursor_read(older)
    if at is not None:
        entries = entries.filter(Q(delivered_at__lt=at) | Q(delivered_at=at, pk__lt=pk))
    rows = list(entries[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    cursor = f"{rows[-1].delivered_at.timestamp():.6f}.{rows[-1].pk}" if more else ""
    return FeedPage(entries=rows, older=cursor)


def _cursor_read(value: str) -> tuple[datetime | None, int]:
    seconds, _, pk = (value or "").rpartition(".")
    try:
        at = datetime.fromtimestamp(float(seconds), tz=UTC)
        return at, int(pk)
    except (ValueError, OverflowError, OSError):
        return None, 0


def feed_post_for_member(*, member: Member, post_id: int) -> FeedPost | None:
    """Return a published, released post meant for the member's unit, or None."""
    return (
        FeedPost.objects.filter(
            pk=post_id,
            status=FeedPost.Status.PUBLISHED,
            released_at__lte=timezone.now(),
            audience_units__path__in=Unit.lineage_paths(member.unit.path),
        )
        .select_related("course")
        .annotate(
            confirmed=Exists(
                FeedConfirmation.objects.filter(member=member, post=OuterRef("pk"))
            )
        )
        .first()
    )


def member_of(user) -> Member | None:
    """Return the person's member, as the home's earlier blocks already read it."""
    if not user.is_authenticated:
        return None
    field = Member._meta.get_field("user").remote_field
    if field.is_cached(user):
        return field.get_cached_value(user)
    return member_for_user(user=user)


def feed_latest(*, member: Member) -> list[FeedEntry]:
    """Return the member's three latest delivered posts; one query."""
    return list(_delivered(member=member, now=timezone.now())[:HOME_ITEMS])


# Staff: read counts of a mandatory message -------------------------------------------


@dataclass(frozen=True)
class ReadRow:
    unit_id: int
    unit_name: str
    audience: int
    viewed: int
    confirmed: int

    @property
    def confirmed_percent(self) -> int:
        return round(100 * self.confirmed / self.audience) if self.audience else 0


def feed_reads(*, user, post: FeedPost) -> list[ReadRow]:
    """Return, a unit of the user's scope, the post's audience and who read it.

    audience: the current members of the unit reached by the post; viewed:
    those who saw it in their feed; confirmed: those who confirmed it. One
    query, over the user's scope only.
    """
    paths = list(post.audience_units.values_list("path", flat=True))
    if not paths:
        return []
    reached = Q()
    for path in paths:
        reached |= Q(unit__path__startswith=path)
    members = scoped(Member.objects.filter(status__in=LEARNING_STATUSES), user)
    confirmed = FeedConfirmation.objects.filter(post=post, member=OuterRef("pk"))
    viewed = FeedEntry.objects.filter(
        post=post, member=OuterRef("pk"), viewed_at__isnull=False
    )
    rows = (
        members.filter(reached)
        .annotate(has_viewed=Exists(viewed), has_confirmed=Exists(confirmed))
        .values("unit_id", "unit__name", "unit__path")
        .annotate(
            audience=Count("pk"),
            viewed=Count("pk", filter=Q(has_viewed=True)),
            confirmed=Count("pk", filter=Q(has_confirmed=True)),
        )
        .order_by("unit__path")
    )
    return [
        ReadRow(
            unit_id=row["unit_id"],
            unit_name=row["unit__name"],
            audience=row["audience"],
            viewed=row["viewed"],
            confirmed=row["confirmed"],
        )
        for row in rows
    ]


# Staff: the 20/80 report ----------------------------------------------------------


@dataclass(frozen=True)
class RatioRow:
    unit_id: int
    unit_name: str
    published: int
    published_messaging: int
    viewed: int
    viewed_messaging: int

    @staticmethod
    def _percent(part: int, whole: int) -> int | None:
        return round(100 * part / whole) if whole else None

    @property
    def published_percent(self) -> int | None:
        return self._percent(self.published_messaging, self.published)

    @property
    def viewed_percent(self) -> int | None:
        return self._percent(self.viewed_messaging, self.viewed)

    @property
    def over_target(self) -> bool:
        return (self.viewed_percent or 0) > TARGET_PERCENT


def feed_ratio_report(
    *, user, days: int = 7, now: datetime | None = None
) -> list[RatioRow]:
    """Return, a unit of the user's scope with members, the feed's messaging shares.

    published: the posts released in the last ``days`` days whose audience
    reaches the unit (a post meant for a unit reaches the units under it),
    and how many are union messaging; viewed: the posts its members saw in
    their feed in those days, and how many are union messaging. Three
    queries: the units, the posts of the period, the views.
    """
    now = now or timezone.now()
    start = now - timedelta(days=days)
    units = list(
        scoped(Member.objects.all(), user)
        .values("unit_id", "unit__name", "unit__path")
        .annotate(members=Count("pk"))
        .order_by("unit__path")
    )
    posts = list(
        FeedPost.objects.filter(
            status__in=(FeedPost.Status.PUBLISHED, FeedPost.Status.WITHDRAWN),
            released_at__gt=start,
            released_at__lte=now,
        ).values_list("pk", "category", "audience_units__path")
    )
    views = {
        row["member__unit_id"]: row
        for row in scoped(FeedEntry.objects.all(), user)
        .filter(viewed_at__gt=start, viewed_at__lte=now)
        .values("member__unit_id")
        .annotate(
            viewed=Count("pk"), viewed_messaging=Count("pk", filter=Q(messaging=True))
        )
    }
    rows = []
    for unit in units:
        path = unit["unit__path"]
        reaching = {
            pk: category
            for pk, category, audience in posts
            if audience and path.startswith(audience)
        }
        seen = views.get(unit["unit_id"], {})
        if not reaching and not seen:
            continue
        rows.append(
            RatioRow(
                unit_id=unit["unit_id"],
                unit_name=unit["unit__name"],
                published=len(reaching),
                published_messaging=sum(
                    1
                    for category in reaching.values()
                    if category == FeedPost.Category.MESSAGING
                ),
                viewed=seen.get("viewed", 0),
                viewed_messaging=seen.get("viewed_messaging", 0),
            )
        )
    return rows


@dataclass(frozen=True)
class RatioBar:
    label: str
    y: int
    published_width: int
    viewed_width: int
    published: int | None
    viewed: int | None
    over: bool


def ratio_bars(rows: list[RatioRow]) -> list[RatioBar]:
    """Return the chart's bars: two a unit, published and viewed messaging shares."""
    return [
        RatioBar(
            label=row.unit_name,
            y=index * CHART_ROW_HEIGHT * 2,
            published_width=round(CHART_BAR_WIDTH * (row.published_percent or 0) / 100),
            viewed_width=round(CHART_BAR_WIDTH * (row.viewed_percent or 0) / 100),
            published=row.published_percent,
            viewed=row.viewed_percent,
            over=row.over_target,
        )
        for index, row in enumerate(rows)
    ]


def target_x() -> int:
    """Return the x of the 20% target line in the chart."""
    return CHART_LABEL_WIDTH + 8 + round(CHART_BAR_WIDTH * TARGET_PERCENT / 100)
