"""allauth adapter: accounts are for people the union knows, never public signup."""

from dataclasses import dataclass

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
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
