"""The assistant at full size: a year of members' questions, answered or handed over.

Part of feedback's full-size seed (``feedback.scale``). Each distinct wording
is planned once by the assistant itself (``assistant_answer`` over the
knowledge base in the database), so what a question stores (topic, outcome,
reason, confidence, the curated answer, the passages quoted and the articles
retrieved) is what ``question_ask`` would store for it; with no corpus the
plans hand the questions over. The legal corpus is loaded from ``../shared/kb``
the way feedback's demo loads it, when the database has none and the folder
is there.
"""

import json
import uuid
from datetime import timedelta

from feedback.demo import KB_DIR
from feedback.models import AssistantHandover, AssistantQuestion, LegalArticle
from feedback.scale.rows import Register, at, copy_rows
from feedback.selectors.assistant import assistant_answer, assistant_settings
from feedback.services.assistant import corpus_load, topics_ensure
from members.bulk import ids_reserve
from members.text import nfc

# The form codes of the seed's questions: uuid5 of the seed and the number.
TOKENS = uuid.UUID("8a4f0c2e-91d3-4b6a-b5e7-2c9d0f1a3e58")
DAYS = 365
# Share of the questions drawn from wordings the assistant hands over.
HANDED_SHARE = 0.15
OFFICER_ANSWERED = 0.85
RATED = 0.3
# Questions members ask that the knowledge base answers.
ANSWERABLE = (
    "Thử việc tối đa bao nhiêu ngày?",
    "Tôi muốn nghỉ việc thì phải báo trước bao nhiêu ngày?",
    "Công ty được đơn phương chấm dứt hợp đồng trong trường hợp nào?",
    "Bị đuổi việc trái luật thì được bồi thường những gì?",
    "Làm thêm giờ vào ngày nghỉ hằng tuần được trả lương thế nào?",
    "Làm thêm giờ vào ban đêm được trả lương ra sao?",
    "Một năm được làm thêm tối đa bao nhiêu giờ?",
    "Người lao động được nghỉ phép năm bao nhiêu ngày?",
    "Nghỉ lễ tết được hưởng nguyên lương những ngày nào?",
    "Kết hôn được nghỉ mấy ngày có lương?",
    "Lao động nữ nghỉ thai sản được bao lâu?",
    "Chồng được nghỉ mấy ngày khi vợ sinh con?",
    "Trợ cấp thôi việc được tính như thế nào?",
    "Mức lương tối thiểu vùng áp dụng ra sao?",
    "Công ty trả lương chậm thì phải đền bù thế nào?",
    "Hợp đồng lao động có những loại nào?",
    "Hết hạn hợp đồng mà vẫn làm việc thì hợp đồng thế nào?",
    "Thời giờ làm việc bình thường tối đa mỗi ngày là bao nhiêu giờ?",
    "Nghỉ giữa ca làm việc ban đêm được bao nhiêu phút?",
    "Tuổi nghỉ hưu của lao động nam là bao nhiêu?",
    "Điều kiện hưởng lương hưu là gì?",
    "Bảo hiểm xã hội bắt buộc gồm những chế độ nào?",
    "Nghỉ ốm đau được hưởng bảo hiểm xã hội bao nhiêu ngày?",
    "Bị tai nạn lao động thì người sử dụng lao động phải làm gì?",
    "Người lao động có quyền từ chối làm việc nguy hiểm không?",
    "Bệnh nghề nghiệp được hưởng chế độ gì?",
    "Khám sức khỏe định kỳ cho người lao động mấy lần một năm?",
    "Thẻ bảo hiểm y tế được hưởng bao nhiêu phần trăm chi phí khám chữa bệnh?",
    "Công ty có được giữ bản chính giấy tờ tùy thân của người lao động không?",
    "Xử lý kỷ luật sa thải được áp dụng trong trường hợp nào?",
    "Tạm hoãn hợp đồng lao động trong trường hợp nào?",
    "Rút bảo hiểm xã hội một lần cần điều kiện gì?",
)
# Questions the assistant hands to an officer: the member's own case,
# health, subjects the base does not cover.
HANDED = (
    "Công ty nợ lương tôi hai tháng, tôi có nên khởi kiện không?",
    "Tôi bị đau lưng kéo dài, có phải thoát vị đĩa đệm không?",
    "Đoàn phí công đoàn mỗi tháng đóng bao nhiêu và nộp cho ai?",
    "Tôi có nên ký hợp đồng mới với công ty không?",
    "Công đoàn cơ sở bầu ban chấp hành khi nào?",
    "Tôi muốn xin chuyển tổ công đoàn thì làm thế nào?",
    "Con tôi sốt cao mấy ngày nay, uống thuốc gì?",
    "Quỹ trợ cấp khó khăn của công đoàn xét như thế nào?",
)
PREFIXES = ("", "Cho em hỏi, ")
OFFICER_ANSWERS = (
    "Công đoàn cơ sở đã ghi nhận câu hỏi. Bạn liên hệ tổ công đoàn để được "
    "hướng dẫn chi tiết và mang theo giấy tờ liên quan.",
    "Trường hợp của bạn cần xem hợp đồng và bảng lương cụ thể. Mời bạn đến văn "
    "phòng công đoàn vào giờ hành chính để được tư vấn trực tiếp.",
    "Đoàn phí công đoàn bằng 1% tiền lương làm căn cứ đóng bảo hiểm xã hội, nộp "
    "cho công đoàn cơ sở nơi bạn sinh hoạt.",
    "Câu hỏi về sức khỏe cần bác sĩ khám trực tiếp. Bạn đến cơ sở y tế gần nhất; "
    "công đoàn sẽ hỗ trợ thủ tục bảo hiểm y tế nếu cần.",
)


