"""Work done ahead by the task worker (`fokus db_worker`, Django's tasks interface
through django-tasks and its database backend): the case graph rendered to SVG right
after a rating is committed, so that the caseworker's next view of the graph reads
the kept picture instead of waiting about 100 ms for the renderer.

Enqueued by the receiver in fokus.insights.apps (Rating post_save, on commit), so the
ratings app knows nothing of it. If the worker is not running or has not got to it
yet, the graph view renders the graph itself and keeps it (`kept_svg`): a reader
never sees a graph older than the case's newest rating, and never an error.

The worker reads the case to draw it and stores the picture; it shows it to nobody,
so it writes no access-log entry: the view that serves the picture logs the reader.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django_tasks import task

from fokus.cases.models import Case
from fokus.insights.graph import SIZES, Graph, case_graph, size_of
from fokus.insights.models import GraphImage
from fokus.insights.series import case_series

logger = logging.getLogger(__name__)
LANGUAGES = ("da", "en")


def kept_svg(case_id: int, language: str, graph: Graph, width: int) -> str:
    """The SVG of `graph` as kept for the case, or rendered now and kept. Served only
    when the kept row's version is the graph's version now (never an older picture)."""
    size = size_of(width)
    found = (GraphImage.objects.filter(case_id=case_id, language=language, size=size,
                                       version=graph.version)
             .values_list("svg", flat=True).first())
    if found is not None:
        return found
    svg = graph.svg
    keep(case_id, language, size, graph.version, svg)
    return svg


def keep(case_id: int, language: str, size: str, version: str, svg: str) -> None:
    """Insert or replace the kept SVG of a case in a language and size."""
    try:
        with transaction.atomic():
            GraphImage.objects.bulk_create(
                [GraphImage(case_id=case_id, language=language, size=size, version=version,
                            svg=svg, rendered_at=timezone.now())],
                update_conflicts=True, unique_fields=["case", "language", "size"],
                update_fields=["version", "svg", "rendered_at"])
    except IntegrityError:  # the case was deleted meanwhile
        logger.info("graph of case %s not kept: the case is gone", case_id)


def _case(case_id: int):
    return (Case.objects.filter(pk=case_id).select_related("organisation")
            .prefetch_related("persons", "meetings", "ratings__instrument", "ratings__person",
                              "ratings__rater", "missing_ratings").first())


def render_ahead(case_id: int) -> int:
    """Render and keep the case graph in each language and size whose kept picture is
    not the graph now. Returns how many were rendered."""
    case = _case(case_id)
    if case is None:
        return 0
    data = case_series(case)
    if not (data.outcome or data.alliance):
        return 0
    rendered = 0
    for language in LANGUAGES:
        with translation.override(language):
            for size, width in SIZES.items():
                graph = case_graph(data, [], language, width)
                if GraphImage.objects.filter(case_id=case_id, language=language, size=size,
                                             version=graph.version).exists():
                    continue
                keep(case_id, language, size, graph.version, graph.svg)
                rendered += 1
    return rendered


@task()
def render_graph_ahead(case_id: int) -> int:
    """The task: render_ahead for one case (its id only; nothing personal in the queue)."""
    return render_ahead(case_id)


def enqueue_graph(case_id: int) -> None:
    """Ask the worker to render the case's graph; a failure to enqueue is logged, never
    raised: the rating is stored, and the view renders the graph itself if it must."""
    try:
        render_graph_ahead.enqueue(case_id)
    except Exception:
        logger.exception("could not enqueue the graph of case %s", case_id)
