"""The admin's activity form: the services' rules shown on the form's fields."""

from django import forms
from django.core.exceptions import ValidationError

from inspections.models import Activity
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
