"""App config for member voice: surveys, initiatives and the assistant."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Surveys staff build, and what they make of the answers.
_SURVEY_CONTENT = ("survey", "surveyquestion", "surveytheme", "surveyaction")


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Member voice")
    # Permissions of each staff role's group (members.services.staff).
    staff_role_permissions = {
        "officer": [
            *(
                f"{action}_{model}"
                for model in _SURVEY_CONTENT
                for action in ("view", "add", "change", "delete")
            ),
            "view_surveyanalysisrun",
        ],
        "viewer": [
            *(f"view_{model}" for model in _SURVEY_CONTENT),
            "view_surveyanalysisrun",
        ],
    }
    portal_nav = [
        {
            "url_name": "feedback:surveys",
            "label": _("Surveys"),
            "icon": "message-circle",
            "order": 40,
        },
    ]
    portal_home_panels = [
        "feedback.selectors.surveys.surveys_home_block",
    ]
    staff_cards = [
        {
            "function": "feedback.staff_cards.surveys_closing_card",
            "permission": "feedback.view_survey",
        },
    ]
    staff_sections = [
        {
            "key": "feedback",
            "title": _("Member voice"),
            "order": 70,
            "models": ["survey", "surveyquestion", "surveytheme", "surveyaction"],
        },
    ]
    demo_seed = "feedback.demo.seed"
