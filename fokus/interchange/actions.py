"""Writes of the import page (issue 13): an uploaded file kept for its import, and
thrown away once done or after a day. The ratings themselves are stored by
fokus.interchange.imports.run_import, which logs them; here the upload is logged (a
file of case data came in) and its deletion."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.interchange.models import EXPIRES_AFTER, ImportJob


def create_job(user, *, team, kind: str, content: bytes, header: list[str]) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.create(organisation_id=user.organisation_id, team=team,
                                       created_by=user, kind=kind, content=content,
                                       size=len(content), header=header)
        record(user, AccessAction.CREATE, "import", job.pk, purpose="import file uploaded",
               detail={"kind": kind, "size": len(content), "team_id": team.pk})
    return job


def set_mapping(job: ImportJob, mapping: dict[str, str]) -> None:
    job.mapping = mapping
    job.state = ImportJob.State.UPLOADED
    job.report = {}
    job.save(update_fields=["mapping", "state", "report"])


def queue(job: ImportJob, total: int) -> bool:
    """Mark the job as waiting for the worker; False if it is already on its way (a
    second click, another tab)."""
    moved = ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.UPLOADED).update(
        state=ImportJob.State.QUEUED, progress_done=0, progress_total=total)
    return bool(moved)


def finish(job: ImportJob, *, report: dict, failed: bool = False) -> None:
    """The import is over: keep the counts, drop the file."""
    job.state = ImportJob.State.FAILED if failed else ImportJob.State.DONE
    job.report = report
    job.content = b""
    if not failed:
        job.progress_done = job.progress_total
    job.save(update_fields=["state", "report", "content", "progress_done"])


def delete_expired_jobs(now=None) -> int:
    """Delete the jobs made more than a day ago, files and all. Called whenever the
    import page is opened, so no file outlives its day by more than the next visit."""
    cutoff = (now or timezone.now()) - EXPIRES_AFTER
    with transaction.atomic():
        ids = [str(pk) for pk in ImportJob.objects.filter(created_at__lt=cutoff)
               .values_list("pk", flat=True)]
        if not ids:
            return 0
        ImportJob.objects.filter(pk__in=ids).delete()
        record(None, AccessAction.DELETE, "import", purpose="import files deleted after a day",
               detail={"n_jobs": len(ids)})
    return len(ids)
