"""A second factor for every officer who can see personal data, after a grace period."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from members.models import AuditEvent, StaffRole, Unit, User
from members.second_factor import PERSONAL_DATA_PERMISSIONS
from tests.conftest import PASSWORD, totp_code, vi
from tests.members.factories import make_member, make_staff, make_unit, reloaded
from tests.members.test_privacy_audit import export_form_data
from tests.security.conftest import login

pytestmark = pytest.mark.django_db
Action = AuditEvent.Action
CHANGELIST = reverse("admin:members_member_changelist")
EXPORT = reverse("admin:members_member_export")
ENROL = reverse("mfa_activate_totp")
BANNER = 'id="second-factor-due"'
MEMBER_NAME = "Hoàng Thị Riêng Tư"
REDIRECT_MESSAGE = (
    "Your account can see members' personal data: protect it with an "
    "authenticator app before you open the administration."
)


def banner(days: int) -> str:
    """Return the admin's banner, as the Vietnamese page shows it."""
    with translation.override("vi"):
        return ngettext(
            "Your account can see members' personal data: set up an authenticator "
            "app for two-step sign-in within %(days)s day, or the administration "
            "will stay closed to you until you do.",
            "Your account can see members' personal data: set up an authenticator "
            "app for two-step sign-in within %(days)s days, or the administration "
            "will stay closed to you until you do.",
            days,
        ) % {"days": days}


@pytest.fixture
def unit(db) -> Unit:
    employer = make_unit(
        code="RT", name="Công đoàn Riêng Tư", level="upper", is_employer=True
    )
    unit = make_unit(
        code="CDCS-RT", name="CĐCS Riêng Tư", level="grassroots", parent=employer
    )
    make_member(unit=reloaded(unit), full_name=MEMBER_NAME)
    return reloaded(unit)


@pytest.fixture
def viewer(unit) -> User:
    """An officer whose role may only view the register (view_member and so on)."""
    return make_staff(
        email="xem@example.vn",
        name="Đinh Chỉ Xem",
        unit=unit,
        role=StaffRole.Role.VIEWER,
    )


def grace_started(user: User, *, days_ago: float) -> None:
    User.objects.filter(pk=user.pk).update(
        second_factor_grace_from=timezone.now() - timedelta(days=days_ago)
    )


def events(user: User) -> list[tuple]:
    return [
        (event.action, event.actor_id, event.detail["type"])
        for event in AuditEvent.objects.filter(
            object_id=str(user.pk), action__startswith="2fa_"
        ).order_by("pk")
    ]


def enrol(client, user: User, commit) -> str:
    """Set up an authenticator app through allauth's pages; return its secret.

    ``commit`` is django_capture_on_commit_callbacks: allauth announces the
    new authenticator once its transaction commits.
    """
    response = client.get(ENROL)
    assert response.url.startswith(reverse("account_reauthenticate"))
    client.post(response.url, {"password": PASSWORD})
    assert client.get(ENROL).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    with commit(execute=True):
        response = client.post(ENROL, {"code": totp_code(secret)})
    # Recovery codes are offered at once, on their own page.
    assert response.url == reverse("mfa_view_recovery_codes")
    page = client.get(response.url).content.decode()
    codes = Authenticator.objects.get(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).wrap()
    assert all(code in page for code in codes.get_unused_codes())
    return secret


def test_viewer_past_grace_cannot_open_members_or_export_without_a_second_factor(
    client, viewer
):
    login(client, viewer.email, PASSWORD)
    grace_started(viewer, days_ago=settings.MFA_STAFF_GRACE_DAYS + 0.01)

    for response in (
        client.get("/admin/"),
        client.get(CHANGELIST),
        client.get(EXPORT),
        client.post(EXPORT, {"format": "0", "resource": "0"}),
    ):
        assert response.status_code == 302
        assert response.url == ENROL
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()
    page = client.get(reverse("account_reauthenticate")).content.decode()
    assert vi(REDIRECT_MESSAGE) in page


