"""The baseline and the prototyped changes that benchmarks/members_admin.py measures.

The stock admin is what Django gives for Member out of the box. The proposals
are prototypes of changes to members/admin.py and members/selectors.py, kept
here so that their figures come from the same run as the project's; the
application does not use them. Import this module after django.setup().
"""

import sys
import types
from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Q, Value, When
from django.template.response import TemplateResponse
from django.urls import include, path
from django.utils import timezone

from members.admin import MemberAdmin
from members.models import CareCase, Member, Relative, Unit, birthday_key
from members.scope import scoped, staff_unit_paths
from members.selectors import UpcomingDate, _birthday_keys, _next_occurrence
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


class EmployerListFilter(admin.RelatedFieldListFilter):
    """Offer the employers above or below the user's units, from the units table.

    RelatedOnlyFieldListFilter finds them with SELECT DISTINCT over every
    member in scope: a scan of the register on each changelist request.
    """

    def field_choices(self, field, request, model_admin):
        paths = staff_unit_paths(request.user)
        employers = Unit.objects.filter(is_employer=True).order_by("path")
        return [
            (unit.pk, unit.name)
            for unit in employers
            if paths is None
            or any(unit.path.startswith(p) or p.startswith(unit.path) for p in paths)
        ]


class ScopedUnitListFilter(admin.RelatedFieldListFilter):
    """Offer every grassroots union and group in scope, from the units table."""

    def field_choices(self, field, request, model_admin):
        units = scoped(Unit.objects.all(), request.user).filter(
            level__in=(Unit.Level.GRASSROOTS, Unit.Level.GROUP)
        )
        return [(unit.pk, unit.name) for unit in units.order_by("path")]


class UnitSubtreeFilter(admin.SimpleListFilter):
    """Filter by a unit's subtree, offering one level of the tree at a time.

    Before a choice: the units right under the user's own; after one: that
    unit and the units right under it. A sector officer sees 5 links, not 994.
    """

    title = "union unit"
    parameter_name = "subtree"

    def lookups(self, request, model_admin):
        visible = scoped(Unit.objects.all(), request.user)
        chosen = visible.filter(pk=self.value()).first() if self.value() else None
        if chosen is not None:
            below = Q(path__startswith=chosen.path, depth=chosen.depth + 1)
            units = [chosen, *visible.filter(below).order_by("path")]
        else:
            paths = staff_unit_paths(request.user)
            below = Q(depth=1)
            if paths is not None:
                below = Q(pk__in=[])
                for p in paths:
                    depth = len(p) // Unit.steplen + 1
                    below |= Q(path__startswith=p, depth=depth)
            units = visible.filter(below).order_by("path")
        return [(str(unit.pk), unit.name) for unit in units]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        unit = scoped(Unit.objects.all(), request.user).filter(pk=self.value()).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(unit__path__startswith=unit.path)


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


def capped_care_radar(*, user, days: int, limit: int = RADAR_LIMIT) -> dict:
    """Return the care radar with each list cut at ``limit`` rows.

    A prototype of a bounded members.selectors.care_radar: the same filters,
    the most urgent rows first; one row more than shown is read to tell the
    page that there are more (a COUNT would cost a scan of its own).
    """
    today = timezone.localdate()
    since, until = today - timedelta(days=days), today + timedelta(days=days)
    cases = scoped(CareCase.objects.all(), user).filter(status=CareCase.Status.OPEN)
    stale = list(
        cases.filter(
            Q(last_visit_on__lt=since)
            | Q(last_visit_on__isnull=True, opened_on__lt=since)
        )
        .select_related("member__unit", "relative")
        .order_by("last_visit_on", "opened_on")[: limit + 1]
    )
    keys = _birthday_keys(today, days)
    # Birthdays from today to 31 December first, then those after New Year.
    soonest = (
        Case(When(birthday_key__lt=birthday_key(today), then=Value(1)), default=0),
        "birthday_key",
        "pk",
    )
    members = (
        scoped(Member.objects.all(), user)
        .filter(status=Member.Status.ACTIVE, birthday_key__in=keys)
        .select_related("unit")
        .order_by(*soonest)[: limit + 1]
    )
    relatives = (
        scoped(Relative.objects.all(), user)
        .filter(birthday_key__in=keys, member__status=Member.Status.ACTIVE)
        .select_related("member__unit")
        .order_by(*soonest)[: limit + 1]
    )
    follow_ups = (
        cases.filter(follow_up_on__range=(today, until))
        .select_related("member__unit", "relative")
        .order_by("follow_up_on", "pk")[: limit + 1]
    )
    upcoming = [
        UpcomingDate(
            _next_occurrence(m.date_of_birth, today), "member_birthday", m.full_name, m
        )
        for m in members
    ]
    upcoming += [
        UpcomingDate(
            _next_occurrence(r.date_of_birth, today),
            "relative_birthday",
            r.full_name,
            r.member,
            r.get_relationship_display(),
        )
        for r in relatives
    ]
    upcoming += [
        UpcomingDate(
            c.follow_up_on, "follow_up", c.member.full_name, c.member, c.summary
        )
        for c in follow_ups
    ]
    upcoming.sort(key=lambda item: (item.on, item.person))
    return {
        "today": today,
        "days": days,
        "stale_cases": stale[:limit],
        "stale_more": len(stale) > limit,
        "upcoming": upcoming[:limit],
        "upcoming_more": len(upcoming) > limit,
    }


def capped_radar_view(request):
    """Render the radar's template with the bounded lists."""
    if not admin.site._registry[CareCase].has_view_permission(request):
        raise PermissionDenied
    days = max(1, min(int(request.GET.get("days", 14)), 90))
    context = {
        **admin.site.each_context(request),
        "title": "Care radar",
        "opts": CareCase._meta,
        **capped_care_radar(user=request.user, days=days),
    }
    return TemplateResponse(request, "admin/members/care_radar.html", context)
