"""Members' data rights: download, requests and their deadlines, erasure, consents."""

import json
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import (
    AuditEvent,
    CareCase,
    CareVisit,
    Consent,
    DataRightsRequest,
    Member,
    Notification,
    Relative,
    StaffRole,
    User,
)
from members.reminders.privacy import data_rights_requests_due
from members.selectors.care import care_radar
from members.selectors.privacy import my_consents
from members.services import data_rights
from members.services.data_rights import (
    consent_give,
    consent_withdraw,
    data_rights_request_acknowledge,
    data_rights_request_complete,
    data_rights_request_refuse,
    data_rights_request_submit,
    request_deadlines,
    working_days_after,
)
from members.services.erasure import erased_name, member_erase
from members.services.notifications import notify
from tests.conftest import PASSWORD, require_service
from tests.members.factories import make_account, make_staff, make_union_tree

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
Kind = DataRightsRequest.Kind
Status = DataRightsRequest.Status


@pytest.fixture
def tree():
    return make_union_tree()


@pytest.fixture
def own_user(tree) -> User:
    """The account of our unit's member, who has a relative and a care case."""
    Member.objects.filter(pk=tree.own_member.pk).update(email="an.nguyen@example.vn")
    user = make_account(Member.objects.get(pk=tree.own_member.pk))
    tree.own_member.refresh_from_db()
    return user


def changelist(client, query=None):
    return client.get(reverse("admin:members_datarightsrequest_changelist"), query)


def post_action(client, action: str, objects):
    return client.post(
        reverse("admin:members_datarightsrequest_changelist"),
        {
            "action": action,
            "index": "0",
            ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects],
        },
        follow=True,
    )


# Deadlines ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "acknowledge_by", "complete_by"),
    [
        # Monday: Tuesday and Wednesday are the two working days.
        (datetime(2025, 3, 10, 9, 0, tzinfo=VN), date(2025, 3, 12), date(2025, 3, 25)),
        # Thursday: Friday, then Monday over the weekend.
        (datetime(2025, 3, 13, 16, 0, tzinfo=VN), date(2025, 3, 17), date(2025, 3, 28)),
        # Friday afternoon: Monday and Tuesday.
        (datetime(2025, 3, 14, 15, 0, tzinfo=VN), date(2025, 3, 18), date(2025, 3, 29)),
        # Friday 20:00 UTC is Saturday 03:00 in Vietnam: still Monday and Tuesday,
        # and the 15 days run from Saturday.
        (
            datetime(2025, 3, 14, 20, 0, tzinfo=ZoneInfo("UTC")),
            date(2025, 3, 18),
            date(2025, 3, 30),
        ),
        # Sunday late evening.
        (
            datetime(2025, 3, 16, 23, 59, tzinfo=VN),
            date(2025, 3, 18),
            date(2025, 3, 31),
        ),
    ],
    ids=["monday", "thursday", "friday", "saturday-in-vietnam", "sunday"],
)
def test_deadlines_count_working_days_in_vietnam_across_the_weekend(
    received, acknowledge_by, complete_by
):
    assert request_deadlines(received) == (acknowledge_by, complete_by)


def test_working_days_skip_saturdays_and_sundays():
    friday = date(2025, 3, 14)

    assert working_days_after(friday, 1) == date(2025, 3, 17)
    assert working_days_after(friday, 5) == date(2025, 3, 21)
    assert working_days_after(friday, 0) == friday


# Requests from the portal -------------------------------------------------------------


def test_a_member_sends_a_request_and_sees_its_deadlines(client, tree, own_user):
    client.force_login(own_user)

    response = client.post(
        reverse("members:data_request_add"),
        {"kind": Kind.CORRECTION, "details": "Ngày sinh của tôi sai: 12/05/1985."},
        follow=True,
    )

    request = DataRightsRequest.objects.get()
    assert request.member == tree.own_member
    assert request.status == Status.RECEIVED
    assert request.submitted_by == own_user
    acknowledge_by, complete_by = request_deadlines(request.received_at)
    assert (request.acknowledge_by, request.complete_by) == (
        acknowledge_by,
        complete_by,
    )
    body = response.content.decode()
    assert f"data-request-{request.pk}" in body
    assert f"{complete_by:%d/%m/%Y}" in body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DATA_REQUEST, object_id=str(request.pk)
    ).exists()


