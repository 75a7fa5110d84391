"""Admin of HRM imports: profiles, departments, runs with their preview, held rows.

Every surface reads through members.scope: staff see the profiles,
departments, runs and held rows of the employers under their units. Runs are
started by the upload view (a dry run, executed in Celery) and applied by the
confirm view (a new run of the same stored file); neither ever executes an
import inside the request.
"""

import re
from contextlib import suppress
from io import BytesIO

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import (
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from members.forms.imports import (
    DepartmentUnitForm,
    HrmDepartmentForm,
    HrmProfileForm,
    ImportUploadForm,
    employer_units,
    for_user,
)
from members.hrm import FIELD_LABELS
from members.hrm.headers import ALIASES, REQUIRED_FIELDS
from members.hrm.sample import hrm_sample_workbook
from members.models import (
    AuditEvent,
    HrmDepartment,
    HrmProfile,
    ImportChange,
    ImportHeldRow,
    ImportRun,
    Member,
    Unit,
)
from members.resources import XLSX_CONTENT_TYPE, cell_escape, sheet_title
from members.scoped_admin import ScopedModelAdmin
from members.selectors.imports import departments_mapped, import_runs_attention_q
from members.services.audit import audit_record
from members.services.hrm_import import (
    AlreadyConfirmedError,
    import_run_abandoned,
    import_run_can_confirm,
    import_run_confirm,
    import_run_requeue,
    import_run_requeue_refusal,
)
from members.services.hrm_review import (
    held_rows_file,
    held_rows_unfixable_reason,
)
from members.services.hrm_upload import import_run_upload

CHANGES_PER_PAGE = 50
HELD_PER_PAGE = 50
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
Status = ImportRun.Status
IN_PROGRESS = {Status.QUEUED, Status.RUNNING}
# Finished having read every row and written none (held rows not queued).
WROTE_NOTHING = {Status.PREVIEWED, Status.NEEDS_CONFIRMATION}


# Shared pieces ----------------------------------------------------------------


class EmployerListFilter(admin.SimpleListFilter):
    """The employers in the user's scope (a plain related filter lists them all)."""

    title = _("employer")
    parameter_name = "employer"

    def lookups(self, request, model_admin):
        return [
            (str(unit.pk), unit.company_name) for unit in employer_units(request.user)
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(employer_id=self.value())
        return queryset


@admin.display(description=_("employer"), ordering="employer__employer_name")
def employer_company(obj) -> str:
    """Show a row's employer by its company's name, not its union's."""
    return obj.employer.company_name


class AttentionListFilter(admin.SimpleListFilter):
    """Runs not finished, or refused or failed lately (the staff home's card)."""

    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", _("Waiting, or refused or failed lately"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(import_runs_attention_q(today=timezone.localdate()))
        return queryset


def _display(field: str, value, labels: dict) -> str:
    """Return a stored value as staff read it: dates dd/mm/yyyy, choices by label."""
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        match = ISO_DATE.match(value)
        if match:
            year, month, day = match.groups()
            return f"{day}/{month}/{year}"
    choices = labels.get(field)
    if choices and value in choices:
        return str(choices[value])
    return str(value)


def _member_field_label(name: str) -> str:
    try:
        return capfirst(Member._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field renamed since the run keeps its name
        return name


def _choice_labels() -> dict:
    labels = {}
    for field in Member._meta.get_fields():
        if getattr(field, "choices", None):
            labels[field.name] = dict(field.choices)
    # New members' values use the HRM names of the fields.
    labels["hire_date"] = {}
    return labels


def _change_rows(changes) -> list[dict]:
    """Return one page of a run's changes with each field as label, old and new."""
    labels = _choice_labels()
    unit_ids = {
        value
        for change in changes
        if change.action == ImportChange.Action.TRANSFER
        for value in change.changes.values()
        if value
    }
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    rows = []
    for change in changes:
        fields = []
        if change.action == ImportChange.Action.UPDATED:
            for name, (old, new) in change.changes.items():
                fields.append(
                    (
                        _member_field_label(name),
                        _display(name, old, labels),
                        _display(name, new, labels),
                    )
                )
        elif change.action == ImportChange.Action.NEW:
            for name, value in change.changes.items():
                label = capfirst(FIELD_LABELS.get(name, name))
                fields.append((label, None, _display(name, value, labels)))
        elif change.action == ImportChange.Action.TRANSFER:
            target = change.changes.get("to_unit")
            fields.append(
                (_("union unit"), None, units.get(target, "—") if target else "—")
            )
        rows.append({"change": change, "fields": fields})
    return rows


def _held_headers(run: ImportRun, rows: list[ImportHeldRow]) -> list[str]:
    """Return the file's headers in file order, read again from the stored file."""
    headers: list[str] = []
    # When the file is gone, the rows' own keys below still give every value.
    with suppress(ValidationError):
        headers = list(held_rows_file(run=run).headers)
    for row in rows:
        for key in row.values:
            if key not in headers:
                headers.append(key)
    return headers


def held_rows_workbook(run: ImportRun) -> bytes:
    """Return an .xlsx of a run's held rows: row, original values, column, reason."""
    from openpyxl import Workbook

    rows = list(run.held_rows.order_by("row_number"))
    headers = _held_headers(run, rows)
    meta = ImportHeldRow._meta
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_title(_("Held rows")))
    sheet.append(
        [
            cell_escape(str(capfirst(meta.get_field("row_number").verbose_name))),
            *(cell_escape(header) for header in headers),
            cell_escape(str(capfirst(meta.get_field("column").verbose_name))),
            cell_escape(str(capfirst(meta.get_field("reason").verbose_name))),
        ]
    )
    for row in rows:
        sheet.append(
            [
                row.row_number,
                *(cell_escape(row.values.get(header, "")) for header in headers),
                cell_escape(row.column),
                cell_escape(row.reason),
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# Profiles and departments -----------------------------------------------------


@admin.register(HrmProfile)
class HrmProfileAdmin(ScopedModelAdmin):
    form = HrmProfileForm
    list_display = (employer_company, "full_file", "default_unit", "updated_at")
    list_select_related = ("employer", "default_unit")
    search_fields = ("employer__name", "employer__employer_name", "employer__code")
    employer_company = staticmethod(employer_company)

    def get_fields(self, request, obj=None):
        employer = "employer_company" if obj is not None else "employer"
        return (employer, "mapping", "full_file", "default_unit")

    def get_readonly_fields(self, request, obj=None):
        # A profile belongs to its employer for good.
        return ("employer_company",) if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        return for_user(
            super().get_form(request, obj, change=change, **kwargs), request.user
        )


class UnmappedListFilter(admin.SimpleListFilter):
    title = _("mapping")
    parameter_name = "unmapped"

    def lookups(self, request, model_admin):
        return [("yes", _("Not mapped to a union unit")), ("no", _("Mapped"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(unit__isnull=self.value() == "yes")
        return queryset


@admin.register(HrmDepartment)
class HrmDepartmentAdmin(ScopedModelAdmin):
    form = HrmDepartmentForm
    list_display = ("code", "name", employer_company, "unit")
    list_editable = ("unit",)
    list_filter = (UnmappedListFilter, EmployerListFilter)
    list_select_related = ("employer", "unit")
    search_fields = ("code", "name")
    employer_company = staticmethod(employer_company)

    def get_fields(self, request, obj=None):
        employer = "employer_company" if obj is not None else "employer"
        return (employer, "code", "name", "unit")

    def get_readonly_fields(self, request, obj=None):
        return ("employer_company", "code") if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        return for_user(
            super().get_form(request, obj, change=change, **kwargs), request.user
        )

    def get_changelist_form(self, request, **kwargs):
        return for_user(DepartmentUnitForm, request.user)


# Runs -------------------------------------------------------------------------


@admin.register(ImportRun)
class ImportRunAdmin(ScopedModelAdmin):
    list_display = (
        "file_name",
        employer_company,
        "source",
        "status",
        "progress_display",
        "count_new",
        "count_updated",
        "count_unchanged",
        "count_held",
        "count_absent",
        "count_transfers",
        "started_by",
        "created_at",
        "duration_display",
    )
    list_filter = (
        AttentionListFilter,
        "status",
        "source",
        "dry_run",
        EmployerListFilter,
    )
    list_select_related = ("employer", "started_by")
    search_fields = ("file_name", "file_sha256")
    date_hierarchy = "created_at"
    change_form_template = "admin/members/importrun/run.html"

    @admin.display(description=_("progress"))
    def progress_display(self, obj):
        if obj.status in WROTE_NOTHING:
            return _("checked, nothing written")
        if obj.status in {Status.REFUSED, Status.FAILED} and not obj.rows_done:
            return "—"
        return f"{obj.progress}%"

    @admin.display(description=_("duration"), ordering="duration_ms")
    def duration_display(self, obj):
        if obj.duration_ms is None:
            return "—"
        return _("%(seconds)s s") % {"seconds": f"{obj.duration_ms / 1000:.1f}"}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_upload_permission(self, request) -> bool:
        return request.user.has_perm("members.add_importrun")

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "import/",
                wrap(self.upload_view),
                name="{}_{}_upload".format(*info),
            ),
            path(
                "import/sample.xlsx",
                wrap(self.sample_view),
                name="{}_{}_sample".format(*info),
            ),
            path(
                "<path:object_id>/confirm/",
                wrap(self.confirm_view),
                name="{}_{}_confirm".format(*info),
            ),
            path(
                "<path:object_id>/requeue/",
                wrap(self.requeue_view),
                name="{}_{}_requeue".format(*info),
            ),
            path(
                "<path:object_id>/held.xlsx",
                wrap(self.held_xlsx_view),
                name="{}_{}_held_xlsx".format(*info),
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_upload": self.has_upload_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def _run_or_404(self, request, object_id) -> ImportRun:
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404(_("No such import run."))
        if not self.has_view_or_change_permission(request, run):
            raise PermissionDenied
        return run

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self._run_or_404(request, object_id)
        held = Paginator(run.held_rows.order_by("row_number"), HELD_PER_PAGE)
        held_page = held.get_page(request.GET.get("held_page"))
        # Rows a later run met again moved to it (one entry a bad row).
        held_elsewhere = max(0, run.count_held - held.count)
        changes = Paginator(
            run.changes.select_related("member").order_by("action", "row_number", "pk"),
            CHANGES_PER_PAGE,
        )
        changes_page = changes.get_page(request.GET.get("changes_page"))
        # Why the held rows cannot be fixed here, if they cannot (a preview...).
        held_unfixable = (
            held_rows_unfixable_reason(run=run)
            if run.count_held and run.status not in IN_PROGRESS
            else ""
        )
        can_upload = self.has_upload_permission(request)
        can_confirm = can_upload and import_run_can_confirm(run=run)
        can_requeue = can_upload and not import_run_requeue_refusal(run=run)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(run),
            "subtitle": None,
            "run": run,
            "original": run,
            "in_progress": run.status in IN_PROGRESS,
            "stopped": run.status == Status.NEEDS_CONFIRMATION,
            "failed": run.status in {Status.REFUSED, Status.FAILED},
            "held_page": held_page,
            "held_elsewhere": held_elsewhere if run.status == Status.DONE else 0,
            "wrote_nothing": run.status in WROTE_NOTHING,
            "changes_page": changes_page,
            "change_rows": _change_rows(changes_page.object_list),
            "can_confirm": can_confirm,
            "can_requeue": can_requeue,
            "abandoned": import_run_abandoned(run=run),
            "held_unfixable": held_unfixable,
            "can_fix_held": (
                not held_unfixable
                and request.user.has_perm("members.change_importheldrow")
            ),
            "has_view_permission": True,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def upload_view(self, request):
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(
            request.POST or None, request.FILES or None, user=request.user
        )
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                run = import_run_upload(
                    employer=form.cleaned_data["employer"],
                    file_name=upload.name,
                    content=upload.read(),
                    user=request.user,
                )
            except (ValidationError, PermissionDenied) as error:
                messages_ = getattr(error, "messages", None) or [str(error)]
                for message in messages_:
                    form.add_error(None, message)
            else:
                if run.status == Status.REFUSED:
                    # Recorded as a refused run; the reason shows on the form.
                    form.add_error("file", run.message)
                    return self._upload_page(request, form, refused=run)
                messages.info(
                    request,
                    _(
                        "The file is being checked. This page shows the preview "
                        "when it is ready; nothing is written until you confirm."
                    ),
                )
                return redirect(self._run_url(run))
        return self._upload_page(request, form)

    def _upload_page(self, request, form, refused: ImportRun | None = None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import an HRM file"),
            "subtitle": None,
            "form": form,
            "refused": refused,
            "accepted_headers": [
                (capfirst(label), field in REQUIRED_FIELDS, ALIASES[field])
                for field, label in FIELD_LABELS.items()
            ],
            "sample_employers": employer_units(request.user),
        }
        return TemplateResponse(request, "admin/members/importrun/upload.html", context)

    def sample_view(self, request):
        """Send a workbook with the accepted headers and two example rows.

        For an employer of the user's scope (``?employer=``), the examples
        carry its mapped departments, so that a dry run of the sample lands
        them in its union units.
        """
        if not self.has_upload_permission(request):
            raise PermissionDenied
        departments = []
        chosen = request.GET.get("employer", "")
        if chosen:
            employers = employer_units(request.user)
            employer = employers.filter(pk=chosen).first() if chosen.isdigit() else None
            if employer is None:
                raise Http404(_("No such employer."))
            departments = departments_mapped(employer=employer)
        response = HttpResponse(
            hrm_sample_workbook(departments=departments),
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = 'attachment; filename="hrm-sample.xlsx"'
        return response

    def confirm_view(self, request, object_id):
        run = self._run_or_404(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_upload_permission(request):
            raise PermissionDenied
        try:
            confirmed = import_run_confirm(run=run, user=request.user)
        except AlreadyConfirmedError as already:
            messages.warning(request, already.message)
            return redirect(self._run_url(already.run))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(self._run_url(run))
        messages.success(
            request, _("The import has started; this page shows its progress.")
        )
        return redirect(self._run_url(confirmed))

    def requeue_view(self, request, object_id):
        run = self._run_or_404(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_upload_permission(request):
            raise PermissionDenied
        try:
            import_run_requeue(run=run, user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _(
                    "The import runs again and finishes what was left; this page "
                    "shows its progress."
                ),
            )
        return redirect(self._run_url(run))

    def held_xlsx_view(self, request, object_id):
        run = self._run_or_404(request, object_id)
        response = HttpResponse(held_rows_workbook(run), content_type=XLSX_CONTENT_TYPE)
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.EXPORT,
            obj=run,
            detail={"export": "held_rows", "rows": run.held_rows.count()},
        )
        response["Content-Disposition"] = (
            f'attachment; filename="held-rows-{run.pk}.xlsx"'
        )
        return response

    def _run_url(self, run: ImportRun) -> str:
        return reverse("admin:members_importrun_change", args=[run.pk])
