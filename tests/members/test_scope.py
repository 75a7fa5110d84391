"""The scope crawler: staff visit every admin surface; out-of-scope data never shows.

The crawler finds the surfaces itself (tests/members/scope_crawler.py): the
admins in every mounted AdminSite's registry, the id-taking pages by walking
the URL resolver, so an admin or page added later is crawled and probed
without touching this file. Staff visit changelists (plain, searched,
filtered, as raw-id popups), every page of a few listed objects, add pages,
the admins' own views, exports and autocompletes; they open and post every
per-object page with out-of-scope ids, post every action with out-of-scope
ids selected, and post every form with a foreign key set to an out-of-scope
row. A member opens every id-taking portal page with other members' ids.
Staff get every permission: only the scope stands between them and the
canaries (tests/members/factories_scope.py), records of a sibling unit and of
the other upper-grassroots union.

The world is built once for the module and each test's writes are rolled
back; each user's crawl is made once and read by the tests that need it.
"""

import re
import sys
import types
from contextlib import contextmanager

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin import AdminSite
from django.db import transaction
from django.test import override_settings
from django.urls import clear_url_caches, path, reverse

from members.models import CareCase, Relative, User
from members.scope import scoped
from tests.conftest import vi_text
from tests.members.factories import make_member
from tests.members.factories_scope import ScopeWorld, make_scope_world
from tests.members.scope_crawler import (
    AdminCrawler,
    Browser,
    Crawl,
    RegisteredAdmin,
    admin_request,
    admin_rows,
    crawl_admins,
    registered_admins,
    rolled_back,
    text_of,
)
from tests.members.scope_probes import (
    Findings,
    Reach,
    coverage_gaps,
    probe_actions,
    probe_forms,
    probe_hidden_objects,
    probe_id_pages,
)

pytestmark = pytest.mark.django_db

