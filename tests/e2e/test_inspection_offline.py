"""Browser test: an inspector answers a checklist with the network gone, then syncs.

On a 360 px phone the inspector opens the checklist online, loses the network
(Playwright's offline mode), answers every question, one "not compliant" with
a comment and a photo, and sees the answers kept on the device; nothing has
reached the server. Back online, every answer and the photo are on the server,
recorded as answered offline by the inspector, and the finding is made.
"""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from inspections import services
from inspections.models import AnswerSubmission, ChecklistAnswer, Finding
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE
from tests.inspections.factories import make_checklist, make_plan
from tests.members.factories import make_permissions_group, make_staff, make_union_tree

PHOTO = b"\xff\xd8\xff\xe0" + b"anh-hien-truong" * 64


@pytest.fixture
def in_person(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = make_union_tree()
    inspector = make_staff(
        email="kiemtra@vnpt.vn",
        name="Trần Thị Kiểm",
        unit=tree.vnpt,
        groups=(make_permissions_group("Kiểm tra", "inspections"),),
    )
    start = max(tree.today, date(tree.today.year, 1, 1))
    activity = services.activity_create(
        actor=None,
        plan=make_plan(unit=tree.vnpt, year=start.year),
        inspected_unit=tree.vnpt_hn,
        kind="inspection",
        mode="in_person",
        topic="Kiểm tra chấp hành Điều lệ tại cơ sở",
        planned_start=start,
        planned_end=start + timedelta(days=1),
        lead=inspector,
        checklist=make_checklist(),
    )
    return inspector, activity


def test_checklist_answered_offline_reaches_the_server_when_back_online(
    page_at, signed_in, screenshot, in_person
):
    inspector, activity = in_person
    yes_no, score, text = activity.checklist.items.all()
    page = signed_in(page_at(PHONE), inspector)
    page.goto(f"/kiem-tra/{activity.pk}/bang-kiem/")
    expect(page.locator("h1")).to_have_text(activity.checklist.title)

    page.context.set_offline(True)
    box = page.locator(f"#item-{yes_no.pk}")
    box.get_by_label(vi("Not compliant")).check()
    box.get_by_label(vi("comment")).fill("Đoàn phí quý I nộp chậm 45 ngày")
    box.get_by_label(vi("comment")).blur()
    box.get_by_label(vi("Photo or file as evidence")).set_input_files(
        {"name": "bien-lai.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}
    )
    score_input = page.locator(f"#item-{score.pk}-score")
    score_input.fill("7")
    score_input.blur()
    text_input = page.locator(f"#item-{text.pk}-text")
    text_input.fill("Sổ sách đầy đủ, cần số hóa")
    text_input.blur()

    status = page.locator("#sync-status")
    expect(status).to_contain_text(
        vi(
            "No network: answers are kept on this device and sent when the "
            "network returns."
        )
    )
    expect(status).to_have_attribute("data-waiting", "3")
    for item in (yes_no, score, text):
        expect(page.locator(f"#item-{item.pk}")).to_have_attribute(
            "data-state", "pending"
        )
    screenshot(page, "offline")
    assert not ChecklistAnswer.objects.filter(activity=activity).exists()

    page.context.set_offline(False)
    expect(status).to_have_text(vi("Every answer is on the server."), timeout=15_000)
    for item in (yes_no, score, text):
        expect(page.locator(f"#item-{item.pk}")).to_have_attribute("data-state", "sent")

    answers = {a.item_id: a for a in ChecklistAnswer.objects.filter(activity=activity)}
    assert answers[yes_no.pk].verdict == "no"
    assert answers[yes_no.pk].comment == "Đoàn phí quý I nộp chậm 45 ngày"
    with answers[yes_no.pk].evidence.open("rb") as photo:
        assert photo.read() == PHOTO
    assert answers[score.pk].score == 7
    assert answers[text.pk].text == "Sổ sách đầy đủ, cần số hóa"
    submissions = AnswerSubmission.objects.filter(activity=activity)
    assert {s.source for s in submissions} == {AnswerSubmission.Source.OFFLINE}
    assert {s.submitted_by_id for s in submissions} == {inspector.pk}
    assert all(s.answered_at <= s.received_at for s in submissions)
    assert Finding.objects.get(activity=activity).item == yes_no
    # Reloaded, the page shows the answers from the server, nothing left to send.
    page.reload()
    expect(page.locator(f"#item-{score.pk}-score")).to_have_value("7")
    expect(status).to_have_text(vi("Every answer is on the server."))
