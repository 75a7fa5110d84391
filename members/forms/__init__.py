"""Forms of the members app: one module a topic; here what every topic's views share.

This module imports none of the topic modules (``register``, ``imports``,
``privacy``, ``consultations``).
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def form_add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where it names one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        if field == NON_FIELD_ERRORS:
            target = None
        form.add_error(target, messages)
