"""`fokus worker`'s schedule and heartbeat (issue 12): when each periodic job is due,
each enqueued once per due time even with two workers, FOKUS_SCHEDULE_OFF, the heartbeat
with an empty queue, and readiness reading it."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fokus.lib import health, schedule
from fokus.privacy import worker
from fokus.privacy.models import ScheduledRun, WorkerHeartbeat

CPH = ZoneInfo("Europe/Copenhagen")
UTC = datetime.UTC
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
JOB = {job.name: job for job in schedule.JOBS}


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=CPH)


def utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def waiting(task_path: str) -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=task_path).count()


# ---------------------------------------------------------------------------
# Due times.


@pytest.mark.parametrize(("now", "due"), [
    (utc(2026, 11, 26, 10, 7, 33), utc(2026, 11, 26, 10, 0)),
    (utc(2026, 11, 26, 10, 15), utc(2026, 11, 26, 10, 15)),
    (utc(2026, 11, 26, 10, 14, 59, 999999), utc(2026, 11, 26, 10, 0)),
    (local(2026, 11, 27, 0, 1), utc(2026, 11, 26, 23, 0)),  # local midnight is on the clock
])
def test_every_quarter_of_an_hour_on_the_clock(now, due):
    assert schedule.last_due(JOB["send-reminders"], now) == due


@pytest.mark.parametrize(("now", "due"), [
    (local(2026, 1, 10, 2, 29), local(2026, 1, 9, 2, 30)),  # not yet today: yesterday's
    (local(2026, 1, 10, 2, 30), local(2026, 1, 10, 2, 30)),
    (local(2026, 1, 10, 23, 59), local(2026, 1, 10, 2, 30)),
    (local(2026, 7, 1, 3, 0), local(2026, 7, 1, 2, 30)),  # summer time: 00:30 UTC
])
def test_nightly_at_half_past_two_copenhagen_time(now, due):
    assert schedule.last_due(JOB["refresh-figures"], now) == due
    assert due.astimezone(CPH).time() == datetime.time(2, 30)


def _due_times(job, start, hours):
    """The distinct due times seen by a worker looking every minute for `hours` hours."""
    return sorted({schedule.last_due(job, start + datetime.timedelta(minutes=m))
                   for m in range(hours * 60)})


def test_once_a_day_on_the_day_summer_time_begins():
    """29 March 2026: the clock goes from 02:00 to 03:00, so 02:30 never happens; the
    nightly job is due once that day, at 03:30 summer time (01:30 UTC)."""
    seen = _due_times(JOB["refresh-figures"], local(2026, 3, 28, 12, 0), 48)
    assert seen == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30),
                    utc(2026, 3, 30, 0, 30)]
    assert seen[1].astimezone(CPH).strftime("%H:%M %Z") == "03:30 CEST"
    assert schedule.last_due(JOB["refresh-figures"], local(2026, 3, 29, 3, 10)) \
        == utc(2026, 3, 28, 1, 30)  # 01:10 UTC: not yet


def test_once_a_day_on_the_day_summer_time_ends():
    """25 October 2026: 02:30 happens twice; the job is due at the first."""
    seen = _due_times(JOB["refresh-figures"], local(2026, 10, 24, 12, 0), 48)
    assert seen == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30),
                    utc(2026, 10, 26, 1, 30)]
    # The other daily jobs too: one due time per day across the change.
    for name in ("audit-export-head", "retention"):
        days = [due.astimezone(CPH).date() for due in
                _due_times(JOB[name], local(2026, 10, 24, 12, 0), 48)]
        assert days == sorted(set(days)) and len(days) == 3


def test_weekly_on_sunday_morning():
    prune = JOB["prune-task-results"]
    assert schedule.last_due(prune, local(2026, 11, 26, 12, 0)) == local(2026, 11, 22, 4, 0)
    assert schedule.last_due(prune, local(2026, 11, 29, 3, 59)) == local(2026, 11, 22, 4, 0)
    assert schedule.last_due(prune, local(2026, 11, 29, 4, 0)) == local(2026, 11, 29, 4, 0)


# ---------------------------------------------------------------------------
# Enqueuing.


@pytest.mark.django_db
def test_each_job_is_enqueued_once_per_due_time(settings):
    settings.TASKS = DATABASE_QUEUE
    now = local(2026, 11, 26, 10, 7)
    assert sorted(worker.enqueue_due("w1", now)) == sorted(schedule.JOB_NAMES)
    for job in schedule.JOBS:
        assert waiting(job.task) == 1, job.name
    # A minute later, and from another worker: nothing new is due.
    assert worker.enqueue_due("w2", now + datetime.timedelta(minutes=1)) == []
    # The next quarter: the reminders only.
    assert worker.enqueue_due("w2", local(2026, 11, 26, 10, 15)) == ["send-reminders"]
    assert waiting("fokus.ratings.tasks.send_reminders") == 2
    assert waiting("fokus.insights.tasks.refresh_figures") == 1
    # The night after: the daily jobs again, once.
    assert sorted(worker.enqueue_due("w1", local(2026, 11, 27, 3, 45))) == [
        "audit-export-head", "delete-import-files", "refresh-figures", "retention",
        "send-reminders"]  # not clear-sessions: 04:15
    assert ScheduledRun.objects.filter(job="retention").count() == 2


@pytest.mark.django_db
def test_the_scheduled_jobs_run(settings, world):
    """Each job's task runs (in the process here): the dotted paths name real tasks."""
    settings.TASKS = IMMEDIATE
    settings.FOKUS_SCHEDULE_OFF = ["retention"]  # needs an archive directory
    from django_tasks.signals import task_finished

    finished = []

    def seen(sender, task_result, **kwargs):
        finished.append((task_result.task.module_path, task_result.status))

    task_finished.connect(seen)
    try:
        worker.enqueue_due("w1", local(2026, 11, 26, 10, 7))
    finally:
        task_finished.disconnect(seen)
    assert sorted(path for path, _status in finished) == sorted(
        job.task for job in schedule.JOBS if job.name != "retention")
    assert {status.name for _path, status in finished} == {"SUCCESSFUL"}


