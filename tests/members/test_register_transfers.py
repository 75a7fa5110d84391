"""Transfers between units: two-sided, never a way to take another unit's member."""

import html
import importlib.util
import threading
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

import members
from members import services
from members.models import (
    CareCase,
    HrmDepartment,
    HrmProfile,
    ImportChange,
    ImportHeldRow,
    ImportRun,
    Member,
    Notification,
    Relative,
    Transfer,
    Unit,
)
from members.scope import scoped
from members.services.hrm_import import import_run_create, import_run_execute
from tests.conftest import require_service, vi_text
from tests.members.factories import make_union_tree, reloaded
from tests.members.test_imports_admin import Queue
from tests.members.test_register_admin import admin_url, messages_of, post_action

MIGRATIONS = Path(members.__file__).parent / "migrations"
HEADER = "Mã NV,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Email,Mã đơn vị\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queue(monkeypatch):
    queue = Queue()
    monkeypatch.setattr("members.tasks.import_run_execute", queue)
    return queue


def tree_with_employer_a():
    """The union tree, where grassroots union A (VNPT Hà Nội) has its own HRM file.

    Union B is its sibling VNPT TP. Hồ Chí Minh, whose canary is the target.
    """
    tree = make_union_tree()
    Unit.objects.filter(pk=tree.vnpt_hn.pk).update(is_employer=True)
    employer = reloaded(tree.vnpt_hn)
    HrmDepartment.objects.create(employer=employer, code="HN01", unit=employer)
    # A file of changes: nobody is flagged missing from it.
    HrmProfile.objects.create(employer=employer, full_file=False)
    return tree


@pytest.fixture
def tree(db):
    return tree_with_employer_a()


def file_with_cccd_of(member: Member, code: str = "HN-0001") -> str:
    """One row for employer A carrying another union's member's CCCD."""
    gender = "Nữ" if member.gender == Member.Gender.FEMALE else "Nam"
    born = f"01/01/{member.date_of_birth.year}"
    return HEADER + f"{code},Người Lạ Mặt,{born},{gender},{member.national_id},,HN01\n"


def run_import(tree, content: str, *, by, confirmed: bool = False) -> ImportRun:
    """Import a file for employer A, as the worker does for a confirmed upload."""
    run = import_run_create(
        employer=reloaded(tree.vnpt_hn),
        source=ImportRun.Source.UPLOAD,
        file_name="nhan-su-hn.csv",
        content=content.encode("utf-8-sig"),
        started_by=by,
        confirmed=confirmed,
    )
    return import_run_execute(run_id=run.pk)


def b_strings(tree) -> dict[str, str]:
    """What A must never learn of B's member (A gave the CCCD itself)."""
    strings = dict(tree.sibling.strings)
    del strings["CCCD"]
    strings["unit"] = tree.vnpt_hcm.name
    return strings


def leaked(tree, text: str) -> list[str]:
    text = html.unescape(text)
    return [label for label, value in b_strings(tree).items() if value in text]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# The attack of issue #12 ------------------------------------------------------


