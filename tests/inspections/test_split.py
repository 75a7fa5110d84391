"""The split: online shares per kind, quarter and inspecting unit, against targets."""

from datetime import date

import pytest

from inspections import services
from inspections.models import Activity, SplitTarget
from inspections.selectors.split import split_dashboard
from tests.inspections.factories import make_activity, make_plan

pytestmark = pytest.mark.django_db

DONE = Activity.Status.CONCLUDED


def _kind(split, kind):
    return next(k for k in split.kinds if k.kind == kind)


@pytest.fixture
def year_of_work(tree, plan, inspector, split_targets):
    """VNPT's year: inspections and supervisions, one moved, one cancelled.

    Q1: 3 inspections done (2 online, 1 in person), 1 supervision done online.
    Q2: 1 inspection planned in Q1 and moved to Q2, done online; 1 cancelled.
    Q3: 2 inspections still planned, both in person.
    """
    hn, hcm = tree.vnpt_hn, tree.vnpt_hcm
    make = lambda **kw: make_activity(plan=plan, lead=inspector, **kw)  # noqa: E731
    make(inspected=hn, mode="online", start=date(2026, 1, 10), status=DONE)
    make(inspected=hcm, mode="online", start=date(2026, 2, 10), status=DONE)
    make(inspected=hn, mode="in_person", start=date(2026, 3, 5), status=DONE)
    make(
        inspected=hcm,
        kind="supervision",
        mode="online",
        start=date(2026, 3, 20),
        status=DONE,
    )
    moved = make(inspected=hn, mode="online", start=date(2026, 3, 25))
    services.activity_update(
        actor=None,
        activity=moved,
        planned_start=date(2026, 4, 15),
        planned_end=date(2026, 4, 16),
    )
    services.activity_status_set(
        actor=None, activity=moved, status=DONE, on=date(2026, 4, 16)
    )
    make(inspected=hcm, mode="online", start=date(2026, 5, 5), status="cancelled")
    make(inspected=hn, mode="in_person", start=date(2026, 8, 5))
    make(inspected=hcm, mode="in_person", start=date(2026, 9, 5))
    # Another union's plan, which VNPT's numbers must not count.
    vtc_plan = make_plan(unit=tree.vtc)
    make_activity(
        plan=vtc_plan,
        inspected=tree.vtc_dt,
        lead=tree.vtc_officer,
        mode="in_person",
        start=date(2026, 1, 20),
        status=DONE,
    )


def test_split_counts_each_quarter_by_kind_with_moves_and_cancellations(
    year_of_work, tree
):
    split = split_dashboard(user=tree.upper_officer, year=2026)
    inspection = _kind(split, "inspection")
    q1, q2, q3 = (inspection.quarters[q] for q in (1, 2, 3))

    assert (q1.planned, q1.planned_online, q1.done, q1.done_online) == (3, 2, 3, 2)
    assert q1.online_percent == pytest.approx(66.7)
    assert (q1.moved_in, q1.moved_out) == (0, 1)
    assert (q2.planned, q2.done, q2.done_online, q2.moved_in) == (1, 1, 1, 1)
    assert q2.cancelled == 1
    assert q2.online_percent == 100
    assert (q3.planned, q3.done, q3.remaining) == (2, 0, 2)
    assert q3.online_percent is None
    year = inspection.year
    assert (year.planned, year.done, year.done_online, year.cancelled) == (6, 4, 3, 1)
    assert year.online_percent == 75
    supervision = _kind(split, "supervision")
    assert supervision.quarters[1].done == supervision.quarters[1].done_online == 1
    assert supervision.on_target(supervision.quarters[1]) is True
    # 75% online, 25% in person: the 30% in person is missed.
    assert inspection.on_target(year) is False


def test_the_year_warns_when_the_rest_of_the_plan_cannot_reach_a_target(
    year_of_work, tree
):
    split = split_dashboard(user=tree.upper_officer, year=2026)
    inspection = _kind(split, "inspection")
    # Done 3 of 4 online, then 2 in person planned: 3 of 6 online at best.
    assert inspection.year.projected_online_percent == 50
    assert inspection.warnings == ["online"]
    assert _kind(split, "supervision").warnings == []


def test_targets_are_read_from_the_settings_rows(year_of_work, tree, split_targets):
    SplitTarget.objects.filter(kind="inspection").update(online_percent=50)
    inspection = _kind(
        split_dashboard(user=tree.upper_officer, year=2026), "inspection"
    )

    assert inspection.target_online == 50
    assert inspection.warnings == []


