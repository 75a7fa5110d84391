"""Admin of consultations: a care officer makes the appointment, then the outcome.

Thin and scoped: every surface reads through members.scope and every write
goes through members.services.consultations. Members ask through the portal.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.admin.privacy import AuditedChangeViewMixin
from members.admin.programmes import _error_text
from members.models import ConsultationRequest
from members.scoped_admin import ScopedModelAdmin, action_run_each
from members.selectors.consultations import appointments_q
from members.selectors.register import member_search_q
from members.services import consultations as consultation_services


class ConsultationForm(forms.ModelForm):
    outcome = forms.ChoiceField(
        label=_("outcome"),
        required=False,
        choices=[
            ("", "—"),
            *[(status.value, status.label) for status in ConsultationRequest.OUTCOMES],
        ],
        help_text=_("After the appointment. No medical details are recorded."),
    )

    class Meta:
        model = ConsultationRequest
        fields = ("scheduled_at", "adviser", "place")

    def clean(self):
        # Runs before the form's values reach the instance: it is still as stored.
        cleaned = super().clean()
        stored = self.instance
        if cleaned.get("outcome"):
            if stored.status != ConsultationRequest.Status.SCHEDULED:
                self.add_error(
                    "outcome", _("Only a scheduled consultation has an outcome.")
                )
            elif stored.scheduled_at and stored.scheduled_at > timezone.now():
                self.add_error("outcome", _("The appointment has not taken place yet."))
            return cleaned
        if {"scheduled_at", "adviser", "place"} & set(self.changed_data):
            when = cleaned.get("scheduled_at")
            if when is None:
                self.add_error("scheduled_at", _("Choose the time of the appointment."))
            elif when <= timezone.now():
                self.add_error("scheduled_at", _("The appointment must be ahead."))
            if not (cleaned.get("adviser") or "").strip():
                self.add_error("adviser", _("Name the adviser."))
        return cleaned


class AppointmentListFilter(admin.SimpleListFilter):
    """Appointments coming up this week (the staff home's card)."""

    title = _("appointment")
    parameter_name = "appointments"

    def lookups(self, request, model_admin):
        return [("week", _("In the next 7 days"))]

    def queryset(self, request, queryset):
        if self.value() == "week":
            return queryset.filter(appointments_q(today=timezone.localdate()))
        return queryset


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(AuditedChangeViewMixin, ScopedModelAdmin):
    # The topic is a health or policy question: each opening is audited.
    form = ConsultationForm
    list_display = (
        "member",
        "topic",
        "mode",
        "status",
        "created_at",
        "scheduled_at",
        "adviser",
    )
    list_filter = ("status", AppointmentListFilter, "topic", "mode")
    list_select_related = ("member",)
    search_fields = ("member__full_name_folded",)
    readonly_fields = (
        "member",
        "topic",
        "subject",
        "mode",
        "preferred_times",
        "status",
        "created_at",
        "scheduled_by",
        "outcome_recorded_by",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "member",
                    ("topic", "mode"),
                    "subject",
                    "preferred_times",
                    ("status", "created_at"),
                )
            },
        ),
        (
            _("Appointment"),
            {"fields": ("scheduled_at", "adviser", "place", "scheduled_by")},
        ),
        (_("Outcome"), {"fields": ("outcome", "outcome_recorded_by")}),
    )
    actions = ("cancel_consultations",)
    date_hierarchy = "created_at"

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(member_search_q(search_term, prefix="member__")), False

    def has_add_permission(self, request):
        return False  # members ask through the portal

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status not in consultation_services.OPEN_STATUSES:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        outcome = form.cleaned_data.get("outcome")
        try:
            if outcome:
                consultation_services.consultation_outcome_record(
                    consultation=obj, outcome=outcome, actor=request.user
                )
            elif {"scheduled_at", "adviser", "place"} & set(form.changed_data):
                consultation_services.consultation_schedule(
                    consultation=obj,
                    scheduled_at=form.cleaned_data["scheduled_at"],
                    adviser=form.cleaned_data["adviser"],
                    place=form.cleaned_data["place"],
                    actor=request.user,
                )
        except ValidationError as error:
            messages.error(request, _error_text(error))

    @admin.action(description=_("Cancel the selected consultations"))
    def cancel_consultations(self, request, queryset):
        action_run_each(
            request,
            queryset,
            consultation_services.consultation_cancel,
            as_="consultation",
        )
