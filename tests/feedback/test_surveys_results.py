"""Results under k: suppression, complementary suppression, the same in XLSX, scope."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from feedback.selectors.survey_results import survey_results
from feedback.suppression import suppressed_groups
from members.resources import XLSX_CONTENT_TYPE
from tests.conftest import vi_text
from tests.feedback.factories import answer, make_survey, members_of, question
from tests.members.factories import make_unit, reloaded

pytestmark = pytest.mark.django_db

FEWER = vi_text("fewer than %(k)s") % {"k": 5}


def test_small_groups_are_hidden_with_enough_others_that_no_subtraction_reveals_them():
    # One small group alone: the smallest other group is hidden with it.
    assert suppressed_groups({"a": 8, "b": 3, "c": 6}, 5) == {"b", "c"}
    # Two small groups together reach k: nothing more to hide.
    assert suppressed_groups({"a": 8, "b": 3, "c": 2}, 5) == {"b", "c"}
    # Two small groups below k together: one more is hidden.
    assert suppressed_groups({"a": 8, "b": 1, "c": 2, "d": 9}, 5) == {"a", "b", "c"}
    # Empty groups reveal nothing; nothing small, nothing hidden.
    assert suppressed_groups({"a": 8, "b": 0, "c": 5}, 5) == set()
    # All small: all hidden.
    assert suppressed_groups({"a": 1, "b": 2}, 5) == {"a", "b"}


@pytest.fixture
def answered(union):
    """A VNPT survey: 8 answers from A (2 of them in its group), 3 from B, 6 from C."""
    unit_c = make_unit(
        code="VNPT-DN", name="CĐCS VNPT Đà Nẵng", level="grassroots", parent=union.vnpt
    )
    unit_c = reloaded(unit_c)
    survey = make_survey(owner_unit=union.vnpt)
    people = {
        "a": members_of(union.unit_a, 6, name="Người A")
        + members_of(union.group_a, 2, name="Người tổ"),
        "b": members_of(union.unit_b, 3, name="Người B"),
        "c": members_of(unit_c, 6, name="Người C"),
    }
    for label, persons in people.items():
        for index, person in enumerate(persons):
            # Everyone in B works nights: a small group's secret.
            choice = 1 if label == "b" else index % 2
            answer(survey, person, q1=choice, q2=5 if label == "b" else 3)
    return survey, unit_c


def _rows(result):
    return {row.group.label: row for row in result.rows}


def test_the_differencing_case_hides_a_second_group_beside_the_small_one(
    union, answered
):
    survey, _unit_c = answered
    results = survey_results(survey=survey, user=union.officer_vnpt)

    assert results.unit == union.vnpt
    assert results.responses == 17
    assert not results.hidden
    shift = results.questions[0]
    rows = _rows(shift)
    assert not rows["CĐCS VNPT Hà Nội"].hidden
    assert rows["CĐCS VNPT Hà Nội"].answered == 8
    assert rows["CĐCS VNPT TP. Hồ Chí Minh"].hidden
    # Without C hidden too, 17 - 8 would give B's nights away.
    assert rows["CĐCS VNPT Đà Nẵng"].hidden
    assert rows["CĐCS VNPT TP. Hồ Chí Minh"].percents == []
    groups = {group.label: group for group in results.groups}
    assert groups["CĐCS VNPT TP. Hồ Chí Minh"].hidden
    assert groups["CĐCS VNPT Đà Nẵng"].hidden


def test_drilling_into_a_unit_applies_the_same_rules_below_it(union, answered):
    survey, _unit_c = answered

    results = survey_results(
        survey=survey, user=union.officer_vnpt, unit=reloaded(union.unit_a)
    )

    assert results.responses == 8
    rows = _rows(results.questions[0])
    # The group (2) and the union's own members (6): one small, so both hidden.
    assert all(row.hidden for row in rows.values())
    assert len(rows) == 2
    assert (
        results.questions[0].options[0].count + (results.questions[0].options[1].count)
        == 8
    )


def test_a_whole_view_under_k_shows_nothing(union, answered):
    survey, _unit_c = answered
    results = survey_results(survey=survey, user=union.officer_b)

    assert results.unit == union.unit_b
    assert results.hidden
    assert all(q.hidden and q.options == [] for q in results.questions)


def test_the_results_page_shows_what_the_rules_allow_with_charts(
    client, union, answered
):
    survey, _unit_c = answered
    client.force_login(union.officer_vnpt)
    url = reverse("admin:feedback_survey_results", args=[survey.pk])

    page = client.get(url)

    html = page.content.decode()
    assert page.status_code == 200
    main = html.split('id="content-main"')[1]
    assert "<svg" in main
    assert "<script" not in main
    assert "style=" not in main
    shift = page.context["results"].questions[0]
    assert _rows(shift)["CĐCS VNPT TP. Hồ Chí Minh"].hidden
    # B's three are never printed as B's count.
    b_row = html.split("CĐCS VNPT TP. Hồ Chí Minh</td>")[1].split("</tr>")[0]
    assert ">3<" not in b_row
    assert "100" not in b_row


def test_the_xlsx_applies_the_same_rules(client, union, answered):
    survey, _unit_c = answered
    client.force_login(union.officer_vnpt)

    response = client.get(
        reverse("admin:feedback_survey_results_xlsx", args=[survey.pk])
    )

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    book = load_workbook(BytesIO(response.content))
    by_unit = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    rows_b = [row for row in by_unit if row[1] == "CĐCS VNPT TP. Hồ Chí Minh"]
    rows_c = [row for row in by_unit if row[1] == "CĐCS VNPT Đà Nẵng"]
    assert rows_b
    assert rows_c
    for row in rows_b + rows_c:
        assert row[2] == FEWER  # never a count
        assert row[3:] == (None, None, None)
    rows_a = [row for row in by_unit if row[1] == "CĐCS VNPT Hà Nội"]
    assert [row[2:5] for row in rows_a if row[0] == "Anh/chị làm ca nào?"] == [
        (8, "Ca ngày", 50.0),
        (8, "Ca đêm", 50.0),
    ]
    # No one answered the free-text question: hidden for every unit.
    assert {row[2] for row in rows_a if row[0] == "Ý kiến khác?"} == {FEWER}
    whole = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert ("Anh/chị làm ca nào?", "Ca đêm", 3 + 4 + 3, 58.8, None) in whole


def test_staff_see_results_of_their_scope_only(client, union, answered):
    survey, unit_c = answered
    client.force_login(union.officer_a)
    url = reverse("admin:feedback_survey_results", args=[survey.pk])

    # The survey is VNPT's: union A's officer does not reach it at all.
    assert client.get(url).status_code == 404
    client.force_login(union.officer_vnpt)
    assert client.get(url, {"unit": union.sector.pk}).status_code == 404
    assert client.get(url, {"unit": unit_c.pk}).status_code == 200


def test_results_are_computed_once_then_read_from_the_cache_until_a_new_response(
    client,
    union,
    answered,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    survey, unit_c = answered
    client.force_login(union.officer_vnpt)
    url = reverse("admin:feedback_survey_results", args=[survey.pk])
    client.get(url)

    # Session, user, second factor, greeting, scope paths, the survey, its unit.
    with django_assert_max_num_queries(9):
        page = client.get(url)
    assert page.context["results"].responses == 17

    # The response's commit bumps the survey's generation: counted again.
    newcomer = members_of(unit_c, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        answer(survey, newcomer, q1=0)
    assert client.get(url).context["results"].responses == 18


def test_a_raised_k_hides_on_the_next_read_what_the_cache_held(
    union, answered, django_capture_on_commit_callbacks
):
    survey, _unit_c = answered
    before = survey_results(survey=survey, user=union.officer_vnpt)
    assert not _rows(before.questions[0])["CĐCS VNPT Hà Nội"].hidden

    # k raised to 9 (tightening is allowed with responses): A's 8 now too few.
    survey.k_min = 9
    with django_capture_on_commit_callbacks(execute=True):
        survey.save(update_fields=["k_min"])
    after = survey_results(survey=survey, user=union.officer_vnpt)
    assert after.k == 9
    assert _rows(after.questions[0])["CĐCS VNPT Hà Nội"].hidden
    assert _rows(after.questions[0])["CĐCS VNPT Hà Nội"].percents == []


def test_an_edited_question_shows_on_the_next_read(
    union, answered, django_capture_on_commit_callbacks
):
    survey, _unit_c = answered
    first = survey_results(survey=survey, user=union.officer_vnpt)
    shift = question(survey, 1)
    assert first.questions[0].question.text == shift.text
    shift.text = "Ca làm việc chính của bạn?"
    with django_capture_on_commit_callbacks(execute=True):
        shift.save(update_fields=["text"])
    again = survey_results(survey=survey, user=union.officer_vnpt)
    assert again.questions[0].question.text == "Ca làm việc chính của bạn?"


def test_two_scopes_never_share_cached_results(union, answered):
    survey, _unit_c = answered
    # The same survey, no unit chosen, the same language: three viewers.
    for _round in range(2):
        vnpt = survey_results(survey=survey, user=union.officer_vnpt)
        union_a = survey_results(survey=survey, user=union.officer_a)
        union_b = survey_results(survey=survey, user=union.officer_b)
        assert (vnpt.responses, union_a.responses, union_b.responses) == (17, 8, 3)
        assert union_b.hidden
        assert union_a.unit == union.unit_a


def test_results_after_the_first_read_ask_no_query(
    union, answered, django_assert_num_queries
):
    survey, _unit_c = answered
    officer = union.officer_vnpt
    survey_results(survey=survey, user=officer)
    # The scope's unit, looked up before the key: the only query left.
    with django_assert_num_queries(1):
        survey_results(survey=survey, user=officer)
