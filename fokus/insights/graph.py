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
import re
import statistics
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import vl_convert as vlc
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from fokus.insights.series import CaseData, Series
from fokus.lib.i18n import current_language
from fokus.outcomes import EtrModel, OutcomeSettings, etr_path, rules, to_tenths

# Okabe-Ito (distinguishable with colour-blindness), the light ones darkened so that
# every line and cutoff line has at least 3:1 contrast on white (WCAG 1.4.11).
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#B0568A", "#9E5A00", "#000000", "#6F4E9C"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge"]
SELF_DASH = [1, 0]
OTHER_DASH = [10, 3, 2, 3]  # dash-dot: not the cutoff's dashes, not the path's dots
CUTOFF_DASH = [8, 4]
ETR_DASH = [1, 4]
ALLIANCE_CUTOFF_COLOUR = "#333333"
ETR_AHEAD = 2  # meetings beyond the latest rating
FONT = "DejaVu Sans"
FONT_SIZE = 13  # every text in the graph; >= 12 px as drawn at the sizes below
SIZES = {"tablet": 680, "phone": 280}  # chart width: full width of the page at 1024 and 390 px
LABEL_COLUMN = 170  # on a tablet the cutoff labels stand right of the chart, in this width
OUTCOME_HEIGHT = {"tablet": 240, "phone": 200}
ALLIANCE_HEIGHT = {"tablet": 110, "phone": 90}
LABEL_GAP = FONT_SIZE + 3
LABEL_CHARS = 20  # a cutoff label beside the chart names the people rated if it fits  # the least vertical distance between two cutoff labels
STAFF, FAMILY = "staff", "family"


def size_of(width: int) -> str:
    return "phone" if width < 400 else "tablet"


def _texts(lang: str, audience: str = STAFF) -> dict[str, str]:
    """The chart's words in the language asked for (the record is always Danish); the
    family sees words a child understands."""
    with translation.override(lang):
        if audience == FAMILY:
            return {
                "outcome": _("How life is going"), "alliance": _("How the meeting was"),
                "date": "", "series": _("Who"),
                "key_cutoff": _("Above the dashed line: where most who feel good are"),
                "key_expected": _("Dotted line: how it often goes"),
                "alliance_cutoff": _("Above the line: a good meeting"),
                "key_other": _("Dash-dot line: a grown-up's rating of a child"),
            }
        return {
            "outcome": _("Outcome (ORS/CORS total)"), "alliance": _("Alliance (SRS/CSRS total)"),
            "date": _("Date"), "series": _("Who"),
            "key_cutoff": _("Dashed line: wellbeing cutoff, in the person's colour"),
            "key_expected": _("Dotted line: expected path (ETR)"),
            "key_other": _("Dash-dot line: a rating by someone else; solid: the person's own"),
            "cutoff": _("cutoff"),
        }


def _family_cutoff_words(series: Series, lang: str) -> str:
    """What a cutoff means, in a 9-year-old's words: where most who feel good are."""
    with translation.override(lang):
        if series.age_group == "adult" and series.is_self:
            return _("where most grown-ups who feel good are")
        return _("where most children who feel good are")


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
    """Per series: its label, its person's colour, its rater's point shape, and a solid
    line for a self-rating, dash-dot for a rating by someone else."""
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


def _y_px(value: float, height: int) -> float:
    return height * (1 - value / 40)


