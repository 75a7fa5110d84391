"""Care programmes: rules, eligible lists, moves between units, budgets, reminders."""

import random
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from members import services as register
from members.eligibility import RulesInPython, age_on, rule_parse, rules_parse
from members.models import (
    CareCase,
    CareProgramme,
    ImportRun,
    Member,
    Notification,
    ProgrammeDelivery,
    ProgrammeEligibility,
    ProgrammeTemplate,
    Relative,
    StaffRole,
    User,
)
from members.money import vnd
from members.scope import scoped
from members.services import programmes as services
from members.services.notifications import reminder_run
from members.services.staff import role_group
from tests.conftest import vi, vi_text
from tests.members.factories import (
    make_member,
    make_permissions_group,
    make_relative,
    make_staff,
    make_union_tree,
)
from tests.members.factories_programmes import (
    FEMALE_ACTIVE,
    deliver,
    make_programme,
    row_of,
)

pytestmark = pytest.mark.django_db

REFERENCE = date(2026, 6, 1)
CHILD = Relative.Relationship.CHILD
FEMALE = Member.Gender.FEMALE
GIVEN = ProgrammeDelivery.Outcome.GIVEN
DECLINED = ProgrammeDelivery.Outcome.DECLINED
ALREADY = "Already recorded, never twice: %(names)s."
OPEN_ONLY = "Deliveries are recorded for open programmes only."


def before_placeholder(message: str) -> str:
    return vi_text(message).split("%(")[0]


@pytest.fixture
def tree():
    return make_union_tree()


def listed(programme) -> dict[str, int]:
    """Return the programme's eligible list as {beneficiary key: amount}."""
    return dict(
        ProgrammeEligibility.objects.filter(programme=programme).values_list(
            "beneficiary_key", "amount"
        )
    )


def key(person) -> str:
    if isinstance(person, Relative):
        return services.relative_key(person.pk)
    return services.member_key(person.pk)


def care_officer(tree, unit, slug):
    return make_staff(
        email=f"chamlo.{slug}@example.vn",
        name=f"Cán bộ chăm lo {slug}",
        unit=unit,
        role=StaffRole.Role.CARE_OFFICER,
        groups=(make_permissions_group("Mọi quyền hội viên", "members"),),
    )


# Rules read from data ------------------------------------------------------------


def test_rule_values_are_read_from_the_register_labels_in_either_language(tree):
    assert rule_parse({"field": "gender", "operator": "eq", "value": "Nữ"}).value == {
        "female"
    }
    status = rule_parse(
        {"field": "status", "operator": "in", "value": "dang sinh hoat; Retired"}
    )
    assert status.value == {"active", "retired"}
    child = rule_parse({"field": "relationship", "operator": "in", "value": "con"})
    assert child.value == {"child"}
    unit = rule_parse({"field": "unit", "operator": "in", "value": "vnpt-hn, VTC-DT"})
    assert unit.value == {"VNPT-HN", "VTC-DT"}
    assert (
        rule_parse({"field": "born_in_period", "operator": "eq", "value": "Có"}).value
        is True
    )


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"field": "shoe_size", "operator": "eq", "value": "40"}, "field"),
        ({"field": "age", "operator": "in", "value": "40"}, "operator"),
        ({"field": "age", "operator": "lt", "value": "forty"}, "value"),
        ({"field": "gender", "operator": "eq", "value": "Nữ, Nam"}, "value"),
        ({"field": "status", "operator": "in", "value": "on holiday"}, "value"),
        ({"field": "unit", "operator": "in", "value": "NO-SUCH-UNIT"}, "value"),
        ({"field": "relative_age", "operator": "lt", "value": ""}, "value"),
    ],
)
def test_a_bad_rule_is_refused_on_the_field_at_fault(tree, rule, field):
    with pytest.raises(ValidationError) as error:
        rule_parse(rule)
    assert field in error.value.message_dict


