"""App config for inspections and supervision."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the inspecting units' officers write: plans, activities, findings,
# recommendations; the rest they read.
_WRITTEN = ("plan", "activity", "finding", "recommendation")
_READ = ("activitydocument", "answersubmission", "checklistanswer", "checklisttemplate")


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections and supervision")
    # Permissions of each staff role's group (members.services.staff).
    staff_role_permissions = {
        "officer": [
            *(
                f"{action}_{model}"
                for model in _WRITTEN
                for action in ("view", "add", "change")
            ),
            *(f"view_{model}" for model in _READ),
            "add_checklisttemplate",
            "change_checklisttemplate",
            "view_splittarget",
        ],
        "viewer": [
            *(f"view_{model}" for model in (*_WRITTEN, *_READ)),
            "view_splittarget",
        ],
    }
    portal_nav = [
        {
            "url_name": "inspections:activities",
            "label": _("Inspections"),
            "icon": "shield",
            "order": 40,
        },
    ]
    staff_cards = [
        {
            "function": "inspections.staff_cards.recommendations_overdue_card",
            "permission": "inspections.view_recommendation",
        },
        {
            "function": "inspections.staff_cards.activities_week_card",
            "permission": "inspections.view_activity",
        },
    ]
    staff_sections = [
        {
            "key": "inspections",
            "title": _("Inspections and supervision"),
            "order": 70,
            "models": [
                "plan",
                "activity",
                "finding",
                "recommendation",
                "checklisttemplate",
                "answersubmission",
                "activitydocument",
                "splittarget",
            ],
            "links": [
                {
                    "url_name": "admin:inspections_activity_split",
                    "label": _("Online and in-person split"),
                    "permission": "inspections.view_activity",
                },
            ],
        },
    ]
    demo_seed = "inspections.demo.seed"
    scale_seed = "inspections.scale.seed"

    def ready(self):
        # Writes of activities, plans and targets bump the split's cache.
        import inspections.receivers  # noqa: F401
        from members.scoped_admin import public_page

        public_page(
            "inspections:calendar_feed",
            why=(
                "A calendar app polls it with the private key in its address; "
                "it lists only that person's own activities (tests/inspections)."
            ),
        )
