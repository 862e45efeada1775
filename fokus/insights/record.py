"""The record for the case file after a meeting: journal text to copy, and a
one-page A4 PDF (WeasyPrint). Both are Danish case-file documents, rendered in
Danish; the signal and chart words come from the one translation catalogue."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from fokus.insights.graph import case_graph, expected_path, faces_timeline
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals


@dataclass
class ScoreRow:
    who: str
    instrument: str
    total: float
    expected: float | None
    cutoff: float | None
    faces: bool = False  # a young child's face, 1-4: no expected value and no cutoff


def meeting_scores(case, meeting, data) -> list[ScoreRow]:
    """The ratings given at the meeting (linked to it, or on its date)."""
    etr_by_key = {}
    rows = []
    for x in data.outcome + data.alliance + data.faces:
        for p in x.points:
            if p.meeting_id == meeting.pk or (p.meeting_id is None and p.day == meeting.held_on):
                expected = None
                if x in data.outcome:
                    path = etr_by_key.setdefault(x.key, {e.day: e.value for e in expected_path(
                        x, data.settings.etr_ceiling, data.model)})
                    expected = path.get(p.day)
                rows.append(ScoreRow(x.label("da"), "/".join(x.instruments), p.total, expected,
                                     x.cutoff, x.is_faces))
    return rows


RECORD_GRAPH_SIZE = "record"  # GraphImage.size of the record's graph (Danish, 520 wide)


def record_graph(data, tracks):
    """The record's graph (Danish, with the expected paths), or None without lines. Its
    picture is drawn by the task worker after each rating (fokus.insights.tasks.
    render_ahead) and kept under the graph's version, so that the record's request
    reads it instead of loading the renderer (issue 12: vl-convert adds about 60 MB to
    a process that draws)."""
    if not (data.outcome or data.alliance):
        return None
    return case_graph(data, tracks, lang="da", width=520)


def record_context(case, meeting, meeting_record) -> dict:
    """Everything the Danish record shows, computed from the prefetched case."""
    from fokus.insights.tasks import kept_svg

    data = case_series(case)
    tracks, signals = case_signals(data, "da")
    graph = record_graph(data, tracks)
    svg = kept_svg(case.pk, "da", RECORD_GRAPH_SIZE, graph.version,
                   lambda: graph.svg) if graph else ""
    return {
        "case": case, "meeting": meeting, "record": meeting_record,
        "participants": [p.full_name for p in meeting.participants.all()],
        "scores": meeting_scores(case, meeting, data),
        "tracks": tracks, "signals": signals, "graph": graph,
        "faces": faces_timeline(data, "da"),
        "pdf_signals": _first_prompt_only(signals[:PDF_SIGNALS]),
        "graph_data_uri": "data:image/svg+xml;base64,"
        + base64.b64encode(svg.encode()).decode() if graph else "",
    }


RECORD_PDF_VARIANT = "pdf/a-2a"
PDF_SIGNALS = 5  # the most urgent first; the page has room for no more


def _first_prompt_only(signals) -> list[tuple]:
    """(signal, prompt) with each kind's prompt shown once."""
    seen, out = set(), []
    for sig in signals:
        out.append((sig, "" if sig.kind in seen else sig.prompt))
        seen.add(sig.kind)
    return out


def journal_text(context: dict) -> str:
    with translation.override("da"):
        text = render_to_string("insights/journal.txt", context)
    lines = [line.rstrip() for line in text.splitlines()]
    out = []
    for line in lines:  # at most one blank line in a row
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def record_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    with translation.override("da"):
        html = render_to_string("insights/record_pdf.html", context)
    # PDF/A-2a: an archival PDF the case file can keep, tagged for screen readers
    # (level a), with the fonts embedded and the title and language in its metadata.
    return HTML(string=html).write_pdf(pdf_variant=RECORD_PDF_VARIANT)
