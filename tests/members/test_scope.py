"""The scope crawler: staff visit every admin surface; out-of-scope data never shows.

The crawler discovers the surfaces from ``admin.site._registry``, so an admin
registered later is crawled without touching this file: changelists (plain,
searched, filtered, as raw-id popups), every page of a few listed objects
(change, delete, history and any other per-object view), add pages, other
views of the admin (exports, the care radar, the register's picture for every
unit, its XLSX tables read back as text), exports posted as CSV, and every
autocomplete endpoint. The staff get every permission: only the scope stands
between them and the canaries.
"""

import html
import io
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import ForeignKey
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from members import services
from members.models import CareCase, Relative, Unit, User
from members.selectors.picture import BLOCK_KEYS
from tests.members.factories import (
    make_member,
    make_permissions_group,
    make_staff,
    make_union_tree,
)

pytestmark = pytest.mark.django_db

# Objects whose per-object pages are crawled, per admin: enough to reach
# inlines and links, few enough to keep the file under a minute.
OBJECTS_PER_ADMIN = 2
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _every_unit() -> list[dict]:
    """Every unit, in scope or not: a view must show it or refuse it."""
    pks = Unit.objects.order_by("path").values_list("pk", flat=True)
    return [{"unit": str(pk)} for pk in pks]


def _every_employer() -> list[dict]:
    """Every unit as the HRM sample's employer: in scope or refused."""
    return [{"employer": query["unit"]} for query in _every_unit()]


# Extra queries for admin views that read them; a callable gives its queries
# when the crawl reaches the view (ids of the run's own data).
VIEW_QUERIES = {
    "members_importrun_sample": [_every_employer],
    "members_care_radar": [{"days": "365"}, {"days": "90"}],
    "members_register_picture": [_every_unit],
    "members_register_picture_xlsx": [
        *({"block": key} for key in BLOCK_KEYS),
        _every_unit,
    ],
}


def _view_queries(name: str | None) -> list[dict]:
    queries = []
    for query in VIEW_QUERIES.get(name, ()):
        queries += query() if callable(query) else [query]
    return queries


DATE_HIERARCHY_LINK = re.compile(r'href="(\?[^"]*__(?:year|month|day)=[^"]*)"')


@dataclass
class Page:
    url: str
    status: int
    body: str


@dataclass
class Crawl:
    """What one user saw: every page, and how many rows each changelist listed."""

    pages: list[Page] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    # Out-of-scope objects' own URLs that answered other than "no such object".
    opened: list[str] = field(default_factory=list)

    def showing(self, text: str) -> list[str]:
        needle = text.lower()
        return [page.url for page in self.pages if needle in page.body.lower()]

    def leaks(self, secrets: dict[str, str]) -> dict[str, list[str]]:
        found = {label: self.showing(text) for label, text in secrets.items()}
        return {label: urls for label, urls in found.items() if urls}

    def statuses(self, url: str) -> set[int]:
        return {page.status for page in self.pages if page.url == url}


def _text(response) -> str:
    if response.get("Content-Type", "").startswith(XLSX):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if response.get("Content-Type", "").startswith("application/json"):
        # Undo \\u escapes, so that Vietnamese names read as they are.
        return json.dumps(json.loads(response.content), ensure_ascii=False)
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8-sig", "replace")


def _admin_url(changelist: str, pattern, obj=None) -> str:
    """Return the URL of one of a ModelAdmin's patterns, for ``obj`` if it takes one."""
    route = str(pattern.pattern)
    if obj is not None:
        route = re.sub(r"<(?:\w+:)?\w+>", quote(str(obj.pk)), route)
    return changelist + route


def _admin_name(model, view: str) -> str:
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"


