"""Forms of data rights: a member's request about their data."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import DataRightsRequest


class DataRightsRequestForm(forms.ModelForm):
    """What the member asks for; anything but a copy needs a few words of detail."""

    class Meta:
        model = DataRightsRequest
        fields = ["kind", "details"]
        widgets = {
            "kind": forms.RadioSelect,
            "details": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons need no empty "---------" choice.
        self.fields["kind"].choices = DataRightsRequest.Kind.choices

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if (
            kind
            and kind != DataRightsRequest.Kind.ACCESS
            and not cleaned.get("details", "").strip()
        ):
            self.add_error(
                "details",
                _("Say what to correct, erase or stop, so that staff can act on it."),
            )
        return cleaned
