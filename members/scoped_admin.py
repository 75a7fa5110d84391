"""Admin base classes that put every admin surface under members.scope.

Changelists, change/delete/history views, actions and exports all read through
``get_queryset``; foreign-key dropdowns, raw-id inputs and autocompletes are
limited to scoped rows, so an out-of-scope id posted in a form is a form error.
Other apps' admins subclass these too.

An admin or an id-taking page that holds no member data says so once, in
``SCOPE_EXEMPT`` (through ``scope_exempt``): the scope crawler
(tests/members/test_scope.py) then requires no scope of it, but still crawls
it for the canaries. Every other registered admin and id-taking page must keep
out-of-scope rows out, or the crawler fails naming it.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from members.scope import scoped

# What holds no member data, and why: admins by model label ("auth.Group"),
# id-taking pages by URL name ("namespace:name").
SCOPE_EXEMPT: dict[str, str] = {
    "auth.Group": "permission groups: names and permissions, nobody's data",
    "django_celery_beat.PeriodicTask": "the schedule of the portal's tasks",
    "django_celery_beat.ClockedSchedule": "the schedule of the portal's tasks",
    "django_celery_beat.CrontabSchedule": "the schedule of the portal's tasks",
    "django_celery_beat.SolarSchedule": "the schedule of the portal's tasks",
    "django_celery_beat.IntervalSchedule": "the schedule of the portal's tasks",
    "admin:view_on_site": "no model of the portal has a page to send staff to",
    "account_reset_password_from_key": (
        "opened by the key sent by e-mail; the account id alone opens nothing"
    ),
}


def scope_exempt(name: str, *, why: str) -> None:
    """Declare that an admin (model label) or a page (URL name) holds no member data."""
    if not why.strip():
        raise ValueError(f"Say why {name} holds no member data.")
    SCOPE_EXEMPT[name] = why


# Pages anyone holding a code may open, by design (a certificate's verify page):
# they show what the printed document shows, and their app tests what they
# withhold. The scope crawler does not probe them with others' ids.
PUBLIC_PAGES: dict[str, str] = {}


def public_page(name: str, *, why: str) -> None:
    """Declare a URL name (``namespace:name``) public to anyone holding its code."""
    if not why.strip():
        raise ValueError(f"Say why {name} is public.")
    PUBLIC_PAGES[name] = why


def _scoped_queryset(db_field, request, queryset=None):
    """Return the related rows a foreign key may point at, or None if unscoped."""
    related = db_field.related_model
    if not hasattr(related, "scope_path"):
        return None
    base = queryset if queryset is not None else related._default_manager.all()
    return scoped(base, request.user)


class ScopedFieldsMixin:
    """Limit foreign-key and many-to-many choices to what the user may see."""

    # Foreign keys that may point anywhere (e.g. the receiving unit of a transfer).
    unscoped_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name not in self.unscoped_fields:
            queryset = _scoped_queryset(db_field, request, kwargs.get("queryset"))
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name not in self.unscoped_fields:
            queryset = _scoped_queryset(db_field, request, kwargs.get("queryset"))
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedModelAdmin(ScopedFieldsMixin, admin.ModelAdmin):
    """A ModelAdmin whose every read goes through the staff scope.

    ``get_queryset`` is ``members.scope.scoped``, so a row out of scope is
    missing from the changelist and its change, delete and history pages
    answer "not found"; foreign-key and many-to-many choices offer only rows
    in scope (``ScopedFieldsMixin``). The model declares ``scope_path``.
    """

    list_select_related: tuple[str, ...] | bool = ()

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)


class ScopedInline(ScopedFieldsMixin):
    """An inline whose rows and choices go through the staff scope."""

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)


class LabelledFieldsFormSet(forms.BaseInlineFormSet):
    """Name every input of a table row for assistive technology.

    A tabular inline shows its labels once, as the table's column headers,
    and renders each row's inputs without a <label>; a screen reader would
    announce "edit text" for each. Each input is named by its field's label.
    """

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if field.label and not field.widget.is_hidden:
                field.widget.attrs.setdefault("aria-label", str(field.label))


class ScopedTabularInline(ScopedInline, admin.TabularInline):
    formset = LabelledFieldsFormSet
    # Django's, with headers a screen reader can read and no empty ones.
    template = "admin/edit_inline/tabular_labelled.html"


class ScopedStackedInline(ScopedInline, admin.StackedInline):
    pass


class SuperusersOnlyMixin:
    """An admin of records about every account, beyond any unit: superusers only."""

    def has_module_permission(self, request):
        return request.user.is_superuser and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def superusers_only(site, *models) -> None:
    """Register the admins another app gave these models again, for superusers only."""
    for model in models:
        registered = type(site.get_model_admin(model))
        site.unregister(model)
        site.register(
            model, type(registered.__name__, (SuperusersOnlyMixin, registered), {})
        )


# Actions --------------------------------------------------------------------


def _action_report(request, done: int, failures: list[str]) -> None:
    """Tell staff how an action went: how many done, and why the rest were refused."""
    if done:
        messages.success(request, _("%(count)d done.") % {"count": done})
    for failure in failures:
        messages.error(request, failure)


def action_run_each(request, queryset, service, *, as_: str) -> None:
    """Call a service on each selected row; refusals are reported, not hidden.

    Each row is passed as ``service(**{as_: row}, actor=request.user)``, one
    call a row, so the service validates and audits each. A row refused with
    ValidationError or PermissionDenied is named in an error message with the
    reason, and the other rows go on; one success message counts the rows done.
    """
    done, failures = 0, []
    for obj in queryset:
        try:
            service(**{as_: obj}, actor=request.user)
        except (ValidationError, PermissionDenied) as error:
            text = "; ".join(getattr(error, "messages", [str(error)]))
            failures.append(f"{obj}: {text}")
        else:
            done += 1
    _action_report(request, done, failures)
