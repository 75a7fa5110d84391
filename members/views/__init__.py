"""Member portal pages: one module a topic, routed in members/urls.py.

This module holds what every portal page shares, ``member_required`` and
``not_linked``, and imports none of the topic modules. Other apps' portal
views use ``member_required`` too.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from members.selectors.register import member_for_user


def not_linked(request):
    """Return the page that tells a signed-in person their account has no member."""
    return render(request, "members/not_linked.html")


def member_required(view):
    """Run a portal view only for a person whose account is linked to a member.

    The view is called as ``view(request, *args, member=member, **kwargs)``,
    ``member`` being the person's own record (``member_for_user``: through
    the portal scope, with its unit and employer). An account with no member
    gets the "not linked" page (status 200) and the view does not run; an
    anonymous visitor is sent to the login page, as by ``login_required``.

    Put it last, right above the function, so that ``login_required`` and the
    HTTP method decorators still answer first.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        member = member_for_user(user=request.user)
        if member is None:
            return not_linked(request)
        return view(request, *args, member=member, **kwargs)

    return login_required(wrapped)
