"""Admin of care cases and their visits, and the care radar: thin and scoped."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from members import services
from members.admin.privacy import AuditedChangeViewMixin, care_radar_audit
from members.models import CareCase, CareVisit
from members.scoped_admin import ScopedModelAdmin, ScopedTabularInline, action_run_each
from members.selectors.care import RADAR_LIMIT, care_radar
from members.selectors.register import member_search_q


class CareVisitInline(ScopedTabularInline):
    model = CareVisit
    extra = 1
    fields = ("visited_on", "visited_by", "amount", "note", "recorded_by")
    readonly_fields = ("recorded_by",)
    can_delete = False


class CareCaseForm(forms.ModelForm):
    class Meta:
        model = CareCase
        fields = (
            "member",
            "relative",
            "kind",
            "summary",
            "details",
            "opened_on",
            "follow_up_on",
        )

    def clean(self):
        cleaned = super().clean()
        member, relative = cleaned.get("member"), cleaned.get("relative")
        if member and relative and relative.member_id != member.pk:
            self.add_error("relative", _("This relative belongs to another member."))
        return cleaned


@admin.register(CareCase)
class CareCaseAdmin(AuditedChangeViewMixin, ScopedModelAdmin):
    form = CareCaseForm
    list_display = (
        "summary",
        "kind",
        "member",
        "opened_on",
        "last_visit_on",
        "status",
    )
    list_filter = ("status", "kind")
    list_select_related = ("member",)
    search_fields = ("summary",)
    autocomplete_fields = ("member", "relative")
    readonly_fields = ("status", "closed_on", "last_visit_on", "created_by")
    inlines = (CareVisitInline,)
    actions = ("close_cases", "reopen_cases")
    date_hierarchy = "opened_on"

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        q = member_search_q(search_term, prefix="member__")
        q |= Q(summary__icontains=search_term.strip())
        return queryset.filter(q), False

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["kind", "summary", "details", "follow_up_on"])
            return
        case = services.care_case_open(
            member=obj.member,
            relative=obj.relative,
            kind=obj.kind,
            summary=obj.summary,
            details=obj.details,
            opened_on=obj.opened_on,
            follow_up_on=obj.follow_up_on,
            actor=request.user,
        )
        obj.pk = case.pk

    def save_formset(self, request, form, formset, change):
        for visit in formset.save(commit=False):
            if visit.pk is None:
                services.care_visit_log(
                    case=form.instance,
                    visited_on=visit.visited_on,
                    visited_by=visit.visited_by,
                    amount=visit.amount,
                    note=visit.note,
                    actor=request.user,
                )
            else:
                visit.save()

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Close the selected cases"))
    def close_cases(self, request, queryset):
        action_run_each(request, queryset, services.care_case_close, as_="case")

    @admin.action(description=_("Reopen the selected cases"))
    def reopen_cases(self, request, queryset):
        action_run_each(request, queryset, services.care_case_reopen, as_="case")

    def get_urls(self):
        radar = self.admin_site.admin_view(self.radar_view)
        return [path("radar/", radar, name="members_care_radar"), *super().get_urls()]

    def radar_view(self, request):
        """Show open cases nobody visited lately and the dates coming up."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = max(1, min(int(request.GET.get("days", 14)), 90))
        except ValueError:
            days = 14
        radar = care_radar(user=request.user, days=days)
        care_radar_audit(request, radar)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Care radar"),
            "opts": self.model._meta,
            "limit": RADAR_LIMIT,
            **radar,
        }
        return TemplateResponse(request, "admin/members/carecase/radar.html", context)
