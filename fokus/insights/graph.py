"""The case graph: one Vega-Lite spec per case, built here and rendered to SVG on
the server with vl-convert; the same SVG goes into the case page and the PDF.

Top panel: every outcome series (self-ratings and ratings by others as separate
series), its wellbeing cutoff (dashed rule) and its expected path (ETR, dotted,
from the series' intake, dated at the series' own rating dates and extended a
few meetings ahead). Bottom panel: the alliance (SRS/CSRS totals) with its
cutoff. One colour per person rated, one point shape per rater, and a dashed
line for a rating by someone else, so that it reads in black and white too.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace

import vl_convert as vlc
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fokus.insights.series import CaseData, Series
from fokus.lib.i18n import current_language
from fokus.outcomes import EtrModel, OutcomeSettings, etr_path, rules, to_tenths

# Okabe-Ito: distinguishable with colour-blindness, and of different lightness.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge"]
SELF_DASH = [1, 0]
OTHER_DASH = [5, 3]
ETR_AHEAD = 2  # meetings beyond the latest rating
FONT = "DejaVu Sans"

def _texts(lang: str) -> dict[str, str]:
    """The chart's words in the language asked for (the record is always Danish)."""
    with translation.override(lang):
        return {
            "outcome": _("Outcome (ORS/CORS total)"), "alliance": _("Alliance (SRS/CSRS total)"),
            "date": _("Date"), "series": _("Who"),
            "subtitle": _("Dashed horizontal: wellbeing cutoff · dotted: expected path (ETR)"),
            "cutoff": _("cutoff"), "expected": _("expected"),
        }


@dataclass
class EtrPoint:
    day: datetime.date
    meeting: int
    value: float


def expected_path(series: Series, ceiling: float, model: EtrModel,
                  ahead: int = ETR_AHEAD) -> list[EtrPoint]:
    """The ETR path of a series from its intake (fokus.outcomes.etr_path, with the
    parameter sets in force): meeting m is dated at the series' m-th rating, and the path goes
    on `ahead` meetings at the series' usual interval. Empty above the ceiling, and
    for the young child's faces, which have no expected path."""
    if (not series.points or series.is_faces
            or not rules.has_expected_path(to_tenths(series.intake),
                                           OutcomeSettings(etr_ceiling=ceiling))):
        return []
    n = len(series.points)
    path = etr_path(series.intake, series.etr_group, n, model, length=n + ahead)
    days = [p.day for p in series.points]
    gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False) if (b - a).days > 0]
    step = datetime.timedelta(days=int(statistics.median(gaps)) if gaps else 14)
    for _i in range(ahead):
        days.append(days[-1] + step)
    return [EtrPoint(day, m + 1, round(value, 1))
            for m, (day, value) in enumerate(zip(days, path, strict=True))]


def _styles(data: CaseData, series_list: list[Series], lang: str):
    person_index = {pk: i for i, pk in enumerate(data.person_order)}
    labels, colours, shapes, dashes = [], [], [], []
    for x in series_list:
        labels.append(x.label(lang))
        colours.append(COLOURS[person_index.get(x.person_id, 0) % len(COLOURS)])
        shapes.append(SHAPES[person_index.get(x.rater_id, 0) % len(SHAPES)])
        dashes.append(SELF_DASH if x.is_self else OTHER_DASH)
    return labels, colours, shapes, dashes


def _iso(day: datetime.date) -> str:
    return day.isoformat()


