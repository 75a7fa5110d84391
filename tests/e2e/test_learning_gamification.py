"""The home page on a 360 px phone: today's goal, streak, level, league and quests."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from learning import services
from learning.models import Quest, XpReason
from members.models import Consent
from tests.e2e.conftest import PHONE
from tests.learning.factories import make_course, make_learner, make_small_union


def test_home_shows_the_members_learning_game_on_a_phone(
    page_at, signed_in, screenshot
):
    union = make_small_union()
    member = union.member_a
    Consent.objects.create(
        member=member,
        purpose=Consent.Purpose.LEADERBOARD,
        version="2025-1",
        given_at=timezone.now(),
    )
    services.xp_award(
        member_id=member.pk,
        reason=XpReason.INITIATIVE,
        source_type="initiative",
        source_id=1,
        points=130,
        title="Sáng kiến tiết kiệm giấy",
    )
    make_learner(unit=union.unit_a, full_name="Lê Văn Cường")
    course = make_course(owner_unit=union.vnpt, title="An toàn số")
    today = timezone.localdate()
    Quest.objects.create(
        unit=union.unit_a,
        title="70% đoàn viên hoàn thành An toàn số",
        course=course,
        target_percent=70,
        starts_on=today,
        ends_on=today + timedelta(days=30),
    )
    page = signed_in(page_at(PHONE), member.user)

    page.goto("/")

    goal = page.locator("#home-xp")
    expect(goal).to_contain_text("Đã đạt mục tiêu: 130 trên 20 XP hôm nay.")
    expect(goal).to_contain_text("Chuỗi: 1 ngày")
    expect(goal).to_contain_text("Cấp 2 · 130 XP, còn 120 XP nữa lên cấp.")
    league = page.locator("#home-league")
    expect(league).to_contain_text("xếp thứ 1 trên 2 công đoàn")
    expect(league).to_contain_text("70% đoàn viên hoàn thành An toàn số")
    expect(league.locator("progress")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE
    screenshot(page, "home")

    page.locator("#home-xp").get_by_role("link", name="Điểm XP và mục tiêu").click()
    expect(page.locator("#xp-history")).to_contain_text("Sáng kiến tiết kiệm giấy")
    page.get_by_label("30 XP mỗi ngày").check()
    page.get_by_role("button", name="Lưu mục tiêu").click()
    expect(page.locator("#xp-today")).to_contain_text("130 trên 30 XP hôm nay.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE

    page.goto("/hoc-tap/bang-xep-hang/")
    expect(page.locator("#board-me")).to_contain_text("Bạn xếp thứ 1 trên 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    screenshot(page, "leaderboard")