def spread_labels(wanted: list[float], gap: float, top: float = 0.0) -> list[float]:
    """Pixel positions for labels wanted at `wanted` (in any order): each as close to
    its place as it can be, but never nearer than `gap` to another (pushed down, and
    up again where they would leave the panel)."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed: dict[int, float] = {}
    last = top - gap
    for i in order:
        y = max(wanted[i], last + gap)
        placed[i] = last = y
    return [placed[i] for i in range(len(wanted))]


def cutoff_labels(data: CaseData, lang: str, audience: str, height: int,
                  outside: bool = True) -> list[dict]:
    """One label per cutoff value (two people's cutoffs at the same value share one
    label), at the value's height, spaced so that no two labels overlap. Outside the
    chart (on a tablet) a label names the people rated; inside (a phone) only the value."""
    t = _texts(lang, audience)
    by_value: dict[float, list[str]] = {}
    for x in data.outcome:
        words = (_family_cutoff_words(x, lang) if audience == FAMILY
                 else data.names.get(x.person_id, x.person_name))
        names = by_value.setdefault(x.cutoff, [])
        if words not in names:
            names.append(words)
    rows = []
    for value, names in by_value.items():
        if audience == FAMILY:
            text = "; ".join(names)
        else:
            text = f"{t['cutoff']} {value:g}"
            named = f"{text}: {', '.join(names)}"
            if outside and len(named) <= LABEL_CHARS:
                text = named
        rows.append({"cutoff": value, "text": text})
    rows.sort(key=lambda r: -r["cutoff"])
    # A label sits just above its line (its baseline 3 px above it).
    ys = spread_labels([_y_px(r["cutoff"], height) + (4 if outside else -3) for r in rows],
                       LABEL_GAP, top=FONT_SIZE)
    for row, y in zip(rows, ys, strict=True):
        row["y"] = round(y, 1)
    return rows


def _key(t: dict, width: int, others: bool) -> dict:
    """What the dashed and the dotted lines mean, drawn as lines with words."""
    chars = max(12, int((width - 44) / (FONT_SIZE * 0.62)))  # what fits on one line
    rows, y = [], 9
    for text, dash in ((t["key_cutoff"], "cutoff"), (t["key_expected"], "expected"),
                       (t["key_other"], "other")):
        if dash == "other" and not others:
            continue
        lines = textwrap.wrap(text, chars)
        rows.append({"y": y, "text": lines, "dash": dash})
        y += len(lines) * (FONT_SIZE + 2) + 6
    sample = {"x": {"value": 0}, "x2": {"value": 34}, "y": {"field": "y", "type": "quantitative",
                                                           "scale": None}}
    return {
        "width": width, "height": y - 6, "view": {"stroke": None},
        "data": {"values": rows},
        "layer": [
            {"transform": [{"filter": "datum.dash == 'cutoff'"}],
             "mark": {"type": "rule", "strokeDash": CUTOFF_DASH, "strokeWidth": 2,
                      "color": "#1a1a1a", "aria": False},
             "encoding": sample},
            {"transform": [{"filter": "datum.dash == 'expected'"}],
             "mark": {"type": "rule", "strokeDash": ETR_DASH, "strokeWidth": 2.5,
                      "strokeCap": "round", "color": "#1a1a1a", "aria": False},
             "encoding": sample},
            {"transform": [{"filter": "datum.dash == 'other'"}],
             "mark": {"type": "rule", "strokeDash": OTHER_DASH, "strokeWidth": 2.5,
                      "color": "#1a1a1a", "aria": False},
             "encoding": sample},
            {"mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 42,
                      "lineHeight": FONT_SIZE + 2,
                      "fontSize": FONT_SIZE, "color": "#1a1a1a", "limit": width - 44,
                      "aria": False},
             "encoding": {"x": {"value": 0}, "y": sample["y"], "text": {"field": "text"}}},
        ],
    }


def graph_spec(data: CaseData, lang: str = "en", width: int = SIZES["tablet"],
               audience: str = STAFF) -> dict:
    """The Vega-Lite spec of the case graph: a key (what dashed and dotted mean), the
    outcome panel and the alliance panel, one above the other. The young child's faces
    (1-4) are never drawn on the 0-40 scale: they have their own timeline
    (insights/_faces.html).

    No Vega-generated screen-reader text (`"aria": false` on every mark, axis and
    legend): it is English whatever the page's language. The SVG gets one label in the
    page's language (render_svg), and the sentences and the table beside the graph say
    what it shows."""
    t = _texts(lang, audience)
    s = data.settings
    size = size_of(width)
    height, alliance_height = OUTCOME_HEIGHT[size], ALLIANCE_HEIGHT[size]
    days = [p.day for x in data.outcome + data.alliance for p in x.points]
    etr = {x.key: expected_path(x, s.etr_ceiling, data.model) for x in data.outcome}
    days += [e.day for path in etr.values() for e in path]
    first = min(days) if days else timezone.localdate()
    last = max(days) if days else first
    x_scale = {"domain": [_iso(first - datetime.timedelta(days=7)),
                          _iso(last + datetime.timedelta(days=7))]}
    x_axis = {"title": t["date"] or None, "format": "%d.%m.%y", "labelAngle": 0,
              "tickCount": 3 if size == "phone" else 6, "aria": False}
    y_scale = {"domain": [0, 40], "nice": False}
    # Cutoff labels: right of the chart on a tablet; inside it on a phone and for the family.
    outside = size == "tablet" and audience == STAFF
    if outside:
        label_x, label_mark = width + 6, {"align": "left", "limit": LABEL_COLUMN - 8}
    elif audience == FAMILY:
        label_x, label_mark = 4, {"align": "left", "limit": width - 8}
    else:
        label_x, label_mark = width - 4, {"align": "right", "limit": width - 8}
    label_mark = {"type": "text", "fontSize": FONT_SIZE, "color": "#1a1a1a", "aria": False,
                  **label_mark}

    def series_enc(series_list):
        labels, colours, shapes, dashes = _styles(data, series_list, lang)
        legend = {"title": t["series"], "orient": "bottom", "direction": "vertical"
                  if size == "phone" else "horizontal", "columns": 1 if size == "phone" else 3,
                  "symbolStrokeWidth": 2.5, "symbolSize": 120, "aria": False}
        return {
            "color": {"field": "series", "type": "nominal",
                      "scale": {"domain": labels, "range": colours}, "legend": legend},
            "shape": {"field": "series", "type": "nominal",
                      "scale": {"domain": labels, "range": shapes}, "legend": legend},
            # The line styles are explained in the key above the graph.
            "strokeDash": {"field": "series", "type": "nominal",
                           "scale": {"domain": labels, "range": dashes}, "legend": None},
        }

    outcome_rows = [{"series": x.label(lang), "date": _iso(p.day), "score": p.total}
                    for x in data.outcome for p in x.points]
    etr_rows = [{"series": x.label(lang), "date": _iso(e.day), "etr": e.value,
                 "meeting": e.meeting} for x in data.outcome for e in etr[x.key]]
    cutoff_rows = [{"series": x.label(lang), "cutoff": x.cutoff} for x in data.outcome]
    enc = series_enc(data.outcome)
    x_enc = {"field": "date", "type": "temporal", "scale": x_scale, "axis": x_axis}
    y_enc = {"field": "score", "type": "quantitative", "scale": y_scale,
             "axis": {"title": t["outcome"], "values": [0, 10, 20, 30, 40], "aria": False}}
    outcome_layers = [
        {"data": {"values": cutoff_rows},
         "mark": {"type": "rule", "strokeDash": CUTOFF_DASH, "strokeWidth": 1.5, "aria": False},
         "encoding": {"y": {"field": "cutoff", "type": "quantitative", "scale": y_scale},
                      "color": enc["color"]}},
        {"data": {"values": cutoff_labels(data, lang, audience, height, outside)},
         "mark": {**label_mark, "baseline": "alphabetic"},
         "encoding": {"y": {"field": "y", "type": "quantitative", "scale": None},
                      "x": {"value": label_x}, "text": {"field": "text"}}},
        {"data": {"values": etr_rows},
         "mark": {"type": "line", "strokeDash": ETR_DASH, "strokeWidth": 2.5,
                  "strokeCap": "round", "aria": False},
         "encoding": {"x": {**x_enc, "field": "date"},
                      "y": {"field": "etr", "type": "quantitative", "scale": y_scale},
                      "color": enc["color"],
                      "detail": {"field": "series"}}},
        {"data": {"values": outcome_rows},
         "mark": {"type": "line", "point": {"filled": True, "size": 80, "aria": False},
                  "strokeWidth": 2.5, "aria": False},
         "encoding": {"x": x_enc, "y": y_enc, **enc}},
    ]
    alliance_rows = [{"series": x.label(lang), "date": _iso(p.day), "score": p.total}
                     for x in data.alliance for p in x.points]
    a_enc = series_enc(data.alliance)
    alliance_text = (t["alliance_cutoff"] if audience == FAMILY
                     else f"{t['cutoff']} {s.srs_cutoff:g}")
    alliance_layers = [
        {"data": {"values": [{"cutoff": s.srs_cutoff, "text": alliance_text}]},
         "layer": [
             {"mark": {"type": "rule", "strokeDash": CUTOFF_DASH, "strokeWidth": 1.5,
                       "color": ALLIANCE_CUTOFF_COLOUR, "aria": False},
              "encoding": {"y": {"field": "cutoff", "type": "quantitative", "scale": y_scale}}},
             {"mark": {**label_mark, "baseline": "middle" if outside else "alphabetic",
                       "dy": 0 if outside else -4},
              "encoding": {"y": {"field": "cutoff", "type": "quantitative", "scale": y_scale},
                           "x": {"value": label_x}, "text": {"field": "text"}}},
         ]},
    ]
    if alliance_rows:
        alliance_layers.append(
            {"data": {"values": alliance_rows},
             "mark": {"type": "line", "point": {"filled": True, "size": 70, "aria": False},
                      "strokeWidth": 2.5, "aria": False},
             "encoding": {"x": x_enc,
                          "y": {**y_enc, "axis": {"title": t["alliance"],
                                                  "values": [0, 20, 40], "aria": False}},
                          **a_enc}})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": {"font": FONT, "aria": False,
                   "axis": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE,
                            "labelColor": "#1a1a1a", "titleColor": "#1a1a1a",
                            "titleFontWeight": "normal"},
                   "legend": {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE,
                              "labelLimit": width - 40, "labelColor": "#1a1a1a",
                              "titleColor": "#1a1a1a"},
                   "text": {"fontSize": FONT_SIZE},
                   "view": {"stroke": "#8a8a8a"}, "background": "white"},
        "vconcat": [
            _key(t, width, others=any(not x.is_self for x in data.outcome)),
            {"name": "outcome", "width": width, "height": height, "layer": outcome_layers},
            {"name": "alliance", "width": width, "height": alliance_height,
             "layer": alliance_layers},
        ],
        "resolve": {"scale": {"color": "independent", "shape": "independent",
                              "strokeDash": "independent"},
                    "legend": {"color": "independent", "shape": "independent",
                               "strokeDash": "independent"}},
    }


def panel(spec: dict, name: str) -> dict:
    """The outcome or the alliance panel of a graph spec."""
    return next(v for v in spec["vconcat"] if v.get("name") == name)


def drop_panel(spec: dict, name: str) -> None:
    spec["vconcat"] = [v for v in spec["vconcat"] if v.get("name") != name]


def render_svg(spec: dict, label: str) -> str:
    """SVG markup with role="img", an aria-label and a <title> (its text alternative, in
    the page's language), ready to put in a page or to serve as an image."""
    return _render_svg(json.dumps(spec, sort_keys=True), label)


_VEGA_ARIA = re.compile(r'\s(?:role="graphics-[a-z-]+"|aria-roledescription="[^"]*"'
                        r'|aria-label="[^"]*")')  # a label without its role is not allowed


@functools.lru_cache(maxsize=64)
def _render_svg(spec_json: str, label: str) -> str:
    """vl-convert takes about 100 ms a chart: the same spec (a case page viewed
    again with no new rating) is rendered once per process. In memory only; across
    processes the kept SVG (insights.GraphImage, fokus.insights.tasks) is read first."""
    svg = vlc.vegalite_to_svg(json.loads(spec_json))
    start = svg.find("<svg")
    svg = svg[start:]
    # Vega's own group roles and descriptions are English and say nothing the label,
    # the sentences and the table do not: the picture is one image (role="img").
    svg = _VEGA_ARIA.sub("", svg)
    head_end = svg.index(">") + 1
    return (svg[:head_end].replace(
        "<svg", f'<svg role="img" aria-label="{escape(label)}" focusable="false"', 1)
        + f"<title>{escape(label)}</title>" + svg[head_end:])


def warm_renderer() -> float:
    """Render a small chart once, so that the first graph a person asks for does not
    pay for starting the renderer (about 0.5-3 s). Returns the seconds it took."""
    started = time.perf_counter()
    vlc.vegalite_to_svg({
        "config": {"font": FONT, "aria": False}, "width": 40, "height": 20,
        "data": {"values": [{"d": "2025-01-01", "v": 1}, {"d": "2025-02-01", "v": 2}]},
        "mark": {"type": "line", "point": True},
        "encoding": {"x": {"field": "d", "type": "temporal", "title": "Dato"},
                     "y": {"field": "v", "type": "quantitative", "title": "Æ"}}})
    return time.perf_counter() - started


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


def summary_lines(data: CaseData, tracks, audience: str = STAFF) -> list[str]:
    """One sentence per outcome and alliance series, for screen readers. Each says
    whether the graph draws an expected path for the series (expected_path, the same
    function the graph draws it with), so the sentence and the picture agree. The
    family's sentences use the family's words."""
    if audience == FAMILY:
        return _family_summary(data, tracks)
    words = {"green": _("on track"), "yellow": _("a little below the expected path"),
             "red": _("well below the expected path")}
    lines = []
    for track in tracks:
        x = track.series
        last_t, cut_t = to_tenths(x.last), to_tenths(x.cutoff)
        where = (_("above") if rules.above_cutoff(last_t, cut_t)
                 else _("at") if last_t == cut_t else _("below"))
        if not expected_path(x, data.settings.etr_ceiling, data.model):
            how = _("no expected path: the first score is above %(ceiling)s") % {
                "ceiling": f"{data.settings.etr_ceiling:g}"}
        elif track.colour == "grey":
            how = _("one rating so far; the expected path is drawn from it")
        else:
            how = words[track.colour]
        lines.append(ngettext(
            "%(name)s: %(n)s rating, from %(first)s to %(last)s, %(where)s the cutoff "
            "%(cutoff)s; %(track)s.",
            "%(name)s: %(n)s ratings, from %(first)s to %(last)s, %(where)s the cutoff "
            "%(cutoff)s; %(track)s.", track.n) % {
            "name": track.label, "n": track.n, "first": _score(x.intake), "last": _score(x.last),
            "where": where, "cutoff": f"{x.cutoff:g}", "track": how})
    for x in data.alliance:
        lines.append(ngettext(
            "Alliance, %(name)s: %(n)s rating, latest %(last)s (cutoff %(cutoff)s).",
            "Alliance, %(name)s: %(n)s ratings, latest %(last)s (cutoff %(cutoff)s).",
            len(x.points)) % {
            "name": x.label(current_language()), "n": len(x.points),
            "last": _score(x.last), "cutoff": f"{x.cutoff:g}"})
    return lines


def _family_summary(data: CaseData, tracks) -> list[str]:
    lines = []
    for track in tracks:
        x = track.series
        last_t, cut_t = to_tenths(x.last), to_tenths(x.cutoff)
        where = (_("above the dashed line, where most who feel good are")
                 if rules.above_cutoff(last_t, cut_t)
                 else _("on the dashed line") if last_t == cut_t else _("below the dashed line"))
        line = ngettext("%(name)s: %(n)s rating, the latest %(last)s, %(where)s.",
                        "%(name)s: %(n)s ratings, the latest %(last)s, %(where)s.", track.n) % {
            "name": track.label, "n": track.n, "last": _score(x.last), "where": where}
        if expected_path(x, data.settings.etr_ceiling, data.model):
            line += " " + _("The dotted line shows how it often goes.")
        lines.append(line)
    for x in data.alliance:
        lines.append(ngettext(
            "How the meeting was, %(name)s: %(n)s rating, the latest %(last)s.",
            "How the meeting was, %(name)s: %(n)s ratings, the latest %(last)s.",
            len(x.points)) % {"name": x.label(current_language()), "n": len(x.points),
                              "last": _score(x.last)})
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


def default_label(lang: str) -> str:
    """The case graph's text alternative, in the language."""
    with translation.override(lang):
        return _("Graph of the family's ratings over time; the values are in the table "
                 "below.")


def case_graph(data: CaseData, tracks, lang: str = "en", width: int = SIZES["tablet"], *,
               keep: Callable[[Series], bool] | None = None, label: str | None = None,
               audience: str = STAFF) -> Graph:
    """The graph of a case; with `keep`, of only the series it accepts (e.g. one
    person's own ratings on the family screen); `audience=FAMILY` for the family
    screen's words."""
    if keep is not None:
        data = only_series(data, keep)
        tracks = [t for t in tracks if keep(t.series)]
    spec = graph_spec(data, lang, width, audience)
    if keep is not None and not data.alliance:
        drop_panel(spec, "alliance")  # no empty alliance panel on a filtered graph
    if label is None:
        label = default_label(lang)
    etr = {x.key: expected_path(x, data.settings.etr_ceiling, data.model) for x in data.outcome}
    with translation.override(lang):
        summary = summary_lines(data, tracks, audience)
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