class AdminCrawler:
    """Visit every admin surface as one user and keep what came back."""

    def __init__(self, client, user):
        self.client = client
        self.crawl = Crawl()
        self.visited: set[str] = set()
        client.force_login(user)
        self.request = RequestFactory().get("/admin/")
        self.request.user = user

    def get(self, url: str, query: dict | None = None, *, follow=False, again=False):
        """Fetch a page once (``again`` to insist) and keep what it showed."""
        if query:
            url = f"{url}?{urlencode(query, doseq=True)}"
        if url in self.visited and not again:
            return None
        self.visited.add(url)
        response = self.client.get(url, follow=follow)
        status = (
            response.redirect_chain[0][1]
            if follow and response.redirect_chain
            else None
        )
        self.crawl.pages.append(
            Page(url, status or response.status_code, _text(response))
        )
        return response

    def post(self, url: str, data: dict):
        response = self.client.post(url, data)
        self.crawl.pages.append(
            Page(f"POST {url}", response.status_code, _text(response))
        )
        return response

    def run(self) -> Crawl:
        self.get(reverse("admin:index"))
        app_labels = {model._meta.app_label for model in admin.site._registry}
        for app_label in sorted(app_labels):
            self.get(reverse("admin:app_list", kwargs={"app_label": app_label}))
        for model, model_admin in admin.site._registry.items():
            self.crawl_admin(model, model_admin)
            self.crawl_autocompletes(model, model_admin)
        return self.crawl

    def crawl_admin(self, model, model_admin) -> None:
        changelist = reverse(_admin_name(model, "changelist"))
        response = self.get(changelist)
        if response.status_code != 200:
            return
        cl = response.context["cl"]
        self.crawl.row_counts[model._meta.label] = cl.result_count
        objects = list(cl.result_list[:OBJECTS_PER_ADMIN])
        self.get(changelist, {"q": "canary"})
        self.get(changelist, {"_to_field": model._meta.pk.attname, "_popup": "1"})
        for spec in cl.filter_specs:
            for choice in spec.choices(cl):
                self.get(changelist + choice["query_string"])
        for link in DATE_HIERARCHY_LINK.findall(response.content.decode()):
            self.get(changelist + html.unescape(link))
        for pattern in model_admin.get_urls():
            arguments = len(pattern.pattern.regex.groupindex)
            if arguments == 0:
                url = _admin_url(changelist, pattern)
                page = self.get(url)
                for query in _view_queries(pattern.name):
                    self.get(url, query)
                if (pattern.name or "").endswith("_export"):
                    self.export(url, page.context["form"])
            elif arguments == 1:
                for obj in objects:
                    self.get(_admin_url(changelist, pattern, obj))

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

    def crawl_autocompletes(self, model, model_admin) -> None:
        for field_name in model_admin.get_autocomplete_fields(self.request):
            for term in ("", "canary"):
                query = {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                    "term": term,
                }
                self.get(reverse("admin:autocomplete"), query)

    def visit_out_of_scope(self, objects) -> None:
        """Open out-of-scope objects by their own URLs, and filter changelists by them.

        The admin must answer as if they did not exist (a redirect to the
        index or 404) or refuse (403); it must never show them.
        """
        index = reverse("admin:index")
        for obj in objects:
            model = type(obj)
            changelist = reverse(_admin_name(model, "changelist"))
            for pattern in admin.site._registry[model].get_urls():
                if len(pattern.pattern.regex.groupindex) != 1:
                    continue
                url = _admin_url(changelist, pattern, obj)
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
        # Filtering a changelist by an out-of-scope object finds nothing.
        for model in admin.site._registry:
            changelist = reverse(_admin_name(model, "changelist"))
            for model_field in model._meta.get_fields():
                if not isinstance(model_field, ForeignKey):
                    continue
                for obj in objects:
                    if isinstance(obj, model_field.related_model):
                        lookup = f"{model_field.name}__{model_field.target_field.name}"
                        self.get(changelist, {f"{lookup}__exact": obj.pk})


def crawl_as(client, user, *, out_of_scope=()) -> Crawl:
    crawler = AdminCrawler(client, user)
    crawler.run()
    crawler.visit_out_of_scope(out_of_scope)
    return crawler.crawl


