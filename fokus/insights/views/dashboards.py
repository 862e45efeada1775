"""The leaders' dashboards: outcome figures by group, time to wellbeing, a comparison,
the CSV download, the quarterly PDF report and how FIT is used. Thin: parse the GET
form, call the access function, let `insights.dashboards` pick the figures, render."""

from __future__ import annotations

import base64
import csv
import hashlib
import io

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fokus.cases.models import InterventionType
from fokus.insights import dashboards, fit_use
from fokus.insights.dashboard_access import (
    Dashboard,
    caseworker_figures_for_user,
    dashboard_for_user,
)
from fokus.insights.graph import FONT, render_svg
from fokus.insights.record import RECORD_PDF_VARIANT
from fokus.lib.forms import parse_id
from fokus.lib.spreadsheet import safe_rows

# A selection's figures are kept this long; a new rating changes the key before then.
FIGURES_CACHE_SECONDS = 24 * 3600
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


def grouping_labels() -> dict[str, str]:
    return {"team": _("Team"), "intervention": _("Intervention type"),
            "age_group": _("Age group"), "rater": _("Who rated"),
            "period": _("Quarter of the first rating")}


def figure_labels() -> dict[str, str]:
    return {"pct_reliable_improvement": _("Reliable improvement"),
            "pct_recovered": _("Recovered"),
            "pct_deteriorated": _("Reliable deterioration"),
            "pct_met_target": _("Met the expected target"),
            "pre_post_es": _("Effect size (pre-post)"),
            "mean_relative_es": _("Relative effect size")}


def value_labels(dash: Dashboard | None, by: str) -> dict[str, str]:
    if by == "team":
        return dict(dash.teams)
    if by == "intervention":
        return {c: str(InterventionType(c).label) if c in InterventionType.values else c
                for c in dash.interventions} | {"": _("No intervention registered")}
    if by == "age_group":
        return {"adult": _("Adults (18 and over)"), "youth": _("Young people (13-17)"),
                "child": _("Children (6-12)")}
    if by == "rater":
        return {"child": _("The child"), "parent": _("A parent"), "other": _("Someone else")}
    return {}


def _filters(request) -> tuple[str, dict]:
    by = request.GET.get("by", "team")
    team = request.GET.get("team", "")
    filters = {"team": parse_id(team) if team.isdigit() else None,
               "intervention": request.GET.get("intervention", "")[:10],
               "period": request.GET.get("period", "")[:7]}
    return by, filters


def _fmt(value, digits: int = 0) -> str:
    """Rounded half up, as the tables' floatformat does, in the reader's language."""
    return "–" if value is None else floatformat(value, digits)


def percent_chart(rows: list[dashboards.GroupRow], title: str) -> dict:
    """Each percentage by group: a point with its 95% interval as a bar."""
    names = figure_labels()
    data = []
    for row in rows:
        if row.suppressed:
            continue
        for key in dashboards.PERCENT_FIGURES:
            f = row.figure(key)
            if f is None or f.suppressed or f.value is None:
                continue
            data.append({"group": row.label, "figure": names[key], "value": round(f.value, 1),
                         "low": round(f.low, 1) if f.low is not None else f.value,
                         "high": round(f.high, 1) if f.high is not None else f.value})
    domain = [names[k] for k in dashboards.PERCENT_FIGURES]
    colour = {"field": "figure", "type": "nominal", "title": _("Figure"),
              "scale": {"domain": domain, "range": COLOURS[:len(domain)]},
              "legend": {"orient": "bottom", "columns": 2}}
    y = {"field": "group", "type": "nominal", "title": None, "sort": None,
         "axis": {"labelLimit": 260}}
    x_scale = {"domain": [0, 100]}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": {"font": FONT, "background": "white", "view": {"stroke": "#8a8a8a"},
                   "axis": {"labelFontSize": 11, "titleFontSize": 11}},
        "width": 480, "data": {"values": data},
        "height": max(90, 56 * len({r["group"] for r in data})),
        "layer": [
            {"mark": {"type": "rule", "strokeWidth": 2},
             "encoding": {"y": y, "yOffset": {"field": "figure", "sort": domain},
                          "x": {"field": "low", "type": "quantitative", "scale": x_scale,
                                "title": _("Per cent of eligible series, with 95% interval")},
                          "x2": {"field": "high"}, "color": colour}},
            {"mark": {"type": "point", "filled": True, "size": 60},
             "encoding": {"y": y, "yOffset": {"field": "figure", "sort": domain},
                          "x": {"field": "value", "type": "quantitative", "scale": x_scale},
                          "color": colour,
                          "shape": {"field": "figure", "type": "nominal", "title": _("Figure"),
                                    "scale": {"domain": domain},
                                    "legend": {"orient": "bottom", "columns": 2}}}},
        ],
    }


