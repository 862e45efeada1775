"""The periodic jobs `fokus worker` enqueues (issue 12), so an IT department writes no
cron jobs: the table of them and when each is due.

Each job is a django-tasks @task named by its dotted path (the jobs live in apps above
this layer). A job is due at fixed times: every N minutes on the clock (:00, :15, ...),
or daily (optionally weekly) at a local time in settings.TIME_ZONE. The worker enqueues
a job once per due time, the latest one passed (a worker that was stopped over the
night catches up once, not once per missed night); fokus.privacy.worker records each
enqueued (job, due time) in a unique row, so two workers never enqueue it twice.

FOKUS_SCHEDULE_OFF names jobs the worker leaves alone, e.g. when the municipality runs
`fokus retention` from its own scheduler.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_tasks import task

UTC = datetime.UTC


@dataclass(frozen=True)
class Job:
    name: str  # as FOKUS_SCHEDULE_OFF names it: the command it stands for
    task: str  # dotted path of a django-tasks @task taking no arguments
    every_minutes: int | None = None  # due on the clock every N minutes (N divides 60)
    at: datetime.time | None = None  # or daily at this local time
    weekday: int | None = None  # with `at`: only on this day (0 = Monday, 6 = Sunday)

    def describe(self) -> str:
        if self.every_minutes:
            return f"every {self.every_minutes} minutes"
        when = f"{self.at:%H:%M} local time"
        if self.weekday is not None:
            return f"{_DAYS[self.weekday]}s at {when}"
        return f"daily at {when}"


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

JOBS: tuple[Job, ...] = (
    Job("send-reminders", "fokus.ratings.tasks.send_reminders", every_minutes=15),
    # An uploaded ratings file is kept only for its import: gone after a day.
    Job("delete-import-files", "fokus.interchange.tasks.delete_expired_import_files",
        every_minutes=60),
    Job("refresh-figures", "fokus.insights.tasks.refresh_figures",
        at=datetime.time(2, 30)),
    Job("audit-export-head", "fokus.audit.tasks.export_access_log_head",
        at=datetime.time(3, 0)),
    Job("retention", "fokus.privacy.retention.apply_retention_everywhere",
        at=datetime.time(3, 30)),
    Job("prune-task-results", "fokus.lib.schedule.prune_task_results",
        at=datetime.time(4, 0), weekday=6),
    Job("clear-sessions", "fokus.lib.schedule.clear_expired_sessions",
        at=datetime.time(4, 15)),
)
JOB_NAMES = tuple(job.name for job in JOBS)


def unknown_names(names) -> list[str]:
    """The names in FOKUS_SCHEDULE_OFF that are no job (a typo would leave a job on)."""
    return [name for name in names if name not in JOB_NAMES]


def active_jobs(off=()) -> list[Job]:
    return [job for job in JOBS if job.name not in off]


def last_due(job: Job, now: datetime.datetime, zone: str = "Europe/Copenhagen"
             ) -> datetime.datetime:
    """The latest time at or before `now` (aware) the job was due, in UTC.

    A daily time that does not exist on the day summer time begins (02:30 in Copenhagen)
    is read with the offset before the change, i.e. an hour later on the clock; one that
    happens twice when it ends is the first. Either way the job is due once that day."""
    now = now.astimezone(UTC)
    if job.every_minutes:
        start = now.replace(second=0, microsecond=0)
        # Every zone's offset is a whole quarter of an hour: the clock's :00, :15, ... are
        # the same minutes in UTC.
        return start - datetime.timedelta(minutes=start.minute % job.every_minutes)
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    for back in range(8):
        day = today - datetime.timedelta(days=back)
        if job.weekday is not None and day.weekday() != job.weekday:
            continue
        due = datetime.datetime.combine(day, job.at, tzinfo=tz).astimezone(UTC)
        if due <= now:
            return due
    raise AssertionError("unreachable: a weekly job is due within eight days")


# ---------------------------------------------------------------------------
# The one job that belongs to no app of Fokus: django-tasks-db's finished results.


@task()
def prune_task_results(min_age_days: int = 14) -> int:
    """Delete the task results finished more than two weeks ago, weekly (what
    django-tasks-db's prune_db_task_results does, for every queue). Returns how many."""
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.finished().filter(
        finished_at__lte=timezone.now() - datetime.timedelta(days=min_age_days)).delete()
    return deleted


@task()
def clear_expired_sessions() -> None:
    """Delete the expired sessions from the database, daily (Django's `clearsessions`): a
    session that ended by its idle or absolute limit is refused at once, and its row
    should not outlive it."""
    from importlib import import_module

    from django.conf import settings

    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