def test_a_correction_needs_details_and_a_second_one_waits_for_the_first(
    client, tree, own_user
):
    client.force_login(own_user)
    url = reverse("members:data_request_add")

    empty = client.post(url, {"kind": Kind.CORRECTION, "details": " "})
    assert empty.status_code == 200
    assert "details" in empty.context["form"].errors
    client.post(url, {"kind": Kind.ACCESS, "details": ""})
    again = client.post(url, {"kind": Kind.ACCESS, "details": ""})

    assert "kind" in again.context["form"].errors
    assert DataRightsRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_of_a_kind_at_the_same_moment_store_one(monkeypatch, own_user):
    """Two tabs send a request of a kind at once; the database keeps one.

    Both threads are held until each has found no open request of the kind,
    then both insert: the partial unique constraint makes the second wait for
    the first, and the second is answered with the first request, not an
    error, its details added to the first's. PostgreSQL only: SQLite runs
    write transactions one at a time.
    """
    require_service(
        connection.vendor == "postgresql", "two writers at once need PostgreSQL"
    )
    member = Member.objects.get(user=own_user)
    both_checked = threading.Barrier(2, timeout=10)
    check = data_rights.data_rights_request_check

    def check_then_wait(**kwargs):
        check(**kwargs)
        both_checked.wait()

    monkeypatch.setattr(data_rights, "data_rights_request_check", check_then_wait)
    sent, errors = [], []

    def send(details):
        try:
            sent.append(
                data_rights_request_submit(
                    member=member, kind=Kind.ERASURE, details=details, actor=own_user
                )
            )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(details,))
        for details in ("Xoá số điện thoại cũ.", "Xoá cả địa chỉ cũ.")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert errors == []
    stored = DataRightsRequest.objects.get(member=member, kind=Kind.ERASURE)
    assert [request.pk for request in sent] == [stored.pk, stored.pk]
    # What the second one said is kept with the first.
    assert "Xoá số điện thoại cũ." in stored.details
    assert "Xoá cả địa chỉ cũ." in stored.details
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.DATA_REQUEST, object_id=str(stored.pk)
        ).count()
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_closes_the_duplicates_stored_before_the_constraint(tree):
    executor = MigrationExecutor(connection)
    (migration,) = [
        key
        for key in executor.loader.graph.nodes
        if key[0] == "members" and key[1].endswith("_data_rights_request_open_unique")
    ]
    (before,) = executor.loader.graph.node_map[migration].parents
    executor.migrate([before.key])
    received = timezone.now()
    deadlines = dict(
        zip(("acknowledge_by", "complete_by"), request_deadlines(received), strict=True)
    )

    def stored(member, kind, details, status=Status.RECEIVED, minutes=0):
        return DataRightsRequest.objects.create(
            member=member,
            kind=kind,
            details=details,
            status=status,
            received_at=received + timedelta(minutes=minutes),
            **deadlines,
        )

    first = stored(tree.own_member, Kind.CORRECTION, "Sai ngày sinh.")
    twin = stored(tree.own_member, Kind.CORRECTION, "Sai cả số CCCD.", minutes=1)
    again = stored(tree.own_member, Kind.CORRECTION, "Sai ngày sinh.", minutes=2)
    other_kind = stored(tree.own_member, Kind.ACCESS, "")
    closed = stored(tree.own_member, Kind.CORRECTION, "Cũ.", Status.DONE, minutes=-60)
    other_member = stored(tree.sibling.member, Kind.CORRECTION, "Sai tên.")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    first.refresh_from_db()
    assert first.status == Status.RECEIVED
    assert first.details == "Sai ngày sinh.\n\nSai cả số CCCD."
    for duplicate in (twin, again):
        duplicate.refresh_from_db()
        assert duplicate.status == Status.DONE
        assert f"#{first.pk}" in duplicate.response
        assert duplicate.closed_at is not None
    for untouched in (other_kind, other_member):
        untouched.refresh_from_db()
        assert untouched.status == Status.RECEIVED
    closed.refresh_from_db()
    assert (closed.status, closed.details) == (Status.DONE, "Cũ.")


