"""Portal page of the care programmes the member and their relatives are in."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from members.selectors.programmes import my_programmes
from members.views import member_required


@login_required
@require_GET
@member_required
def programmes(request, *, member):
    """Show the programmes the member and their relatives are listed in, and got."""
    return render(
        request,
        "members/programmes/programmes.html",
        {"member": member, "programmes": my_programmes(user=request.user)},
    )
