"""Template context shared by every portal page."""

from django.conf import settings

from unionportal.navigation import nav_items


def portal(request) -> dict:
    """Give templates the portal's name and the navigation for this user."""
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "portal_nav": nav_items(user=user) if user is not None else [],
    }
