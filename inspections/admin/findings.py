"""Findings and recommendations in the admin: made and reviewed through the services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from inspections import services
from inspections.models import Finding, Recommendation
from inspections.selectors.followup import recommendations_overdue
from members.scope import unit_in_scope
from members.scoped_admin import ScopedModelAdmin, ScopedTabularInline


class RepeatedFilter(admin.SimpleListFilter):
    title = gettext_lazy("repeated")
    parameter_name = "repeated"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Found in an earlier year too"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(repeated_of__isnull=False)
        return queryset


class RecommendationInline(ScopedTabularInline):
    model = Recommendation
    extra = 0
    fields = ("text", "owner", "due_date", "status")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ("activity", "topic", "description")


@admin.register(Finding)
class FindingAdmin(ScopedModelAdmin):
    form = FindingForm
    list_display = ("topic", "inspected_unit", "activity", "repeated", "created_at")
    list_filter = (RepeatedFilter,)
    search_fields = ("topic", "inspected_unit__name")
    list_select_related = ("inspected_unit", "activity")
    autocomplete_fields = ("activity",)
    inlines = (RecommendationInline,)

    @admin.display(boolean=True, description=gettext_lazy("repeated"))
    def repeated(self, obj):
        return obj.repeated

    def get_readonly_fields(self, request, obj=None):
        return ("activity", "topic", "description") if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        finding = services.finding_record(
            actor=request.user,
            activity=obj.activity,
            topic=obj.topic,
            description=obj.description,
        )
        obj.pk = finding.pk


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Past due, the unit still to act"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            # The selector's filter on the changelist's own (scoped) rows.
            return recommendations_overdue(
                user=request.user, today=timezone.localdate(), queryset=queryset
            )
        return queryset


class RecommendationForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("decision on the response"),
        required=False,
        choices=[
            ("", "—"),
            ("accept", gettext_lazy("Accept the response")),
            ("return", gettext_lazy("Return it: more is needed")),
        ],
    )

    class Meta:
        model = Recommendation
        fields = ("finding", "text", "owner", "due_date", "review_note")


@admin.register(Recommendation)
class RecommendationAdmin(ScopedModelAdmin):
    form = RecommendationForm
    # No count of every row of the scope on each page (300,000 in the sector).
    show_full_result_count = False
    list_display = ("__str__", "inspected_unit", "owner", "due_date", "status")
    list_filter = ("status", OverdueFilter)
    search_fields = ("text", "inspected_unit__name", "owner__email")
    list_select_related = ("inspected_unit", "owner")
    autocomplete_fields = ("finding", "owner")
    # The evidence and the owner may be of the inspected unit: readable here.
    readonly_fields = (
        "status",
        "response",
        "response_evidence",
        "responded_by",
        "responded_at",
        "reviewed_by",
        "reviewed_at",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("finding", "text", "owner", "due_date")
        fields = ("finding", "text", "owner", "due_date", *self.readonly_fields)
        if obj.status == Recommendation.Status.RESPONDED:
            fields = (*fields, "decision", "review_note")
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("finding", "text", "owner", "due_date", *self.readonly_fields)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not unit_in_scope(request.user, obj.inspecting_unit):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.recommendation_create(
                actor=request.user,
                finding=data["finding"],
                text=data["text"],
                owner=data["owner"],
                due_date=data["due_date"],
            )
            obj.pk = saved.pk
            return
        if data.get("decision"):
            services.recommendation_review(
                actor=request.user,
                recommendation=obj,
                accept=data["decision"] == "accept",
                note=data.get("review_note") or "",
            )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        admin_self = self

        class Checked(form):
            def clean(self):
                cleaned = super().clean()
                if (
                    obj is not None
                    and cleaned.get("decision") == "return"
                    and not (cleaned.get("review_note") or "").strip()
                ):
                    raise ValidationError(admin_self.return_needs_note)
                return cleaned

        return Checked

    return_needs_note = gettext_lazy("Say what more is needed.")