def survival_chart(rows: list[dashboards.GroupRow], title: str) -> dict:
    """Kaplan-Meier: the share not yet at wellbeing by days since intake, per group."""
    data = []
    labels = []
    for row in rows:
        if row.suppressed or row.ttw is None or row.ttw.suppressed or not row.ttw.curve:
            continue
        labels.append(row.label)
        for day, surv in zip(row.ttw.curve["days"], row.ttw.curve["survival"], strict=True):
            data.append({"group": row.label, "day": day, "share": round(100 * (1 - surv), 1)})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": {"font": FONT, "background": "white", "view": {"stroke": "#8a8a8a"},
                   "axis": {"labelFontSize": 11, "titleFontSize": 11}},
        "width": 480, "height": 220, "data": {"values": data},
        "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
        "encoding": {
            "x": {"field": "day", "type": "quantitative", "title": _("Days since the first rating")},
            "y": {"field": "share", "type": "quantitative", "scale": {"domain": [0, 100]},
                  "title": _("Per cent who reached wellbeing")},
            "color": {"field": "group", "type": "nominal", "title": None,
                      "scale": {"domain": labels, "range": COLOURS[:len(labels)] or COLOURS},
                      "legend": {"orient": "bottom", "columns": 2, "labelLimit": 260}},
            "strokeDash": {"field": "group", "type": "nominal", "legend": None},
        },
    }


def figures_key(dash: Dashboard) -> str:
    """The cache key of a selection's figures: the series' stamp (so a new rating makes
    a new key), the scope, the selection, the minimum group size and the language."""
    asked = repr((dash.organisation_id, dash.stamp, sorted(dash.teams), dash.by,
                  sorted(dash.filters.items()), dash.min_size, translation.get_language()))
    return "fokus:dashboard-figures:" + hashlib.sha256(asked.encode()).hexdigest()


def _figures(dash: Dashboard, labels: dict[str, str]) -> tuple:
    """The engine's figures for the selection, and the charts drawn from them."""
    by = dash.by
    rows = dashboards.group_rows(dash.series, by, min_size=dash.min_size, labels=labels)
    overall = dashboards.overall_row(dash.series, min_size=dash.min_size,
                                     label=_("All selected series"))
    group_word = grouping_labels()[by]
    pct_title = _("Outcomes by %(group)s") % {"group": group_word.lower()}
    ttw_title = _("Time to wellbeing by %(group)s") % {"group": group_word.lower()}
    charts = []
    if any(not r.suppressed for r in rows):
        pct_spec = percent_chart(rows, pct_title)
        ttw_spec = survival_chart(rows, ttw_title)
        charts = [
            {"title": pct_title, "spec": pct_spec,
             "svg": render_svg(pct_spec, _("Chart: %(title)s. The values are in the table.")
                               % {"title": pct_title}),
             "sentence": percent_sentence(overall)},
            {"title": ttw_title, "spec": ttw_spec,
             "svg": render_svg(ttw_spec, _("Chart: %(title)s. The values are in the table.")
                               % {"title": ttw_title}),
             "sentence": ttw_sentence(overall)},
        ]
    return rows, overall, charts


def dashboard_context(dash: Dashboard, request_get=None) -> dict:
    """Everything the page, the CSV and the PDF show (suppression already applied)."""
    by = dash.by
    labels = value_labels(dash, by)
    rows, overall, charts = cache.get_or_set(
        figures_key(dash), lambda: _figures(dash, labels), FIGURES_CACHE_SECONDS)
    group_word = grouping_labels()[by]
    comparison = None
    if request_get is not None:
        a, b = request_get.get("a", ""), request_get.get("b", "")
        found = {r.key: r for r in rows}
        if a in found and b in found and a != b:
            comparison = dashboards.compare(found[a], found[b])
    choices = {
        "by": list(grouping_labels().items()),
        "teams": list(dash.teams.items()),
        "interventions": [(c, value_labels(dash, "intervention").get(c, c))
                          for c in dash.interventions],
        "periods": dash.periods,
    }
    return {"dash": dash, "rows": rows, "overall": overall, "charts": charts,
            "figure_labels": figure_labels(), "group_word": group_word,
            "comparison": comparison, "choices": choices,
            "suppressed_text": suppressed_text(dash.min_size),
            "n_suppressed": sum(r.suppressed for r in rows),
            "settings": dash.settings, "model": dash.model}


