"""Plans and activities in the admin: the split dashboard, the year's XLSX."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportMixin

from inspections import services
from inspections.admin.dashboard import dashboard_context
from inspections.exports import year_querysets, year_workbook
from inspections.forms.activities import (
    ActivityAdminForm,
    PlanConfirmImportForm,
    PlanImportForm,
)
from inspections.models import (
    Activity,
    ActivityDocument,
    AnswerSubmission,
    ChecklistAnswer,
    Plan,
)
from inspections.resources import ActivityImportResource
from members.models import Unit
from members.resources import XLSX_CONTENT_TYPE
from members.scope import scoped, unit_in_scope
from members.scoped_admin import (
    ScopedModelAdmin,
    ScopedTabularInline,
    action_run_each,
)
from members.services.audit import audit_record


@admin.register(Plan)
class PlanAdmin(ScopedModelAdmin):
    list_display = ("title", "inspecting_unit", "year", "created_at")
    list_filter = ("year",)
    search_fields = ("title", "inspecting_unit__name")
    list_select_related = ("inspecting_unit",)
    autocomplete_fields = ("inspecting_unit",)
    fields = ("inspecting_unit", "year", "title", "notes")

    def get_readonly_fields(self, request, obj=None):
        return ("inspecting_unit", "year") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["title", "notes"])
            return
        try:
            created = services.plan_create(
                actor=request.user,
                inspecting_unit=obj.inspecting_unit,
                year=obj.year,
                title=obj.title,
            )
        except ValidationError as error:
            raise PermissionDenied("; ".join(error.messages)) from error
        created.notes = obj.notes
        created.save(update_fields=["notes"])
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        # A plan keeps its activities: the split is counted from them.
        return False


class DocumentInline(ScopedTabularInline):
    model = ActivityDocument
    extra = 0
    fields = ("kind", "title", "file", "uploaded_by", "uploaded_at", "review")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AnswerInline(ScopedTabularInline):
    model = ChecklistAnswer
    extra = 0
    fields = (
        "item",
        "verdict",
        "score",
        "text",
        "comment",
        "evidence",
        "answered_by",
        "answered_at",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ConflictFilter(admin.SimpleListFilter):
    title = gettext_lazy("conflicting answers")
    parameter_name = "conflicts"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Waiting for the lead"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(
                submissions__outcome=AnswerSubmission.Outcome.CONFLICT
            ).distinct()
        return queryset


class WeekFilter(admin.SimpleListFilter):
    title = gettext_lazy("starting")
    parameter_name = "starting"

    def lookups(self, request, model_admin):
        return [("week", gettext_lazy("In the coming seven days"))]

    def queryset(self, request, queryset):
        if self.value() == "week":
            from inspections.selectors.followup import activities_week

            week = activities_week(user=request.user, today=timezone.localdate())
            return queryset.filter(pk__in=week.values("pk"))
        return queryset


def _status_action(status: str, label):
    def action(modeladmin, request, queryset):
        action_run_each(
            request,
            queryset,
            lambda *, activity, actor: services.activity_status_set(
                actor=actor, activity=activity, status=status
            ),
            as_="activity",
        )

    action.__name__ = f"mark_{status}"
    action.short_description = label
    return action


@admin.register(Activity)
class ActivityAdmin(ImportMixin, ScopedModelAdmin):
    form = ActivityAdminForm
    resource_classes = (ActivityImportResource,)
    import_form_class = PlanImportForm
    confirm_form_class = PlanConfirmImportForm
    list_display = (
        "topic",
        "kind",
        "mode",
        "inspected_unit",
        "planned_start",
        "status",
    )
    list_filter = ("year", "kind", "mode", "status", WeekFilter, ConflictFilter)
    search_fields = ("topic", "inspected_unit__name")
    list_select_related = ("inspected_unit",)
    autocomplete_fields = (
        "plan",
        "inspected_unit",
        "lead",
        "team",
        "contacts",
        "checklist",
    )
    readonly_fields = ("status", "original_start", "cancelled_reason")
    inlines = (DocumentInline, AnswerInline)
    actions = (
        _status_action(
            Activity.Status.IN_PROGRESS, gettext_lazy("Start the selected activities")
        ),
        _status_action(
            Activity.Status.CONCLUDED, gettext_lazy("Conclude the selected activities")
        ),
        _status_action(
            Activity.Status.CLOSED,
            gettext_lazy("Close the follow-up of the selected activities"),
        ),
    )
    change_list_template = "admin/inspections/activity/change_list.html"

    # The plan's import (django-import-export): upload, preview, confirm.

    def _plans(self, request):
        return scoped(Plan.objects.select_related("inspecting_unit"), request.user)

    def get_import_form_kwargs(self, request):
        kwargs = super().get_import_form_kwargs(request)
        return {**kwargs, "plans": self._plans(request)}

    def get_confirm_form_kwargs(self, request, import_form=None):
        kwargs = super().get_confirm_form_kwargs(request, import_form)
        return {**kwargs, "plans": self._plans(request)}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["plan"] = import_form.cleaned_data["plan"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        # Also asked before the form is posted, to list the file's columns.
        cleaned = getattr(kwargs.get("form"), "cleaned_data", {})
        return {"plan": cleaned.get("plan"), "user": request.user}

    def get_fields(self, request, obj=None):
        return (
            *ActivityAdminForm.Meta.fields,
            "status",
            "original_start",
            "cancelled_reason",
        )

    def has_change_permission(self, request, obj=None):
        # Staff of the inspected unit see its activities; only the inspecting
        # unit's staff change them.
        if obj is not None and not unit_in_scope(request.user, obj.inspecting_unit):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Cancelled, never deleted: the split counts cancellations.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        people = {
            "team": list(data.get("team") or ()),
            "contacts": list(data.get("contacts") or ()),
        }
        if change:
            fields = {
                name: data.get(name)
                for name in services.activities.EDITABLE
                if name in data
            }
            saved = services.activity_update(
                actor=request.user, activity=obj, **fields, **people
            )
        else:
            saved = services.activity_create(
                actor=request.user,
                plan=data["plan"],
                inspected_unit=data["inspected_unit"],
                kind=data["kind"],
                mode=data["mode"],
                topic=data["topic"],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                lead=data["lead"],
                checklist=data.get("checklist"),
                **people,
            )
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        # The team and contacts were set by the service, with its checks.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # The dashboard and the export ------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("ty-le/", wrap(self.split_view), name="inspections_activity_split"),
            path(
                "xuat-xlsx/",
                wrap(self.export_view),
                name="inspections_activity_year_xlsx",
            ),
            *super().get_urls(),
        ]

    def _filters(self, request) -> tuple[int, Unit | None, int | None]:
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        try:
            year = int(request.GET.get("year") or today.year)
            quarter = (
                int(request.GET["quarter"]) if request.GET.get("quarter") else None
            )
            unit_id = int(request.GET["unit"]) if request.GET.get("unit") else None
        except ValueError as error:
            raise Http404(_("No such period or unit.")) from error
        if quarter is not None and quarter not in (1, 2, 3, 4):
            raise Http404(_("No such period or unit."))
        unit = None
        if unit_id is not None:
            unit = scoped(Unit.objects.all(), request.user).filter(pk=unit_id).first()
            if unit is None:
                raise Http404(_("No such period or unit."))
        return year, unit, quarter

    def split_view(self, request):
        year, unit, quarter = self._filters(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Online and in-person split, %(year)s") % {"year": year},
            **dashboard_context(request.user, year=year, unit=unit, quarter=quarter),
            "export_url": reverse("admin:inspections_activity_year_xlsx")
            + f"?year={year}"
            + (f"&unit={unit.pk}" if unit else ""),
        }
        return TemplateResponse(
            request, "admin/inspections/activity/split.html", context
        )

    def export_view(self, request):
        year, unit, _quarter = self._filters(request)
        activities = self.get_queryset(request)
        if unit is not None:
            activities = activities.filter(inspecting_unit__path__startswith=unit.path)
        querysets = year_querysets(scoped_activities=activities, year=year)
        querysets["findings"] = scoped(querysets["findings"], request.user)
        querysets["recommendations"] = scoped(
            querysets["recommendations"], request.user
        )
        audit_record(
            actor=request.user,
            action="export",
            unit=unit,
            detail={"action": "inspection_year_export", "year": year},
        )
        name = f"kiem-tra-giam-sat-{year}-{timezone.localdate():%Y%m%d}.xlsx"
        return FileResponse(
            year_workbook(**querysets),
            as_attachment=True,
            filename=name,
            content_type=XLSX_CONTENT_TYPE,
        )


@admin.register(AnswerSubmission)
class AnswerSubmissionAdmin(ScopedModelAdmin):
    """Every answer sent, and the conflicts the lead settles (in the portal)."""

    list_display = (
        "item",
        "activity",
        "submitted_by",
        "answered_at",
        "received_at",
        "source",
        "outcome",
    )
    list_filter = ("outcome", "source")
    search_fields = ("activity__topic", "submitted_by__email")
    list_select_related = ("item", "activity", "submitted_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActivityDocument)
class ActivityDocumentAdmin(ScopedModelAdmin):
    """The files of activities: who sent what, when, and the team's review."""

    list_display = ("title", "activity", "kind", "uploaded_by", "uploaded_at", "review")
    list_filter = ("kind", "review")
    search_fields = ("title", "activity__topic")
    list_select_related = ("activity", "uploaded_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
