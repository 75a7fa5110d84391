"""The sign-in lock: which account and address a failed login counts against."""

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from members.adapters import client_address


def client_ip(request: HttpRequest) -> str | None:
    """Return the address allauth's rate limits count, so both locks agree.

    See members.adapters.client_address, which allauth's per-account-and-address
    counter uses too.
    """
    return client_address(request)


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """Return the e-mail a login attempt was for, as allauth matches it."""
    credentials = credentials or {}
    login = (
        credentials.get("email")
        or credentials.get("username")
        or request.POST.get("login")
        or request.POST.get("email")
    )
    return login.strip().lower() if login else None


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """Show the portal's lockout page: the same for known and unknown accounts."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0
    return render(
        request, "account/lockout.html", {"cooloff_minutes": minutes}, status=429
    )
