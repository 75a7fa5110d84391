"""The audit trail: what is recorded, without personal data, and never changed."""

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from members import services
from members.models import (
    AuditEvent,
    AuditEventImmutableError,
    HrmProfile,
    ImportRun,
    StaffRole,
)
from members.services.audit import audit_record
from members.services.data_rights import (
    data_rights_request_acknowledge,
    data_rights_request_submit,
)
from members.services.hrm_import import import_drop_dir_scan
from tests.conftest import require_service
from tests.members.factories import make_union_tree

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
HEADER = "Mã NV,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Email,Mã đơn vị\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tree():
    return make_union_tree()


def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("pk"))


def personal_values(*members) -> list[str]:
    values = []
    for member in members:
        values += [member.full_name, member.national_id, member.phone, member.email]
    return [value for value in values if value]


def assert_no_personal_data(event: AuditEvent, *members) -> None:
    text = f"{event.label} {json.dumps(event.detail, ensure_ascii=False)}"
    for value in personal_values(*members):
        assert value not in text, value


# Views of sensitive data ----------------------------------------------------------


def test_opening_a_members_page_records_who_saw_which_member(client, tree):
    officer, member = tree.grassroots_officer, tree.own_member
    client.force_login(officer)

    response = client.get(reverse("admin:members_member_change", args=[member.pk]))

    assert response.status_code == 200
    (event,) = events(action=Action.VIEW)
    assert event.actor == officer
    assert event.actor_unit == tree.vnpt_hn
    assert event.unit == tree.vnpt_hn
    assert event.object_id == str(member.pk)
    assert event.content_type.model == "member"
    assert event.label.endswith(f"#{member.pk}")
    assert_no_personal_data(event, member)


def test_a_member_page_outside_the_scope_records_nothing(client, tree):
    client.force_login(tree.grassroots_officer)

    response = client.get(
        reverse("admin:members_member_change", args=[tree.sibling.member.pk])
    )

    assert response.status_code == 302
    assert events(action=Action.VIEW) == []


def test_opening_a_care_case_and_the_radar_are_recorded(client, tree):
    client.force_login(tree.grassroots_officer)
    case = tree.own_care_case

    client.get(reverse("admin:members_carecase_change", args=[case.pk]))
    client.get(reverse("admin:members_care_radar"), {"days": "90"})

    case_view, radar = events(action=Action.VIEW)
    assert (case_view.content_type.model, case_view.object_id) == (
        "carecase",
        str(case.pk),
    )
    assert case_view.unit == tree.vnpt_hn
    assert radar.object_id == ""
    assert radar.detail["page"] == "care_radar"
    assert radar.detail["days"] == 90
    assert tree.own_member.pk in radar.detail["members"]
    assert tree.sibling.member.pk not in radar.detail["members"]
    assert_no_personal_data(radar, tree.own_member)


def test_opening_a_consultation_request_is_recorded(client, tree):
    from tests.members.factories_programmes import make_consultation

    consultation = make_consultation(tree.own_member, subject="Tư vấn sức khoẻ")
    client.force_login(tree.grassroots_officer)

    response = client.get(
        reverse("admin:members_consultationrequest_change", args=[consultation.pk])
    )

    assert response.status_code == 200
    (event,) = events(action=Action.VIEW)
    assert (event.content_type.model, event.object_id) == (
        "consultationrequest",
        str(consultation.pk),
    )
    assert "Tư vấn sức khoẻ" not in json.dumps(event.detail, ensure_ascii=False)
    assert "Tư vấn sức khoẻ" not in event.label


# Exports ---------------------------------------------------------------------------


def export_form_data(client, url: str, fmt: str) -> dict:
    """Return the export form filled in: one format, every field."""
    form = client.get(url).context["form"]
    choice = next(v for v, label in form.fields["format"].choices if label == fmt)
    data = {"format": choice, "resource": "0"}
    for name, form_field in form.fields.items():
        if getattr(form_field, "is_selectable_field", False):
            data[name] = "on"
    return data


