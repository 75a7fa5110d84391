"""Rows an HRM import held, reviewed: fixed in place by the import's rules or dismissed.

A fixed row is cleaned by the reader's own cleaners in the layout of the
run's stored file, planned by the import's own rules against the register as
it is now, and applied by the import's own apply functions, so that a row
fixed by hand lands exactly as it would have landed had the file been right.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from members.hrm import FIELD_LABELS, FileRefused, HrmFile, HrmRecord

# members.hrm offers no public way to clean one row outside a pass over the
# file; its own cleaner, fed the stored file's layout, keeps the rules in one place.
from members.models import HrmProfile, ImportHeldRow, ImportRun, Member, User
from members.scope import require_unit_in_scope, scoped
from members.services.hrm_import import (
    Plan,
    _apply_batch,
    _apply_transfers,
    _plan,
    _store_departments,
    hrm_file_read,
)
from members.text import nfc

Status = ImportRun.Status
HeldStatus = ImportHeldRow.Status
NOTE_MAX_LENGTH = 500


@dataclass(frozen=True)
class HeldColumn:
    """A column of the run's file: its header as written, and the field it holds."""

    header: str
    field: str  # "" for a column the import does not read
    label: str  # the field's name, translated; "" when unread


def held_rows_unfixable_reason(*, run: ImportRun) -> str:
    """Return why the rows this run held cannot be fixed in place ("" if they can)."""
    if run.dry_run or run.status == Status.PREVIEWED:
        return _(
            "These rows come from a preview (dry run): nothing of this file was "
            "written, so there is nothing to fix in place. Confirm the preview: "
            "the import then holds its bad rows again, and those can be fixed."
        )
    if run.status == Status.NEEDS_CONFIRMATION:
        return _(
            "This run stopped at the safety limits and wrote nothing: confirm it "
            "(or correct the file and import it again), then fix the rows the "
            "import holds."
        )
    if run.status in {Status.QUEUED, Status.RUNNING}:
        return _("This run is still in progress: fix its rows once it is done.")
    if run.status != Status.DONE:
        return _("Only the rows of a finished import can be fixed.")
    # A later import may have brought newer data; fixing an older row would
    # write the older file's values over it.
    later = (
        ImportRun.objects.filter(
            employer_id=run.employer_id,
            dry_run=False,
            status=Status.DONE,
            pk__gt=run.pk,
        )
        .order_by("-pk")
        .values_list("file_name", "created_at")
        .first()
    )
    if later is not None:
        return _(
            "A newer import for this employer (%(file)s, %(date)s) has run since "
            "this one, so these rows may hold outdated data: fix the rows the "
            "newest import held instead, or dismiss these."
        ) % {
            "file": later[0],
            "date": f"{timezone.localtime(later[1]):%d/%m/%Y %H:%M}",
        }
    return ""


def held_row_unfixable_reason(*, row: ImportHeldRow) -> str:
    """Return why this held row cannot be fixed in place ("" if it can)."""
    if row.status == HeldStatus.PREVIEW:
        return held_rows_unfixable_reason(run=row.run) or _(
            "This row comes from a run that wrote nothing: fix the rows of the "
            "import that writes the file."
        )
    if row.status != HeldStatus.OPEN:
        return _("This row has already been reviewed (%(status)s).") % {
            "status": row.get_status_display().lower()
        }
    return held_rows_unfixable_reason(run=row.run)


@dataclass(frozen=True)
class HeldRowReview:
    """What staff can do with a held row: fix it (in the file's columns) or not."""

    row: ImportHeldRow
    unfixable: str  # why it cannot be fixed in place; "" if it can
    file_error: str  # why its run's stored file cannot be read; "" if it can
    hrm: HrmFile | None  # the run's file, read once, for held_row_fix
    columns: list[HeldColumn]

    @property
    def fixable(self) -> bool:
        return not (self.unfixable or self.file_error)

    @property
    def dismissable(self) -> bool:
        return self.row.status == HeldStatus.OPEN


