"""Middleware of the portal shell: language, no-store pages, superusers' TOTP."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _


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


class SuperuserTOTPRequiredMiddleware:
    """Send a superuser without an authenticator app to set one up before the admin.

    allauth asks for the app's code at every login of an account that has one,
    so an account with the app cannot reach the admin without the code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(reverse("admin:index")):
            user = request.user
            if (
                user.is_authenticated
                and user.is_superuser
                and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
            ):
                messages.warning(
                    request,
                    _(
                        "Superusers must protect their account with an "
                        "authenticator app before they open the administration."
                    ),
                )
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
