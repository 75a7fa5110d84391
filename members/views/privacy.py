"""Portal pages of the member's data rights: download, requests, consents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.data_download import member_data_json, member_data_xlsx
from members.forms import form_add_service_errors
from members.forms.privacy import DataRightsRequestForm
from members.models import AuditEvent, Consent
from members.resources import XLSX_CONTENT_TYPE
from members.selectors.privacy import member_data, my_consents, my_data_requests
from members.selectors.register import member_for_user
from members.services.audit import audit_record
from members.services.data_rights import (
    consent_give,
    consent_withdraw,
    data_rights_request_submit,
)
from members.views import member_required, not_linked

DOWNLOADS = {
    "json": ("application/json; charset=utf-8", member_data_json),
    "xlsx": (XLSX_CONTENT_TYPE, member_data_xlsx),
}
# What each consent lets the union do, and what withdrawing it stops.
CONSENT_TEXTS = {
    Consent.Purpose.RELATIVES: gettext_lazy(
        "The union uses the relatives you list to care for them too: staff of "
        "your union see them, and birthdays and care programmes include them. "
        "If you withdraw, staff no longer see them and no reminder or "
        "programme counts them; you still see and can delete them here."
    ),
    Consent.Purpose.LEADERBOARD: gettext_lazy(
        "Your name and points may show on the learning leaderboards of your "
        "union. Without this consent you still learn and earn points, unseen."
    ),
}


def _page(request, member, form):
    consents = [
        {"state": state, "text": CONSENT_TEXTS.get(state.purpose, "")}
        for state in my_consents(member=member)
    ]
    context = {
        "member": member,
        "form": form,
        "consents": consents,
        "requests": my_data_requests(user=request.user),
    }
    return render(request, "members/privacy/my_data.html", context)


@login_required
@require_GET
@member_required
def my_data(request, *, member):
    """Show the downloads, the consents and the requests about the member's data."""
    return _page(request, member, DataRightsRequestForm())


@login_required
@require_GET
def my_data_download(request, fmt):
    """Send everything the register keeps about the member, as JSON or XLSX."""
    if fmt not in DOWNLOADS:
        raise Http404
    data = member_data(user=request.user)
    if data is None:
        return not_linked(request)
    content_type, write = DOWNLOADS[fmt]
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.EXPORT,
        obj=data.member,
        detail={"export": "own_data", "format": fmt},
    )
    response = HttpResponse(write(data), content_type=content_type)
    name = f"du-lieu-cua-toi-{data.generated_at:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@member_required
def data_request_add(request, *, member):
    """Send a request about the member's data (a GET shows the page's form)."""
    if request.method == "GET":
        return redirect("members:my_data")
    form = DataRightsRequestForm(request.POST)
    if form.is_valid():
        try:
            sent = data_rights_request_submit(
                member=member,
                kind=form.cleaned_data["kind"],
                details=form.cleaned_data["details"],
                actor=request.user,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your request was sent. Your union acknowledges it by "
                    "%(acknowledge)s and answers by %(complete)s."
                )
                % {
                    "acknowledge": f"{sent.acknowledge_by:%d/%m/%Y}",
                    "complete": f"{sent.complete_by:%d/%m/%Y}",
                },
            )
            return redirect("members:my_data")
    return _page(request, member, form)


@login_required
@require_POST
def consent_change(request, purpose):
    """Give or withdraw the member's consent to one purpose."""
    if purpose not in Consent.Purpose.values:
        raise Http404
    member = member_for_user(user=request.user)
    if member is None:
        return not_linked(request)
    if request.POST.get("consent") == "give":
        consent_give(member=member, purpose=purpose, actor=request.user)
        messages.success(request, _("Thank you: your consent is recorded."))
    else:
        consent_withdraw(member=member, purpose=purpose, actor=request.user)
        messages.success(request, _("Your consent is withdrawn from now on."))
    return redirect(reverse("members:my_data") + "#consents")
