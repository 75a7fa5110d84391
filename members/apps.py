"""App config for the members register."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_REGISTER = ("member", "relative", "carecase", "carevisit", "transfer")
_PROGRAMMES = (
    "careprogramme",
    "programmerule",
    "programmeamountband",
    "programmebudget",
    "programmeeligibility",
    "programmedelivery",
)
# Every role reads its own notifications in the admin (the admin shows no others).
_OWN_NOTIFICATIONS = ("view_notification", "view_notificationdelivery")
# Officers handle members' data-rights requests and read their units' audit trail.
_PRIVACY = (
    "view_auditevent",
    "view_datarightsrequest",
    "add_datarightsrequest",
    "change_datarightsrequest",
)


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
            *(f"view_{model}" for model in _PROGRAMMES),
            *_OWN_NOTIFICATIONS,
            *_PRIVACY,
        ],
        "care_officer": [
            "view_member",
            "view_relative",
            *(
                f"{action}_{model}"
                for model in ("carecase", "carevisit")
                for action in ("view", "add", "change")
            ),
            # Care programmes, their parts, lists and deliveries; consultations.
            *(
                f"{action}_{model}"
                for model in (*_PROGRAMMES, "consultationrequest")
                for action in ("view", "add", "change")
            ),
            "delete_programmerule",
            "delete_programmeamountband",
            "delete_programmebudget",
            "view_unit",
            *_OWN_NOTIFICATIONS,
        ],
        "viewer": [
            *(f"view_{model}" for model in (*_REGISTER, "unit", "staffrole")),
            *(f"view_{model}" for model in _PROGRAMMES),
            *_OWN_NOTIFICATIONS,
        ],
    }
    portal_nav = [
        {
            "url_name": "members:inbox",
            "label": _("Notifications"),
            "icon": "bell",
            "order": 5,
            "tab": True,
            "badge": "members.selectors.notifications.notifications_unread_count",
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
            "tab": True,
        },
        {
            "url_name": "members:relatives",
            "label": _("Relatives"),
            "icon": "users",
            "order": 30,
        },
        {
            "url_name": "members:programmes",
            "label": _("Care programmes"),
            "icon": "gift",
            "order": 35,
        },
        {
            "url_name": "members:consultations",
            "label": _("Consultations"),
            "icon": "message-circle",
            "order": 36,
        },
        {
            "url_name": "members:my_data",
            "label": _("My data"),
            "icon": "shield",
            "order": 90,
        },
    ]
    # The home's blocks, in the order of each one's "order" among all apps'.
    portal_home_panels = [
        "members.selectors.notifications.notifications_home_block",
        "members.selectors.register.member_home_panel",
        "members.selectors.consultations.consultation_home_block",
        "members.selectors.programmes.programmes_home_block",
        "members.selectors.privacy.data_rights_home_block",
    ]
    # The staff home (unionportal.staff_home): what waits, the month's figures,
    # and where this app's models sit among the union's work.
    staff_cards = [
        {
            "function": "members.staff_cards.transfers_card",
            "permission": "members.view_transfer",
            "depends": ["members.register"],  # members.cache.REGISTER
        },
        {
            "function": "members.staff_cards.held_rows_card",
            "permission": "members.view_importheldrow",
        },
        {
            "function": "members.staff_cards.import_runs_card",
            "permission": "members.view_importrun",
        },
        {
            "function": "members.staff_cards.data_rights_card",
            "permission": "members.view_datarightsrequest",
        },
        {
            "function": "members.staff_cards.care_cards",
            "permission": "members.view_carecase",
            "depends": ["members.register"],  # members.cache.REGISTER
        },
        {
            "function": "members.staff_cards.consultations_cards",
            "permission": "members.view_consultationrequest",
        },
    ]
    staff_figures = [
        {
            "function": "members.staff_cards.register_figures",
            "permission": "members.view_member",
            "depends": ["members.register"],  # members.cache.REGISTER
        },
    ]
    staff_sections = [
        {
            "key": "register",
            "title": _("Register"),
            "order": 10,
            "models": ["member", "relative", "transfer", "unit", "staffrole", "user"],
            "links": [
                {
                    "url_name": "admin:members_register_picture",
                    "label": _("The register's picture"),
                    "permission": "members.view_member",
                },
            ],
        },
        {
            "key": "care",
            "title": _("Care"),
            "order": 20,
            "models": [
                "carecase",
                "consultationrequest",
                "careprogramme",
                "programmeeligibility",
                "programmedelivery",
                "programmebudget",
            ],
            "links": [
                {
                    "url_name": "admin:members_care_radar",
                    "label": _("Care radar"),
                    "permission": "members.view_carecase",
                },
            ],
        },
        {
            "key": "imports",
            "title": _("HRM imports"),
            "order": 30,
            "models": ["importrun", "importheldrow", "hrmprofile", "hrmdepartment"],
            "links": [
                {
                    "url_name": "admin:members_importrun_upload",
                    "label": _("Import an HRM file"),
                    "permission": "members.add_importrun",
                },
            ],
        },
        {
            "key": "notifications",
            "title": _("Notifications"),
            "order": 40,
            "models": ["notification", "notificationdelivery"],
        },
        {
            "key": "privacy",
            "title": _("Privacy"),
            "order": 50,
            "models": ["datarightsrequest", "auditevent"],
        },
    ]

    @property
    def celery_schedules(self) -> list[dict]:
        from members.reminders import reminder_schedules

        release = {
            "name": "notifications:release-held",
            "task": "members.tasks.deliveries_release",
            # Every minute: deliveries the broker refused, or a dead worker
            # left claimed, go out within two minutes (members.tasks).
            "every": 60,
            "description": _("Sends e-mail held for quiet hours or stranded."),
        }
        drop_dir = {
            "name": "hrm:import-drop-dir",
            "task": "members.tasks.import_drop_dir_scan",
            "crontab": {"minute": "*/15"},
            "description": _("Imports HRM files dropped for each employer."),
        }
        programmes = {
            "name": "programmes:refresh-nightly",
            "task": "members.tasks.programmes_refresh_all",
            "crontab": {"minute": "30", "hour": "1"},
            "description": _("Generates the care programmes' eligible lists again."),
        }
        retention = {
            "name": "privacy:retention",
            "task": "members.tasks.retention_run",
            "crontab": {"minute": "45", "hour": "2"},
            "description": _(
                "De-identifies members who left longer ago than the retention period."
            ),
        }
        import_files = {
            "name": "hrm:import-files-purge",
            "task": "members.tasks.import_files_purge",
            "crontab": {"minute": "15", "hour": "3"},
            "description": _("Deletes stored HRM files past their retention period."),
        }
        return [
            release,
            drop_dir,
            programmes,
            retention,
            import_files,
            *reminder_schedules(),
        ]

    def ready(self):
        from django.db.models.signals import post_migrate
        from django.utils.module_loading import autodiscover_modules

        # Register changes refresh the care programmes' eligible lists.
        import members.receivers.programmes

        # Register changes bump the cached figures built on it (members.cache).
        import members.receivers.register

        # The members app's reminder kinds: the topic modules of its reminders
        # package (members.reminders itself is the registry and imports none).
        import members.reminders.care
        import members.reminders.consultations
        import members.reminders.privacy
        import members.reminders.programmes  # noqa: F401

        # Each other app declares its reminder kinds in its own reminders.py.
        autodiscover_modules("reminders")

        post_migrate.connect(_install_role_groups)
        _privacy_ready()
        # check --deploy: the portal's database role cannot destroy the audit trail.
        from members import checks  # noqa: F401


def _privacy_ready():
    """Connect the audit trail's receivers, log masking and the 2FA grace start."""
    from celery.signals import after_setup_logger, after_setup_task_logger
    from django.contrib.auth.signals import user_logged_in

    from members.logging import celery_handlers_mask

    # Import runs are audited when created, whichever door they came in by.
    from members.receivers import audit  # noqa: F401
    from members.second_factor import second_factor_grace_on_login

    # A worker replaces the root handlers: national IDs are masked there too.
    after_setup_logger.connect(
        celery_handlers_mask, weak=False, dispatch_uid="members_mask_logger"
    )
    after_setup_task_logger.connect(
        celery_handlers_mask, weak=False, dispatch_uid="members_mask_task_logger"
    )
    # Staff who can see personal data have a grace period to set up a second
    # factor from their first login (members.second_factor).
    user_logged_in.connect(
        second_factor_grace_on_login, dispatch_uid="members_second_factor_grace"
    )


def _install_role_groups(sender, **kwargs):
    # Runs for each app after its permissions exist (auth connects first).
    if getattr(sender, "staff_role_permissions", None):
        from members.services.staff import role_groups_install

        role_groups_install(app_label=sender.label)