def test_children_under_15_are_counted_on_the_reference_date(tree):
    member = make_member(unit=tree.vnpt_hn, full_name="Đặng Thị Mẹ", gender=FEMALE)
    born = {
        "turns 15 on the day": date(2011, 6, 1),
        "turns 15 the day after": date(2011, 6, 2),
        "turned 15 the day before": date(2011, 5, 31),
        "born this year": date(2026, 1, 1),
        "29 February, 14": date(2012, 2, 29),
    }
    children = {
        label: make_relative(
            member=member, full_name=label, relationship=CHILD, date_of_birth=day
        )
        for label, day in born.items()
    }
    unknown = make_relative(member=member, full_name="no date", relationship=CHILD)
    spouse = make_relative(
        member=member,
        full_name="young spouse",
        relationship=Relative.Relationship.SPOUSE,
        date_of_birth=date(2016, 1, 1),
    )
    programme = make_programme(
        unit=tree.vnpt_hn,
        name="Quà Tết Thiếu nhi 1/6",
        beneficiary=CareProgramme.Beneficiary.RELATIVE,
        rules=(("relationship", "eq", "Con"), ("relative_age", "lt", "15")),
        amount=200_000,
        period_start=date(2026, 5, 1),
        period_end=date(2026, 6, 30),
        reference_on=REFERENCE,
    )

    eligible = {
        children[label].pk
        for label in ("turns 15 the day after", "born this year", "29 February, 14")
    }
    assert set(listed(programme)) == {services.relative_key(pk) for pk in eligible}
    assert unknown.pk not in eligible
    assert spouse.pk not in eligible
    assert age_on(date(2011, 6, 1), REFERENCE) == 15
    # Each child is a row of the list, in the mother's unit, for the amount.
    row = row_of(programme, member, children["born this year"])
    assert (row.member_id, row.unit_id, row.amount) == (
        member.pk,
        tree.vnpt_hn.pk,
        200_000,
    )


def test_members_with_a_child_under_15_are_listed_once_whatever_their_children(tree):
    two = make_member(unit=tree.vnpt_hn, full_name="Hai Con", gender=FEMALE)
    for name, day in (("Con lớn", date(2014, 3, 1)), ("Con nhỏ", date(2019, 3, 1))):
        make_relative(member=two, full_name=name, relationship=CHILD, date_of_birth=day)
    grown = make_member(unit=tree.vnpt_hn, full_name="Con Đã Lớn", gender=FEMALE)
    make_relative(
        member=grown,
        full_name="Con 20",
        relationship=CHILD,
        date_of_birth=date(2006, 1, 1),
    )
    none = make_member(unit=tree.vnpt_hn, full_name="Chưa Có Con", gender=FEMALE)
    programme = make_programme(
        unit=tree.vnpt_hn,
        name="Hỗ trợ đoàn viên có con nhỏ",
        rules=(("relationship", "in", "child"), ("relative_age", "lt", "15")),
        reference_on=REFERENCE,
    )

    assert listed(programme) == {key(two): 500_000}
    assert key(grown) not in listed(programme)
    assert key(none) not in listed(programme)


def test_health_check_template_pays_by_age_on_the_reference_date_women_only(tree):
    template = ProgrammeTemplate.objects.get(code="health-check-women")
    programme = register_from_template(tree, template, tree.vnpt)
    women = {
        "39": make_member(
            unit=tree.vnpt_hn, full_name="Ba Mươi Chín", gender=FEMALE,
            date_of_birth=date(1986, 6, 2),
        ),
        "40": make_member(
            unit=tree.vnpt_hcm, full_name="Bốn Mươi", gender=FEMALE,
            date_of_birth=date(1986, 6, 1),
        ),
    }  # fmt: skip
    retired = make_member(
        unit=tree.vnpt_hn, full_name="Đã Nghỉ Hưu", gender=FEMALE,
        date_of_birth=date(1960, 1, 1), status=Member.Status.RETIRED,
    )  # fmt: skip
    man = make_member(
        unit=tree.vnpt_hn, full_name="Đàn Ông", date_of_birth=date(1980, 1, 1)
    )
    services.programme_open(programme=programme)

    rows = listed(programme)
    assert rows[key(women["39"])] == 250_000
    assert rows[key(women["40"])] == 650_000
    assert key(retired) not in rows
    assert key(man) not in rows
    # Not the VTC canary: the programme is VNPT's.
    assert key(tree.cousin.member) not in rows
    assert rows[key(tree.sibling.member)] in {250_000, 650_000}


def register_from_template(tree, template, unit, **dates):
    return services.programme_create_from_template(
        template=template,
        unit=unit,
        period_start=dates.get("start", date(2026, 1, 1)),
        period_end=dates.get("end", date(2026, 12, 31)),
        reference_on=dates.get("reference", REFERENCE),
    )


