"""Files of an activity: the unit's documents sent in the portal, the team's review."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import Activity, ActivityDocument
from inspections.services.checklists import activity_roles
from members.services.audit import audit_record
from members.text import nfc

MAX_BYTES = 20 * 1024 * 1024


@transaction.atomic
def document_upload(
    *, user, activity: Activity, title: str, file: UploadedFile, kind: str | None = None
) -> ActivityDocument:
    """Add a file: the unit's contacts send documents, the team minutes and evidence."""
    roles = activity_roles(user=user, activity=activity)
    if not roles:
        raise PermissionDenied(_("You are not on this activity."))
    if activity.status in (Activity.Status.CLOSED, Activity.Status.CANCELLED):
        raise ValidationError(_("This activity takes no more files."))
    if roles & {"lead", "team"}:
        kind = kind or ActivityDocument.Kind.EVIDENCE
    else:
        kind = ActivityDocument.Kind.UNIT_DOCUMENT
    if kind not in ActivityDocument.Kind.values:
        raise ValidationError(_("Choose what kind of file this is."))
    if file is None or not file.size:
        raise ValidationError(_("Choose a file to send."))
    if file.size > MAX_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."))
    document = ActivityDocument.objects.create(
        activity=activity,
        kind=kind,
        title=nfc(title) or file.name,
        file=file,
        uploaded_by=user,
    )
    audit_record(
        actor=user,
        action="staff_action",
        obj=document,
        detail={"action": "inspection_document_upload", "kind": kind},
    )
    return document


@transaction.atomic
def document_review(
    *, user, document: ActivityDocument, review: str, note: str = ""
) -> ActivityDocument:
    """The team marks a document of the unit accepted, or asks for more."""
    document = ActivityDocument.objects.select_for_update().get(pk=document.pk)
    if not activity_roles(user=user, activity=document.activity) & {"lead", "team"}:
        raise PermissionDenied(_("Only the inspection team reviews documents."))
    if review not in (
        ActivityDocument.Review.ACCEPTED,
        ActivityDocument.Review.MORE_NEEDED,
    ):
        raise ValidationError(_("Choose accepted or more needed."))
    if review == ActivityDocument.Review.MORE_NEEDED and not nfc(note):
        raise ValidationError(_("Say what more is needed."))
    document.review = review
    document.review_note = nfc(note)
    document.reviewed_by = user
    document.reviewed_at = timezone.now()
    document.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
    audit_record(
        actor=user,
        action="staff_action",
        obj=document,
        detail={"action": "inspection_document_review", "review": review},
    )
    return document
