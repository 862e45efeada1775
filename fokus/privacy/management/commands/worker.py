"""`fokus worker`: the one process an IT department runs beside the web server (systemd
unit deploy/fokus-worker.service, the container's `worker`, `make worker`).

It is django-tasks-db's `db_worker` (the same options: --queue-name, --interval, ...)
with, in a thread beside its loop, a heartbeat every 30 seconds and the periodic jobs
(fokus.lib.schedule) enqueued when due: no cron jobs. FOKUS_SCHEDULE_OFF leaves named
jobs to the municipality's own scheduler. Several workers may run: each scheduled job is
enqueued once per due time (fokus.privacy.worker)."""

import os

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from fokus.lib import schedule
from fokus.privacy.worker import HEARTBEAT_SECONDS, Beat


class Command(db_worker.Command):
    help = ("Run the task worker and the periodic jobs' schedule ("
            + "; ".join(f"{job.name} {job.describe()}" for job in schedule.JOBS)
            + "), writing a heartbeat every 30 seconds.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--heartbeat", type=db_worker.valid_interval,
                            default=HEARTBEAT_SECONDS,
                            help="seconds between heartbeats and looks at the schedule "
                                 "(default: %(default)r)")

    def handle(self, *args, **options):
        unknown = schedule.unknown_names(settings.FOKUS_SCHEDULE_OFF)
        if unknown:
            raise CommandError(f"FOKUS_SCHEDULE_OFF names no job: {', '.join(unknown)} "
                               f"(the jobs: {', '.join(schedule.JOB_NAMES)})")
        # With --reload the watching parent runs no tasks: only the child beats.
        reloading_parent = (options["reload"] and not options["batch"]
                            and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true")
        if not options["batch"] and not reloading_parent:
            beat = Beat(options["worker_id"], interval=options["heartbeat"] or 1)
            beat.once()  # ready from the first second, and a database error shows at once
            beat.start()
            for job in schedule.active_jobs(settings.FOKUS_SCHEDULE_OFF):
                self.stdout.write(f"scheduled: {job.name}, {job.describe()}")
        super().handle(*args, **options)
