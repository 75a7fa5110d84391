"""Moodle's GIFT and Aiken files read as Moodle reads them, and write back the same.

The fixtures are Moodle's own files in ../shared/fixtures/moodle; their README
says what Moodle makes of each, and these tests hold the parser to it.
"""

import json
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learning.question_formats import (
    Answer,
    MatchPair,
    Question,
    QuestionType,
    TextFormat,
    aiken_export,
    export,
    gift_export,
    parse,
    parse_aiken,
    parse_gift,
)
from tests.conftest import require_service, vi_text

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "moodle"
FIXTURE_FORMATS = {
    "examples.gift.txt": "gift",
    "questions.gift.txt": "gift",
    "questions.aiken.txt": "aiken",
    "help_example.aiken.txt": "aiken",
    "aiken_errors.aiken.txt": "aiken",
}
MC = QuestionType.MULTICHOICE
TF = QuestionType.TRUEFALSE
SA = QuestionType.SHORTANSWER
NUM = QuestionType.NUMERICAL
MATCH = QuestionType.MATCHING


def fixture(name: str) -> bytes:
    path = FIXTURES / name
    require_service(path.is_file(), f"the shared Moodle fixture is missing: {path}")
    return path.read_bytes()


def only(result, **wanted) -> Question:
    """Return the one question whose fields have the wanted values."""
    found = [
        question
        for question in result.questions
        if all(getattr(question, key) == value for key, value in wanted.items())
    ]
    assert len(found) == 1, found
    return found[0]


def answers(question: Question) -> list[tuple[str, int]]:
    return [(answer.text, int(answer.fraction)) for answer in question.answers]


def vi_errors(reader, data) -> list[tuple[int, str]]:
    """Return a file's errors (line, message) as the Vietnamese admin shows them."""
    with translation.override("vi"):
        return [(error.line, error.message) for error in reader(data).errors]


def translated(message: str) -> str:
    """Return the Vietnamese of a msgid, checking the catalogue has it."""
    text = vi_text(message)
    assert text != message, f"untranslated: {message}"
    return text


# --- Moodle's fixtures, as its README says Moodle reads them -------------------


def test_examples_file_holds_moodles_43_questions_by_type():
    result = parse_gift(fixture("examples.gift.txt"))

    assert result.errors == []
    assert result.unsupported == []
    assert len(result.questions) == 43
    mc = [q for q in result.questions if q.type == MC]
    assert sum(q.single for q in mc) == 16
    assert sum(not q.single for q in mc) == 2
    assert result.counts() == {
        "multichoice": 18,
        "truefalse": 5,
        "shortanswer": 9,
        "numerical": 8,
        "matching": 3,
    }


def test_examples_file_skips_comment_blocks_and_numbers_questions_by_line():
    result = parse_gift(fixture("examples.gift.txt"))

    assert result.questions[0].line == 8
    assert not any(q.text.startswith("//") for q in result.questions)
    assert only(result, name="Numerical example").line == 202


def test_examples_numerical_tolerance_range_and_weighted_answers():
    result = parse_gift(fixture("examples.gift.txt"))
    numerical = [q for q in result.questions if q.type == NUM]

    born = numerical[0].answers
    assert (born[0].text, born[0].tolerance, born[0].min, born[0].max) == (
        "1822",
        1,
        1821,
        1823,
    )
    (pi_range,) = [q for q in numerical if q.line == 74]
    answer = pi_range.answers[0]
    assert (answer.text, answer.tolerance, answer.max) == (
        "3.1415",
        Decimal("0.0005"),
        Decimal("3.142"),
    )
    weighted = [q for q in numerical if len(q.answers) > 1]
    assert len(weighted) == 2
    for question in weighted:
        assert [(a.fraction, a.tolerance) for a in question.answers] == [
            (100, 0),
            (50, 2),
        ]
    assert weighted[1].answers[1].feedback == (
        "He was born in 1822.\nYou get 50% credit for being close."
    )


def test_examples_escapes_become_the_characters_they_stand_for():
    result = parse_gift(fixture("examples.gift.txt"))

    equals = only(result, text="Which answer equals 5?")
    assert answers(equals) == [("= 2 + 2", 0), ("= 2 + 3", 100), ("= 2 + 4", 0)]
    control = only(result, name="GIFT Control Characters")
    assert answers(control) == [
        ("~", 0),
        ("=", 0),
        ("#", 0),
        ("{", 0),
        ("}", 0),
        ("\\", 100),
    ]
    assert control.answers[1].feedback == "= is a control character."
    assert control.answers[5].feedback.startswith("Correct! \\ (backslash) is not")


