"""The units tree and the staff roles that open a unit's subtree."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from members.models.accounts import User
from members.text import nfc

# How a union's name is formed from its company's, longest first ("Công đoàn
# cơ sở VNPT Hà Nội" is the grassroots union of "VNPT Hà Nội").
UNION_NAME_PREFIXES = ("Công đoàn cơ sở ", "Công đoàn ", "CĐCS ", "CĐ ")


class Unit(MP_Node):
    """A union unit; its subtree is every unit whose path starts with its path."""

    class Level(models.TextChoices):
        SECTOR = "sector", _("Sector union")
        UPPER = "upper", _("Upper-grassroots union")
        GRASSROOTS = "grassroots", _("Grassroots union")
        GROUP = "group", _("Union group")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    is_active = models.BooleanField(_("active"), default=True)
    is_employer = models.BooleanField(
        _("employer"),
        default=False,
        help_text=_("Receives an HRM file for the members it employs."),
    )
    employer_name = models.CharField(
        _("company name"),
        max_length=255,
        blank=True,
        help_text=_(
            "The employer as its members know it, without the union's words: "
            "“Tập đoàn Bưu chính Viễn thông Việt Nam”, not “Công đoàn Tập đoàn "
            "Bưu chính Viễn thông Việt Nam”. Filled from the unit's name when left "
            "empty."
        ),
    )

    node_order_by = ["code"]
    scope_path = "path"

    class Meta:
        verbose_name = _("union unit")
        verbose_name_plural = _("union units")

    @classmethod
    def lineage_paths(cls, path: str) -> list[str]:
        """Return the paths from the root down to ``path``, ``path`` included."""
        return [path[:end] for end in range(cls.steplen, len(path) + 1, cls.steplen)]

    def __str__(self):
        return self.name

    @staticmethod
    def employer_name_from(union_name: str) -> str:
        """Return a company's name from its union's: the union's words taken off."""
        name = nfc(union_name)
        for prefix in UNION_NAME_PREFIXES:
            if name.casefold().startswith(prefix.casefold()):
                rest = name[len(prefix) :]
                return rest[:1].upper() + rest[1:]
        return name

    @property
    def company_name(self) -> str:
        """Return the employer as people name it: the company, not its union."""
        return self.employer_name or self.employer_name_from(self.name)


class StaffRole(models.Model):
    """A staff member's role in a unit; it opens the unit's whole subtree to them."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("Union officer")
        CARE_OFFICER = "care_officer", _("Care officer")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        User,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("union unit"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    scope_path = "unit__path"

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="staffrole_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user}, {self.get_role_display()}, {self.unit}"