def suppressed_text(min_size: int) -> str:
    return _("fewer than %(n)s series") % {"n": min_size}


def percent_sentence(overall: dashboards.GroupRow) -> str:
    f = overall.figure("pct_reliable_improvement")
    if overall.suppressed or f is None or f.suppressed or f.value is None:
        return _("Too few series are selected to show figures.")
    return _("Of the %(n)s eligible series selected, %(value)s%% improved reliably "
             "(95%% interval %(low)s to %(high)s%%).") % {
        "n": f.n, "value": _fmt(f.value), "low": _fmt(f.low), "high": _fmt(f.high)}


def ttw_sentence(overall: dashboards.GroupRow) -> str:
    t = overall.ttw
    if overall.suppressed or t is None or t.suppressed:
        return _("Too few series are selected to show the time to wellbeing.")
    if t.median_days is None:
        return _("Of %(n)s series that started below the cutoff, %(reached)s reached "
                 "wellbeing; fewer than half have reached it, so there is no median yet.") % {
            "n": t.n, "reached": t.n_reached}
    return _("Of %(n)s series that started below the cutoff, %(reached)s reached "
             "wellbeing; half had reached it after %(median)s days (95%% interval "
             "%(low)s to %(high)s days).") % {
        "n": t.n, "reached": t.n_reached, "median": _fmt(t.median_days),
        "low": _fmt(t.median_low), "high": _fmt(t.median_high) if t.median_high is not None
        else _("not reached")}


@login_required
@require_GET
def dashboard(request):
    by, filters = _filters(request)
    dash = dashboard_for_user(request.user, by=by, filters=filters)
    context = dashboard_context(dash, request.GET)
    context["query"] = request.GET.urlencode()
    return render(request, "insights/dashboard.html", context)


def csv_rows(context: dict) -> list[list[str]]:
    """The group table as rows (header first), suppression applied."""
    names = context["figure_labels"]
    header = [context["group_word"], _("Series"), _("Eligible series")]
    for key, _kind in dashboards.FIGURES:
        header += [names[key], _("95% interval, low"), _("95% interval, high"), "n"]
    header += [_("Median days to wellbeing"), _("95% interval, low"), _("95% interval, high"),
               "n", _("Note")]
    out = [header]

    def cell(x, digits=1):
        return "" if x is None else f"{x:.{digits}f}"

    for row in context["rows"] + [context["overall"]]:
        if row.suppressed:
            out.append([row.label, "", ""] + [""] * (4 * len(dashboards.FIGURES) + 4)
                       + [context["suppressed_text"]])
            continue
        line = [row.label, str(row.n_series), str(row.n_eligible)]
        for key, kind in dashboards.FIGURES:
            f = row.figure(key)
            digits = 1 if kind == "percent" else 2
            line += [cell(f.value, digits), cell(f.low, digits), cell(f.high, digits),
                     str(f.n) if not f.suppressed else context["suppressed_text"]]
        t = row.ttw
        line += [cell(t.median_days, 0), cell(t.median_low, 0), cell(t.median_high, 0),
                 str(t.n) if not t.suppressed else context["suppressed_text"], ""]
        out.append(line)
    return out


def _table(request, purpose: str) -> tuple[Dashboard, list]:
    """The dashboard's table for a download (CSV or XLSX: the same rows, suppressed alike)."""
    by, filters = _filters(request)
    dash = dashboard_for_user(request.user, by=by, filters=filters, purpose=purpose)
    # Names typed by people (teams, interventions) never run as a spreadsheet formula.
    return dash, safe_rows(csv_rows(dashboard_context(dash)))


