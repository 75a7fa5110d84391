"""The portal's own error pages with DEBUG on too, instead of Django's technical ones.

With DEBUG on (as `make run` sets it), Django answers a missing page with its
English technical page (the URL patterns) and a crash with its traceback page.
This middleware answers with the portal's handlers, the Vietnamese 404 and
500, unless TECHNICAL_ERROR_PAGES is set; a crash's traceback still goes to
the log (the console in development), as Django logs it, and Django's
``got_request_exception`` is sent as Django sends it. With DEBUG off it does
nothing: Django already uses the handlers. A 403 is the portal's page in
every mode, and a failed CSRF check is the portal's 403_csrf.html.
"""

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.urls import get_resolver, get_urlconf
from django.utils.log import log_response


def _replacing() -> bool:
    return settings.DEBUG and not settings.TECHNICAL_ERROR_PAGES


def _handler(request, status: int):
    urlconf = getattr(request, "urlconf", None) or get_urlconf()
    return get_resolver(urlconf).resolve_error_handler(status)


class DebugErrorPagesMiddleware:
    """Serve the portal's 404 and 500 pages when DEBUG would show technical ones.

    Placed above CommonMiddleware, so that an address missing its slash is
    still redirected before a 404 is shown.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # No URL matched (no resolver_match): the 404 is Django's technical
        # page. A view that answered 404 itself keeps its answer.
        if (
            response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and _replacing()
        ):
            return _handler(request, 404)(request, exception=Http404())
        return response

    def process_exception(self, request, exception):
        if not _replacing() or settings.DEBUG_PROPAGATE_EXCEPTIONS:
            return None
        if isinstance(exception, Http404):
            return _handler(request, 404)(request, exception=exception)
        if isinstance(
            exception,
            (PermissionDenied, SuspiciousOperation, BadRequest, MultiPartParserError),
        ):
            # Django's own handling: the portal's 403 page in every mode; a bad
            # request keeps Django's logging to django.security.
            return None
        signals.got_request_exception.send(sender=None, request=request)
        response = _handler(request, 500)(request)
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response