@pytest.mark.django_db
def test_schedule_off_leaves_the_named_jobs_alone(settings):
    settings.TASKS = DATABASE_QUEUE
    settings.FOKUS_SCHEDULE_OFF = ["retention", "audit-export-head"]
    enqueued = worker.enqueue_due("w1", local(2026, 11, 26, 10, 7))
    assert sorted(enqueued) == ["clear-sessions", "delete-import-files", "prune-task-results",
                                "refresh-figures", "send-reminders"]
    assert waiting("fokus.privacy.retention.apply_retention_everywhere") == 0
    assert waiting("fokus.audit.tasks.export_access_log_head") == 0


@pytest.mark.django_db
def test_the_worker_refuses_an_unknown_job_in_schedule_off(settings):
    settings.TASKS = DATABASE_QUEUE
    settings.FOKUS_SCHEDULE_OFF = ["retension"]
    with pytest.raises(CommandError, match="retension"):
        call_command("worker", "--batch")


def _race(now_values, monkeypatch):
    """Two workers' schedulers, each on its own connection, inserting at the same moment
    (the cheap look before the insert switched off: the unique row alone decides)."""
    monkeypatch.setattr(worker, "already_enqueued", lambda job, due: False)
    barrier = threading.Barrier(2)
    failures = []

    def scheduler(worker_id):
        try:
            for now in now_values:
                barrier.wait(timeout=30)
                worker.enqueue_due(worker_id, now)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler, args=(f"w{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_workers_enqueue_each_due_time_once(settings, monkeypatch):
    assert connection.vendor == "postgresql"
    settings.TASKS = DATABASE_QUEUE
    quarters = [local(2026, 11, 26, 10, 0) + datetime.timedelta(minutes=15 * i)
                for i in range(20)]
    _race(quarters, monkeypatch)
    assert waiting("fokus.ratings.tasks.send_reminders") == 20
    assert waiting("fokus.insights.tasks.refresh_figures") == 1
    assert waiting("fokus.interchange.tasks.delete_expired_import_files") == 5  # 10:00-14:00
    # 20 quarters, 5 hours, and the five daily or weekly jobs once each.
    assert ScheduledRun.objects.count() == 20 + 5 + 5
    assert set(ScheduledRun.objects.values_list("worker_id", flat=True)) <= {"w1", "w2"}


# ---------------------------------------------------------------------------
# The heartbeat and readiness.


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_written_with_an_empty_queue(settings):
    """The worker's thread beats on its own connection while the queue stays empty."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    settings.FOKUS_SCHEDULE_OFF = list(schedule.JOB_NAMES)  # nothing to enqueue
    beat = worker.Beat("w-empty", interval=0.05)
    beat.start()
    try:
        beats = set()
        deadline = timezone.now() + datetime.timedelta(seconds=60)
        while len(beats) < 2:  # two heartbeats, the second later than the first
            assert timezone.now() < deadline, "no heartbeat was written"
            beats |= set(WorkerHeartbeat.objects.values_list("beat_at", flat=True))
    finally:
        beat.stopped.set()
        beat.join()
    row = WorkerHeartbeat.objects.get()
    assert row.worker_id == "w-empty" and row.pid > 0 and row.host and row.version
    assert DBTaskResult.objects.count() == 0
    assert worker.newest_heartbeat() == row.beat_at


def _heartbeat(seconds_ago: float):
    now = timezone.now()
    worker.beat("w1", now - datetime.timedelta(hours=1),
                now=now - datetime.timedelta(seconds=seconds_ago))


@pytest.mark.django_db
def test_ready_needs_a_fresh_heartbeat_where_a_worker_is_expected(client, settings):
    settings.TASKS = DATABASE_QUEUE
    settings.PRODUCTION = True
    settings.FOKUS_WORKER_MAX_LAG_SECONDS = 120
    url = reverse("health:ready")

    response = client.get(url)  # no worker ever
    assert response.status_code == 503 and response.json()["failing"] == ["worker"]
    assert "fokus worker" in response.json()["checks"]["worker"]["detail"]

    _heartbeat(seconds_ago=5)
    assert client.get(url).status_code == 200

    WorkerHeartbeat.objects.all().delete()
    _heartbeat(seconds_ago=121)  # the worker stopped two minutes ago
    response = client.get(url)
    assert response.status_code == 503 and response.json()["failing"] == ["worker"]
    assert "121 s old" in response.json()["checks"]["worker"]["detail"]

    _heartbeat(seconds_ago=0)  # it is back
    assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("tasks", "production"), [(IMMEDIATE, True), (DATABASE_QUEUE, False)])
def test_ready_needs_no_heartbeat_where_no_worker_is_expected(client, settings, tasks,
                                                              production):
    """Tasks run in the process (no worker at all), or the demo (its worker optional)."""
    settings.TASKS = tasks
    settings.PRODUCTION = production
    assert WorkerHeartbeat.objects.count() == 0
    response = client.get(reverse("health:ready"))
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_metrics_show_the_heartbeat_age(client, settings):
    settings.TASKS = DATABASE_QUEUE
    text = client.get(reverse("health:metrics")).content.decode()
    assert "fokus_worker_heartbeat_age_seconds" not in text  # no worker ever
    _heartbeat(seconds_ago=90)
    text = client.get(reverse("health:metrics")).content.decode()
    line = next(line for line in text.splitlines()
                if line.startswith("fokus_worker_heartbeat_age_seconds "))
    assert 90 <= float(line.split()[1]) < 3600
    assert health.heartbeat_age() >= 90


@pytest.mark.django_db
def test_the_weekly_prune_deletes_finished_tasks_older_than_two_weeks(settings):
    from django_tasks_db.models import DBTaskResult

    def result(status, finished_days_ago):
        finished = (timezone.now() - datetime.timedelta(days=finished_days_ago)
                    if finished_days_ago is not None else None)
        return DBTaskResult.objects.create(
            status=status, args_kwargs={"args": [], "kwargs": {}}, task_path="fokus.x.y",
            backend_name="default", exception_class_path="", traceback="",
            finished_at=finished, queue_name="default")

    old_done, old_failed = result("SUCCESSFUL", 15), result("FAILED", 20)
    recent, waiting_task = result("SUCCESSFUL", 13), result("READY", None)
    assert schedule.prune_task_results.call() == 2
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk,
                                                                     waiting_task.pk}
    assert not DBTaskResult.objects.filter(pk__in=[old_done.pk, old_failed.pk]).exists()


@pytest.mark.django_db
def test_clear_sessions_deletes_only_the_expired(settings):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    live, ended = SessionStore(), SessionStore()
    live["x"], ended["x"] = 1, 2
    live.create()
    ended.create()
    Session.objects.filter(session_key=ended.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1))
    schedule.clear_expired_sessions.call()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