def test_nobody_files_a_request_for_another_member(tree, own_user):
    with pytest.raises(PermissionDenied):
        data_rights_request_submit(
            member=tree.sibling.member, kind=Kind.ACCESS, actor=own_user
        )


# Staff handle requests ----------------------------------------------------------------


@pytest.fixture
def requests_of_both_units(tree, own_user, time_machine):
    time_machine.move_to(datetime(2025, 3, 14, 15, 0, tzinfo=VN), tick=False)
    own = data_rights_request_submit(
        member=tree.own_member, kind=Kind.ACCESS, actor=own_user
    )
    sibling = data_rights_request_submit(
        member=tree.sibling.member,
        kind=Kind.CORRECTION,
        details="Canary Rights Request",
        actor=tree.sibling.account,
    )
    return own, sibling


def test_staff_see_only_their_units_requests_with_overdue_ones_marked(
    client, tree, requests_of_both_units, time_machine
):
    own, sibling = requests_of_both_units
    # Wednesday: the acknowledgement was due on Tuesday.
    time_machine.move_to(datetime(2025, 3, 19, 9, 0, tzinfo=VN), tick=False)
    client.force_login(tree.grassroots_officer)

    page = changelist(client)
    overdue = changelist(client, {"deadline": "overdue"})

    assert [item.pk for item in page.context["cl"].result_list] == [own.pk]
    body = page.content.decode()
    assert "Canary Rights Request" not in body
    assert 'class="privacy-overdue"' in body
    assert "18/03/2025" in body
    assert [item.pk for item in overdue.context["cl"].result_list] == [own.pk]
    url = reverse("admin:members_datarightsrequest_change", args=[sibling.pk])
    assert client.get(url).status_code == 302
    post_action(client, "acknowledge", [sibling])
    sibling.refresh_from_db()
    assert sibling.status == Status.RECEIVED
    with pytest.raises(PermissionDenied):
        data_rights_request_acknowledge(request=sibling, actor=tree.grassroots_officer)


def test_acknowledged_in_time_is_no_longer_overdue(
    client, tree, requests_of_both_units, time_machine
):
    own, _sibling = requests_of_both_units
    client.force_login(tree.grassroots_officer)

    post_action(client, "acknowledge", [own])
    time_machine.move_to(datetime(2025, 3, 19, 9, 0, tzinfo=VN), tick=False)

    own.refresh_from_db()
    assert own.status == Status.ACKNOWLEDGED
    assert own.handled_by == tree.grassroots_officer
    assert not own.overdue(date(2025, 3, 19))
    assert own.overdue(date(2025, 3, 30))
    assert 'class="privacy-overdue"' not in changelist(client).content.decode()


def test_a_refusal_needs_a_reason_and_a_closed_request_stays_closed(
    tree, requests_of_both_units
):
    own, _sibling = requests_of_both_units
    officer = tree.grassroots_officer

    with pytest.raises(ValidationError):
        data_rights_request_refuse(request=own, actor=officer)
    refused = data_rights_request_refuse(
        request=own, actor=officer, response="Không thuộc dữ liệu công đoàn lưu."
    )

    assert refused.status == Status.REFUSED
    with pytest.raises(ValidationError):
        data_rights_request_complete(request=own, actor=officer)


def test_officers_of_the_nearest_unit_are_reminded_of_new_and_overdue_requests(
    tree, requests_of_both_units
):
    own, sibling = requests_of_both_units
    wednesday = date(2025, 3, 19)

    targets = list(data_rights_requests_due(today=wednesday))

    by_request = {}
    for target in targets:
        number, stage = target.dedupe_key.split(":")[1:3]
        by_request.setdefault(int(number), set()).add((stage, target.recipient_id))
    assert by_request[own.pk] == {
        ("new", tree.grassroots_officer.pk),
        ("acknowledge-overdue", tree.grassroots_officer.pk),
    }
    assert by_request[sibling.pk] == {
        ("new", tree.sibling_officer.pk),
        ("acknowledge-overdue", tree.sibling_officer.pk),
    }
    late = {t.dedupe_key for t in data_rights_requests_due(today=date(2025, 3, 30))}
    assert f"data-rights:{own.pk}:overdue:{tree.grassroots_officer.pk}" in late


