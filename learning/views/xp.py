"""The member's XP page: the daily goal, the streak, the level and the ledger."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from learning import services
from learning.models import XpProfile
from learning.selectors.xp import HISTORY_PAGE, my_xp_history, xp_summary
from members.views import member_required


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def my_xp(request, *, member):
    """Show the member's points and history; a POST sets the daily goal."""
    if request.method == "POST":
        try:
            services.daily_goal_set(member_id=member.pk, goal=request.POST.get("goal"))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your daily goal is saved."))
        return redirect("learning:my_xp")
    events = my_xp_history(user=request.user, member=member)
    page = Paginator(events, HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/xp/my_xp.html",
        {
            "summary": xp_summary(member=member),
            "page": page,
            "goals": XpProfile.GOAL_CHOICES,
        },
    )
