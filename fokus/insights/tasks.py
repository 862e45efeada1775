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

import hashlib
import logging
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone, translation
from django_tasks import task

from fokus.cases.models import Case, Person
from fokus.insights.case_figures import settings_fingerprints
from fokus.insights.graph import SIZES, _texts, case_graph, default_label
from fokus.insights.models import GraphImage
from fokus.insights.series import case_series
from fokus.ratings.models import Rating

logger = logging.getLogger(__name__)
LANGUAGES = ("da", "en")
# The drawing code is part of every key: a new release never serves an old picture.
_CODE = hashlib.sha256(b"".join(
    (Path(__file__).parent / name).read_bytes() for name in ("graph.py", "tasks.py",
                                                            "series.py"))).hexdigest()[:12]


def graph_keys(case_id: int, organisation_id: int, language: str) -> dict[str, str]:
    """Per size, the key of the case's graph now, from what the graph is drawn from
    rather than the drawing: the case's ratings (their number, newest id and sum of
    totals: ratings are never changed, only added or removed), its people's names and
    birth dates, the organisation's settings and ETR sets in force (the fingerprint of
    fokus.insights.case_figures, with the code of the rules), the words drawn in the
    language and the drawing code. A new rating changes it. Four small queries, no
    rendering: what the graph view compares before it serves a kept SVG.

    Taken before the case is read for drawing, so a picture kept under a key is never
    older than the inputs the key names."""
    ratings = Rating.objects.filter(case_id=case_id).aggregate(
        n=Count("pk"), top=Max("pk"), total=Sum("total"))
    stamp = (ratings["n"], ratings["top"], str(ratings["total"]),
             settings_fingerprints([organisation_id])[organisation_id])
    people = list(Person.objects.filter(case_id=case_id).order_by("pk")
                  .values_list("pk", "first_name", "birth_date", "birth_year"))
    with translation.override(language):
        words = [default_label(language), *_texts(language).values(), *_texts(
            language, "family").values()]
    base = repr((stamp, people, words, language, _CODE)).encode()
    return {size: hashlib.sha256(base + size.encode()).hexdigest()[:32] for size in SIZES}


def kept_svg(case_id: int, language: str, size: str, key: str, draw) -> str:
    """The case's graph SVG kept under `key`, or drawn now (`draw()` gives the SVG) and
    kept. A kept picture under another key (an older graph) is never served."""
    found = (GraphImage.objects.filter(case_id=case_id, language=language, size=size,
                                       version=key)
             .values_list("svg", flat=True).first())
    if found is not None:
        return found
    svg = draw()
    keep(case_id, language, size, key, svg)
    return svg


def keep(case_id: int, language: str, size: str, key: str, svg: str) -> None:
    """Insert or replace the kept SVG of a case in a language and size."""
    try:
        with transaction.atomic():
            GraphImage.objects.bulk_create(
                [GraphImage(case_id=case_id, language=language, size=size, version=key,
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
    organisation_id = (Case.objects.filter(pk=case_id)
                       .values_list("organisation_id", flat=True).first())
    if organisation_id is None:
        return 0
    keys = {lang: graph_keys(case_id, organisation_id, lang) for lang in LANGUAGES}
    kept = set(GraphImage.objects.filter(case_id=case_id)
               .values_list("language", "size", "version"))
    todo = [(lang, size) for lang in LANGUAGES for size in SIZES
            if (lang, size, keys[lang][size]) not in kept]
    if not todo:
        return 0
    case = _case(case_id)  # read after the keys were taken
    if case is None:
        return 0
    data = case_series(case)
    if not (data.outcome or data.alliance):
        return 0
    for language, size in todo:
        with translation.override(language):
            graph = case_graph(data, [], language, SIZES[size])
            keep(case_id, language, size, keys[language][size], graph.svg)
    return len(todo) + _render_record_graph(case_id, data)


def _render_record_graph(case_id: int, data) -> int:
    """The record's graph too (fokus.insights.record), kept under its version: 1 if it
    was drawn now, 0 if the kept one is already the graph now."""
    from fokus.insights.record import RECORD_GRAPH_SIZE, record_graph
    from fokus.insights.signals import case_signals

    with translation.override("da"):
        graph = record_graph(data, case_signals(data, "da")[0])
        if graph is None or GraphImage.objects.filter(
                case_id=case_id, language="da", size=RECORD_GRAPH_SIZE,
                version=graph.version).exists():
            return 0
        keep(case_id, "da", RECORD_GRAPH_SIZE, graph.version, graph.svg)
    return 1


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


@task()
def refresh_figures() -> dict:
    """The worker's schedule (fokus.lib.schedule), nightly: `fokus refresh-figures`."""
    from fokus.insights.case_figures import refresh_stale

    checked, recomputed = refresh_stale(Case.objects.all())
    return {"checked": checked, "recomputed": recomputed}