def graph_spec(data: CaseData, lang: str = "en", width: int = 560) -> dict:
    """The Vega-Lite spec of the case graph (a vconcat of outcome and alliance).
    The young child's faces (1-4) are never drawn on the 0-40 scale: they have their
    own timeline (insights/_faces.html)."""
    t = _texts(lang)
    s = data.settings
    days = [p.day for x in data.outcome + data.alliance for p in x.points]
    etr = {x.key: expected_path(x, s.etr_ceiling, data.model) for x in data.outcome}
    days += [e.day for path in etr.values() for e in path]
    first = min(days) if days else timezone.localdate()
    last = max(days) if days else first
    x_scale = {"domain": [_iso(first - datetime.timedelta(days=7)),
                          _iso(last + datetime.timedelta(days=7))]}
    x_axis = {"title": t["date"], "format": "%d.%m.%y", "labelAngle": 0, "tickCount": 6}
    y_scale = {"domain": [0, 40], "nice": False}

    def series_enc(series_list):
        labels, colours, shapes, dashes = _styles(data, series_list, lang)
        legend = {"title": t["series"], "orient": "right", "symbolStrokeWidth": 2}
        return {
            "color": {"field": "series", "type": "nominal",
                      "scale": {"domain": labels, "range": colours}, "legend": legend},
            "shape": {"field": "series", "type": "nominal",
                      "scale": {"domain": labels, "range": shapes}, "legend": legend},
            "strokeDash": {"field": "series", "type": "nominal",
                           "scale": {"domain": labels, "range": dashes}, "legend": legend},
        }

    outcome_rows = [{"series": x.label(lang), "date": _iso(p.day), "score": p.total}
                    for x in data.outcome for p in x.points]
    etr_rows = [{"series": x.label(lang), "date": _iso(e.day), "etr": e.value,
                 "meeting": e.meeting} for x in data.outcome for e in etr[x.key]]
    cutoff_rows = [{"series": x.label(lang), "cutoff": x.cutoff} for x in data.outcome]
    cutoff_labels = {}
    for x in data.outcome:
        cutoff_labels.setdefault(x.cutoff, []).append(x.label(lang))
    cutoff_text = [{"cutoff": c, "text": f"{t['cutoff']} {c:g}: {', '.join(names)}"}
                   for c, names in cutoff_labels.items()]
    enc = series_enc(data.outcome)
    x_enc = {"field": "date", "type": "temporal", "scale": x_scale, "axis": x_axis}
    y_enc = {"field": "score", "type": "quantitative", "scale": y_scale,
             "axis": {"title": t["outcome"], "values": [0, 10, 20, 30, 40]}}
    outcome_layers = [
        {"data": {"values": cutoff_rows},
         "mark": {"type": "rule", "strokeDash": [8, 4], "strokeWidth": 1.2, "opacity": 0.8},
         "encoding": {"y": {"field": "cutoff", "type": "quantitative", "scale": y_scale},
                      "color": enc["color"]}},
        {"data": {"values": cutoff_text},
         "mark": {"type": "text", "align": "left", "dy": -6, "fontSize": 10, "color": "#333"},
         "encoding": {"y": {"field": "cutoff", "type": "quantitative", "scale": y_scale},
                      "x": {"value": 4}, "text": {"field": "text"}}},
        {"data": {"values": etr_rows},
         "mark": {"type": "line", "strokeDash": [1, 3], "strokeWidth": 2, "strokeCap": "round"},
         "encoding": {"x": {**x_enc, "field": "date"},
                      "y": {"field": "etr", "type": "quantitative", "scale": y_scale},
                      "color": enc["color"],
                      "detail": {"field": "series"}}},
        {"data": {"values": outcome_rows},
         "mark": {"type": "line", "point": {"filled": True, "size": 70}, "strokeWidth": 2.5},
         "encoding": {"x": x_enc, "y": y_enc, **enc}},
    ]
    alliance_rows = [{"series": x.label(lang), "date": _iso(p.day), "score": p.total}
                     for x in data.alliance for p in x.points]
    a_enc = series_enc(data.alliance)
    alliance_layers = [
        {"data": {"values": [{"cutoff": s.srs_cutoff,
                              "text": f"{t['cutoff']} {s.srs_cutoff:g}"}]},
         "layer": [
             {"mark": {"type": "rule", "strokeDash": [8, 4], "strokeWidth": 1.2, "color": "#333"},
              "encoding": {"y": {"field": "cutoff", "type": "quantitative", "scale": y_scale}}},
             {"mark": {"type": "text", "align": "left", "dy": -6, "fontSize": 10, "color": "#333"},
              "encoding": {"y": {"field": "cutoff", "type": "quantitative", "scale": y_scale},
                           "x": {"value": 4}, "text": {"field": "text"}}},
         ]},
    ]
    if alliance_rows:
        alliance_layers.append(
            {"data": {"values": alliance_rows},
             "mark": {"type": "line", "point": {"filled": True, "size": 60}, "strokeWidth": 2},
             "encoding": {"x": x_enc,
                          "y": {**y_enc, "axis": {"title": t["alliance"],
                                                  "values": [0, 20, 40]}},
                          **a_enc}})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": "", "subtitle": t["subtitle"], "subtitleFontSize": 11,
                  "subtitleColor": "#333", "anchor": "start"},
        "config": {"font": FONT, "axis": {"labelFontSize": 11, "titleFontSize": 11,
                                          "labelColor": "#1a1a1a", "titleColor": "#1a1a1a"},
                   "legend": {"labelFontSize": 11, "titleFontSize": 11, "labelLimit": 220},
                   "view": {"stroke": "#8a8a8a"}, "background": "white"},
        "vconcat": [
            {"width": width, "height": 230, "layer": outcome_layers},
            {"width": width, "height": 110, "layer": alliance_layers},
        ],
        "resolve": {"scale": {"color": "independent", "shape": "independent",
                              "strokeDash": "independent"},
                    "legend": {"color": "independent", "shape": "independent",
                               "strokeDash": "independent"}},
    }


