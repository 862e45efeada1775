"""The meeting record: the note, the next steps and the PDF for the case file."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fokus.cases import access
from fokus.insights import actions
from fokus.insights.models import MeetingRecord
from fokus.insights.record import journal_text, record_context
from fokus.insights.record import record_pdf as render_record_pdf


def _meeting(case, request):
    meetings = sorted(case.meetings.held(), key=lambda m: (m.held_on, m.pk))
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
