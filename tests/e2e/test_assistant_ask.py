"""Browser test of "Ask the union" on a 360 px phone: ask, read the cited answer."""

import uuid

import pytest
from playwright.sync_api import expect

from feedback.services.assistant import corpus_load
from tests.conftest import require_service
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE
from tests.e2e.test_accessibility import (  # the fixture, and its helpers
    axe_page,  # noqa: F401
    axe_violations,
    described,
    visit,
)
from tests.feedback.conftest import KB_DIR, Small

LABOUR_CODE = KB_DIR / "bo_luat_lao_dong_2019__45-2019-QH14.json"


@pytest.fixture
def union(transactional_db):
    require_service(LABOUR_CODE.exists(), f"the Labour Code is missing: {LABOUR_CODE}")
    corpus_load(path=LABOUR_CODE)
    return Small()


def document_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_a_member_asks_on_a_phone_and_reads_the_cited_answer(page_at, signed_in, union):
    page = signed_in(page_at(PHONE), union.member_user)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )

    page.goto("/hoi-cong-doan/")
    expect(page.get_by_role("heading", name=vi("Ask the union"))).to_be_visible()
    page.get_by_label(vi("Your question")).fill(
        "Tôi muốn nghỉ việc thì phải báo trước cho công ty bao nhiêu ngày?"
    )
    page.get_by_role("button", name=vi("Ask")).click()

    citation = page.locator(".assistant-citation").first
    expect(citation).to_contain_text("Bộ luật Lao động 2019")
    expect(page.locator("#assistant-answer")).to_contain_text("Điều 35")
    expect(page.locator("#assistant-answer .assistant-notice")).to_be_visible()
    assert document_width(page) <= PHONE

    page.get_by_role("button", name=vi("Helpful"), exact=True).click()
    expect(page.locator("#helpful-state")).to_be_visible()

    page.get_by_role("link", name=vi("Read the whole article")).first.click()
    expect(page.locator("#article-text")).to_be_visible()
    assert document_width(page) <= PHONE

    page.goto("/hoi-cong-doan/")
    expect(page.locator("#assistant-history li")).to_have_count(1)
    assert refused == []


def test_the_assistant_pages_pass_axe_on_a_phone(axe_page, union):  # noqa: F811
    from django.urls import reverse

    from feedback import services
    from feedback.models import LegalArticle

    answered = services.question_ask(
        member=union.member,
        text="Nghỉ việc phải báo trước bao nhiêu ngày?",
        submit_token=uuid.uuid4(),
    )
    handed = services.question_ask(
        member=union.member, text="Thủ tục ly hôn cần gì?", submit_token=uuid.uuid4()
    )
    article = LegalArticle.objects.get(key="45/2019/QH14#Điều 35")
    page = axe_page(PHONE, union.member_user)
    for path in (
        reverse("feedback:assistant"),
        reverse("feedback:assistant_question", args=[answered.pk]),
        reverse("feedback:assistant_question", args=[handed.pk]),
        reverse("feedback:assistant_article", args=[article.pk]),
    ):
        visit(page, path)
        violations = axe_violations(page)
        assert violations == [], [described(v) for v in violations]
        assert document_width(page) <= PHONE, path