def test_the_member_export_is_recorded_with_its_size(client, tree):
    client.force_login(tree.grassroots_officer)
    url = reverse("admin:members_member_export")
    response = client.post(url, export_form_data(client, url, "csv"))

    assert response.status_code == 200
    (event,) = events(action=Action.EXPORT)
    assert event.actor == tree.grassroots_officer
    assert event.detail["export"] == "members"
    assert event.detail["rows"] == 2
    assert event.unit is None
    assert event.actor_unit == tree.vnpt_hn


def test_the_registers_picture_export_is_recorded(client, tree):
    client.force_login(tree.grassroots_officer)

    response = client.get(
        reverse("admin:members_register_picture_xlsx"), {"unit": tree.vnpt_hn.pk}
    )

    assert response.status_code == 200
    (event,) = events(action=Action.EXPORT)
    assert event.detail["export"] == "register_picture"
    assert event.unit == tree.vnpt_hn


def _csv(tmp_path, *rows) -> Path:
    path = tmp_path / "nhansu.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8-sig")
    return path


def test_an_upload_the_held_rows_export_and_a_command_import_are_recorded(
    client, tree, tmp_path, monkeypatch
):
    monkeypatch.setattr(
        "members.tasks.import_run_execute.delay_on_commit", lambda **kwargs: None
    )
    HrmProfile.objects.create(employer=tree.vnpt, default_unit=tree.vnpt_hn)
    path = _csv(tmp_path, "NV9001,Phan Văn Dũng,02/01/1985,Nam,123,,DV01\n")
    client.force_login(tree.upper_officer)
    with path.open("rb") as handle:
        client.post(
            reverse("admin:members_importrun_upload"),
            {"employer": tree.vnpt.pk, "file": handle},
        )
    uploaded = ImportRun.objects.get()
    client.get(reverse("admin:members_importrun_held_xlsx", args=[uploaded.pk]))
    call_command(
        "import_hrm", str(path), "--employer", "VNPT", "--dry-run", stdout=io.StringIO()
    )

    upload, export, command = events()[-3:]
    assert (upload.action, upload.actor, upload.unit) == (
        Action.IMPORT,
        tree.upper_officer,
        tree.vnpt,
    )
    assert upload.object_id == str(uploaded.pk)
    assert upload.detail["source"] == ImportRun.Source.UPLOAD
    assert upload.detail["file_name"] == "nhansu.csv"
    assert (export.action, export.object_id) == (Action.EXPORT, str(uploaded.pk))
    assert export.detail["export"] == "held_rows"
    assert (command.action, command.actor) == (Action.IMPORT, None)
    assert command.detail["source"] == ImportRun.Source.COMMAND


def test_a_file_from_the_drop_folder_is_recorded_as_the_systems_import(
    tree, tmp_path, settings, monkeypatch
):
    monkeypatch.setattr(
        "members.tasks.import_run_execute.delay_on_commit", lambda **kwargs: None
    )
    settings.IMPORT_DROP_DIR = tmp_path / "drop"
    folder = settings.IMPORT_DROP_DIR / "VNPT"
    folder.mkdir(parents=True)
    _csv(folder, "NV9001,Phan Văn Dũng,02/01/1985,Nam,123,,DV01\n")

    (run_id,) = import_drop_dir_scan(now=timezone.now() + timedelta(minutes=5))

    (event,) = events(action=Action.IMPORT)
    assert event.object_id == str(run_id)
    assert event.actor is None
    assert event.unit == tree.vnpt
    assert event.detail["source"] == ImportRun.Source.SCHEDULE
    # Later saves of the run (its progress, its end) add nothing.
    run = ImportRun.objects.get(pk=run_id)
    run.status = ImportRun.Status.DONE
    run.save(update_fields=["status"])
    assert len(events(action=Action.IMPORT)) == 1


