"""Admin of the register: thin, scoped, and writing through members.services."""

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from members import services
from members.admin.picture import RegisterPictureAdminMixin
from members.admin.privacy import MemberAuditMixin, RetentionListFilter
from members.models import (
    CareCase,
    Member,
    Relative,
    StaffRole,
    Transfer,
    Unit,
    User,
    relatives_allowed_q,
)
from members.resources import MemberResource
from members.scope import scoped, staff_unit_paths, unit_in_scope
from members.scoped_admin import (
    ScopedFieldsMixin,
    ScopedModelAdmin,
    ScopedTabularInline,
    SuperusersOnlyMixin,
    superusers_only,
)
from members.selectors.register import member_search_q

# Accounts -------------------------------------------------------------------


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    filter_horizontal = ("groups",)

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        # Staff give roles through staff roles; they cannot raise anyone's rights.
        return (*self.readonly_fields, "is_staff", "is_superuser", "groups")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        if obj is not None and not _account_in_scope(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not _account_in_scope(request.user, obj):
            return False
        return super().has_delete_permission(request, obj)


def _account_in_scope(staff, account) -> bool:
    """Return whether every right and record behind an account lies in the scope.

    Staff see the accounts of their units' members and staff, but changing the
    password, e-mail or roles of an account that also opens other units (a
    sector officer who is a member here) would hand those units over.
    """
    if staff.is_superuser:
        return True
    if account.is_superuser:
        return False
    units = [role.unit for role in account.staff_roles.select_related("unit")]
    members = Member.objects.filter(user=account).select_related("unit")
    units += [member.unit for member in members]
    return all(unit_in_scope(staff, unit) for unit in units)


# allauth's admin lists every account's addresses; staff see those in their scope.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(ScopedFieldsMixin, AllauthEmailAddressAdmin):
    # allauth's raw-id input names whatever account an id is typed for; the
    # autocomplete offers and names only the accounts in scope.
    raw_id_fields = ()
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        users = scoped(User.objects.all(), request.user)
        return super().get_queryset(request).filter(user__in=users)

    # An address is a way into its account (a password reset): like the
    # account's own e-mail, staff change it only for accounts wholly in scope.
    def has_change_permission(self, request, obj=None):
        if obj is not None and not _account_in_scope(request.user, obj.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not _account_in_scope(request.user, obj.user):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        staff = request.user

        class AddressForm(form):
            def clean_user(self):
                account = self.cleaned_data.get("user")
                if account is not None and not _account_in_scope(staff, account):
                    raise ValidationError(
                        _(
                            "Only staff above this account may change its e-mail "
                            "addresses."
                        )
                    )
                return account

        return AddressForm


# Sign-in security (authenticator apps with their secrets, failed logins with
# e-mail and address) covers every account, beyond any unit: superusers only.
superusers_only(admin.site, AccessAttempt, AccessFailureLog, AccessLog)


# allauth's admin deletes authenticators without a word to the audit trail:
# a superuser removing an officer's lost phone is recorded like the officer's own.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(SuperusersOnlyMixin, AllauthAuthenticatorAdmin):
    def delete_model(self, request, obj):
        services.authenticator_remove(authenticator=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for authenticator in queryset:
            services.authenticator_remove(
                authenticator=authenticator, actor=request.user
            )


@admin.register(StaffRole)
class StaffRoleAdmin(ScopedModelAdmin):
    list_display = ("user", "unit", "role", "created_at")
    list_filter = ("role",)
    list_select_related = ("user", "unit")
    search_fields = ("user__email", "user__name", "unit__name", "unit__code")
    autocomplete_fields = ("user", "unit")

    def save_model(self, request, obj, form, change):
        if change:
            old = StaffRole.objects.get(pk=obj.pk)
            services.staff_role_revoke(staff_role=old, actor=request.user)
        granted = services.staff_role_grant(
            user=obj.user, unit=obj.unit, role=obj.role, actor=request.user
        )
        obj.pk = granted.pk

    def delete_model(self, request, obj):
        services.staff_role_revoke(staff_role=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for staff_role in queryset:
            services.staff_role_revoke(staff_role=staff_role, actor=request.user)


# Units ----------------------------------------------------------------------


class UnitForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        label=_("parent unit"),
        help_text=_("Changing it moves the unit with all the units under it."),
    )

    class Meta:
        model = Unit
        fields = ("code", "name", "level", "is_active", "is_employer", "employer_name")

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("is_employer")
            and not cleaned.get("employer_name")
            and cleaned.get("name")
        ):
            cleaned["employer_name"] = Unit.employer_name_from(cleaned["name"])
        return cleaned


@admin.register(Unit)
class UnitAdmin(ScopedModelAdmin):
    form = UnitForm
    list_display = ("indented_name", "code", "level", "is_employer", "is_active")
    list_filter = ("level", "is_active", "is_employer")
    search_fields = ("name", "code", "employer_name")
    ordering = ("path",)
    fields = (
        "parent",
        "code",
        "name",
        "level",
        "is_active",
        "is_employer",
        "employer_name",
    )

    @admin.display(description=_("name"), ordering="path")
    def indented_name(self, obj):
        return "— " * (obj.depth - 1) + obj.name

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        parents = scoped(Unit.objects.order_by("path"), request.user)
        if obj is not None:
            parents = parents.exclude(path__startswith=obj.path)
        form.base_fields["parent"].queryset = parents
        # Adding needs a parent in scope; editing without one keeps the unit in place.
        form.base_fields["parent"].required = obj is None and not (
            request.user.is_superuser
        )
        if obj is not None:
            form.base_fields["parent"].initial = Unit.objects.get_parent(obj)
        return form

    def save_model(self, request, obj, form, change):
        parent = form.cleaned_data.get("parent")
        if not change:
            created = services.unit_create(
                code=obj.code,
                name=obj.name,
                level=obj.level,
                parent=parent,
                is_employer=obj.is_employer,
                employer_name=obj.employer_name,
                actor=request.user,
            )
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            return
        with transaction.atomic():
            obj.save(
                update_fields=[
                    "code",
                    "name",
                    "level",
                    "is_active",
                    "is_employer",
                    "employer_name",
                ]
            )
            current = Unit.objects.get_parent(Unit.objects.get(pk=obj.pk))
            if parent is not None and parent != current:
                services.unit_move(unit=obj, new_parent=parent, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # Units keep history (members, care, transfers); deactivate them instead.
        return False


# Members --------------------------------------------------------------------


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = (
            "full_name",
            "gender",
            "date_of_birth",
            "national_id",
            "phone",
            "email",
            "unit",
            "status",
            "card_number",
            "union_joined_on",
            "user",
            "employee_code",
            "position",
            "employment_status",
        )

    def _post_clean(self):
        super()._post_clean()
        try:
            services.member_normalise(self.instance)
            # The employer comes from the unit, so its constraints are checked here.
            self.instance.validate_constraints()
        except ValidationError as error:
            self._update_errors(error)


class EmployerFilter(admin.RelatedFieldListFilter):
    """Offer the employers above or below the user's units, from the units table.

    RelatedOnlyFieldListFilter finds them with SELECT DISTINCT over every member
    in scope: a scan of the register on each changelist request.
    """

    def field_choices(self, field, request, model_admin):
        paths = staff_unit_paths(request.user)
        employers = Unit.objects.filter(is_employer=True).order_by("path")
        return [
            (unit.pk, unit.company_name)
            for unit in employers
            if paths is None
            or any(unit.path.startswith(p) or p.startswith(unit.path) for p in paths)
        ]


class UnitSubtreeFilter(admin.SimpleListFilter):
    """Filter by a unit's subtree, offering one level of the tree at a time.

    Before a choice: the units right under the user's own; after one: that unit
    and the units right under it. A sector officer sees a handful of links, not
    the thousand units of the sector.
    """

    title = _("union unit")
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
                    below |= Q(path__startswith=p, depth=len(p) // Unit.steplen + 1)
            units = visible.filter(below).order_by("path")
        return [(str(unit.pk), unit.name) for unit in units]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        unit = scoped(Unit.objects.all(), request.user).filter(pk=self.value()).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(unit__path__startswith=unit.path)


class RelativeInline(ScopedTabularInline):
    model = Relative
    extra = 0
    fields = ("full_name", "relationship", "date_of_birth", "phone", "note")
    # A note of a line or two: a default textarea would make the row 40 columns
    # wider than the page.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 20})}
    }

    def get_queryset(self, request):
        # Relatives whose member withdrew consent are not processed (Consent).
        return super().get_queryset(request).filter(relatives_allowed_q())


class CareCaseInline(ScopedTabularInline):
    model = CareCase
    extra = 0
    fields = ("kind", "summary", "opened_on", "status", "last_visit_on")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TransferInline(ScopedTabularInline):
    model = Transfer
    fk_name = "member"
    extra = 0
    fields = ("from_unit", "to_unit", "transfer_on", "state", "decided_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(
    MemberAuditMixin, RegisterPictureAdminMixin, ExportMixin, ScopedModelAdmin
):
    form = MemberForm
    resource_classes = [MemberResource]
    # What a laptop's width holds on one line a member; the rest is on the
    # change page.
    list_display = ("full_name", "unit", "status", "phone")
    list_filter = (
        "status",
        "gender",
        ("employer", EmployerFilter),
        UnitSubtreeFilter,
        RetentionListFilter,
    )
    list_select_related = ("unit",)
    ordering = ("full_name_folded", "pk")
    search_fields = ("full_name_folded",)
    search_help_text = _(
        "Name (with or without diacritics), employee code, CCCD or phone."
    )
    autocomplete_fields = ("unit", "employer", "user")
    inlines = (RelativeInline, CareCaseInline, TransferInline)
    show_full_result_count = False
    # Fifty rows a page: a page of a common surname renders in half the time.
    list_per_page = 50
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("full_name", "gender", "date_of_birth"),
                    ("national_id", "phone", "email"),
                )
            },
        ),
        (
            _("Union"),
            {
                "fields": (
                    ("unit", "status"),
                    ("card_number", "union_joined_on"),
                    "user",
                )
            },
        ),
        (
            _("Employment"),
            {
                "fields": (
                    ("employer_company", "employee_code"),
                    ("position", "employment_status"),
                )
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # The unit changes through a transfer; the employer follows the unit.
        if obj is None:
            return ("employer_company",)
        return ("unit", "employer_company", "employee_code")

    @admin.display(description=_("employer"))
    def employer_company(self, obj):
        # The company, not its union (Unit.company_name).
        return obj.employer.company_name if obj and obj.employer_id else "—"

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(member_search_q(search_term)), False

    def get_ordering(self, request):
        if request.GET.get(SEARCH_VAR, "").strip():
            # The same order (the column is never NULL), but one the name's btree
            # cannot give: PostgreSQL takes the matches from the trigram index and
            # sorts them, instead of walking the register in name order when a
            # common term sorts late (docs/benchmarks.md).
            return (F("full_name_folded").asc(nulls_first=True), "pk")
        return super().get_ordering(request)

    def save_model(self, request, obj, form, change):
        services.member_save(member=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Relative:
            return super().save_formset(request, form, formset, change)
        for relative in formset.save(commit=False):
            services.relative_save(relative=relative, actor=request.user)
        for relative in formset.deleted_objects:
            services.relative_delete(relative=relative, actor=request.user)
        return None

    def has_delete_permission(self, request, obj=None):
        # A member is never deleted: they leave, retire or transfer.
        return False

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).select_related("unit", "employer")


@admin.register(Relative)
class RelativeAdmin(ScopedModelAdmin):
    list_display = ("full_name", "relationship", "date_of_birth", "member")
    list_filter = ("relationship",)
    list_select_related = ("member",)
    search_fields = ("full_name",)
    autocomplete_fields = ("member",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(relatives_allowed_q())

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        q = member_search_q(search_term, prefix="member__")
        q |= Q(full_name__icontains=search_term.strip())
        return queryset.filter(q), False

    def save_model(self, request, obj, form, change):
        services.relative_save(relative=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.relative_delete(relative=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for relative in queryset:
            services.relative_delete(relative=relative, actor=request.user)
