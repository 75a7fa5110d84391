"""Feed posts for the tests: made as staff make them, published through the service."""

from datetime import date, datetime

from django.utils import timezone

from learning import services
from learning.models import FeedPost
from members.models import Unit, User


def make_post(
    *,
    owner_unit: Unit,
    audience: tuple[Unit, ...] | None = None,
    category: str = FeedPost.Category.ENTERTAINMENT,
    title: str = "Bài đăng",
    publish_at: datetime | None = None,
    confirm_by: date | None = None,
    actor: User | None = None,
    now: datetime | None = None,
    publish: bool = True,
    **fields,
) -> FeedPost:
    """Create a post for ``audience`` (the owner unit by default) and publish it."""
    now = now or timezone.now()
    post = FeedPost.objects.create(
        title=title,
        body=fields.pop("body", f"Nội dung của {title}"),
        category=category,
        owner_unit=owner_unit,
        publish_at=publish_at or now,
        confirm_required=confirm_by is not None,
        confirm_by=confirm_by,
        **fields,
    )
    post.audience_units.set(audience or (owner_unit,))
    if publish:
        actor = actor or User.objects.filter(is_superuser=True).first() or _root()
        services.feed_post_publish(post=post, actor=actor, now=now)
        post.refresh_from_db()
    return post


def _root() -> User:
    return User.objects.create_superuser(
        email="quantri.bangtin@example.vn", password="x-Very-Long-Pass-42"
    )
