"""allauth adapters: accounts for people the union knows; TOTP for staff."""

import io
import ipaddress
from dataclasses import dataclass

import segno
from allauth import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """Return the address allauth's rate limits and django-axes both count.

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


@dataclass(frozen=True)
class PortalSite:
    """What allauth's e-mails call the site: the portal's name and host."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Refuse public signup: accounts are opened from the register."""
        return False

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Count failed passwords per account and address, as django-axes locks.

        allauth counts them per account from every address together, so 20
        failures from anywhere refused the right password from everywhere:
        anyone could lock a member out. The per-address limit stays as it is.
        """
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}:{client_address(request) or ''}"

    def send_mail(self, template_prefix, email, context):
        """Sign e-mails with the portal's name rather than the bare host name."""
        request = allauth_context.request
        domain = request.get_host() if request is not None else ""
        site = PortalSite(name=settings.PORTAL_NAME, domain=domain)
        super().send_mail(template_prefix, email, {**context, "current_site": site})


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        """Name the portal in the authenticator app, not the bare host name."""
        return settings.PORTAL_NAME

    def build_totp_svg(self, url: str) -> str:
        """Draw the TOTP QR code with segno, as the e-card does (no qrcode package)."""
        buffer = io.BytesIO()
        segno.make(url, error="m").save(
            buffer, kind="svg", xmldecl=False, scale=4, border=4, light="#fff"
        )
        return buffer.getvalue().decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Keep a superuser's authenticator app: the admin requires it of them."""
        if authenticator.type == Authenticator.Type.TOTP:
            return not authenticator.user.is_superuser
        return True
