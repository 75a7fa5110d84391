"""allauth adapters: accounts for people the union knows; TOTP for staff."""

import io
from dataclasses import dataclass

import segno
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings


@dataclass(frozen=True)
class PortalSite:
    """What allauth's e-mails call the site: the portal's name and host."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        """Refuse public signup: accounts are opened from the register."""
        return False

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