def test_the_reminder_is_mandatory_and_scheduled_on_working_days():
    from members.reminders import reminder_get

    kind = reminder_get("privacy.data_rights_request")

    assert kind.mandatory
    assert kind.crontab["day_of_week"] == "1-5"


# Erasure ------------------------------------------------------------------------------


def _care_totals() -> dict:
    return dict(
        CareVisit.objects.values_list("case__member__unit").annotate(Sum("amount"))
    )


def test_erasure_removes_personal_data_and_keeps_aggregates(client, tree, own_user):
    member = Member.objects.get(pk=tree.own_member.pk)
    services.care_visit_log(
        case=tree.own_care_case,
        visited_on=tree.today,
        visited_by="Ban chăm lo",
        amount=2_000_000,
        note="Gặp vợ anh An, chị Hoa, số 0912 000 999",
    )
    CareCase.objects.filter(pk=tree.own_care_case.pk).update(details="Ung thư gan")
    notify(
        recipient=tree.grassroots_officer,
        kind="care.birthday",
        dedupe_key="erase-test",
        title=f"Sinh nhật ngày mai: {tree.own_relative.full_name} ({member.full_name})",
        link=reverse("admin:members_member_change", args=[member.pk]),
    )
    # A namesake elsewhere keeps their name.
    notify(
        recipient=tree.grassroots_officer,
        kind="care.birthday",
        dedupe_key="namesake",
        title=f"Sinh nhật ngày mai: {member.full_name}",
        link=reverse("admin:members_member_change", args=[tree.group_member.pk]),
    )
    totals, members = _care_totals(), Member.objects.count()
    request = data_rights_request_submit(
        member=member, kind=Kind.ERASURE, details="Xoá hết", actor=own_user
    )
    with pytest.raises(ValidationError):
        data_rights_request_complete(request=request, actor=tree.grassroots_officer)
    client.force_login(tree.grassroots_officer)

    post_action(client, "erase", [request])

    request.refresh_from_db()
    assert request.status == Status.DONE
    member.refresh_from_db()
    assert member.erased_at is not None
    assert member.full_name == erased_name(member.pk)
    assert member.full_name.endswith(f"#{member.pk}")
    assert member.national_id is None
    assert (member.phone, member.email, member.card_number) == ("", "", "")
    assert member.date_of_birth == date(tree.own_member.date_of_birth.year, 1, 1)
    assert member.birthday_key is None
    assert member.employee_code == f"XOA-{member.pk}"
    assert not Relative.objects.filter(member=member).exists()
    case = CareCase.objects.get(pk=tree.own_care_case.pk)
    assert case.details == ""
    assert tree.own_care_case.summary not in case.summary
    assert not CareVisit.objects.filter(case=case).exclude(note="").exists()
    title = Notification.objects.get(dedupe_key="erase-test").title
    assert tree.own_member.full_name not in title
    assert tree.own_relative.full_name not in title
    assert member.full_name in title
    namesake = Notification.objects.get(dedupe_key="namesake").title
    assert tree.own_member.full_name in namesake
    account = User.objects.get(pk=own_user.pk)
    assert not account.is_active
    assert not account.has_usable_password()
    assert "an.nguyen" not in account.email
    assert account.name == member.full_name
    login = RequestFactory().post("/tai-khoan/dang-nhap/")
    assert authenticate(login, email="an.nguyen@example.vn", password=PASSWORD) is None
    # What the union must keep: the row, its unit, the money paid, the trail.
    assert Member.objects.count() == members
    assert member.unit == tree.vnpt_hn
    assert _care_totals() == totals
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ERASED, object_id=str(member.pk)
    ).exists()
    assert AuditEvent.objects.filter(object_id=str(request.pk)).count() >= 2
    # The request is kept as proof, without its text.
    assert request.details == ""


def test_erasing_twice_changes_nothing_and_other_members_are_untouched(tree):
    sibling = Member.objects.get(pk=tree.sibling.member.pk)
    member_erase(member=tree.own_member, actor=None, reason="request")
    first = Member.objects.get(pk=tree.own_member.pk)

    member_erase(member=tree.own_member, actor=None, reason="request")

    assert Member.objects.get(pk=tree.own_member.pk).erased_at == first.erased_at
    assert Member.objects.get(pk=sibling.pk).full_name == sibling.full_name
    assert Relative.objects.filter(member=sibling).exists()