def render_svg(spec: dict, label: str) -> str:
    """SVG markup with role="img" and an aria-label, ready to put in a page."""
    return _render_svg(json.dumps(spec, sort_keys=True), label)


@functools.lru_cache(maxsize=64)
def _render_svg(spec_json: str, label: str) -> str:
    """vl-convert takes about 100 ms a chart: the same spec (a case page viewed
    again with no new rating) is rendered once per process. In memory only."""
    svg = vlc.vegalite_to_svg(json.loads(spec_json))
    start = svg.find("<svg")
    svg = svg[start:]
    return svg.replace("<svg", f'<svg role="img" aria-label="{escape(label)}" focusable="false"', 1)


@dataclass
class Graph:
    spec: dict
    label: str
    summary: list[str]
    rows: list[dict]
    etr: dict

    @functools.cached_property
    def svg(self) -> str:
        """Rendered only when a page puts the SVG inline (the family screen, the PDF);
        the case page loads it as an image from case_graph_svg instead."""
        return render_svg(self.spec, self.label)

    @property
    def version(self) -> str:
        """Changes whenever the picture would: for the image URL and its ETag."""
        digest = hashlib.sha256(json.dumps([self.spec, self.label], sort_keys=True).encode())
        return digest.hexdigest()[:16]


def _score(value: float) -> str:
    """A score as the reader's language writes it (6,4 in Danish)."""
    return number_format(value, 1)


def summary_lines(data: CaseData, tracks) -> list[str]:
    """One sentence per outcome and alliance series, for screen readers."""
    words = {"green": _("on track"), "yellow": _("a little below the expected path"),
             "red": _("well below the expected path"), "grey": _("no expected path yet")}
    lines = []
    for track in tracks:
        x = track.series
        last_t, cut_t = to_tenths(x.last), to_tenths(x.cutoff)
        where = (_("above") if rules.above_cutoff(last_t, cut_t)
                 else _("at") if last_t == cut_t else _("below"))
        lines.append(_("%(name)s: %(n)s ratings, from %(first)s to %(last)s, %(where)s the "
                       "cutoff %(cutoff)s; %(track)s.") % {
            "name": track.label, "n": track.n, "first": _score(x.intake), "last": _score(x.last),
            "where": where, "cutoff": f"{x.cutoff:g}", "track": words[track.colour]})
    for x in data.alliance:
        lines.append(_("Alliance, %(name)s: %(n)s ratings, latest %(last)s (cutoff %(cutoff)s).") % {
            "name": x.label(current_language()), "n": len(x.points),
            "last": _score(x.last),
            "cutoff": f"{x.cutoff:g}"})
    return lines


