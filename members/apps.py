"""App config for the members register."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_REGISTER = ("member", "relative", "carecase", "carevisit", "transfer")
# Every role reads its own notifications in the admin (the admin shows no others).
_OWN_NOTIFICATIONS = ("view_notification", "view_notificationdelivery")


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")
    # Permissions of each staff role's group (members.services.staff).
    staff_role_permissions = {
        "officer": [
            *(
                f"{action}_{model}"
                for model in _REGISTER
                for action in ("view", "add", "change")
            ),
            "view_unit",
            "add_unit",
            "change_unit",
            "view_staffrole",
            "add_staffrole",
            "change_staffrole",
            "delete_staffrole",
            "view_user",
            *_OWN_NOTIFICATIONS,
        ],
        "care_officer": [
            "view_member",
            "view_relative",
            *(
                f"{action}_{model}"
                for model in ("carecase", "carevisit")
                for action in ("view", "add", "change")
            ),
            "view_unit",
            *_OWN_NOTIFICATIONS,
        ],
        "viewer": [
            *(f"view_{model}" for model in (*_REGISTER, "unit", "staffrole")),
            *_OWN_NOTIFICATIONS,
        ],
    }
    portal_nav = [
        {
            "url_name": "members:inbox",
            "label": _("Notifications"),
            "icon": "bell",
            "order": 5,
            "badge": "members.selectors.notifications_unread_count",
        },
        {
            "url_name": "members:profile",
            "label": _("My profile"),
            "icon": "user",
            "order": 10,
        },
        {
            "url_name": "members:ecard",
            "label": _("Union card"),
            "icon": "id-card",
            "order": 20,
        },
        {
            "url_name": "members:relatives",
            "label": _("Relatives"),
            "icon": "users",
            "order": 30,
        },
    ]
    portal_home_panels = ["members.selectors.member_home_panel"]

    @property
    def celery_schedules(self) -> list[dict]:
        from members.reminders import reminder_schedules

        release = {
            "name": "notifications:release-held",
            "task": "members.tasks.deliveries_release",
            "every": 300,
            "description": _("Sends e-mail held for quiet hours or stranded."),
        }
        drop_dir = {
            "name": "hrm:import-drop-dir",
            "task": "members.tasks.import_drop_dir_scan",
            "crontab": {"minute": "*/15"},
            "description": _("Imports HRM files dropped for each employer."),
        }
        return [release, drop_dir, *reminder_schedules()]

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.utils.module_loading import autodiscover_modules

        # Each app declares its reminder kinds in its own reminders.py.
        autodiscover_modules("reminders")
        post_migrate.connect(_install_role_groups)


def _install_role_groups(sender, **kwargs):
    # Runs for each app after its permissions exist (auth connects first).
    if getattr(sender, "staff_role_permissions", None):
        from members.services.staff import role_groups_install

        role_groups_install(app_label=sender.label)
