"""App config for the portal shell."""

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class UnionPortalConfig(AppConfig):
    # The app's own config among the module's two (see LoginLocksConfig).
    default = True
    name = "unionportal"
    verbose_name = _("Union Portal")
    celery_schedules = [
        {
            "name": "worker-heartbeat",
            "task": "unionportal.tasks.worker_heartbeat",
            "every": 30,
            "description": _("Shows on /healthz that a worker and beat are alive."),
        },
    ]
    portal_nav = [
        {
            "url_name": "portal:home",
            "label": _("Home"),
            "icon": "home",
            "order": 0,
            "tab": True,
        },
    ]

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_install_schedules)


def _install_schedules(sender, **kwargs):
    # The portal has no models, so it hooks onto the beat app's own migrations.
    if sender.name == "django_celery_beat":
        from unionportal.schedules import schedules_install

        schedules_install()


class LoginLocksConfig(AxesAppConfig):
    """django-axes under a Vietnamese name in the admin (it declares none)."""

    verbose_name = _("Login locks")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose default site has the staff home as its index."""

    # Named in INSTALLED_APPS; the module's default stays UnionPortalConfig.
    default = False
    default_site = "unionportal.admin_site.PortalAdminSite"

    def ready(self):
        super().ready()
        # Django writes a boolean's icon with alt="True"/"False" in English
        # whatever the language; every caller looks the function up when it
        # runs, so the admin's lists and forms read "Có"/"Không" instead.
        from django.contrib.admin.templatetags import admin_list

        admin_list._boolean_icon = boolean_icon


def boolean_icon(field_val) -> str:
    """Return the admin's yes/no/unknown icon, its alt text in the user's language."""
    from django.templatetags.static import static
    from django.utils.html import format_html
    from django.utils.translation import gettext

    name = {True: "yes", False: "no", None: "unknown"}[field_val]
    label = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}
    return format_html(
        '<img src="{}" alt="{}">',
        static(f"admin/img/icon-{name}.svg"),
        label[field_val],
    )
