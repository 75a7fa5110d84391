"""The portal's navigation and home, built from what the installed apps declare.

An app declares, on its AppConfig:

- ``portal_nav``: a list of ``{"url_name", "label", "icon", "order"}`` dicts,
  optionally with ``"staff_only": True``, ``"tab": True`` (a primary
  destination: a tab of the phone's bottom bar) and ``"badge"``: the dotted
  path of a function ``badge(*, user) -> int`` whose number (an unread count)
  is shown next to the label when above zero. It is called only when a page
  shows the entry, once a page. An entry whose URL does not resolve is left
  out, so a link never leads to a page that is not built. ``order`` sorts the
  entries of both menus; ``icon`` names a symbol of portal/icons.html.
- ``portal_home_panels``: dotted paths of functions ``panel(*, user)`` that
  return ``None``, a block ``{"template": ..., "order": ..., **context}`` for
  the home, or a list of blocks.

On a phone the bottom bar shows the first ``TAB_LIMIT`` tabs by order and a
last one, "more", whose page lists every other entry; wider screens show all
entries in the menu at the top.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

# Tabs of the bottom bar besides "more": five destinations at most on a phone.
TAB_LIMIT = 4


@dataclass(frozen=True)
class NavItem:
    url: str
    url_name: str
    label: str
    icon: str
    order: int
    tab: bool = False
    count: Callable[[], int] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def badge(self) -> int:
        """Return the entry's badge number, 0 for none (read once, when shown)."""
        return self.count() if self.count is not None else 0

    def leads_to(self, path: str) -> bool:
        """Return whether the page at ``path`` is this entry's or one below it."""
        return path == self.url or (self.url != "/" and path.startswith(self.url))


def nav_items(*, user) -> list[NavItem]:
    """Return the navigation entries the installed apps declare for this user."""
    if not user.is_authenticated:
        return []
    items = []
    for config in apps.get_app_configs():
        for entry in getattr(config, "portal_nav", ()):
            if entry.get("staff_only") and not user.is_staff:
                continue
            try:
                url = reverse(entry["url_name"])
            except NoReverseMatch:
                continue
            badge = entry.get("badge")
            items.append(
                NavItem(
                    url=url,
                    url_name=entry["url_name"],
                    label=entry["label"],
                    icon=entry.get("icon", ""),
                    order=entry.get("order", 100),
                    tab=bool(entry.get("tab")),
                    count=partial(import_string(badge), user=user) if badge else None,
                )
            )
    return sorted(items, key=lambda item: (item.order, str(item.label)))


def nav_split(items: list[NavItem]) -> tuple[list[NavItem], list[NavItem]]:
    """Split the entries into the bottom bar's tabs and the rest, for "more"."""
    tabs = [item for item in items if item.tab][:TAB_LIMIT]
    return tabs, [item for item in items if item not in tabs]


def home_panels(*, user) -> list[dict]:
    """Return the home page blocks that the installed apps provide for this user."""
    panels = []
    for config in apps.get_app_configs():
        for path in getattr(config, "portal_home_panels", ()):
            found = import_string(path)(user=user)
            if isinstance(found, dict):
                found = [found]
            panels.extend(found or ())
    return sorted(panels, key=lambda panel: panel.get("order", 100))
