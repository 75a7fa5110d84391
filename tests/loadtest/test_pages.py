"""The load test reads forms as a browser would: fields, values, questions."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "loadtest_pages", ROOT / "loadtest" / "pages.py"
)
pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pages)

PAGE = """
<form method="post" action="/i18n/setlang/">
  <input type="hidden" name="x" value="1">
</form>
<form method="post" id="survey-form" novalidate>
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <fieldset class="survey-question" id="question-1">
    <label><input type="radio" name="q1" value="1"> 1</label>
    <label><input type="radio" name="q1" value="2"> 2</label>
  </fieldset>
  <fieldset id="question-6" data-show-field="q1" data-show-value="2">
    <input type="text" name="q6" maxlength="300">
  </fieldset>
  <fieldset id="question-5"><textarea name="q5">
 Đã có</textarea></fieldset>
  <fieldset id="question-7"><select name="q7-3"><option value="">—</option>
    <option value="9">A</option><option value="8">B</option></select></fieldset>
  <button type="submit" id="survey-submit">Gửi</button>
</form>
"""


def test_a_form_is_read_by_its_attributes_with_its_questions():
    form = pages.form_read(PAGE, id="survey-form")

    assert form.method == "post"
    assert form.hidden() == {"csrfmiddlewaretoken": "tok"}
    questions = form.questions()
    assert [group.get("id") for group, _fields in questions] == [
        "question-1",
        "question-6",
        "question-5",
        "question-7",
    ]
    first, branched, text, matching = (fields for _group, fields in questions)
    assert [(f.kind, f.value) for f in first] == [("radio", "1"), ("radio", "2")]
    assert questions[1][0]["data-show-field"] == "q1"
    assert questions[1][0]["data-show-value"] == "2"
    assert branched[0].kind == "text"
    assert text[0].kind == "textarea"
    assert text[0].value == " Đã có"  # the newline after <textarea> dropped
    assert matching[0].options == ["", "9", "8"]


def test_no_form_matches_gives_none():
    assert pages.form_read(PAGE, id="attempt-form") is None
    assert pages.form_read(PAGE, action="/i18n/setlang/").hidden() == {"x": "1"}