def test_examples_missing_word_text_format_and_multiple_answers():
    result = parse_gift(fixture("examples.gift.txt"))

    tomb = only(result, name="Grant's Tomb")
    assert tomb.text == "Grant is _____ in Grant's tomb."
    assert [a.feedback for a in tomb.answers][1] == "Right answer!"
    markdown = only(result, format=TextFormat.MARKDOWN)
    assert markdown.text == "Who's buried in **Grant's tomb**?"
    assert markdown.type == SA
    assert {a.feedback_format for a in markdown.answers} == {TextFormat.MARKDOWN}
    several = [q for q in result.questions if q.type == MC and not q.single]
    assert [answers(q) for q in several] == [
        [("No one", 0), ("Grant", 50), ("Grant's wife", 50), ("Grant's father", 0)],
        [("No one", -50), ("Grant", 50), ("Grant's wife", 50), ("Grant's father", -50)],
    ]


def test_questions_file_reads_nine_questions_in_moodles_order():
    result = parse_gift(fixture("questions.gift.txt"))

    assert result.errors == []
    assert [(u.line, u.type) for u in result.unsupported] == [(2, "essay")]
    assert [q.type for q in result.questions] == [MATCH, MC, MC, NUM, SA, TF, TF, TF]
    matching, single, several, numerical, short, tf_false, tf_t, tf_true = (
        result.questions
    )

    assert matching.name == "Moodle activities"
    assert matching.format == TextFormat.HTML
    assert [(p.answer, p.format) for p in matching.pairs] == [
        ("Forum", TextFormat.HTML),
        ("Choice", TextFormat.MOODLE),
        ("Database", TextFormat.PLAIN),
        ("Wiki", TextFormat.MARKDOWN),
    ]
    assert matching.extra_answers == ["Chat"]

    assert single.single is True
    assert answers(single) == [("yellow", 100), ("red", 0), ("blue", 0)]
    assert [a.feedback for a in single.answers] == [
        "right; good!",
        "wrong, it's yellow",
        "wrong, it's yellow",
    ]
    assert single.answers[1].feedback_format == TextFormat.HTML
    assert single.answers[2].format == TextFormat.PLAIN

    assert several.single is False
    assert [int(a.fraction) for a in several.answers] == [50, -100, 50, -100]

    assert (numerical.answers[0].text, numerical.answers[0].tolerance) == ("3", 2)
    assert (numerical.answers[0].min, numerical.answers[0].max) == (1, 5)
    assert (numerical.answers[1].text, numerical.answers[1].fraction) == ("*", 0)
    assert numerical.answers[1].feedback == "Completely wrong"

    assert answers(short) == [("Frog", 100), ("Cat", 50), ("*", 0)]
    assert short.case_sensitive is False

    assert tf_false.correct is False
    assert tf_false.answers[0].feedback == "42 is the Ultimate Answer."
    assert tf_false.answers[1].feedback == "You gave the right answer."
    assert tf_false.general_feedback == (
        "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    )
    assert (tf_t.correct, tf_true.correct) == (True, True)


def test_aiken_questions_file_keeps_html_as_text():
    result = parse_aiken(fixture("questions.aiken.txt"))

    assert result.errors == []
    first, second = result.questions
    assert answers(first)[1] == ("Martin Dougiamas", 100)
    assert [a.fraction for a in second.answers] == [100, 0]
    assert '<html class="cool"> &' in second.text
    assert second.format == TextFormat.PLAIN


def test_aiken_help_example_reads_dotted_labels_and_six_options():
    result = parse_aiken(fixture("help_example.aiken.txt"))

    assert result.errors == []
    first, second = result.questions
    assert answers(first)[3] == ("Must be this one!", 100)
    assert len(second.answers) == 6
    assert answers(second)[0] == ("Moodle", 100)


def test_aiken_errors_file_keeps_good_questions_and_names_bad_lines():
    result = parse_aiken(fixture("aiken_errors.aiken.txt"))

    assert [(q.name, answers(q)) for q in result.questions] == [
        ("A good question", [("Correct", 100), ("Incorrect", 0)]),
        (
            "A second good question",
            [("Incorrect (No space)", 0), ("Correct (No space)", 100)],
        ),
    ]
    assert [error.line for error in result.errors] == [3, 5, 7, 18]
    assert not result.ok


@pytest.mark.parametrize("name", FIXTURE_FORMATS)
def test_every_fixture_reads_back_the_same_after_export(name):
    file_format = FIXTURE_FORMATS[name]
    first = parse(fixture(name), format=file_format)

    written = export(first.questions, format=file_format)
    again = parse(written.text, format=file_format)

    assert written.refused == []
    assert again.errors == []
    assert again.questions == first.questions
    assert [q.as_json() | {"line": 0} for q in again.questions] == [
        q.as_json() | {"line": 0} for q in first.questions
    ]


@pytest.mark.parametrize(
    "name", [n for n, f in FIXTURE_FORMATS.items() if f == "aiken"]
)
def test_aiken_fixtures_survive_a_trip_through_gift(name):
    first = parse_aiken(fixture(name))

    again = parse_gift(gift_export(first.questions).text)

    assert again.questions == first.questions


def test_gift_examples_export_to_aiken_what_aiken_holds_and_refuse_the_rest():
    result = parse_gift(fixture("examples.gift.txt"))

    written = aiken_export(result.questions)
    again = parse_aiken(written.text)

    refused = {id(r.question) for r in written.refused}
    kept = [q for q in result.questions if id(q) not in refused]
    assert len(kept) + len(written.refused) == 43
    assert all(q.type == MC and q.single for q in kept)
    assert [(q.text, answers(q)) for q in again.questions] == [
        (q.text, answers(q)) for q in kept
    ]
    assert {r.question.type for r in written.refused} == {MC, TF, SA, NUM, MATCH}
    partial = only(result, text="Difficult question.")
    assert id(partial) in refused


def test_aiken_refusal_names_the_type_in_vietnamese():
    question = parse_gift("Trời xanh.{T}").questions[0]

    with translation.override("vi"):
        (refusal,) = aiken_export([question]).refused

    message = translated(
        "Aiken holds only multiple choice questions; this is a %(type)s question."
    )
    assert refusal.reason == message % {"type": translated("true/false")}


# --- Reading: the user's own files ---------------------------------------------

VIETNAMESE_GIFT = """// Ngân hàng câu hỏi: Luật Công đoàn
$CATEGORY: $course$/top/Luật Công đoàn

::Đoàn phí::Mức đóng đoàn phí của đoàn viên là bao nhiêu?{
    =1% tiền lương#Đúng theo Điều 29.
    ~2% tiền lương#Chưa đúng.
    ~%50%1% lương cơ sở#Gần đúng.
}

::Thành lập::Công đoàn Việt Nam được thành lập năm {#1929}.
"""


def test_gift_reads_vietnamese_text_and_category():
    result = parse_gift(VIETNAMESE_GIFT)

    assert result.errors == []
    fee, founded = result.questions
    assert fee.name == "Đoàn phí"
    assert fee.category == "$course$/top/Luật Công đoàn"
    assert answers(fee) == [
        ("1% tiền lương", 100),
        ("2% tiền lương", 0),
        ("1% lương cơ sở", 50),
    ]
    assert founded.text == "Công đoàn Việt Nam được thành lập năm _____."
    assert founded.category == fee.category
    assert (fee.line, founded.line) == (4, 10)


def test_input_in_decomposed_unicode_is_read_as_nfc():
    decomposed = unicodedata.normalize("NFD", VIETNAMESE_GIFT)
    assert decomposed != VIETNAMESE_GIFT

    result = parse_gift(decomposed.encode())

    assert result.questions == parse_gift(VIETNAMESE_GIFT).questions
    assert unicodedata.is_normalized("NFC", result.questions[0].text)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.replace("\n", "\r\n").encode(),
        lambda text: text.replace("\n", "\r").encode(),
        lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
        lambda text: text.encode("utf-16"),
    ],
    ids=["crlf", "cr", "utf8-bom", "utf16-bom"],
)
def test_line_ends_and_byte_order_marks_do_not_change_the_questions(encode):
    plain = parse_gift(VIETNAMESE_GIFT)

    result = parse_gift(encode(VIETNAMESE_GIFT))

    assert result.errors == []
    assert result.questions == plain.questions
    assert [q.line for q in result.questions] == [4, 10]


