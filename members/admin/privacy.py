"""Admin of personal data protection: the audit trail, data-rights requests,
the audit of views and exports elsewhere in the admin, and the retention filter.
"""

import json
from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.models import AuditEvent, DataRightsRequest, Unit
from members.scoped_admin import ScopedModelAdmin, action_run_each
from members.selectors.privacy import retention_due, retention_undated
from members.selectors.register import member_search_q
from members.services.audit import audit_record
from members.services.data_rights import (
    data_rights_request_acknowledge,
    data_rights_request_check,
    data_rights_request_complete,
    data_rights_request_erase,
    data_rights_request_refuse,
    data_rights_request_submit,
)

Action = AuditEvent.Action
RequestStatus = DataRightsRequest.Status


# Audit of other admins ----------------------------------------------------------


class AuditedChangeViewMixin:
    """Record in the audit trail every opening of a record's change page.

    Mix it in before the ModelAdmin class: a GET that shows the change page
    (status 200) appends a VIEW event naming the record, its unit and the
    staff member; a POST and a refused opening record nothing here (writes
    are audited by the services).
    """

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        context = getattr(response, "context_data", None) or {}
        obj = context.get("original")
        if request.method == "GET" and response.status_code == 200 and obj:
            audit_record(
                actor=request.user,
                action=Action.VIEW,
                obj=obj,
                detail={"page": "change"},
            )
        return response


class MemberAuditMixin(AuditedChangeViewMixin):
    """Audit the member admin: the change page, exports, the picture's XLSX."""

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        filters = {key: value for key, value in request.GET.items() if key != "q"}
        audit_record(
            actor=request.user,
            action=Action.EXPORT,
            detail={
                "export": "members",
                "format": file_format.get_title(),
                "rows": queryset.count(),
                "searched": bool(request.GET.get("q")),
                "filters": filters,
            },
        )
        return data

    def register_picture_xlsx_view(self, request):
        response = super().register_picture_xlsx_view(request)
        if response.status_code == 200:
            unit_id = request.GET.get("unit", "")
            unit = (
                Unit.objects.filter(pk=unit_id).first() if unit_id.isdigit() else None
            )
            audit_record(
                actor=request.user,
                action=Action.EXPORT,
                unit=unit,
                detail={
                    "export": "register_picture",
                    "block": request.GET.get("block", ""),
                },
            )
        return response


def care_radar_audit(request, radar: dict) -> None:
    """Record which members' care data the radar showed to whom."""
    members = {case.member_id for case in radar["stale_cases"]}
    members |= {item.member.pk for item in radar["upcoming"]}
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        detail={
            "page": "care_radar",
            "days": radar.get("days"),
            "members": sorted(members),
        },
    )


