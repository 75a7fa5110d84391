"""Importing Moodle question files into a course's bank, and exporting it back."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from learning import question_formats as qf
from learning.models import Answer, Question
from learning.services.question_bank import (
    DEFAULT_CATEGORY,
    bank_export,
    bank_questions,
    questions_import,
)
from members.models import AuditEvent
from tests.conftest import vi
from tests.learning.factories import make_course

pytestmark = pytest.mark.django_db

MOODLE = Path("/work/shared/fixtures/moodle")
if not MOODLE.is_dir():
    MOODLE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "moodle"

# What Moodle makes of each fixture (its README): format, counts by type.
FIXTURES = {
    "examples.gift.txt": (
        "gift",
        {
            "multichoice": 18,
            "truefalse": 5,
            "shortanswer": 9,
            "numerical": 8,
            "matching": 3,
        },
    ),
    "questions.gift.txt": (
        "gift",
        {
            "matching": 1,
            "multichoice": 2,
            "numerical": 1,
            "shortanswer": 1,
            "truefalse": 3,
        },
    ),
    "questions.aiken.txt": ("aiken", {"multichoice": 2}),
    "help_example.aiken.txt": ("aiken", {"multichoice": 2}),
}


def _import(path: Path, course, fmt: str, *extra: str) -> None:
    call_command(
        "import_questions", str(path), "--course", course.slug, "--format", fmt, *extra
    )


def _types(course) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in Question.objects.filter(category__course=course).values_list(
        "type", flat=True
    ):
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _without_category(questions):
    for question in questions:
        question.category = ""
    return questions


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_every_moodle_fixture_imports_as_moodle_counts_it(union, name):
    fmt, expected = FIXTURES[name]
    course = make_course(owner_unit=union.vnpt)
    _import(MOODLE / name, course, fmt)
    assert _types(course) == expected
    parsed = qf.parse((MOODLE / name).read_bytes(), format=fmt)
    # The bank reads back as the file did: types, texts, answers, fractions, formats.
    assert _without_category(bank_questions(course=course)) == parsed.questions
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.STAFF_ACTION,
        detail__action="questions_import",
        detail__questions=sum(expected.values()),
    ).exists()


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_bank_exported_and_read_back_gives_the_same_questions(union, name):
    fmt, _expected = FIXTURES[name]
    course = make_course(owner_unit=union.vnpt)
    _import(MOODLE / name, course, fmt)
    bank = bank_questions(course=course)
    exported = bank_export(course=course, format=fmt, actor=None)
    assert exported.refused == []
    again = qf.parse(exported.text, format=fmt)
    assert again.errors == []
    if fmt == "aiken":
        bank = _without_category(bank)  # Aiken has no categories
    assert again.questions == bank


def test_aiken_answers_land_with_the_right_option_marked(union):
    course = make_course(owner_unit=union.vnpt)
    _import(MOODLE / "help_example.aiken.txt", course, "aiken")
    first, second = Question.objects.filter(category__course=course).order_by("pk")
    right = [a.order for a in first.answers.all() if a.fraction == 100]
    assert right == [4]  # D
    assert [a.order for a in second.answers.all() if a.fraction == 100] == [1]
    assert second.answers.count() == 6
    assert first.category.name == DEFAULT_CATEGORY


def test_gift_types_map_onto_the_bank(union):
    course = make_course(owner_unit=union.vnpt)
    _import(MOODLE / "questions.gift.txt", course, "gift")
    bank = Question.objects.filter(category__course=course).order_by("pk")
    matching = bank.get(type=Question.Type.MATCHING)
    assert [(a.text, a.match_text) for a in matching.answers.all()][-1] == ("", "Chat")
    assert matching.answers.filter(text="").count() == 1
    several = bank.filter(type=Question.Type.MULTICHOICE, single=False).get()
    assert sorted(a.fraction for a in several.answers.all()) == [-100, -100, 50, 50]
    numerical = bank.get(type=Question.Type.NUMERICAL)
    number, anything = numerical.answers.all()
    assert (number.value, number.tolerance, anything.text) == (3, 2, "*")
    assert anything.value is None
    false = bank.filter(type=Question.Type.TRUEFALSE).first()
    assert {a.text: a.fraction for a in false.answers.all()} == {
        "true": 0,
        "false": 100,
    }
    assert "Hitchiker" in false.general_feedback


def test_categories_of_a_gift_file_become_bank_categories(union):
    course = make_course(owner_unit=union.vnpt)
    text = (
        "$CATEGORY: Kỹ năng số/An toàn\n\n"
        "::Q1:: Mật khẩu mạnh có ký tự đặc biệt {T}\n\n"
        "$CATEGORY: Luật\n\n::Q2:: Nghỉ phép năm tối thiểu {#12}\n"
    )
    questions_import(course=course, result=qf.parse(text, format="gift"), actor=None)
    names = dict(
        Question.objects.filter(category__course=course).values_list(
            "name", "category__name"
        )
    )
    assert names == {"Q1": "Kỹ năng số/An toàn", "Q2": "Luật"}
    exported = bank_export(course=course, format="gift", actor=None).text
    assert qf.parse(exported, format="gift").questions == bank_questions(course=course)


def test_a_file_with_errors_is_refused_whole_unless_valid_only(union):
    course = make_course(owner_unit=union.vnpt)
    with pytest.raises(CommandError, match="4"):
        _import(MOODLE / "aiken_errors.aiken.txt", course, "aiken")
    assert not Question.objects.filter(category__course=course).exists()
    assert not AuditEvent.objects.filter(detail__action="questions_import").exists()
    _import(MOODLE / "aiken_errors.aiken.txt", course, "aiken", "--valid-only")
    assert list(
        Question.objects.filter(category__course=course)
        .order_by("pk")
        .values_list("text", flat=True)
    ) == ["A good question", "A second good question"]
    event = AuditEvent.objects.get(detail__action="questions_import")
    assert event.detail["errors_skipped"] == 4


def test_dry_run_saves_nothing_and_json_prints_the_parsers_object(union, capsys):
    course = make_course(owner_unit=union.vnpt)
    path = MOODLE / "questions.gift.txt"
    _import(path, course, "gift", "--dry-run", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed == qf.parse(path.read_bytes(), format="gift").as_json()
    assert printed["unsupported"] == [{"line": 2, "type": "essay"}]
    assert Answer.objects.count() == 0


def test_json_output_stays_one_object_when_saving(union, capsys):
    course = make_course(owner_unit=union.vnpt)
    _import(MOODLE / "questions.aiken.txt", course, "aiken", "--json")
    assert len(json.loads(capsys.readouterr().out)["questions"]) == 2
    assert _types(course) == {"multichoice": 2}


def test_export_option_writes_the_bank(union, tmp_path):
    course = make_course(owner_unit=union.vnpt)
    _import(MOODLE / "questions.gift.txt", course, "gift")
    out = tmp_path / "bank.txt"
    _import(out, course, "aiken", "--export")
    exported = qf.parse(out.read_bytes(), format="aiken")
    # Aiken holds single-answer multiple choice only: one question of this file.
    assert [q.text for q in exported.questions] == [
        q.text for q in bank_questions(course=course) if q.single
    ]


def test_staff_import_only_into_courses_of_their_scope(union):
    course_b = make_course(owner_unit=union.unit_b)
    result = qf.parse((MOODLE / "questions.aiken.txt").read_bytes(), format="aiken")
    with pytest.raises(PermissionDenied):
        questions_import(course=course_b, result=result, actor=union.officer_a)
    with pytest.raises(PermissionDenied):
        bank_export(course=course_b, format="gift", actor=union.officer_a)
    assert not Question.objects.exists()
    questions_import(course=course_b, result=result, actor=union.officer_vnpt)
    assert Question.objects.filter(category__course=course_b).count() == 2


def test_a_file_with_no_question_is_refused(union):
    course = make_course(owner_unit=union.vnpt)
    with pytest.raises(ValidationError):
        questions_import(
            course=course,
            result=qf.parse("// chỉ có chú thích\n", format="gift"),
            actor=None,
        )


# The admin: upload, preview, import -------------------------------------------


def _admin_url(view: str, course) -> str:
    return reverse(f"admin:learning_course_{view}", args=[course.pk])


def _upload(client, course, name: str, fmt: str):
    with open(MOODLE / name, "rb") as handle:
        return client.post(
            _admin_url("questions_import", course), {"format": fmt, "file": handle}
        )


def test_admin_preview_lists_questions_and_unsupported_and_saves_nothing(client, union):
    course = make_course(owner_unit=union.unit_a)
    client.force_login(union.officer_a)
    page = _upload(client, course, "questions.gift.txt", "gift")
    assert page.status_code == 200
    result = page.context["result"]
    assert [q.line for q in result.questions][:2] == [5, 14]
    assert [(u.line, u.type) for u in result.unsupported] == [(2, "essay")]
    assert not Question.objects.exists()
    confirmed = client.post(
        _admin_url("questions_import", course),
        {"format": "gift", "content": page.context["content"]},
    )
    assert confirmed.status_code == 302
    assert _types(course) == FIXTURES["questions.gift.txt"][1]
    event = AuditEvent.objects.get(detail__action="questions_import")
    assert event.actor_id == union.officer_a.pk


def test_admin_import_of_a_file_with_errors_needs_the_valid_only_choice(client, union):
    course = make_course(owner_unit=union.unit_a)
    client.force_login(union.officer_a)
    page = _upload(client, course, "aiken_errors.aiken.txt", "aiken")
    assert [e.line for e in page.context["result"].errors] == [3, 5, 7, 18]
    assert vi("Import only the valid questions") in page.content.decode()
    content = page.context["content"]
    refused = client.post(
        _admin_url("questions_import", course), {"format": "aiken", "content": content}
    )
    assert refused.status_code == 200
    assert refused.context["refusal"]
    assert not Question.objects.exists()
    client.post(
        _admin_url("questions_import", course),
        {"format": "aiken", "content": content, "valid_only": "1"},
    )
    assert _types(course) == {"multichoice": 2}


def test_admin_bank_pages_of_another_units_course_are_closed(client, union):
    course_b = make_course(owner_unit=union.unit_b)
    client.force_login(union.officer_a)
    for view in ("questions_import", "questions_export_gift", "questions_export_aiken"):
        assert client.get(_admin_url(view, course_b)).status_code == 404
    page = _upload(client, course_b, "questions.aiken.txt", "aiken")
    assert page.status_code == 404
    assert not Question.objects.exists()


def test_admin_exports_the_bank_as_gift(client, union):
    course = make_course(owner_unit=union.unit_a)
    _import(MOODLE / "questions.gift.txt", course, "gift")
    client.force_login(union.officer_a)
    response = client.get(_admin_url("questions_export_gift", course))
    assert response.status_code == 200
    parsed = qf.parse(response.content, format="gift")
    assert parsed.questions == bank_questions(course=course)
