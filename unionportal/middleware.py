"""Middleware of the portal shell: language, no-store pages, staff's second factor."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from members.second_factor import second_factor_due
from members.services.accounts import second_factor_grace_start


class PortalLanguageMiddleware:
    """Activate the language the person chose, else Vietnamese.

    Django's LocaleMiddleware follows the browser's Accept-Language, which
    would show English to members whose phones are set to English; the
    portal speaks Vietnamese unless the person picks English in the menu.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class PersonalPagesNoStoreMiddleware:
    """Forbid any cache, the service worker's included, to keep signed-in pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class StaffSecondFactorMiddleware:
    """Send staff who need a second factor and lack one to set it up.

    Who needs one is members.second_factor's rule: superusers at once, staff
    who can see personal data after their grace period (MFA_STAFF_GRACE_DAYS
    from their first admin visit that needed it). Until then the admin shows
    them a banner with the days left (``request.second_factor_due``, read by
    admin/base_site.html); afterwards every admin page sends them to set up an
    authenticator app. allauth asks for the app's code at every login of an
    account that has one, so such an account cannot reach the admin without it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
        ):
            due = second_factor_due(user)
            if (
                due.missing
                and not user.is_superuser
                and user.second_factor_grace_from is None
            ):
                second_factor_grace_start(user=user)
            if due.overdue:
                messages.warning(
                    request,
                    _(
                        "Your account can see members' personal data: protect it "
                        "with an authenticator app before you open the "
                        "administration."
                    ),
                )
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
            request.second_factor_due = due
        return self.get_response(request)
