"""The e-card: its QR code, and a public check that reveals nothing personal."""

import re
from datetime import date

import pytest
from django.urls import reverse

from members import services
from members.ecard import ecard_qr_svg, ecard_token
from members.models import Member, Unit
from members.services.accounts import activation_token
from tests.conftest import vi

pytestmark = pytest.mark.django_db

ECARD = "/the-doan-vien/"
NOW = "2025-03-10 08:00 +0700"
EXPIRY_SHOWN = "11/03/2025 08:00"
# One query for the user (the session is in the cache), one for the member,
# one for the menu's unread-notifications badge.
ECARD_QUERIES = 3
# Only the member and unit, in one query.
VERIFY_QUERIES = 1
QR_PATH = re.compile(r'<path class="qrline"[^>]* d="([^"]+)"')


@pytest.fixture
def member(db, make_user) -> Member:
    sector = services.unit_create(
        code="CDTTTT",
        name="Công đoàn Thông tin và Truyền thông Việt Nam",
        level=Unit.Level.SECTOR,
    )
    upper = services.unit_create(
        code="VTC",
        name="Công đoàn Tổng công ty VTC",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )
    grassroots = services.unit_create(
        code="VTC-01",
        name="Công đoàn cơ sở VTC Hải Phòng",
        level=Unit.Level.GRASSROOTS,
        parent=upper,
    )
    return services.member_create(
        unit=grassroots,
        employee_code="VTC00042",
        full_name="Phạm Quang Huy",
        date_of_birth=date(2001, 8, 9),
        gender=Member.Gender.MALE,
        national_id="031201004242",
        phone="0977 123 456",
        email="huy.pham@example.vn",
        union_joined_on=date(2023, 9, 1),
        card_number="CD0004242",
        user=make_user("huy.pham@example.vn", "Phạm Quang Huy"),
    )


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def verify(client, token):
    return client.get(reverse("members:ecard_verify", args=[token]))


def assert_reveals_nothing_personal(page: str, member: Member) -> None:
    for secret in (
        member.full_name,
        member.national_id,
        member.national_id[-4:],
        member.phone,
        member.email,
        member.card_number,
        member.employee_code,
    ):
        assert secret not in page, secret


def test_ecard_shows_the_card_and_an_inline_qr_of_the_verify_url(
    client, member, frozen, django_assert_num_queries
):
    client.force_login(member.user)

    with django_assert_num_queries(ECARD_QUERIES):
        page = client.get(ECARD).content.decode()

    for text in ("Phạm Quang Huy", "Công đoàn cơ sở VTC Hải Phòng", "CD0004242"):
        assert text in page
    assert "01/09/2023" in page
    assert EXPIRY_SHOWN in page
    assert re.search(r'<svg viewBox="0 0 \d+ \d+" class="segno">', page)
    assert "<img" not in page.split("<main", 1)[1]
    # The clock is frozen, so the page's token is the one issued now.
    url = "http://testserver" + reverse(
        "members:ecard_verify", args=[ecard_token(member)]
    )
    assert QR_PATH.findall(page) == QR_PATH.findall(ecard_qr_svg(url))


def test_card_of_a_member_who_left_shows_no_qr(client, member):
    member.status = Member.Status.LEFT
    services.member_save(member=member)
    client.force_login(member.user)

    page = client.get(ECARD).content.decode()

    assert 'class="segno"' not in page
    assert "ecard-qr" not in page
    assert "Đã thôi sinh hoạt" in page


def test_fresh_token_verifies_with_unit_and_expiry_only(
    client, member, frozen, django_assert_num_queries
):
    token = ecard_token(member)

    with django_assert_num_queries(VERIFY_QUERIES):
        response = verify(client, token)

    page = response.content.decode()
    assert response.status_code == 200
    assert vi("Valid union card") in page
    assert "Công đoàn cơ sở VTC Hải Phòng" in page
    assert EXPIRY_SHOWN in page
    assert_reveals_nothing_personal(page, member)
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex' in page


@pytest.mark.parametrize(
    "status",
    [
        Member.Status.LEFT,
        Member.Status.RETIRED,
        Member.Status.TRANSFERRED,
        Member.Status.DUES_EXEMPT,
    ],
)
def test_card_becomes_invalid_as_soon_as_the_member_is_not_active(
    client, member, status
):
    token = ecard_token(member)
    assert vi("Valid union card") in verify(client, token).content.decode()

    member.status = status
    services.member_save(member=member)
    page = verify(client, token).content.decode()

    assert vi("Invalid union card") in page
    assert "Công đoàn cơ sở VTC Hải Phòng" not in page
    assert_reveals_nothing_personal(page, member)


def test_expired_token_is_invalid(client, member, frozen):
    token = ecard_token(member)

    frozen.move_to("2025-03-11 07:59 +0700", tick=False)
    assert vi("Valid union card") in verify(client, token).content.decode()
    frozen.move_to("2025-03-11 08:00:01 +0700", tick=False)
    page = verify(client, token).content.decode()

    assert vi("Invalid union card") in page
    assert EXPIRY_SHOWN not in page


def test_expiry_follows_the_setting(client, member, frozen, settings):
    settings.ECARD_TOKEN_MAX_AGE = 600
    token = ecard_token(member)
    assert "10/03/2025 08:10" in verify(client, token).content.decode()

    frozen.move_to("2025-03-10 08:10:01 +0700", tick=False)

    assert vi("Invalid union card") in verify(client, token).content.decode()


@pytest.mark.parametrize("part", [0, 1, 2], ids=["payload", "timestamp", "signature"])
def test_tampered_token_is_invalid(client, member, part):
    parts = ecard_token(member).split(":")
    parts[part] = ("A" if parts[part][0] != "A" else "B") + parts[part][1:]

    response = verify(client, ":".join(parts))

    page = response.content.decode()
    assert vi("Invalid union card") in page
    assert "Công đoàn cơ sở VTC Hải Phòng" not in page
    assert "no-store" in response["Cache-Control"]


def test_another_signed_token_is_no_card(client, member):
    page = verify(client, activation_token(member)).content.decode()
    assert vi("Invalid union card") in page
    assert_reveals_nothing_personal(page, member)


def test_garbage_token_is_invalid(client, db):
    response = verify(client, "not-a-token")
    assert response.status_code == 200
    assert vi("Invalid union card") in response.content.decode()
