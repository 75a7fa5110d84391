"""Member-facing endpoints of learning: JSON in, JSON out, the member's own rows only.

``learner_json`` is the one door: a signed-in person with a member record,
a POST (Django's CSRF check applies: the page sends its token in the
``X-CSRFToken`` header), a JSON object as the body, read by ``request_data``
once the view has found the member's own row (so that a row out of reach
answers 404 whatever the body). Refusals answer ``{"error": "..."}`` in the
person's language.
"""

import json
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from learning.selectors.learners import learner_for_user

MAX_BODY = 64 * 1024


def json_error(message: str, *, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def request_data(request) -> dict:
    """Return the request's JSON object, or refuse it (ValidationError)."""
    if len(request.body) > MAX_BODY:
        raise ValidationError(_("The request is too large."))
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationError(_("The request could not be read.")) from error
    if not isinstance(data, dict):
        raise ValidationError(_("The request could not be read."))
    return data


def learner_json(view):
    """Call ``view(request, member=..., **kwargs)``; answer refusals."""

    @never_cache
    @require_POST
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return json_error(_("Sign in to continue."), status=403)
        member = learner_for_user(user=request.user)
        if member is None:
            return json_error(
                _("Your account is not linked to a union member."), status=403
            )
        try:
            return view(request, *args, member=member, **kwargs)
        except PermissionDenied as error:
            return json_error(str(error) or _("Not allowed."), status=403)
        except ValidationError as error:
            return json_error(" ".join(error.messages), status=400)

    return wrapper
