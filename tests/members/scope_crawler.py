"""The scope crawler: what the portal serves, and a user's visit of every admin page.

Nothing here names an admin, a model or a page: the admins come from every
mounted AdminSite's registry, the pages from walking the URL resolver.
The probes with out-of-scope ids are in tests/members/scope_probes.py.
"""

import html
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

from django.contrib.admin.sites import AdminSite, all_sites
from django.contrib.admin.utils import quote
from django.db import transaction
from django.db.models import ForeignKey, Model
from django.forms import BaseForm, BaseFormSet
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from members.scoped_admin import SCOPE_EXEMPT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Objects whose per-object pages are crawled, per admin: enough to reach
# inlines and links.
OBJECTS_PER_ADMIN = 2
# What a probe writes into a form's empty text fields.
FILLER = "Scope Probe"
ID_PARAM = re.compile(r"(^|_)(pk|id)$|^uidb(36|64)$")
DATE_HIERARCHY_LINK = re.compile(r'href="(\?[^"]*__(?:year|month|day)=[^"]*)"')


# What the portal serves ----------------------------------------------------------


@dataclass(frozen=True)
class Surface:
    """One URL pattern as the resolver serves it, and what serves it."""

    route: str
    name: str | None  # "namespace:name", as reverse() takes it
    pattern: URLPattern
    owner: object  # the ModelAdmin or AdminSite behind it, else None
    params: tuple[str, ...]
    in_admin: bool  # served under an AdminSite's URLs: a staff page

    @property
    def id_params(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if is_id_param(self.pattern, p))

    @property
    def admin_site(self) -> AdminSite | None:
        if isinstance(self.owner, AdminSite):
            return self.owner
        return getattr(self.owner, "admin_site", None)

    @property
    def label(self) -> str:
        return self.name or self.route


def is_id_param(pattern: URLPattern, name: str) -> bool:
    """Return whether a URL parameter names a record: an int, or named as an id."""
    converter = getattr(pattern.pattern, "converters", {}).get(name)
    if converter is not None and type(converter).__name__ in {
        "IntConverter",
        "UUIDConverter",
    }:
        return True
    return bool(ID_PARAM.search(name))


def _owner(callback) -> object:
    """Return the ModelAdmin or AdminSite a view belongs to, through its wrappers."""
    seen = callback
    while seen is not None:
        model_admin = getattr(seen, "model_admin", None)
        if model_admin is not None:
            return model_admin
        bound_to = getattr(seen, "__self__", None)
        if bound_to is not None:
            return bound_to
        seen = getattr(seen, "__wrapped__", None)
    return None


def _join(prefix: str, route: str) -> str:
    # As django.urls.resolvers.URLResolver joins them into ResolverMatch.route.
    return prefix + route.removeprefix("^") if prefix else route