@login_required
@require_GET
def dashboard_csv(request):
    dash, rows = _table(request, "outcome dashboard CSV")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows(rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fokus-outcomes-by-{dash.by}.csv"'
    return response


@login_required
@require_GET
def dashboard_xlsx(request):
    """The same table as the CSV (suppression applied), as an Excel workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    dash, rows = _table(request, "outcome dashboard XLSX")
    book = Workbook()
    sheet = book.active
    sheet.title = _("Outcomes")[:31]
    for index, row in enumerate(rows):
        sheet.append(list(row))
        if index == 0:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="fokus-outcomes-by-{dash.by}.xlsx"'
    return response


@login_required
@require_GET
def report_pdf(request):
    """The quarterly report in Danish: the figures by team and by intervention type."""
    from weasyprint import HTML

    _by, filters = _filters(request)
    with translation.override("da"):
        parts = []
        for by in ("team", "intervention"):
            dash = dashboard_for_user(request.user, by=by, filters=filters,
                                      purpose="quarterly report PDF")
            ctx = dashboard_context(dash)
            for chart in ctx["charts"]:
                chart["uri"] = ("data:image/svg+xml;base64,"
                                + base64.b64encode(chart["svg"].encode()).decode())
            parts.append(ctx)
        html = render_to_string("insights/report_pdf.html", {
            "parts": parts, "dash": parts[0]["dash"], "settings": parts[0]["settings"],
            "model": parts[0]["model"], "overall": parts[0]["overall"],
            "figure_labels": parts[0]["figure_labels"],
            "suppressed_text": parts[0]["suppressed_text"], "printed": timezone.localdate(),
            "filters": filters})
    pdf = HTML(string=html).write_pdf(pdf_variant=RECORD_PDF_VARIANT)  # archival, tagged
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="fokus-kvartalsrapport.pdf"'
    return response


def fit_use_chart(report: fit_use.FitUse) -> dict:
    """Per cent of meetings with an outcome rating, by month, one line per team
    (months under the minimum left out)."""
    data = [{"team": r.team, "month": r.month.isoformat()[:7], "share": round(r.pct_outcome, 1)}
            for r in report.months if not r.suppressed and r.pct_outcome is not None]
    teams = sorted({d["team"] for d in data})
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "config": {"font": FONT, "background": "white", "view": {"stroke": "#8a8a8a"},
                   "axis": {"labelFontSize": 11, "titleFontSize": 11}},
        "width": 480, "height": 200, "data": {"values": data},
        "mark": {"type": "line", "point": {"filled": True, "size": 40}, "strokeWidth": 2},
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": _("Month"),
                  "axis": {"labelAngle": -45}},
            "y": {"field": "share", "type": "quantitative", "scale": {"domain": [0, 100]},
                  "title": _("Per cent of meetings with an outcome rating")},
            "color": {"field": "team", "type": "nominal", "title": _("Team"),
                      "scale": {"domain": teams, "range": COLOURS[:len(teams)] or COLOURS},
                      "legend": {"orient": "bottom"}},
            "shape": {"field": "team", "type": "nominal", "title": _("Team"),
                      "scale": {"domain": teams}, "legend": {"orient": "bottom"}},
        },
    }


def fit_use_sentence(report: fit_use.FitUse) -> str:
    shown = [r for r in report.months if not r.suppressed]
    meetings = sum(r.meetings for r in shown)
    if not meetings:
        return _("Too few meetings to show figures.")
    rated = sum(round(r.pct_outcome * r.meetings / 100) for r in shown)
    both = sum(round(r.pct_both * r.meetings / 100) for r in shown)
    return _("Of %(n)s meetings in the months shown, %(outcome)s%% had an outcome rating and "
             "%(both)s%% both an outcome and an alliance rating.") % {
        "n": meetings, "outcome": _fmt(100 * rated / meetings),
        "both": _fmt(100 * both / meetings)}


@login_required
@require_GET
def fit_use_page(request):
    report = fit_use.fit_use_for_user(request.user)
    title = _("Meetings with an outcome rating, by team and month")
    spec = fit_use_chart(report)
    chart = {"title": title, "sentence": fit_use_sentence(report),
             "svg": render_svg(spec, _("Chart: %(title)s. The values are in the table.")
                               % {"title": title})} if spec["data"]["values"] else None
    return render(request, "insights/fit_use.html", {"report": report, "chart": chart})


@login_required
@require_GET
def my_figures(request):
    """A caseworker's own outcome figures (her team leader's view of them, one
    caseworker at a time, when the organisation turns it on). Never a ranking."""
    raw = request.GET.get("caseworker", "")
    figures = caseworker_figures_for_user(request.user, parse_id(raw) if raw.isdigit() else None)
    name = figures.caseworker.display_name
    overall = dashboards.overall_row(
        figures.series, min_size=figures.min_size,
        label=_("All your series") if figures.own else _("All %(name)s's series") % {"name": name})
    tables = []
    for by in ("rater", "age_group"):
        tables.append({"group_word": grouping_labels()[by], "rows": dashboards.group_rows(
            figures.series, by, min_size=figures.min_size, labels=value_labels(None, by))})
    return render(request, "insights/my_figures.html", {
        "figures": figures, "name": name, "overall": overall, "tables": tables,
        "figure_labels": figure_labels(), "suppressed_text": suppressed_text(figures.min_size),
        "sentences": [percent_sentence(overall), ttw_sentence(overall)],
        "settings": figures.settings, "model": figures.model})
