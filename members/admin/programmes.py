"""Admin of care programmes, eligible lists, deliveries and budgets.

Thin and scoped: every surface reads through members.scope and every write
goes through members.services.programmes. A programme is changed by the staff
of its organising unit (or above); the staff of the units under it see it,
read-only, where their units have eligible rows, and record the deliveries of
their own lists.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from members.admin.register import UnitSubtreeFilter
from members.models import (
    CareProgramme,
    ProgrammeAmountBand,
    ProgrammeBudget,
    ProgrammeDelivery,
    ProgrammeEligibility,
    ProgrammeRule,
    ProgrammeTemplate,
    Unit,
)
from members.money import vnd
from members.scope import scoped, unit_in_scope
from members.scoped_admin import (
    ScopedModelAdmin,
    ScopedTabularInline,
    action_run_each,
)
from members.selectors.programmes import (
    budgets_with_spent,
    delivery_of_row,
    eligibility_undelivered,
    eligibility_with_delivery,
    programme_counts,
)
from members.selectors.register import member_search_q
from members.services import programmes as services


def _error_text(error) -> str:
    return "; ".join(getattr(error, "messages", [str(error)]))


class ProgrammeFilter(admin.SimpleListFilter):
    """Filter by programme, offering only the programmes the user may see."""

    title = _("care programme")
    parameter_name = "programme"

    def lookups(self, request, model_admin):
        programmes = scoped(CareProgramme.objects.all(), request.user)
        return [
            (str(pk), name)
            for pk, name in programmes.order_by("-period_start", "name").values_list(
                "pk", "name"
            )[:100]
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(programme_id=int(self.value()))
        except ValueError:
            return queryset.none()


# "Delivery" of a benefit, not of a notification.
DELIVERY = pgettext_lazy("care programme", "delivery")


class DeliveredFilter(admin.SimpleListFilter):
    title = DELIVERY
    parameter_name = "delivered"

    def lookups(self, request, model_admin):
        return [("yes", _("Recorded")), ("no", _("Not yet recorded"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(Exists(delivery_of_row()))
        if self.value() == "no":
            return eligibility_undelivered(queryset)
        return queryset


# Programmes -------------------------------------------------------------------


class ProgrammeRuleForm(forms.ModelForm):
    class Meta:
        model = ProgrammeRule
        fields = ("field", "operator", "value")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Codes ("female") shown as the labels staff type, which the rule reads.
        if self.instance.pk and not self.is_bound:
            self.initial["value"] = self.instance.value_display()


class ProgrammeRuleInline(ScopedTabularInline):
    model = ProgrammeRule
    form = ProgrammeRuleForm
    extra = 1
    fields = ("field", "operator", "value")
    readonly_fields = ("rule_shown",)

    def get_fields(self, request, obj=None):
        # Read only, the parts would show their stored codes ("female"): the
        # rule is shown as a sentence instead.
        if not self.has_change_permission(request, obj):
            return ("rule_shown",)
        return self.fields

    @admin.display(description=_("rules"))
    def rule_shown(self, obj):
        return str(obj)


class ProgrammeAmountBandInline(ScopedTabularInline):
    model = ProgrammeAmountBand
    extra = 0
    fields = ("from_age", "amount")


class ProgrammeBudgetForm(forms.ModelForm):
    class Meta:
        model = ProgrammeBudget
        fields = ("unit", "amount")

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        programme = getattr(self.instance, "programme", None)
        organiser = getattr(programme, "unit", None) if programme else None
        if unit and organiser and not unit.path.startswith(organiser.path):
            self.add_error("unit", _("Choose the organising unit or a unit under it."))
        return cleaned


class ProgrammeBudgetInline(ScopedTabularInline):
    model = ProgrammeBudget
    form = ProgrammeBudgetForm
    extra = 0
    fields = ("unit", "amount", "spent_display")
    readonly_fields = ("spent_display",)
    autocomplete_fields = ("unit",)

    def get_queryset(self, request):
        return budgets_with_spent(super().get_queryset(request).select_related("unit"))

    @admin.display(description=_("spent"))
    def spent_display(self, obj):
        return vnd(getattr(obj, "spent", 0)) if obj.pk else "—"


class CareProgrammeForm(forms.ModelForm):
    class Meta:
        model = CareProgramme
        fields = (
            "unit",
            "name",
            "description",
            "beneficiary",
            "benefit",
            "gift",
            "amount",
            "extra_amount",
            "period_start",
            "period_end",
            "reference_on",
        )

    def clean_unit(self):
        unit = self.cleaned_data["unit"]
        stored = self.instance
        if stored.pk and unit != stored.unit and stored.deliveries.exists():
            raise ValidationError(_("Deliveries are recorded: the unit cannot change."))
        return unit


@admin.register(CareProgramme)
class CareProgrammeAdmin(ScopedModelAdmin):
    form = CareProgrammeForm
    list_display = (
        "name",
        "unit",
        "period_start",
        "period_end",
        "benefit_display",
        "status",
        "listed_display",
        "reached_display",
    )
    list_filter = ("status", "beneficiary", "benefit")
    list_select_related = ("unit",)
    search_fields = ("name",)
    autocomplete_fields = ("unit",)
    readonly_fields = (
        "status",
        "template",
        "refreshed_at",
        "rules_display",
        "lists_display",
    )
    fieldsets = (
        (None, {"fields": ("unit", "name", "description", "status", "template")}),
        (
            _("Benefit"),
            {
                "fields": (
                    ("beneficiary", "benefit"),
                    "gift",
                    ("amount", "extra_amount"),
                )
            },
        ),
        (
            _("Period"),
            {"fields": (("period_start", "period_end"), "reference_on")},
        ),
        (_("Eligible list"), {"fields": ("rules_display", "lists_display")}),
    )
    inlines = (ProgrammeRuleInline, ProgrammeAmountBandInline, ProgrammeBudgetInline)
    actions = ("open_programmes", "close_programmes", "refresh_lists")

    def get_queryset(self, request):
        return programme_counts(super().get_queryset(request))

    def _owns(self, request, obj) -> bool:
        return obj is None or unit_in_scope(request.user, obj.unit)

    def has_change_permission(self, request, obj=None):
        if obj is not None and (
            obj.status == CareProgramme.Status.CLOSED or not self._owns(request, obj)
        ):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Close a programme instead: its list and deliveries are its history.
        return False

    def get_inlines(self, request, obj):
        # Others see the rules as text: the parts are scoped to the organiser.
        return self.inlines if self._owns(request, obj) else ()

    @admin.display(description=_("benefit"))
    def benefit_display(self, obj):
        amount = vnd(obj.amount)
        return f"{obj.gift} ({amount})" if obj.gift else amount

    @admin.display(description=_("listed"), ordering="listed_count")
    def listed_display(self, obj):
        return getattr(obj, "listed_count", None)

    @admin.display(description=_("delivered"), ordering="reached_count")
    def reached_display(self, obj):
        return getattr(obj, "reached_count", None)

    @admin.display(description=_("rules"))
    def rules_display(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rules = [(str(rule),) for rule in obj.rules.all()]
        bands = [
            (
                _("from %(age)s years: %(amount)s")
                % {"age": b.from_age, "amount": vnd(b.amount)},
            )
            for b in obj.bands.all()
        ]
        if not rules and not bands:
            return _("No rules: every member of the units.")
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", rules + bands)
        )

    @admin.display(description=_("lists"))
    def lists_display(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        eligible = reverse("admin:members_programmeeligibility_changelist")
        budgets = reverse("admin:members_programmebudget_changelist")
        return format_html(
            '<a href="{}?programme={}">{}</a> · <a href="{}?programme={}">{}</a>',
            eligible,
            obj.pk,
            _("Eligible list of your units"),
            budgets,
            obj.pk,
            _("Budgets and spending"),
        )

    def save_model(self, request, obj, form, change):
        services.programme_save(programme=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        for part in formset.save(commit=False):
            services.programme_part_save(part=part, actor=request.user)
        for part in formset.deleted_objects:
            services.programme_part_delete(part=part, actor=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._refresh(request, form.instance)

    def _refresh(self, request, programme) -> None:
        result = services.programme_eligibility_refresh(programme_id=programme.pk)
        listed = ProgrammeEligibility.objects.filter(programme=programme).count()
        messages.info(
            request,
            _(
                "Eligible list of %(name)s: %(listed)s listed, %(changed)s added "
                "or changed, %(removed)s removed."
            )
            % {"name": programme.name, "listed": listed, **result},
        )

    @admin.action(
        description=_("Open the selected programmes to their members"),
        permissions=["change"],
    )
    def open_programmes(self, request, queryset):
        action_run_each(request, queryset, services.programme_open, as_="programme")

    @admin.action(
        description=_("Close the selected programmes"), permissions=["change"]
    )
    def close_programmes(self, request, queryset):
        action_run_each(request, queryset, services.programme_close, as_="programme")

    @admin.action(
        description=_("Generate the eligible lists again"), permissions=["change"]
    )
    def refresh_lists(self, request, queryset):
        for programme in queryset:
            if not self._owns(request, programme):
                messages.error(
                    request,
                    _("%(name)s: only its organising unit may do this.")
                    % {"name": programme.name},
                )
                continue
            self._refresh(request, programme)

    def get_urls(self):
        view = self.admin_site.admin_view(self.from_template_view)
        return [
            path("from-template/", view, name="members_careprogramme_from_template"),
            *super().get_urls(),
        ]

    def from_template_view(self, request):
        """List the templates and create a draft programme from one."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = FromTemplateForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                programme = services.programme_create_from_template(
                    template=data["template"],
                    unit=data["unit"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    reference_on=data["reference_on"],
                    name=data["name"],
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self._refresh(request, programme)
                messages.success(
                    request,
                    _("%(name)s was created as a draft: check it, then open it.")
                    % {"name": programme.name},
                )
                return redirect("admin:members_careprogramme_change", programme.pk)
        templates = [
            (template, template_rules(template))
            for template in ProgrammeTemplate.objects.filter(is_active=True)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add a programme from a template"),
            "opts": self.model._meta,
            "form": form,
            "templates": templates,
        }
        return TemplateResponse(
            request, "admin/members/careprogramme/from_template.html", context
        )


def template_rules(template: ProgrammeTemplate) -> list[str]:
    """Return a template's rules and amounts as the admin words them."""
    definition = template.definition or {}
    lines = [
        str(ProgrammeRule(field=r["field"], operator=r["operator"], value=r["value"]))
        for r in definition.get("rules", [])
    ]
    lines.append(_("Amount: %(amount)s") % {"amount": vnd(definition.get("amount", 0))})
    for band in definition.get("bands", []):
        lines.append(
            _("from %(age)s years: %(amount)s")
            % {"age": band["from_age"], "amount": vnd(band["amount"])}
        )
    if definition.get("extra_amount"):
        lines.append(
            _("plus %(amount)s for each further relative")
            % {"amount": vnd(definition["extra_amount"])}
        )
    return lines


class FromTemplateForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("template"), queryset=ProgrammeTemplate.objects.filter(is_active=True)
    )
    unit = forms.ModelChoiceField(
        label=_("organising unit"), queryset=Unit.objects.none()
    )
    name = forms.CharField(
        label=_("name"), required=False, help_text=_("Empty: the template's name.")
    )
    period_start = forms.DateField(label=_("period start"), widget=AdminDateWidget)
    period_end = forms.DateField(label=_("period end"), widget=AdminDateWidget)
    reference_on = forms.DateField(
        label=_("reference date"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("Empty: the period start."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scoped(
            Unit.objects.exclude(level=Unit.Level.GROUP), user
        ).order_by("path")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return cleaned


# Eligible lists and deliveries -------------------------------------------------


class DeliveryRecordForm(forms.Form):
    delivered_on = forms.DateField(label=_("date"), widget=AdminDateWidget)
    delivered_by = forms.CharField(
        label=_("by whom"),
        max_length=255,
        help_text=_("Names of those who delivered it."),
    )
    amount = forms.IntegerField(
        label=_("amount (VND)"),
        required=False,
        min_value=0,
        max_value=services.AMOUNT_MAX,
        help_text=_("Empty: the listed amount."),
    )
    note = forms.CharField(label=_("note"), max_length=255, required=False)
    confirm_over_budget = forms.BooleanField(
        label=_("Record it even though it exceeds the budget"), required=False
    )

    def __init__(self, *args, single: bool, given: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not (single and given):
            del self.fields["amount"]
        if not given:
            del self.fields["confirm_over_budget"]


@admin.register(ProgrammeEligibility)
class ProgrammeEligibilityAdmin(ScopedModelAdmin):
    list_display = (
        "beneficiary_display",
        "programme",
        "unit",
        "amount_display",
        "delivery_display",
    )
    list_filter = (ProgrammeFilter, DeliveredFilter, UnitSubtreeFilter)
    list_select_related = ("programme", "unit", "member", "relative")
    search_fields = ("member__full_name_folded",)
    search_help_text = _("Name of the member or of the relative.")
    actions = ("record_given", "record_declined")
    # By the programme's id, not its own ordering: PostgreSQL then walks the
    # units in path order and sorts each unit's rows, instead of sorting the
    # whole list (6 ms instead of 330 ms for a list of 76,000).
    ordering = ("programme_id", "unit__path", "member__full_name_folded", "pk")
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request):
        return eligibility_with_delivery(super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        q = member_search_q(term, prefix="member__") | Q(
            relative__full_name__icontains=term
        )
        return queryset.filter(q), False

    def has_add_permission(self, request):
        return False  # generated from the rules

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_record_permission(self, request):
        return request.user.has_perm("members.add_programmedelivery")

    @admin.display(description=_("beneficiary"), ordering="member__full_name_folded")
    def beneficiary_display(self, obj):
        if obj.relative_id:
            return _("%(name)s (%(relation)s of %(member)s)") % {
                "name": obj.relative.full_name,
                "relation": obj.relative.get_relationship_display(),
                "member": obj.member.full_name,
            }
        return obj.member.full_name

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return vnd(obj.amount)

    @admin.display(description=DELIVERY)
    def delivery_display(self, obj):
        if not obj.delivery_outcome:
            return "—"
        text = "{outcome} {date}".format(
            outcome=ProgrammeDelivery.Outcome(obj.delivery_outcome).label,
            date=f"{obj.delivery_on:%d/%m/%Y}",
        )
        if obj.delivery_outcome == ProgrammeDelivery.Outcome.GIVEN:
            text += f" · {vnd(obj.delivery_amount)}"
        if obj.delivery_unit_id != obj.unit_id:
            text += " · " + str(_("by %(unit)s") % {"unit": obj.delivery_unit_name})
        return text

    @admin.action(
        description=_("Record the selected as given…"), permissions=["record"]
    )
    def record_given(self, request, queryset):
        return self._record(request, queryset, ProgrammeDelivery.Outcome.GIVEN)

    @admin.action(
        description=_("Record the selected as declined…"), permissions=["record"]
    )
    def record_declined(self, request, queryset):
        return self._record(request, queryset, ProgrammeDelivery.Outcome.DECLINED)

    def _record(self, request, queryset, outcome):
        """Ask for the date and who delivered, warn of budgets, then record."""
        rows = list(queryset.order_by("unit__path", "pk"))
        given = outcome == ProgrammeDelivery.Outcome.GIVEN
        applying = "apply" in request.POST
        form = DeliveryRecordForm(
            request.POST if applying else None,
            single=len(rows) == 1,
            given=given,
            initial={"delivered_on": timezone.localdate()},
        )
        overruns = None
        if applying and form.is_valid():
            data = form.cleaned_data
            try:
                recorded = services.programme_deliveries_record(
                    eligibilities=rows,
                    outcome=outcome,
                    delivered_on=data["delivered_on"],
                    delivered_by=data["delivered_by"],
                    amount=data.get("amount"),
                    note=data["note"],
                    confirm_over_budget=data.get("confirm_over_budget", False),
                    actor=request.user,
                )
            except services.BudgetExceeded as exceeded:
                overruns = exceeded.overruns
                form.add_error(
                    "confirm_over_budget",
                    _("This exceeds a budget: tick the box to record it anyway."),
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, _error_text(error))
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d delivery recorded.",
                        "%(count)d deliveries recorded.",
                        len(recorded),
                    )
                    % {"count": len(recorded)},
                )
                over = [d for d in recorded if d.over_budget]
                if over:
                    messages.warning(
                        request,
                        _("%(count)d recorded over budget.") % {"count": len(over)},
                    )
                return None
        preview = services.programme_deliveries_preview(
            eligibilities=rows, outcome=outcome
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record deliveries as given")
            if given
            else _("Record deliveries as declined"),
            "opts": self.model._meta,
            "rows": rows,
            "form": form,
            "overruns": preview.overruns if overruns is None else overruns,
            "total": preview.total,
            "action": request.POST.get("action", ""),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(
            request, "admin/members/programmeeligibility/record.html", context
        )


@admin.register(ProgrammeDelivery)
class ProgrammeDeliveryAdmin(ScopedModelAdmin):
    list_display = (
        "beneficiary_name",
        "programme",
        "unit",
        "outcome",
        "amount_display",
        "delivered_on",
        "delivered_by",
        "over_budget",
    )
    list_filter = (ProgrammeFilter, "outcome", "over_budget", UnitSubtreeFilter)
    list_select_related = ("programme", "unit")
    search_fields = ("beneficiary_name",)
    date_hierarchy = "delivered_on"
    readonly_fields = ("recorded_by", "created_at")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        q = member_search_q(term, prefix="member__") | Q(
            beneficiary_name__icontains=term
        )
        return queryset.filter(q), False

    def has_add_permission(self, request):
        return False  # recorded from the eligible list

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj):
        return vnd(obj.amount)


@admin.register(ProgrammeBudget)
class ProgrammeBudgetAdmin(ScopedModelAdmin):
    """Spending against each unit's budget; budgets are set on the programme."""

    list_display = (
        "programme",
        "unit",
        "amount_display",
        "spent_display",
        "left_display",
    )
    list_filter = (ProgrammeFilter,)
    list_select_related = ("programme", "unit")
    search_fields = ("unit__name", "unit__code", "programme__name")

    def get_queryset(self, request):
        return budgets_with_spent(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("budget"), ordering="amount")
    def amount_display(self, obj):
        return vnd(obj.amount)

    @admin.display(description=_("spent"), ordering="spent")
    def spent_display(self, obj):
        return vnd(obj.spent)

    @admin.display(description=_("left"))
    def left_display(self, obj):
        left = obj.amount - obj.spent
        if left < 0:
            return format_html(
                '<strong class="errornote">{}</strong>',
                _("over by %(amount)s") % {"amount": vnd(-left)},
            )
        return vnd(left)