MD5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> ScopeWorld:
    """The tree and its canaries, built once for the module, rolled back after it."""
    media = tmp_path_factory.mktemp("scope-media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=MD5, MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        yield make_scope_world()
        transaction.set_rollback(True)


class Runs:
    """Each user's crawl and probes, made once in the module and kept.

    Made by the first test that asks, on the world as built (each in a
    savepoint rolled back): a test that writes asks for none after writing.
    """

    def __init__(self, world: ScopeWorld):
        self.world = world
        self._done: dict = {}

    def _once(self, key, make):
        if key not in self._done:
            with rolled_back():
                self._done[key] = make()
        return self._done[key]

    def crawl(self, user, **options) -> Crawl:
        """Crawl every admin as ``user`` (options: see AdminCrawler)."""
        return self._once(("crawl", user.pk), lambda: crawl_admins(user, **options))

    def staff(self, user, *, beside=None) -> Findings:
        """Out-of-scope ids in per-object pages, actions, forms, other id pages.

        ``beside``: an officer already probed; only the admins where that
        officer reaches no row are probed again.
        """

        def probe():
            browser, findings = Browser(user), Findings()
            reach = Reach(user, staff=True)
            if beside is not None:
                reach.admins = [e for e in reach.admins if not admin_rows(e, beside)]
            secrets = self.secrets_of(user)
            probe_hidden_objects(browser, reach, findings)
            probe_actions(browser, reach, findings)
            probe_forms(browser, reach, findings)
            probe_id_pages(browser, reach, findings, secrets, staff=True)
            for label, urls in browser.crawl.leaks(secrets).items():
                findings.add("pages", [f"{label} shown on {urls}"])
            return findings

        return self._once(("staff", user.pk), probe)

    def officer(self, user) -> Findings:
        """The grassroots officer probes every admin; the upper officer the rest."""
        grassroots = self.world.tree.grassroots_officer
        if user == grassroots:
            return self.staff(user)
        return self.staff(user, beside=grassroots)

    def member(self, user) -> Findings:
        def probe():
            browser, findings = Browser(user), Findings()
            reach = Reach(user, staff=False)
            secrets = self.world.others_of_prober
            probe_id_pages(browser, reach, findings, secrets, staff=False)
            return findings

        return self._once(("member", user.pk), probe)

    def secrets_of(self, user) -> dict[str, str]:
        """What a grassroots or upper officer must never see."""
        world = self.world
        groups = {"cousin": world.cousin, "private": world.private}
        if user == world.tree.grassroots_officer:
            groups["sibling"] = world.sibling
        return {
            f"{group} {label}": text
            for group, strings in groups.items()
            for label, text in strings.items()
        }


@pytest.fixture(scope="module")
def runs(world) -> Runs:
    return Runs(world)


def crawl_as(client, user, *, out_of_scope=()) -> Crawl:
    """Crawl every admin as ``user``, then open ``out_of_scope`` objects' own pages.

    For test modules with canaries of their own: ``crawl.opened`` lists the
    objects' pages that answered other than "no such object".
    """
    with rolled_back():
        crawler = AdminCrawler(user, client=client)
        crawler.run()
        crawler.visit_out_of_scope(out_of_scope)
        return crawler.crawl


def assert_crawl_covers_every_admin(crawl: Crawl, user) -> None:
    """Every changelist was read, or refused to a user without its permission."""
    for entry in registered_admins():
        changelist = entry.url("changelist")
        if entry.model_admin.has_view_or_change_permission(admin_request(user)):
            assert crawl.statuses(changelist) == {200}, entry.label
            assert entry.key in crawl.row_counts, entry.label
        else:
            assert crawl.statuses(changelist) == {403}, entry.label


# What staff see ------------------------------------------------------------------


def test_grassroots_staff_never_see_the_sibling_units_or_the_other_unions_canaries(
    world, runs
):
    tree, programmes = world.tree, world.programmes
    crawl = runs.crawl(tree.grassroots_officer)

    assert crawl.leaks(world.sibling) == {}
    assert crawl.leaks(world.cousin) == {}
    assert crawl.leaks(world.private) == {}
    assert_crawl_covers_every_admin(crawl, tree.grassroots_officer)
    assert len(crawl.pages) > 200
    # Not vacuous: the officer's own unit shows everywhere it should.
    counts = crawl.row_counts
    assert counts["members.Member"] == 2
    assert counts["members.Relative"] == 2
    assert counts["members.CareCase"] == 2
    assert counts["members.Unit"] == 2
    assert counts["members.StaffRole"] == 1
    assert counts["members.User"] == 2  # the officer, and An's account
    assert counts["members.Transfer"] == 1
    assert counts["members.CareProgramme"] == 2
    assert counts["members.ProgrammeEligibility"] == 2
    assert counts["members.ProgrammeDelivery"] == 1
    assert counts["members.ProgrammeBudget"] == 1
    assert counts["members.ConsultationRequest"] == 1
    assert counts["members.DataRightsRequest"] == 1
    # Their own, and the notice that a transfer into their unit waits for them.
    assert counts["members.Notification"] == 2
    assert counts["members.AuditEvent"] > 0
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


def test_upper_staff_see_their_union_but_never_the_other_unions_canaries(world, runs):
    crawl = runs.crawl(world.tree.upper_officer, exempt_pages=False)

    assert crawl.leaks(world.cousin) == {}
    assert crawl.leaks(world.private) == {}
    assert_crawl_covers_every_admin(crawl, world.tree.upper_officer)
    # Both VNPT grassroots unions are theirs, the sibling canaries included.
    assert set(crawl.leaks(world.sibling)) == set(world.sibling)
    assert crawl.row_counts["members.Member"] == 4  # with the imported member
    assert crawl.row_counts["members.ImportRun"] == 1
    assert crawl.row_counts["members.ImportHeldRow"] == 1
    members = reverse("admin:members_member_changelist")
    assert f"{members}?q=canary" in crawl.showing(world.tree.sibling.member.full_name)


def test_sector_staff_see_every_canary_so_the_crawler_can_see_a_leak(world, runs):
    tree = world.tree
    # Only to show the crawler sees what is there: no filter or query variants.
    crawl = runs.crawl(tree.sector_officer, exempt_pages=False, variants=False)

    # Every cousin canary shows somewhere (the sibling's: in the upper test).
    assert set(crawl.leaks(world.cousin)) == set(world.cousin)
    assert crawl.leaks(world.private) == {}  # each person's own, not the sector's
    counts = crawl.row_counts
    assert counts["members.Member"] == len(tree.members) + 2  # two imported
    assert counts["members.CareProgramme"] == 4
    assert counts["members.ProgrammeEligibility"] == 6
    assert counts["members.ProgrammeDelivery"] == 3
    assert counts["members.ConsultationRequest"] == 3
    assert counts["members.DataRightsRequest"] == 3
    members = reverse("admin:members_member_changelist")
    for canary in (tree.sibling, tree.cousin):
        assert f"{members}?q=canary" in crawl.showing(canary.member.full_name)
        assert f"POST {members}export/" in crawl.showing(canary.member.national_id)


def test_staff_without_a_role_see_no_member_data(world, runs):
    crawl = runs.crawl(world.drifter, exempt_pages=False, variants=False)

    secrets = {}
    for member in world.tree.members:
        for value in (member.full_name, member.national_id, member.email):
            if value:
                secrets[value] = value
    for relative in Relative.objects.all():
        secrets[relative.full_name] = relative.full_name
    for case in CareCase.objects.all():
        secrets[case.summary] = case.summary
    for strings in (world.sibling, world.cousin, world.private):
        secrets.update(strings)
    assert crawl.leaks(secrets) == {}
    assert_crawl_covers_every_admin(crawl, world.drifter)
    for entry in registered_admins():
        if not entry.exempt:
            assert crawl.row_counts.get(entry.key, 0) == 0, entry.label


def test_member_without_staff_status_cannot_open_any_admin_page(world, client):
    tree = world.tree
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
        reverse("admin:autocomplete")
        + "?app_label=members&model_name=carecase&field_name=member&term=",
    ]
    for entry in registered_admins():
        urls += [entry.url("changelist"), entry.url("add")]
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in {403, 404} or response.redirect_chain, url
        body = text_of(response)
        assert member.full_name not in body, url
        assert tree.own_member.full_name not in body, url
        assert re.search(r"_selected_action|\"results\"", body) is None, url