def test_maternity_template_adds_5_million_for_each_extra_child_of_a_multiple_birth(
    tree,
):
    template = ProgrammeTemplate.objects.get(code="maternity-support")
    programme = register_from_template(tree, template, tree.vnpt_hn)
    twins = make_member(unit=tree.vnpt_hn, full_name="Mẹ Sinh Đôi", gender=FEMALE)
    for name in ("Đôi Một", "Đôi Hai"):
        make_relative(
            member=twins,
            full_name=name,
            relationship=CHILD,
            date_of_birth=date(2026, 3, 3),
        )
    triplets = make_member(unit=tree.vnpt_hn, full_name="Mẹ Sinh Ba", gender=FEMALE)
    for name in ("Ba Một", "Ba Hai", "Ba Ba"):
        make_relative(
            member=triplets,
            full_name=name,
            relationship=CHILD,
            date_of_birth=date(2026, 2, 2),
        )
    one = make_member(unit=tree.vnpt_hn, full_name="Mẹ Một Con", gender=FEMALE)
    make_relative(
        member=one,
        full_name="Con Một",
        relationship=CHILD,
        date_of_birth=date(2026, 4, 4),
    )
    earlier = make_member(unit=tree.vnpt_hn, full_name="Sinh Năm Ngoái", gender=FEMALE)
    make_relative(
        member=earlier,
        full_name="Con Cũ",
        relationship=CHILD,
        date_of_birth=date(2025, 12, 31),
    )
    services.programme_open(programme=programme)

    assert listed(programme) == {
        key(one): 10_000_000,
        key(twins): 15_000_000,
        key(triplets): 20_000_000,
    }


def test_visits_template_lists_members_with_an_open_illness_case(tree):
    template = ProgrammeTemplate.objects.get(code="sick-member-visits")
    programme = register_from_template(tree, template, tree.vnpt_hn)
    services.programme_open(programme=programme)
    # own_member's case is an illness; group_member's is a childbirth.
    assert set(listed(programme)) == {key(tree.own_member)}
    assert programme.benefit == CareProgramme.Benefit.GIFT

    register.care_case_close(case=tree.own_care_case)
    services.programme_eligibility_refresh(programme_id=programme.pk)
    assert listed(programme) == {}


def test_the_database_and_a_person_by_person_evaluation_agree(tree):
    rng = random.Random(7)  # noqa: S311 (test data)
    for n in range(40):
        member = make_member(
            unit=rng.choice(
                [tree.vnpt_hn, tree.vnpt_hn_group, tree.vnpt_hcm, tree.vtc_dt]
            ),
            full_name=f"Người Thử {n}",
            gender=rng.choice([Member.Gender.MALE, FEMALE]),
            date_of_birth=date(1965, 1, 1) + timedelta(days=rng.randrange(14_000)),
            hired_on=date(1990, 1, 1) + timedelta(days=rng.randrange(12_000)),
            status=rng.choice(list(Member.Status.values)),
        )
        for m in range(rng.randrange(4)):
            make_relative(
                member=member,
                full_name=f"Thân nhân {n}.{m}",
                relationship=rng.choice(list(Relative.Relationship.values)),
                date_of_birth=rng.choice(
                    [None, date(1950, 1, 1) + timedelta(days=rng.randrange(27_500))]
                ),
            )
    to_member, to_relative = CareProgramme.Beneficiary.values
    cases = [
        (to_member, (("age", "gte", "40"), ("years_of_service", "lt", "20"))),
        (to_member, (("unit", "not_in", "VNPT-HCM"), ("status", "not_in", "left"))),
        (
            to_member,
            (
                ("gender", "eq", "male"),
                ("relative_age", "gte", "60"),
                ("relationship", "in", "father, mother"),
            ),
        ),
        (
            to_relative,
            (
                ("relationship", "not_in", "spouse"),
                ("relative_age", "lte", "18"),
                ("age", "eq", "45"),
            ),
        ),
        (to_relative, (("relative_age", "gt", "70"),)),
    ]
    for number, (beneficiary, rules) in enumerate(cases):
        programme = make_programme(
            unit=tree.sector,
            name=f"So sánh {number}",
            beneficiary=beneficiary,
            rules=rules,
            bands=((30, 300_000), (50, 700_000)),
            amount=100_000,
            extra_amount=50_000,
            reference_on=REFERENCE,
        )
        assert listed(programme) == evaluated_in_python(programme), rules


def evaluated_in_python(programme) -> dict[str, int]:
    rules = rules_parse(programme.rules.all())
    python = RulesInPython(programme, rules, list(programme.bands.all()))
    open_kinds = {}
    for member_id, kind in CareCase.objects.filter(status="open").values_list(
        "member_id", "kind"
    ):
        open_kinds.setdefault(member_id, set()).add(kind)
    expected = {}
    for member in Member.objects.select_related("unit").prefetch_related("relatives"):
        if not python.member_matches(
            member,
            unit_path=member.unit.path,
            open_case_kinds=open_kinds.get(member.pk, set()),
        ):
            continue
        matching = [r for r in member.relatives.all() if python.relative_matches(r)]
        if programme.beneficiary == CareProgramme.Beneficiary.RELATIVE:
            for relative in matching:
                expected[key(relative)] = python.amount(relative.date_of_birth)
        elif matching or not python.relative_rules:
            further = max(len(matching) - 1, 0) if python.relative_rules else 0
            expected[key(member)] = python.amount(member.date_of_birth, further=further)
    return expected