@pytest.fixture
def tree():
    return make_union_tree()


@pytest.fixture
def all_permissions():
    """Every permission of every app: only the scope may hold staff back."""
    return make_permissions_group("Mọi quyền")


def canary_objects(canary) -> list:
    return [canary.member, canary.relative, canary.care_case, canary.account]


def assert_crawl_covers_every_admin(crawl: Crawl) -> None:
    for model in admin.site._registry:
        changelist = reverse(_admin_name(model, "changelist"))
        assert crawl.statuses(changelist) == {200}, model
        assert model._meta.label in crawl.row_counts, model


def test_grassroots_staff_never_see_the_sibling_units_canary(
    client, tree, all_permissions
):
    officer = tree.grassroots_officer
    officer.groups.add(all_permissions)
    # A transfer inside the officer's union, and one between two others.
    services.transfer_request(
        member=tree.group_member, to_unit=tree.vnpt_hn, transfer_on=tree.today
    )
    away = services.transfer_request(
        member=tree.sibling.member, to_unit=tree.vtc_st, transfer_on=tree.today
    )
    out_of_scope = [
        *canary_objects(tree.sibling),
        away,
        tree.sibling_officer.staff_roles.get(),
        tree.sibling_officer,
        tree.vnpt_hcm,
        tree.vnpt,
    ]
    crawl = crawl_as(client, officer, out_of_scope=out_of_scope)

    assert crawl.leaks(tree.sibling.strings) == {}
    assert crawl.leaks(tree.cousin.strings) == {}
    assert crawl.opened == []
    assert_crawl_covers_every_admin(crawl)
    assert len(crawl.pages) > 150
    # Not vacuous: the officer's own unit shows everywhere it should.
    counts = crawl.row_counts
    assert counts["members.Member"] == 2
    assert counts["members.Relative"] == 2
    assert counts["members.CareCase"] == 2
    assert counts["members.Unit"] == 2
    assert counts["members.StaffRole"] == 1
    assert counts["members.User"] == 1
    assert counts["members.Transfer"] == 1
    own = tree.own_member
    seen = crawl.showing(own.full_name)
    members = reverse("admin:members_member_changelist")
    for surface in (
        members,
        f"{members}?_to_field=id&_popup=1",
        f"POST {members}export/",
        reverse("admin:members_member_change", args=[own.pk]),
        reverse("admin:members_care_radar") + "?days=365",
        reverse("admin:autocomplete") + "?app_label=members&model_name=carecase"
        "&field_name=member&term=",
    ):
        assert surface in seen, surface
    assert f"POST {members}export/" in crawl.showing(own.national_id)
    assert reverse("admin:members_relative_changelist") in crawl.showing(
        tree.own_relative.full_name
    )
    assert reverse("admin:members_carecase_changelist") in crawl.showing(
        tree.own_care_case.summary
    )
    radar = reverse("admin:members_care_radar") + "?days=90"
    assert radar in crawl.showing(tree.own_care_case.summary)
    assert radar in crawl.showing(tree.own_relative.full_name)
    # The picture shows the officer's units, refuses the others, names none.
    for name in (
        "admin:members_register_picture",
        "admin:members_register_picture_xlsx",
    ):
        url = reverse(name)
        assert crawl.statuses(f"{url}?unit={tree.vnpt_hn.pk}") == {200}
        assert url in crawl.showing(tree.vnpt_hn_group.name)
        for unit in (tree.vnpt_hcm, tree.vnpt, tree.sector, tree.vtc_dt):
            assert crawl.statuses(f"{url}?unit={unit.pk}") == {403}, unit
    for unit in (tree.vnpt_hcm, tree.vtc, tree.vtc_dt, tree.vtc_st):
        assert not [url for url in crawl.showing(unit.name) if "/picture/" in url]


