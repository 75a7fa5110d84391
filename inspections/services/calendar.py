"""A staff member's private calendar address."""

import secrets

from django.db import transaction

from inspections.models import CalendarFeed


@transaction.atomic
def calendar_feed_for(*, user, renew: bool = False) -> CalendarFeed:
    """Return the person's calendar feed, made on first use; ``renew`` changes its key.

    The key is the address's only secret: renewing it stops every calendar
    app subscribed to the old address.
    """
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    if renew and not created:
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])
    return feed
