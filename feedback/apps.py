"""App config for member voice: surveys, initiatives and the assistant."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Initiatives' models staff work in, and the records only services write.
_INITIATIVES_WORK = ("reviewround", "reviewcriterion", "initiativetarget")
_INITIATIVES_RECORDS = (
    "initiative",
    "initiativecoauthor",
    "initiativeattachment",
    "initiativestatuschange",
    "reviewscore",
    "benefitfollowup",
)
# Surveys staff build, and what they make of the answers.
_SURVEY_CONTENT = ("survey", "surveyquestion", "surveytheme", "surveyaction")
# The assistant's knowledge base and settings: staff edit them.
_ASSISTANT_CONTENT = (
    "legaldocument",
    "legalarticle",
    "assistanttopic",
    "curatedanswer",
    "assistantsettings",
)


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Member voice")
    demo_seed = "feedback.demo.seed"
    scale_seed = "feedback.scale.seed"
    # Built in gunicorn's master before it forks (unionportal.warmup).
    warm_up = "feedback.selectors.assistant.assistant_index"
    # Permissions of each staff role's group (members.services.staff).
    staff_role_permissions = {
        "officer": [
            *(
                f"{action}_{model}"
                for model in (*_INITIATIVES_WORK, *_SURVEY_CONTENT)
                for action in ("view", "add", "change", "delete")
            ),
            *(f"view_{model}" for model in _INITIATIVES_RECORDS),
            # Decisions, scores and actual benefits, through the services only.
            "change_initiative",
            "change_benefitfollowup",
            "view_surveyanalysisrun",
            *(
                f"{action}_{model}"
                for model in _ASSISTANT_CONTENT
                for action in ("view", "add", "change")
            ),
            "view_assistantquestion",
            "view_assistanthandover",
            # Answering a handed-over question, through its service only.
            "change_assistanthandover",
        ],
        "viewer": [
            *(f"view_{model}" for model in _INITIATIVES_WORK),
            *(f"view_{model}" for model in _INITIATIVES_RECORDS),
            *(f"view_{model}" for model in _SURVEY_CONTENT),
            "view_surveyanalysisrun",
            *(f"view_{model}" for model in _ASSISTANT_CONTENT),
            "view_assistantquestion",
            "view_assistanthandover",
        ],
    }
    portal_nav = [
        {
            "url_name": "feedback:assistant",
            "label": _("Ask the union"),
            "icon": "message-circle",
            "order": 25,
        },
        {
            "url_name": "feedback:surveys",
            "label": _("Surveys"),
            "icon": "clipboard",
            "order": 40,
        },
        {
            "url_name": "feedback:my_initiatives",
            "label": _("My initiatives"),
            "icon": "lightbulb",
            "order": 41,
        },
    ]
    portal_home_panels = [
        "feedback.selectors.surveys.surveys_home_block",
        "feedback.selectors.initiatives.initiatives_home_block",
    ]
    staff_cards = [
        {
            "function": "feedback.staff_cards.initiatives_card",
            "permission": "feedback.view_initiative",
        },
        {
            "function": "feedback.staff_cards.surveys_closing_card",
            "permission": "feedback.view_survey",
        },
        {
            "function": "feedback.staff_cards.assistant_handovers_card",
            "permission": "feedback.view_assistanthandover",
        },
    ]
    staff_sections = [
        {
            "key": "feedback",
            "title": _("Member voice"),
            "order": 70,
            "models": ["survey", "surveyquestion", "surveytheme", "surveyaction"],
        },
        {
            "key": "initiatives",
            "title": _("Initiatives"),
            "order": 75,
            "models": [
                "initiative",
                "reviewround",
                "benefitfollowup",
                "initiativetarget",
            ],
            "links": [
                {
                    "url_name": "admin:feedback_initiative_dashboard",
                    "label": _("Initiatives programme dashboard"),
                    "permission": "feedback.view_initiative",
                },
            ],
        },
        {
            "key": "assistant",
            "title": _("Ask the union"),
            "order": 78,
            "models": [
                "assistanthandover",
                "assistantquestion",
                "curatedanswer",
                "assistanttopic",
                "legaldocument",
                "legalarticle",
                "assistantsettings",
            ],
            "links": [
                {
                    "url_name": "admin:feedback_assistantquestion_by_topic",
                    "label": _("Questions to the assistant by topic"),
                    "permission": "feedback.view_assistantquestion",
                },
            ],
        },
    ]

    def ready(self):
        # Writes of surveys and questions bump their cached results.
        from feedback import receivers  # noqa: F401
        from members.scoped_admin import scope_exempt

        why = (
            "Public legal texts and the assistant's own configuration, the same "
            "for the whole union: no member data (tests/feedback)."
        )
        for model in (
            "LegalDocument",
            "LegalArticle",
            "AssistantTopic",
            "AssistantSettings",
        ):
            scope_exempt(f"feedback.{model}", why=why)
        scope_exempt(
            "feedback.CuratedAnswer",
            why=(
                "Answers staff write for the whole union, approved before they are "
                "served; a promoted answer copies the question's text, never who "
                "asked it (tests/feedback)."
            ),
        )
        scope_exempt(
            "feedback:assistant_article",
            why="The text of a public law's article: no member data (tests/feedback).",
        )
