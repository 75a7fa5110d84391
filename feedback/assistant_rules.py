"""When the assistant must not answer: out-of-scope intents, and topics by keyword.

A score alone does not tell an out-of-scope question from an in-scope one
(their scores overlap on this base), so the assistant first asks what the
question is: a request about the member's own case (what to do, whether to
sue, a sum to work out), a medical diagnosis, politics, or a topic the base
does not cover. The patterns below describe kinds of request, matched on the
folded text; the topics and their keywords are rows staff edit in the admin.
"""

import re
from dataclasses import dataclass

from members.text import fold


def folded_words(text: str) -> str:
    """Return the text folded, its words separated by single spaces."""
    return " ".join(re.findall(r"\w+", fold(text)))


def _any(*phrases: str) -> re.Pattern:
    body = "|".join(phrases)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


# Each intent: (reason, pattern on the folded question). Order matters: the
# first that matches names the reason.
INTENTS: tuple[tuple[str, re.Pattern], ...] = (
    (
        "medical",
        _any(
            r"chan doan",
            r"trieu chung",
            r"uong thuoc",
            r"thuoc gi",
            r"ke don",
            r"lieu (?:dung|luong)",
            r"(?:bi|mac) (?:benh|con) gi",
            r"benh gi",
            r"co phai (?:bi|mac) (?:benh|ung thu)",
            r"(?:dau|sot|ho|ngua|chong mat|buon non|kho tho|te)\w* "
            r".*(?:bi gi|sao vay|lam sao)",
            r"chua (?:benh )?(?:the nao|bang gi|o dau tot)",
            r"(?:lam sao|cach) (?:de )?chua",
        ),
    ),
    (
        "politics",
        _any(
            r"chinh tri",
            r"dang cong san",
            r"dang vien",
            r"bau cu",
            r"di bau",
            r"bo phieu",
            r"ung cu",
            r"tong bi thu",
            r"chu tich nuoc",
            r"thu tuong",
            r"bieu tinh",
            r"chinh phu (?:co )?(?:tot|te|sai|dung)",
            r"ton giao",
        ),
    ),
    (
        "personal_case",
        _any(
            r"co nen",
            r"nen (?:lam gi|lam the nao|kien|khieu nai)",
            r"kien ra toa",
            r"khoi kien",
            r"thang kien",
            r"tinh (?:giup|ho|dum|cho toi|cho em|xem)",
            r"(?:giup|ho|dum) (?:toi|em|minh) tinh",
            r"(?:viet|soan) (?:giup |ho )?(?:don|hop dong|van ban)",
            r"thue luat su",
            r"truong hop (?:cu the )?cua (?:toi|em|minh)",
        ),
    ),
)


def intent_of(text: str) -> str | None:
    """Return the out-of-scope reason a question's wording shows, or None."""
    folded = folded_words(text)
    for reason, pattern in INTENTS:
        if pattern.search(folded):
            return reason
    return None


@dataclass(frozen=True)
class TopicRule:
    """A topic as the matcher sees it: its id, whether it is on, its phrases."""

    id: int
    enabled: bool
    phrases: tuple[str, ...]


def topic_match(text: str, topics: list[TopicRule]) -> tuple[TopicRule | None, bool]:
    """Return the question's topic and whether a switched-off topic matched.

    The topic is the one with the longest matching phrase (the most specific);
    any switched-off topic that matches wins, so that a question touching a
    subject staff turned off is never answered by machine.
    """
    folded = f" {folded_words(text)} "
    best: tuple[int, TopicRule] | None = None
    best_off: tuple[int, TopicRule] | None = None
    for topic in topics:
        for phrase in topic.phrases:
            if f" {phrase} " not in folded:
                continue
            length = len(phrase)
            if not topic.enabled and (best_off is None or length > best_off[0]):
                best_off = (length, topic)
            if best is None or length > best[0]:
                best = (length, topic)
    if best_off is not None:
        return best_off[1], True
    return (best[1] if best else None), False


def topic_phrases(keywords: str) -> tuple[str, ...]:
    """Return a topic's keywords, one a line, folded."""
    return tuple(
        phrase
        for phrase in (folded_words(line) for line in keywords.splitlines())
        if phrase
    )