# What staff can do with out-of-scope ids ------------------------------------------


@pytest.fixture(params=["grassroots_officer", "upper_officer"])
def officer(request, world) -> User:
    return getattr(world.tree, request.param)


def test_per_object_pages_answer_out_of_scope_ids_as_missing(runs, officer, world):
    """Opening or posting any per-object page of an out-of-scope row: 404 or refused."""
    findings = runs.officer(officer)

    problems = [
        p for p in findings.problems if "per-object" in p or "GET " in p or "POST " in p
    ]
    assert problems == []
    # Not vacuous: the grassroots officer probed every admin's pages; the
    # upper officer those of the admins where the grassroots one sees nothing.
    routes = findings.probed_routes
    if officer == world.tree.grassroots_officer:
        assert len(routes) > 70
        assert "admin/members/member/<path:object_id>/change/" in routes
        assert "admin/members/user/<id>/password/" in routes
    else:
        assert len(routes) > 10


def test_actions_posted_with_out_of_scope_ids_change_and_record_nothing_of_them(
    runs, world
):
    """Every action, with out-of-scope ids selected: their rows stay as they were.

    Nor is anything written about them: no audit event, no history entry, no
    notification (the probe fails on any new row pointing at a canary).
    """
    officer = world.tree.grassroots_officer
    findings = runs.officer(officer)
    upper = runs.officer(world.tree.upper_officer)

    assert [p for p in findings.problems + upper.problems if " action " in p] == []
    # Not vacuous: with a reachable id the actions do their work, and those
    # that ask first (are you sure, with what note) were answered.
    acted = {**findings.acted, **upper.acted}
    with_own = "(a reachable id and out-of-scope ids)"
    for action, answers_a_page in (
        ("CareCaseAdmin (members.CareCase) action close_cases", False),
        ("RelativeAdmin (members.Relative) action delete_selected", True),
    ):
        answered, wrote = acted[f"admin: {action} {with_own}"]
        assert answered == answers_a_page, action
        assert wrote > 0, action
    assert len(acted) > 40
    assert len([where for where, (_a, wrote) in acted.items() if wrote]) > 10
    assert len([where for where, (answered, _w) in acted.items() if answered]) > 5


def test_forms_refuse_foreign_keys_to_out_of_scope_rows(runs, world):
    """Each form posted with one foreign key set to an out-of-scope row refuses it.

    A member cannot be moved into the sibling unit, a relative linked to the
    other union's member, a unit moved under another union, and so on.
    """
    tree = world.tree
    findings = runs.officer(tree.grassroots_officer)
    upper = runs.officer(tree.upper_officer)

    assert [p for p in findings.problems + upper.problems if " with " in p] == []
    # Not vacuous: the register's forms were tampered with, with the nearest
    # canaries (the sibling unit's); every other form too (counted).
    tampered = "\n".join(findings.tampered)
    member = f"members.Member #{tree.sibling.member.pk}"
    unit = f"members.Unit #{tree.vnpt_hcm.pk}"
    own = tree.own_member.pk
    for what in (
        f"(members.Member) /admin/members/member/add/ with unit={unit}",
        f"(members.Member) /admin/members/member/{own}/change/ with read-only "
        f"unit={unit}",
        f"(members.Member) /admin/members/member/{own}/change/ with user=members.User",
        f"(members.Relative) /admin/members/relative/add/ with member={member}",
        f"(members.CareCase) /admin/members/carecase/add/ with member={member}",
        "(members.CareCase) /admin/members/carecase/add/ with relative=",
        f"(members.StaffRole) /admin/members/staffrole/add/ with unit={unit}",
        "(members.StaffRole) /admin/members/staffrole/add/ with user=",
        f"(members.Unit) /admin/members/unit/add/ with parent={unit}",
        "(account.EmailAddress) /admin/account/emailaddress/add/ with user=",
    ):
        assert what in tampered, what
    assert len(findings.tampered) > 40
    assert len(upper.tampered) > 5  # the imports' forms


def test_staff_pages_taking_ids_answer_out_of_scope_ids_as_missing(runs, officer):
    findings = runs.officer(officer)

    assert [p for p in findings.problems if "view_on_site" in p] == []
    assert "admin/r/<path:content_type_id>/<path:object_id>/" in findings.probed_routes


