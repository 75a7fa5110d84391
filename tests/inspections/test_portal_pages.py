"""Portal pages: the unit sends documents, the team reviews, the lead settles."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections import services
from inspections.models import ActivityDocument, AnswerSubmission, ChecklistAnswer
from tests.inspections.factories import make_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def online(tree, plan, inspector, checklist):
    return make_activity(
        plan=plan,
        inspected=tree.vnpt_hn,
        lead=inspector,
        team=[tree.sibling_officer],
        contacts=[tree.grassroots_officer],
        checklist=checklist,
        mode="online",
        start=date(2026, 6, 1),
    )


def test_the_unit_sends_a_document_and_the_team_reviews_it(
    client, online, tree, inspector
):
    client.force_login(tree.grassroots_officer)
    client.post(
        f"/kiem-tra/{online.pk}/",
        {
            "action": "upload",
            "title": "Báo cáo tài chính 2025",
            "kind": "minutes",  # tampered: the unit sends its own documents only
            "file": SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4"),
        },
    )
    document = ActivityDocument.objects.get()
    assert document.kind == ActivityDocument.Kind.UNIT_DOCUMENT
    assert document.uploaded_by == tree.grassroots_officer
    # The unit cannot review its own document.
    client.post(
        f"/kiem-tra/{online.pk}/",
        {"action": "review", "document": document.pk, "review": "accepted"},
    )
    document.refresh_from_db()
    assert document.review == ActivityDocument.Review.PENDING

    client.force_login(inspector)
    page = client.get(f"/kiem-tra/{online.pk}/").content.decode()
    assert "Báo cáo tài chính 2025" in page
    client.post(
        f"/kiem-tra/{online.pk}/",
        {
            "action": "review",
            "document": document.pk,
            "review": "more_needed",
            "note": "Thiếu quý IV",
        },
    )
    document.refresh_from_db()
    assert (document.review, document.reviewed_by) == ("more_needed", inspector)
    assert client.get(f"/kiem-tra/tai-lieu/{document.pk}/").status_code == 200
    client.force_login(tree.vtc_officer)
    assert client.get(f"/kiem-tra/tai-lieu/{document.pk}/").status_code == 404
    assert client.get(f"/kiem-tra/{online.pk}/").status_code == 404


def test_the_unit_answers_online_and_the_lead_settles_a_conflict(
    client, online, tree, inspector
):
    text = online.checklist.items.get(answer_type="text")
    client.force_login(tree.grassroots_officer)
    response = client.post(
        f"/kiem-tra/{online.pk}/tra-loi/",
        {
            "item": text.pk,
            "text": "Đã họp 4 lần",
            "client_key": "u1",
            "base_revision": 0,
            "device": "may-tinh",
        },
    )
    assert response.json() == {"outcome": "applied", "revision": 1}
    client.force_login(tree.sibling_officer)
    response = client.post(
        f"/kiem-tra/{online.pk}/tra-loi/",
        {
            "item": text.pk,
            "text": "Họp 3 lần",
            "client_key": "t1",
            "base_revision": 0,
            "device": "dien-thoai",
        },
    )
    assert response.json()["outcome"] == "conflict"
    conflict = AnswerSubmission.objects.get(outcome="conflict")

    # Only the lead sees and settles it.
    assert (
        "Họp 3 lần"
        not in client.get(f"/kiem-tra/{online.pk}/")
        .content.decode()
        .split('id="log-title"')[0]
    )
    client.post(
        f"/kiem-tra/{online.pk}/", {"action": "take", "submission": conflict.pk}
    )
    assert ChecklistAnswer.objects.get(item=text).text == "Đã họp 4 lần"
    client.force_login(inspector)
    page = client.get(f"/kiem-tra/{online.pk}/").content.decode()
    assert f'id="conflict-{conflict.pk}"' in page
    client.post(
        f"/kiem-tra/{online.pk}/", {"action": "take", "submission": conflict.pk}
    )
    answer = ChecklistAnswer.objects.get(item=text)
    assert (answer.text, answer.answered_by) == ("Họp 3 lần", tree.sibling_officer)


def test_a_bad_answer_is_refused_with_a_clear_message_and_nothing_kept(
    client, online, tree
):
    yes_no = online.checklist.items.get(answer_type="yes_no")
    client.force_login(tree.grassroots_officer)
    response = client.post(
        f"/kiem-tra/{online.pk}/tra-loi/",
        {"item": yes_no.pk, "verdict": "no", "client_key": "x", "base_revision": 0},
    )
    assert response.status_code == 400
    assert "nhận xét và minh chứng" in response.json()["errors"][0]
    assert not AnswerSubmission.objects.exists()
    # Another activity's question is refused.
    response = client.post(
        f"/kiem-tra/{online.pk}/tra-loi/",
        {"item": 999999, "verdict": "yes", "client_key": "y"},
    )
    assert response.status_code == 400


def test_the_checklist_form_without_script_saves_every_answer(client, online, tree):
    items = {item.answer_type: item for item in online.checklist.items.all()}
    client.force_login(tree.grassroots_officer)
    page = client.get(f"/kiem-tra/{online.pk}/bang-kiem/")
    assert page.status_code == 200
    client.post(
        f"/kiem-tra/{online.pk}/bang-kiem/",
        {
            f"item-{items['yes_no'].pk}-verdict": "yes",
            f"item-{items['score'].pk}-score": "9",
            f"item-{items['score'].pk}-key": "s",
            f"item-{items['yes_no'].pk}-key": "y",
            f"item-{items['text'].pk}-key": "t",
        },
    )
    answers = {a.item_id: a for a in ChecklistAnswer.objects.all()}
    assert answers[items["yes_no"].pk].verdict == "yes"
    assert answers[items["score"].pk].score == 9
    assert items["text"].pk not in answers


def test_the_year_export_streams_the_scope_only(
    client, online, tree, inspections_staff, plan, inspector
):
    import io

    from openpyxl import load_workbook

    services.finding_record(
        actor=inspector, activity=online, topic="Đoàn phí", description="Canary HN"
    )
    sibling = make_activity(
        plan=plan, inspected=tree.vnpt_hcm, lead=inspector, topic="Canary HCM topic"
    )
    services.finding_record(
        actor=inspector, activity=sibling, topic="Đoàn phí", description="Canary HCM"
    )
    client.force_login(inspections_staff(tree.grassroots_officer))
    response = client.get("/admin/inspections/activity/xuat-xlsx/?year=2026")
    assert response.status_code == 200
    book = load_workbook(
        io.BytesIO(b"".join(response.streaming_content)), read_only=True
    )
    cells = {
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v
    }
    assert "Canary HN" in cells
    assert "Canary HCM" not in cells
    assert "Canary HCM topic" not in cells
    assert [sheet.title for sheet in book.worksheets] == [
        "Hoạt động",
        "Phát hiện",
        "Kiến nghị",
    ]