def url_surfaces() -> list[Surface]:
    """Walk the URL resolver: every pattern the portal serves, in every app."""

    def walk(patterns, prefix: str, namespaces: tuple, in_admin: bool):
        for pattern in patterns:
            route = _join(prefix, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                extra = (pattern.namespace,) if pattern.namespace else ()
                yield from walk(
                    pattern.url_patterns,
                    route,
                    namespaces + extra,
                    in_admin or pattern.app_name == "admin",
                )
                continue
            name = ":".join((*namespaces, pattern.name)) if pattern.name else None
            params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
            yield Surface(
                route=route,
                name=name,
                pattern=pattern,
                owner=_owner(pattern.callback),
                params=tuple(a or b for a, b in params),
                in_admin=in_admin,
            )

    return list(walk(get_resolver().url_patterns, "", (), False))


def mounted_sites() -> list[AdminSite]:
    """Every AdminSite the URL resolver serves: admin.site and any other."""
    sites = {s.admin_site for s in url_surfaces() if s.admin_site is not None}
    for site in all_sites:
        try:
            reverse(f"{site.name}:index")
        except NoReverseMatch:
            continue
        sites.add(site)
    return sorted(sites, key=lambda site: site.name)


@dataclass(frozen=True)
class RegisteredAdmin:
    site: AdminSite
    model: type[Model]
    model_admin: object

    @property
    def label(self) -> str:
        name = type(self.model_admin).__name__
        return f"{self.site.name}: {name} ({self.model._meta.label})"

    @property
    def key(self) -> str:
        """The model's label on the portal's admin site, else prefixed by the site."""
        label = self.model._meta.label
        return label if self.site.name == "admin" else f"{self.site.name}:{label}"

    @property
    def exempt(self) -> bool:
        return self.model._meta.label in SCOPE_EXEMPT

    def url(self, view: str, *args) -> str:
        opts = self.model._meta
        name = f"{self.site.name}:{opts.app_label}_{opts.model_name}_{view}"
        return reverse(name, args=args)

    def route(self, pattern) -> str:
        """Return one of the admin's patterns as the resolver names its route."""
        prefix = self.url("changelist").removeprefix("/")
        return _join(prefix, str(pattern.pattern))

    def object_url(self, pattern, obj) -> str:
        """Return the URL of one of the admin's patterns, for ``obj`` if given."""
        route = str(pattern.pattern)
        if obj is not None:
            route = re.sub(r"<(?:\w+:)?\w+>", quote(str(obj.pk)), route)
        return self.url("changelist") + route


def registered_admins() -> list[RegisteredAdmin]:
    """Every ModelAdmin of every mounted site, found in the sites' registries."""
    return [
        RegisteredAdmin(site, model, model_admin)
        for site in mounted_sites()
        for model, model_admin in site._registry.items()
    ]


def admin_request(user, path: str = "/admin/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def admin_rows(entry: RegisteredAdmin, user) -> set:
    """Return the pks a user reaches through one admin (none without permission)."""
    request = admin_request(user)
    if not entry.model_admin.has_view_or_change_permission(request):
        return set()
    return set(entry.model_admin.get_queryset(request).values_list("pk", flat=True))


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint and undo whatever it wrote."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Pages ---------------------------------------------------------------------------


@dataclass
class Page:
    url: str
    status: int
    body: str

    def __post_init__(self):
        self.folded = self.body.lower()


@dataclass
class Crawl:
    """What one user saw: every page, and how many rows each changelist listed."""

    pages: list[Page] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    # Out-of-scope objects' own URLs that answered other than "no such object".
    opened: list[str] = field(default_factory=list)

    def showing(self, text: str) -> list[str]:
        needle = text.lower()
        return [page.url for page in self.pages if needle in page.folded]

    def leaks(self, secrets: dict[str, str]) -> dict[str, list[str]]:
        found = {label: self.showing(text) for label, text in secrets.items()}
        return {label: urls for label, urls in found.items() if urls}

    def statuses(self, url: str) -> set[int]:
        return {page.status for page in self.pages if page.url == url}


def text_of(response) -> str:
    """Return what a response shows, as text: XLSX cells, JSON unescaped, HTML."""
    content_type = response.get("Content-Type", "")
    if content_type.startswith(XLSX):
        # A streamed workbook (inspections' year export) is read to the end.
        body = (
            b"".join(response.streaming_content)
            if getattr(response, "streaming", False)
            else response.content
        )
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if content_type.startswith("application/json"):
        # Undo \\u escapes, so that Vietnamese names read as they are.
        return json.dumps(json.loads(response.content), ensure_ascii=False)
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8-sig", "replace")


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    submits: list[tuple[str, str]] = field(default_factory=list)
    empty_text: list[str] = field(default_factory=list)
    # Every control's name, posted or not (an empty select posts nothing).
    controls: set[str] = field(default_factory=set)

    def names(self) -> set[str]:
        return self.controls

    def data(self, **replace) -> dict[str, list[str]]:
        """Return what a browser would post, with some fields replaced."""
        posted: dict[str, list[str]] = {}
        for name, value in self.fields:
            posted.setdefault(name, []).append(value)
        for name in self.empty_text:
            if posted.get(name) == [""]:
                posted[name] = [FILLER]
        if self.submits:
            name, value = self.submits[0]
            posted[name] = [value]
        for name, value in replace.items():
            posted[name] = value if isinstance(value, list) else [str(value)]
        return posted


class _FormParser(HTMLParser):
    """Collect the forms of a page as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: tuple[str, bool, list, list] | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = HtmlForm(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None or "disabled" in a:
            return
        name = a.get("name")
        if name and tag in {"input", "select", "textarea"}:
            self._form.controls.add(name)
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "image"}:
                self._form.submits.append((name, a.get("value", "")))
            elif kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._form.fields.append((name, a.get("value", "on")))
            elif kind not in {"button", "reset", "file"}:
                self._form.fields.append((name, a.get("value", "")))
                if kind in {"text", "email", "search"} and not a.get("value"):
                    self._form.empty_text.append(name)
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            self._form.submits.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a, [], [])
        elif tag == "option" and self._select is not None:
            _name, _multiple, options, chosen = self._select
            options.append(a.get("value", ""))
            if "selected" in a:
                chosen.append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "select" and self._select is not None:
            name, multiple, options, chosen = self._select
            if not chosen and not multiple and options:
                chosen = options[:1]
            self._form.fields += [(name, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self._form.fields.append((name, text.removeprefix("\n")))
            if not text.strip():
                self._form.empty_text.append(name)
            self._textarea = None
        elif tag == "form":
            self._form = None


def post_forms(response) -> list[HtmlForm]:
    """Return the POST forms of an HTML page."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    parser = _FormParser()
    parser.feed(response.content.decode("utf-8", "replace"))
    return [form for form in parser.forms if form.method == "post"]


def context_forms(response) -> Iterator[BaseForm]:
    """Yield every Django form a page rendered (main, inline, changelist, custom)."""
    context = getattr(response, "context", None)
    if not context:
        return
    seen: set[int] = set()

    def expand(value) -> Iterator[BaseForm]:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, BaseForm):
            yield value
        elif isinstance(value, BaseFormSet):
            yield from value.forms
        elif hasattr(value, "form") and isinstance(value.form, BaseForm):
            yield value.form  # the admin's AdminForm
        elif hasattr(value, "formset") and isinstance(value.formset, BaseFormSet):
            yield from value.formset.forms  # an InlineAdminFormSet
        elif isinstance(value, list | tuple):
            for item in value:
                yield from expand(item)

    for key in ("adminform", "inline_admin_formsets", "form", "fix_form", "cl"):
        try:
            value = context[key]
        except KeyError:
            continue
        if key == "cl":
            value = getattr(value, "formset", None)
            if value is None:
                continue
        yield from expand(value)


# The crawl -----------------------------------------------------------------------


class Browser:
    """One user's client: every page it fetched is kept, each fetched once."""

    def __init__(self, user, *, client: Client | None = None):
        self.client = client or Client()
        self.client.force_login(user)
        self.user = user
        self.crawl = Crawl()
        self.visited: set[str] = set()

    def get(self, url: str, query: dict | None = None, *, follow=False, again=False):
        """Fetch a page once (``again`` to insist) and keep what it showed."""
        if query:
            url = f"{url}?{urlencode(query, doseq=True)}"
        if url in self.visited and not again:
            return None
        self.visited.add(url)
        response = self.client.get(url, follow=follow)
        chain = getattr(response, "redirect_chain", None)
        status = chain[0][1] if follow and chain else response.status_code
        self.crawl.pages.append(Page(url, status, text_of(response)))
        return response

    def post(self, url: str, data: dict, *, follow=False):
        response = self.client.post(url, data, follow=follow)
        self.crawl.pages.append(
            Page(f"POST {url}", response.status_code, text_of(response))
        )
        return response


def _every_unit() -> list[dict]:
    """Every unit, in scope or not: a view must show it or refuse it."""
    from members.models import Unit

    pks = Unit.objects.order_by("path").values_list("pk", flat=True)
    return [{"unit": str(pk)} for pk in pks]


def _picture_blocks() -> list[dict]:
    from members.selectors.picture import BLOCK_KEYS

    return [{"block": key} for key in BLOCK_KEYS]


# Extra queries for the admin's own views that read them, by URL name; a
# callable gives them when the crawl reaches the view (ids of the run's data).
VIEW_QUERIES = {
    "members_care_radar": [{"days": "365"}, {"days": "90"}],
    "members_register_picture": [_every_unit],
    "members_register_picture_xlsx": [_picture_blocks, _every_unit],
}


def _view_queries(name: str | None) -> list[dict]:
    queries = []
    for query in VIEW_QUERIES.get(name, ()):
        queries += query() if callable(query) else [query]
    return queries


class AdminCrawler(Browser):
    """Visit every admin surface of every mounted site as one user.

    ``variants`` adds each filter choice, date drill-down and view query of a
    changelist or view; ``exempt_pages`` adds the pages past the changelist
    of the admins exempted from the scope (they show every user the same).
    """

    def __init__(
        self,
        user,
        admins: list[RegisteredAdmin] | None = None,
        *,
        variants: bool = True,
        exempt_pages: bool = True,
        client: Client | None = None,
    ):
        super().__init__(user, client=client)
        self.admins = registered_admins() if admins is None else admins
        self.request = admin_request(user)
        self.variants = variants
        self.exempt_pages = exempt_pages

    def run(self) -> Crawl:
        for site in {entry.site for entry in self.admins}:
            self.get(reverse(f"{site.name}:index"))
            labels = {model._meta.app_label for model in site._registry}
            for app_label in sorted(labels):
                self.get(
                    reverse(f"{site.name}:app_list", kwargs={"app_label": app_label})
                )
        for entry in self.admins:
            self.crawl_admin(entry)
            self.crawl_autocompletes(entry)
        return self.crawl

    def crawl_admin(self, entry: RegisteredAdmin) -> None:
        changelist = entry.url("changelist")
        response = self.get(changelist)
        if response.status_code != 200:
            return
        cl = response.context["cl"]
        self.crawl.row_counts[entry.key] = cl.result_count
        if entry.exempt and not self.exempt_pages:
            return
        objects = list(cl.result_list[:OBJECTS_PER_ADMIN])
        self.get(changelist, {"q": "canary"})
        pk_name = entry.model._meta.pk.attname
        self.get(changelist, {"_to_field": pk_name, "_popup": "1"})
        if self.variants:
            for spec in cl.filter_specs:
                if type(spec).__module__.startswith("django."):
                    # Django's own filters narrow the scoped queryset by field
                    # values; their choices show on the changelist itself.
                    continue
                for choice in spec.choices(cl):
                    self.get(changelist + choice["query_string"])
            for link in DATE_HIERARCHY_LINK.findall(response.content.decode()):
                self.get(changelist + html.unescape(link))
        for pattern in entry.model_admin.get_urls():
            arguments = len(pattern.pattern.regex.groupindex)
            if arguments == 0:
                url = entry.object_url(pattern, None)
                page = self.get(url)
                for query in _view_queries(pattern.name) if self.variants else ():
                    self.get(url, query)
                if (pattern.name or "").endswith("_export") and page.status_code == 200:
                    self.export(url, page.context["form"])
            elif arguments == 1 and pattern.name:  # unnamed: a redirect to change
                for obj in objects:
                    self.get(entry.object_url(pattern, obj))

    def export(self, url: str, form) -> None:
        """Post the export form: CSV, every field, unfiltered and searched."""
        csv = [
            value for value, label in form.fields["format"].choices if label == "csv"
        ]
        assert csv, "the export offers no CSV"
        data = {"format": csv[0], "resource": "0"}
        for name, form_field in form.fields.items():
            if getattr(form_field, "is_selectable_field", False):
                data[name] = "on"
        assert self.post(url, data).status_code == 200
        assert self.post(f"{url}?q=canary", data).status_code == 200

    def crawl_autocompletes(self, entry: RegisteredAdmin) -> None:
        for field_name in entry.model_admin.get_autocomplete_fields(self.request):
            for term in ("", "canary"):
                query = {
                    "app_label": entry.model._meta.app_label,
                    "model_name": entry.model._meta.model_name,
                    "field_name": field_name,
                    "term": term,
                }
                self.get(reverse(f"{entry.site.name}:autocomplete"), query)

    def visit_out_of_scope(self, objects) -> None:
        """Open out-of-scope objects by their own URLs, and filter changelists by them.

        The admin must answer as if they did not exist (a redirect to the
        index or 404) or refuse (403); it must never show them.
        """
        for obj in objects:
            for entry in self.admins:
                if entry.model is not type(obj):
                    continue
                index = reverse(f"{entry.site.name}:index")
                for pattern in entry.model_admin.get_urls():
                    if len(pattern.pattern.regex.groupindex) != 1:
                        continue
                    url = entry.object_url(pattern, obj)
                    response = self.get(url, follow=True, again=True)
                    if pattern.name is None:
                        continue  # "<id>/" forwards to "<id>/change/", checked itself
                    chain = response.redirect_chain
                    if chain:
                        hidden = chain[0][0] == index
                    else:
                        hidden = response.status_code in {403, 404}
                    if not hidden:
                        self.crawl.opened.append(url)
        for entry in self.admins:
            changelist = entry.url("changelist")
            for model_field in entry.model._meta.get_fields():
                if not isinstance(model_field, ForeignKey):
                    continue
                for obj in objects:
                    if isinstance(obj, model_field.related_model):
                        lookup = f"{model_field.name}__{model_field.target_field.name}"
                        self.get(changelist, {f"{lookup}__exact": obj.pk})


def crawl_admins(user, admins: list[RegisteredAdmin] | None = None, **options) -> Crawl:
    """Crawl every admin as ``user``; what the pages wrote is rolled back."""
    with rolled_back():
        return AdminCrawler(user, admins, **options).run()
