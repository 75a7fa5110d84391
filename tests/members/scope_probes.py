"""The scope crawler's probes: out-of-scope ids in pages, actions and forms.

What a user may reach comes from members.scope (or, for a model that declares
no scope, from its admins' own querysets); everything else is a canary that no
probe may show, change or point at. Every probe runs in a savepoint that is
rolled back, so probes never see each other's writes.
"""

import html
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.admin.sites import AdminSite
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, Model, Q
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.urls import NoReverseMatch, reverse
from django.utils.http import int_to_base36

from members.models import User
from members.scope import staff_unit_paths, visible_q
from members.scoped_admin import PUBLIC_PAGES, SCOPE_EXEMPT
from tests.conftest import cache_empty
from tests.members.scope_crawler import (
    Browser,
    RegisteredAdmin,
    Surface,
    admin_request,
    admin_rows,
    context_forms,
    is_id_param,
    post_forms,
    registered_admins,
    rolled_back,
    text_of,
    url_surfaces,
)

# Reachable rows an action is tried with, one at a time, until one is done.
ACTION_OWN_TRIES = 3
# An id no table of the test database reaches.
NO_SUCH_ID = 987_654_321
CONTENT_TYPE_PARAM = re.compile(r"^(content_type|ct)(_id)?$")


# What a user reaches, and what a probe changed ------------------------------------


def _declares_scope(model) -> bool:
    return hasattr(model, "scope_path") or hasattr(model, "owner_path")


def _generic_keys(model) -> list[tuple[str, str]]:
    """Return (content type attname, object id attname) pairs pointing at any row."""
    pairs = [
        (model._meta.get_field(f.ct_field).attname, f.fk_field)
        for f in model._meta.private_fields
        if isinstance(f, GenericForeignKey)
    ]
    names = {f.name for f in model._meta.concrete_fields}
    if not pairs and {"content_type", "object_id"} <= names:
        content_type = model._meta.get_field("content_type")
        if getattr(content_type, "related_model", None) is ContentType:
            pairs.append(("content_type_id", "object_id"))
    return pairs


def tracked_models() -> list[type[Model]]:
    """The models whose rows probes watch: member data, and what records about it.

    Models that declare a scope (members.scope), models of every admin not
    exempted, and logs that point at any row (content type and object id).
    """
    admin_models = {e.model for e in registered_admins() if not e.exempt}
    return [
        model
        for model in apps.get_models()
        if _declares_scope(model) or model in admin_models or _generic_keys(model)
    ]


Key = tuple[str, object]  # (model label, pk)