def table_rows(data: CaseData, etr: dict, lang: str = "en") -> list[dict]:
    """The values behind the graph, one row per rating."""
    rows = []
    for x in data.outcome + data.alliance:
        path = {e.day: e.value for e in etr.get(x.key, [])}
        for p in x.points:
            rows.append({"day": p.day, "series": x.label(lang), "measures": x.measures,
                         "instrument": "/".join(x.instruments), "score": p.total,
                         "expected": path.get(p.day), "cutoff": x.cutoff})
    rows.sort(key=lambda r: (r["day"], r["measures"] != rules.OUTCOME, r["series"]))
    return rows


def only_series(data: CaseData, keep: Callable[[Series], bool]) -> CaseData:
    """The case data with only the series `keep` accepts (colours stay per person)."""
    return replace(data, outcome=[x for x in data.outcome if keep(x)],
                   alliance=[x for x in data.alliance if keep(x)],
                   faces=[x for x in data.faces if keep(x)])


def case_graph(data: CaseData, tracks, lang: str = "en", width: int = 560, *,
               keep: Callable[[Series], bool] | None = None, label: str | None = None) -> Graph:
    """The graph of a case; with `keep`, of only the series it accepts (e.g. one
    person's own ratings on the family screen)."""
    if keep is not None:
        data = only_series(data, keep)
        tracks = [t for t in tracks if keep(t.series)]
    spec = graph_spec(data, lang, width)
    if keep is not None and not data.alliance:
        spec["vconcat"] = spec["vconcat"][:1]  # no empty alliance panel on a filtered graph
    if label is None:
        with translation.override(lang):
            label = _("Graph of the family's ratings over time; the values are in the table "
                      "below.")
    etr = {x.key: expected_path(x, data.settings.etr_ceiling, data.model) for x in data.outcome}
    with translation.override(lang):
        summary = summary_lines(data, tracks)
    return Graph(spec=spec, label=label, summary=summary,
                 rows=table_rows(data, etr, lang), etr=etr)


# The young child's faces (YCORS, YCSRS): their own timeline, never on the 0-40 lines.
FACE_WORDS = {1: gettext_lazy("Very sad"), 2: gettext_lazy("Sad"), 3: gettext_lazy("Happy"),
              4: gettext_lazy("Very happy")}
# The mouth of each face in a 32 x 32 drawing: from (10, y0) to (22, y0), bending through cy.
FACE_MOUTHS = {1: (23, 16), 2: (22, 19), 3: (20, 24), 4: (19, 28)}


@dataclass
class FacePoint:
    day: datetime.date
    face: int
    word: str
    mouth: str  # SVG path of the mouth


@dataclass
class FacesLine:
    label: str
    measures: str
    instrument: str
    points: list[FacePoint]


def faces_timeline(data: CaseData, lang: str = "en") -> list[FacesLine]:
    """Each young child's faces in date order, with the word for each face."""
    lines = []
    with translation.override(lang):
        for x in data.faces:
            points = []
            for p in x.points:
                face = int(p.total)
                y0, cy = FACE_MOUTHS.get(face, (21, 21))
                points.append(FacePoint(p.day, face, str(FACE_WORDS.get(face, face)),
                                        f"M10 {y0} Q16 {cy} 22 {y0}"))
            lines.append(FacesLine(x.label(lang), x.measures, "/".join(x.instruments), points))
    return lines