def test_no_probe_page_shows_what_the_officer_must_not_see(runs, officer):
    """The pages the probes opened and posted show no canary (a raw-id label...)."""
    findings = runs.officer(officer)

    assert [p for p in findings.problems if p.startswith("pages:")] == []


def test_staff_cannot_take_over_an_account_beyond_their_scope_by_its_addresses(
    world, client
):
    """The sector officer is a member of VNPT Hà Nội: its officer sees the account.

    An e-mail address added to it, or changed, would let a password reset hand
    the whole sector to a grassroots officer; the account admin refuses that
    (tests/members/test_register_admin.py), and so must the addresses' admin.
    """
    tree = world.tree
    chief = tree.sector_officer
    make_member(unit=tree.vnpt_hn, full_name=chief.name, user=chief)
    address = EmailAddress.objects.create(
        user=chief, email=chief.email, primary=True, verified=True
    )
    client.force_login(tree.grassroots_officer)
    change = reverse("admin:account_emailaddress_change", args=[address.pk])
    stolen = {"user": chief.pk, "email": "ke-gian@example.vn", "verified": "on"}

    assert client.post(change, {**stolen, "primary": "on"}).status_code == 403
    added = client.post(reverse("admin:account_emailaddress_add"), stolen)
    delete = reverse("admin:account_emailaddress_delete", args=[address.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403

    assert added.status_code == 200
    assert added.context["adminform"].form.errors["user"] == [
        vi_text("Only staff above this account may change its e-mail addresses.")
    ]
    addresses = EmailAddress.objects.filter(user=chief)
    assert list(addresses.values_list("email", "verified")) == [(chief.email, True)]
    # An account wholly in the officer's scope still takes a new address.
    mine = {"user": world.prober.pk, "email": "an.moi@example.vn", "verified": "on"}
    client.post(reverse("admin:account_emailaddress_add"), mine)
    assert world.prober.emailaddress_set.filter(email="an.moi@example.vn").exists()


# What members can open -----------------------------------------------------------


def test_a_person_reaches_their_own_account_in_the_portal_scope(world):
    """The account's scope is the row itself (``owner_path = "pk"``)."""
    prober = world.prober

    assert list(scoped(User.objects.all(), prober, portal=True)) == [prober]


def test_members_opening_other_members_ids_get_not_found_and_nothing_of_them(
    runs, world
):
    findings = runs.member(world.prober)

    assert findings.problems == []
    for name in (
        "members:relative_edit",
        "members:relative_delete",
        "members:notification_open",
        "members:consultation_cancel",
    ):
        assert name in findings.served, name


# Coverage --------------------------------------------------------------------------


def test_the_crawler_covers_every_admin_and_every_page_taking_an_id(runs, world):
    tree = world.tree
    gaps = coverage_gaps(
        officer=tree.grassroots_officer,
        drifter=world.drifter,
        staff_findings=runs.officer(tree.grassroots_officer),
        member_findings=runs.member(world.prober),
    )

    assert gaps == []


@contextmanager
def mounted(site: AdminSite):
    """Serve an AdminSite of a throwaway app beside the portal's URLs."""
    from unionportal import urls as portal_urls

    urlconf = types.ModuleType("throwaway_urls")
    urlconf.urlpatterns = [path(f"{site.name}/", site.urls), *portal_urls.urlpatterns]
    sys.modules[urlconf.__name__] = urlconf
    try:
        with override_settings(ROOT_URLCONF=urlconf.__name__):
            clear_url_caches()
            yield
    finally:
        clear_url_caches()
        del sys.modules[urlconf.__name__]


def test_the_crawler_names_a_new_unscoped_admin(world, runs):
    """A plain ModelAdmin of relatives, registered on another site, is reported."""
    site = AdminSite(name="throwaway")
    site.register(Relative)  # admin.ModelAdmin: no scope
    officer = world.tree.grassroots_officer
    staff, member = runs.officer(officer), runs.member(world.prober)

    with mounted(site):
        gaps = coverage_gaps(
            officer=officer,
            drifter=world.drifter,
            staff_findings=staff,
            member_findings=member,
        )
        entry = RegisteredAdmin(site, Relative, site.get_model_admin(Relative))
        crawl = crawl_admins(officer, [entry])

    name = "throwaway: ModelAdmin (members.Relative)"
    assert f"{name}: shows a grassroots officer every row of members.Relative" in (
        "\n".join(gaps)
    )
    assert f"{name}: shows rows to staff without a role" in gaps
    relatives = crawl.leaks(world.sibling)["relative name"]
    assert "/throwaway/members/relative/" in relatives
    # The portal's own admins are still covered.
    assert [gap for gap in gaps if not gap.startswith("throwaway")] == []