def test_split_is_per_inspecting_unit_and_within_the_scope(year_of_work, tree):
    sector = split_dashboard(user=tree.sector_officer, year=2026)
    units = {unit.code: kinds for unit, kinds in sector.units}
    assert set(units) == {"VNPT", "VTC"}
    assert _kind(sector, "inspection").year.done == 5
    vtc = next(k for k in units["VTC"] if k.kind == "inspection")
    assert (vtc.year.done, vtc.year.done_online) == (1, 0)
    # VNPT's officer sees VNPT's plan only.
    vnpt = split_dashboard(user=tree.upper_officer, year=2026)
    assert [unit.code for unit, _kinds in vnpt.units] == ["VNPT"]
    # A grassroots officer holds no inspecting unit's plan.
    grassroots = split_dashboard(user=tree.grassroots_officer, year=2026)
    assert grassroots.units == []
    assert _kind(grassroots, "inspection").year.planned == 0


def test_the_dashboard_page_shows_the_table_and_the_chart(
    year_of_work, tree, client, django_assert_max_num_queries, inspections_staff
):
    client.force_login(inspections_staff(tree.upper_officer))
    response = client.get("/admin/inspections/activity/ty-le/?year=2026")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="split-table-inspection"' in page
    assert "<svg" in page
    assert "style=" not in page.split('id="content-main"')[1]
    assert "75,0%" in page  # Vietnamese decimals
    table = response.context["tables"][0][1]
    assert [row.label for row in table][:2] == ["Q1", "Q2"]
    assert response.context["warnings"]


def test_the_units_rows_sum_each_subtree_and_drill_down(year_of_work, tree, inspector):
    hn_plan = make_plan(unit=tree.vnpt_hn)
    make_activity(
        plan=hn_plan,
        inspected=tree.vnpt_hn_group,
        lead=tree.upper_officer,
        mode="in_person",
        start=date(2026, 2, 2),
        status=DONE,
    )
    sector = split_dashboard(user=tree.sector_officer, year=2026)
    rows = {unit.code: _year_done(kinds) for unit, kinds in sector.units}
    assert rows == {"VNPT": 6, "VTC": 1}  # VNPT's committee's 5, VNPT Hà Nội's 1
    vnpt = split_dashboard(
        user=tree.sector_officer, year=2026, inspecting_unit=tree.vnpt
    )
    rows = {unit.code: _year_done(kinds) for unit, kinds in vnpt.units}
    assert rows == {"VNPT": 5, "VNPT-HN": 1}


def _year_done(kinds) -> int:
    return sum(kind.year.done for kind in kinds)


# The cache (members.cache): per scope, counted again after a write ---------


def test_a_new_activity_shows_on_the_next_split(
    year_of_work, tree, plan, inspector, django_capture_on_commit_callbacks
):
    before = _kind(split_dashboard(user=tree.upper_officer, year=2026), "inspection")
    with django_capture_on_commit_callbacks(execute=True):
        make_activity(
            plan=plan,
            lead=inspector,
            inspected=tree.vnpt_hn,
            mode="online",
            start=date(2026, 2, 1),
            status=DONE,
        )
    after = _kind(split_dashboard(user=tree.upper_officer, year=2026), "inspection")
    assert (before.year.done, after.year.done) == (4, 5)
    assert after.year.done_online == before.year.done_online + 1


def test_a_changed_activity_or_target_shows_on_the_next_split(
    year_of_work, tree, django_capture_on_commit_callbacks
):
    assert _kind(
        split_dashboard(user=tree.upper_officer, year=2026), "inspection"
    ).warnings == ["online"]
    planned = Activity.objects.filter(
        inspecting_unit=tree.vnpt, status=Activity.Status.PLANNED
    ).first()
    with django_capture_on_commit_callbacks(execute=True):
        services.activity_status_set(
            actor=None,
            activity=planned,
            status="cancelled",
            on=date(2026, 8, 1),
            reason="Đơn vị sáp nhập",
        )
    inspection = _kind(
        split_dashboard(user=tree.upper_officer, year=2026), "inspection"
    )
    assert inspection.year.cancelled == 2
    target = SplitTarget.objects.get(kind="inspection")
    target.online_percent = 40
    with django_capture_on_commit_callbacks(execute=True):
        target.save()
    inspection = _kind(
        split_dashboard(user=tree.upper_officer, year=2026), "inspection"
    )
    assert inspection.target_online == 40


def test_two_scopes_never_share_a_cached_split(year_of_work, tree):
    # The same year and arguments; each officer sees only their own plan.
    for _round in range(2):
        vnpt = split_dashboard(user=tree.upper_officer, year=2026)
        vtc = split_dashboard(user=tree.vtc_officer, year=2026)
        sector = split_dashboard(user=tree.sector_officer, year=2026)
        assert _kind(vnpt, "inspection").year.done == 4
        assert _kind(vtc, "inspection").year.done == 1
        assert _kind(sector, "inspection").year.done == 5
        assert [unit.code for unit, _kinds in vtc.units] == ["VTC"]


def test_the_cached_split_asks_no_query(
    year_of_work, tree, django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(8) as cold:
        split_dashboard(user=tree.upper_officer, year=2026)
    assert len(cold) >= 3  # the roles, the targets, the counts, the units
    with django_assert_num_queries(0):
        split_dashboard(user=tree.upper_officer, year=2026)