QUESTION_COLUMNS = (
    "id",
    "member_id",
    "unit_id",
    "submit_token",
    "text",
    "topic_id",
    "outcome",
    "reason",
    "confidence",
    "curated_id",
    "passages",
    "retrieved",
    "helpful",
    "latency_ms",
    "created_at",
)
TICKET_COLUMNS = (
    "question_id",
    "unit_id",
    "due_on",
    "answer",
    "answered_by_id",
    "answered_at",
    "created_at",
)


def seed_assistant(*, scale, register: Register, people) -> str:
    """A year of questions: most answered with citations, some handed over."""
    count = scale.count("assistant_questions")
    tokens = [uuid.uuid5(TOKENS, f"{scale.seed}:{count}:{n}") for n in range(count)]
    if AssistantQuestion.objects.filter(submit_token=tokens[-1]).exists():
        return f"assistant reused ({AssistantQuestion.objects.count():,} questions)"
    corpus = _corpus_ready()
    questions, tickets = _rows(
        scale.rng("feedback.assistant"),
        register,
        plans=_plans(),
        ids=ids_reserve(AssistantQuestion, count),
        tokens=tokens,
        today=scale.today,
    )
    copy_rows(AssistantQuestion._meta.db_table, QUESTION_COLUMNS, questions)
    copy_rows(AssistantHandover._meta.db_table, TICKET_COLUMNS, tickets)
    waiting = sum(1 for ticket in tickets if ticket[5] is None)
    return (
        f"assistant: {count:,} questions, {len(tickets):,} handed over "
        f"({waiting:,} waiting); corpus {corpus}"
    )


def _corpus_ready() -> str:
    """The topics, and the legal corpus as feedback's demo loads it; say where from."""
    topics_ensure()
    if LegalArticle.objects.exists():
        return "in the database"
    if KB_DIR.is_dir():
        corpus_load(path=KB_DIR)
        return f"loaded from {KB_DIR}"
    return "absent: every question handed over"


def _rows(rng, register, *, plans, ids, tokens, today) -> tuple[list, list]:
    """The questions' rows (``QUESTION_COLUMNS``) and their tickets' rows."""
    answered = [text for text, plan in plans.items() if plan["outcome"] == "answered"]
    handed = [text for text, plan in plans.items() if plan["outcome"] != "answered"]
    answer_days = assistant_settings().answer_days
    questions, tickets = [], []
    for pk, token in zip(ids, tokens, strict=True):
        member, unit, _user = rng.choice(register.members)
        pool = handed if (not answered or rng.random() < HANDED_SHARE) else answered
        text = rng.choice(pool or answered)
        plan = plans[text]
        # Asked before today: no time of day later than now.
        asked = today - timedelta(days=1 + rng.randrange(DAYS))
        created = at(asked, rng, first=6, last=22)
        grassroots = register.grassroots(unit)
        helpful = None
        if plan["outcome"] == "answered" and rng.random() < RATED:
            helpful = rng.random() < 0.8
        latency = rng.randint(20, 400)
        row = (pk, member, grassroots, token, text, *plan["stored"])
        questions.append((*row, helpful, latency, created))
        if plan["outcome"] != "answered":
            tickets.append(
                _ticket(rng, register, pk, grassroots, created, answer_days, today)
            )
    return questions, tickets


def _plans() -> dict[str, dict]:
    """Each wording's plan, as ``question_ask`` stores it (JSON as COPY reads it)."""
    plans = {}
    for base in (*ANSWERABLE, *HANDED):
        for prefix in PREFIXES:
            text = nfc(prefix + base)
            plan = assistant_answer(text=text)
            plans[text] = {
                "topic_id": plan.topic_id,
                "outcome": plan.outcome,
                "reason": plan.reason,
                "confidence": plan.confidence,
                "curated_id": plan.curated_id,
                "passages": json.dumps(plan.passages, ensure_ascii=False),
                "retrieved": json.dumps(plan.retrieved, ensure_ascii=False),
            }
            # The plan's columns, in QUESTION_COLUMNS' order.
            plans[text]["stored"] = tuple(
                plans[text][name] for name in QUESTION_COLUMNS[5:12]
            )
    return plans


def _ticket(rng, register, question, unit, created, answer_days, today) -> tuple:
    """The ticket for the member's grassroots union; officers answered most."""
    asked = created.date()
    due = asked + timedelta(days=answer_days)
    answer, by, when = "", None, None
    if (today - asked).days > 1 and rng.random() < OFFICER_ANSWERED:
        answered_on = min(
            today - timedelta(days=1),
            asked + timedelta(days=rng.randint(0, answer_days)),
        )
        soonest = created + timedelta(minutes=rng.randint(10, 120))
        when = max(soonest, at(answered_on, rng))
        by = rng.choice(register.officers_over(unit))
        answer = rng.choice(OFFICER_ANSWERS)
    return (question, unit, due, answer, by, when, created)
