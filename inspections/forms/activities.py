"""The admin's activity form: the services' rules shown on the form's fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm

from inspections.models import Activity, Plan
from inspections.services import activity_validate

FIELDS = (
    "plan",
    "inspected_unit",
    "kind",
    "mode",
    "topic",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "lead",
    "team",
    "contacts",
    "checklist",
    "minutes",
)


class ActivityAdminForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = FIELDS

    def clean(self):
        cleaned = super().clean()
        needed = ("plan", "inspected_unit", "planned_start", "planned_end", "lead")
        if self.errors or any(cleaned.get(name) is None for name in needed):
            return cleaned
        probe = Activity(
            **{
                name: cleaned.get(name)
                for name in FIELDS
                if name not in ("team", "contacts")
            }
        )
        try:
            activity_validate(
                probe,
                team=list(cleaned.get("team") or ()),
                contacts=list(cleaned.get("contacts") or ()),
            )
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        return cleaned


class PlanImportForm(ImportForm):
    """The import's upload form: the file, and the plan its rows join."""

    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), label=_("plan"))

    def __init__(self, formats, resources, plans=None, **kwargs):
        super().__init__(formats, resources, **kwargs)
        if plans is not None:
            self.fields["plan"].queryset = plans


class PlanConfirmImportForm(ConfirmImportForm):
    """The preview's confirm form carries the plan on."""

    plan = forms.ModelChoiceField(
        queryset=Plan.objects.none(), widget=forms.HiddenInput()
    )

    def __init__(self, *args, plans=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plans is not None:
            self.fields["plan"].queryset = plans
