"""Quiz attempts: the page of questions, submitting (form or JSON), the result."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from learning import services
from learning.forms.quizzes import responses_from_post
from learning.models import Attempt
from learning.selectors.portal import attempt_for_member, attempts_of
from learning.selectors.quizzes import attempt_questions, quiz_grade
from learning.views import learner_json, request_data
from members.scope import scoped
from members.views import member_required


@learner_json
def attempt_submit(request, attempt_id: int, *, member):
    """Submit the member's own attempt; any score in the body is not read."""
    attempts = Attempt.objects.select_related("quiz__lesson")
    own = scoped(attempts, request.user, portal=True)
    attempt = get_object_or_404(own, pk=attempt_id)
    data = request_data(request)
    attempt = services.attempt_submit(
        attempt=attempt, member=member, responses=data.get("responses", {})
    )
    return JsonResponse(
        {
            "number": attempt.number,
            "score": str(attempt.score),
            "passed": attempt.passed,
            "late": attempt.late,
        }
    )


def _attempt(member, attempt_id: int):
    attempt = attempt_for_member(member=member, attempt_id=attempt_id)
    if attempt is None:
        raise Http404
    return attempt


@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def attempt_page(request, attempt_id: int, *, member):
    """Show the attempt's questions as drawn; save or submit the answers posted."""
    attempt = _attempt(member, attempt_id)
    if not attempt.is_open:
        return redirect("learning:attempt_result", attempt_id=attempt.pk)
    items = attempt_questions(attempt=attempt)
    if request.method == "POST":
        responses = responses_from_post(items=items, data=request.POST)
        try:
            if "save" in request.POST:
                services.attempt_save(
                    attempt=attempt, member=member, responses=responses
                )
                messages.success(request, _("Your answers are saved."))
                return redirect("learning:attempt", attempt_id=attempt.pk)
            services.attempt_submit(attempt=attempt, member=member, responses=responses)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            if error.code == "time_up":
                # Time is up: the server scores what was saved in time.
                services.attempt_submit(attempt=attempt, member=member)
                return redirect("learning:attempt_result", attempt_id=attempt.pk)
            return redirect("learning:attempt", attempt_id=attempt.pk)
        return redirect("learning:attempt_result", attempt_id=attempt.pk)
    return render(
        request,
        "learning/quizzes/attempt.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "lesson": attempt.quiz.lesson,
            "items": items,
        },
    )


@require_safe
@member_required
def attempt_result(request, attempt_id: int, *, member):
    """Show a submitted attempt's score, the grade and the attempts left."""
    attempt = _attempt(member, attempt_id)
    if attempt.is_open:
        return redirect("learning:attempt", attempt_id=attempt.pk)
    quiz = attempt.quiz
    used = len(attempts_of(member=member, quiz=quiz))
    return render(
        request,
        "learning/quizzes/result.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "lesson": quiz.lesson,
            "course": quiz.lesson.module.course,
            "grade": quiz_grade(member=member, quiz=quiz),
            "attempts_left": (
                max(quiz.attempts_allowed - used, 0) if quiz.attempts_allowed else None
            ),
        },
    )