def test_staff_cannot_erase_a_member_outside_their_scope(tree):
    with pytest.raises(PermissionDenied):
        member_erase(
            member=tree.sibling.member, actor=tree.grassroots_officer, reason="request"
        )
    assert Member.objects.get(pk=tree.sibling.member.pk).erased_at is None


# The download -------------------------------------------------------------------------


def test_the_download_holds_the_members_own_data_and_nobody_elses(
    client, tree, own_user
):
    notify(
        recipient=own_user, kind="care.birthday", dedupe_key="own", title="Chúc mừng"
    )
    notify(
        recipient=tree.sibling.account,
        kind="care.birthday",
        dedupe_key="theirs",
        title="Canary Notification",
    )
    client.force_login(own_user)

    response = client.get(reverse("members:my_data_download", args=["json"]))

    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    member = tree.own_member
    assert data["profile"]["national_id"] == member.national_id
    assert data["profile"]["phone"] == member.phone
    assert data["profile"]["full_name"] == member.full_name
    assert [row["full_name"] for row in data["relatives"]] == [
        tree.own_relative.full_name
    ]
    assert [row["summary"] for row in data["care_cases"]] == [
        tree.own_care_case.summary
    ]
    assert [row["title"] for row in data["notifications"]] == ["Chúc mừng"]
    text = response.content.decode()
    for other in (tree.sibling, tree.cousin):
        for label, value in other.strings.items():
            assert value not in text, label
    assert tree.group_member.full_name not in text
    assert "Canary Notification" not in text
    # Staff's working notes are not in it: the visit's visitors and notes.
    assert "Ban chăm lo" not in text
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, actor=own_user, detail__format="json"
    ).exists()


def test_the_workbook_has_a_sheet_a_section(client, tree, own_user):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(own_user)

    response = client.get(reverse("members:my_data_download", args=["xlsx"]))

    book = load_workbook(BytesIO(response.content), read_only=True)
    assert len(book.sheetnames) >= 10
    values = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert tree.own_member.national_id in values
    assert tree.own_relative.full_name in values
    assert tree.sibling.member.full_name not in values


def test_someone_without_a_member_record_downloads_nothing(client, make_user):
    client.force_login(make_user("khach@example.vn", "Khách"))

    response = client.get(reverse("members:my_data_download", args=["json"]))

    assert response.get("Content-Disposition") is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


# Consents -----------------------------------------------------------------------------


def test_withdrawing_consent_hides_relatives_from_staff_and_the_radar(
    client, tree, own_user
):
    relative = tree.own_relative
    officer = tree.grassroots_officer
    relatives_url = reverse("admin:members_relative_changelist")
    member_url = reverse("admin:members_member_change", args=[tree.own_member.pk])
    client.force_login(officer)
    assert relative.full_name in client.get(relatives_url).content.decode()
    radar = care_radar(user=officer, days=10)
    assert relative.full_name in [item.person for item in radar["upcoming"]]

    client.force_login(own_user)
    client.post(
        reverse("members:consent_change", args=[Consent.Purpose.RELATIVES]),
        {"consent": "withdraw"},
    )

    client.force_login(officer)
    assert relative.full_name not in client.get(relatives_url).content.decode()
    assert relative.full_name not in client.get(member_url).content.decode()
    radar = care_radar(user=officer, days=10)
    assert relative.full_name not in [item.person for item in radar["upcoming"]]
    # The member still sees and manages them in the portal.
    client.force_login(own_user)
    portal = client.get(reverse("members:relatives")).content.decode()
    assert relative.full_name in portal
    assert 'id="relatives-consent-withdrawn"' in portal

    client.post(
        reverse("members:consent_change", args=[Consent.Purpose.RELATIVES]),
        {"consent": "give"},
    )
    radar = care_radar(user=officer, days=10)
    assert relative.full_name in [item.person for item in radar["upcoming"]]


