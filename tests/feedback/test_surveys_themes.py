"""Themes of Vietnamese free text: masking, grouping, staff's edits, a real worker."""

import time

import pytest
from django.db import connection
from django.urls import reverse

from feedback.models import SurveyAnalysisRun, SurveyAnswer, SurveyTheme
from feedback.survey_themes import text_mask, themes_find
from tests.conftest import require_service
from tests.feedback.factories import answer, make_survey, members_of, question
from unionportal.celery import app as portal_app

TOPICS = {
    "nhà trẻ": [
        "Mong có nhà trẻ cho con công nhân",
        "Cần nhà trẻ gần công ty để gửi con",
        "Nhà trẻ cho con em công nhân",
    ],
    "bữa ăn": [
        "Bữa ăn ca cần cải thiện chất lượng",
        "Bữa ăn ca ít thức ăn, chưa ngon",
        "Chất lượng bữa ăn ca kém",
    ],
    "lương": [
        "Đề nghị tăng lương cơ bản",
        "Tăng lương cơ bản theo lạm phát",
        "Lương cơ bản thấp, cần tăng lương",
    ],
}


def test_names_and_phone_numbers_are_masked():
    assert text_mask("Anh Nguyễn Văn Hùng hay quát, gọi 0912 345 678") == (
        "Anh [tên] hay quát, gọi [SĐT]"
    )
    assert text_mask("Tổ trưởng Minh ép tăng ca, số +84 355-441-122") == (
        "Tổ trưởng [tên] ép tăng ca, số [SĐT]"
    )
    assert text_mask("Lý do là chị Lan nói") == "Lý do là chị [tên] nói"
    # No name, nothing masked.
    assert text_mask("Chị em công nhân cần nhà trẻ") == "Chị em công nhân cần nhà trẻ"


def test_answers_of_one_topic_fall_in_one_theme_with_its_keywords():
    texts = [text for variants in TOPICS.values() for text in variants] * 10

    found = themes_find(texts)

    theme_of = {}
    for theme in found.themes:
        for index in theme.members:
            theme_of[index] = theme
    for topic, variants in TOPICS.items():
        indexes = [i for i, text in enumerate(texts) if text in variants]
        themes = {id(theme_of[i]) for i in indexes}
        assert len(themes) == 1, topic
        keywords = " ".join(theme_of[indexes[0]].keywords)
        assert topic.split()[-1] in keywords, (topic, keywords)
    assert found.unthemed == 0


@pytest.fixture
def eager():
    """Tasks run in the test's thread, as soon as they are queued."""
    before = portal_app.conf.task_always_eager
    portal_app.conf.task_always_eager = True
    yield
    portal_app.conf.task_always_eager = before


@pytest.fixture
def free_text(union):
    survey = make_survey(owner_unit=union.vnpt)
    people = members_of(union.unit_a, 9) + members_of(union.unit_b, 9)
    texts = [text for variants in TOPICS.values() for text in variants] * 2
    for person, text in zip(people, texts, strict=True):
        answer(survey, person, q1=0, q3=text)
    answer(
        survey,
        members_of(union.unit_a, 1)[0],
        q1=0,
        q3="Quản đốc Trần Văn Bảo ép tăng lương giả, gọi 0987654321",
    )
    return survey


@pytest.mark.django_db
def test_staff_start_the_analysis_and_see_themes_by_unit_masked(
    client, union, free_text, eager, django_capture_on_commit_callbacks
):
    text = question(free_text, 3)
    url = (
        reverse("admin:feedback_survey_themes", args=[text.survey_id])
        + f"?question={text.pk}"
    )
    client.force_login(union.officer_vnpt)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    assert response.status_code == 302
    run = SurveyAnalysisRun.objects.get(question=text)
    assert (run.status, run.done, run.total) == ("done", 19, 19)
    assert SurveyAnswer.objects.filter(question=text, theme__isnull=False).count() == 19
    page = client.get(url)
    view = page.context["view"]
    assert sum(row.count for row in view.themes) == 19
    assert {group.label for group in view.groups} == {
        "CĐCS VNPT Hà Nội",
        "CĐCS VNPT TP. Hồ Chí Minh",
    }
    salary = next(t for t in SurveyTheme.objects.all() if "lương" in t.keywords)
    texts = client.get(url + f"&theme={salary.pk}").context["texts"]
    assert any("[tên]" in line and "[SĐT]" in line for line in texts)
    html = client.get(url + f"&theme={salary.pk}").content.decode()
    assert "Trần Văn Bảo" not in html
    assert "0987654321" not in html


@pytest.mark.django_db
def test_staff_rename_merge_and_confirm_themes_through_the_admin(
    client, union, free_text
):
    from feedback import services

    text = question(free_text, 3)
    run = SurveyAnalysisRun.objects.create(question=text, total=19)
    services.analysis_run(run_id=run.pk)
    themes = list(SurveyTheme.objects.order_by("-answer_count", "pk"))
    assert len(themes) >= 2
    client.force_login(union.officer_vnpt)
    changelist = reverse("admin:feedback_surveytheme_changelist")

    response = client.post(
        reverse("admin:feedback_surveytheme_change", args=[themes[0].pk]),
        {"label": "Chế độ cho con công nhân"},
    )
    assert response.status_code == 302
    client.post(
        changelist,
        {"action": "merge", "_selected_action": [t.pk for t in themes[:2]]},
    )
    client.post(changelist, {"action": "confirm", "_selected_action": [themes[0].pk]})

    merged = SurveyTheme.objects.get(pk=themes[0].pk)
    assert merged.label == "Chế độ cho con công nhân"
    assert merged.confirmed
    assert merged.answer_count == themes[0].answer_count + themes[1].answer_count
    assert not SurveyTheme.objects.filter(pk=themes[1].pk).exists()
    assert SurveyAnswer.objects.filter(theme=merged).count() == merged.answer_count
    # Confirmed themes are kept: a new analysis is refused until unconfirmed.
    url = (
        reverse("admin:feedback_survey_themes", args=[text.survey_id])
        + f"?question={text.pk}"
    )
    client.post(url)
    assert SurveyAnalysisRun.objects.filter(question=text).count() == 1


@pytest.mark.django_db
def test_an_officer_of_another_union_cannot_touch_the_themes(client, union, free_text):
    text = question(free_text, 3)
    client.force_login(union.officer_b)
    url = (
        reverse("admin:feedback_survey_themes", args=[text.survey_id])
        + f"?question={text.pk}"
    )

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not SurveyAnalysisRun.objects.exists()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_analysis_and_reports_progress(client, union):
    require_service(
        connection.vendor == "postgresql", "a worker thread writing needs PostgreSQL"
    )
    from tests.unionportal.test_celery import running_worker

    survey = make_survey(owner_unit=union.vnpt)
    people = members_of(union.unit_a, 9)
    texts = [text for variants in TOPICS.values() for text in variants]
    for person, text in zip(people, texts, strict=True):
        answer(survey, person, q1=0, q3=text)
    text = question(survey, 3)
    client.force_login(union.officer_vnpt)
    portal_app.control.purge()

    with running_worker(portal_app, "themes"):
        client.post(
            reverse("admin:feedback_survey_themes", args=[text.survey_id])
            + f"?question={text.pk}"
        )
        deadline = time.monotonic() + 60
        run = SurveyAnalysisRun.objects.get(question=text)
        while run.status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.2)
            run.refresh_from_db()

    assert run.status == "done", run.message
    assert run.done == run.total == 9
    assert SurveyTheme.objects.filter(question=text).exists()
