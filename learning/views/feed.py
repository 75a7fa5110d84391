"""Portal pages of the member feed: the feed, a post, confirming, the home block."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from learning.selectors.courses import LEARNING_STATUSES
from learning.selectors.feed import (
    feed_latest,
    feed_page,
    feed_post_for_member,
    member_of,
)
from learning.services.feed import feed_confirm, feed_sync, feed_views_record
from learning.views import learner_json, request_data
from learning.views.videos import file_response
from members.views import member_required


@never_cache
@require_safe
@member_required
def feed(request, *, member):
    """Show the member's feed, newest first, worked out up to now."""
    feed_sync(member=member)
    page = feed_page(member=member, older=request.GET.get("older", ""))
    return render(
        request,
        "learning/feed/feed.html",
        {"page": page, "first": not request.GET.get("older")},
    )


@require_safe
@member_required
def feed_post(request, post_id: int, *, member):
    """Show one post meant for the member (the link a reminder gives)."""
    post = feed_post_for_member(member=member, post_id=post_id)
    if post is None:
        raise Http404
    return render(request, "learning/feed/post.html", {"post": post})


@require_POST
@member_required
def feed_post_confirm(request, post_id: int, *, member):
    """Record the member's "I have read it"; a second press changes nothing."""
    post = feed_post_for_member(member=member, post_id=post_id)
    if post is None:
        raise Http404
    try:
        created = feed_confirm(member=member, post=post)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if created:
            messages.success(request, _("Thank you: your confirmation is recorded."))
        else:
            messages.info(request, _("You have already confirmed this message."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    return redirect(
        back or "learning:feed_post", **({} if back else {"post_id": post.pk})
    )


@learner_json
def feed_viewed(request, *, member):
    """Record the posts the member's screen showed: ``{"posts": [id, ...]}``."""
    data = request_data(request)
    posts = data.get("posts")
    if not isinstance(posts, list):
        raise ValidationError(_("The request could not be read."))
    return JsonResponse({"recorded": feed_views_record(member=member, post_ids=posts)})


@require_safe
@member_required
def feed_post_image(request, post_id: int, *, member):
    post = feed_post_for_member(member=member, post_id=post_id)
    if post is None or not post.image:
        raise Http404
    return file_response(request, post.image)


@require_safe
@member_required
def feed_post_video(request, post_id: int, *, member):
    post = feed_post_for_member(member=member, post_id=post_id)
    if post is None or not post.video:
        raise Http404
    return file_response(request, post.video)


def feed_home_block(*, user) -> dict | None:
    """Return the home's block of the latest posts of the member's feed, if any.

    Works the feed out first (two queries when nothing is new), then reads
    the three latest posts in one query.
    """
    member = member_of(user)
    if member is None or member.status not in LEARNING_STATUSES:
        return None
    feed_sync(member=member)
    latest = feed_latest(member=member)
    if not latest:
        return None
    return {"template": "learning/feed/home_block.html", "order": 25, "entries": latest}