# Staff roles and data-rights requests -------------------------------------------


def test_granting_and_revoking_a_staff_role_is_recorded(client, tree, make_user):
    newcomer = make_user("moi@example.vn", "Người Mới")
    actor = tree.upper_officer

    role = services.staff_role_grant(
        user=newcomer, unit=tree.vnpt_hn, role=StaffRole.Role.VIEWER, actor=actor
    )
    services.staff_role_grant(
        user=newcomer, unit=tree.vnpt_hn, role=StaffRole.Role.VIEWER, actor=actor
    )
    role_id = role.pk
    services.staff_role_revoke(staff_role=role, actor=actor)

    granted, revoked = events(action__in=[Action.ROLE_GRANTED, Action.ROLE_REVOKED])[
        -2:
    ]
    assert granted.action == Action.ROLE_GRANTED
    assert revoked.action == Action.ROLE_REVOKED
    for event in (granted, revoked):
        assert event.actor == actor
        assert event.actor_unit == tree.vnpt
        assert event.unit == tree.vnpt_hn
        assert event.object_id == str(role_id)
        assert event.detail == {"role": "viewer", "user": newcomer.pk}


def test_a_data_rights_request_is_recorded_at_each_step(tree):
    member = tree.sibling.member
    request = data_rights_request_submit(
        member=member, kind="correction", details="Sai số điện thoại", actor=member.user
    )
    data_rights_request_acknowledge(request=request, actor=tree.sibling_officer)

    received, acknowledged = events(action=Action.DATA_REQUEST)
    assert received.actor == member.user
    assert received.actor_unit is None
    assert received.unit == tree.vnpt_hcm
    assert received.detail == {
        "step": "received",
        "kind": "correction",
        "member": member.pk,
    }
    assert acknowledged.actor == tree.sibling_officer
    assert acknowledged.detail["step"] == "acknowledged"


def test_the_detail_never_keeps_national_ids_or_phones(tree):
    member = tree.own_member
    event = audit_record(
        actor=None,
        action=Action.EXPORT,
        obj=member,
        detail={
            "note": f"gọi {member.phone} về CCCD {member.national_id}",
            "phone": member.phone,
            "national_id": member.national_id,
            "nested": [{"email": "an@example.vn", "text": "+84 912 345 678"}],
        },
    )

    event.refresh_from_db()
    assert event.detail == {
        "note": "gọi [SĐT] về CCCD [CCCD]",
        "nested": [{"text": "[SĐT]"}],
    }


# Append-only ------------------------------------------------------------------------


@pytest.fixture
def event(tree):
    return audit_record(
        actor=tree.grassroots_officer,
        action=Action.VIEW,
        obj=tree.own_member,
        detail={"page": "change"},
    )


def test_the_orm_refuses_to_change_or_delete_an_event(event):
    event.detail = {"page": "forged"}
    with pytest.raises(AuditEventImmutableError):
        event.save()
    with pytest.raises(AuditEventImmutableError):
        event.delete()
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(detail={})
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditEventImmutableError):
        AuditEvent.objects.bulk_update([event], ["detail"])
    event.refresh_from_db()
    assert event.detail == {"page": "change"}


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_an_update_that_bypasses_the_orm(event):
    with pytest.raises(DatabaseError):
        _raw(
            "UPDATE members_auditevent SET detail = %s WHERE id = %s", ["{}", event.pk]
        )

    event.refresh_from_db()
    assert event.detail == {"page": "change"}