def test_a_unit_cannot_take_another_units_member_with_a_cccd(client, tree, queue):
    canary = tree.sibling
    a_officer = tree.grassroots_officer
    client.force_login(a_officer)
    upload = client.post(
        reverse("admin:members_importrun_upload"),
        {
            "employer": tree.vnpt_hn.pk,
            "file": _file("nhan-su-hn.csv", file_with_cccd_of(canary.member)),
        },
    )
    assert upload.status_code == 302
    queue.work()
    preview = ImportRun.objects.get()
    client.post(reverse("admin:members_importrun_confirm", args=[preview.pk]))
    queue.work()
    run = ImportRun.objects.exclude(pk=preview.pk).get()
    assert (run.status, run.count_transfers) == (ImportRun.Status.DONE, 1)

    transfer = Transfer.objects.get(member=canary.member)
    assert (transfer.state, transfer.proposer_side) == (
        Transfer.State.PENDING,
        "receiving",
    )
    assert (transfer.from_unit, transfer.to_unit) == (tree.vnpt_hcm, tree.vnpt_hn)

    # A's officer sees that the CCCD belongs to someone elsewhere, not who.
    changelist = page(client, admin_url(Transfer, "changelist"))
    assert f'value="{transfer.pk}"' in changelist
    assert canary.member.national_id in changelist
    assert leaked(tree, changelist) == []
    for view in ("change", "history"):
        assert leaked(tree, page(client, admin_url(Transfer, view, transfer.pk))) == []
    assert (
        leaked(
            tree, page(client, reverse("admin:members_importrun_change", args=[run.pk]))
        )
        == []
    )

    # A cannot complete it alone, and the refusal names nobody.
    for action in ("confirm_transfers", "reject_transfers"):
        response = post_action(client, Transfer, action, [transfer])
        assert leaked(tree, response.content.decode()) == []
        assert leaked(tree, str(messages_of(response))) == []
        assert [level for level, _text in messages_of(response)] == ["error"]
    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.PENDING
    canary.member.refresh_from_db()
    assert canary.member.unit == tree.vnpt_hcm
    for model in (Member, Relative, CareCase):
        assert not scoped(model.objects.all(), a_officer).filter(
            pk__in=[canary.member.pk, canary.relative.pk, canary.care_case.pk]
        )

    # B's officer sees their member and releases them: now it completes.
    client.force_login(tree.sibling_officer)
    assert canary.member.full_name in page(client, admin_url(Transfer, "changelist"))
    response = post_action(client, Transfer, "confirm_transfers", [transfer])
    assert [level for level, _text in messages_of(response)] == ["success"]
    transfer.refresh_from_db()
    assert (transfer.state, transfer.decided_by) == (
        Transfer.State.CONFIRMED,
        tree.sibling_officer,
    )
    canary.member.refresh_from_db()
    assert (canary.member.unit_id, canary.member.employer_id) == (
        tree.vnpt_hn.pk,
        tree.vnpt_hn.pk,
    )
    assert canary.member.employee_code == "HN-0001"
    assert scoped(Relative.objects.all(), a_officer).filter(pk=canary.relative.pk)
    client.force_login(a_officer)
    assert canary.member.full_name in page(client, admin_url(Transfer, "changelist"))


def _file(name: str, content: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content.encode("utf-8-sig"), "text/csv")


@pytest.mark.parametrize(
    "releaser", ["sibling_officer", "upper_officer", "sector_officer"]
)
def test_the_sending_unit_or_an_officer_above_both_releases_a_member_asked_for(
    tree, releaser
):
    run_import(tree, file_with_cccd_of(tree.sibling.member), by=tree.grassroots_officer)
    transfer = Transfer.objects.get(member=tree.sibling.member)

    with pytest.raises(PermissionDenied):
        services.transfer_confirm(transfer=transfer, actor=tree.grassroots_officer)
    # An officer of an unrelated union is no side at all.
    with pytest.raises(PermissionDenied):
        services.transfer_confirm(transfer=transfer, actor=tree.vtc_officer)
    services.transfer_confirm(transfer=transfer, actor=getattr(tree, releaser))

    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.CONFIRMED
    assert Member.objects.get(pk=tree.sibling.member.pk).unit_id == tree.vnpt_hn.pk


def test_the_proposer_withdraws_and_the_other_side_refuses(tree):
    run_import(tree, file_with_cccd_of(tree.sibling.member), by=tree.grassroots_officer)
    transfer = Transfer.objects.get(member=tree.sibling.member)

    # Refusing is the other side's; withdrawing is the proposer's.
    with pytest.raises(PermissionDenied):
        services.transfer_reject(transfer=transfer, actor=tree.grassroots_officer)
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(transfer=transfer, actor=tree.sibling_officer)
    services.transfer_reject(transfer=transfer, actor=tree.sibling_officer)
    transfer.refresh_from_db()
    assert (transfer.state, transfer.decided_by) == (
        Transfer.State.REJECTED,
        tree.sibling_officer,
    )

    # A new proposal from the next file; this time A withdraws it.
    run_import(tree, file_with_cccd_of(tree.sibling.member), by=tree.grassroots_officer)
    again = Transfer.objects.get(member=tree.sibling.member, state="pending")
    services.transfer_cancel(transfer=again, actor=tree.grassroots_officer)
    again.refresh_from_db()
    assert again.state == Transfer.State.CANCELLED
    assert Member.objects.get(pk=tree.sibling.member.pk).unit_id == tree.vnpt_hcm.pk


