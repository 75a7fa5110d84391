"""The sign-in lock: which account and address a failed login counts against."""

import ipaddress

from allauth import app_settings as allauth_settings
from allauth.account.adapter import get_adapter
from axes.helpers import get_cool_off
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """Return the address allauth's rate limits count, so both locks agree.

    allauth trusts only the last ALLAUTH_TRUSTED_PROXY_COUNT entries of
    X-Forwarded-For, so a value a client writes into the header changes
    nothing. An IPv6 address is cut to its network (/64 by default): one
    household or phone holds a whole /64 and could otherwise rotate through it.
    None for a request without an address (a test client's force_login).
    """
    try:
        ip = get_adapter().get_client_ip(request)
    except PermissionDenied:
        return None
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        prefix = allauth_settings.RATE_LIMIT_IPV6_PREFIX
        return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False)[0])
    return str(address)


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
