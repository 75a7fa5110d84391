"""Admin of certificates: read-only, revoked with a reason through the service."""

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
from learning.models import Certificate
from members.scoped_admin import ScopedModelAdmin


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("reason for revoking"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


@admin.register(Certificate)
class CertificateAdmin(ScopedModelAdmin):
    list_display = ("uuid", "member", "course", "issued_at", "expires_at", "revoked_at")
    list_select_related = ("member", "course")
    list_filter = ("issued_at", "revoked_at")
    search_fields = ("member__full_name", "course__title", "=uuid")
    date_hierarchy = "issued_at"
    readonly_fields = (
        "uuid",
        "member",
        "course",
        "enrolment",
        "issued_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "revoke_url": reverse(
                "admin:learning_certificate_revoke", args=[object_id]
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def revoke_view(self, request, object_id):
        certificate = self.get_object(request, unquote(object_id))
        if certificate is None:
            raise Http404(_("No such certificate."))
        if not self.has_change_permission(request, certificate):
            raise PermissionDenied
        form = RevokeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.certificate_revoke(
                    certificate=certificate,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("The certificate was revoked."))
                return redirect(
                    reverse(
                        "admin:learning_certificate_change",
                        args=[quote(certificate.pk)],
                    )
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": certificate,
            "title": _("Revoke the certificate of %(member)s")
            % {"member": certificate.member},
            "subtitle": None,
            "form": form,
            "has_view_permission": True,
        }
        return TemplateResponse(
            request, "admin/learning/certificate/revoke.html", context
        )
