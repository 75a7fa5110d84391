"""Template context shared by every portal page."""

from django.conf import settings

from unionportal.navigation import nav_items, nav_split


def portal(request) -> dict:
    """Give templates the portal's name and the navigation for this user.

    ``portal_tabs`` are the phone's bottom bar before its "more" tab, and
    ``portal_more`` the entries the "more" page lists; ``portal_tab`` is the
    URL of the tab the page belongs to, "more" for any page no tab leads to.
    """
    user = getattr(request, "user", None)
    items = nav_items(user=user) if user is not None else []
    tabs, more = nav_split(items)
    path = getattr(request, "path", "")
    current = next((tab.url for tab in tabs if tab.leads_to(path)), "more")
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "portal_nav": items,
        "portal_tabs": tabs,
        "portal_more": more,
        "portal_tab": current,
    }