# Refreshing the list ---------------------------------------------------------------


def test_refresh_is_idempotent_and_drops_only_the_undelivered_who_left(tree):
    programme = make_programme(unit=tree.sector, name="Quà 8/3", rules=FEMALE_ACTIVE)
    before = listed(programme)
    assert services.programme_eligibility_refresh(programme_id=programme.pk) == {
        "programme": programme.pk,
        "changed": 0,
        "removed": 0,
    }
    assert listed(programme) == before

    deliver(programme, tree.sibling.member)
    for member in (tree.sibling.member, tree.cousin.member):
        member.status = Member.Status.LEFT
        register.member_save(member=member)
    result = services.programme_eligibility_refresh(programme_id=programme.pk)

    assert result["removed"] == 1
    rows = listed(programme)
    assert key(tree.cousin.member) not in rows
    # A delivered row is history: it stays.
    assert key(tree.sibling.member) in rows


def test_a_closed_programme_is_not_refreshed(tree):
    programme = make_programme(unit=tree.vnpt_hn, name="Đã đóng", rules=FEMALE_ACTIVE)
    services.programme_close(programme=programme)
    make_member(unit=tree.vnpt_hn, full_name="Mới Vào", gender=FEMALE)
    services.programme_eligibility_refresh(programme_id=programme.pk)
    assert set(listed(programme)) == {key(tree.group_member)}


def test_register_changes_refresh_the_lists_after_commit_in_one_task(tree, task_queue):
    programme = make_programme(
        unit=tree.vnpt,
        name="Con dưới 6 tuổi",
        rules=(("relationship", "eq", "child"), ("relative_age", "lt", "6")),
    )
    member = tree.group_member
    assert key(member) not in listed(programme)

    with task_queue.committing(), transaction.atomic():
        make_relative(
            member=member,
            full_name="Bé Na",
            relationship=CHILD,
            date_of_birth=timezone.localdate() - timedelta(days=400),
        )
        make_relative(member=member, full_name="Bé Bo", relationship=CHILD)
    messages = [m for m in task_queue.ready if "programmes_refresh" in m.task]
    assert len(messages) == 1
    assert member.pk in messages[0].kwargs["member_ids"]
    assert key(member) not in listed(programme)  # not before the task runs
    task_queue.work()
    assert key(member) in listed(programme)


def add_member_then_fail(unit):
    with transaction.atomic():
        make_member(unit=unit, full_name="Hủy Bỏ")
        raise ValidationError("rolled back")


def test_a_rolled_back_save_sends_nothing(tree, task_queue):
    make_programme(unit=tree.vnpt_hn, name="Quà", rules=FEMALE_ACTIVE)
    with task_queue.committing(), pytest.raises(ValidationError):
        add_member_then_fail(tree.vnpt_hn)
    assert task_queue.names() == []


def test_a_finished_hrm_import_refreshes_the_programmes_over_its_employer(
    tree, task_queue
):
    vnpt_programme = make_programme(
        unit=tree.vnpt_hn, name="Quà HN", rules=FEMALE_ACTIVE
    )
    make_programme(unit=tree.vtc, name="Quà VTC", rules=FEMALE_ACTIVE)
    run = ImportRun.objects.create(
        employer=tree.vnpt, source=ImportRun.Source.COMMAND, file_name="nhan-su.xlsx"
    )
    # The import writes members in bulk: no signal for this one.
    Member.objects.filter(pk=tree.own_member.pk).update(gender=FEMALE)
    with task_queue.committing():
        run.status = ImportRun.Status.DONE
        run.save(update_fields=["status"])
    assert [m.kwargs for m in task_queue.ready] == [{"unit_id": tree.vnpt.pk}]
    results = task_queue.work()
    assert [r["programme"] for r in results[0]] == [vnpt_programme.pk]
    assert key(tree.own_member) in listed(vnpt_programme)


# A member who moves --------------------------------------------------------------


def transfer(member, to_unit, officer):
    sent = register.transfer_request(
        member=member, to_unit=to_unit, transfer_on=timezone.localdate()
    )
    register.transfer_confirm(transfer=sent, actor=officer)


