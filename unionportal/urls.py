"""URLs of the portal: the admin, accounts, the shell, and each app's pages."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from unionportal import views

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = _("Union Portal administration")
admin.site.site_title = _("Union Portal")
admin.site.index_title = _("Union work")

portal_patterns = [
    path("", views.home, name="home"),
    path("offline/", views.offline, name="offline"),
    path("them/", views.more, name="more"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("favicon.ico", views.favicon, name="favicon"),
]

urlpatterns = [
    path("", include((portal_patterns, "portal"))),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/web", views.healthz_web, name="healthz-web"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("members.urls")),
    path("", include("learning.urls")),
    path("", include("inspections.urls")),
    path("", include("feedback.urls")),
    path("admin/", admin.site.urls),
]