def test_a_member_offered_by_the_sending_unit_is_accepted_by_the_receiving_one(
    client, tree
):
    member = tree.own_member
    transfer = services.transfer_request(
        member=member,
        to_unit=tree.vnpt_hcm,
        transfer_on=tree.today,
        actor=tree.grassroots_officer,
    )
    assert transfer.proposer_side == "sending"

    with pytest.raises(PermissionDenied):
        services.transfer_confirm(transfer=transfer, actor=tree.grassroots_officer)
    # The sending unit offered the member: the receiving unit sees whom.
    client.force_login(tree.sibling_officer)
    assert member.full_name in page(client, admin_url(Transfer, "change", transfer.pk))
    post_action(client, Transfer, "confirm_transfers", [transfer])

    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.CONFIRMED
    assert Member.objects.get(pk=member.pk).unit_id == tree.vnpt_hcm.pk


# Who is told ------------------------------------------------------------------


def test_the_side_that_must_act_is_notified_once(tree):
    a_officer, b_officer = tree.grassroots_officer, tree.sibling_officer
    content = file_with_cccd_of(tree.sibling.member)
    run_import(tree, content, by=a_officer)
    transfer = Transfer.objects.get(member=tree.sibling.member)

    notes = Notification.objects.filter(kind="transfer.awaiting")
    assert list(notes.values_list("recipient", flat=True)) == [b_officer.pk]
    note = notes.get()
    assert note.link.startswith(admin_url(Transfer, "changelist"))
    # The notice names nobody: it may go out by e-mail.
    assert tree.sibling.member.full_name not in note.title + note.body
    run_import(tree, content, by=a_officer)
    assert notes.count() == 1

    services.transfer_cancel(transfer=transfer, actor=a_officer)
    services.transfer_request(
        member=tree.own_member,
        to_unit=tree.vnpt_hcm,
        transfer_on=tree.today,
        actor=a_officer,
    )
    assert sorted(notes.values_list("recipient", flat=True)) == [b_officer.pk] * 2


# What a run reports -----------------------------------------------------------


def test_a_run_reports_no_transfer_for_a_member_already_pending_elsewhere(tree):
    services.transfer_request(
        member=tree.sibling.member,
        to_unit=tree.vtc_st,
        transfer_on=tree.today,
        actor=tree.sibling_officer,
    )

    run = run_import(
        tree, file_with_cccd_of(tree.sibling.member), by=tree.grassroots_officer
    )

    assert run.status == ImportRun.Status.DONE
    assert run.count_transfers == 0
    assert Transfer.objects.filter(member=tree.sibling.member).count() == 1
    assert not ImportChange.objects.filter(run=run, action="transfer").exists()
    run.refresh_from_db()
    assert run.count_transfers == 0


def test_importing_a_file_again_reports_the_transfers_it_wrote(tree):
    content = file_with_cccd_of(tree.sibling.member) + (
        f"HN-0002,Người Thứ Hai,01/01/{tree.cousin.member.date_of_birth.year},Nữ,"
        f"{tree.cousin.member.national_id},,HN01\n"
    )
    first = run_import(tree, content, by=tree.grassroots_officer)
    again = run_import(tree, content, by=tree.grassroots_officer)

    assert first.count_transfers == 2
    assert again.count_transfers == 0
    assert Transfer.objects.count() == 2
    assert ImportRun.objects.get(pk=again.pk).count_transfers == 0
    nothing = vi_text(
        "Nothing changed: the register already matches this file "
        "(%(held)s rows held for review)."
    )
    assert again.message == nothing % {"held": 0}


# Two clicks at once ---------------------------------------------------------------


