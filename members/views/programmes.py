"""Portal page of the care programmes the member and their relatives are in."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import (
    require_GET,
)

from members.selectors.programmes import my_programmes
from members.selectors.register import member_for_user


def _not_linked(request):
    return render(request, "members/not_linked.html")


@login_required
@require_GET
def programmes(request):
    """Show the programmes the member and their relatives are listed in, and got."""
    member = member_for_user(user=request.user)
    if member is None:
        return _not_linked(request)
    return render(
        request,
        "members/programmes/programmes.html",
        {"member": member, "programmes": my_programmes(user=request.user)},
    )
