"""Admin of transfers between units, completed by the side that did not propose them."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from members import services
from members.models import Transfer, Unit
from members.scoped_admin import ScopedModelAdmin, action_run_each
from members.selectors.register import member_search_q
from members.selectors.transfers import transfers_awaiting_q
from members.services.transfers import (
    transfer_deciding_side,
    transfer_member_label,
    transfers_with_member_known,
)


class TransferForm(forms.ModelForm):
    class Meta:
        model = Transfer
        fields = ("member", "to_unit", "transfer_on", "reason")

    def clean(self):
        cleaned = super().clean()
        member, to_unit = cleaned.get("member"), cleaned.get("to_unit")
        if member and to_unit:
            try:
                services.transfer_check(member=member, to_unit=to_unit)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class AwaitingListFilter(admin.SimpleListFilter):
    """The pending transfers that the user's units must decide (the staff home)."""

    title = _("waiting for")
    parameter_name = "awaiting"

    def lookups(self, request, model_admin):
        return [("yes", _("Your units' decision"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(transfers_awaiting_q(user=request.user))
        return queryset


@admin.register(Transfer)
class TransferAdmin(ScopedModelAdmin):
    """Both sides see a transfer; the service decides who acts and who knows whom."""

    form = TransferForm
    list_display = (
        "member_shown",
        "from_unit_shown",
        "to_unit",
        "transfer_on",
        "state",
        "waiting_for",
    )
    list_filter = (AwaitingListFilter, "state")
    list_select_related = ("member", "from_unit", "to_unit")
    autocomplete_fields = ("member",)
    # The receiving unit may lie outside the sender's subtree: that is a transfer.
    unscoped_fields = ("to_unit",)
    actions = ("confirm_transfers", "reject_transfers", "cancel_transfers")
    shown_fields = (
        "member_shown",
        "from_unit_shown",
        "to_unit",
        "transfer_on",
        "reason",
        "state",
        "proposer_side",
        "waiting_for",
        "requested_by",
        "decided_by",
        "decided_at",
    )

    def get_queryset(self, request):
        return transfers_with_member_known(
            super().get_queryset(request), user=request.user
        )

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        # Only members the user may know are searched for: no name oracle.
        queryset = queryset.filter(
            member_search_q(search_term, prefix="member__"), member_known=True
        )
        return queryset, False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "to_unit":
            kwargs["queryset"] = Unit.objects.filter(
                is_active=True, level__in=[Unit.Level.GRASSROOTS, Unit.Level.GROUP]
            ).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("member", "to_unit", "transfer_on", "reason")
        return self.shown_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.shown_fields

    @admin.display(description=_("member"))
    def member_shown(self, obj):
        return transfer_member_label(obj)

    @admin.display(description=_("from unit"))
    def from_unit_shown(self, obj):
        return obj.from_unit if obj.member_known else _("another unit")

    @admin.display(description=_("waiting for"))
    def waiting_for(self, obj):
        if obj.state != Transfer.State.PENDING:
            return "—"
        return Transfer.Side(transfer_deciding_side(obj)).label

    def save_model(self, request, obj, form, change):
        if change:
            return
        transfer = services.transfer_request(
            member=obj.member,
            to_unit=obj.to_unit,
            transfer_on=obj.transfer_on,
            reason=obj.reason,
            actor=request.user,
        )
        # The admin logs and names the new transfer by obj, which needs its pk.
        obj.pk, obj.from_unit = transfer.pk, transfer.from_unit

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Confirm the selected transfers (release or accept)"))
    def confirm_transfers(self, request, queryset):
        action_run_each(request, queryset, services.transfer_confirm, as_="transfer")

    @admin.action(description=_("Refuse the selected transfers (the other unit)"))
    def reject_transfers(self, request, queryset):
        action_run_each(request, queryset, services.transfer_reject, as_="transfer")

    @admin.action(description=_("Withdraw the selected transfers (their proposer)"))
    def cancel_transfers(self, request, queryset):
        action_run_each(request, queryset, services.transfer_cancel, as_="transfer")