def _concurrently(*calls):
    """Run the calls in threads lined up on a barrier; return what each raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "done"
        except (ValidationError, PermissionDenied) as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["confirm", "reject"])
def test_two_concurrent_decisions_decide_a_transfer_once(second):
    require_service(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "only PostgreSQL has real row locks",
    )
    tree = tree_with_employer_a()
    run_import(tree, file_with_cccd_of(tree.sibling.member), by=tree.grassroots_officer)
    transfer = Transfer.objects.get(member=tree.sibling.member)
    other = getattr(services, f"transfer_{second}")

    outcomes = _concurrently(
        lambda: services.transfer_confirm(
            transfer=transfer, actor=tree.sibling_officer
        ),
        lambda: other(transfer=transfer, actor=tree.upper_officer),
    )

    assert sorted(str(o == "done") for o in outcomes) == ["False", "True"]
    loser = next(o for o in outcomes if o != "done")
    assert isinstance(loser, ValidationError)
    transfer.refresh_from_db()
    winner = tree.sibling_officer if outcomes[0] == "done" else tree.upper_officer
    assert transfer.decided_by == winner
    moved = Member.objects.get(pk=tree.sibling.member.pk).unit_id == tree.vnpt_hn.pk
    assert moved == (transfer.state == Transfer.State.CONFIRMED)


# Transfers proposed before the two sides ---------------------------------------------


def _proposer_sides_fill():
    """Run the data migration's function on the current models."""
    path = next(MIGRATIONS.glob("*_transfer_two_sided.py"))
    spec = importlib.util.spec_from_file_location("transfer_two_sided", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.proposer_sides_fill(django_apps, None)


@pytest.mark.parametrize("to_another_employer", [True, False])
def test_pending_transfers_of_earlier_imports_wait_for_the_sending_unit(
    tree, to_another_employer
):
    run_import(tree, file_with_cccd_of(tree.sibling.member), by=tree.grassroots_officer)
    offered = services.transfer_request(
        member=tree.own_member, to_unit=tree.vnpt_hcm, transfer_on=tree.today
    )
    # As before the migration; without a new employer only the run's record tells.
    Transfer.objects.update(proposer_side="sending")
    if not to_another_employer:
        Transfer.objects.update(to_employer=None)

    _proposer_sides_fill()

    imported = Transfer.objects.get(member=tree.sibling.member)
    assert imported.proposer_side == "receiving"
    offered.refresh_from_db()
    assert offered.proposer_side == "sending"


# A held row fixed into a transfer ---------------------------------------------------


def test_fixing_a_held_row_into_a_transfer_shows_nothing_of_the_other_member(
    client, tree
):
    canary = tree.sibling
    content = file_with_cccd_of(canary.member).replace(",,HN01", ",sai@,HN01")
    # Confirmed: one bad row of one is beyond the safety limit.
    run = run_import(tree, content, by=tree.grassroots_officer, confirmed=True)
    held = ImportHeldRow.objects.get(run=run)
    client.force_login(tree.grassroots_officer)
    fix_url = reverse("admin:members_importheldrow_fix", args=[held.pk])
    form = client.get(fix_url).context["fix_form"]
    data = {name: held.values.get(header, "") for name, header in form.headers.items()}
    data[next(n for n, h in form.headers.items() if h == "Email")] = ""

    response = client.post(fix_url, {**data, "_fix": "1"}, follow=True)

    transfer = Transfer.objects.get(member=canary.member)
    assert (transfer.state, transfer.proposer_side) == ("pending", "receiving")
    assert [level for level, _text in messages_of(response)] == ["success"]
    assert leaked(tree, str(messages_of(response))) == []
    assert leaked(tree, response.content.decode()) == []
    held_page = admin_url(ImportHeldRow, "change", held.pk)
    assert leaked(tree, page(client, held_page)) == []
    assert leaked(tree, page(client, fix_url)) == []
    assert (
        leaked(tree, page(client, admin_url(ImportHeldRow, "history", held.pk))) == []
    )
    # The sending unit still decides.
    with pytest.raises(PermissionDenied):
        services.transfer_confirm(transfer=transfer, actor=tree.grassroots_officer)