def test_upper_staff_never_see_the_other_employers_canary(
    client, tree, all_permissions
):
    officer = tree.upper_officer
    officer.groups.add(all_permissions)
    crawl = crawl_as(
        client, officer, out_of_scope=[*canary_objects(tree.cousin), tree.vtc_dt]
    )

    assert crawl.leaks(tree.cousin.strings) == {}
    assert crawl.opened == []
    assert_crawl_covers_every_admin(crawl)
    # Both VNPT grassroots unions are theirs, the sibling canary included.
    assert crawl.row_counts["members.Member"] == 3
    assert set(crawl.leaks(tree.sibling.strings)) == set(tree.sibling.strings)
    members = reverse("admin:members_member_changelist")
    assert f"{members}?q=canary" in crawl.showing(tree.sibling.member.full_name)


def test_sector_staff_see_both_canaries_so_the_crawler_can_see_a_leak(
    client, tree, all_permissions
):
    officer = tree.sector_officer
    officer.groups.add(all_permissions)
    crawl = crawl_as(client, officer)

    for canary in (tree.sibling, tree.cousin):
        assert set(crawl.leaks(canary.strings)) == set(canary.strings)
    assert crawl.row_counts["members.Member"] == len(tree.members)
    members = reverse("admin:members_member_changelist")
    for canary in (tree.sibling, tree.cousin):
        assert f"{members}?q=canary" in crawl.showing(canary.member.full_name)
        assert f"POST {members}export/" in crawl.showing(canary.member.national_id)


def test_staff_without_a_role_see_no_member_data(client, tree, all_permissions):
    drifter = make_staff(
        email="khongvaitro@example.vn",
        name="Ngô Không Vai Trò",
        unit=None,
        groups=(all_permissions,),
    )
    crawl = crawl_as(client, drifter)

    secrets = {}
    for member in tree.members:
        for value in (member.full_name, member.national_id, member.email):
            if value:
                secrets[value] = value
    for relative in Relative.objects.all():
        secrets[relative.full_name] = relative.full_name
    for case in CareCase.objects.all():
        secrets[case.summary] = case.summary
    assert crawl.leaks(secrets) == {}
    assert_crawl_covers_every_admin(crawl)
    for model in admin.site._registry:
        if hasattr(model, "scope_path"):
            assert crawl.row_counts[model._meta.label] == 0, model


def test_member_without_staff_status_cannot_open_any_admin_page(client, tree):
    member = make_member(
        unit=tree.vnpt_hn, full_name="Trương Thị Thường", email="thuong@example.vn"
    )
    user = User.objects.create_user("thuong@example.vn", "x", name=member.full_name)
    client.force_login(user)
    urls = [
        reverse("admin:index"),
        reverse("admin:members_care_radar"),
        reverse("admin:members_register_picture"),
        reverse("admin:members_register_picture_xlsx"),
    ]
    for model in admin.site._registry:
        urls += [
            reverse(_admin_name(model, "changelist")),
            reverse(_admin_name(model, "add")),
        ]
    urls.append(
        reverse("admin:autocomplete")
        + "?app_label=members&model_name=carecase&field_name=member&term="
    )
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in {403, 404} or response.redirect_chain, url
        body = _text(response)
        assert member.full_name not in body, url
        assert tree.own_member.full_name not in body, url
        assert re.search(r"_selected_action|\"results\"", body) is None, url


# Care programmes, eligible lists, deliveries, budgets, consultations ---------


@pytest.fixture
def programmes(tree):
    from tests.members.factories_programmes import make_programme_tree

    return make_programme_tree(tree)


