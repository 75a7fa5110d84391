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
from django.db.models import BooleanField, Case, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members.forms.imports import HeldRowDismissForm, HeldRowFixForm
from members.models import ImportHeldRow
from members.scope import staff_unit_paths, unit_in_scope
from members.scoped_admin import ScopedModelAdmin
from members.services.hrm_review import (
    held_row_dismiss,
    held_row_fix,
    held_row_review,
    held_rows_dismiss_with_note,
)

HeldStatus = ImportHeldRow.Status


class HeldStatusFilter(admin.SimpleListFilter):
    """The queue by status; without a choice, every entry but previews' rows."""

    title = _("status")
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        return HeldStatus.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        # Previews' rows are shown on their run's page, never queued for review,
        # unless that run's rows are asked for.
        if "run__id__exact" in request.GET:
            return queryset
        return queryset.exclude(status=HeldStatus.PREVIEW)


@admin.register(ImportHeldRow)
class ImportHeldRowAdmin(ScopedModelAdmin):
    # What failed and whose row it is; every cell is on the row's own page.
    list_display = (
        "row_number",
        "employee_code",
        "full_name",
        "column",
        "reason",
        "status",
        "run",
    )
    list_display_links = ("row_number", "employee_code", "full_name")
    list_filter = (HeldStatusFilter,)
    list_select_related = ("run",)
    search_fields = ("employee_code", "full_name", "code", "reason", "column")
    fields = (
        "run",
        "row_number",
        "employee_code",
        "full_name",
        "column",
        "reason",
        "values_display",
        "status",
        "member_shown",
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

    @admin.display(description=_("member"))
    def member_shown(self, obj):
        if obj.member_id is None:
            return "-"
        if not obj.member_known:
            return _("A member of another unit")
        url = reverse("admin:members_member_change", args=[obj.member_id])
        return format_html('<a href="{}">{}</a>', url, obj.member)

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("run__employer", "member", "resolved_by")
        )
        return queryset.annotate(member_known=_member_known(request.user))

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
        if dismissing and dismiss_form.is_valid():
            note = dismiss_form.cleaned_data["note"]
            try:
                # The dismissal and its history entries land together.
                with transaction.atomic():
                    row = held_row_dismiss(row=row, user=request.user, note=note)
                    message = gettext("Row %(row)s dismissed: %(note)s") % {
                        "row": row.row_number,
                        "note": row.resolution_note,
                    }
                    self._log(request, row, message)
            except ValidationError as error:
                dismiss_form.add_error(None, error)
            else:
                messages.success(request, message)
                return redirect(_run_url(row))
        review = held_row_review(row=row)
        fix_form = HeldRowFixForm(
            None if dismissing else posted, columns=review.columns, original=row.values
        )
        fixing = posted is not None and not dismissing
        if fixing and review.fixable and fix_form.is_valid():
            try:
                with transaction.atomic():
                    member = held_row_fix(
                        row=row,
                        values=fix_form.row_values(),
                        user=request.user,
                        hrm=review.hrm,
                    )
                    if unit_in_scope(request.user, member.unit):
                        message = gettext(
                            "Row %(row)s fixed and imported: %(code)s %(name)s."
                        ) % {
                            "row": row.row_number,
                            "code": member.employee_code,
                            "name": member.full_name,
                        }
                    else:
                        # A transfer asked for: the other unit has not released
                        # the member, so nothing of them is shown (see transfers).
                        message = gettext(
                            "Row %(row)s fixed: its CCCD belongs to a member of "
                            "another unit; a transfer waits for that unit."
                        ) % {"row": row.row_number}
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
            "unfixable": review.unfixable,
            "file_error": review.file_error,
            "fix_form": fix_form,
            "fix_rows": _fix_rows(fix_form, review.columns, row),
            "original_values": list(row.values.items()),
            "dismiss_form": dismiss_form,
            "is_open": review.dismissable,
            "is_preview": row.status == HeldStatus.PREVIEW,
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


def _member_known(user):
    """Return whether the member a row landed on is in the user's scope."""
    paths = staff_unit_paths(user)
    if paths is None:
        return Value(True, output_field=BooleanField())
    q = Q(member__isnull=True)
    for unit_path in paths:
        q |= Q(member__unit__path__startswith=unit_path)
    return Case(
        When(q, then=Value(True)), default=Value(False), output_field=BooleanField()
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
