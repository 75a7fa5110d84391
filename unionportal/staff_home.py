"""The staff home: the admin's index as an officer's work page, from what apps declare.

No app imports this module (``.importlinter``): each declares, on its
AppConfig, plain data and the dotted paths of its own functions, and this
module finds them with ``apps.get_app_configs()``, as the portal's navigation
does (``unionportal.navigation``).

- ``staff_cards``: ``[{"function": "<app>.staff_cards.<name>", "permission":
  "<app>.<codename>"}]``. The function is called as ``function(*, user,
  today)`` and returns a card, a list of cards or None. A card is a dict:
  ``{"key", "title", "count", "url", "order"}``, optionally ``"note"`` (a
  line under the count) and ``"alert": True`` (something is overdue).
- ``staff_figures``: the same entries; the function returns ``{"key",
  "title", "order", "figures": [{"label", "value", "url"?}], "chart": None or
  {"title", "series": [label, ...], "groups": [{"label", "values": [...]}]}}``;
  the chart is drawn here as SVG (no inline script or style: the CSP has no
  'unsafe-inline').
- ``staff_sections``: ``[{"key", "title", "order", "models": [model names of
  the app], "links": [{"url_name", "label", "permission"}]}]``: where the
  app's admin models sit among the union's work. Sections of the same key
  from several apps are one; the first title and order declared win. A model
  no app places is technical (periodic tasks, login locks, two-step sign-in,
  e-mail addresses, groups) and listed last, to superusers only.

A function runs only for a user who holds its permission (checked on every
request); what it returns depends on nothing but the scope, the day and the
language, and is cached under those (``members.cache.scoped_key``) for
``STAFF_HOME_TTL`` seconds, so that officers of the same units share it and a
busy morning counts once a minute. An entry may name the cache families
whose writes change it (``"depends": ["members.register"]``): a write of one
of them, once committed, has it counted again on the next request.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.cache import scoped_key

STAFF_HOME_TTL = 60
# Third-party models that name themselves in English only (no verbose_name).
TECHNICAL_NAMES = {"mfa.authenticator": _("Authenticator apps and security keys")}
# The chart's drawing box (SVG units; the page scales it to its width).
CHART_WIDTH = 360
CHART_HEIGHT = 170
CHART_TOP = 16
CHART_BOTTOM = 22


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    count: int
    url: str
    order: int = 100
    note: str = ""
    alert: bool = False


@dataclass(frozen=True)
class Bar:
    """One bar of a chart, placed in SVG units (the template draws no sums)."""

    series: int
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def value_x(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class Chart:
    title: str
    series: list[str]
    labels: list[tuple[float, str]]
    bars: list[Bar]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    label_y: int = CHART_HEIGHT - 6
    axis_y: int = CHART_HEIGHT - CHART_BOTTOM


@dataclass(frozen=True)
class Figures:
    key: str
    title: str
    figures: list[dict]
    chart: Chart | None = None
    order: int = 100


@dataclass
class Section:
    key: str
    title: str
    order: int
    models: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)


# Reading what the apps declare ----------------------------------------------


def _declared(attribute: str) -> Iterator[dict]:
    for config in apps.get_app_configs():
        yield from getattr(config, attribute, ())


def _allowed(user, entry: dict) -> bool:
    permission = entry.get("permission")
    return permission is None or user.has_perm(permission)


def _plain(value):
    """Return a result with translated strings made text, as the cache keeps it."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _cache_key(entry: dict, user, today: date) -> str:
    return scoped_key(
        f"unionportal.staff-home:{entry['function']}",
        user=user,
        args=(get_language(), today),
        depends=entry.get("depends", ()),
    )


def _results(attribute: str, *, user, today: date) -> list:
    """Return what each allowed function returns, from the cache where it can.

    An entry holds when it was computed, and is used only that young: the
    minute holds whatever the cache's own clock.
    """
    now = timezone.now()
    oldest = now - timedelta(seconds=STAFF_HOME_TTL)
    entries = [e for e in _declared(attribute) if _allowed(user, e)]
    paths = [e["function"] for e in entries]
    keys = {e["function"]: _cache_key(e, user, today) for e in entries}
    cached = {
        key: entry
        for key, entry in cache.get_many(list(keys.values())).items()
        if oldest < entry[0] <= now
    }
    fresh = {}
    results = []
    for path in paths:
        key = keys[path]
        if key not in cached:
            value = _plain(import_string(path)(user=user, today=today))
            fresh[key] = (now, value)
        results.append((cached.get(key) or fresh[key])[1])
    if fresh:
        cache.set_many(fresh, STAFF_HOME_TTL)
    return results