def test_a_file_that_is_not_utf8_is_refused_at_its_first_bad_line():
    data = "Câu 1{T}\n\nCâu 2{F}\n".encode() + "Câu 3{T}".encode("cp1258")

    assert parse_gift(data).questions == []
    assert vi_errors(parse_gift, data) == [
        (
            4,
            translated(
                "The file is not UTF-8 text: save it as UTF-8 and import it again."
            ),
        )
    ]


@pytest.mark.parametrize("reader", [parse_gift, parse_aiken])
@pytest.mark.parametrize("content", ["", "\n\n  \n", "// chỉ có chú thích\n"])
def test_a_file_without_questions_says_so(reader, content):
    if reader is parse_aiken and content.startswith("//"):
        content = " \n"

    assert reader(content).questions == []
    assert vi_errors(reader, content) == [
        (0, translated("The file holds no questions."))
    ]


def test_escapes_in_names_text_and_answers():
    result = parse_gift(
        r"::Giờ\: phút::Đồng hồ chỉ 10\:30\nlà mấy giờ? {=mười giờ \\ ba mươi "
        r"\= rưỡi ~\{không\}#sai \# hẳn}"
    )

    (question,) = result.questions
    assert question.name == "Giờ: phút"
    assert question.text == "Đồng hồ chỉ 10:30\nlà mấy giờ?"
    assert answers(question) == [("mười giờ \\ ba mươi = rưỡi", 100), ("{không}", 0)]
    assert question.answers[1].feedback == "sai # hẳn"