def held_row_review(*, row: ImportHeldRow) -> HeldRowReview:
    """Return what can be done with a held row, its run's file read once if fixable."""
    unfixable = held_row_unfixable_reason(row=row)
    hrm, columns, file_error = None, [], ""
    if not unfixable:
        try:
            hrm = held_rows_file(run=row.run)
        except ValidationError as error:
            file_error = " ".join(error.messages)
        else:
            columns = held_row_columns(hrm=hrm)
    return HeldRowReview(
        row=row, unfixable=unfixable, file_error=file_error, hrm=hrm, columns=columns
    )


def held_rows_file(*, run: ImportRun) -> HrmFile:
    """Return the run's stored file with its layout found (its rows are not read).

    Raises ValidationError (code "file_gone") when it can no longer be read.
    """
    return _file(run, _profile(run))


def held_row_columns(*, hrm: HrmFile) -> list[HeldColumn]:
    """Return the columns of a run's file (``held_rows_file``) in file order."""
    fields = {column.index: name for name, column in hrm.columns.items()}
    columns = []
    for index, header in enumerate(hrm.headers):
        field = fields.get(index, "")
        label = str(FIELD_LABELS[field]) if field else ""
        columns.append(HeldColumn(header=header, field=field, label=label))
    return columns


@transaction.atomic
def held_row_fix(
    *,
    row: ImportHeldRow,
    values: Mapping[str, str],
    user: User | None,
    hrm: HrmFile | None = None,
) -> Member:
    """Import a held row with its values corrected, as the import would have.

    ``values`` are the row's cells as text, keyed by the file's headers (as in
    ``row.values``); a missing header is an empty cell. The row is cleaned,
    planned against the register and applied exactly as by the import, in
    this one transaction; the change is recorded on the run, and the held row
    marked fixed and linked to its member. Returns the member the row landed
    on (for a transfer, the member proposed to move here). Raises
    ValidationError keyed by header (NON_FIELD_ERRORS for the row as a whole)
    when the row is still invalid or would be held again: nothing is written.
    ``hrm`` is the run's file as ``held_rows_file`` returned it, for a caller
    that has read it already; without it the stored file is read here.
    """
    row = (
        ImportHeldRow.objects.select_for_update(of=("self",))
        .select_related("run__employer", "run__started_by")
        .get(pk=row.pk)
    )
    run = row.run
    require_unit_in_scope(user, run.employer)
    reason = held_row_unfixable_reason(row=row)
    if reason:
        raise ValidationError(reason, code="not_fixable")
    profile = _profile(run)
    if hrm is None:
        hrm = _file(run, profile)
    record = _record(hrm, row_number=row.row_number, values=values)
    if record is None:
        raise ValidationError(
            _("Every cell of this row is empty: fill it in, or dismiss the row."),
            code="empty",
        )
    if not record.valid:
        raise ValidationError(_by_column(record))
    headers = {name: column.header for name, column in hrm.columns.items()}
    plan = _plan_row(run, record, profile, headers)
    if plan.held:
        errors: dict[str, list[str]] = {}
        for held in plan.held:
            errors.setdefault(held.column or NON_FIELD_ERRORS, []).append(held.reason)
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            member = _apply(run, plan)
    except IntegrityError as error:
        # Another import or fix wrote the same code or CCCD meanwhile.
        raise ValidationError(
            _(
                "The register changed while this row was being fixed: open the "
                "row again and check it."
            ),
            code="conflict",
        ) from error
    row.status = HeldStatus.FIXED
    row.member = member
    row.resolved_by = user
    row.resolved_at = timezone.now()
    row.save(update_fields=["status", "member", "resolved_by", "resolved_at"])
    return member


@transaction.atomic
def held_row_dismiss(*, row: ImportHeldRow, user: User, note: str) -> ImportHeldRow:
    """Dismiss one open held row, saying why; return it as dismissed.

    Raises ValidationError (code "not_open") for a row already reviewed or
    only shown by a preview, with the note's errors as
    ``held_rows_dismiss_with_note`` raises them, and PermissionDenied for a
    row outside the user's scope.
    """
    require_unit_in_scope(user, row.run.employer)
    dismissed = held_rows_dismiss_with_note(
        rows=ImportHeldRow.objects.filter(pk=row.pk), user=user, note=note
    )
    if not dismissed:
        row.refresh_from_db(fields=["status"])
        if row.status == HeldStatus.PREVIEW:
            message = _(
                "This row comes from a run that wrote nothing (a preview, or a "
                "run stopped at the safety limits): it is not queued for review, "
                "so there is nothing to dismiss."
            )
        else:
            message = _("This row has already been reviewed (%(status)s).") % {
                "status": row.get_status_display().lower()
            }
        raise ValidationError(message, code="not_open")
    row.refresh_from_db()
    return row


