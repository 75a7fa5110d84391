"""The member feed: posts, what reached each member, views, confirmations."""

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from learning.models.courses import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, Course
from learning.models.text import NFCCharField, NFCTextField
from members.models import Member, Unit

BODY_MAX_LENGTH = 1000


class FeedPost(models.Model):
    """A short post for the members of some units: text, an image or a video, a link."""

    class Category(models.TextChoices):
        MESSAGING = "messaging", _("Union messaging")
        ENTERTAINMENT = "entertainment", _("Entertainment")
        LEARNING = "learning", _("Learning")

    class LinkKind(models.TextChoices):
        NONE = "", _("No link")
        COURSE = "course", _("A course")
        SURVEY = "survey", _("A survey")
        INITIATIVE = "initiative", _("An initiative")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("feed post", "Draft")
        PUBLISHED = "published", pgettext_lazy("feed post", "Published")
        WITHDRAWN = "withdrawn", pgettext_lazy("feed post", "Withdrawn")

    title = NFCCharField(_("title"), max_length=120)
    body = NFCTextField(_("text"), max_length=BODY_MAX_LENGTH, blank=True)
    image = models.FileField(
        _("image"),
        upload_to="learning/feed/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS)],
        help_text=_("JPEG, PNG or WebP."),
    )
    video = models.FileField(
        _("video"),
        upload_to="learning/feed/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(VIDEO_EXTENSIONS)],
        help_text=_("MP4 or WebM; members load it only when they press play."),
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    link_kind = models.CharField(
        _("link to"),
        max_length=16,
        choices=LinkKind.choices,
        default=LinkKind.NONE,
        blank=True,
    )
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A survey or an initiative lives in another app: its portal path, checked.
    link_path = models.CharField(
        _("portal address"),
        max_length=200,
        blank=True,
        help_text=_(
            "The address of the survey or initiative on the portal, "
            "for example /khao-sat/12/."
        ),
    )
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("author's unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience_units = models.ManyToManyField(
        Unit,
        verbose_name=_("units of the audience"),
        related_name="+",
        help_text=_("Their members and the members of the units under them."),
    )
    publish_at = models.DateTimeField(_("publish at"))
    # When the post entered members' feeds' reach: the later of publish_at and
    # the moment it was published, so that a feed already read is never
    # changed behind the member's back.
    released_at = models.DateTimeField(
        _("released"), null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    confirm_required = models.BooleanField(
        _("read and confirm"),
        default=False,
        help_text=_(
            "A mandatory message: members confirm they have read it, and "
            "those who have not are reminded."
        ),
    )
    confirm_by = models.DateField(_("confirm by"), null=True, blank=True)
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
        verbose_name = _("feed post")
        verbose_name_plural = _("feed posts")
        ordering = ["-publish_at", "-pk"]
        indexes = [models.Index(fields=["status", "released_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirm_required=False) | Q(category="messaging"),
                name="feedpost_confirm_only_messaging",
                violation_error_message=_(
                    "Only a union message can ask members to confirm."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_messaging(self) -> bool:
        return self.category == self.Category.MESSAGING

    @property
    def link_url(self) -> str:
        """Return the portal address the post links to, "" for none."""
        if self.link_kind == self.LinkKind.COURSE and self.course_id:
            return reverse("learning:course", args=[self.course.slug])
        if self.link_kind in (self.LinkKind.SURVEY, self.LinkKind.INITIATIVE):
            return self.link_path
        return ""


class FeedEntry(models.Model):
    """A post in one member's feed: delivered at a moment, or waiting for room.

    Written only by ``learning.services.feed``: ``delivered_at`` is null while
    a union message waits for the 20/80 rule to let it in.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    post = models.ForeignKey(
        FeedPost,
        verbose_name=_("feed post"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    # The post's category at delivery, so the rule reads one table.
    messaging = models.BooleanField(_("union messaging"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    viewed_at = models.DateTimeField(_("viewed"), null=True, blank=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("feed entry")
        verbose_name_plural = _("feed entries")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "post"], name="feedentry_member_post_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["member", "delivered_at"]),
            models.Index(fields=["viewed_at"]),
        ]

    def __str__(self):
        return f"{self.post} → {self.member}"


class FeedCursor(models.Model):
    """How far a member's feed is worked out: the row locked while it is."""

    member = models.OneToOneField(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    synced_at = models.DateTimeField(_("worked out until"), null=True, blank=True)
    waiting = models.PositiveIntegerField(_("messages waiting"), default=0)
    # While messages wait, the first moment room can open without a new post:
    # a message of the window ageing out (null: only a new post can make room).
    recheck_at = models.DateTimeField(_("look again at"), null=True, blank=True)

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("feed cursor")
        verbose_name_plural = _("feed cursors")

    def __str__(self):
        return str(self.member)


class FeedConfirmation(models.Model):
    """A member's "I have read it" for a mandatory message: once a member a post."""

    post = models.ForeignKey(
        FeedPost,
        verbose_name=_("feed post"),
        on_delete=models.CASCADE,
        related_name="confirmations",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"))

    scope_path = "member__unit__path"
    owner_path = "member__user"

    class Meta:
        verbose_name = _("read confirmation")
        verbose_name_plural = _("read confirmations")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member"], name="feedconfirmation_post_member_unique"
            ),
        ]

    def __str__(self):
        return f"{self.post} ✓ {self.member}"