def test_a_question_missing_its_closing_brace_is_an_error_on_its_line():
    text = "Câu một? {=A ~B\n\n::Hai::Câu hai? {=C ~D}\n"

    assert [q.name for q in parse_gift(text).questions] == ["Hai"]
    assert vi_errors(parse_gift, text) == [
        (1, translated("The closing brace } of the answers is missing."))
    ]


def test_two_questions_run_together_are_an_error_on_the_first_line():
    text = "\n// hai câu dính nhau\nCâu một? {=A ~B\nCâu hai? {=C ~D}\n"

    assert parse_gift(text).questions == []
    assert [line for line, _message in vi_errors(parse_gift, text)] == [3]


def test_a_missing_opening_brace_is_an_error():
    assert vi_errors(parse_gift, "Câu một? =A ~B}") == [
        (1, translated("The opening brace { of the answers is missing."))
    ]


def test_weights_that_do_not_add_up_are_an_error_on_the_question_line():
    text = "Câu đúng.{T}\n\nChọn hai đáp án đúng:{\n~%50%A\n~%30%B\n~%-50%C\n}\n"

    assert [q.type for q in parse_gift(text).questions] == [TF]
    message = translated(
        "The answers that earn marks add up to %(total)s%% instead of 100%%: "
        "correct the weights."
    )
    assert vi_errors(parse_gift, text) == [(3, message % {"total": "80"})]


def test_several_answers_none_of_them_weighted_is_an_error():
    message = translated(
        "The answers that earn marks add up to %(total)s%% instead of 100%%: "
        "correct the weights."
    )

    assert vi_errors(parse_gift, "Chọn:{~A ~B}") == [(1, message % {"total": "0"})]


def test_a_weight_outside_moodles_grades_is_an_error():
    ((line, message),) = vi_errors(parse_gift, "Hỏi?{=A ~%33%B ~C}")

    assert (line, message[:15]) == (1, "Trọng số 33% kh")


def test_thirds_written_to_five_places_match_moodles_grade():
    result = parse_gift("Chọn ba:{~%33.33333%A ~%33.33333%B ~%33.33333%C ~D}")

    assert result.errors == []
    assert [a.fraction for a in result.questions[0].answers][:3] == [
        Decimal("33.33333")
    ] * 3


def test_percent_weights_on_short_answers_and_wildcards_kept():
    result = parse_gift("Thủ đô?{=Hà Nội =%50%Ha Noi#Thiếu dấu. =%0%*#Sai.}")

    (question,) = result.questions
    assert question.type == SA
    assert answers(question) == [("Hà Nội", 100), ("Ha Noi", 50), ("*", 0)]
    assert question.case_sensitive is False


