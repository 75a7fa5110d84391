"""The demo seed: units, 500 members, four accounts, and every feature in use."""

import importlib.util
import re
import unicodedata
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django.utils.html import escape

from members import migrations
from members.management.commands.seed_demo import (
    CARE_EMAIL,
    MEMBER_EMAIL,
    OFFICER_EMAIL,
)
from members.models import (
    CareCase,
    CareProgramme,
    ConsultationRequest,
    DataRightsRequest,
    ImportHeldRow,
    ImportRun,
    Member,
    Notification,
    ProgrammeDelivery,
    ProgrammeEligibility,
    ProgrammeTemplate,
    Relative,
    Transfer,
    Unit,
    User,
)
from members.retirement import retirement_date
from members.scope import unit_in_scope
from members.selectors.care import care_radar_counts
from members.selectors.picture import register_picture
from members.selectors.programmes import my_programmes
from members.services.transfers import transfer_acts_for, transfer_deciding_side
from tests.conftest import vi, vi_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _programme_templates(db):
    """The templates a migration installs, back after a transactional test's flush.

    Under pytest-xdist a worker may have run a ``transaction=True`` test before
    these, whose flush empties every table, the migration's rows included.
    """
    from django.apps import apps

    if ProgrammeTemplate.objects.exists():
        return
    path = next(Path(migrations.__file__).parent.glob("*_care_programme_templates.py"))
    spec = importlib.util.spec_from_file_location("programme_templates", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install(apps, None)


def seed() -> str:
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_builds_the_tree_members_and_accounts_and_is_idempotent():
    first = seed()
    counts = (Unit.objects.count(), Member.objects.count(), User.objects.count())
    second = seed()
    assert (
        Unit.objects.count(),
        Member.objects.count(),
        User.objects.count(),
    ) == counts

    sector = Unit.objects.get(level=Unit.Level.SECTOR)
    assert Unit.objects.get_root_nodes().get() == sector
    uppers = Unit.objects.filter(level=Unit.Level.UPPER)
    assert uppers.count() >= 3
    assert all(Unit.objects.get_parent(unit) == sector for unit in uppers)
    assert Unit.objects.filter(level=Unit.Level.GRASSROOTS).count() >= 20
    # 500 seeded members, and the three new hires of the demo's HRM import.
    assert Member.objects.filter(card_number__startswith="CD").count() == 500
    assert Member.objects.count() == 503
    assert not Member.objects.exclude(unit__level=Unit.Level.GRASSROOTS).exists()
    for member in Member.objects.select_related("unit", "employer")[:50]:
        assert member.unit.path.startswith(member.employer.path)

    credentials = re.findall(r"(\S+@\S+) / (\S+)", first)
    assert len(credentials) == 4
    assert credentials == re.findall(r"(\S+@\S+) / (\S+)", second)
    (admin_email, admin_password), (member_email, member_password) = credentials[:2]
    for email, password in credentials[2:]:
        staff = User.objects.get(email=email)
        assert staff.is_staff
        assert not staff.is_superuser
        assert staff.check_password(password)
        assert staff.staff_roles.count() == 1
    assert User.objects.get(email=admin_email).is_superuser
    assert User.objects.get(email=admin_email).check_password(admin_password)
    account = User.objects.get(email=member_email)
    assert account.check_password(member_password)
    assert account.member.full_name == account.name
    assert Relative.objects.count() > 200
    assert CareCase.objects.filter(status=CareCase.Status.OPEN).count() >= 10


def test_seed_names_read_in_vietnamese_order_and_are_nfc():
    seed()
    names = list(Member.objects.values_list("full_name", "full_name_folded", "gender"))
    titles = {"Cô", "Bà", "Ông", "Anh", "Chị", "Em", "Bác"}
    for full_name, folded, gender in names:
        parts = full_name.split()
        assert len(parts) >= 3
        assert parts[0] not in titles
        assert unicodedata.is_normalized("NFC", full_name)
        assert folded.isascii()
        if gender == Member.Gender.FEMALE:
            assert parts[1] != "Văn"
    assert len({name for name, _f, _g in names}) > 300


@pytest.mark.parametrize("day", ["2026-12-06", "2031-06-15"])
def test_seed_has_no_active_member_past_the_legal_retirement_age(day):
    """The demo's members are of working age on the day it is seeded.

    The picture counted 27 active women past the retirement age on 06/12/2026:
    the count was right (members.retirement), the seed drew every birth from
    1966 onwards whatever the day and the gender.
    """
    with time_machine.travel(datetime.fromisoformat(f"{day}T10:00+07:00"), tick=False):
        seed()
        today = timezone.localdate()
        superuser = User.objects.get(is_superuser=True)
        picture = register_picture(user=superuser, today=today, fresh=True)
        block = picture.block("retirement")
        past = block.rows[-1]

        assert past.label == vi_text("Already past retirement age")
        assert past.values == (0, 0, 0)
        # Some still reach it within the year, so the table shows something.
        assert block.total.values[0] > 0
        month_start = today.replace(day=1)
        for gender, born in Member.objects.filter(
            status=Member.Status.ACTIVE
        ).values_list("gender", "date_of_birth"):
            assert retirement_date(gender=gender, birth_date=born) >= month_start


def activity_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            CareProgramme,
            ProgrammeEligibility,
            ProgrammeDelivery,
            ConsultationRequest,
            Transfer,
            ImportRun,
            ImportHeldRow,
            DataRightsRequest,
            Notification,
            Relative,
        )
    } | {"read": Notification.objects.filter(read_at__isnull=False).count()}