def test_grassroots_staff_never_see_the_sibling_units_programmes_or_consultations(
    client, tree, programmes, all_permissions
):
    officer = tree.grassroots_officer
    officer.groups.add(all_permissions)
    out_of_scope = [*programmes.sibling.objects, *programmes.cousin.objects]
    crawl = crawl_as(client, officer, out_of_scope=out_of_scope)

    for secrets in (
        programmes.sibling.strings,
        programmes.cousin.strings,
        tree.sibling.strings,
        tree.cousin.strings,
    ):
        assert crawl.leaks(secrets) == {}
    assert crawl.opened == []
    assert_crawl_covers_every_admin(crawl)
    # Not vacuous: the sector's programme shows through its list here.
    counts = crawl.row_counts
    assert counts["members.CareProgramme"] == 2
    assert counts["members.ProgrammeEligibility"] == 2
    assert counts["members.ProgrammeDelivery"] == 1
    assert counts["members.ProgrammeBudget"] == 1
    assert counts["members.ConsultationRequest"] == 1
    eligible = reverse("admin:members_programmeeligibility_changelist")
    assert eligible in crawl.showing(tree.group_member.full_name)
    assert eligible in crawl.showing(programmes.sector_programme.name)
    deliveries = reverse("admin:members_programmedelivery_changelist")
    assert deliveries in crawl.showing(programmes.own_delivery.delivered_by)
    consultation = reverse(
        "admin:members_consultationrequest_change",
        args=[programmes.own_consultation.pk],
    )
    assert consultation in crawl.showing(programmes.own_consultation.subject)


def test_sector_staff_see_every_programme_canary_so_the_crawler_can_see_a_leak(
    client, tree, programmes, all_permissions
):
    officer = tree.sector_officer
    officer.groups.add(all_permissions)
    crawl = crawl_as(client, officer)

    for canary in (programmes.sibling, programmes.cousin):
        assert set(crawl.leaks(canary.strings)) == set(canary.strings)
    counts = crawl.row_counts
    assert counts["members.CareProgramme"] == 4
    assert counts["members.ProgrammeEligibility"] == 6
    assert counts["members.ProgrammeDelivery"] == 3
    assert counts["members.ConsultationRequest"] == 3


# The audit trail and data-rights requests -------------------------------------


@pytest.fixture
def privacy_canaries(tree):
    """Audit events and a data-rights request of the sibling unit and its staff."""
    from members.models import AuditEvent
    from members.services.audit import audit_record
    from members.services.data_rights import data_rights_request_submit

    action = AuditEvent.Action
    events = [
        audit_record(
            actor=tree.sibling_officer,
            action=action.VIEW,
            obj=tree.sibling.member,
            detail={"page": "Canary Audit Sibling View"},
        ),
        audit_record(
            actor=tree.sibling_officer,
            action=action.EXPORT,
            detail={"export": "Canary Audit Sibling Export"},
        ),
    ]
    request = data_rights_request_submit(
        member=tree.sibling.member,
        kind="correction",
        details="Canary Rights Sibling",
        actor=tree.sibling.account,
    )
    strings = {
        "audit view": "Canary Audit Sibling View",
        "audit export": "Canary Audit Sibling Export",
        "rights request": "Canary Rights Sibling",
    }
    return [*events, request], strings


def test_grassroots_staff_never_see_the_sibling_units_audit_trail_or_requests(
    client, tree, privacy_canaries, all_permissions
):
    objects, strings = privacy_canaries
    officer = tree.grassroots_officer
    officer.groups.add(all_permissions)

    crawl = crawl_as(client, officer, out_of_scope=objects)

    assert crawl.leaks(strings) == {}
    assert crawl.leaks(tree.sibling.strings) == {}
    assert crawl.opened == []
    assert_crawl_covers_every_admin(crawl)
    # Not vacuous: the officer's own unit's trail shows (their role, their views).
    assert crawl.row_counts["members.AuditEvent"] > 0
    assert crawl.row_counts["members.DataRightsRequest"] == 0


def test_sector_staff_see_the_privacy_canaries_so_the_crawler_can_see_a_leak(
    client, tree, privacy_canaries, all_permissions
):
    _objects, strings = privacy_canaries
    officer = tree.sector_officer
    officer.groups.add(all_permissions)

    crawl = crawl_as(client, officer)

    assert set(crawl.leaks(strings)) == set(strings)
    assert crawl.row_counts["members.DataRightsRequest"] == 1
