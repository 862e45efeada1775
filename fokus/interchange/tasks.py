"""The browser import's work, in the task worker (issue 13, point 3): read the kept file
with the user's mapping, store it all or nothing (fokus.interchange.imports.run_import),
and keep the progress on the ImportJob for the page's progress bar.

With the immediate backend (the demo, the tests) it runs inside the request that
queued it, so the import works without a worker too."""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django_tasks import task

from fokus.interchange import actions
from fokus.interchange.models import ImportJob

logger = logging.getLogger(__name__)
# ImportJob's table (a test checks the name against the model).
PROGRESS_SQL = ("UPDATE interchange_importjob SET progress_done = %s, progress_total = %s "
                "WHERE id = %s")


class _Progress:
    """progress(done, total) onto the job. The import holds one transaction: on
    PostgreSQL the figures go through a second connection so that the page sees them
    while it runs; SQLite (the demo) allows one writer, so there they are written in
    the import's own transaction (seen when it ends)."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.side = None

    def __call__(self, done: int, total: int) -> None:
        if connection.vendor == "sqlite" or not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(progress_done=done,
                                                            progress_total=total)
            return
        if self.side is None:
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.side.cursor() as cursor:
            cursor.execute(PROGRESS_SQL, [done, total, self.job_id])

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def read_job(job: ImportJob):
    """The file as the reader reads it with the job's mapping, with the item answers the
    import stores (the import core's read_file around the one reader)."""
    from fokus.interchange.imports import read_file

    return read_file(bytes(job.content), filename=job.filename, columns=job.mapping or None)


def counts(check) -> dict:
    return {name: int(getattr(check, name, 0) or 0)
            for name in ("cases_new", "persons_new", "ratings_new", "ratings_already_there")}


def import_job_now(job_id: str) -> str:
    from fokus.interchange.imports import run_import

    job = ImportJob.objects.select_related("created_by", "organisation", "team").filter(
        pk=job_id, state=ImportJob.State.QUEUED).first()
    if job is None:  # deleted, or already taken by another worker
        return "gone"
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    progress = _Progress(job.pk)
    try:
        read = read_job(job)
        result = run_import(job.created_by, job.organisation, read, progress=progress,
                            team=job.team)
    except Exception:
        # Nothing was stored (all or nothing); the log gets the type, never a row.
        logger.exception("import %s failed", job.pk)
        actions.finish(job, report={"failed": True}, failed=True)
        return "failed"
    finally:
        progress.close()
    if result.errors:  # the file changed under us, or the database did: nothing stored
        actions.finish(job, report={"failed": True, "n_errors": len(result.errors)},
                       failed=True)
        return "failed"
    actions.finish(job, report=counts(result))
    return "done"


@task()
def import_ratings_file(job_id: str) -> str:
    return import_job_now(job_id)


@task()
def delete_expired_import_files() -> int:
    """For the worker's schedule: the uploads of a day ago and more, deleted (the import
    page also deletes them whenever it is opened)."""
    return actions.delete_expired_jobs()