# Cards and figures ------------------------------------------------------------


def staff_cards(*, user, today: date | None = None) -> list[Card]:
    """Return the cards of what waits for the user, in their scope, in order."""
    today = today or timezone.localdate()
    cards = []
    for result in _results("staff_cards", user=user, today=today):
        for card in result if isinstance(result, list) else [result]:
            if card:
                cards.append(Card(**card))
    return sorted(cards, key=lambda card: (card.order, card.key))


def chart_draw(chart: dict) -> Chart:
    """Place a chart's bars: groups side by side, a bar a series in each."""
    groups = chart["groups"]
    top = max((v for group in groups for v in group["values"]), default=0) or 1
    series = len(chart["series"]) or 1
    slot = CHART_WIDTH / max(len(groups), 1)
    bar_width = round(slot * 0.7 / series, 1)
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bars, labels = [], []
    for index, group in enumerate(groups):
        left = index * slot + slot * 0.15
        labels.append((round(index * slot + slot / 2, 1), group["label"]))
        for number, value in enumerate(group["values"]):
            height = round(value * plot / top, 1)
            bars.append(
                Bar(
                    series=number,
                    label=f"{group['label']}: {chart['series'][number]}",
                    value=value,
                    x=round(left + number * bar_width, 1),
                    y=round(CHART_TOP + plot - height, 1),
                    width=bar_width,
                    height=height,
                )
            )
    return Chart(title=chart["title"], series=chart["series"], labels=labels, bars=bars)


def staff_figures(*, user, today: date | None = None) -> list[Figures]:
    """Return the headline figures of the user's scope, each with its chart."""
    today = today or timezone.localdate()
    blocks = []
    for result in _results("staff_figures", user=user, today=today):
        if result:
            chart = result.get("chart")
            blocks.append(
                Figures(
                    key=result["key"],
                    title=result["title"],
                    figures=result["figures"],
                    chart=chart_draw(chart) if chart else None,
                    order=result.get("order", 100),
                )
            )
    return sorted(blocks, key=lambda block: (block.order, block.key))


# The admin's models by the union's work ---------------------------------------


def _sections_declared() -> tuple[dict[str, Section], dict[str, tuple[str, int]]]:
    """Return the sections by key, and each placed model's (section, position)."""
    sections: dict[str, Section] = {}
    placed: dict[str, tuple[str, int]] = {}
    for config in apps.get_app_configs():
        for declared in getattr(config, "staff_sections", ()):
            key = declared["key"]
            section = sections.setdefault(
                key, Section(key, declared["title"], declared.get("order", 100))
            )
            for position, name in enumerate(declared.get("models", ())):
                placed[f"{config.label}.{name}"] = (key, position)
            section.links.extend(declared.get("links", ()))
    return sections, placed


def staff_sections(*, user, app_list: list[dict]) -> tuple[list[Section], list[dict]]:
    """Group the admin's app list by the union's work; return it and the rest.

    ``app_list`` is ``AdminSite.get_app_list(request)`` (only what the user
    may open). The rest, the technical models, is returned in Django's own
    shape, and empty for anyone but a superuser.
    """
    sections, placed = _sections_declared()
    positions: dict[int, int] = {}
    technical = []
    for app in app_list:
        rest = []
        for model in app["models"]:
            label = model["model"]._meta.label_lower
            where = placed.get(label)
            if where is None:
                name = TECHNICAL_NAMES.get(label, model["name"])
                rest.append({**model, "name": name})
                continue
            sections[where[0]].models.append(model)
            positions[id(model)] = where[1]
        if rest and user.is_superuser:
            technical.append({**app, "models": rest})
    shown = []
    for section in sections.values():
        section.models.sort(key=lambda model: positions[id(model)])
        section.links = [
            {"url": url, "label": link["label"]}
            for link in section.links
            if _allowed(user, link) and (url := _reverse(link["url_name"]))
        ]
        if section.models or section.links:
            shown.append(section)
    return sorted(shown, key=lambda section: section.order), technical


def _reverse(url_name: str) -> str:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return ""


def staff_home_context(request, app_list: list[dict]) -> dict:
    """Return what the admin's index shows the staff user of ``request``."""
    user = request.user
    sections, technical = staff_sections(user=user, app_list=app_list)
    return {
        "staff_cards": staff_cards(user=user),
        "staff_figures": staff_figures(user=user),
        "staff_sections": sections,
        "technical_apps": technical,
        "staff_home_ttl": STAFF_HOME_TTL,
    }
