"""The meeting page: who rates what, the hand-over to the family screen, and the
case's graph and signals to talk about."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from fokus.cases import access
from fokus.insights.views.case import case_insights
from fokus.ratings import kiosk
from fokus.ratings.models import MissingReason


@login_required
def meeting(request, case_id: int, meeting_id: int):
    """The meeting: who rates what (instrument proposed by age), hand-over, missing reasons.
    A fixed number of queries, whoever is present: the meeting, its participants, its
    ratings and missing reasons all come with the case (get_case_detail_for_user)."""
    case = access.get_case_detail_for_user(request.user, case_id, purpose="meeting")
    # A cancelled meeting is left out (kept for the access log only).
    meeting = next((m for m in case.meetings.held() if m.pk == meeting_id), None)
    if meeting is None:
        raise Http404
    persons = list(meeting.participants.all())
    plan = kiosk.plan_for_meeting(meeting, persons)
    taken = {(r.person_id, r.rater_id, r.instrument.measures): r
             for r in case.ratings.all() if r.meeting_id == meeting.pk}
    missing = {(m.person_id, m.measures): m
               for m in case.missing_ratings.all() if m.meeting_id == meeting.pk}
    for row in plan:
        row["rating"] = taken.get((row["person"].pk, row["rater"].pk, row["measures"]))
        row["missing"] = missing.get((row["person"].pk, row["measures"])) if row["self"] else None
        if row["rating"] or row["missing"]:
            row["checked"] = False
    return render(request, "insights/meeting.html", {
        "case": case, "meeting": meeting, "plan": plan, "reasons": MissingReason.choices,
        "can_cancel": not any(r.meeting_id == meeting.pk for r in case.ratings.all()),
        "submit_url": reverse("ratings:kiosk_submit"), "strings": kiosk.screen_strings(),
        "insights": case_insights(case)})
