"""Login throttling: the lock of one account from one address, rate limits, no leaks."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from tests.conftest import vi
from tests.security.conftest import login, page_text

pytestmark = pytest.mark.django_db
LIMIT = settings.AXES_FAILURE_LIMIT
COOL_OFF = settings.AXES_COOLOFF_TIME
START = "2025-06-02 09:00 +0700"
LOCKED_MESSAGE = (
    "Too many failed sign-in attempts for this e-mail address from your "
    "network. Try again in %(minutes)s minutes."
)


def fail(client, email, times, **kwargs):
    return [login(client, email, "mat-khau-sai", **kwargs) for _ in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def expect_locked(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="login-locked"' in page
    assert vi(LOCKED_MESSAGE) % {"minutes": 15} in page
    assert '<html lang="vi">' in page


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def test_failures_lock_the_account_from_that_address_until_the_cool_off(
    client, member_user, password, frozen
):
    responses = fail(client, member_user.email, LIMIT - 1)
    assert {r.status_code for r in responses} == {200}

    expect_locked(fail(client, member_user.email, 1)[0])
    frozen.shift(COOL_OFF - timedelta(minutes=1))
    expect_locked(login(client, member_user.email, password))
    assert not signed_in(client)

    # A refused try does not move the cool-off: it ends 15 minutes after the
    # failure that locked, and then the right password works.
    frozen.shift(timedelta(minutes=1, seconds=1))
    response = login(client, member_user.email, password)
    assert response.status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.exists()


def test_hammering_during_the_lock_does_not_extend_it(
    client, member_user, password, frozen
):
    """Neither axes' lock nor allauth's counters move with refused tries.

    Two tries a minute for 14 minutes: past 20 tries allauth's own limit of
    one account from one address answers (a form error) instead of axes' page.
    """
    fail(client, member_user.email, LIMIT)
    for _minute in range(14):
        frozen.shift(timedelta(minutes=1))
        for response in (
            fail(client, member_user.email, 1)[0],
            login(client, member_user.email, password),
        ):
            assert response.status_code in {200, 429}
            assert not signed_in(client)
    frozen.shift(timedelta(minutes=1, seconds=1))
    assert login(client, member_user.email, password).status_code == 302
    assert signed_in(client)


def test_failures_spread_over_addresses_do_not_lock_the_owner_out(
    member_user, password
):
    """25 failures from 5 addresses; the owner still signs in from a sixth."""
    attackers = [f"203.0.113.{host}" for host in range(21, 26)]
    for ip in attackers:
        responses = fail(Client(), member_user.email, LIMIT, ip=ip)
        assert responses[-1].status_code == 429
    # The attacker keeps hammering from the locked addresses, right password too.
    for ip in attackers:
        expect_locked(login(Client(), member_user.email, password, ip=ip))
        expect_locked(fail(Client(), member_user.email, 1, ip=ip)[0])

    owner = Client()
    response = login(owner, member_user.email, password, ip="198.51.100.20")
    assert response.status_code == 302
    assert signed_in(owner)


def test_owner_signs_in_by_emailed_code_at_a_locked_address(member_user, mailoutbox):
    ip = "203.0.113.21"
    fail(Client(), member_user.email, LIMIT, ip=ip)
    owner = Client()
    owner.post(
        reverse("account_request_login_code"),
        {"email": member_user.email},
        REMOTE_ADDR=ip,
    )
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mailoutbox[0].body, re.M)
    response = owner.post(
        reverse("account_confirm_login_code"), {"code": code.group(1)}, REMOTE_ADDR=ip
    )
    assert response.status_code == 302
    assert signed_in(owner)


def test_address_throttle_ends_a_minute_after_it_began_despite_retries(
    member_user, password, frozen
):
    """allauth's 10 failures a minute per address: refused tries are not counted."""
    client = Client()
    for number in range(10):
        login(client, f"khongco{number}@example.vn", "mat-khau-sai")
    too_many = vi("Too many failed login attempts. Try again later.")
    for _ in range(5):
        frozen.shift(timedelta(seconds=10))
        response = login(client, member_user.email, password)
        assert too_many in response.content.decode()
        assert not signed_in(client)
    frozen.shift(timedelta(seconds=11))
    assert login(client, member_user.email, password).status_code == 302
    assert signed_in(client)


def test_lock_holds_only_for_that_account_and_that_address(
    make_user, member_user, password, frozen
):
    other = make_user("khac@example.vn", "Đỗ Văn Khác")
    attacker = Client()
    fail(attacker, member_user.email, LIMIT)
    expect_locked(login(attacker, member_user.email, password))

    # The member at another address, and another account at the attacker's
    # address, still sign in: nobody can lock a member out from afar.
    member = Client()
    response = login(member, member_user.email, password, ip="198.51.100.20")
    assert response.status_code == 302
    assert signed_in(member)
    assert login(attacker, other.email, password).status_code == 302
    assert signed_in(attacker)


def test_email_case_and_spaces_do_not_make_a_new_counter(client, member_user, password):
    email = member_user.email
    variants = [email.upper(), f" {email} ", "DoanVien@example.vn", email, email]
    for variant in variants[:LIMIT]:
        login(client, variant, "mat-khau-sai")
    expect_locked(login(client, member_user.email, password))


