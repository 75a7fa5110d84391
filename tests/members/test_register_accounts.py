"""Accounts: password and code logins, closed signup, the throttled admin login."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from members.models import User
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.M)
RESET_LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+")


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_member_logs_in_with_email_and_password(client, member_user, password):
    response = login(client, "DoanVien@Example.VN", password)
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert client.session["_auth_user_id"] == str(member_user.pk)


def test_wrong_password_is_refused_in_vietnamese(client, member_user):
    response = login(client, member_user.email, "sai-mat-khau")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "không đúng" in response.content.decode()


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, member_user):
    unknown = login(client, "khongco@example.vn", "sai-mat-khau").content.decode()
    known = login(client, member_user.email, "sai-mat-khau").content.decode()
    pattern = re.compile(r'<ul class="errorlist[^"]*">.*?</ul>', re.S)
    assert pattern.findall(unknown) == pattern.findall(known) != []


def test_member_logs_in_with_a_code_sent_by_email(client, member_user, mailoutbox):
    response = client.post(
        reverse("account_request_login_code"), {"email": member_user.email}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_confirm_login_code")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [member_user.email]
    assert message.subject.startswith("[Công đoàn]")
    assert settings.PORTAL_NAME in message.body
    code = CODE.search(message.body).group(1)

    assert "_auth_user_id" not in client.session
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member_user.pk)


def test_wrong_code_does_not_log_in(client, member_user, mailoutbox):
    client.post(reverse("account_request_login_code"), {"email": member_user.email})
    response = client.post(reverse("account_confirm_login_code"), {"code": "XXXXXX"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_code_request_for_unknown_email_sends_nothing_to_anyone(client, mailoutbox):
    response = client.post(
        reverse("account_request_login_code"), {"email": "khongco@example.vn"}
    )
    assert response.status_code == 302
    codes = [m for m in mailoutbox if CODE.search(m.body)]
    assert codes == []
    assert not User.objects.filter(email="khongco@example.vn").exists()


def test_public_signup_is_closed(client):
    page = client.get(reverse("account_signup"))
    assert "Đã đóng đăng ký" in page.content.decode()
    assert 'name="password1"' not in page.content.decode()
    client.post(
        reverse("account_signup"),
        {
            "email": "nguoila@example.vn",
            "password1": "Mot-mat-khau-dai-2024",
            "password2": "Mot-mat-khau-dai-2024",
        },
    )
    assert not User.objects.filter(email="nguoila@example.vn").exists()


def test_logout_ends_the_session(client, member_user):
    client.force_login(member_user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_that_sets_a_new_password(
    client, member_user, mailoutbox
):
    client.post(reverse("account_reset_password"), {"email": member_user.email})
    assert len(mailoutbox) == 1
    link = RESET_LINK.search(mailoutbox[0].body)
    assert link, mailoutbox[0].body
    path = link.group(0).split("testserver", 1)[1]
    response = client.get(path, follow=True)
    new = "Mat-khau-moi-an-toan-2025"
    client.post(
        response.redirect_chain[-1][0] if response.redirect_chain else path,
        {"password1": new, "password2": new},
    )
    member_user.refresh_from_db()
    assert member_user.check_password(new)


def test_admin_login_goes_through_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "next=%2Fadmin%2F" in response.url


def test_failed_logins_are_throttled_even_with_the_right_password(
    client, superuser, password
):
    for _attempt in range(5):
        login(client, superuser.email, "doan-sai")
    response = login(client, superuser.email, password)
    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 429}
    assert "quá nhiều" in response.content.decode().lower()


def test_member_without_staff_flag_cannot_open_the_admin(client, member_user):
    client.force_login(member_user)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


def test_staff_reaches_the_admin_after_login(client, superuser, password):
    response = login(client, superuser.email, password)
    assert response.url == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Quản trị Cổng Công đoàn" in response.content.decode()