class Reach:
    """The rows one user may reach, and the snapshot probes are compared against.

    Staff reach what the scope lets them see (members.scope) and their own
    records; a member only their own records. A model that declares no scope
    is reached through its admins' querysets. Reachable rows, and rows that
    reachable rows point at (the employer above a unit), may be pointed at by
    what a probe writes; every other row is a canary: it must stay as it was,
    and nothing new may point at it.
    """

    def __init__(self, user, *, staff: bool):
        self.user = user
        self.staff = staff
        self.models = tracked_models()
        self.admins = registered_admins()
        self.reachable: dict[str, set] = {}
        self._canaries: dict[str, list] = {}
        for model in self.models:
            self.reachable[model._meta.label] = self._reachable(model)
        self.before = snapshot(self.models)
        self.pointed_at = {
            target
            for model in self.models
            for pk, row in self.before[model._meta.label].items()
            if pk in self.reachable[model._meta.label]
            for target in _targets(model, row)
        }

    def _reachable(self, model) -> set:
        manager = model._base_manager
        if _declares_scope(model):
            q = Q(pk__in=[])
            if self.staff and hasattr(model, "scope_path"):
                q |= visible_q(self.user, model)
            if hasattr(model, "owner_path"):
                q |= visible_q(self.user, model, portal=True)
            return set(manager.filter(q).values_list("pk", flat=True))
        if not self.staff:
            return set()
        rows = set()
        for entry in self.admins:
            if entry.model is model and not entry.exempt:
                rows |= admin_rows(entry, self.user)
        return rows

    def protected(self, model) -> list:
        """Return the pks of the rows of ``model`` out of the user's reach."""
        label = model._meta.label
        return sorted(set(self.before[label]) - self.reachable[label], key=str)

    def canaries(self, model) -> list:
        """Return the protected rows nothing reachable points at: the canaries.

        Nearest first: the rows of the units sharing most of the path of one
        of the user's own (a sibling unit before the other union's).
        """
        label = model._meta.label
        cached = self._canaries.get(label)
        if cached is None:
            rows = [
                pk for pk in self.protected(model) if (label, pk) not in self.pointed_at
            ]
            cached = self._canaries[label] = self._nearest_first(model, rows)
        return cached

    def _nearest_first(self, model, rows: list) -> list:
        lookups = getattr(model, "scope_path", None)
        own = staff_unit_paths(self.user) if self.staff else []
        if not rows or not lookups or not own:
            return rows
        lookup = lookups if isinstance(lookups, str) else lookups[0]
        paths = dict(model._base_manager.filter(pk__in=rows).values_list("pk", lookup))

        def shared(pk) -> int:
            path = paths.get(pk) or ""
            return max(_shared_length(path, mine) for mine in own)

        return sorted(rows, key=lambda pk: (-shared(pk), str(pk)))

    def is_canary(self, key: Key) -> bool:
        label, pk = key
        if label not in self.reachable:
            return False
        return (
            pk in self.before[label]
            and pk not in self.reachable[label]
            and key not in self.pointed_at
        )

    def changes(self) -> list[str]:
        """Return what changed out of reach since the snapshot, or points at it."""
        after = snapshot(self.models)
        problems = []
        # How many rows the probe wrote at all: a probe that writes nothing
        # anywhere may not have reached the code it means to test.
        self.touched = 0
        for model in self.models:
            label = model._meta.label
            old, new = self.before[label], after[label]
            self.touched += len(set(old) - set(new))
            self.touched += sum(old.get(pk) != row for pk, row in new.items())
            for pk in self.protected(model):
                if pk not in new:
                    problems.append(f"{label} #{pk} was deleted")
                elif new[pk] != old[pk]:
                    problems.append(f"{label} #{pk} was changed")
            for pk, row in new.items():
                if old.get(pk) == row:
                    continue
                for target in _targets(model, row):
                    if self.is_canary(target):
                        problems.append(
                            f"{label} #{pk} was written pointing at {target[0]} "
                            f"#{target[1]}"
                        )
        return problems


def _shared_length(one: str, other: str) -> int:
    """Return how many leading characters two unit paths share."""
    for index, (a, b) in enumerate(zip(one, other, strict=False)):
        if a != b:
            return index
    return min(len(one), len(other))


