"""A course's question bank in the admin: import a GIFT or Aiken file, export it."""

import base64
import binascii

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning import question_formats as qf
from learning.models import Course
from learning.services.question_bank import bank_export, questions_import

MAX_BYTES = 2 * 1024 * 1024
FORMAT_CHOICES = [("gift", "GIFT"), ("aiken", "Aiken")]


class QuestionFileForm(forms.Form):
    format = forms.ChoiceField(label=gettext_lazy("format"), choices=FORMAT_CHOICES)
    file = forms.FileField(
        label=gettext_lazy("question file"),
        help_text=gettext_lazy("A Moodle GIFT or Aiken text file, at most 2 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB."),
                code="too_large",
                params={"limit": MAX_BYTES // (1024 * 1024)},
            )
        return upload


class QuestionBankAdminMixin:
    """Pages of a course's bank, each reached through the scoped ``get_object``."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/ngan-hang-cau-hoi/nhap/",
                wrap(self.questions_import_view),
                name="{}_{}_questions_import".format(*info),
            ),
            path(
                "<path:object_id>/ngan-hang-cau-hoi/xuat-gift/",
                wrap(self.questions_export_view),
                {"format": "gift"},
                name="{}_{}_questions_export_gift".format(*info),
            ),
            path(
                "<path:object_id>/ngan-hang-cau-hoi/xuat-aiken/",
                wrap(self.questions_export_view),
                {"format": "aiken"},
                name="{}_{}_questions_export_aiken".format(*info),
            ),
            *super().get_urls(),
        ]

    def _course_or_404(self, request, object_id, *, change: bool) -> Course:
        course = self.get_object(request, unquote(object_id))
        if course is None:
            raise Http404(_("No such course."))
        allowed = (
            self.has_change_permission(request, course)
            and request.user.has_perm("learning.add_question")
            if change
            else self.has_view_or_change_permission(request, course)
        )
        if not allowed:
            raise PermissionDenied
        return course

    def questions_export_view(self, request, object_id, format):
        course = self._course_or_404(request, object_id, change=False)
        exported = bank_export(course=course, format=format, actor=request.user)
        response = HttpResponse(exported.text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{course.slug}-{format}.txt"'
        )
        if exported.refused:
            response["X-Questions-Not-Exported"] = str(len(exported.refused))
        return response

    def questions_import_view(self, request, object_id):
        course = self._course_or_404(request, object_id, change=True)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": course,
            "course": course,
            "title": _("Import questions into %(course)s") % {"course": course},
            "subtitle": None,
            "has_view_permission": True,
        }
        if request.method == "POST" and "content" in request.POST:
            response = self._questions_confirm(request, course, context)
            if response is not None:
                return response
            form = QuestionFileForm()
        else:
            form = QuestionFileForm(request.POST or None, request.FILES or None)
            if request.method == "POST" and form.is_valid():
                data = form.cleaned_data["file"].read()
                fmt = form.cleaned_data["format"]
                context.update(self._preview(data, fmt))
        context["form"] = form
        return TemplateResponse(
            request, "admin/learning/course/question_import.html", context
        )

    def _preview(self, data: bytes, fmt: str) -> dict:
        result = qf.parse(data, format=fmt)
        return {
            "result": result,
            "format": fmt,
            "content": base64.b64encode(data).decode("ascii"),
            "preview": True,
        }

    def _questions_confirm(self, request, course, context):
        fmt = request.POST.get("format", "")
        try:
            data = base64.b64decode(request.POST["content"], validate=True)
        except (binascii.Error, ValueError):
            data = None
        if fmt not in qf.FORMATS or data is None or len(data) > MAX_BYTES:
            messages.error(request, _("The file was lost on the way; upload it again."))
            return None
        result = qf.parse(data, format=fmt)
        try:
            counts = questions_import(
                course=course,
                result=result,
                actor=request.user,
                valid_only=request.POST.get("valid_only") == "1",
            )
        except ValidationError as error:
            context.update(self._preview(data, fmt))
            context["refusal"] = " ".join(error.messages)
            context["form"] = QuestionFileForm()
            return TemplateResponse(
                request, "admin/learning/course/question_import.html", context
            )
        messages.success(
            request,
            _("%(count)d questions were added to the bank of %(course)s.")
            % {"count": sum(counts.values()), "course": course},
        )
        info = self.opts.app_label, self.opts.model_name
        return redirect(
            reverse("admin:{}_{}_change".format(*info), args=[quote(course.pk)])
        )
