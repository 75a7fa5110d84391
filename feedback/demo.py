"""The demo of member voice: each topic's records for the demo accounts.

``seed_demo`` calls ``seed`` (FeedbackConfig.demo_seed); each topic adds what
is missing of its own demo through its services, idempotently.
"""

import uuid
from datetime import date
from pathlib import Path

from django.conf import settings

# The shared knowledge base beside the repository, as the tests read it.
KB_DIR = Path(settings.BASE_DIR).parent / "shared" / "kb"


def seed(*, people, today: date) -> str:
    """Make the demo of every topic of member voice; return one line about it."""
    lines = [_assistant(people, today)]
    return "; ".join(line for line in lines if line)


def _assistant(people, today: date) -> str:
    """The knowledge base, a few curated answers, a question an officer answered."""
    from feedback.models import AssistantQuestion, CuratedAnswer, LegalArticle
    from feedback.services import assistant as services

    services.topics_ensure()
    if KB_DIR.is_dir() and not LegalArticle.objects.exists():
        services.corpus_load(path=KB_DIR)
    curated = 0
    for question, variants, answer, keys in _CURATED:
        articles = list(LegalArticle.objects.filter(key__in=keys))
        if not articles or CuratedAnswer.objects.filter(question=question).exists():
            continue
        entry = CuratedAnswer.objects.create(
            question=question,
            variants=variants,
            answer=answer,
            review_on=today.replace(year=today.year + 1),
        )
        entry.articles.set(articles)
        services.curated_approve(curated=entry, actor=people.admin)
        curated += 1
    # Fixed codes: a second run finds the same questions.
    for token, text in _QUESTIONS:
        services.question_ask(
            member=people.member, text=text, submit_token=uuid.UUID(token)
        )
    waiting = AssistantQuestion.objects.filter(
        member=people.member,
        outcome=AssistantQuestion.Outcome.HANDED_OVER,
        handover__answered_at__isnull=True,
    ).select_related("handover")
    first = waiting.order_by("pk").first()
    if first is not None and first.text == _QUESTIONS[1][1]:
        services.handover_answer(
            handover=first.handover,
            actor=people.officer,
            answer=(
                "Đoàn phí công đoàn do đoàn viên đóng hằng tháng bằng 1% tiền lương "
                "làm căn cứ đóng bảo hiểm xã hội, nộp cho công đoàn cơ sở nơi bạn "
                "sinh hoạt. Bạn liên hệ tổ công đoàn của mình để biết lịch thu."
            ),
        )
    articles = LegalArticle.objects.count()
    return f"assistant: {articles} articles, {curated} curated answers added"


_CURATED = (
    (
        "Nghỉ việc phải báo trước bao nhiêu ngày?",
        "Muốn nghỉ việc thì báo trước mấy ngày\nXin nghỉ việc cần báo trước bao lâu",
        "Khi tự nghỉ việc (đơn phương chấm dứt hợp đồng), bạn phải báo trước ít nhất "
        "45 ngày với hợp đồng không xác định thời hạn, 30 ngày với hợp đồng từ 12 đến "
        "36 tháng, 03 ngày làm việc với hợp đồng dưới 12 tháng; một số trường hợp "
        "(không được trả lương đủ, bị ngược đãi, quấy rối...) không cần báo trước.",
        ["45/2019/QH14#Điều 35"],
    ),
    (
        "Chồng được nghỉ mấy ngày khi vợ sinh con?",
        "Vợ đẻ thì chồng được nghỉ bao lâu\nLao động nam nghỉ thai sản khi vợ sinh",
        "Lao động nam đang đóng bảo hiểm xã hội được nghỉ 05 ngày làm việc khi vợ "
        "sinh thường, 07 ngày khi vợ sinh phải phẫu thuật hoặc sinh con dưới 32 tuần "
        "tuổi, 10 ngày khi vợ sinh đôi (thêm 03 ngày cho mỗi con từ con thứ ba), "
        "trong 60 ngày kể từ ngày vợ sinh.",
        ["41/2024/QH15#Điều 53"],
    ),
)

_QUESTIONS = (
    (
        "6d1b0f1e-5a39-4c55-9d1e-0a9d2a000001",
        "Làm thêm giờ vào ngày nghỉ hằng tuần được trả lương thế nào?",
    ),
    (
        "6d1b0f1e-5a39-4c55-9d1e-0a9d2a000002",
        "Đoàn phí công đoàn mỗi tháng đóng bao nhiêu và nộp cho ai?",
    ),
    # Left waiting for an officer: the staff home's card counts it.
    (
        "6d1b0f1e-5a39-4c55-9d1e-0a9d2a000003",
        "Công ty nợ lương tôi hai tháng, tôi có nên khởi kiện không?",
    ),
)
