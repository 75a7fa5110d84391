"""Initiatives in the admin: decisions, scores, the dashboard, its export, reminders."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from feedback.models import BenefitFollowUp, Initiative, InitiativeTarget
from feedback.reminders import initiative_benefit_due
from feedback.staff_cards import initiatives_card
from members.models import Notification
from members.resources import XLSX_CONTENT_TYPE
from members.services.notifications import reminder_run
from tests.conftest import vi_text
from tests.feedback.initiatives_factories import make_initiative, make_round, recognise
from tests.members.factories import make_member

pytestmark = pytest.mark.django_db
Status = Initiative.Status
DASHBOARD = reverse("admin:feedback_initiative_dashboard")
XLSX = reverse("admin:feedback_initiative_dashboard_xlsx")
# The session's user, their permissions (user and groups), the second factor,
# the greeting's member, the scope's unit paths, then the dashboard's three
# (submitted, recognised, targets).
DASHBOARD_QUERIES = 9


def _decide(client, initiative, **fields):
    url = reverse("admin:feedback_initiative_decide", args=[initiative.pk])
    return client.post(url, {"form": "decision", **fields})


def test_an_officer_reviews_scores_and_recognises_through_the_decide_page(
    client, tree, author
):
    initiative = make_initiative(member=author, title="Cảnh báo sớm sự cố nguồn")
    council = make_round(unit=tree.vnpt_hn)
    officer = tree.grassroots_officer
    client.force_login(officer)
    page = client.get(reverse("admin:feedback_initiative_decide", args=[initiative.pk]))
    assert [c[0] for c in page.context["decision"].fields["to_status"].choices] == [
        Status.UNDER_REVIEW
    ]

    _decide(client, initiative, to_status=Status.UNDER_REVIEW, review_round=council.pk)
    novelty, effect = council.criteria.order_by("order")
    scored = client.post(
        reverse("admin:feedback_initiative_decide", args=[initiative.pk]),
        {
            "form": "scores",
            f"criterion_{novelty.pk}": "9",
            f"criterion_{effect.pk}": "18",
        },
    )
    refused = _decide(client, initiative, to_status=Status.RECOGNISED)
    done = _decide(
        client,
        initiative,
        to_status=Status.RECOGNISED,
        evaluated_benefit_vnd="1.250.000.000",
        reason="Hiệu quả cao",
    )
    again = _decide(
        client, initiative, to_status=Status.RECOGNISED, evaluated_benefit_vnd="1"
    )

    assert scored.status_code == 302
    assert refused.status_code == 200
    assert refused.context["decision"].errors["evaluated_benefit_vnd"] == [
        vi_text("Give the money benefit in đồng.")
    ]
    assert done.status_code == 302
    assert again.status_code == 200  # the step is not offered any more
    initiative.refresh_from_db()
    assert initiative.status == Status.RECOGNISED
    assert initiative.evaluated_benefit_vnd == 1_250_000_000
    assert sorted(initiative.scores.values_list("score", flat=True)) == [9, 18]
    page = client.get(reverse("admin:feedback_initiative_decide", args=[initiative.pk]))
    assert [row["mean"] for row in page.context["score_table"]] == [9, 18]


def test_the_dashboard_counts_ranks_and_follows_the_targets(
    client, tree, author, colleague, django_assert_num_queries
):
    year = timezone.localdate().year
    hcm = make_member(unit=tree.vnpt_hcm, full_name="Đoàn Thị Nam")
    council = make_round(unit=tree.vnpt)
    officer = tree.upper_officer
    q1, q2 = date(year, 2, 10), date(year, 5, 20)
    for member, title, benefit, on in (
        (author, "Sáng kiến A", 300_000_000, q1),
        (colleague, "Sáng kiến B", 100_000_000, q1),
        (hcm, "Sáng kiến C", 500_000_000, q1),
        (hcm, "Sáng kiến D", 50_000_000, q2),
    ):
        recognise(
            make_initiative(member=member, title=title),
            officer=officer,
            review_round=council,
            benefit=benefit,
            on=on,
        )
    make_initiative(member=author, title="Sáng kiến chờ xét")
    make_initiative(member=tree.cousin.member, title="Canary sáng kiến VTC")
    InitiativeTarget.objects.create(
        unit=tree.vnpt, year=year, recognised_count=8, benefit_vnd=2_000_000_000
    )
    InitiativeTarget.objects.create(
        unit=tree.vtc, year=year, recognised_count=5, benefit_vnd=1
    )
    client.force_login(officer)
    client.get("/admin/")

    with django_assert_num_queries(DASHBOARD_QUERIES):
        page = client.get(DASHBOARD, {"year": year})

    dashboard = page.context["dashboard"]
    units = {u.name: u for u in dashboard.units}
    assert set(units) == {tree.vnpt_hn.name, tree.vnpt_hcm.name}
    hn, hcm_row = units[tree.vnpt_hn.name], units[tree.vnpt_hcm.name]
    assert (hn.recognised, hn.benefit) == ({1: 2}, {1: 400_000_000})
    assert hn.submitted_total == 3
    assert (hcm_row.recognised, hcm_row.benefit) == (
        {1: 1, 2: 1},
        {1: 500_000_000, 2: 50_000_000},
    )
    # Q1: Hà Nội recognised two, above HCM's one of more money.
    assert hn.rank == {1: 1}
    assert hcm_row.rank == {1: 2, 2: 1}
    [target] = dashboard.targets  # VTC's is not the officer's
    assert (target.recognised, target.benefit) == (4, 950_000_000)
    assert (target.count_percent, target.benefit_percent) == (50, 48)
    body = page.content.decode()
    assert "<svg" in body
    assert "<rect" in body
    assert "style=" not in body.split('id="content-main"')[1]
    assert "Canary" not in body
    assert "950.000.000" in body
    totals = page.context["totals"]
    assert [t["recognised"] for t in totals] == [3, 1, 0, 0]


def test_the_export_is_the_dashboards_tables_with_no_formula(client, tree):
    year = timezone.localdate().year
    evil = make_member(unit=tree.vnpt_hn, full_name="Nguyễn Văn Bẫy")
    unit = evil.unit
    unit.name = '=HYPERLINK("http://x")'
    unit.save(update_fields=["name"])
    recognise(
        make_initiative(member=evil, title="Sáng kiến có công thức"),
        officer=tree.grassroots_officer,
        review_round=make_round(unit=tree.vnpt_hn),
        benefit=42_000_000,
        on=date(year, 8, 1),
    )
    client.force_login(tree.grassroots_officer)

    response = client.get(XLSX, {"year": year})

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    book = load_workbook(BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[1][10:13] == (1, 42_000_000, 1)  # Q3: recognised, benefit, rank
    assert sum(rows[1][i] for i in (1, 5, 9, 13)) == 1  # submitted this year
    assert client.get(XLSX, {"year": "20x6"}).status_code == 404


def test_the_staff_card_counts_what_its_list_shows(client, tree, author):
    waiting = make_initiative(member=author, title="Chờ xét 1")
    make_initiative(member=author, title="Chờ xét 2")
    recognise(
        make_initiative(member=author, title="Đã công nhận"),
        officer=tree.grassroots_officer,
        review_round=make_round(unit=tree.vnpt_hn),
        on=timezone.localdate() - timedelta(days=400),
    )
    make_initiative(member=tree.sibling.member, title="Của TP. HCM")
    today = timezone.localdate()

    card = initiatives_card(user=tree.grassroots_officer, today=today)

    assert card["count"] == 2
    assert card["alert"] is True  # both follow-ups are due
    assert "2" in card["note"]
    client.force_login(tree.grassroots_officer)
    listed = client.get(card["url"])
    assert listed.context["cl"].result_count == 2
    assert waiting in listed.context["cl"].result_list
    due = client.get(reverse("admin:feedback_benefitfollowup_changelist") + "?due=yes")
    assert due.context["cl"].result_count == 2
    assert initiatives_card(user=tree.vtc_officer, today=today)["count"] == 0


def test_follow_ups_due_remind_the_nearest_officers_once(tree, author):
    recognised = recognise(
        make_initiative(member=author, title="Sáng kiến cần đánh giá"),
        officer=tree.grassroots_officer,
        review_round=make_round(unit=tree.vnpt_hn),
        on=date(2025, 1, 15),
    )
    today = date(2025, 7, 20)

    targets = list(initiative_benefit_due(today=today))

    # Only the 6-month follow-up is due; Hà Nội's officer, not VNPT's.
    assert [t.recipient_id for t in targets] == [tree.grassroots_officer.pk]
    assert "15/07/2025" in targets[0].body
    reminder_run(kind="feedback.initiative_benefit_due", today=today)
    reminder_run(kind="feedback.initiative_benefit_due", today=today)
    assert (
        Notification.objects.filter(kind="feedback.initiative_benefit_due").count() == 1
    )
    BenefitFollowUp.objects.filter(initiative=recognised).update(
        recorded_at=timezone.now()
    )
    assert list(initiative_benefit_due(today=today)) == []


def test_the_follow_up_form_records_the_actual_benefit_through_the_service(
    client, tree, author
):
    recognised = recognise(
        make_initiative(member=author, title="Sáng kiến đo lợi ích"),
        officer=tree.grassroots_officer,
        review_round=make_round(unit=tree.vnpt_hn),
        on=timezone.localdate() - timedelta(days=200),
    )
    six, twelve = recognised.follow_ups.order_by("months")
    client.force_login(tree.grassroots_officer)

    early = client.post(
        reverse("admin:feedback_benefitfollowup_change", args=[twelve.pk]),
        {"actual_benefit_vnd": "5", "note": ""},
    )
    done = client.post(
        reverse("admin:feedback_benefitfollowup_change", args=[six.pk]),
        {"actual_benefit_vnd": "90000000", "note": "Báo cáo quý"},
    )

    assert early.status_code == 200
    assert done.status_code == 302
    six.refresh_from_db()
    twelve.refresh_from_db()
    assert (six.actual_benefit_vnd, six.recorded_by) == (
        90_000_000,
        tree.grassroots_officer,
    )
    assert twelve.recorded_at is None
