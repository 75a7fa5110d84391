"""App config for member voice: surveys, initiatives and the assistant."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

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
    # Permissions of each staff role's group (members.services.staff).
    staff_role_permissions = {
        "officer": [
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
    ]
    staff_cards = [
        {
            "function": "feedback.staff_cards.assistant_handovers_card",
            "permission": "feedback.view_assistanthandover",
        },
    ]
    staff_sections = [
        {
            "key": "assistant",
            "title": _("Ask the union"),
            "order": 75,
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