def _columns(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def snapshot(models) -> dict[str, dict]:
    """Return every row of the models, by label and pk, as tuples of column values."""
    rows = {}
    for model in models:
        columns = _columns(model)
        values = model._base_manager.order_by().values_list(*columns)
        pk_index = columns.index(model._meta.pk.attname)
        rows[model._meta.label] = {row[pk_index]: row for row in values}
    return rows


_TARGETS_CACHE: dict = {}


def _target_columns(model) -> tuple[list, list]:
    cached = _TARGETS_CACHE.get(model)
    if cached is None:
        columns = _columns(model)
        foreign = [
            (columns.index(f.attname), f.related_model._meta.label)
            for f in model._meta.concrete_fields
            if isinstance(f, ForeignKey)
        ]
        generic = [
            (columns.index(ct), columns.index(fk)) for ct, fk in _generic_keys(model)
        ]
        cached = _TARGETS_CACHE[model] = (foreign, generic)
    return cached


def _targets(model, row) -> Iterator[Key]:
    """Yield the rows one row points at, by foreign key or content type and id."""
    foreign, generic = _target_columns(model)
    for index, label in foreign:
        if row[index] is not None:
            yield (label, row[index])
    for ct_index, id_index in generic:
        if row[ct_index] is None or row[id_index] in (None, ""):
            continue
        target = ContentType.objects.get_for_id(row[ct_index]).model_class()
        pk = _pk_of(target, row[id_index]) if target is not None else None
        if pk is not None:
            yield (target._meta.label, pk)


def _pk_of(model, value):
    """Return ``value`` as a pk of ``model``; None if it cannot be one (a label)."""
    try:
        return model._meta.pk.to_python(value)
    except ValidationError:
        return None


# Probes: out-of-scope ids, actions, forms, id-taking pages -----------------------


@dataclass
class Findings:
    """What probes found wrong, and which routes they probed with a hidden id."""

    problems: list[str] = field(default_factory=list)
    probed_routes: set[str] = field(default_factory=set)
    # Id-taking pages that served the user's own records, by label.
    served: set[str] = field(default_factory=set)
    tampered: list[str] = field(default_factory=list)
    # Each action post: whether it answered the action's own page, and how
    # many rows it wrote (those in reach: the others are problems).
    acted: dict[str, tuple[bool, int]] = field(default_factory=dict)

    def add(self, where: str, problems: Iterable[str]) -> None:
        self.problems += [f"{where}: {problem}" for problem in problems]


def _spread(pks: list, count: int) -> list:
    """Return ``count`` pks spread over the list (first, last, between)."""
    if len(pks) <= count:
        return pks
    step = (len(pks) - 1) / (count - 1)
    return [pks[round(i * step)] for i in range(count)]


def hidden_sample(entry: RegisteredAdmin, reach: Reach, visible: set) -> list[Model]:
    """Return two rows the admin keeps from the user.

    The nearest canary (the sibling unit's), and another: a row the user's
    own rows point at (the union above) or else the farthest canary.
    """
    label = entry.model._meta.label
    hidden = set(reach.before[label]) - visible
    canaries = [pk for pk in reach.canaries(entry.model) if pk in hidden]
    others = sorted(hidden - set(canaries), key=str)
    chosen = canaries[:1] + (others[:1] or canaries[-1:])
    return list(entry.model._base_manager.filter(pk__in=chosen))


def _is_hidden(response, index: str) -> bool:
    """Return whether the admin answered as for no such object (or refused)."""
    if response.status_code in {403, 404, 405}:
        return True
    return response.status_code == 302 and response.url == index


def _one_arg_patterns(entry: RegisteredAdmin) -> list:
    return [
        p
        for p in entry.model_admin.get_urls()
        if len(p.pattern.regex.groupindex) == 1 and p.name is not None
    ]


def probe_hidden_objects(browser: Browser, reach: Reach, findings: Findings) -> None:
    """Open and post every per-object page of the admins with out-of-scope ids.

    The admin must answer as if they did not exist (a redirect to the index,
    or 404) or refuse (403, 405); it must never show or change them. Each
    page is posted what the same page of a reachable object would post.
    """
    for entry in reach.admins:
        if entry.exempt:
            continue
        visible = admin_rows(entry, reach.user)
        hidden = hidden_sample(entry, reach, visible)
        if not hidden:
            continue
        index = reverse(f"{entry.site.name}:index")
        own = entry.model._base_manager.filter(pk__in=visible).first()
        with rolled_back():
            for pattern in _one_arg_patterns(entry):
                data = _page_post_data(browser, entry, pattern, own)
                for obj in hidden:
                    url = entry.object_url(pattern, obj)
                    if not _is_hidden(browser.get(url, again=True), index):
                        findings.add(entry.label, [f"GET {url} opened {obj!r}"])
                    if data is None:
                        continue
                    if not _is_hidden(browser.post(url, data), index):
                        findings.add(entry.label, [f"POST {url} reached {obj!r}"])
                findings.probed_routes.add(entry.route(pattern))
            findings.add(f"{entry.label} per-object pages", reach.changes())
        # Filtering the changelist by an out-of-scope object finds nothing.
        changelist = entry.url("changelist")
        for model_field in entry.model._meta.get_fields():
            if not isinstance(model_field, ForeignKey):
                continue
            related = model_field.related_model
            canaries = reach.canaries(related) if related in reach.models else []
            if canaries:
                lookup = f"{model_field.name}__{model_field.target_field.name}__exact"
                browser.get(changelist, {lookup: canaries[0]})


def _page_post_data(browser, entry, pattern, own) -> dict | None:
    """Return what the page posts for a reachable object, or None if it posts nothing.

    Without a reachable object, or for a page that only takes POST, a bare
    confirmation is posted.
    """
    if own is None:
        return {"post": ["yes"]}
    url = entry.object_url(pattern, own)
    with rolled_back():
        page = browser.client.get(url)
    if page.status_code == 405:
        return {"post": ["yes"]}
    for form in post_forms(page):
        if html.unescape(form.action) in {"", url}:
            return form.data()
    return None


def probe_actions(browser: Browser, reach: Reach, findings: Findings) -> None:
    """Post every action of every admin with out-of-scope ids among those selected.

    Three ways: only out-of-scope ids; a reachable id with them; and "select
    all" with them. An action that asks first (delete, record, dismiss) is
    answered with its own form, the out-of-scope ids put back in. The page
    the action leads to (with its messages) is kept for the leak check.
    """
    for entry in reach.admins:
        request = admin_request(reach.user)
        actions = entry.model_admin.get_actions(request)
        if entry.exempt or not actions:
            continue
        visible = admin_rows(entry, reach.user)
        label = entry.model._meta.label
        hidden = [str(pk) for pk in reach.before[label] if pk not in visible]
        if not hidden:
            continue
        own = [str(pk) for pk in sorted(visible, key=str)[:ACTION_OWN_TRIES]]
        changelist = entry.url("changelist")
        for name in actions:
            variants = [("out-of-scope ids", hidden, "0")]
            # Each of a few reachable ids until one does the action's work
            # (a row already delivered, closed or confirmed is refused).
            variants += [
                ("a reachable id and out-of-scope ids", [pk, *hidden], "0")
                for pk in own
            ]
            variants += [("all selected, with out-of-scope ids", own[:1] + hidden, "1")]
            for variant, selected, across in variants:
                where = f"{entry.label} action {name} ({variant})"
                if findings.acted.get(where, (False, 0))[1]:
                    continue  # done its work with an earlier reachable id
                with rolled_back():
                    # Followed to the changelist: its messages name what the
                    # action did or refused, and must name no canary.
                    response = browser.post(
                        changelist,
                        {
                            "action": name,
                            "_selected_action": selected,
                            "index": "0",
                            "select_across": across,
                        },
                        follow=True,
                    )
                    if response.status_code not in {200, 403}:
                        findings.add(where, [f"answered {response.status_code}"])
                    answered = _answer_intermediate(
                        browser, response, changelist, selected
                    )
                    findings.add(where, reach.changes())
                    findings.acted[where] = (answered, reach.touched)


def _answer_intermediate(browser, response, changelist: str, selected: list) -> bool:
    """Submit an action's own page (are you sure, with what note) with ``selected``.

    Return whether the action had a page of its own.
    """
    if response.status_code != 200 or "cl" in (response.context or {}):
        return False
    for form in post_forms(response):
        names = form.names()
        if "action" in names or "_selected_action" in names or "post" in names:
            data = form.data(_selected_action=list(selected))
            browser.post(html.unescape(form.action) or changelist, data, follow=True)
            return True
    return False


def _related_model(form_field) -> type[Model] | None:
    if isinstance(form_field, ModelChoiceField):
        return form_field.queryset.model
    return None


def probe_forms(browser: Browser, reach: Reach, findings: Findings) -> None:
    """Post each admin form with one foreign key set to an out-of-scope row.

    Every page of an admin that renders a form (add, change and the other
    per-object pages of a reachable object, the admin's own views, an
    editable changelist) is posted as a browser would, one choice field at a
    time pointing at a canary; on a change page, also each foreign key the
    form leaves out (read-only: the unit of a member). The form must refuse
    it and nothing may come to point at the canary. A field the admin
    declares free (``unscoped_fields``, the receiving unit of a transfer) is
    left alone.
    """
    for entry in reach.admins:
        if entry.exempt:
            continue
        visible = admin_rows(entry, reach.user)
        own = entry.model._base_manager.filter(pk__in=visible).first()
        urls = [entry.url("changelist")]
        for pattern in entry.model_admin.get_urls():
            arguments = len(pattern.pattern.regex.groupindex)
            if arguments == 0 and pattern.name and "changelist" not in pattern.name:
                urls.append(entry.object_url(pattern, None))
            elif arguments == 1 and own is not None and pattern.name:
                urls.append(entry.object_url(pattern, own))
        free = set(getattr(entry.model_admin, "unscoped_fields", ()))
        change = entry.url("change", quote(str(own.pk))) if own is not None else None
        _initial_canaries(browser, reach, entry, free)
        for url in urls:
            with rolled_back():  # a change page records its opening
                page = browser.client.get(url)
                if page.status_code != 200:
                    continue
                _tamper_page(browser, reach, findings, entry, url, page, free)
                if url == change:
                    _tamper_read_only(browser, reach, findings, entry, url, page, own)


def _initial_canaries(browser, reach, entry, free) -> None:
    """Open the add page with each foreign key given a canary as its initial value.

    A widget that labels the value it is given (a raw-id input does, from an
    unscoped manager) would show the canary; the crawl's leak check sees it.
    """
    if not entry.model_admin.has_add_permission(admin_request(reach.user)):
        return
    query = {}
    for model_field in entry.model._meta.concrete_fields:
        related = getattr(model_field, "related_model", None)
        if related in reach.models and model_field.name not in free:
            canaries = reach.canaries(related)
            if canaries:
                query[model_field.name] = canaries[0]
    if query:
        with rolled_back():
            browser.get(entry.url("add"), query, again=True)


def _tamper_page(browser, reach, findings, entry, url, page, free) -> None:
    html_forms = post_forms(page)
    for form in context_forms(page):
        for name, form_field in form.fields.items():
            related = _related_model(form_field)
            if related is None or related not in reach.models or name in free:
                continue
            if _is_formset_pk(form, name):
                # A row of a formset by id: Django edits only the rows of the
                # formset's own (scoped) queryset and skips any other id.
                continue
            canaries = reach.canaries(related)
            if not canaries:
                continue
            html_name = form.add_prefix(name)
            html_form = next((f for f in html_forms if html_name in f.names()), None)
            if html_form is None:
                continue
            target = canaries[0]
            where = (
                f"{entry.label} {url} with {html_name}={related._meta.label} #{target}"
            )
            findings.tampered.append(where)
            multiple = isinstance(form_field, ModelMultipleChoiceField)
            value = [str(target)] if multiple else str(target)
            with rolled_back():
                response = browser.post(
                    html.unescape(html_form.action) or url,
                    html_form.data(**{html_name: value}),
                )
                problems = reach.changes()
                if response.status_code == 200 and not _field_refused(
                    response, html_name
                ):
                    problems.append("the form took the out-of-scope id")
                findings.add(where, problems)


def _is_formset_pk(form, name: str) -> bool:
    model = getattr(getattr(form, "_meta", None), "model", None)
    return model is not None and name == model._meta.pk.name and form.prefix


def _field_refused(response, html_name: str) -> bool:
    """Return whether the re-rendered page's form shows an error on the field."""
    forms = list(context_forms(response))
    if not forms:
        return True  # no form again: an error page or another view's answer
    for form in forms:
        for name in form.fields:
            if form.add_prefix(name) == html_name:
                return bool(form.errors.get(name))
    return True


def _tamper_read_only(browser, reach, findings, entry, url, page, own) -> None:
    html_forms = post_forms(page)
    if not html_forms:
        return
    html_form = max(html_forms, key=lambda f: len(f.fields))
    names = html_form.names()
    for model_field in entry.model._meta.concrete_fields:
        if not isinstance(model_field, ForeignKey) or model_field.name in names:
            continue
        related = model_field.related_model
        canaries = reach.canaries(related) if related in reach.models else []
        if not canaries:
            continue
        target = canaries[0]
        where = (
            f"{entry.label} {url} with read-only {model_field.name}="
            f"{related._meta.label} #{target}"
        )
        findings.tampered.append(where)
        with rolled_back():
            browser.post(url, html_form.data(**{model_field.name: str(target)}))
            stored = entry.model._base_manager.filter(pk=own.pk).values_list(
                model_field.attname, flat=True
            )
            problems = reach.changes()
            if list(stored) == [target]:
                problems.append(f"{model_field.name} took the out-of-scope id")
            findings.add(where, problems)


def _row_uuid(model, pk) -> uuid.UUID:
    """Return the row's ``uuid`` field, or a uuid no row has if it has none."""
    if any(field.name == "uuid" for field in model._meta.fields):
        found = model._base_manager.filter(pk=pk).values_list("uuid", flat=True)
        if found:
            return found[0]
    return uuid.uuid4()


def _fill(surface: Surface, key: Key) -> str | None:
    """Return the URL of an id-taking page for one row, or None if it cannot."""
    label, pk = key
    model = User if label == "?" else apps.get_model(label)
    kwargs = {}
    for param in surface.params:
        converter = getattr(surface.pattern.pattern, "converters", {}).get(param)
        if CONTENT_TYPE_PARAM.match(param):
            kwargs[param] = ContentType.objects.get_for_model(model).pk
        elif type(converter).__name__ == "UUIDConverter":
            # A record named by its uuid (certificates): the row's, when it has one.
            kwargs[param] = _row_uuid(model, pk) if label != "?" else uuid.uuid4()
        elif param == "uidb36":
            kwargs[param] = int_to_base36(pk)
        elif is_id_param(surface.pattern, param):
            kwargs[param] = pk
        else:
            kwargs[param] = "x"
    if surface.name is None:
        return None
    try:
        return reverse(surface.name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def id_surfaces(*, staff: bool) -> list[Surface]:
    """Return the id-taking pages no ModelAdmin serves: staff's or members'."""
    from django.contrib.admin import ModelAdmin

    return [
        s
        for s in url_surfaces()
        if s.id_params
        and not isinstance(s.owner, ModelAdmin)
        and s.in_admin == staff
        and not _is_catch_all(s)
    ]


def _is_catch_all(surface: Surface) -> bool:
    """Return whether an admin page takes an app label or any path, not a record."""
    return isinstance(surface.owner, AdminSite) and (
        surface.name is None or surface.name.endswith(":app_list")
    )


def _keys(
    reach: Reach, *, reachable: bool, by_content_type: bool, by_uuid: bool = False
) -> list[Key]:
    """Return rows to open pages with: the user's own, or canaries.

    Pages found by pk alone get each pk once, never one of the user's own
    pks in another table (that would open the user's own record).
    """
    own_pks = set()
    for model in reach.models:
        own_pks |= reach.reachable[model._meta.label]
    keys: list[Key] = []
    for model in reach.models:
        label = model._meta.label
        if not (by_content_type or hasattr(model, "owner_path")):
            continue
        rows = (
            sorted(reach.reachable[label], key=str)
            if reachable
            else reach.canaries(model)
        )
        if by_content_type:
            keys += [(label, pk) for pk in _spread(rows, 2)]
        else:
            keys += [(label, pk) for pk in rows if reachable or pk not in own_pks]
    if by_content_type or by_uuid:
        # A page found by a row's uuid (or type) names one table's row alone.
        return keys
    unique = {}
    for key in keys:
        unique.setdefault(key[1], key)
    return list(unique.values())


def probe_id_pages(
    browser: Browser,
    reach: Reach,
    findings: Findings,
    secrets: dict[str, str],
    *,
    staff: bool,
) -> list[Surface]:
    """Open every id-taking page outside the ModelAdmins with others' ids.

    An id out of the user's reach must be answered exactly as an id that
    exists nowhere (same status, GET and POST), show none of the secrets and
    change nothing. The user's own ids show the page serves something: a page
    that answers them like a missing id is not covered (see SCOPE_EXEMPT).
    """
    surfaces = id_surfaces(staff=staff)
    for surface in surfaces:
        if surface.name in PUBLIC_PAGES:
            continue
        by_type = any(CONTENT_TYPE_PARAM.match(p) for p in surface.params)
        by_uuid = any(
            type(getattr(surface.pattern.pattern, "converters", {}).get(p)).__name__
            == "UUIDConverter"
            for p in surface.params
        )
        missing_url = _fill(surface, ("?", NO_SUCH_ID))
        if missing_url is None:
            findings.add(surface.label, ["cannot be filled in to probe it"])
            continue
        missing = {}
        for method in ("get", "post"):
            with rolled_back():
                missing[method] = getattr(browser.client, method)(
                    missing_url
                ).status_code
        canaries = _keys(
            reach, reachable=False, by_content_type=by_type, by_uuid=by_uuid
        )
        for method in ("get", "post"):
            with rolled_back():
                for key in canaries:
                    # Rate limits count every probe; a page's own answer is wanted.
                    cache_empty()
                    url = _fill(surface, key)
                    response = getattr(browser.client, method)(url)
                    body = text_of(response)
                    if response.status_code != missing[method]:
                        findings.add(
                            surface.label,
                            [
                                f"{method.upper()} {url} ({key[0]} #{key[1]}) answered "
                                f"{response.status_code}, a missing id "
                                f"{missing[method]}"
                            ],
                        )
                    shown = [label for label, text in secrets.items() if text in body]
                    if shown:
                        findings.add(surface.label, [f"{url} showed {shown}"])
                findings.add(f"{surface.label} {method.upper()}", reach.changes())
        if canaries:
            findings.probed_routes.add(surface.route)
        for key in _keys(
            reach, reachable=True, by_content_type=by_type, by_uuid=by_uuid
        ):
            url = _fill(surface, key)
            with rolled_back():
                statuses = {
                    method: getattr(browser.client, method)(url).status_code
                    for method in ("get", "post")
                }
            if statuses != missing:
                findings.served.add(surface.label)
                break
    return surfaces


# Coverage ---------------------------------------------------------------------


def coverage_gaps(
    *,
    officer,
    drifter,
    staff_findings: Findings,
    member_findings: Findings,
) -> list[str]:
    """Return every admin and id-taking page the crawler cannot vouch for, by name.

    A registered admin not exempted must keep some rows of its model from a
    grassroots officer (with every permission), show none to staff without a
    role, and have each of its per-object pages probed with an out-of-scope
    id. An id-taking page elsewhere must have been probed with others' ids
    and, unless exempted, serve the user's own.
    """
    gaps = []
    for entry in registered_admins():
        if entry.exempt:
            continue
        rows = entry.model._base_manager.count()
        if not rows:
            gaps.append(
                f"{entry.label}: no rows to test its scope with; add canaries of "
                "it to the scope fixtures, or declare it in SCOPE_EXEMPT"
            )
            continue
        if len(admin_rows(entry, officer)) >= rows:
            gaps.append(
                f"{entry.label}: shows a grassroots officer every row of "
                f"{entry.model._meta.label}; scope it (members.scoped_admin) or "
                "declare it in SCOPE_EXEMPT"
            )
        if admin_rows(entry, drifter):
            gaps.append(f"{entry.label}: shows rows to staff without a role")
        for pattern in entry.model_admin.get_urls():
            arguments = len(pattern.pattern.regex.groupindex)
            route = entry.route(pattern)
            if arguments > 1 or (
                arguments == 1
                and pattern.name
                and route not in staff_findings.probed_routes
            ):
                gaps.append(f"{entry.label}: {route} was not probed")
    for findings, staff in ((staff_findings, True), (member_findings, False)):
        for surface in id_surfaces(staff=staff):
            if surface.name in PUBLIC_PAGES:
                continue
            if surface.route not in findings.probed_routes:
                gaps.append(f"{surface.label}: not probed with others' ids")
            elif (
                surface.label not in findings.served
                and surface.name not in SCOPE_EXEMPT
            ):
                gaps.append(
                    f"{surface.label}: no record of the user opens it; add one to "
                    "the scope fixtures, or declare it in SCOPE_EXEMPT"
                )
    return gaps
