"""An import of historical ratings from the browser (issue 13, point 3): the uploaded
file kept only for the import, the user's column mapping, the report and the progress.

The file's bytes are in the row (never under a URL or a name): emptied when the import
is done or failed, and the whole job deleted a day after it was made (EXPIRES_AFTER,
fokus.interchange.actions.delete_expired_jobs). Its id is a random UUID, and only the
user who uploaded it opens it."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

EXPIRES_AFTER = timedelta(days=1)


class ImportJob(models.Model):
    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        QUEUED = "queued", _("Waiting to be imported")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Not imported")

    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("cases.Organisation", on_delete=models.CASCADE,
                                     related_name="+")
    team = models.ForeignKey("cases.Team", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("team"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    content = models.BinaryField(default=bytes, editable=False)
    size = models.PositiveIntegerField(default=0)
    header = models.JSONField(default=list)     # the file's header, as read
    mapping = models.JSONField(default=dict)    # {the file's header text: format column}
    state = models.CharField(max_length=10, choices=State.choices, default=State.UPLOADED)
    # The result: counts (cases_new, persons_new, ratings_new, ratings_already_there) or,
    # when failed, {"failed": True}; never a row's content.
    report = models.JSONField(default=dict)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_at"], name="importjob_created_at")]

    def __str__(self) -> str:
        return f"import {self.pk}"

    @property
    def filename(self) -> str:
        """The name the reader is told, for its kind only (the user's file name is not kept)."""
        return f"import.{self.kind}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
