"""Admin of assignments (through the service) and of learners' records (read-only)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from learning import services
from learning.admin.reports import CourseReportAdminMixin
from learning.models import (
    Assignment,
    Attempt,
    Course,
    Enrolment,
    LessonCompletion,
    VideoProgress,
)
from members.scoped_admin import ScopedModelAdmin


class AssignmentForm(forms.ModelForm):
    actor = None  # set by AssignmentAdmin.get_form

    class Meta:
        model = Assignment
        fields = ("course", "unit", "deadline")

    def clean(self):
        cleaned = super().clean()
        course = cleaned.get("course") or getattr(self.instance, "course", None)
        unit = cleaned.get("unit") or getattr(self.instance, "unit", None)
        if course is None or unit is None:
            return cleaned
        try:
            services.course_assign_check(
                course=course,
                units=[unit],
                deadline=cleaned.get("deadline"),
                actor=self.actor,
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error
        return cleaned


@admin.register(Assignment)
class AssignmentAdmin(ScopedModelAdmin):
    form = AssignmentForm
    list_display = ("course", "unit", "deadline", "assigned_by", "created_at")
    list_select_related = ("course", "unit", "assigned_by")
    list_filter = ("deadline",)
    search_fields = ("course__title", "unit__name", "unit__code")
    autocomplete_fields = ("unit",)
    readonly_fields = ("assigned_by", "created_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return (*self.readonly_fields, "course", "unit")
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "course":
            kwargs["queryset"] = Course.objects.filter(
                status=Course.Status.PUBLISHED
            ).select_related("owner_unit")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        (assignment,) = services.course_assign(
            course=obj.course,
            units=[obj.unit],
            deadline=obj.deadline,
            actor=request.user,
        )
        obj.pk = assignment.pk

    def has_delete_permission(self, request, obj=None):
        # Members enrolled by it keep learning; a deadline may move instead.
        return False


class ReadOnlyAdmin(ScopedModelAdmin):
    """Learners' records: written by the services, read here in the staff scope."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CompletedFilter(admin.SimpleListFilter):
    title = _("completed")
    parameter_name = "completed"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(completed_at__isnull=self.value() == "no")
        return queryset


_MEMBER_SEARCH = ("member__full_name", "member__employee_code")


@admin.register(Enrolment)
class EnrolmentAdmin(CourseReportAdminMixin, ReadOnlyAdmin):
    list_display = (
        "member",
        "course",
        "source",
        "deadline",
        "enrolled_at",
        "completed_at",
    )
    list_filter = ("source", CompletedFilter)
    list_select_related = ("member", "course")
    search_fields = (*_MEMBER_SEARCH, "course__title")


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdmin):
    list_display = (
        "member",
        "quiz",
        "number",
        "started_at",
        "submitted_at",
        "score",
        "passed",
        "late",
    )
    list_filter = ("passed", "late")
    list_select_related = ("member", "quiz__lesson")
    search_fields = (*_MEMBER_SEARCH, "quiz__lesson__title")
    exclude = ("layout", "responses")


@admin.register(VideoProgress)
class VideoProgressAdmin(ReadOnlyAdmin):
    list_display = (
        "member",
        "lesson",
        "covered_seconds",
        "active_seconds",
        "completed_at",
    )
    list_select_related = ("member", "lesson")
    search_fields = (*_MEMBER_SEARCH, "lesson__title")
    exclude = ("intervals",)


@admin.register(LessonCompletion)
class LessonCompletionAdmin(ReadOnlyAdmin):
    list_display = ("member", "lesson", "completed_at")
    list_select_related = ("member", "lesson")
    search_fields = (*_MEMBER_SEARCH, "lesson__title")