def test_a_member_who_moves_takes_their_row_and_is_never_paid_twice(tree, task_queue):
    hn_officer = care_officer(tree, tree.vnpt_hn, "hn")
    hcm_officer = care_officer(tree, tree.vnpt_hcm, "hcm")
    programme = make_programme(
        unit=tree.vnpt, name="Quà 20/10", rules=FEMALE_ACTIVE, amount=300_000
    )
    member = tree.group_member
    delivery = deliver(programme, member, actor=hn_officer)

    with task_queue.committing():
        transfer(member, tree.vnpt_hcm, hcm_officer)
    task_queue.work()

    row = row_of(programme, member)
    assert row.unit_id == tree.vnpt_hcm.pk
    assert ProgrammeEligibility.objects.filter(programme=programme).count() == 2
    hn_list = scoped(
        ProgrammeEligibility.objects.filter(programme=programme), hn_officer
    )
    hcm_list = scoped(
        ProgrammeEligibility.objects.filter(programme=programme), hcm_officer
    )
    assert member.pk not in hn_list.values_list("member_id", flat=True)
    assert member.pk in hcm_list.values_list("member_id", flat=True)
    # Both units see the delivery: the one that paid, the one the member is in now.
    for officer in (hn_officer, hcm_officer):
        assert scoped(ProgrammeDelivery.objects.all(), officer).filter(pk=delivery.pk)
    with pytest.raises(ValidationError, match=before_placeholder(ALREADY)):
        deliver(programme, member, actor=hcm_officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeDelivery.objects.create(
            programme=programme,
            member=member,
            beneficiary_key=key(member),
            beneficiary_name=member.full_name,
            unit=tree.vnpt_hcm,
            outcome=GIVEN,
            amount=300_000,
            delivered_on=timezone.localdate(),
            delivered_by="Lần hai",
        )
    assert (
        ProgrammeDelivery.objects.filter(programme=programme, member=member).count()
        == 1
    )


def test_a_member_not_yet_reached_who_moves_out_of_the_programme_leaves_its_list(
    tree, task_queue
):
    officer = care_officer(tree, tree.vnpt_hcm, "hcm")
    programme = make_programme(unit=tree.vnpt_hn, name="Quà HN", rules=FEMALE_ACTIVE)
    member = tree.group_member
    assert key(member) in listed(programme)

    with task_queue.committing():
        transfer(member, tree.vnpt_hcm, officer)
    task_queue.work()

    assert key(member) not in listed(programme)


def test_the_staff_of_another_unit_cannot_record_a_delivery(tree):
    programme = make_programme(unit=tree.vnpt, name="Quà", rules=FEMALE_ACTIVE)
    hcm_officer = care_officer(tree, tree.vnpt_hcm, "hcm")
    with pytest.raises(PermissionDenied):
        deliver(programme, tree.group_member, actor=hcm_officer)
    assert not ProgrammeDelivery.objects.exists()


@pytest.mark.parametrize("status", ["draft", "closed"])
def test_deliveries_are_recorded_for_open_programmes_only(tree, status):
    programme = make_programme(
        unit=tree.vnpt_hn, name="Quà", rules=FEMALE_ACTIVE, open_it=status != "draft"
    )
    if status == "closed":
        services.programme_close(programme=programme)
    with pytest.raises(ValidationError, match=vi_text(OPEN_ONLY)):
        deliver(programme, tree.group_member)


def test_a_delivery_cannot_be_dated_in_the_future(tree):
    programme = make_programme(unit=tree.vnpt_hn, name="Quà", rules=FEMALE_ACTIVE)
    with pytest.raises(ValidationError) as error:
        services.programme_deliveries_record(
            eligibilities=[row_of(programme, tree.group_member)],
            outcome=GIVEN,
            delivered_on=timezone.localdate() + timedelta(days=1),
            delivered_by="Ban nữ công",
        )
    assert "delivered_on" in error.value.message_dict


# Budgets -------------------------------------------------------------------------


@pytest.fixture
def budgeted(tree):
    """VNPT's programme: 300,000 each; 500,000 for Hà Nội, 700,000 for all VNPT."""
    for n in range(2):
        make_member(unit=tree.vnpt_hn, full_name=f"Nữ Hà Nội {n}", gender=FEMALE)
    return make_programme(
        unit=tree.vnpt,
        name="Quà 8/3 VNPT",
        rules=FEMALE_ACTIVE,
        amount=300_000,
        budgets=((tree.vnpt_hn, 500_000), (tree.vnpt, 700_000)),
    )


def hanoi_rows(programme):
    return list(
        ProgrammeEligibility.objects.filter(
            programme=programme, unit__path__startswith=programme.unit.path
        )
        .filter(member__unit__path__startswith=hanoi_path(programme))
        .order_by("pk")
    )


def hanoi_path(programme):
    return programme.budgets.get(unit__code="VNPT-HN").unit.path


def record(rows, **kwargs):
    return services.programme_deliveries_record(
        eligibilities=rows,
        outcome=kwargs.pop("outcome", GIVEN),
        delivered_on=timezone.localdate(),
        delivered_by="Ban nữ công",
        **kwargs,
    )


def test_a_delivery_over_budget_is_refused_without_confirmation(tree, budgeted):
    first, second, third = hanoi_rows(budgeted)
    record([first])

    with pytest.raises(services.BudgetExceeded) as exceeded:
        record([second])
    (overrun,) = exceeded.value.overruns
    assert (overrun.budget.unit_id, overrun.spent, overrun.adding, overrun.over) == (
        tree.vnpt_hn.pk,
        300_000,
        300_000,
        100_000,
    )
    assert "100.000\u00a0₫" in exceeded.value.messages[0]
    assert ProgrammeDelivery.objects.count() == 1

    (confirmed,) = record([second], confirm_over_budget=True)
    assert confirmed.over_budget is True
    # Declining costs nothing: no warning.
    (declined,) = record([third], outcome=DECLINED)
    assert (declined.amount, declined.over_budget) == (0, False)


def test_the_budget_of_the_unit_above_counts_every_unit_under_it(tree, budgeted):
    sibling = row_of(budgeted, tree.sibling.member)
    first, second, _third = hanoi_rows(budgeted)
    record([first])
    record([sibling])
    with pytest.raises(services.BudgetExceeded) as exceeded:
        record([second], amount=150_000)
    assert [o.budget.unit_id for o in exceeded.value.overruns] == [tree.vnpt.pk]
    assert exceeded.value.overruns[0].over == 50_000


def test_a_batch_is_checked_against_the_budget_as_a_whole(tree, budgeted):
    rows = hanoi_rows(budgeted)[:2]
    with pytest.raises(services.BudgetExceeded):
        record(rows)
    assert not ProgrammeDelivery.objects.exists()


def test_budgets_are_checked_in_one_query_however_many_there_are(
    tree, budgeted, django_assert_num_queries
):
    first, second, _third = hanoi_rows(budgeted)
    record([first])
    additions = [(row.unit.path, row.amount) for row in (second, _third)]
    with django_assert_num_queries(1):
        overruns = services.programme_budget_check(
            programme=budgeted, additions=additions
        )
    assert [(o.budget.unit_id, o.spent, o.adding) for o in overruns] == [
        (tree.vnpt.pk, 300_000, 600_000),
        (tree.vnpt_hn.pk, 300_000, 600_000),
    ]


def test_a_preview_tells_the_total_and_the_budgets_exceeded_and_records_nothing(
    tree, budgeted
):
    rows = hanoi_rows(budgeted)[:2]

    given = services.programme_deliveries_preview(eligibilities=rows, outcome=GIVEN)
    declined = services.programme_deliveries_preview(
        eligibilities=rows, outcome=DECLINED
    )

    assert given.total == 600_000
    assert [(o.budget.unit_id, o.adding, o.over) for o in given.overruns] == [
        (tree.vnpt_hn.pk, 600_000, 100_000)
    ]
    assert (declined.total, declined.overruns) == (0, [])
    assert not ProgrammeDelivery.objects.exists()


def test_recording_in_the_admin_warns_of_the_budget_and_needs_confirmation(
    client, tree, budgeted
):
    officer = care_officer(tree, tree.vnpt_hn, "hn")
    client.force_login(officer)
    rows = hanoi_rows(budgeted)[:2]
    url = reverse("admin:members_programmeeligibility_changelist")
    data = {"action": "record_given", "_selected_action": [r.pk for r in rows]}

    page = client.post(url, data)
    assert page.status_code == 200
    assert 'id="budget-warning"' in page.content.decode()
    assert "600.000\u00a0₫" in page.content.decode()

    today = timezone.localdate().strftime("%d/%m/%Y")
    apply = {**data, "apply": "1", "delivered_on": today, "delivered_by": "Ban nữ công"}
    page = client.post(url, apply)
    assert page.status_code == 200
    assert not ProgrammeDelivery.objects.exists()
    assert vi("This exceeds a budget: tick the box to record it anyway.") in (
        page.content.decode()
    )

    done = client.post(url, {**apply, "confirm_over_budget": "on"}, follow=True)
    assert done.status_code == 200
    deliveries = ProgrammeDelivery.objects.order_by("pk")
    assert [(d.amount, d.over_budget, d.recorded_by) for d in deliveries] == [
        (300_000, True, officer),
        (300_000, True, officer),
    ]
    budgets = client.get(reverse("admin:members_programmebudget_changelist"))
    assert "600.000\u00a0₫" in budgets.content.decode()


# Reminders ------------------------------------------------------------------------


def test_care_officers_hear_of_programmes_ending_with_members_not_reached(tree):
    hn = care_officer(tree, tree.vnpt_hn, "hn")
    hcm = care_officer(tree, tree.vnpt_hcm, "hcm")
    today = timezone.localdate()
    programme = make_programme(
        unit=tree.vnpt,
        name="Quà 8/3 VNPT",
        rules=FEMALE_ACTIVE,
        period_end=today + timedelta(days=10),
    )
    make_programme(
        unit=tree.vnpt,
        name="Còn lâu mới hết",
        rules=FEMALE_ACTIVE,
        period_end=today + timedelta(days=40),
    )
    deliver(programme, tree.sibling.member)

    assert reminder_run(kind="programmes.period_ending", today=today)["created"] == 1
    assert reminder_run(kind="programmes.period_ending", today=today)["created"] == 0
    (note,) = Notification.objects.filter(kind="programmes.period_ending")
    assert note.recipient == hn
    assert "Quà 8/3 VNPT" in note.title
    assert f"programme={programme.pk}" in note.link
    assert not Notification.objects.filter(recipient=hcm).exists()
    # In its last days the officer hears once more.
    later = today + timedelta(days=8)
    assert reminder_run(kind="programmes.period_ending", today=later)["created"] == 1


# Templates and the admin ------------------------------------------------------------


def test_staff_create_a_programme_from_a_template_in_the_admin(client, tree):
    officer = care_officer(tree, tree.vnpt_hn, "hn")
    client.force_login(officer)
    url = reverse("admin:members_careprogramme_from_template")
    page = client.get(url).content.decode()
    for template in ProgrammeTemplate.objects.all():
        assert template.name in page
    assert "650.000\u00a0₫" in page
    template = ProgrammeTemplate.objects.get(code="health-check-women")

    response = client.post(
        url,
        {
            "template": template.pk,
            "unit": tree.vnpt_hn.pk,
            "period_start": "01/01/2026",
            "period_end": "31/12/2026",
            "reference_on": "",
            "name": "",
        },
    )
    programme = CareProgramme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:members_careprogramme_change", args=[programme.pk]
    )
    assert (programme.name, programme.status, programme.unit) == (
        template.name,
        CareProgramme.Status.DRAFT,
        tree.vnpt_hn,
    )
    assert [str(rule.value) for rule in programme.rules.all()] == ["female", "active"]
    age = age_on(tree.group_member.date_of_birth, date(2026, 1, 1))
    assert listed(programme) == {
        key(tree.group_member): 650_000 if age >= 40 else 250_000
    }
    # Another unit is not the officer's to organise for.
    refused = client.post(
        url,
        {"template": template.pk, "unit": tree.vnpt_hcm.pk,
         "period_start": "01/01/2026", "period_end": "31/12/2026"},
    )  # fmt: skip
    assert refused.status_code == 200
    assert CareProgramme.objects.count() == 1


