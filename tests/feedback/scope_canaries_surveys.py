"""Surveys' records for the scope crawler: the officer's own, canaries beyond."""

from feedback.models import SurveyAction, SurveyAnswer, SurveyTheme
from tests.feedback.factories import Kind, answer, make_survey, question


def _surveys(unit, member, label: str) -> dict[str, str]:
    """A survey of the unit answered by its member, a theme, an action."""
    survey = make_survey(
        owner_unit=unit,
        title=f"Canary Survey {label}",
        questions=(
            (Kind.SINGLE, f"Canary Question {label}", f"Canary Choice {label}\nKhác"),
            (Kind.LONG_TEXT, f"Canary Text Question {label}", ""),
        ),
    )
    answer(survey, member, q1=0, q2=f"Canary Answer {label}")
    text = question(survey, 2)
    theme = SurveyTheme.objects.create(
        question=text, label=f"Canary Theme {label}", keywords=["canary"]
    )
    SurveyAnswer.objects.filter(question=text).update(theme=theme)
    action = SurveyAction.objects.create(
        survey=survey,
        you_said=f"Canary You Said {label}",
        we_did=f"Canary We Did {label}",
    )
    action.themes.add(theme)
    return {
        "survey": survey.title,
        "survey question": f"Canary Question {label}",
        "survey choice": f"Canary Choice {label}",
        "survey theme": theme.label,
        "survey action": action.we_did,
    }


def surveys_canaries(*, tree) -> dict[str, dict[str, str]]:
    """Make surveys of the officer's unit and of the canary units."""
    _surveys(tree.vnpt_hn, tree.own_member, "Own")
    sibling, cousin = {}, {}
    # One respondent's answer: below k for free text, shown to no one at all.
    private = {
        f"feedback survey answer {label}": f"Canary Answer {label}"
        for label in ("Own", "Sibling", "Cousin")
    }
    for name, value in _surveys(tree.vnpt_hcm, tree.sibling.member, "Sibling").items():
        sibling[f"feedback {name}"] = value
    for name, value in _surveys(tree.vtc_dt, tree.cousin.member, "Cousin").items():
        cousin[f"feedback {name}"] = value
    return {"sibling": sibling, "cousin": cousin, "private": private}