def test_viewer_within_grace_opens_members_and_export_with_a_banner(client, viewer):
    started = timezone.now()
    login(client, viewer.email, PASSWORD)

    page = client.get(CHANGELIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert MEMBER_NAME in html
    assert BANNER in html
    assert banner(settings.MFA_STAFF_GRACE_DAYS) in html
    assert f'href="{ENROL}"' in html
    # The grace period counts from the first login as staff.
    viewer.refresh_from_db()
    assert started <= viewer.second_factor_grace_from <= timezone.now()

    export = client.post(EXPORT, export_form_data(client, EXPORT, "csv"))
    assert export.status_code == 200
    assert MEMBER_NAME in export.content.decode("utf-8-sig")


def test_grace_period_counts_down_from_the_first_login(
    client, viewer, time_machine, settings
):
    settings.MFA_STAFF_GRACE_DAYS = 3
    time_machine.move_to("2026-03-02 08:00 +0700", tick=False)
    client.force_login(viewer)
    assert banner(3) in client.get(CHANGELIST).content.decode()

    time_machine.move_to("2026-03-04 09:00 +0700", tick=False)
    page = client.get(CHANGELIST).content.decode()
    assert banner(1) in page

    time_machine.move_to("2026-03-05 08:00 +0700", tick=False)
    assert client.get(CHANGELIST).url == ENROL


def test_staff_given_personal_data_while_signed_in_get_their_grace_then(client, unit):
    group = Group.objects.create(name="Xem đoàn viên")
    staff = make_staff(
        email="moi@example.vn", name="Mới Được Giao", unit=None, groups=(group,)
    )
    client.force_login(staff)
    staff.refresh_from_db()
    assert staff.second_factor_grace_from is None

    group.permissions.add(
        Permission.objects.get(
            codename="view_member", content_type__app_label="members"
        )
    )
    before = timezone.now()
    page = client.get(CHANGELIST).content.decode()
    assert banner(settings.MFA_STAFF_GRACE_DAYS) in page
    staff.refresh_from_db()
    assert staff.second_factor_grace_from >= before


def test_officer_with_an_authenticator_app_signs_in_with_its_code_and_works(
    client, viewer, django_capture_on_commit_callbacks
):
    login(client, viewer.email, PASSWORD)
    grace_started(viewer, days_ago=30)
    assert client.get(CHANGELIST).url == ENROL
    secret = enrol(client, viewer, django_capture_on_commit_callbacks)
    client.logout()

    response = login(client, viewer.email, PASSWORD)
    assert response.url == reverse("mfa_authenticate")
    assert client.get(CHANGELIST).status_code == 302
    # The enrolment's code was used; the next one is accepted (tolerance 1).
    code = totp_code(secret, offset=1)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.session["_auth_user_id"] == str(viewer.pk)

    page = client.get(CHANGELIST).content.decode()
    assert MEMBER_NAME in page
    assert BANNER not in page
    export = client.post(EXPORT, export_form_data(client, EXPORT, "csv"))
    assert export.status_code == 200
    assert MEMBER_NAME in export.content.decode("utf-8-sig")


def test_staff_without_personal_data_permissions_is_not_asked(client, unit):
    group = Group.objects.create(name="Chỉ xem đơn vị")
    group.permissions.add(
        Permission.objects.get(codename="view_unit", content_type__app_label="members")
    )
    staff = make_staff(
        email="donvi@example.vn", name="Cao Đơn Vị", unit=None, groups=(group,)
    )
    login(client, staff.email, PASSWORD)
    grace_started(staff, days_ago=365)

    page = client.get(reverse("admin:members_unit_changelist"))
    assert page.status_code == 200
    assert BANNER not in page.content.decode()
    assert client.get(CHANGELIST).status_code == 403


def test_every_role_opens_personal_data_and_so_needs_a_second_factor(unit):
    for role in StaffRole.Role.values:
        user = make_staff(email=f"{role}@example.vn", name=role, unit=unit, role=role)
        assert user.get_all_permissions() & PERSONAL_DATA_PERMISSIONS, role


def test_enrolment_new_codes_and_removal_are_in_the_audit_trail(
    client, viewer, django_capture_on_commit_callbacks
):
    login(client, viewer.email, PASSWORD)
    enrol(client, viewer, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_generate_recovery_codes"))
    client.post(reverse("mfa_deactivate_totp"))

    assert not Authenticator.objects.filter(user=viewer).exists()
    me = viewer.pk
    assert events(viewer) == [
        (Action.SECOND_FACTOR_ADDED, me, "totp"),
        (Action.SECOND_FACTOR_ADDED, me, "recovery_codes"),
        (Action.SECOND_FACTOR_RESET, me, "recovery_codes"),
        (Action.SECOND_FACTOR_REMOVED, me, "totp"),
        (Action.SECOND_FACTOR_REMOVED, me, "recovery_codes"),
    ]
    event = AuditEvent.objects.filter(action=Action.SECOND_FACTOR_ADDED).first()
    assert event.actor_unit == event.unit == viewer.staff_roles.get().unit
    assert event.label.endswith(f"#{me}")


def test_superuser_removing_an_officers_app_in_the_admin_is_audited(
    client, viewer, superuser, django_capture_on_commit_callbacks
):
    login(client, viewer.email, PASSWORD)
    enrol(client, viewer, django_capture_on_commit_callbacks)
    totp = Authenticator.objects.get(user=viewer, type=Authenticator.Type.TOTP)

    client.force_login(superuser)
    url = reverse("admin:mfa_authenticator_delete", args=[totp.pk])
    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=totp.pk).exists()
    assert events(viewer)[-1] == (Action.SECOND_FACTOR_REMOVED, superuser.pk, "totp")
    # The officer's unit sees it in its trail, though a superuser did it.
    removal = AuditEvent.objects.filter(action=Action.SECOND_FACTOR_REMOVED).get()
    assert removal.unit == viewer.staff_roles.get().unit
