"""Forms of the member portal's consultations."""

from django import forms

from members.models import ConsultationRequest


class ConsultationRequestForm(forms.ModelForm):
    class Meta:
        model = ConsultationRequest
        fields = ["topic", "mode", "subject", "preferred_times"]
        widgets = {
            "topic": forms.RadioSelect,
            "mode": forms.RadioSelect,
            "subject": forms.TextInput(attrs={"autocomplete": "off"}),
            "preferred_times": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons need no empty choice: nothing ticked is the empty answer.
        self.fields["topic"].choices = ConsultationRequest.Topic.choices
        self.fields["mode"].choices = ConsultationRequest.Mode.choices