def test_birthday_reminders_skip_relatives_after_a_withdrawal(tree, own_user):
    from members.reminders.care import care_birthdays

    make_staff(
        email="chamlo@example.vn",
        name="Cán Bộ Chăm Lo",
        unit=tree.vnpt_hn,
        role=StaffRole.Role.CARE_OFFICER,
    )
    day_before = tree.own_relative.date_of_birth.replace(year=tree.today.year)
    day_before -= timedelta(days=1)
    before = [t.dedupe_key for t in care_birthdays(today=day_before)]
    assert any(f"relative:{tree.own_relative.pk}:" in key for key in before)

    consent_withdraw(
        member=tree.own_member, purpose=Consent.Purpose.RELATIVES, actor=own_user
    )

    after = [t.dedupe_key for t in care_birthdays(today=day_before)]
    assert not any(f"relative:{tree.own_relative.pk}:" in key for key in after)


def test_consents_are_recorded_with_their_version_and_dates(client, tree, own_user):
    client.force_login(own_user)
    page = client.get(reverse("members:my_data"))
    states = {item["state"].purpose: item["state"] for item in page.context["consents"]}
    assert states["relatives"].in_force
    assert not states["leaderboard"].in_force

    client.post(
        reverse("members:consent_change", args=["leaderboard"]), {"consent": "give"}
    )
    client.post(
        reverse("members:consent_change", args=["leaderboard"]), {"consent": "give"}
    )
    client.post(
        reverse("members:consent_change", args=["leaderboard"]),
        {"consent": "withdraw"},
    )

    (consent,) = Consent.objects.filter(member=tree.own_member)
    assert consent.version == Consent.VERSIONS[Consent.Purpose.LEADERBOARD]
    assert consent.given_at is not None
    assert consent.withdrawn_at >= consent.given_at
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CONSENT).count() == 2


def test_the_consents_states_are_read_in_one_query(
    tree, own_user, django_assert_num_queries
):
    consent_give(member=tree.own_member, purpose="leaderboard", actor=own_user)
    consent_withdraw(member=tree.own_member, purpose="relatives", actor=own_user)

    with django_assert_num_queries(1):
        states = {state.purpose: state for state in my_consents(member=tree.own_member)}

    assert states["leaderboard"].in_force
    assert states["leaderboard"].since is not None
    assert not states["relatives"].in_force
    assert states["relatives"].since is not None


def test_only_the_member_gives_or_withdraws_consent(tree, own_user):
    for actor in (tree.grassroots_officer, None):
        with pytest.raises(PermissionDenied):
            consent_give(member=tree.own_member, purpose="leaderboard", actor=actor)


def test_the_page_works_without_inline_scripts(client, tree, own_user):
    client.force_login(own_user)

    body = client.get(reverse("members:my_data")).content.decode()

    assert "<script>" not in body
    assert " onclick=" not in body
    assert reverse("members:my_data_download", args=["json"]) in body


def test_a_canary_of_another_unit_never_shows_in_the_requests_admin(
    client, tree, own_user
):
    canary = data_rights_request_submit(
        member=tree.cousin.member,
        kind=Kind.ERASURE,
        details="Canary Cousin Request",
        actor=tree.cousin.account,
    )
    for officer in (tree.grassroots_officer, tree.upper_officer):
        client.force_login(officer)
        assert "Canary Cousin Request" not in changelist(client).content.decode()
        url = reverse("admin:members_datarightsrequest_change", args=[canary.pk])
        assert client.get(url).status_code == 302
    client.force_login(tree.vtc_officer)
    page = changelist(client)
    assert [item.pk for item in page.context["cl"].result_list] == [canary.pk]


def test_staff_record_a_request_received_on_paper_once(client, tree):
    client.force_login(tree.grassroots_officer)
    url = reverse("admin:members_datarightsrequest_add")
    data = {"member": tree.own_member.pk, "kind": Kind.ACCESS, "details": "Thư tay"}

    first = client.post(url, data)
    again = client.post(url, data)
    outside = client.post(url, {**data, "member": tree.sibling.member.pk})

    assert first.status_code == 302
    request = DataRightsRequest.objects.get()
    assert request.submitted_by == tree.grassroots_officer
    assert request.acknowledge_by > request.received_at.date()
    assert again.status_code == 200
    assert "kind" in again.context["adminform"].form.errors
    assert outside.status_code == 200
    assert "member" in outside.context["adminform"].form.errors
    assert DataRightsRequest.objects.count() == 1
