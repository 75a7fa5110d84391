"""The portal's navigation and home, built from what the installed apps declare.

An app declares, on its AppConfig:

- ``portal_nav``: a list of ``{"url_name", "label", "icon", "order"}`` dicts,
  optionally with ``"staff_only": True`` and ``"badge"``: the dotted path of a
  function ``badge(*, user) -> int`` whose number (an unread count) is shown
  next to the label when above zero. It is called only when a page shows the
  entry, once a page. An entry whose URL does not resolve is left out, so a
  link never leads to a page that is not built.
- ``portal_home_panels``: dotted paths of functions ``panel(*, user)`` that
  return ``None`` or ``{"template": ..., "order": ..., **context}`` for the home.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class NavItem:
    url: str
    url_name: str
    label: str
    icon: str
    order: int
    count: Callable[[], int] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def badge(self) -> int:
        """Return the entry's badge number, 0 for none (read once, when shown)."""
        return self.count() if self.count is not None else 0


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
                    count=partial(import_string(badge), user=user) if badge else None,
                )
            )
    return sorted(items, key=lambda item: (item.order, str(item.label)))


def home_panels(*, user) -> list[dict]:
    """Return the home page panels that the installed apps provide for this user."""
    panels = []
    for config in apps.get_app_configs():
        for path in getattr(config, "portal_home_panels", ()):
            panel = import_string(path)(user=user)
            if panel:
                panels.append(panel)
    return sorted(panels, key=lambda panel: panel.get("order", 100))
