"""Submitting a quiz attempt: the answers go in, the server's score comes out."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from learning import services
from learning.models import Attempt
from learning.views import learner_json, request_data
from members.scope import scoped


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