# The topics a new base starts with (feedback.services.assistant makes those
# missing). General vocabulary of each field, not the wording of any question;
# staff edit them in the admin.
DEFAULT_TOPICS: tuple[dict, ...] = (
    {
        "name": "Hợp đồng lao động",
        "order": 10,
        "keywords": """hợp đồng
thử việc
nghỉ việc
thôi việc
chấm dứt
sa thải
đuổi việc
mất việc
báo trước
cắt giảm
trợ cấp thôi việc
tạm hoãn
chuyển làm công việc khác""",
    },
    {
        "name": "Tiền lương",
        "order": 20,
        "keywords": """lương
tiền lương
trả lương
trừ lương
thưởng
phụ cấp
lương tối thiểu
nâng lương
tạm ứng""",
    },
    {
        "name": "Thời giờ làm việc, nghỉ ngơi",
        "order": 30,
        "keywords": """giờ làm
giờ làm việc
ca đêm
làm đêm
làm thêm
tăng ca
nghỉ phép
phép năm
nghỉ hằng năm
nghỉ lễ
lễ
tết
nghỉ việc riêng
nghỉ không lương
ngày nghỉ
nghỉ giữa giờ""",
    },
    {
        "name": "Kỷ luật, trách nhiệm vật chất",
        "order": 40,
        "keywords": """kỷ luật
khiển trách
cách chức
nội quy
bồi thường
trách nhiệm vật chất
làm hỏng""",
    },
    {
        "name": "Bảo hiểm xã hội",
        "order": 50,
        "keywords": """bảo hiểm xã hội
bhxh
thai sản
sinh con
mang thai
có thai
khám thai
sảy thai
ốm đau
nghỉ ốm
hưu
lương hưu
hưu trí
tử tuất
mai táng
trợ cấp
sổ bảo hiểm
dưỡng sức""",
    },
    {
        "name": "Bảo hiểm y tế",
        "order": 60,
        "keywords": """bảo hiểm y tế
bhyt
thẻ bảo hiểm
khám chữa bệnh
khám bệnh
chữa bệnh
đúng tuyến
trái tuyến
viện phí
nằm viện""",
    },
    {
        "name": "An toàn, vệ sinh lao động",
        "order": 70,
        "keywords": """an toàn
vệ sinh lao động
tai nạn lao động
tai nạn
bệnh nghề nghiệp
bảo hộ lao động
độc hại
nặng nhọc
nguy hiểm""",
    },
    {
        "name": "Công đoàn, quan hệ lao động",
        "order": 80,
        "keywords": """công đoàn
tổ chức đại diện
đình công
thương lượng tập thể
thỏa ước
tranh chấp lao động
đối thoại
hòa giải""",
    },
    {
        "name": "Lao động nói chung",
        "order": 90,
        "keywords": """người lao động
người sử dụng lao động
lao động
công ty
doanh nghiệp
nhân viên
công nhân
làm việc
việc làm
lao động nữ
lao động chưa thành niên
người khuyết tật
lao động cao tuổi""",
    },
    {
        "name": "Đoàn phí, đoàn viên, tổ chức công đoàn",
        "order": 100,
        "enabled": False,
        "note": "Luật Công đoàn 2024 chưa có trong cơ sở tri thức.",
        "keywords": """đoàn phí
kinh phí công đoàn
phí công đoàn
đoàn viên
kết nạp
thành lập công đoàn
giải thể công đoàn
điều lệ công đoàn
ban chấp hành công đoàn
chủ tịch công đoàn
đại hội công đoàn""",
    },
    {
        "name": "Bảo hiểm thất nghiệp",
        "order": 110,
        "enabled": False,
        "note": "Luật Việc làm 74/2025/QH15 chưa có trong cơ sở tri thức.",
        "keywords": """thất nghiệp
bảo hiểm thất nghiệp
bhtn
trợ cấp thất nghiệp""",
    },
    {
        "name": "Hôn nhân, gia đình, thừa kế",
        "order": 120,
        "enabled": False,
        "note": "Ngoài phạm vi: không có trong cơ sở tri thức.",
        "keywords": """ly hôn
kết hôn
hôn nhân
cấp dưỡng
thừa kế
di chúc
nhận con nuôi
giành quyền nuôi con""",
    },
    {
        "name": "Đất đai, nhà ở, dân sự khác",
        "order": 130,
        "enabled": False,
        "note": "Ngoài phạm vi: không có trong cơ sở tri thức.",
        "keywords": """đất đai
sổ đỏ
nhà ở
mua bán nhà
vay nợ
cho vay
hình sự
giao thông
bằng lái
thuế thu nhập""",
    },
)