def test_a_short_answer_without_full_marks_is_an_error():
    assert vi_errors(parse_gift, "Thủ đô?{=%50%Hà Nội}") == [
        (1, translated("One of the answers must be worth full marks."))
    ]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("#5", ("5", 0, 5, 5)),
        ("#5:0.5", ("5", Decimal("0.5"), Decimal("4.5"), Decimal("5.5"))),
        ("#1..5", ("3", 2, 1, 5)),
        ("#-2.5..-1.5", ("-2", Decimal("0.5"), Decimal("-2.5"), Decimal("-1.5"))),
        ("#=%100%10:1#Đúng =%50%10:3#Gần", ("10", 1, 9, 11)),
    ],
)
def test_numerical_answers_with_tolerance_or_range(answer, expected):
    result = parse_gift("Bao nhiêu?{" + answer + "}")

    (question,) = result.questions
    first = question.answers[0]
    assert (first.text, first.tolerance, first.min, first.max) == expected


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [("#3,14", "3,14"), ("#5..1", "5..1"), ("#5:-1", "-1"), ("#abc:1", "abc")],
)
def test_bad_numbers_are_errors_naming_the_value(answer, fragment):
    text = "\nBao nhiêu?{" + answer + "}"

    assert parse_gift(text).questions == []
    ((line, message),) = vi_errors(parse_gift, text)
    assert line == 2
    assert fragment in message


def test_essay_and_description_are_reported_unsupported_with_their_line():
    text = "Giới thiệu chương.\n\n// tự luận\n::TL::Bạn nghĩ gì?{}\n\nĐúng.{T}\n"

    result = parse_gift(text)

    assert [(u.line, u.type) for u in result.unsupported] == [
        (1, "description"),
        (4, "essay"),
    ]
    assert [q.type for q in result.questions] == [TF]
    assert result.ok


def test_text_format_prefixes_apply_to_text_answers_and_feedback():
    result = parse_gift(
        "[html]<p>Chọn</p>{=[plain]<b>A</b>#[markdown]**đúng** ~B#sai"
        "####[plain]Xem lại bài 2.}"
    )

    (question,) = result.questions
    assert (question.text, question.format) == ("<p>Chọn</p>", TextFormat.HTML)
    assert question.answers[0].format == TextFormat.PLAIN
    assert question.answers[0].feedback_format == TextFormat.MARKDOWN
    assert question.answers[1].format == TextFormat.HTML
    assert (question.general_feedback, question.general_feedback_format) == (
        "Xem lại bài 2.",
        TextFormat.PLAIN,
    )


def test_aiken_accepts_the_vietnamese_answer_key():
    text = "Công đoàn Việt Nam thành lập năm nào?\nA. 1929\nB) 1930\nĐÁP ÁN: A\n"

    for data in (text, unicodedata.normalize("NFD", text).encode("utf-8-sig")):
        result = parse_aiken(data)
        assert result.errors == []
        assert answers(result.questions[0]) == [("1929", 100), ("1930", 0)]


def test_aiken_question_left_without_answer_key_at_the_end_is_an_error():
    text = "Câu một?\nA) Có\nB) Không\nANSWER: B\n\nCâu hai?\nA) X\nB) Y\n"

    assert len(parse_aiken(text).questions) == 1
    assert vi_errors(parse_aiken, text) == [
        (6, translated("The question has no ANSWER: line."))
    ]


def test_aiken_answer_key_naming_no_option_is_an_error():
    text = "Câu một?\nA) Có\nB) Không\nANSWER: D\n"

    assert parse_aiken(text).questions == []
    message = translated("The question has no answer %(letter)s.")
    assert vi_errors(parse_aiken, text) == [(4, message % {"letter": "D"})]


def test_aiken_errors_fixture_messages_read_in_vietnamese():
    errors = vi_errors(parse_aiken, fixture("aiken_errors.aiken.txt"))

    not_started = translated(
        "This answer line belongs to no question: write the question text on the "
        "line before its answers."
    )
    assert errors == [
        (3, translated("The question needs at least two answers before this line.")),
        (5, not_started),
        (7, not_started),
        (
            18,
            translated(
                "The question before this line has no ANSWER: line, so it is not "
                "imported."
            ),
        ),
    ]


def test_parse_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="xml"):
        parse("", format="xml")


