"""The calendar feed: a private address, the person's own activities, iCalendar."""

from datetime import date

import icalendar
import pytest

from inspections import services
from tests.inspections.factories import make_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def activities(tree, plan, inspector):
    mine = make_activity(
        plan=plan,
        inspected=tree.vnpt_hn,
        lead=inspector,
        start=date(2026, 6, 3),
        topic="Kiểm tra tài chính",
    )
    on_team = make_activity(
        plan=plan,
        inspected=tree.vnpt_hcm,
        lead=tree.upper_officer,
        team=[inspector],
        kind="supervision",
        start=date(2026, 7, 9),
    )
    others = make_activity(
        plan=plan,
        inspected=tree.vnpt_hcm,
        lead=tree.upper_officer,
        start=date(2026, 8, 1),
        topic="Canary Calendar Other",
    )
    cancelled = make_activity(
        plan=plan,
        inspected=tree.vnpt_hn,
        lead=inspector,
        start=date(2026, 9, 1),
        status="cancelled",
        topic="Canary Cancelled",
    )
    return mine, on_team, others, cancelled


def test_the_feed_parses_and_holds_only_the_persons_own_activities(
    client, activities, inspector, time_machine
):
    time_machine.move_to("2026-05-01 08:00 +0700", tick=False)
    mine, on_team, _others, _cancelled = activities
    feed = services.calendar_feed_for(user=inspector)
    response = client.get(f"/kiem-tra/lich/{feed.token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")

    calendar = icalendar.Calendar.from_ical(response.content)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [e.decoded("dtstart") for e in events] == [
        date(2026, 6, 3),
        date(2026, 7, 9),
    ]
    assert [str(e["uid"]).split("@")[0] for e in events] == [
        f"inspection-activity-{mine.pk}",
        f"inspection-activity-{on_team.pk}",
    ]
    assert events[0].decoded("dtend") == date(2026, 6, 5)
    assert "CĐCS VNPT Hà Nội" in str(events[0]["summary"])
    assert "Kiểm tra tài chính" in str(events[0]["description"])
    assert "Canary" not in response.content.decode()


def test_a_wrong_or_renewed_key_opens_nothing(client, activities, inspector):
    feed = services.calendar_feed_for(user=inspector)
    old = feed.token
    assert client.get("/kiem-tra/lich/khong-co.ics").status_code == 404
    renewed = services.calendar_feed_for(user=inspector, renew=True)
    assert renewed.token != old
    assert client.get(f"/kiem-tra/lich/{old}.ics").status_code == 404
    assert client.get(f"/kiem-tra/lich/{renewed.token}.ics").status_code == 200


def test_the_calendar_page_shows_the_persons_address(client, inspector, activities):
    client.force_login(inspector)
    response = client.get("/kiem-tra/lich/")
    feed = services.calendar_feed_for(user=inspector)
    assert f"/kiem-tra/lich/{feed.token}.ics" in response.content.decode()
    client.post("/kiem-tra/lich/")
    assert services.calendar_feed_for(user=inspector).token != feed.token
