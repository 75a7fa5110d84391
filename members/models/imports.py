"""HRM imports: mapping profiles, departments, and every import run with its rows."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models.accounts import User
from members.models.register import Member
from members.models.units import Unit


class HrmProfile(models.Model):
    """How one employer's HRM export is read and what a file of it means."""

    employer = models.OneToOneField(
        Unit,
        verbose_name=_("employer"),
        on_delete=models.CASCADE,
        related_name="hrm_profile",
        limit_choices_to={"is_employer": True},
    )
    mapping = models.JSONField(
        _("header mapping"),
        default=dict,
        blank=True,
        help_text=_(
            'Extra header names per field, e.g. {"employee_code": ["Số hiệu"]}; '
            'also "header_row", "ignore", "statuses" and "genders".'
        ),
    )
    full_file = models.BooleanField(
        _("files list every employee"),
        default=True,
        help_text=_(
            "Members missing from a newer file are flagged for review (never "
            "deleted). Turn off for employers that send only changes."
        ),
    )
    default_unit = models.ForeignKey(
        Unit,
        verbose_name=_("default union unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where new employees of an unmapped department go; empty: held."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    scope_path = "employer__path"

    class Meta:
        verbose_name = _("HRM mapping profile")
        verbose_name_plural = _("HRM mapping profiles")

    def __str__(self):
        return str(self.employer)

    def clean(self):
        from members.hrm import MappingProfile

        super().clean()
        try:
            MappingProfile.from_dict(self.mapping or {})
        except ValidationError as error:
            raise ValidationError({"mapping": error.messages}) from error


class HrmDepartment(models.Model):
    """A department code of an employer's HRM system and the union unit it maps to."""

    employer = models.ForeignKey(
        Unit,
        verbose_name=_("employer"),
        on_delete=models.CASCADE,
        related_name="hrm_departments",
    )
    code = models.CharField(_("department code"), max_length=64)
    name = models.CharField(_("department name"), max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("union unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The grassroots union or group of this department's employees."),
    )

    scope_path = "employer__path"

    class Meta:
        verbose_name = _("HRM department")
        verbose_name_plural = _("HRM departments")
        ordering = ["employer", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "code"], name="hrm_department_unique"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()


class ImportRun(models.Model):
    """One import of one HRM file: who, when, what file, what it did."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded in the admin")
        COMMAND = "command", _("Command line")
        SCHEDULE = "schedule", _("Scheduled")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PREVIEWED = "previewed", _("Previewed (dry run)")
        NEEDS_CONFIRMATION = "confirm", _("Stopped: needs confirmation")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Failed")

    employer = models.ForeignKey(
        Unit,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="import_runs",
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    started_by = models.ForeignKey(
        User,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    stored_file = models.CharField(max_length=500, editable=False)
    # When an erasure rewrote the stored copy without a person: from then on
    # it no longer matches file_sha256 and file_size, which are the received file's.
    stored_redacted_at = models.DateTimeField(
        _("personal data erased from the stored copy"),
        null=True,
        blank=True,
        editable=False,
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    confirmed = models.BooleanField(
        _("confirmed despite the safety limits"), default=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    message = models.TextField(_("message"), blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    count_new = models.PositiveIntegerField(_("new"), default=0)
    count_updated = models.PositiveIntegerField(_("updated"), default=0)
    count_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    count_held = models.PositiveIntegerField(_("held"), default=0)
    count_absent = models.PositiveIntegerField(_("absent"), default=0)
    count_transfers = models.PositiveIntegerField(_("transfers proposed"), default=0)
    planned = models.BooleanField(default=False, editable=False)
    # Which execution holds the run, since when, and its last sign of life
    # (see members.services.hrm_import.import_run_execute).
    claim = models.CharField(
        _("held by execution"), max_length=64, blank=True, editable=False
    )
    claimed_at = models.DateTimeField(_("held since"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)

    scope_path = "employer__path"

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        # The time as staff read it on the page: local, not UTC.
        created = timezone.localtime(self.created_at) if self.created_at else None
        return (
            f"{self.file_name} ({created:%d/%m/%Y %H:%M})"
            if created
            else self.file_name
        )

    @property
    def progress(self) -> int:
        """Return the percentage of rows done."""
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.rows_done / self.total_rows))


class ImportHeldRow(models.Model):
    """A row an import could not take, with where and why, for staff to review.

    A bad row is one entry until it is fixed or dismissed: every run that
    meets it again (same employer, same ``identity``) moves the open entry to
    itself, with the row's latest cells. Previews and runs stopped at the
    safety limits keep their held rows as ``PREVIEW``, shown on the run's
    page but never queued for review.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        FIXED = "fixed", _("Fixed")
        DISMISSED = "dismissed", _("Dismissed")
        PREVIEW = "preview", _("Preview only, not queued")

    run = models.ForeignKey(
        ImportRun,
        verbose_name=_("import run"),
        on_delete=models.CASCADE,
        related_name="held_rows",
        help_text=_("The latest import that met this row."),
    )
    employer = models.ForeignKey(
        Unit,
        verbose_name=_("employer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Which row of the employer's files this is (hrm_import.held_row_identity).
    identity = models.CharField(max_length=64, editable=False)
    row_number = models.PositiveIntegerField(_("row"))
    employee_code = models.CharField(_("employee code"), max_length=64, blank=True)
    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    column = models.CharField(_("column"), max_length=255, blank=True)
    reason = models.TextField(_("reason"))
    code = models.CharField(max_length=64, blank=True)
    values = models.JSONField(_("values in the file"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        User,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("note"), max_length=500, blank=True)

    scope_path = "run__employer__path"

    class Meta:
        verbose_name = _("held row")
        verbose_name_plural = _("held rows")
        ordering = ["run", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "row_number"], name="held_row_once_per_run"
            ),
            models.UniqueConstraint(
                fields=["employer", "identity"],
                condition=models.Q(status="open"),
                name="held_row_open_once",
            ),
        ]

    def __str__(self):
        return f"{self.run}: {self.row_number}"


class ImportChange(models.Model):
    """What an import did (or, in a dry run, would do) to one member."""

    class Action(models.TextChoices):
        NEW = "new", _("New")
        UPDATED = "updated", _("Updated")
        ABSENT = "absent", _("Not in the file")
        TRANSFER = "transfer", _("Transfer proposed")

    run = models.ForeignKey(
        ImportRun,
        verbose_name=_("import run"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    row_number = models.PositiveIntegerField(_("row"), null=True, blank=True)
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    employee_code = models.CharField(_("employee code"), max_length=64)
    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    # {field: [old, new]} for updates; the new values for new members.
    changes = models.JSONField(_("changes"), default=dict)

    scope_path = "run__employer__path"

    class Meta:
        verbose_name = _("import change")
        verbose_name_plural = _("import changes")
        ordering = ["run", "action", "row_number", "pk"]
        indexes = [models.Index(fields=["run", "action"])]

    def __str__(self):
        return f"{self.get_action_display()}: {self.employee_code}"


class ImportFileErasure(models.Model):
    """A person erased whose rows the stored HRM files must still lose.

    The erasure clears the database at once; rewriting the files, which may
    take a minute, is left to a task (members.services.erasure_imports).
    The person's identifiers wait here only as keyed hashes (marks): the row
    goes once every file is rewritten.
    """

    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The runs whose files may hold the person, and the rows known to be theirs.
    runs = models.JSONField(default=list)
    rows = models.JSONField(default=dict)  # {run id: [row numbers]}
    codes = models.JSONField(default=dict)  # {employer id: [marks of codes]}
    digits = models.JSONField(default=list)  # marks of CCCD and phone forms
    emails = models.JSONField(default=list)  # marks of e-mail addresses
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored-file erasure")
        verbose_name_plural = _("stored-file erasures")
        ordering = ["pk"]

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk}"
