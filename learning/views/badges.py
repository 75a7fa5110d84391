"""Badges: the member's own, and the public Open Badges documents of each award."""

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from learning.selectors.badges import (
    assertion_json,
    assertion_url,
    badge_award_public,
    badge_class_json,
    badge_public,
    issuer_json,
)
from learning.selectors.xp import my_badges as my_badges_list
from members.views import member_required

JSON_LD = "application/ld+json"


def _json(document: dict, *, status: int = 200) -> JsonResponse:
    response = JsonResponse(
        document,
        status=status,
        content_type=JSON_LD,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_safe
@member_required
def my_badges(request, *, member):
    """List the member's badges, each with the link to its public assertion."""
    awards = my_badges_list(user=request.user, member=member)
    return render(
        request,
        "learning/badges/my_badges.html",
        {"awards": [(award, assertion_url(award)) for award in awards]},
    )


@require_safe
def badge_issuer(request):
    """The union as an Open Badges issuer (public)."""
    return _json(issuer_json())


@require_safe
def badge_class(request, slug):
    """A badge class (public): name, description, criteria, image, issuer."""
    badge = badge_public(slug=slug)
    if badge is None:
        raise Http404
    return _json(badge_class_json(badge))


@require_safe
def badge_image(request, slug):
    """The badge's picture: a medal with its name, drawn as SVG (public)."""
    badge = badge_public(slug=slug)
    if badge is None:
        raise Http404
    svg = render_to_string("learning/badges/badge.svg", {"badge": badge})
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def badge_assertion(request, uuid):
    """One award's hosted assertion (public); a revoked one answers 410 and says so."""
    award = badge_award_public(uuid=uuid)
    if award is None:
        raise Http404
    return _json(assertion_json(award), status=410 if award.revoked_at else 200)
