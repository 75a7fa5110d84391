"""The assistant's answers: citations, Vietnamese retrieval, and when it hands over."""

import io
import json
import uuid

import pytest
from django.core.management import call_command

from feedback import services
from feedback.models import (
    AssistantQuestion,
    AssistantTopic,
    LegalArticle,
    LegalDocument,
)
from feedback.selectors.assistant import assistant_answer, assistant_index
from tests.feedback.conftest import KB_DIR

pytestmark = pytest.mark.django_db

ANSWERED = AssistantQuestion.Outcome.ANSWERED
HANDED = AssistantQuestion.Outcome.HANDED_OVER

# Questions written for these tests, worded unlike the evaluation sample, with
# the article a lawyer would point to.
PARAPHRASES = [
    (
        "Hợp đồng thử việc kéo dài tối đa mấy ngày với vị trí quản lý doanh nghiệp?",
        "45/2019/QH14#Điều 25",
    ),
    (
        "Mỗi năm người lao động được nghỉ phép năm bao nhiêu ngày?",
        "45/2019/QH14#Điều 113",
    ),
    (
        "Làm thêm giờ vào ban đêm thì được trả lương như thế nào?",
        "45/2019/QH14#Điều 98",
    ),
    ("Lao động nữ nghỉ thai sản khi sinh con được mấy tháng?", "41/2024/QH15#Điều 53"),
    (
        "tai nan lao dong thi nguoi su dung lao dong phai boi thuong the nao",
        "84/2015/QH13#Điều 38",
    ),
    ("Tuổi nghỉ hưu của lao động nam hiện nay là bao nhiêu?", "45/2019/QH14#Điều 169"),
]


def ask(text):
    return assistant_answer(text=text)


def keys_of(plan) -> list[str]:
    keys = dict(LegalArticle.objects.values_list("pk", "key"))
    return [keys[r["article"]] for r in plan.retrieved]


@pytest.mark.parametrize(("question", "key"), PARAPHRASES)
def test_own_paraphrases_find_their_article_in_the_top_five(kb, question, key):
    plan = ask(question)

    assert plan.outcome == ANSWERED, plan.reason
    assert key in keys_of(plan)[:5]


def test_a_question_typed_without_accents_finds_the_same_article(kb):
    accented = ask("Người lao động nghỉ việc phải báo trước bao nhiêu ngày?")
    plain = ask("nguoi lao dong nghi viec phai bao truoc bao nhieu ngay")

    assert keys_of(plain)[0] == keys_of(accented)[0] == "45/2019/QH14#Điều 35"


def test_every_answered_question_cites_an_article_it_retrieved(kb):
    for question, _key in PARAPHRASES:
        plan = ask(question)
        assert plan.passages, question
        retrieved = {r["article"] for r in plan.retrieved}
        for passage in plan.passages:
            assert passage["citation"].startswith(("Điều ", "Khoản "))
            assert passage["article"] in retrieved
            article = LegalArticle.objects.get(pk=passage["article"])
            # The citation names that article, and the text quoted is its own.
            assert article.citation in passage["citation"]
            assert passage["text"] in article.text


def test_the_citation_names_the_article_and_the_document_in_words(kb):
    plan = ask("Tôi muốn nghỉ việc thì phải báo trước cho công ty mấy ngày?")

    citations = [p["citation"] for p in plan.passages]
    assert any(c.endswith("Điều 35 Bộ luật Lao động 2019") for c in citations)


def test_an_amended_article_is_quoted_with_the_clause_in_force(kb):
    plan = ask("Mức hưởng bảo hiểm y tế khi đi khám chữa bệnh đúng tuyến là bao nhiêu?")

    amendments = [p for p in plan.passages if p.get("amends")]
    assert amendments
    assert amendments[0]["key"] == "51/2024/QH15#Điều 1"
    assert "Luật Bảo hiểm y tế 2008" in amendments[0]["amends"]


def test_a_replaced_document_is_flagged_and_ranked_after_the_one_in_force(kb):
    old_code = LegalDocument.objects.create(
        number="10/2012/QH13",
        title="Bộ luật Lao động",
        short_title="Bộ luật Lao động 2012",
        kind=LegalDocument.Kind.CODE,
        replaced_by=LegalDocument.objects.get(number="45/2019/QH14"),
    )
    current = LegalArticle.objects.get(key="45/2019/QH14#Điều 35")
    LegalArticle.objects.create(
        document=old_code,
        number="37",
        key="10/2012/QH13#Điều 37",
        title=current.title,
        text=current.text,
    )

    plan = ask("Tôi muốn nghỉ việc thì phải báo trước cho công ty mấy ngày?")

    # The same text in both: the one in force comes first, the replaced one after.
    keys = keys_of(plan)
    new, old_key = "45/2019/QH14#Điều 35", "10/2012/QH13#Điều 37"
    assert new in keys[:3]
    assert old_key not in keys or keys.index(new) < keys.index(old_key)
    old = [p for p in plan.passages if p["key"] == "10/2012/QH13#Điều 37"]
    for passage in old:
        assert passage["in_force"] is False
        assert "Bộ luật Lao động 2019" in passage["replaced_by"]
    # Asked by the old code's own number, it is found and flagged as replaced.
    plan = ask(
        "Theo Bộ luật Lao động 2012, người lao động đơn phương chấm dứt "
        "hợp đồng phải báo trước bao lâu?"
    )
    assert all(p["in_force"] or p["replaced_by"] for p in plan.passages)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        (
            "Tôi bị đau bụng và sốt hai ngày nay thì bị bệnh gì, uống thuốc gì?",
            "medical",
        ),
        ("Bạn nghĩ gì về cuộc bầu cử đại biểu sắp tới?", "politics"),
        (
            "Công ty không trả lương làm thêm, tôi có nên khởi kiện không?",
            "personal_case",
        ),
        ("Tính giúp tôi tiền trợ cấp thôi việc sau 7 năm làm việc", "personal_case"),
        ("Thủ tục chia tài sản khi ly hôn thế nào?", "topic_off"),
        ("Mỗi tháng đoàn viên phải đóng đoàn phí bao nhiêu?", "topic_off"),
        ("Làm sao để chữa đau lưng do ngồi máy tính nhiều?", "medical"),
        ("Ai có quyền quyết định giải thể công đoàn cơ sở?", "topic_off"),
        ("Giá vàng hôm nay bao nhiêu?", "out_of_scope"),
        ("Cho tôi công thức nấu phở bò ngon", "out_of_scope"),
        ("Xin chào, bạn tên là gì?", "out_of_scope"),
    ],
)
def test_out_of_scope_questions_are_handed_over_with_their_reason(kb, question, reason):
    plan = ask(question)

    assert (plan.outcome, plan.reason) == (HANDED, reason)
    assert plan.passages == []