def programme_form(unit, **fields):
    data = {
        "unit": unit.pk,
        "name": "Quà Trung thu",
        "description": "",
        "beneficiary": "relative",
        "benefit": "gift",
        "gift": "Hộp bánh Trung thu",
        "amount": "150000",
        "extra_amount": "0",
        "period_start": "01/09/2026",
        "period_end": "30/09/2026",
        "reference_on": "",
    }
    for prefix, rows in (
        ("rules", fields.pop("rules", [])),
        ("bands", []),
        ("budgets", fields.pop("budgets", [])),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for n, row in enumerate(rows):
            for name, value in row.items():
                data[f"{prefix}-{n}-{name}"] = value
    return {**data, **fields}


def test_staff_define_rules_as_rows_and_the_list_is_generated_on_save(client, tree):
    officer = care_officer(tree, tree.vnpt_hn, "hn")
    child = make_relative(
        member=tree.own_member,
        full_name="Nguyễn Minh Nhí",
        relationship=CHILD,
        date_of_birth=date(2019, 9, 1),
    )
    client.force_login(officer)
    url = reverse("admin:members_careprogramme_add")

    bad = client.post(
        url,
        programme_form(
            tree.vnpt_hn,
            rules=[{"field": "relative_age", "operator": "lt", "value": "mười lăm"}],
        ),
    )
    assert bad.status_code == 200
    assert vi("Enter a whole number of years.") in bad.content.decode()
    outside = client.post(
        url,
        programme_form(
            tree.vnpt_hn, budgets=[{"unit": tree.vnpt_hcm.pk, "amount": "1000000"}]
        ),
    )
    assert outside.status_code == 200
    assert not CareProgramme.objects.exists()

    response = client.post(
        url,
        programme_form(
            tree.vnpt_hn,
            rules=[
                {"field": "relationship", "operator": "eq", "value": "Con"},
                {"field": "relative_age", "operator": "lt", "value": "15"},
            ],
            budgets=[{"unit": tree.vnpt_hn.pk, "amount": "1000000"}],
        ),
    )
    assert response.status_code == 302
    programme = CareProgramme.objects.get()
    assert listed(programme) == {key(child): 150_000}
    assert programme.created_by == officer


def test_the_organisers_of_a_programme_alone_may_change_it(client, tree):
    programme = make_programme(unit=tree.vnpt, name="Quà VNPT", rules=FEMALE_ACTIVE)
    url = reverse("admin:members_careprogramme_change", args=[programme.pk])
    hn = care_officer(tree, tree.vnpt_hn, "hn")
    client.force_login(hn)
    page = client.get(url).content.decode()
    assert "Quà VNPT" in page
    assert 'name="name"' not in page  # read-only for a unit under it
    with pytest.raises(PermissionDenied):
        services.programme_save(programme=programme, actor=hn)
    upper = care_officer(tree, tree.vnpt, "vnpt")
    client.force_login(upper)
    assert 'name="name"' in client.get(url).content.decode()


def test_care_officers_role_gets_the_programme_and_consultation_rights(tree):
    group = role_group(StaffRole.Role.CARE_OFFICER)
    codenames = set(group.permissions.values_list("codename", flat=True))
    for codename in (
        "change_careprogramme",
        "add_programmerule",
        "view_programmeeligibility",
        "add_programmedelivery",
        "view_programmebudget",
        "change_consultationrequest",
    ):
        assert codename in codenames
    viewer = set(
        role_group(StaffRole.Role.VIEWER).permissions.values_list("codename", flat=True)
    )
    assert "view_programmeeligibility" in viewer
    assert "view_consultationrequest" not in viewer


def test_money_shows_with_dots_between_thousands():
    assert vnd(1_000_000) == "1.000.000\u00a0₫"
    assert vnd(250_000) == "250.000\u00a0₫"
    assert vnd(0) == "0\u00a0₫"
    assert vnd(None) == ""


def test_a_user_who_is_not_staff_has_no_programme_rows(tree):
    user = User.objects.create_user("ai@example.vn", "x", name="Người Lạ")
    make_programme(unit=tree.sector, name="Quà", rules=FEMALE_ACTIVE)
    assert not scoped(ProgrammeEligibility.objects.all(), user).exists()
    assert not scoped(CareProgramme.objects.all(), user).exists()


def test_units_with_rows_in_the_list_open_the_programme_to_their_staff(tree):
    hn = care_officer(tree, tree.vnpt_hn, "hn")
    vtc = care_officer(tree, tree.vtc_dt, "vtc")
    programme = make_programme(unit=tree.vnpt, name="Quà VNPT", rules=FEMALE_ACTIVE)
    assert set(programme.listed_units.values_list("unit", flat=True)) == {
        tree.vnpt_hn_group.pk,
        tree.vnpt_hcm.pk,
    }
    visible = scoped(CareProgramme.objects.all(), hn)
    assert list(visible) == [programme]
    assert not scoped(CareProgramme.objects.all(), vtc).exists()

    member = tree.group_member
    member.status = Member.Status.LEFT
    register.member_save(member=member)
    services.programme_eligibility_refresh(programme_id=programme.pk)

    assert set(programme.listed_units.values_list("unit", flat=True)) == {
        tree.vnpt_hcm.pk
    }
    assert not scoped(CareProgramme.objects.all(), hn).exists()


def test_relatives_whose_processing_the_member_refused_make_nobody_eligible(
    tree, make_user
):
    from members.services.data_rights import consent_withdraw

    mother = make_member(unit=tree.vnpt_hn, full_name="Lý Thị Mẹ", gender=FEMALE)
    mother.user = make_user("me.ly@example.vn", "Lý Thị Mẹ")
    mother.save(update_fields=["user"])
    child = make_relative(
        member=mother,
        full_name="Lý Văn Con",
        relationship=CHILD,
        date_of_birth=date(2020, 3, 1),
    )
    kwargs = {
        "unit": tree.vnpt_hn,
        "amount": 200_000,
        "period_start": date(2026, 5, 1),
        "period_end": date(2026, 6, 30),
        "reference_on": REFERENCE,
    }
    for_children = make_programme(
        name="Quà Tết Thiếu nhi 1/6",
        beneficiary=CareProgramme.Beneficiary.RELATIVE,
        rules=(("relationship", "eq", "Con"), ("relative_age", "lt", "15")),
        **kwargs,
    )
    for_parents = make_programme(
        name="Hỗ trợ cha mẹ có con nhỏ",
        beneficiary=CareProgramme.Beneficiary.MEMBER,
        rules=(("relationship", "eq", "Con"), ("relative_age", "lt", "15")),
        **kwargs,
    )
    assert key(child) in listed(for_children)
    assert key(mother) in listed(for_parents)

    consent_withdraw(member=mother, purpose="relatives", actor=mother.user)
    for programme in (for_children, for_parents):
        services.programme_eligibility_refresh(programme_id=programme.pk)

    assert key(child) not in listed(for_children)
    assert key(mother) not in listed(for_parents)
