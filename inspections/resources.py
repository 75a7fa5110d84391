"""A year's plan imported from a spreadsheet: one activity a row, previewed first.

The officer picks the plan in the import form; each row names the inspected
unit by its code, the lead and the team by e-mail, dates as dd/mm/yyyy. Every
row goes through the services' rules (the unit under the inspecting unit, no
inspector on their own unit, the plan's year), so the preview shows each
refused row with the reason, and the confirmed import writes through
``services.activity_create`` (audited). A row is always a new activity.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from inspections import services
from inspections.models import Activity, ChecklistTemplate, Kind, Mode
from members.models import Unit, User
from members.resources import SafeExportResource
from members.scope import scoped, unit_in_scope
from members.text import fold


class ChoiceWidget(widgets.Widget):
    """A choice by its value or its label in any language the file uses."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        wanted = fold(str(value or ""))
        for choice, label in self.choices:
            if wanted in (fold(choice), fold(str(label))):
                return choice
        raise ValueError(
            _("Not one of: %(choices)s")
            % {"choices": ", ".join(str(label) for _c, label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return dict(self.choices).get(value, value)


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key looked up among the rows the importing user may see."""

    def __init__(self, model, field, user_of):
        super().__init__(model, field)
        self.user_of = user_of

    def get_queryset(self, value, row, *args, **kwargs):
        return scoped(self.model.objects.all(), self.user_of())

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist as error:
            raise ValueError(
                _("%(value)s is not in your part of the union.") % {"value": value}
            ) from error


class ScopedPeopleWidget(widgets.ManyToManyWidget):
    """People by e-mail, comma-separated, among those the importing user may see."""

    def __init__(self, user_of):
        super().__init__(User, separator=",", field="email")
        self.user_of = user_of

    def clean(self, value, row=None, **kwargs):
        emails = [e.strip().lower() for e in str(value or "").split(",") if e.strip()]
        people = list(scoped(User.objects.filter(email__in=emails), self.user_of()))
        unknown = sorted(set(emails) - {person.email.lower() for person in people})
        if unknown:
            raise ValueError(
                _("No such person in your part of the union: %(emails)s")
                % {"emails": ", ".join(unknown)}
            )
        return people


class ActivityImportResource(SafeExportResource):
    kind = fields.Field(
        attribute="kind",
        column_name=gettext_lazy("kind"),
        widget=ChoiceWidget(Kind.choices),
    )
    mode = fields.Field(
        attribute="mode",
        column_name=gettext_lazy("mode"),
        widget=ChoiceWidget(Mode.choices),
    )
    topic = fields.Field(attribute="topic", column_name=gettext_lazy("topic"))
    planned_start = fields.Field(
        attribute="planned_start",
        column_name=gettext_lazy("planned start"),
        widget=widgets.DateWidget("%d/%m/%Y"),
    )
    planned_end = fields.Field(
        attribute="planned_end",
        column_name=gettext_lazy("planned end"),
        widget=widgets.DateWidget("%d/%m/%Y"),
    )
    checklist = fields.Field(
        attribute="checklist",
        column_name=gettext_lazy("checklist"),
        widget=widgets.ForeignKeyWidget(ChecklistTemplate, "code"),
    )

    class Meta:
        model = Activity
        fields = (
            "kind",
            "mode",
            "inspected_unit",
            "topic",
            "planned_start",
            "planned_end",
            "lead",
            "team",
            "checklist",
        )
        clean_model_instances = False
        use_transactions = True

    def __init__(self, *, plan=None, user=None, **kwargs):
        super().__init__(**kwargs)
        self.plan, self.user = plan, user
        self.fields["inspected_unit"] = fields.Field(
            attribute="inspected_unit",
            column_name=_("inspected unit code"),
            widget=ScopedForeignKeyWidget(Unit, "code", lambda: self.user),
        )
        self.fields["lead"] = fields.Field(
            attribute="lead",
            column_name=_("team lead e-mail"),
            widget=ScopedForeignKeyWidget(User, "email", lambda: self.user),
        )
        self.fields["team"] = fields.Field(
            attribute="team",
            column_name=_("team e-mails"),
            widget=ScopedPeopleWidget(lambda: self.user),
        )

    def get_instance(self, instance_loader, row):
        return None  # every row is a new activity

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        instance.plan = self.plan
        instance.inspecting_unit = self.plan.inspecting_unit
        instance.year = self.plan.year
        if instance.planned_start and not instance.planned_end:
            instance.planned_end = instance.planned_start
        # The team is set with the activity, by the service.
        try:
            self._team = self.fields["team"].clean(row) or []
        except ValueError as error:
            raise ValidationError({"team": str(error)}) from error

    def validate_instance(self, instance, import_validation_errors=None, **kwargs):
        super().validate_instance(instance, import_validation_errors, **kwargs)
        if not unit_in_scope(self.user, self.plan.inspecting_unit):
            raise ValidationError(_("This unit is outside your part of the union."))
        missing = [
            name
            for name in ("inspected_unit_id", "lead_id", "planned_start")
            if getattr(instance, name) is None
        ]
        if missing or not instance.topic:
            raise ValidationError(
                _("A row needs the unit, the topic, the lead and the start.")
            )
        services.activity_validate(instance, team=self._team, contacts=[])

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            saved = services.activity_create(
                actor=self.user,
                plan=self.plan,
                inspected_unit=instance.inspected_unit,
                kind=instance.kind,
                mode=instance.mode,
                topic=instance.topic,
                planned_start=instance.planned_start,
                planned_end=instance.planned_end,
                lead=instance.lead,
                team=self._team,
                checklist=instance.checklist,
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error
        instance.pk = saved.pk

    def save_m2m(self, instance, row, **kwargs):
        """The team was set by the service."""
