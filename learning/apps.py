"""App config for learning: courses, quizzes, points and the news feed."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Course content staff author: each model with the inlines its pages edit.
_CONTENT = ("course", "module", "lesson", "quiz", "quizslot")
_BANK = ("questioncategory", "question", "answer")
# Learners' records: read in the admin, written only by the services.
_RECORDS = (
    "enrolment",
    "attempt",
    "videoprogress",
    "lessoncompletion",
    "certificate",
)


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("Learning")
    # Permissions of each staff role's group (members.services.staff).
    staff_role_permissions = {
        "officer": [
            *(
                f"{action}_{model}"
                for model in (*_CONTENT, *_BANK)
                for action in ("view", "add", "change", "delete")
            ),
            "view_assignment",
            "add_assignment",
            "change_assignment",
            *(f"view_{model}" for model in _RECORDS),
            # Revoking a certificate, through its service only.
            "change_certificate",
        ],
        "viewer": [
            *(f"view_{model}" for model in (*_CONTENT, *_BANK, "assignment")),
            *(f"view_{model}" for model in _RECORDS),
        ],
    }
    portal_nav = [
        {
            "url_name": "learning:catalogue",
            "label": _("Learning"),
            "icon": "book-open",
            "order": 15,
        },
        {
            "url_name": "learning:my_certificates",
            "label": _("My certificates"),
            "icon": "award",
            "order": 16,
        },
    ]
    # Where learning's models sit on the staff home (unionportal.staff_home).
    staff_sections = [
        {
            "key": "learning",
            "title": _("Learning"),
            "order": 60,
            "models": [
                "course",
                "module",
                "lesson",
                "questioncategory",
                "question",
                "quiz",
                "assignment",
                "enrolment",
                "attempt",
                "videoprogress",
                "lessoncompletion",
                "certificate",
            ],
        },
    ]
    # What seed_demo adds for learning (members' seed_demo calls it).
    demo_seed = "learning.demo.seed"
    celery_schedules = [
        {
            "name": "learning:assignments-sync",
            "task": "learning.tasks.assignments_sync",
            "crontab": {"minute": "40", "hour": "2"},
            "description": _(
                "Enrols members who joined assigned units in the courses assigned."
            ),
        },
    ]

    def ready(self):
        # Members who join an assigned unit are enrolled in its courses.
        from learning import receivers  # noqa: F401
        from members.scoped_admin import public_page

        public_page(
            "learning:certificate_verify",
            why=(
                "The page a certificate's QR code opens: its state, the name, "
                "the course and the dates, as printed (tests/learning)."
            ),
        )
