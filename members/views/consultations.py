"""Portal pages of the member's consultations: ask, see, cancel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from members.forms import form_add_service_errors
from members.forms.consultations import ConsultationRequestForm
from members.selectors.consultations import my_consultations
from members.services.consultations import (
    OPEN_STATUSES,
    consultation_cancel,
    consultation_request,
)
from members.views import member_required


@login_required
@require_GET
@member_required
def consultations(request, *, member):
    """List the member's own consultation requests and appointments."""
    return render(
        request,
        "members/consultations/consultations.html",
        {
            "member": member,
            "consultations": my_consultations(user=request.user),
            "open_statuses": OPEN_STATUSES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@member_required
def consultation_add(request, *, member):
    """Ask for a health or policy consultation."""
    form = ConsultationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation_request(member=member, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request was sent. Your union will propose an appointment."),
            )
            return redirect("members:consultations")
    return render(
        request, "members/consultations/consultation_form.html", {"form": form}
    )


@login_required
@require_POST
def consultation_cancel_page(request, pk):
    """Cancel one of the member's own consultations; anybody else's is not found."""
    consultation = get_object_or_404(my_consultations(user=request.user), pk=pk)
    try:
        consultation_cancel(consultation=consultation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The consultation was cancelled."))
    return redirect("members:consultations")
