"""Thin views: read through the access functions, write through insights.actions."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fokus.cases import access
from fokus.insights import actions
from fokus.insights.graph import case_graph
from fokus.insights.models import MeetingRecord
from fokus.insights.record import journal_text, record_context
from fokus.insights.record import record_pdf as render_record_pdf
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals
from fokus.lib.i18n import current_language


def case_insights(case) -> dict:
    """The graph and the signals of a case fetched with get_case_detail_for_user,
    in the page's language. Used by the case page."""
    lang = current_language()
    data = case_series(case)
    tracks, signals = case_signals(data, lang)
    has_ratings = bool(data.outcome or data.alliance)
    graph = case_graph(data, tracks, lang) if has_ratings else None
    return {"graph": graph, "tracks": tracks, "signals": signals, "has_ratings": has_ratings,
            "model_name": data.model.name, "settings_from": data.settings.valid_from}


@login_required
@require_GET
def case_graph_svg(request, case_id: int):
    """The case graph as an SVG image, so that the case page does not wait for it.
    Revalidated by ETag: an unchanged graph is not rendered or sent again."""
    case = access.get_case_detail_for_user(request.user, case_id, purpose="case graph")
    data = case_series(case)
    if not (data.outcome or data.alliance):
        raise Http404
    # The picture only: no signals are needed to draw it (its version is the same).
    graph = case_graph(data, [], current_language())
    etag = f'"{graph.version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(graph.svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _meeting(case, request):
    meetings = sorted(case.meetings.all(), key=lambda m: (m.held_on, m.pk))
    wanted = request.GET.get("meeting") or request.POST.get("meeting")
    if wanted:
        found = [m for m in meetings if str(m.pk) == str(wanted)]
        if not found:
            raise Http404
        return found[0], meetings
    return (meetings[-1] if meetings else None), meetings


@login_required
@require_http_methods(["GET", "POST"])
def record_page(request, case_id: int):
    case = access.get_case_detail_for_user(request.user, case_id, purpose="meeting record")
    meeting, meetings = _meeting(case, request)
    context = {"case": case, "meeting": meeting, "meetings": meetings}
    if meeting is None:
        return render(request, "insights/record.html", context)
    saved = MeetingRecord.objects.filter(meeting=meeting).first()
    errors = []
    if request.method == "POST":
        try:
            actions.save_meeting_record(request.user, case, meeting,
                                        note=request.POST.get("note", ""),
                                        next_steps=request.POST.get("next_steps", ""))
        except ValidationError as exc:
            errors = exc.messages
        else:
            flash.success(request, _("The note and next steps were saved."))
            return redirect(f"{request.path}?meeting={meeting.pk}")
    record_ctx = record_context(case, meeting, saved)
    context.update(record=saved, errors=errors, journal=journal_text(record_ctx),
                   note=request.POST.get("note", saved.note if saved else ""),
                   next_steps=request.POST.get("next_steps", saved.next_steps if saved else ""))
    return render(request, "insights/record.html", context)


@login_required
@require_GET
def record_pdf(request, case_id: int):
    case = access.get_case_detail_for_user(request.user, case_id, purpose="meeting record PDF")
    meeting, _meetings = _meeting(case, request)
    if meeting is None:
        raise Http404
    saved = MeetingRecord.objects.filter(meeting=meeting).first()
    pdf = record_pdf_bytes(case, meeting, saved)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="fokus-{case.reference}-{meeting.held_on:%Y-%m-%d}.pdf"')
    return response


def record_pdf_bytes(case, meeting, saved) -> bytes:
    return render_record_pdf(record_context(case, meeting, saved))
