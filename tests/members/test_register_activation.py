"""Activation: only a register e-mail opens an account, once, through a fresh link."""

import re
from datetime import date

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from members import services
from members.models import Member, Unit, User
from members.services.accounts import REFUSALS
from tests.conftest import PASSWORD, vi

pytestmark = pytest.mark.django_db

ACTIVATE = "/kich-hoat/"
SENT = "/kich-hoat/da-gui/"
LINK = re.compile(r"https?://testserver(/kich-hoat/[^/\s]+/)")
NEW_PASSWORD = "Hoa-chon-mat-khau-2025"
EMAIL = "hoa.nguyen@example.vn"


def refusal_vi(code: str) -> str:
    """Return why an activation link was refused, as the Vietnamese page says it."""
    with translation.override("vi"):
        return escape(str(REFUSALS[code]))


@pytest.fixture
def grassroots(db) -> Unit:
    sector = services.unit_create(
        code="CDTTTT",
        name="Công đoàn Thông tin và Truyền thông Việt Nam",
        level=Unit.Level.SECTOR,
    )
    upper = services.unit_create(
        code="VNPT",
        name="Công đoàn Tập đoàn VNPT",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )
    return services.unit_create(
        code="VNPT-01",
        name="Công đoàn cơ sở VNPT Hà Nội",
        level=Unit.Level.GRASSROOTS,
        parent=upper,
    )


@pytest.fixture
def make_member(grassroots):
    def make(code="VNPT00001", email=EMAIL, **fields) -> Member:
        defaults = {
            "full_name": "Nguyễn Thị Hoa",
            "date_of_birth": date(1990, 5, 17),
            "gender": Member.Gender.FEMALE,
            "national_id": "001190012345",
            "phone": "0912 345 678",
        }
        return services.member_create(
            unit=grassroots, employee_code=code, email=email, **{**defaults, **fields}
        )

    return make


@pytest.fixture
def member(make_member) -> Member:
    return make_member()


def request_link(client, email, task_queue) -> str:
    """Ask for a link, then let the worker run what the request queued."""
    with task_queue.committing():
        response = client.post(ACTIVATE, {"email": email})
    assert response.status_code == 302
    assert response.url == SENT
    task_queue.work()
    return client.get(SENT).content.decode()


def link_of(mailoutbox) -> str:
    assert len(mailoutbox) == 1
    return LINK.search(mailoutbox[0].body).group(1)


def activate(client, path, password=NEW_PASSWORD):
    return client.post(path, {"password1": password, "password2": password})


def test_imported_member_has_no_account_until_they_choose_a_password(member):
    assert member.user is None
    assert not User.objects.filter(email__iexact=member.email).exists()


def test_activation_page_is_open_to_anyone_and_vietnamese(client):
    page = client.get(ACTIVATE).content.decode()
    assert '<html lang="vi">' in page
    assert vi("Activate your account") in page
    assert 'name="email"' in page


def test_login_page_link_points_to_activation():
    with translation.override("vi"):
        snippet = render_to_string("members/register/activation_link.html")
    assert f'href="{reverse("members:activate")}"' in snippet
    assert vi("First time here? Activate your account") in snippet


