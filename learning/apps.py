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
    "xpevent",
    "xpprofile",
    "badgeaward",
)
# Gamification staff tune: points, levels, badges; quests of their units.
_GAME = ("xprule", "level", "badge", "quest")


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
            *(f"view_{model}" for model in _GAME),
            "add_quest",
            "change_quest",
            # Awarding a badge by hand and revoking one, through its service.
            "add_badgeaward",
            "change_badgeaward",
            *(f"view_{model}" for model in _RECORDS),
            # Revoking a certificate, through its service only.
            "change_certificate",
            *(f"{action}_feedpost" for action in ("view", "add", "change", "delete")),
        ],
        "viewer": [
            *(f"view_{model}" for model in (*_CONTENT, *_BANK, "assignment")),
            *(f"view_{model}" for model in _GAME),
            *(f"view_{model}" for model in _RECORDS),
            "view_feedpost",
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
            "url_name": "learning:feed",
            "label": _("News feed"),
            "icon": "newspaper",
            "order": 12,
        },
        {
            "url_name": "learning:my_certificates",
            "label": _("My certificates"),
            "icon": "award",
            "order": 16,
        },
        {
            "url_name": "learning:my_xp",
            "label": _("My XP"),
            "icon": "star",
            "order": 17,
        },
        {
            "url_name": "learning:my_badges",
            "label": _("My badges"),
            "icon": "award",
            "order": 18,
        },
        {
            "url_name": "learning:leaderboard",
            "label": _("Leaderboards"),
            "icon": "trophy",
            "order": 19,
        },
    ]
    portal_home_panels = [
        "learning.selectors.portal_home.gamification_home_blocks",
        "learning.views.feed.feed_home_block",
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
                "feedpost",
                "xprule",
                "level",
                "xpevent",
                "xpprofile",
                "badge",
                "badgeaward",
                "quest",
            ],
            "links": [
                {
                    "url_name": "admin:learning_feedpost_report",
                    "label": _("The feed's 20/80 rule, by unit"),
                    "permission": "learning.view_feedpost",
                },
            ],
        },
    ]
    # What seed_demo adds for learning (members' seed_demo calls it).
    demo_seed = "learning.demo.seed"
    # What seed_demo --scale full adds for learning (members.management.scale).
    scale_seed = "learning.scale.seed"
    celery_schedules = [
        {
            "name": "learning:assignments-sync",
            "task": "learning.tasks.assignments_sync",
            "crontab": {"minute": "40", "hour": "2"},
            "description": _(
                "Enrols members who joined assigned units in the courses assigned."
            ),
        },
        {
            "name": "learning:quests-check",
            "task": "learning.tasks.quests_check",
            "crontab": {"minute": "*/15"},
            "description": _("Rewards the unit quests their units reached."),
        },
        {
            "name": "learning:streaks-settle",
            "task": "learning.tasks.streaks_settle",
            "crontab": {"minute": "5", "hour": "0"},
            "description": _(
                "Uses a streak freeze for each missed day, or ends the streak."
            ),
        },
    ]

    def ready(self):
        # Members who join an assigned unit are enrolled in its courses.
        from django.db.models.signals import post_migrate

        from learning import receivers  # noqa: F401
        from members.scoped_admin import public_page

        post_migrate.connect(
            _gamification_defaults, sender=self, dispatch_uid="learning_xp_defaults"
        )
        for name, why in (
            ("learning:badge_issuer", "The union as an Open Badges issuer."),
            ("learning:badge_class", "A badge's public description (Open Badges)."),
            ("learning:badge_image", "A badge's picture, drawn from its name."),
            (
                "learning:badge_assertion",
                "One award's hosted assertion: the badge, the date, the "
                "recipient's e-mail hashed with a salt (tests/learning).",
            ),
        ):
            public_page(name, why=why)

        public_page(
            "learning:certificate_verify",
            why=(
                "The page a certificate's QR code opens: its state, the name, "
                "the course and the dates, as printed (tests/learning)."
            ),
        )


def _gamification_defaults(**kwargs):
    """Create the XP rules and levels not yet there, so staff find them to edit."""
    from learning.services.xp import xp_defaults_ensure

    xp_defaults_ensure()