def test_switching_a_topic_off_takes_effect_on_the_next_question(kb):
    question = "Chế độ thai sản khi sinh con được nghỉ bao lâu?"
    assert ask(question).outcome == ANSWERED
    topic = AssistantTopic.objects.get(name="Bảo hiểm xã hội")

    topic.enabled = False
    topic.save()

    plan = ask(question)
    assert (plan.outcome, plan.reason, plan.topic_id) == (HANDED, "topic_off", topic.pk)


def test_a_question_below_the_confidence_threshold_is_handed_over(kb):
    from feedback.models import AssistantSettings

    question = "Người lao động được nghỉ lễ những ngày nào?"
    assert ask(question).outcome == ANSWERED
    AssistantSettings.objects.update_or_create(
        pk=1, defaults={"confidence_threshold": "0.99"}
    )

    plan = ask(question)
    assert (plan.outcome, plan.reason) == (HANDED, "low_confidence")


def test_a_curated_answer_comes_first_and_cites_its_articles(kb, admin_user):
    from datetime import timedelta

    from django.utils import timezone

    from feedback.models import CuratedAnswer

    entry = CuratedAnswer.objects.create(
        question="Ngày lễ nào người lao động được nghỉ hưởng nguyên lương?",
        variants="Các ngày nghỉ lễ tết có lương",
        answer="Tết Dương lịch, Tết Âm lịch, Giỗ Tổ, 30/4, 1/5, Quốc khánh.",
        review_on=timezone.localdate() + timedelta(days=30),
    )
    entry.articles.set([LegalArticle.objects.get(key="45/2019/QH14#Điều 112")])
    assert (
        ask("Những ngày nghỉ lễ tết nào có lương?").curated_id is None
    )  # not approved

    services.curated_approve(curated=entry, actor=admin_user)
    plan = ask("Những ngày nghỉ lễ tết nào có lương?")

    assert plan.curated_id == entry.pk
    assert {p["key"] for p in plan.passages} == {"45/2019/QH14#Điều 112"}


def test_the_index_is_built_once_and_rebuilt_when_an_article_changes(kb):
    first = assistant_index()
    assert assistant_index() is first

    article = LegalArticle.objects.get(key="45/2019/QH14#Điều 35")
    article.text += "\n4. Khoản thêm để thử."
    article.save()

    assert assistant_index() is not first


def test_reloading_the_corpus_changes_nothing(kb):
    result = services.corpus_load(path=KB_DIR)

    assert (result.articles_new, result.articles_updated) == (0, 0)
    assert result.articles_unchanged == LegalArticle.objects.count() == 766
    assert (
        LegalDocument.objects.get(number="58/2014/QH13").replaced_by.number
        == "41/2024/QH15"
    )


def test_loading_a_file_that_is_not_json_is_refused_whole(kb, tmp_path):
    from django.core.exceptions import ValidationError

    broken = tmp_path / "hong.json"
    broken.write_text("{ không phải json", encoding="utf-8")
    before = LegalArticle.objects.count()

    with pytest.raises(ValidationError):
        services.corpus_load(path=broken)
    assert LegalArticle.objects.count() == before


def test_the_eval_command_prints_one_figure_a_line_and_json(kb, tmp_path):
    sample = tmp_path / "eval.json"
    sample.write_text(
        json.dumps(
            {
                "items": [
                    {
                        "id": "a",
                        "question": "Nghỉ việc phải báo trước mấy ngày?",
                        "relevant": ["45/2019/QH14#Điều 35"],
                    },
                    {
                        "id": "b",
                        "question": "Hôm nay trời có mưa không?",
                        "relevant": [],
                    },
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("assistant_eval", str(sample), stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "recall@1",
        "recall@5",
        "mrr@10",
        "handover",
        "p95_ms",
    ]
    assert "recall@5: 1.0" in lines
    assert "handover: 1.0" in lines

    out = io.StringIO()
    call_command("assistant_eval", str(sample), "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert set(figures) == {"recall@1", "recall@5", "mrr@10", "handover", "p95_ms"}


def test_a_question_is_stored_with_its_passages_and_no_ticket_when_answered(small):
    question = services.question_ask(
        member=small.member,
        text="Làm ca đêm được tính từ mấy giờ?",
        submit_token=uuid.uuid4(),
    )

    assert question.outcome == ANSWERED
    assert question.passages
    assert not hasattr(question, "handover") or question.handover is None
