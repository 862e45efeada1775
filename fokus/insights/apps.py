import logging
import os
import sys
import threading

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)
_warm_lock = threading.Lock()
_warmed = False


def _rating_saved(sender, instance, created, raw=False, **kwargs):
    """A rating was stored: once the transaction commits, ask the task worker to render
    the case's graph ahead (fokus.insights.tasks). Ratings knows nothing of this."""
    if raw:
        return
    from django.db import transaction

    from fokus.insights.tasks import enqueue_graph

    case_id = instance.case_id
    transaction.on_commit(lambda: enqueue_graph(case_id))


def warm_chart_renderer() -> None:
    """Start the chart renderer (vl-convert) once per process, in a thread, so that the
    first case page after a start does not wait for it."""
    global _warmed
    with _warm_lock:
        if _warmed:
            return
        _warmed = True

    def run():
        from fokus.insights.graph import warm_renderer

        try:
            logger.info("chart renderer warmed in %.1f s", warm_renderer())
        except Exception:
            logger.exception("chart renderer could not be warmed")

    threading.Thread(target=run, name="warm-chart-renderer", daemon=True).start()


def _first_request(sender, **kwargs):
    warm_chart_renderer()


def serving(argv=None) -> bool:
    """Whether this process serves pages or runs the worker (not a one-off command)."""
    argv = sys.argv if argv is None else argv
    program = os.path.basename(argv[0]) if argv else ""
    return (any(a in ("runserver", "db_worker") for a in argv[1:2] + argv[2:3])
            or any(name in program for name in ("gunicorn", "uwsgi", "waitress", "daphne")))


class InsightsConfig(AppConfig):
    name = "fokus.insights"
    verbose_name = _("Graph, signals and record")

    def ready(self):
        from django.core.signals import request_started
        from django.db.models.signals import post_save

        from fokus.ratings.models import Rating

        post_save.connect(_rating_saved, sender=Rating, dispatch_uid="insights-graph-ahead")
        # Warm the renderer at start-up when serving; any other process at its first
        # request (a WSGI server this does not recognise).
        request_started.connect(_first_request, dispatch_uid="insights-warm-renderer")
        if serving():
            warm_chart_renderer()
