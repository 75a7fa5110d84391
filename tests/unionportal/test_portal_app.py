"""The portal as an app: the tab bar, the "more" page and the account menu."""

from contextlib import contextmanager
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse

from members.models import Member
from members.services.notifications import notify
from tests.conftest import vi_text as vi
from tests.members.factories import make_account, make_member, make_unit
from unionportal.navigation import TAB_LIMIT, nav_items, nav_split

pytestmark = pytest.mark.django_db

HOME, INBOX, ECARD, MORE = "/", "/thong-bao/", "/the-doan-vien/", "/them/"


class Links(HTMLParser):
    """The links (href, text, attributes) inside the element with a CSS class."""

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class = css_class
        self.depth = 0
        self.links: list[dict] = []
        self.summaries: list[dict] = []
        self._summary: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth:
            self.depth += tag not in {"img", "br", "input", "use", "path"}
        elif self.css_class in (attributes.get("class") or "").split():
            self.depth = 1
        if self.depth and tag == "a":
            self.links.append({"text": "", **attributes})
        if tag == "summary":
            self._summary = {"attrs": attributes, "text": ""}

    def handle_endtag(self, tag):
        if tag == "summary" and self._summary is not None:
            self.summaries.append(self._summary)
            self._summary = None
        if self.depth and tag not in {"img", "br", "input", "use", "path"}:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.links:
            self.links[-1]["text"] += data
        if self._summary is not None:
            self._summary["text"] += data


def links_in(page: str, css_class: str) -> list[dict]:
    parser = Links(css_class)
    parser.feed(page)
    for link in parser.links:
        link["text"] = " ".join(link["text"].split())
    return parser.links


def summaries_of(page: str) -> list[dict]:
    parser = Links("-")
    parser.feed(page)
    return parser.summaries


@pytest.fixture
def member(make_user) -> Member:
    sector = make_unit(code="CDTTTT", name="Công đoàn TT&TT", level="sector")
    unit = make_unit(
        code="VNPT-01",
        name="CĐCS VNPT Hà Nội",
        level="grassroots",
        parent=sector,
        is_employer=True,
    )
    member = make_member(
        unit=unit,
        full_name="Nguyễn Thị Hoa",
        gender=Member.Gender.FEMALE,
        email="hoa.nguyen@example.vn",
    )
    make_account(member)
    member.refresh_from_db()
    return member


@contextmanager
def declared(label: str, entries: list[dict]):
    """Let an installed app declare these navigation entries for a while."""
    config = apps.get_app_config(label)
    original = getattr(config, "portal_nav", [])
    config.portal_nav = entries
    try:
        yield
    finally:
        config.portal_nav = original


def test_a_members_tab_bar_is_home_notifications_card_and_more(client, member):
    notify(
        recipient=member.user,
        kind="test.message",
        dedupe_key="tab-bar:1",
        title="Họp công đoàn",
    )
    client.force_login(member.user)

    page = client.get("/").content.decode()

    tabs = links_in(page, "portal-tabs")
    assert [tab["href"] for tab in tabs] == [HOME, INBOX, ECARD, MORE]
    assert tabs[0]["aria-current"] == "page"
    assert tabs[1]["text"].startswith(vi("Notifications"))
    assert "1" in tabs[1]["text"]
    assert tabs[3]["text"] == vi("More")
    # The wide screen's menu keeps every destination, the badge too.
    top = [link["href"] for link in links_in(page, "portal-nav")]
    assert top[:3] == [HOME, INBOX, reverse("members:profile")]
    assert set(top) >= {ECARD, reverse("members:relatives"), reverse("members:my_data")}
    assert MORE not in top


def test_a_learning_tab_takes_its_declared_place_and_five_is_the_most(member):
    learning = {
        "url_name": "portal:offline",  # stands in for learning's page, built later
        "label": "Học tập",
        "icon": "book",
        "order": 3,
        "tab": True,
    }
    extra = [
        {"url_name": "members:activate", "label": "Thêm 1", "order": 8, "tab": True},
        {"url_name": "account_login", "label": "Thêm 2", "order": 12, "tab": True},
    ]
    with declared("learning", [learning, *extra]):
        tabs, more = nav_split(nav_items(user=member.user))

    assert TAB_LIMIT == 4
    assert [tab.url_name for tab in tabs] == [
        "portal:home",
        "portal:offline",
        "members:inbox",
        "members:activate",
    ]
    # Tabs past the fourth wait under "more", in their order.
    names = [item.url_name for item in more]
    assert names[:3] == ["members:profile", "account_login", "members:ecard"]


def test_the_more_page_lists_what_the_tab_bar_leaves_out(client, member):
    client.force_login(member.user)

    response = client.get(MORE)

    page = response.content.decode()
    listed = [link["href"] for link in links_in(page, "portal-more")]
    for name in ("profile", "relatives", "programmes", "consultations", "my_data"):
        assert reverse(f"members:{name}") in listed, name
    assert reverse("members:notification_settings") in listed
    assert reverse("account_change_password") in listed
    assert HOME not in listed
    assert INBOX not in listed
    assert reverse("admin:index") not in listed
    assert vi("Log out") in page
    tabs = links_in(page, "portal-tabs")
    assert [tab["href"] for tab in tabs if tab.get("aria-current")] == [MORE]


def test_a_page_under_more_marks_the_more_tab_current(client, member):
    client.force_login(member.user)

    page = client.get(reverse("members:relative_add")).content.decode()

    tabs = links_in(page, "portal-tabs")
    assert [tab["href"] for tab in tabs if tab.get("aria-current")] == [MORE]


def test_the_account_menu_is_named_by_what_it_shows(client, member):
    client.force_login(member.user)

    page = client.get("/").content.decode()

    (summary,) = summaries_of(page)
    # An aria-label would replace the visible name for screen readers (axe's
    # label-content-name-mismatch); the hidden word only adds to it.
    assert "aria-label" not in summary["attrs"]
    assert member.user.get_short_name() in summary["text"]
    assert vi("Account") in summary["text"]


def test_anonymous_pages_have_no_tab_bar(client):
    page = client.get(reverse("account_login")).content.decode()

    assert links_in(page, "portal-tabs") == []
