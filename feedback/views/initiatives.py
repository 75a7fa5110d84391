"""Initiatives in the portal: the member's list, the submission, a detail page."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from feedback import services
from feedback.forms.initiatives import (
    AttachmentsForm,
    InitiativeForm,
    title_checked_token,
)
from feedback.models import InitiativeAttachment
from feedback.selectors.initiatives import (
    initiatives_similar,
    my_initiative_get,
    my_initiatives,
)
from members.forms import form_add_service_errors
from members.scope import scoped
from members.views import member_required


@never_cache
@require_safe
@member_required
def my_initiatives_page(request, *, member):
    """List the initiatives the member wrote or co-authored, with their state."""
    initiatives = my_initiatives(user=request.user).select_related("member")
    return render(
        request,
        "feedback/initiatives/my_initiatives.html",
        {"initiatives": initiatives, "member": member},
    )


def _confirm_page(request, form, attachments, *, member, error=None):
    """Show the similar initiatives and the resolved co-authors, then "submit".

    The form comes back with a token of the title checked, so that "submit"
    stores only what the member saw compared.
    """
    data = form.cleaned_data
    similar = initiatives_similar(
        user=request.user,
        title=data["title"],
        text=f"{data['problem']} {data['solution']}",
    )
    fields = form.data.copy()
    fields["checked"] = title_checked_token(data["title"])
    form = InitiativeForm(fields)
    form.is_valid()
    coauthors = []
    try:
        coauthors = services.initiative_coauthors_resolve(
            member=member, entries=form.coauthor_entries()
        )
    except ValidationError as refused:
        form_add_service_errors(form, refused)
    if error is not None:
        form_add_service_errors(form, error)
    return render(
        request,
        "feedback/initiatives/submit.html",
        {
            "form": form,
            "attachments": attachments,
            "similar": similar,
            "coauthors": coauthors,
            "confirm": True,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@member_required
def initiative_submit(request, *, member):
    """Describe the initiative; see the five most like it; attach files; submit."""
    if request.method != "POST":
        form = InitiativeForm(initial={"submission_key": uuid.uuid4()})
        context = {"form": form, "confirm": False}
        return render(request, "feedback/initiatives/submit.html", context)
    form = InitiativeForm(request.POST)
    attachments = AttachmentsForm(request.POST, request.FILES)
    if not form.is_valid() or not attachments.is_valid():
        context = {"form": form, "attachments": attachments, "confirm": False}
        return render(request, "feedback/initiatives/submit.html", context)
    if "confirm" not in request.POST or not form.was_checked():
        return _confirm_page(request, form, AttachmentsForm(), member=member)
    data = form.cleaned_data
    try:
        initiative = services.initiative_submit(
            member=member,
            title=data["title"],
            problem=data["problem"],
            solution=data["solution"],
            applied_where=data["applied_where"],
            expected_benefit_vnd=data["expected_benefit_vnd"],
            other_benefits=data["other_benefits"],
            coauthors=form.coauthor_entries(),
            files=attachments.cleaned_data["attachments"],
            submission_key=data["submission_key"],
        )
    except ValidationError as error:
        if "attachments" in getattr(error, "message_dict", {}):
            attachments.add_error("attachments", error.message_dict["attachments"])
        return _confirm_page(request, form, attachments, member=member, error=error)
    messages.success(
        request, _("Your initiative is submitted: the union will review it.")
    )
    return redirect("feedback:initiative", initiative.pk)


@never_cache
@require_safe
@member_required
def initiative_page(request, pk: int, *, member):
    """One of the member's initiatives: what was submitted and its history."""
    initiative = my_initiative_get(user=request.user, pk=pk)
    if initiative is None:
        raise Http404
    return render(
        request,
        "feedback/initiatives/initiative.html",
        {"initiative": initiative, "member": member},
    )


@never_cache
@require_safe
@member_required
def initiative_attachment(request, attachment_id: int, *, member):
    """A file of one of the member's initiatives; anyone else's is not found."""
    attachment = (
        scoped(InitiativeAttachment.objects.all(), request.user, portal=True)
        .filter(pk=attachment_id)
        .first()
    )
    if attachment is None:
        raise Http404
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name
    )
