"""Browser test of surveys on a 360 px phone: a branched question, answered once."""

import pytest
from playwright.sync_api import Page, expect

from feedback.models import SurveyAnswer, SurveyParticipation, SurveyResponse
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE
from tests.feedback.factories import Kind, make_survey, question
from tests.learning.factories import make_small_union


@pytest.fixture
def survey_for_member():
    union = make_small_union()
    survey = make_survey(
        owner_unit=union.vnpt,
        title="Khảo sát bữa ăn ca",
        questions=(
            (Kind.YES_NO, "Anh/chị có ăn ca tại công ty không?", ""),
            (Kind.SCALE, "Chất lượng bữa ăn ca?", ""),
            (Kind.MULTIPLE, "Cần cải thiện gì?", "Khẩu phần\nVệ sinh\nThực đơn"),
            (Kind.LONG_TEXT, "Ý kiến khác?", ""),
        ),
    )
    for order in (2,):
        branched = question(survey, order)
        branched.show_if_question = question(survey, 1)
        branched.show_if_answer = "yes"
        branched.required = True
        branched.save()
    return union, survey


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_member_answers_a_survey_on_a_phone(
    page_at, signed_in, screenshot, survey_for_member
):
    union, survey = survey_for_member
    page = signed_in(page_at(PHONE), union.member_a.user)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )

    page.goto("/")
    page.locator("#home-surveys").get_by_role("link", name=survey.title).click()
    expect(page.get_by_role("heading", name=survey.title)).to_be_visible()
    assert document_width(page) <= PHONE
    scale = page.locator(f"#question-{question(survey, 2).pk}")
    # The scale follows a "yes": hidden until then, shown after it.
    expect(scale).to_be_hidden()
    page.get_by_label(vi("Yes"), exact=True).check()
    expect(scale).to_be_visible()
    scale.get_by_label("4", exact=True).check()
    page.get_by_label("Vệ sinh").check()
    page.get_by_label("Thực đơn").check()
    page.get_by_label("Ý kiến khác?").fill("Cần thêm rau xanh")
    screenshot(page, "answer")
    assert document_width(page) <= PHONE
    page.locator("#survey-submit").click()

    expect(page.locator(f"#survey-{survey.pk}")).to_contain_text(
        vi("Answered. Thank you.")
    )
    assert refused == []
    assert SurveyParticipation.objects.filter(member=union.member_a).count() == 1
    response = SurveyResponse.objects.get(survey=survey)
    assert sorted(
        SurveyAnswer.objects.filter(response=response).values_list(
            "question__order", "choice", "number", "text"
        )
    ) == [
        (1, None, 1, ""),
        (2, None, 4, ""),
        (3, 1, None, ""),
        (3, 2, None, ""),
        (4, None, None, "Cần thêm rau xanh"),
    ]
