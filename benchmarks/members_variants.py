"""The baseline and the prototyped changes that benchmarks/members_admin.py measures.

The stock admin is what Django gives for Member out of the box. The proposals
were prototypes of changes to members/admin/ and members/selectors/; the
project has adopted the drill-down filters, the search ordering and the bounded
radar, which the "proposal" sites now take from the project itself, and only
the flat unit filter remains a variant of its own here. Import this module
after django.setup().
"""

import sys
import types

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.template.response import TemplateResponse
from django.urls import include, path

from members.admin.register import EmployerFilter as EmployerListFilter
from members.admin.register import MemberAdmin, UnitSubtreeFilter
from members.models import CareCase, Member, Unit
from members.scope import scoped
from members.selectors.care import care_radar
from unionportal import urls as project_urls

BASELINE = "baseline"
PROPOSAL = "proposal"
PROPOSAL_FILTERS = "proposal-filters"
PROPOSAL_FLAT = "proposal-flat"
RADAR_LIMIT = 50


def urlconf() -> str:
    """Return a URLconf: the project's URLs, the stock site, the proposal sites."""
    module = types.ModuleType("benchmarks_members_admin_urls")
    module.urlpatterns = [
        path(
            "proposed-care-radar/",
            admin.site.admin_view(capped_radar_view),
            name="bench_capped_radar",
        ),
        path(f"{BASELINE}/", _site_like_project(BASELINE, StockMemberAdmin).urls),
        path(f"{PROPOSAL}/", _site_like_project(PROPOSAL, ProposedMemberAdmin).urls),
        path(
            f"{PROPOSAL_FILTERS}/",
            _site_like_project(PROPOSAL_FILTERS, FiltersMemberAdmin).urls,
        ),
        path(
            f"{PROPOSAL_FLAT}/",
            _site_like_project(PROPOSAL_FLAT, FlatFiltersMemberAdmin).urls,
        ),
        path("", include(project_urls.urlpatterns)),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


def _site_like_project(name: str, member_admin: type) -> admin.AdminSite:
    """Return a site with the project's registry and another Member admin.

    The whole registry is copied so that the navigation sidebar, rendered on
    every admin page, costs the same as on the project's site.
    """
    site = admin.AdminSite(name=name)
    for model, model_admin in admin.site._registry.items():
        if model is not Member:
            site.register(model, type(model_admin))
    site.register(Member, member_admin)
    return site


class StockMemberAdmin(admin.ModelAdmin):
    """Django out of the box: icontains on the stored name, no scope.

    The columns and filters are the project's; the search, the ordering (-pk)
    and the unfiltered count beside the filtered one are Django's defaults.
    """

    list_display = (
        "full_name",
        "employee_code",
        "unit",
        "employer",
        "gender",
        "date_of_birth",
        "status",
    )
    list_filter = (
        "status",
        "gender",
        ("employer", admin.RelatedOnlyFieldListFilter),
        ("unit", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("unit", "employer")
    search_fields = ("full_name",)


# Proposal: list filters that do not read the members table ------------------


class ScopedUnitListFilter(admin.RelatedFieldListFilter):
    """Offer every grassroots union and group in scope, from the units table."""

    def field_choices(self, field, request, model_admin):
        units = scoped(Unit.objects.all(), request.user).filter(
            level__in=(Unit.Level.GRASSROOTS, Unit.Level.GROUP)
        )
        return [(unit.pk, unit.name) for unit in units.order_by("path")]


class FlatFiltersMemberAdmin(MemberAdmin):
    """The same filters as now, their choices read from the units table."""

    list_filter = (
        "status",
        "gender",
        ("employer", EmployerListFilter),
        ("unit", ScopedUnitListFilter),
    )


class FiltersMemberAdmin(MemberAdmin):
    """Filters from the units table, the unit one as a drill-down."""

    list_filter = (
        "status",
        "gender",
        ("employer", EmployerListFilter),
        UnitSubtreeFilter,
    )


class ProposedMemberAdmin(FiltersMemberAdmin):
    """The filters above, and search results in an order the index cannot give."""

    def get_ordering(self, request):
        if request.GET.get(SEARCH_VAR, "").strip():
            # The same order (the column is never NULL), but one the name's
            # btree index cannot give: PostgreSQL then takes the matches from
            # the trigram index and sorts them, instead of walking the whole
            # register in name order when a common term sorts late.
            return (F("full_name_folded").asc(nulls_first=True), "pk")
        return super().get_ordering(request)


# Proposal: a care radar with bounded lists -----------------------------------


def capped_radar_view(request):
    """Render the radar's template with the bounded lists."""
    if not admin.site._registry[CareCase].has_view_permission(request):
        raise PermissionDenied
    days = max(1, min(int(request.GET.get("days", 14)), 90))
    context = {
        **admin.site.each_context(request),
        "title": "Care radar",
        "opts": CareCase._meta,
        **care_radar(user=request.user, days=days, limit=RADAR_LIMIT),
    }
    return TemplateResponse(request, "admin/members/carecase/radar.html", context)