def test_postgresql_refuses_updates_and_deletes_of_the_audit_table(event):
    require_service(
        connection.vendor == "postgresql", "the DELETE trigger is PostgreSQL's"
    )
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE members_auditevent SET label = %s WHERE id = %s", ["x", event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM members_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM members_auditevent", [])

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_nobody_adds_changes_or_deletes_events_in_the_admin_superusers_included(
    client, superuser, event
):
    client.force_login(superuser)
    changelist = reverse("admin:members_auditevent_changelist")
    change = reverse("admin:members_auditevent_change", args=[event.pk])

    page = client.get(changelist)
    assert page.status_code == 200
    assert 'name="action"' not in page.content.decode()
    assert client.get(reverse("admin:members_auditevent_add")).status_code == 403
    shown = client.get(change)
    assert shown.status_code == 200
    assert 'name="_save"' not in shown.content.decode()
    assert client.post(change, {"label": "x"}).status_code == 403
    delete = reverse("admin:members_auditevent_delete", args=[event.pk])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(
        changelist,
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [event.pk], "post": "yes"},
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# Scope -------------------------------------------------------------------------------


def test_staff_see_the_events_of_their_units_and_of_their_units_staff(client, tree):
    own = audit_record(
        actor=tree.sector_officer, action=Action.VIEW, obj=tree.own_member
    )
    by_own_staff = audit_record(
        actor=tree.grassroots_officer, action=Action.EXPORT, detail={"x": 1}
    )
    sibling = audit_record(
        actor=tree.sibling_officer, action=Action.VIEW, obj=tree.sibling.member
    )
    by_sibling_staff = audit_record(
        actor=tree.sibling_officer, action=Action.EXPORT, detail={"x": 2}
    )
    client.force_login(tree.grassroots_officer)

    listed = client.get(reverse("admin:members_auditevent_changelist"))
    shown = {event.pk for event in listed.context["cl"].result_list}

    assert {own.pk, by_own_staff.pk} <= shown
    assert not {sibling.pk, by_sibling_staff.pk} & shown
    for event in (sibling, by_sibling_staff):
        url = reverse("admin:members_auditevent_change", args=[event.pk])
        assert client.get(url).status_code == 302
    client.force_login(tree.upper_officer)
    listed = client.get(reverse("admin:members_auditevent_changelist"))
    shown = {event.pk for event in listed.context["cl"].result_list}
    assert {own.pk, by_own_staff.pk, sibling.pk, by_sibling_staff.pk} <= shown


def test_officers_read_the_trail_through_their_role(client, tree, make_user):
    """The role alone opens the trail, and only its entries of the role's units."""
    viewer = make_user("chidoc@example.vn", "Chỉ Đọc")
    services.staff_role_grant(
        user=viewer, unit=tree.vnpt_hn, role=StaffRole.Role.OFFICER
    )
    about_own = audit_record(
        actor=tree.sector_officer, action=Action.VIEW, obj=tree.own_member
    )
    by_own_staff = audit_record(
        actor=tree.grassroots_officer, action=Action.EXPORT, detail={"x": 1}
    )
    about_sibling = audit_record(
        actor=tree.sector_officer, action=Action.VIEW, obj=tree.sibling.member
    )
    about_cousin = audit_record(
        actor=tree.vtc_officer, action=Action.VIEW, obj=tree.cousin.member
    )
    by_sibling_staff = audit_record(
        actor=tree.sibling_officer, action=Action.EXPORT, detail={"x": 2}
    )
    client.force_login(viewer)

    listed = client.get(reverse("admin:members_auditevent_changelist"))

    shown = {event.pk for event in listed.context["cl"].result_list}
    assert {about_own.pk, by_own_staff.pk} <= shown
    assert not {about_sibling.pk, about_cousin.pk, by_sibling_staff.pk} & shown
    # Each entry listed is about the Hà Nội union's subtree or by its staff.
    assert all(
        any(
            unit is not None and unit.path.startswith(tree.vnpt_hn.path)
            for unit in (event.unit, event.actor_unit)
        )
        for event in listed.context["cl"].result_list
    )
    change = "admin:members_auditevent_change"
    assert client.get(reverse(change, args=[about_own.pk])).status_code == 200
    for hidden in (about_sibling, about_cousin, by_sibling_staff):
        assert client.get(reverse(change, args=[hidden.pk])).status_code == 302
