"""Two-step sign-in: optional for staff, required of superusers before the admin."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse

from members.models import User
from tests.conftest import PASSWORD, totp_code, vi
from tests.security.conftest import login

pytestmark = pytest.mark.django_db
CODE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.M)


@pytest.fixture
def bare_superuser(db) -> User:
    """A superuser who has not set up an authenticator app yet."""
    return User.objects.create_superuser(
        "sieuquantri@example.vn", PASSWORD, name="Vũ Siêu Quản"
    )


def has_totp(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()


def test_superuser_without_totp_is_sent_to_set_it_up_before_the_admin(
    client, bare_superuser
):
    response = login(client, bare_superuser.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bare_superuser.pk)

    for path in ("/admin/", "/admin/members/member/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == reverse("mfa_activate_totp")

    # allauth asks for the password again before an authenticator is added.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    text = vi(
        "Your account can see members' personal data: protect it with an "
        "authenticator app before you open the administration."
    )
    assert text in client.get(response.url).content.decode()
    response = client.post(response.url, {"password": PASSWORD})
    assert response.url == reverse("mfa_activate_totp")

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    html = page.content.decode()
    assert vi("Activate Authenticator App") in html
    assert "data:image/svg+xml;base64," in html
    assert 'class="portal-header"' in html

    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert has_totp(bare_superuser)
    assert client.get("/admin/").status_code == 200


def test_superuser_with_totp_must_give_the_code_to_sign_in(client, superuser, password):
    response = login(client, superuser.email, password)
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert vi("Incorrect code.") in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(superuser.pk)
    assert client.get("/admin/").status_code == 200


def test_code_login_of_a_superuser_still_asks_for_the_app_code(
    client, superuser, mailoutbox
):
    client.post(reverse("account_request_login_code"), {"email": superuser.email})
    code = CODE.search(mailoutbox[0].body).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_superuser_cannot_turn_the_authenticator_app_off(client, superuser):
    client.force_login(superuser)
    client.post(reverse("mfa_deactivate_totp"))
    assert has_totp(superuser)


def test_staff_may_use_the_admin_without_totp_and_turn_it_on(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200
    portal = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("mfa_index")}"' in portal


def test_members_menu_does_not_offer_two_step_sign_in(client, member_user):
    client.force_login(member_user)
    portal = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("mfa_index")}"' not in portal


def test_two_step_pages_use_the_portal_layout_in_vietnamese(client, staff_user):
    login(client, staff_user.email, PASSWORD)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    for name in ("mfa_index", "mfa_activate_totp", "account_reauthenticate"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert '<html lang="vi">' in html
        assert 'class="portal-header"' in html
        assert "no-store" in response["Cache-Control"]
    index = client.get(reverse("mfa_index")).content.decode()
    assert vi("Two-Factor Authentication") in index
    assert vi("Two-Factor Authentication") != "Two-Factor Authentication"
    assert "Authenticator App" not in index
