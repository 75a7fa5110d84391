"""Portal pages of surveys: the member's open surveys, answering one, what was done."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from feedback import services
from feedback.forms.surveys import SurveyAnswerForm
from feedback.models.surveys import SurveyQuestion
from feedback.selectors.surveys import (
    member_actions,
    member_surveys,
    survey_for_member,
)
from members.views import member_required


@require_safe
@member_required
def survey_list(request, *, member):
    """List the open surveys meant for the member, those to answer first."""
    return render(
        request,
        "feedback/surveys/list.html",
        {"surveys": member_surveys(member=member)},
    )


def _conditions(questions: list[SurveyQuestion]) -> dict[int, tuple[str, str]]:
    """For each branched question, the field and value that show it (the script)."""
    by_id = {question.pk: question for question in questions}
    shown = {}
    for question in questions:
        parent = by_id.get(question.show_if_question_id)
        if parent is None:
            continue
        wanted = question.show_if_answer.strip().casefold()
        value = ""
        if parent.kind in SurveyQuestion.CHOICE_KINDS:
            labels = [label.casefold() for label in parent.choice_list]
            value = str(labels.index(wanted)) if wanted in labels else ""
        elif parent.kind == SurveyQuestion.Kind.YES_NO:
            value = "1" if wanted in ("yes", _("Yes").casefold()) else "0"
        else:
            value = wanted
        shown[question.pk] = (f"q{parent.pk}", value)
    return shown


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def survey_answer(request, survey_id: int, *, member):
    """Show a survey's questions and take the member's answers, once."""
    survey = survey_for_member(member=member, survey_id=survey_id)
    if survey is None:
        raise Http404
    if survey.answered:
        messages.info(request, _("You have already answered this survey. Thank you."))
        return redirect("feedback:surveys")
    questions = list(survey.questions.order_by("order", "pk"))
    form = SurveyAnswerForm(
        request.POST if request.method == "POST" else None, questions=questions
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(survey=survey, member=member, given=form.given())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect("feedback:surveys")
    conditions = _conditions(questions)
    return render(
        request,
        "feedback/surveys/answer.html",
        {
            "survey": survey,
            "form": form,
            "items": [(form[f"q{q.pk}"], q, conditions.get(q.pk)) for q in questions],
        },
    )


@require_safe
@member_required
def survey_actions(request, *, member):
    """What the union did about the surveys the member took part in."""
    return render(
        request,
        "feedback/surveys/actions.html",
        {"actions": member_actions(member=member)},
    )