@transaction.atomic
def held_rows_dismiss_with_note(
    *, rows: QuerySet[ImportHeldRow], user: User, note: str
) -> int:
    """Dismiss the open rows among ``rows`` that ``user`` may see, saying why.

    Returns how many rows were dismissed; rows already reviewed stay as they are.
    """
    note = nfc(note)
    if not note:
        raise ValidationError(
            {"note": _("Say in a few words why these rows are dismissed.")},
            code="required",
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("Keep the note to %(limit)s characters.")
                % {"limit": NOTE_MAX_LENGTH}
            },
            code="too_long",
        )
    dismissed = list(
        scoped(rows, user)
        .filter(status=HeldStatus.OPEN)
        .select_for_update(of=("self",))
    )
    now = timezone.now()
    for row in dismissed:
        row.status = HeldStatus.DISMISSED
        row.resolved_by = user
        row.resolved_at = now
        row.resolution_note = note
    ImportHeldRow.objects.bulk_update(
        dismissed,
        ["status", "resolved_by", "resolved_at", "resolution_note"],
        batch_size=500,
    )
    return len(dismissed)


def _profile(run: ImportRun) -> HrmProfile | None:
    return HrmProfile.objects.filter(employer_id=run.employer_id).first()


def _file(run: ImportRun, profile: HrmProfile | None) -> HrmFile:
    """Return the run's stored file with its layout found (its rows are not read)."""
    try:
        return hrm_file_read(
            Path(settings.MEDIA_ROOT) / run.stored_file,
            file_name=run.file_name,
            profile=profile,
        )
    except FileRefused as refusal:
        raise ValidationError(
            _(
                "The stored file of this run cannot be read again (%(reason)s): "
                "correct the row in the HRM system and import the file again."
            )
            % {"reason": refusal.text},
            code="file_gone",
        ) from refusal


def _record(
    hrm: HrmFile, *, row_number: int, values: Mapping[str, str]
) -> HrmRecord | None:
    """Return the row's cells cleaned as the reader cleans a row of this file."""
    cells = [str(values.get(header) or "") for header in hrm.headers]
    return hrm.record_from_cells(cells, row_number)


def _by_column(record: HrmRecord) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in record.errors:
        errors.setdefault(error.column or NON_FIELD_ERRORS, []).append(error.reason)
    return errors


def _plan_row(
    run: ImportRun,
    record: HrmRecord,
    profile: HrmProfile | None,
    headers: dict[str, str],
) -> Plan:
    """Plan one row by the import's rules; one row says nothing of who is absent."""
    # The import looks for absent members only in a full file: planned as a
    # file of changes, with the employer's default unit, it cannot flag any.
    rules = HrmProfile(
        employer=run.employer,
        full_file=False,
        default_unit_id=profile.default_unit_id if profile else None,
    )
    plan = _plan(run, [record], rules, headers)
    plan.absent = []
    return plan


def _apply(run: ImportRun, plan: Plan) -> Member:
    """Write a one-row plan with the import's apply functions; return its member."""
    actions = [("new", item) for item in plan.new]
    actions += [("updated", item) for item in plan.updated]
    actions += [("unchanged", item) for item in plan.unchanged if item[1]]
    if plan.unmapped:
        _store_departments(run, plan)
    if actions:
        _apply_batch(run, actions, timezone.localdate())
    if plan.transfers:
        _apply_transfers(run, plan)
    if plan.new:
        _row, values, _unit = plan.new[0]
        return Member.objects.get(
            employer=run.employer, employee_code=values["employee_code"]
        )
    if plan.updated:
        return Member.objects.get(pk=plan.updated[0][1])
    if plan.unchanged:
        return Member.objects.get(pk=plan.unchanged[0][0])
    return Member.objects.get(pk=plan.transfers[0][1])