def test_seed_puts_every_feature_in_use_once():
    seed()
    first = activity_counts()
    seed()
    assert activity_counts() == first

    member_user = User.objects.get(email=MEMBER_EMAIL)
    member = member_user.member
    officer = User.objects.get(email=OFFICER_EMAIL)
    carer = User.objects.get(email=CARE_EMAIL)
    # The care officer of the member's own grassroots union books their visits,
    # and has a case nobody visited for two weeks on the radar.
    assert unit_in_scope(carer, member.unit)
    radar = care_radar_counts(unit=member.unit, today=timezone.localdate(), days=14)
    assert radar["stale"] >= 1

    # Care programmes: open ones with eligible lists and deliveries, and a draft.
    statuses = Counter(CareProgramme.objects.values_list("status", flat=True))
    assert statuses[CareProgramme.Status.OPEN] >= 2
    assert statuses[CareProgramme.Status.DRAFT] >= 1
    assert ProgrammeEligibility.objects.count() > 50
    outcomes = set(ProgrammeDelivery.objects.values_list("outcome", flat=True))
    assert outcomes == {
        ProgrammeDelivery.Outcome.GIVEN,
        ProgrammeDelivery.Outcome.DECLINED,
    }
    mine = my_programmes(user=member_user)
    assert any(b.delivery for p in mine for b in p.benefits)
    assert any(
        p.programme.beneficiary == CareProgramme.Beneficiary.RELATIVE for p in mine
    )

    # Consultations: the member's appointment is ahead; another waits for one.
    own = ConsultationRequest.objects.get(member=member)
    assert own.status == ConsultationRequest.Status.SCHEDULED
    assert own.scheduled_at > timezone.now()
    assert ConsultationRequest.objects.filter(
        status=ConsultationRequest.Status.REQUESTED
    ).exists()

    # Transfers waiting, proposed from both sides; the VNPT officer decides some
    # of each, and waits for the other side on others.
    pending = list(Transfer.objects.filter(state=Transfer.State.PENDING))
    assert {t.proposer_side for t in pending} == set(Transfer.Side.values)
    deciding = [
        t.proposer_side
        for t in pending
        if transfer_acts_for(transfer=t, user=officer, side=transfer_deciding_side(t))
    ]
    assert set(deciding) == set(Transfer.Side.values)
    assert len(deciding) < len(pending)

    # The HRM import went through the importer: a stored file, held rows, a
    # member missing from it, transfers it asked for.
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.DONE
    assert run.file_sha256
    assert run.count_new == 3
    assert run.count_held == 3
    assert run.count_absent == 2
    assert run.count_transfers == 2
    held = ImportHeldRow.objects.filter(run=run, status=ImportHeldRow.Status.OPEN)
    assert set(held.values_list("code", flat=True)) == {
        "cccd_length",
        "required",
        "department_unmapped",
    }
    assert Member.objects.filter(status=Member.Status.RETIRED).count() == 1

    # Notifications read and unread, for the member and both officers.
    for user in (member_user, officer, carer):
        read = {
            notification.read_at is not None
            for notification in Notification.objects.filter(recipient=user)
        }
        assert read == {True, False}, user.email

    # Data-rights requests: the member's own, and one past its first deadline.
    assert DataRightsRequest.objects.filter(
        member=member, status__in=DataRightsRequest.OPEN
    ).exists()
    assert DataRightsRequest.objects.filter(
        acknowledge_by__lt=timezone.localdate(),
        status=DataRightsRequest.Status.RECEIVED,
    ).exists()


def test_the_tours_member_pages_show_the_demo(client):
    seed()
    member_user = User.objects.get(email=MEMBER_EMAIL)
    member = member_user.member
    client.force_login(member_user)

    programmes = client.get("/cham-lo/").content.decode()
    consultations = client.get("/tu-van/").content.decode()
    inbox = client.get("/thong-bao/").content.decode()
    my_data = client.get("/du-lieu-cua-toi/").content.decode()
    relatives = client.get("/than-nhan/").content.decode()

    assert "Quà học tập cho con đoàn viên dưới 15 tuổi" in programmes
    assert ConsultationRequest.objects.get(member=member).adviser in consultations
    for notification in Notification.objects.filter(recipient=member_user):
        assert escape(notification.title) in inbox
    assert vi("Correct my data") in my_data
    for name in member.relatives.values_list("full_name", flat=True):
        assert name in relatives


probe_calls = []


def _demo_seed_probe(*, people, today):
    probe_calls.append((people.member.pk, today))
    return "Probe: seeded."


def test_seed_runs_each_apps_declared_demo_seed(monkeypatch):
    """An app's AppConfig.demo_seed is called with the demo people; its line printed."""
    from django.apps import apps as django_apps

    config = django_apps.get_app_config("inspections")
    monkeypatch.setattr(
        config,
        "demo_seed",
        "tests.members.test_register_seed_demo._demo_seed_probe",
        raising=False,
    )
    probe_calls.clear()
    out = seed()
    assert "Probe: seeded." in out
    member = Member.objects.get(user__email=MEMBER_EMAIL)
    assert probe_calls == [(member.pk, timezone.localdate())]
