"""Admin of courses, their modules and lessons: thin, scoped by the owner unit."""

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from learning import services
from learning.admin.question_bank import QuestionBankAdminMixin
from learning.models import Course, Lesson, Module
from members.scoped_admin import (
    ScopedModelAdmin,
    ScopedTabularInline,
    action_run_each,
)


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = (
            "title",
            "slug",
            "summary",
            "cover",
            "category",
            "audience",
            "audience_units",
            "status",
            "deadline",
            "owner_unit",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == Course.Audience.UNITS and not cleaned.get(
            "audience_units"
        ):
            self.add_error(
                "audience_units",
                _("Choose the units whose members this course is for."),
            )
        return cleaned


class ModuleInline(ScopedTabularInline):
    model = Module
    extra = 0
    fields = ("order", "title")
    ordering = ("order", "pk")
    show_change_link = True


@admin.register(Course)
class CourseAdmin(QuestionBankAdminMixin, ScopedModelAdmin):
    form = CourseForm
    list_display = (
        "title",
        "version",
        "category",
        "audience",
        "status",
        "owner_unit",
        "deadline",
    )
    list_filter = ("status", "category", "audience")
    list_select_related = ("owner_unit",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("owner_unit", "audience_units")
    readonly_fields = ("version", "copied_from", "created_by")
    inlines = (ModuleInline,)
    actions = ("copy_as_new_version",)

    @admin.action(description=_("Copy as a new version"), permissions=["add"])
    def copy_as_new_version(self, request, queryset):
        action_run_each(request, queryset, services.course_copy, as_="course")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "report_url": reverse("admin:learning_enrolment_report")
            + f"?course={int(object_id)}"
            if object_id.isdigit()
            else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # A published course keeps its learners; only a draft may go.
        if obj is not None and obj.status != Course.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)


class LessonInline(ScopedTabularInline):
    model = Lesson
    extra = 0
    fields = ("order", "title", "kind", "required")
    ordering = ("order", "pk")
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # A lesson's video, text or quiz is edited on its own page.
        return False


@admin.register(Module)
class ModuleAdmin(ScopedModelAdmin):
    list_display = ("title", "course", "order")
    list_select_related = ("course",)
    search_fields = ("title", "course__title")
    autocomplete_fields = ("course",)
    ordering = ("course", "order", "pk")
    inlines = (LessonInline,)


@admin.register(Lesson)
class LessonAdmin(ScopedModelAdmin):
    list_display = ("title", "module", "kind", "order", "required")
    list_filter = ("kind", "required")
    list_select_related = ("module__course",)
    search_fields = ("title", "module__title", "module__course__title")
    autocomplete_fields = ("module",)
    ordering = ("module__course", "module__order", "order", "pk")
    readonly_fields = ("low_bitrate_file",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("module", "title", "kind", ("order", "required"))}),
        (_("Text"), {"fields": ("body",)}),
        (
            _("Video"),
            {
                "fields": (
                    ("video_file", "video_url"),
                    "duration_seconds",
                    "captions",
                    "transcript",
                    "low_bitrate_file",
                )
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "video_file" in form.changed_data:
            # A new upload gets its low-bitrate rendition from a worker.
            services.lesson_video_changed(lesson=obj)