# --- The JSON the command prints ------------------------------------------------


def test_as_json_has_the_documented_shape():
    result = parse_gift(
        "Đúng.{T}\n\nHỏi?{=A ~B}\n\nSố?{#2:1}\n\nGhép:{=a -> 1 =b -> 2 = -> 3}\n\n"
        "Tên?{=An}\n\nTự luận {}\n\nCâu hỏng {=A\n"
    )

    data = json.loads(json.dumps(result.as_json(), ensure_ascii=False))

    assert set(data) == {"questions", "errors", "unsupported"}
    assert data["errors"] == [{"line": 13, "message": result.errors[0].message}]
    assert data["unsupported"] == [{"line": 11, "type": "essay"}]
    common = {
        "line",
        "type",
        "name",
        "text",
        "format",
        "category",
        "general_feedback",
        "general_feedback_format",
        "answers",
    }
    extra = {
        "truefalse": {"correct"},
        "multichoice": {"single"},
        "numerical": set(),
        "matching": {"pairs", "extra_answers"},
        "shortanswer": {"case_sensitive"},
    }
    assert [q["type"] for q in data["questions"]] == list(extra)
    for question in data["questions"]:
        assert set(question) == common | extra[question["type"]]
        for answer in question["answers"]:
            assert {"text", "fraction", "feedback"} <= set(answer)
            assert -100 <= answer["fraction"] <= 100
    numerical = data["questions"][2]["answers"][0]
    assert (numerical["tolerance"], numerical["min"], numerical["max"]) == (1, 1, 3)
    matching = data["questions"][3]
    assert matching["pairs"][1] == {"question": "b", "answer": "2", "format": "moodle"}
    assert matching["extra_answers"] == ["3"]
    assert data["questions"][1]["single"] is True


# --- Writing --------------------------------------------------------------------


def test_gift_export_writes_categories_where_they_change():
    result = parse_gift(VIETNAMESE_GIFT + "\n$CATEGORY: Khác\n\nĐúng.{T}\n")

    text = gift_export(result.questions).text

    assert text.count("$CATEGORY:") == 2
    assert [q.category for q in parse_gift(text).questions] == [
        "$course$/top/Luật Công đoàn",
        "$course$/top/Luật Công đoàn",
        "Khác",
    ]


def test_gift_export_refuses_an_arrow_inside_a_matching_question():
    question = Question(
        type=MATCH,
        name="Ghép",
        text="Ghép",
        pairs=[MatchPair("a -> b", "1"), MatchPair("c", "2")],
    )

    written = gift_export([question])

    assert written.text == ""
    assert [r.question for r in written.refused] == [question]


def test_gift_export_refuses_an_arrow_a_short_answer_would_read_as_matching():
    question = Question(
        type=SA,
        name="Mũi tên",
        text="Mũi tên chỉ sang đâu?",
        answers=[Answer("phải", Decimal(100), "sang -> phải")],
        case_sensitive=False,
    )

    with translation.override("vi"):
        (refusal,) = gift_export([question]).refused

    assert refusal.reason == translated(
        "GIFT would read a short answer question whose answers contain -> as a "
        "matching question."
    )


def test_a_category_line_directly_above_a_question_keeps_the_question():
    result = parse_gift("$CATEGORY: Chương 1\nĐúng hay sai?{T}\n")

    assert [(q.line, q.category) for q in result.questions] == [(2, "Chương 1")]


def test_a_unicode_noncharacter_is_an_error_not_a_control_character():
    text = "Câu hỏi \ufdd2 lạ?{T}"

    assert vi_errors(parse_gift, text) == [
        (1, translated("The question holds a character reserved by Unicode."))
    ]


# Texts that stress the writer: every GIFT control character, format prefixes
# written as words, weights written as words, arrows, Vietnamese, newlines.
TEXT = (
    st.lists(
        st.sampled_from(
            [
                *"aăâđêôơưzĐỆỮ09 \n\t#=~{}:\\[]%->*_/$",
                *["[html]", "[plain]", "%50%", "->", "\\n", "####", "//", "::"],
            ]
        ),
        min_size=1,
        max_size=12,
    )
    .map("".join)
    .filter(lambda text: text and text == text.strip())
)
OPTIONAL_TEXT = st.one_of(st.just(""), TEXT)
FORMATS = st.sampled_from(list(TextFormat))
POSITIVE = st.sampled_from([Decimal(n) for n in ("0", "25", "33.33333", "50", "100")])
NEGATIVE = st.sampled_from([Decimal(0), Decimal(-50), Decimal(-100)])