def test_register_member_activates_through_the_emailed_link(
    client, member, mailoutbox, task_queue
):
    page = request_link(client, "  Hoa.Nguyen@Example.VN ", task_queue)
    assert vi("Check your e-mail") in page

    message = mailoutbox[0]
    assert message.to == [EMAIL]
    assert message.subject.startswith("[Công đoàn] ")
    assert vi("Activate your union portal account") in escape(message.subject)
    assert "Nguyễn Thị Hoa" in message.body
    path = link_of(mailoutbox)

    form = client.get(path)
    assert form.status_code == 200
    assert 'name="password1"' in form.content.decode()
    assert EMAIL in form.content.decode()
    assert not User.objects.exists()

    response = activate(client, path)

    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    user = User.objects.get()
    assert (user.email, user.name) == (EMAIL, "Nguyễn Thị Hoa")
    assert user.check_password(NEW_PASSWORD)
    assert user.emailaddress_set.filter(email=EMAIL, verified=True, primary=True)
    member.refresh_from_db()
    assert member.user == user
    assert client.session["_auth_user_id"] == str(user.pk)
    home = client.get("/").content.decode()
    assert "Xin chào, Hoa" in home
    assert "Công đoàn cơ sở VNPT Hà Nội" in home

    client.logout()
    login = client.post(
        reverse("account_login"), {"login": EMAIL, "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    "case",
    [
        "unknown e-mail",
        "member with an account",
        "member who left",
        "e-mail of an unlinked account",
    ],
)
def test_no_link_for_anyone_but_an_active_register_member_without_account(
    client, make_member, make_user, mailoutbox, task_queue, case
):
    if case == "member with an account":
        make_member(user=make_user(EMAIL, "Nguyễn Thị Hoa"))
    elif case == "member who left":
        make_member(status=Member.Status.LEFT)
    elif case == "e-mail of an unlinked account":
        make_member()
        make_user(EMAIL.upper(), "Nguyễn Thị Hoa (cán bộ)")
    users_before = User.objects.count()

    email = "la@example.vn" if case == "unknown e-mail" else EMAIL

    page = request_link(client, email, task_queue)

    assert mailoutbox == []
    assert User.objects.count() == users_before
    assert vi("Check your e-mail") in page


def test_request_sends_nothing_itself_and_does_the_same_work_for_any_email(
    client, member, mailoutbox, task_queue
):
    """The register is not revealed by timing: the look-up and e-mail run later.

    Both requests run the same queries and queue the same task; no e-mail
    leaves while the request runs, even once its transaction has committed.
    """
    work = []
    for email in (EMAIL, "la@example.vn"):
        published = len(task_queue.published)
        with CaptureQueriesContext(connection) as queries, task_queue.committing():
            response = client.post(ACTIVATE, {"email": email})
        assert response.status_code == 302
        assert mailoutbox == []
        messages = task_queue.published[published:]
        work.append((len(queries), [(m.task, sorted(m.kwargs)) for m in messages]))
    assert work[0] == work[1]
    assert work[0][1], "the e-mail is handed to a task"

    task_queue.work()
    assert [message.to for message in mailoutbox] == [[EMAIL]]


def test_answer_is_the_same_whether_or_not_the_email_is_in_the_register(
    client, member, mailoutbox, task_queue
):
    known = request_link(client, EMAIL, task_queue)
    unknown = request_link(client, "la@example.vn", task_queue)
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", known) == csrf.sub("", unknown)
    assert len(mailoutbox) == 1


def test_activation_link_cannot_be_used_twice(client, member, mailoutbox, task_queue):
    request_link(client, EMAIL, task_queue)
    path = link_of(mailoutbox)
    activate(client, path)
    client.logout()

    again = activate(client, path, password="Ke-khac-doi-mat-khau-99")

    assert again.status_code == 400
    assert vi("Activation not possible") in again.content.decode()
    assert User.objects.count() == 1
    assert User.objects.get().check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in client.session


def test_expired_link_is_refused(client, member, mailoutbox, task_queue, time_machine):
    time_machine.move_to("2025-03-10 08:00 +0700", tick=False)
    request_link(client, EMAIL, task_queue)
    path = link_of(mailoutbox)

    time_machine.move_to("2025-03-11 08:00:01 +0700", tick=False)
    page = client.get(path)
    response = activate(client, path)

    assert page.status_code == response.status_code == 400
    assert refusal_vi("expired") in response.content.decode()
    assert not User.objects.exists()


def test_link_just_inside_a_day_still_works(
    client, member, mailoutbox, task_queue, time_machine
):
    time_machine.move_to("2025-03-10 08:00 +0700", tick=False)
    request_link(client, EMAIL, task_queue)
    path = link_of(mailoutbox)
    time_machine.move_to("2025-03-11 07:59 +0700", tick=False)
    assert activate(client, path).status_code == 302
    assert User.objects.count() == 1


@pytest.mark.parametrize("index", [0, -3], ids=["payload", "signature"])
def test_tampered_link_is_refused(client, member, mailoutbox, task_queue, index):
    request_link(client, EMAIL, task_queue)
    token = list(link_of(mailoutbox).split("/")[2])
    token[index] = "A" if token[index] != "A" else "B"
    path = reverse("members:activate_confirm", args=["".join(token)])

    response = activate(client, path)

    assert response.status_code == 400
    assert refusal_vi("invalid") in response.content.decode()
    assert not User.objects.exists()
    member.refresh_from_db()
    assert member.user is None


def test_link_is_refused_once_the_member_is_no_longer_active(
    client, member, mailoutbox, task_queue
):
    request_link(client, EMAIL, task_queue)
    path = link_of(mailoutbox)
    member.status = Member.Status.RETIRED
    services.member_save(member=member)

    response = activate(client, path)

    assert response.status_code == 400
    assert not User.objects.exists()
    member.refresh_from_db()
    assert member.user is None


def test_weak_password_is_refused_and_nothing_is_written(
    client, member, mailoutbox, task_queue
):
    request_link(client, EMAIL, task_queue)
    path = link_of(mailoutbox)

    response = activate(client, path, password="12345678")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Mật khẩu này quá phổ biến." in page
    assert "Mật khẩu này hoàn toàn là số." in page
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_mismatched_passwords_are_refused(client, member, mailoutbox, task_queue):
    request_link(client, EMAIL, task_queue)
    response = client.post(
        link_of(mailoutbox), {"password1": NEW_PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 200
    assert not User.objects.exists()
