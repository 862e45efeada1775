"""Retention of closed cases (with their archive export) and research projects.

- RetentionPolicy: per organisation, how long a closed case's data is kept and what
  happens then (anonymise or delete); deletion only where the municipality has
  checked that the State Archives' rules allow it (archive_allows_deletion).
- RetainedCase: what the retention job did to a case, by id (the case itself may be
  gone): a second run finds it and does nothing more.
- ResearchProject: a research project whose analysts download pseudonymised ratings;
  its secret keys the pseudonyms and the date offsets of that project alone.

Written only through fokus.privacy.actions, each write with its access-log entry.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RetentionAction(models.TextChoices):
    ANONYMISE = "anonymise", _("Anonymise (ratings kept for statistics)")
    DELETE = "delete", _("Delete the case")


class RetentionPolicy(models.Model):
    organisation = models.OneToOneField("cases.Organisation", on_delete=models.CASCADE,
                                        related_name="retention_policy",
                                        verbose_name=_("organisation"))
    keep_months = models.PositiveSmallIntegerField(
        _("kept after closing (months)"), default=60,
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text=_("How many months after a case is closed its data is kept before the "
                    "retention job anonymises or deletes it."))
    action = models.CharField(
        _("then"), max_length=10, choices=RetentionAction, default=RetentionAction.ANONYMISE,
        help_text=_("Anonymise: names, CPR numbers and free-text notes are removed, a birth "
                    "date becomes a birth year, the ratings stay for statistics. Delete: the "
                    "case and everything in it is deleted."))
    archive_allows_deletion = models.BooleanField(
        _("the State Archives' rules allow deletion"), default=False,
        help_text=_("Set this only after the municipality has checked its archive rules "
                    "(arkivloven, Rigsarkivets bevaringsbestemmelser). Without it, only "
                    "anonymisation runs."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.CheckConstraint(condition=Q(action__in=[a.value for a in RetentionAction]),
                                   name="retention_action_known"),
            models.CheckConstraint(condition=Q(keep_months__gte=1),
                                   name="retention_keep_months_positive"),
        ]

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def effective_action(self) -> str:
        """What a run does: deletion only where the archive rules allow it."""
        if self.action == RetentionAction.DELETE and self.archive_allows_deletion:
            return RetentionAction.DELETE
        return RetentionAction.ANONYMISE


class RetainedCase(models.Model):
    """One case the retention job has anonymised or deleted, kept by id."""

    organisation = models.ForeignKey("cases.Organisation", on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("organisation"))
    case_id = models.BigIntegerField(_("case id"), unique=True)
    action = models.CharField(_("action"), max_length=10, choices=RetentionAction)
    closed_on = models.DateField(_("closed"))
    done_at = models.DateTimeField(_("done"), auto_now_add=True)
    archive = models.CharField(_("archive folder"), max_length=300)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("retained case")
        verbose_name_plural = _("retained cases")
        ordering = ["-done_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"


def new_secret() -> str:
    return secrets.token_hex(32)


class ResearchProject(models.Model):
    organisation = models.ForeignKey("cases.Organisation", on_delete=models.PROTECT,
                                     related_name="research_projects",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"), max_length=2000,
                               help_text=_("What the research is for, and its legal basis."))
    active = models.BooleanField(_("active"), default=True,
                                 help_text=_("Only an active project's data can be downloaded."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Keys the project's pseudonyms and date offsets; never shown, never logged.
    secret = models.CharField(max_length=64, default=new_secret, editable=False)

    class Meta:
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"],
                                    name="research_project_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------
# The task worker (`fokus worker`, fokus.privacy.worker; issue 12). Operational rows
# with nothing personal in them: written by the worker itself, without an access-log
# entry. They live in this app because it is the highest layer whose jobs the worker
# schedules (fokus.lib.schedule names them).


class ScheduledRun(models.Model):
    """A periodic job enqueued for one due time: the unique (job, due time) is what keeps
    two workers from enqueuing it twice."""

    job = models.CharField(_("job"), max_length=40)
    due_at = models.DateTimeField(_("due at"))
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)
    worker_id = models.CharField(_("worker"), max_length=64)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["job", "due_at"],
                                               name="scheduled_run_once_per_due_time")]

    def __str__(self):
        return f"{self.job} {self.due_at:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """One row per worker process, written every 30 seconds even with nothing to do:
    readiness fails when none is recent (fokus.lib.health.worker_check)."""

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    version = models.CharField(_("version"), max_length=40)
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"), db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self):
        return f"{self.host} {self.pid}"