def test_spoofed_forwarded_for_without_a_proxy_does_not_reset_the_counter(
    client, member_user, password
):
    for attempt in range(LIMIT):
        login(
            client,
            member_user.email,
            "mat-khau-sai",
            HTTP_X_FORWARDED_FOR=f"10.0.{attempt}.{attempt + 1}",
        )
    expect_locked(
        login(client, member_user.email, password, HTTP_X_FORWARDED_FOR="10.9.9.9")
    )


def test_spoofed_forwarded_for_behind_the_proxy_does_not_reset_the_counter(
    client, member_user, password, settings
):
    """The proxy appends the address it saw; what the client wrote comes first."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"ip": "10.0.0.2"}
    for attempt in range(LIMIT):
        spoofed = f"192.0.2.{attempt + 1}, 198.51.100.{attempt + 1}"
        login(
            client,
            member_user.email,
            "mat-khau-sai",
            HTTP_X_FORWARDED_FOR=f"{spoofed}, 203.0.113.77",
            **proxy,
        )
    forwarded = "192.0.2.200, 203.0.113.77"
    response = login(
        client, member_user.email, password, HTTP_X_FORWARDED_FOR=forwarded, **proxy
    )
    expect_locked(response)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.77"

    # Another client behind the same proxy is another address.
    other = Client()
    forwarded = "203.0.113.78"
    response = login(
        other, member_user.email, password, HTTP_X_FORWARDED_FOR=forwarded, **proxy
    )
    assert response.status_code == 302


def test_ipv6_addresses_of_one_network_share_a_counter(client, member_user, password):
    for host in range(1, LIMIT + 1):
        login(client, member_user.email, "mat-khau-sai", ip=f"2001:db8:1:2::{host}")
    expect_locked(login(client, member_user.email, password, ip="2001:db8:1:2::ff"))


def test_unknown_and_known_accounts_fail_and_lock_alike(member_user):
    unknown, known = Client(), Client()
    ghost = "khongco@example.vn"
    # Two addresses, so that allauth's per-address limit does not answer first.
    for attempt in range(LIMIT + 1):
        left = login(unknown, ghost, "mat-khau-sai", ip="203.0.113.11")
        right = login(known, member_user.email, "mat-khau-sai", ip="203.0.113.12")
        assert left.status_code == right.status_code, attempt
        assert page_text(left, ghost) == page_text(right, member_user.email), attempt
    assert left.status_code == 429


def test_password_reset_answers_alike_for_unknown_and_known_emails(
    member_user, mailoutbox
):
    ghost = "khongco@example.vn"
    pages = []
    for email in (ghost, member_user.email):
        client = Client()
        response = client.post(reverse("account_reset_password"), {"email": email})
        assert response.status_code == 302
        done = client.get(response.url)
        pages.append((response.url, page_text(done, email)))
    assert pages[0] == pages[1]
    # Only the member gets a reset link; the unknown address gets no link.
    assert [m.to for m in mailoutbox if "/password/reset/key/" in m.body] == [
        [member_user.email]
    ]


def test_code_login_answers_alike_for_unknown_and_known_emails(member_user):
    ghost = "khongco@example.vn"
    pages = []
    for email in (ghost, member_user.email):
        client = Client()
        response = client.post(reverse("account_request_login_code"), {"email": email})
        assert response.status_code == 302
        confirm = client.get(response.url)
        wrong = client.post(response.url, {"code": "ABCD-EFGH"})
        pages.append(
            (
                response.url,
                page_text(confirm, email),
                wrong.status_code,
                page_text(wrong, email),
            )
        )
    assert pages[0] == pages[1]


def test_code_requests_are_limited_per_email_alike(member_user):
    ghost = "khongco@example.vn"
    answers = []
    url = reverse("account_request_login_code")
    for email in (ghost, member_user.email):
        responses = [Client().post(url, {"email": email}) for _ in range(4)]
        answers.append([(r.status_code, page_text(r, email)) for r in responses])
    assert answers[0] == answers[1]
    last_status, last_page = answers[1][-1]
    assert last_status == 200
    assert vi("Too many failed login attempts. Try again later.") in last_page


def test_password_resets_are_limited_per_email_in_vietnamese(member_user):
    client = Client()
    url = reverse("account_reset_password")
    statuses = [
        client.post(url, {"email": member_user.email}).status_code for _ in range(5)
    ]
    assert statuses == [302] * 5
    response = client.post(url, {"email": member_user.email})
    assert response.status_code == 429
    page = response.content.decode()
    assert vi("Too many requests") in page
    assert '<html lang="vi">' in page


def test_admin_login_form_is_the_throttled_portal_login(client, superuser, password):
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": superuser.email, "password": password},
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not signed_in(client)

    for _ in range(LIMIT):
        client.post(
            f"{reverse('account_login')}?next=/admin/",
            {"login": superuser.email, "password": "mat-khau-sai"},
            REMOTE_ADDR="203.0.113.10",
        )
    expect_locked(login(client, superuser.email, password))
    assert client.get("/admin/").status_code == 302


def test_locked_address_cannot_authenticate_by_any_path(member_user, password):
    """The lock sits on authenticate(), so no other login view can bypass it."""
    client = Client()
    fail(client, member_user.email, LIMIT)
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="203.0.113.10")
    assert authenticate(request, email=member_user.email, password=password) is None
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="198.51.100.30")
    assert authenticate(request, email=member_user.email, password=password)


def test_lockout_page_is_not_stored_and_names_no_account(client, member_user):
    response = fail(client, member_user.email, LIMIT)[-1]
    assert response.status_code == 429
    assert member_user.email not in response.content.decode()
    assert not re.search(r"Trần Thị Bình", response.content.decode())