class RetentionListFilter(admin.SimpleListFilter):
    """Members the retention task de-identifies: now, within 30 days, undated."""

    title = _("retention")
    parameter_name = "retention"

    def lookups(self, request, model_admin):
        return [
            ("due", _("To be de-identified at the next run")),
            ("soon", _("To be de-identified within 30 days")),
            ("undated", _("Left, date not recorded yet")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "due":
            return queryset.filter(pk__in=retention_due(today=today).values("pk"))
        if self.value() == "soon":
            soon = retention_due(today=today + timedelta(days=30))
            return queryset.filter(pk__in=soon.values("pk"))
        if self.value() == "undated":
            return queryset.filter(pk__in=retention_undated().values("pk"))
        return queryset


# The audit trail ------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    list_display = (
        "at",
        "action",
        "record_link",
        "actor",
        "actor_unit",
        "unit",
        "detail_display",
    )
    list_filter = ("action",)
    list_select_related = ("actor", "actor_unit", "unit", "content_type")
    search_fields = ("label",)
    date_hierarchy = "at"
    show_full_result_count = False
    fields = (
        "at",
        "action",
        "actor",
        "actor_unit",
        "content_type",
        "object_id",
        "label",
        "unit",
        "detail_display",
    )
    readonly_fields = fields

    @admin.display(description=_("record"), ordering="label")
    def record_link(self, obj):
        if not obj.content_type_id:
            return "—"
        try:
            url = reverse(
                f"admin:{obj.content_type.app_label}_{obj.content_type.model}_change",
                args=[obj.object_id],
            )
        except NoReverseMatch:
            return obj.label
        return format_html('<a href="{}">{}</a>', url, obj.label)

    @admin.display(description=_("detail"))
    def detail_display(self, obj):
        return json.dumps(obj.detail, ensure_ascii=False, sort_keys=True)

    # Append-only: nobody adds, changes or deletes, superusers included.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Data-rights requests ----------------------------------------------------------


class DeadlineListFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("open", _("Open"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            late_ack = queryset.filter(
                status=RequestStatus.RECEIVED, acknowledge_by__lt=today
            )
            late = queryset.filter(
                status__in=DataRightsRequest.OPEN, complete_by__lt=today
            )
            return late_ack | late
        if self.value() == "open":
            return queryset.filter(status__in=DataRightsRequest.OPEN)
        return queryset


def _deadline(day, *, pending: bool):
    """Return a deadline as staff read it: overdue in red, close ones in amber."""
    text = f"{day:%d/%m/%Y}"
    if not pending:
        return text
    left = (day - timezone.localdate()).days
    if left < 0:
        return format_html(
            '<span class="privacy-overdue">{} ({})</span>', text, _("overdue")
        )
    if left <= DataRightsRequest.DUE_SOON_DAYS:
        return format_html('<span class="privacy-due-soon">{}</span>', text)
    return text


class DataRightsRequestForm(forms.ModelForm):
    """A request staff record for a member (received on paper or by phone)."""

    class Meta:
        model = DataRightsRequest
        fields = ("member", "kind", "details", "response")

    def clean(self):
        cleaned = super().clean()
        member, kind = cleaned.get("member"), cleaned.get("kind")
        if self.instance.pk is None and member is not None and kind:
            try:
                data_rights_request_check(member=member, kind=kind)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(DataRightsRequest)
class DataRightsRequestAdmin(ScopedModelAdmin):
    form = DataRightsRequestForm
    list_display = (
        "__str__",
        "member",
        "kind",
        "status",
        "received_at",
        "acknowledge_by_display",
        "complete_by_display",
    )
    list_filter = (DeadlineListFilter, "status", "kind")
    list_select_related = ("member",)
    autocomplete_fields = ("member",)
    search_fields = ("member__full_name_folded",)
    actions = ("acknowledge", "complete", "erase", "refuse")

    class Media:
        css = {"all": ["members/css/admin/privacy.css"]}

    @admin.display(description=_("acknowledge by"), ordering="acknowledge_by")
    def acknowledge_by_display(self, obj):
        return _deadline(
            obj.acknowledge_by, pending=obj.status == RequestStatus.RECEIVED
        )

    @admin.display(description=_("complete by"), ordering="complete_by")
    def complete_by_display(self, obj):
        return _deadline(obj.complete_by, pending=obj.status in DataRightsRequest.OPEN)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("member", "kind", "details")
        return (
            "member",
            "kind",
            "details",
            "status",
            "received_at",
            "acknowledge_by_display",
            "complete_by_display",
            "acknowledged_at",
            "closed_at",
            "handled_by",
            "response",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fields = self.get_fields(request, obj)
        if obj.status not in DataRightsRequest.OPEN:
            return fields
        return tuple(name for name in fields if name != "response")

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(member_search_q(search_term, prefix="member__")), False

    def get_ordering(self, request):
        # Open requests first, the most urgent on top; then the closed, newest first.
        still_open = Case(
            When(status__in=DataRightsRequest.OPEN, then=Value(0)), default=Value(1)
        )
        return (still_open.asc(), "complete_by", "-received_at", "pk")

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["response"])
            return
        # Staff record a request received on paper or by phone.
        created = data_rights_request_submit(
            member=obj.member, kind=obj.kind, details=obj.details, actor=request.user
        )
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        # A request is the record of how the person's rights were handled.
        return False

    @admin.action(
        description=_("Acknowledge the selected requests"), permissions=("change",)
    )
    def acknowledge(self, request, queryset):
        action_run_each(
            request, queryset, data_rights_request_acknowledge, as_="request"
        )

    @admin.action(
        description=_("Mark the selected requests done"), permissions=("change",)
    )
    def complete(self, request, queryset):
        action_run_each(request, queryset, data_rights_request_complete, as_="request")

    @admin.action(
        description=_("Erase the personal data of the selected erasure requests"),
        permissions=("change",),
    )
    def erase(self, request, queryset):
        action_run_each(request, queryset, data_rights_request_erase, as_="request")

    @admin.action(
        description=_("Refuse the selected requests (with the answer written)"),
        permissions=("change",),
    )
    def refuse(self, request, queryset):
        action_run_each(request, queryset, data_rights_request_refuse, as_="request")
