"""The portal page where the inspected unit's owners answer recommendations."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inspections import services
from inspections.selectors.followup import recommendations_of_owner


@login_required
@require_GET
def my_recommendations(request):
    recommendations = recommendations_of_owner(user=request.user).order_by(
        "due_date", "pk"
    )
    return render(
        request,
        "inspections/recommendations/list.html",
        {"recommendations": list(recommendations[:200]), "today": timezone.localdate()},
    )


@login_required
@require_POST
def recommendation_respond(request, pk: int):
    recommendation = recommendations_of_owner(user=request.user).filter(pk=pk).first()
    if recommendation is None:
        raise Http404(_("No such recommendation."))
    try:
        services.recommendation_respond(
            user=request.user,
            recommendation=recommendation,
            response=request.POST.get("response", ""),
            evidence=request.FILES.get("evidence"),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your response was sent."))
    return redirect("inspections:recommendations")
