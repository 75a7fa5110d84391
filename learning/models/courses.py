"""Courses, their modules and lessons (video, text, quiz), as staff author them."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from learning.models.text import NFCCharField, NFCTextField
from members.models import Unit

VIDEO_EXTENSIONS = ["mp4", "webm"]
IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]


def captions_validator(file) -> None:
    """Refuse a captions file that is not WebVTT (it starts with "WEBVTT")."""
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    if isinstance(head, bytes):
        head = head.decode("utf-8", "replace")
    if not head.lstrip("\ufeff").startswith("WEBVTT"):
        raise ValidationError(
            _("A captions file must be WebVTT: its first line starts with WEBVTT."),
            code="captions_not_webvtt",
        )


class Course(models.Model):
    """A course of a unit; a copy is a new version with its own learners' records."""

    class Category(models.TextChoices):
        DIGITAL = "digital", _("Digital skills")
        VOCATIONAL = "vocational", _("Vocational skills")
        OFFICER = "officer", _("Union-officer training")
        LAW = "law", _("Law and policy")

    class Audience(models.TextChoices):
        ALL = "all", _("All members")
        UNITS = "units", _("Members of some units")
        OFFICERS = "officers", _("Union officers only")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("course", "Draft")
        PUBLISHED = "published", pgettext_lazy("course", "Published")

    title = NFCCharField(_("title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = NFCTextField(_("summary"), blank=True)
    cover = models.FileField(
        _("cover image"),
        upload_to="learning/covers/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS)],
        help_text=_("JPEG, PNG or WebP."),
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.ALL
    )
    audience_units = models.ManyToManyField(
        Unit,
        verbose_name=_("units of the audience"),
        blank=True,
        related_name="+",
        help_text=_(
            "For an audience of some units: their members and the members of "
            "the units under them."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    deadline = models.DateField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("Members who enrol themselves have until this day."),
    )
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("owner unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Staff of this unit and of the units above it edit the course."),
    )
    # Versions of one course share a lineage; a copy takes the next number.
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1, editable=False)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="copies",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path = "owner_unit__path"

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["lineage", "version"],
                name="course_lineage_version_unique",
                violation_error_message=_("This version of the course exists."),
            ),
        ]
        indexes = [models.Index(fields=["status", "audience"])]

    def __str__(self):
        if self.version > 1:
            return f"{self.title} (v{self.version})"
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Module(models.Model):
    """A chapter of a course, holding its lessons in order."""

    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="modules",
    )
    title = NFCCharField(_("title"), max_length=255)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    scope_path = "course__owner_unit__path"

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "order", "pk"]

    def __str__(self):
        return self.title


class Lesson(models.Model):
    """A short lesson: a video, a text, or a quiz."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video")
        TEXT = "text", _("Text")
        QUIZ = "quiz", _("Quiz")

    module = models.ForeignKey(
        Module,
        verbose_name=_("module"),
        on_delete=models.CASCADE,
        related_name="lessons",
    )
    title = NFCCharField(_("title"), max_length=255)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("The course completes when all its required lessons do."),
    )
    body = NFCTextField(_("text"), blank=True)
    video_file = models.FileField(
        _("video file"),
        upload_to="learning/videos/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(VIDEO_EXTENSIONS)],
        help_text=_("MP4 or WebM."),
    )
    video_url = models.URLField(
        _("video address"),
        blank=True,
        help_text=_("A video hosted elsewhere, instead of an uploaded file."),
    )
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), null=True, blank=True
    )
    transcript = NFCTextField(_("transcript"), blank=True)
    captions = models.FileField(
        _("captions (WebVTT)"),
        upload_to="learning/captions/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(["vtt"]), captions_validator],
    )
    # Made by a worker from the uploaded file, for members on slow mobile data.
    low_bitrate_file = models.FileField(
        _("low-bitrate video"),
        upload_to="learning/videos/low/%Y/%m/",
        blank=True,
        editable=False,
    )

    scope_path = "module__course__owner_unit__path"
    # A member reaches the lessons of the courses they learn (members.scope).
    owner_path = "module__course__enrolments__member__user"

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["module", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(video_file__gt="") & Q(video_url__gt="")),
                name="lesson_one_video_source",
                violation_error_message=_(
                    "Give either a video file or a video address, not both."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        errors = {}
        if self.kind == self.Kind.VIDEO:
            if not self.video_file and not self.video_url:
                errors["video_file"] = _(
                    "A video lesson needs a video file or a video address."
                )
            if not self.duration_seconds:
                errors["duration_seconds"] = _(
                    "A video lesson needs its duration, to count what was watched."
                )
        elif self.video_file or self.video_url:
            errors["video_file"] = _("Only a video lesson has a video.")
        if self.kind == self.Kind.TEXT and not self.body:
            errors["body"] = _("A text lesson needs its text.")
        if errors:
            raise ValidationError(errors)
