"""The daily export of the access log's chain head (django-tasks).

`export_access_log_head` appends one line to settings.FOKUS_ACCESS_LOG_HEAD_FILE
(fokus.audit.chain.export_head): what `fokus audit verify --against FILE` later
checks the log against. Until the periodic scheduler comes (issue 12) it is run
daily by cron or a systemd timer (`fokus audit export-head`, docs/access-log.md);
the task lets a scheduler, or the worker on request, do the same.
"""

from django.conf import settings
from django_tasks import task

from fokus.audit.chain import export_head


def export_head_now() -> str:
    """Append the head to the configured file; returns the line written."""
    return export_head(settings.FOKUS_ACCESS_LOG_HEAD_FILE)


@task()
def export_access_log_head() -> str:
    return export_head_now()
