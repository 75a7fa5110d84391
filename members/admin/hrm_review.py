"""Admin of the rows HRM imports held: review, fix in place, dismiss with a note.

Every surface reads through members.scope (ScopedModelAdmin), so a held row
of an employer outside the user's scope is "no such row"; the writes go
through members.services.hrm_review, which checks the scope again.
"""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members.forms.imports import HeldRowDismissForm, HeldRowFixForm
from members.models import ImportHeldRow
from members.scoped_admin import ScopedModelAdmin
from members.services.hrm_review import (
    held_row_columns,
    held_row_fix,
    held_row_unfixable_reason,
    held_rows_dismiss_with_note,
    held_rows_file,
)

HeldStatus = ImportHeldRow.Status


@admin.register(ImportHeldRow)
class ImportHeldRowAdmin(ScopedModelAdmin):
    list_display = (
        "row_number",
        "run",
        "column",
        "reason",
        "values_display",
        "status",
        "resolved_by",
    )
    list_filter = ("status",)
    list_select_related = ("run", "resolved_by")
    search_fields = ("code", "reason", "column")
    fields = (
        "run",
        "row_number",
        "column",
        "reason",
        "values_display",
        "status",
        "member",
        "resolved_by",
        "resolved_at",
        "resolution_note",
    )
    readonly_fields = fields
    actions = ("dismiss",)
    change_form_template = "admin/members/importheldrow/change_form.html"

    @admin.display(description=_("values in the file"))
    def values_display(self, obj):
        return "; ".join(
            f"{key}: {value}" for key, value in obj.values.items() if value
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("run__employer", "member", "resolved_by")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Held rows change only by being fixed or dismissed (see fix_view).
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_dismiss_permission(self, request) -> bool:
        return request.user.has_perm("members.change_importheldrow")

    def has_fix_permission(self, request) -> bool:
        return request.user.has_perm("members.change_importheldrow")

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/fix/",
                self.admin_site.admin_view(self.fix_view),
                name="{}_{}_fix".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_fix": self.has_fix_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def fix_view(self, request, object_id):
        """Show a held row with its reason; fix its cells, or dismiss it with a note."""
        if not self.has_fix_permission(request):
            raise PermissionDenied
        row = self.get_object(request, unquote(object_id))
        if row is None:
            raise Http404(_("No such held row."))
        posted = request.POST if request.method == "POST" else None
        dismissing = posted is not None and "_dismiss" in posted
        dismiss_form = HeldRowDismissForm(posted if dismissing else None)
        if dismissing and row.status == HeldStatus.OPEN and dismiss_form.is_valid():
            message = gettext("Row %(row)s dismissed: %(note)s") % {
                "row": row.row_number,
                "note": dismiss_form.cleaned_data["note"],
            }
            try:
                with transaction.atomic():
                    held_rows_dismiss_with_note(
                        rows=ImportHeldRow.objects.filter(pk=row.pk),
                        user=request.user,
                        note=dismiss_form.cleaned_data["note"],
                    )
                    self._log(request, row, message)
            except ValidationError as error:
                dismiss_form.add_error(None, error)
            else:
                messages.success(request, message)
                return redirect(_run_url(row))
        # Read once: the stored file gives the form its columns and the fix its layout.
        unfixable = held_row_unfixable_reason(row=row)
        hrm, columns, file_error = None, [], ""
        if not unfixable:
            try:
                hrm = held_rows_file(run=row.run)
            except ValidationError as error:
                file_error = " ".join(error.messages)
            else:
                columns = held_row_columns(hrm=hrm)
        fix_form = HeldRowFixForm(
            None if dismissing else posted, columns=columns, original=row.values
        )
        fixing = posted is not None and not dismissing
        if fixing and not (unfixable or file_error) and fix_form.is_valid():
            try:
                # The fix and its history entries land together.
                with transaction.atomic():
                    member = held_row_fix(
                        row=row,
                        values=fix_form.row_values(),
                        user=request.user,
                        hrm=hrm,
                    )
                    message = gettext(
                        "Row %(row)s fixed and imported: %(code)s %(name)s."
                    ) % {
                        "row": row.row_number,
                        "code": member.employee_code,
                        "name": member.full_name,
                    }
                    self._log(request, row, message)
            except ValidationError as error:
                fix_form.add_row_errors(error)
            else:
                messages.success(request, message)
                return redirect(_run_url(row))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Review row %(row)s") % {"row": row.row_number},
            "subtitle": None,
            "row": row,
            "original": row,
            "unfixable": unfixable,
            "file_error": file_error,
            "fix_form": fix_form,
            "fix_rows": _fix_rows(fix_form, columns, row),
            "original_values": [(k, v) for k, v in row.values.items()],
            "dismiss_form": dismiss_form,
            "is_open": row.status == HeldStatus.OPEN,
            "has_view_permission": True,
        }
        return TemplateResponse(
            request, "admin/members/importheldrow/fix.html", context
        )

    def _log(self, request, row: ImportHeldRow, message: str) -> None:
        """Record the review in the row's history and in its run's."""
        self.log_change(request, row, message)
        self.log_change(request, row.run, message)

    @admin.action(
        description=_("Dismiss the selected held rows"), permissions=("dismiss",)
    )
    def dismiss(self, request, queryset):
        form = HeldRowDismissForm(
            request.POST if "_confirm_dismiss" in request.POST else None
        )
        if form.is_bound and form.is_valid():
            try:
                count = held_rows_dismiss_with_note(
                    rows=queryset, user=request.user, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d held row dismissed.",
                        "%(count)d held rows dismissed.",
                        count,
                    )
                    % {"count": count},
                )
                return None
        rows = list(queryset.order_by("run", "row_number"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Dismiss held rows"),
            "subtitle": None,
            "rows": rows,
            "open_count": sum(row.status == HeldStatus.OPEN for row in rows),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/members/importheldrow/dismiss.html", context
        )


def _run_url(row: ImportHeldRow) -> str:
    return reverse("admin:members_importrun_change", args=[row.run_id])


def _fix_rows(form: HeldRowFixForm, columns, row: ImportHeldRow) -> list[dict]:
    """Return each column of the form with its cell as the file had it."""
    return [
        {
            "field": form[name],
            "column": column,
            "original": row.values.get(column.header, ""),
        }
        for name, column in zip(form.headers, columns, strict=True)
    ]
