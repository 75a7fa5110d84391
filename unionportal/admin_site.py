"""The admin site of the portal: Django's, with the staff home as its index."""

from django.contrib import admin

from unionportal.staff_home import staff_home_context


class PortalAdminSite(admin.AdminSite):
    """Django's admin site whose index is an officer's work page (staff_home)."""

    def index(self, request, extra_context=None):
        context = staff_home_context(request, self.get_app_list(request))
        return super().index(request, {**context, **(extra_context or {})})
