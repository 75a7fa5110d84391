"""The portal's inspection pages: my activities, an activity's files and checklist."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inspections import services
from inspections.models import (
    ActivityDocument,
    AnswerSubmission,
    ChecklistAnswer,
    ChecklistItem,
)
from inspections.selectors.followup import activities_of_person, activity_for_person
from members.scope import scoped


def _activity(user, pk: int):
    activity = activity_for_person(user=user, pk=pk)
    if activity is None:
        raise Http404(_("No such activity."))
    return activity


@login_required
@require_GET
def my_activities(request):
    activities = activities_of_person(user=request.user).order_by("-planned_start")
    return render(
        request,
        "inspections/activities/list.html",
        {"activities": list(activities[:200])},
    )


def _items_with_answers(activity):
    if activity.checklist_id is None:
        return []
    answers = {
        answer.item_id: answer
        for answer in ChecklistAnswer.objects.filter(activity=activity).select_related(
            "answered_by"
        )
    }
    return [(item, answers.get(item.pk)) for item in activity.checklist.items.all()]


@login_required
@require_http_methods(["GET", "POST"])
def activity_page(request, pk: int):
    """The activity: its files (upload, review) and, for the lead, conflicts."""
    activity = _activity(request.user, pk)
    roles = services.activity_roles(user=request.user, activity=activity)
    if request.method == "POST":
        try:
            _activity_post(request, activity)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
        return redirect("inspections:activity", pk=activity.pk)
    documents = activity.documents.select_related("uploaded_by", "reviewed_by")
    conflicts = (
        activity.submissions.filter(
            outcome=AnswerSubmission.Outcome.CONFLICT
        ).select_related("item", "submitted_by")
        if "lead" in roles
        else []
    )
    submissions = activity.submissions.select_related("item", "submitted_by").order_by(
        "-received_at"
    )[:100]
    return render(
        request,
        "inspections/activities/activity.html",
        {
            "activity": activity,
            "roles": roles,
            "is_team": bool(roles & {"lead", "team"}),
            "documents": documents,
            "conflicts": conflicts,
            "submissions": submissions,
            "answers": _items_with_answers(activity),
            "may_answer": services.may_answer(user=request.user, activity=activity),
            "document_kinds": [
                (value, label)
                for value, label in ActivityDocument.Kind.choices
                if value != ActivityDocument.Kind.UNIT_DOCUMENT
            ],
        },
    )


def _activity_post(request, activity) -> None:
    action = request.POST.get("action")
    if action == "upload":
        services.document_upload(
            user=request.user,
            activity=activity,
            title=request.POST.get("title", ""),
            file=request.FILES.get("file"),
            kind=request.POST.get("kind") or None,
        )
    elif action == "review":
        document = activity.documents.filter(
            pk=request.POST.get("document") or 0
        ).first()
        if document is None:
            raise Http404(_("No such document."))
        services.document_review(
            user=request.user,
            document=document,
            review=request.POST.get("review", ""),
            note=request.POST.get("note", ""),
        )
    elif action in ("keep", "take"):
        submission = activity.submissions.filter(
            pk=request.POST.get("submission") or 0
        ).first()
        if submission is None:
            raise Http404(_("No such answer."))
        services.conflict_resolve(
            actor=request.user, submission=submission, take=action == "take"
        )
    else:
        raise ValidationError(_("Nothing to do."))


@login_required
@require_GET
def document_download(request, document_id: int):
    """A file of an activity, to the people on it."""
    document = (
        scoped(ActivityDocument.objects.all(), request.user, portal=True)
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise Http404(_("No such document."))
    return FileResponse(document.file.open("rb"), as_attachment=True)


@login_required
@require_http_methods(["GET", "POST"])
def checklist_page(request, pk: int):
    """Answer the checklist: works offline, answers kept on the device until sent.

    Without script the form posts every answer at once; with it, each answer
    is kept in the browser's storage and sent to ``answer_sync`` when online.
    """
    activity = _activity(request.user, pk)
    if not services.may_answer(user=request.user, activity=activity):
        raise PermissionDenied(_("You do not answer this activity's checklist."))
    if activity.checklist_id is None:
        raise Http404(_("This activity has no checklist."))
    if request.method == "POST":
        refused = _answers_post(request, activity)
        for message in refused:
            messages.error(request, message)
        if not refused:
            messages.success(request, _("Answers saved."))
        return redirect("inspections:checklist", pk=activity.pk)
    return render(
        request,
        "inspections/activities/checklist.html",
        {
            "activity": activity,
            "answers": _items_with_answers(activity),
            "verdicts": ChecklistAnswer._meta.get_field("verdict").choices,
        },
    )


def _answers_post(request, activity) -> list[str]:
    refused = []
    for item in activity.checklist.items.all():
        prefix = f"item-{item.pk}-"
        values = {
            "verdict": request.POST.get(prefix + "verdict", ""),
            "score": request.POST.get(prefix + "score", ""),
            "text": request.POST.get(prefix + "text", ""),
            "comment": request.POST.get(prefix + "comment", ""),
        }
        if not any(values.values()):
            continue
        try:
            services.answer_submit(
                user=request.user,
                activity=activity,
                item=item,
                values=values,
                evidence=request.FILES.get(prefix + "evidence"),
                client_key=request.POST.get(prefix + "key", ""),
                base_revision=int(request.POST.get(prefix + "revision") or 0),
            )
        except ValidationError as error:
            refused.extend(error.messages)
    return refused


def _answered_at(value: str):
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return moment if timezone.is_aware(moment) else None


@login_required
@require_POST
def answer_sync(request, pk: int):
    """One answer from the page's script (typed online or offline): JSON back."""
    activity = _activity(request.user, pk)
    item = ChecklistItem.objects.filter(
        pk=request.POST.get("item") or 0, template_id=activity.checklist_id
    ).first()
    if item is None:
        return JsonResponse({"errors": [_("No such question.")]}, status=400)
    try:
        revision = int(request.POST.get("base_revision") or 0)
    except ValueError:
        revision = 0
    try:
        submission = services.answer_submit(
            user=request.user,
            activity=activity,
            item=item,
            values={
                name: request.POST.get(name, "")
                for name in ("verdict", "score", "text", "comment")
            },
            evidence=request.FILES.get("evidence"),
            answered_at=_answered_at(request.POST.get("answered_at", "")),
            source=(
                AnswerSubmission.Source.OFFLINE
                if request.POST.get("offline") == "1"
                else AnswerSubmission.Source.PORTAL
            ),
            device=request.POST.get("device", ""),
            client_key=request.POST.get("client_key", ""),
            base_revision=revision,
        )
    except ValidationError as error:
        return JsonResponse({"errors": error.messages}, status=400)
    except PermissionDenied as error:
        return JsonResponse({"errors": [str(error)]}, status=403)
    answer = ChecklistAnswer.objects.filter(activity=activity, item=item).first()
    return JsonResponse(
        {
            "outcome": submission.outcome,
            "revision": answer.revision if answer else 0,
        }
    )


@login_required
@require_GET
def answer_evidence(request, submission_id: int):
    """The photo or file sent with an answer, to the people on the activity."""
    submission = (
        scoped(AnswerSubmission.objects.all(), request.user, portal=True)
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not submission.evidence:
        raise Http404(_("No such document."))
    return FileResponse(submission.evidence.open("rb"))