NO_ARROW = TEXT.filter(lambda text: "->" not in text)


@st.composite
def feedback(draw, default: TextFormat, texts=OPTIONAL_TEXT) -> tuple[str, TextFormat]:
    text = draw(texts)
    return text, (draw(FORMATS) if text else default)


@st.composite
def questions(draw) -> Question:
    kind = draw(st.sampled_from(list(QuestionType)))
    text_format = draw(FORMATS)
    general, general_format = draw(feedback(text_format))
    question = Question(
        type=kind,
        name=draw(TEXT),
        text=draw(TEXT),
        format=text_format,
        general_feedback=general,
        general_feedback_format=general_format,
        category=draw(OPTIONAL_TEXT),
    )
    if kind == MC:
        question.single = draw(st.booleans())
        extra = draw(st.lists(POSITIVE if question.single else NEGATIVE, min_size=1))
        first = [Decimal(100)] if question.single else [Decimal(50), Decimal(50)]
        for fraction in first + extra:
            note, note_format = draw(feedback(text_format))
            question.answers.append(
                Answer(draw(TEXT), fraction, note, note_format, format=draw(FORMATS))
            )
    elif kind == SA:
        question.case_sensitive = False
        # An arrow would make GIFT read it as matching: see the refusal test.
        for fraction in [Decimal(100), *draw(st.lists(POSITIVE, max_size=3))]:
            note, note_format = draw(feedback(text_format, st.just("") | NO_ARROW))
            question.answers.append(Answer(draw(NO_ARROW), fraction, note, note_format))
    elif kind == NUM:
        for fraction in [Decimal(100), *draw(st.lists(POSITIVE, max_size=3))]:
            note, note_format = draw(feedback(text_format))
            value = draw(st.decimals(-(10**6), 10**6, places=3))
            tolerance = draw(st.decimals(0, 100, places=2))
            question.answers.append(
                Answer(
                    f"{value:f}",
                    fraction,
                    note,
                    note_format,
                    tolerance=tolerance,
                    min=value - tolerance,
                    max=value + tolerance,
                )
            )
        if draw(st.booleans()):
            note, note_format = draw(feedback(text_format))
            question.answers.append(Answer("*", Decimal(0), note, note_format))
    elif kind == MATCH:
        for _index in range(draw(st.integers(2, 4))):
            question.pairs.append(MatchPair(draw(NO_ARROW), draw(TEXT), draw(FORMATS)))
        question.extra_answers = draw(st.lists(TEXT, max_size=2))
    else:
        question.correct = draw(st.booleans())
        right, right_format = draw(feedback(text_format))
        wrong, wrong_format = draw(feedback(text_format))
        true = (right, right_format) if question.correct else (wrong, wrong_format)
        false = (wrong, wrong_format) if question.correct else (right, right_format)
        question.answers = [
            Answer("true", Decimal(100 if question.correct else 0), *true),
            Answer("false", Decimal(0 if question.correct else 100), *false),
        ]
    return question


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(questions(), min_size=1, max_size=4))
def test_any_question_reads_back_the_same_from_gift(bank):
    written = gift_export(bank)

    again = parse_gift(written.text)

    assert written.refused == []
    assert again.errors == []
    assert again.questions == bank


GIFT_AND_AIKEN_PIECES = st.lists(
    st.sampled_from(
        [
            *"{}=~#:\\%.-*1Tx\n ",
            *["\n\n", "::", "->", "..", "%50%", "%-33%", "####", "[html]", "//"],
            *["$CATEGORY:", "A) ", "B.", "ANSWER: A", "ĐÁP ÁN: B"],
        ]
    )
).map("".join)


@settings(max_examples=300)
@given(
    st.one_of(st.text(), GIFT_AND_AIKEN_PIECES),
    st.sampled_from([parse_gift, parse_aiken]),
)
def test_any_text_gives_questions_or_errors_never_a_crash(text, reader):
    result = reader(text)

    lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    assert all(0 <= e.line <= lines and e.message for e in result.errors)
    assert all(1 <= q.line <= lines for q in result.questions)
    json.dumps(result.as_json())
