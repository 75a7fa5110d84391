"""Leaderboards: the weekly board of the member's grassroots union, the unit league."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from learning import services
from learning.selectors.leagues import (
    BOARD_MAX,
    grassroots_of,
    root_path_of,
    unit_league_cached,
    week_of,
    weekly_board,
)
from learning.selectors.xp import xp_summary
from members.views import member_required


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def leaderboard(request, *, member):
    """The weekly board: neighbours, or the top 50; a POST hides or shows the member."""
    if request.method == "POST":
        hidden = request.POST.get("hidden") == "yes"
        services.leaderboard_hidden_set(member_id=member.pk, hidden=hidden)
        messages.success(
            request,
            _("You no longer appear on any leaderboard.")
            if hidden
            else _("You appear on leaderboards again, if your consent is given."),
        )
        return redirect("learning:leaderboard")
    everyone = request.GET.get("all") == "1"
    board = weekly_board(member=member, today=timezone.localdate(), everyone=everyone)
    return render(
        request,
        "learning/leagues/leaderboard.html",
        {
            "board": board,
            "everyone": everyone,
            "board_max": BOARD_MAX,
            "hidden": xp_summary(member=member).hidden,
        },
    )


@never_cache
@require_safe
@member_required
def league(request, *, member):
    """The unit league: grassroots unions ranked by this week's XP per member."""
    unit = grassroots_of(member.unit)
    monday, sunday = week_of(timezone.localdate())
    rows = (
        unit_league_cached(root_path=root_path_of(unit), monday=monday) if unit else []
    )
    return render(
        request,
        "learning/leagues/league.html",
        {
            "rows": rows,
            "unit": unit,
            "week": (monday, sunday),
        },
    )
