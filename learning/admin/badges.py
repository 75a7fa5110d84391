"""Admin of badges: their classes, and awards given by hand or revoked with a reason."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning import services
from learning.models import Badge, BadgeAward
from learning.selectors.badges import assertion_url
from members.scoped_admin import ScopedFieldsMixin, ScopedModelAdmin, scope_exempt

scope_exempt(
    "learning.Badge",
    why=(
        "badge classes: the union's published definitions (public as Open "
        "Badges), no member's data; the course a rule names is chosen in scope"
    ),
)


@admin.register(Badge)
class BadgeAdmin(ScopedFieldsMixin, admin.ModelAdmin):
    list_display = ("name", "rule", "threshold", "course", "is_active")
    list_filter = ("rule", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("course",)

    def has_delete_permission(self, request, obj=None):
        # An award's public record points at its badge for good.
        return obj is None or not obj.awards.exists()


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("reason for revoking"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class AwardForm(forms.ModelForm):
    class Meta:
        model = BadgeAward
        fields = ("badge", "member", "reason")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["badge"].queryset = Badge.objects.filter(
            rule=Badge.Rule.MANUAL, is_active=True
        )
        self.fields["reason"].required = True


@admin.register(BadgeAward)
class BadgeAwardAdmin(ScopedModelAdmin):
    list_display = ("badge", "member", "awarded_at", "awarded_by", "revoked_at")
    list_select_related = ("badge", "member", "awarded_by")
    list_filter = ("badge", "awarded_at", "revoked_at")
    search_fields = ("member__full_name", "badge__name", "=uuid")
    autocomplete_fields = ("member",)
    readonly_fields = (
        "uuid",
        "badge",
        "member",
        "source",
        "reason",
        "awarded_at",
        "awarded_by",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
        "public_record",
    )

    @admin.display(description=gettext_lazy("public record"))
    def public_record(self, obj):
        return assertion_url(obj) if obj and obj.pk else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AwardForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("badge", "member", "reason") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        award = services.badge_award_manual(
            badge=form.cleaned_data["badge"],
            member=form.cleaned_data["member"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        obj.pk = award.pk

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/thu-hoi/",
                self.admin_site.admin_view(self.revoke_view),
                name="{}_{}_revoke".format(*info),
            ),
            *super().get_urls(),
        ]

    def revoke_view(self, request, object_id):
        award = self.get_object(request, unquote(object_id))
        if award is None:
            raise Http404(_("No such badge award."))
        if not self.has_change_permission(request, award):
            raise PermissionDenied
        form = RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.badge_revoke(
                    award=award,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("The badge was revoked."))
                return redirect(
                    reverse("admin:learning_badgeaward_change", args=[quote(award.pk)])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": award,
            "title": _("Revoke the badge of %(member)s") % {"member": award.member},
            "subtitle": None,
            "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(
            request, "admin/learning/badgeaward/revoke.html", context
        )
