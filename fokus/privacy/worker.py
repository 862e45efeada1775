"""`fokus worker`'s own work beside django-tasks-db's worker loop (issue 12): the
heartbeat and the schedule (fokus.lib.schedule). See
fokus/privacy/management/commands/worker.py for the command.

- beat(): this process's heartbeat row, every HEARTBEAT_SECONDS, even with an empty
  queue; readiness reads newest_heartbeat().
- enqueue_due(): each scheduled job whose latest due time has no ScheduledRun yet is
  enqueued, and its row written, in one transaction; the row's unique (job, due time)
  makes a second worker's insert fail, so it enqueues nothing.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from fokus.lib import schedule
from fokus.privacy.models import ScheduledRun, WorkerHeartbeat

logger = logging.getLogger("fokus.worker")

HEARTBEAT_SECONDS = 30
KEEP_RUNS = datetime.timedelta(days=35)  # the scheduled runs, for looking back a month
KEEP_HEARTBEATS = datetime.timedelta(days=1)  # a stopped worker's row, for the diagnosis


def _version() -> str:
    try:
        return importlib.metadata.version("fokus")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def beat(worker_id: str, started_at: datetime.datetime,
         now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"host": socket.gethostname()[:255], "pid": os.getpid(),
                  "version": _version(), "started_at": started_at, "beat_at": now})
    WorkerHeartbeat.objects.filter(beat_at__lt=now - KEEP_HEARTBEATS).delete()


def newest_heartbeat() -> datetime.datetime | None:
    return (WorkerHeartbeat.objects.order_by("-beat_at")
            .values_list("beat_at", flat=True).first())


def already_enqueued(job: str, due: datetime.datetime) -> bool:
    """A cheap look before the insert; the unique row is what decides."""
    return ScheduledRun.objects.filter(job=job, due_at=due).exists()


def enqueue_due(worker_id: str, now: datetime.datetime | None = None,
                off: list[str] | None = None) -> list[str]:
    """Enqueue the jobs that are due and not yet enqueued for their due time; returns
    their names."""
    now = now or timezone.now()
    off = settings.FOKUS_SCHEDULE_OFF if off is None else off
    enqueued = []
    for job in schedule.active_jobs(off):
        due = schedule.last_due(job, now, settings.TIME_ZONE)
        if already_enqueued(job.name, due):
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, due_at=due, worker_id=worker_id)
                import_string(job.task).enqueue()
        except IntegrityError:
            continue  # another worker enqueued it for this due time
        logger.info("scheduled job %s enqueued (due %s)", job.name, due.isoformat(),
                    extra={"job": job.name})
        enqueued.append(job.name)
    ScheduledRun.objects.filter(due_at__lt=now - KEEP_RUNS).delete()
    return enqueued


class Beat(threading.Thread):
    """The heartbeat and the schedule, in a thread beside the worker loop: the heartbeat
    goes on while a long task runs (a nightly job may take longer than the allowed lag).
    A daemon thread: it ends with the process."""

    def __init__(self, worker_id: str, *, scheduling: bool = True,
                 interval: float = HEARTBEAT_SECONDS):
        super().__init__(name="fokus-worker-beat", daemon=True)
        self.worker_id = worker_id
        self.scheduling = scheduling
        self.interval = interval
        self.started_at = timezone.now()
        self.stopped = threading.Event()

    def once(self) -> None:
        try:
            close_old_connections()
            beat(self.worker_id, self.started_at)
            if self.scheduling:
                enqueue_due(self.worker_id)
        except Exception:  # noqa: BLE001 - a database that is away: try again next time
            logger.exception("the worker's heartbeat or schedule could not be written")

    def run(self) -> None:
        while not self.stopped.is_set():
            self.once()
            connection.close()  # this thread's own connection, not kept open between beats
            self.stopped.wait(self.interval)
