"""The meeting page: who rates what, the hand-over to the family screen, and the
case's graph and signals to talk about."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from fokus.cases import access
from fokus.insights.views.case import case_insights
from fokus.ratings import kiosk
from fokus.ratings.access import meeting_for
from fokus.ratings.models import MissingReason, Rating


@login_required
def meeting(request, case_id: int, meeting_id: int):
    """The meeting: who rates what (instrument proposed by age), hand-over, missing reasons."""
    case = access.get_case_detail_for_user(request.user, case_id, purpose="meeting")
    meeting = meeting_for(case, meeting_id)
    persons = list(meeting.participants.all())
    plan = kiosk.plan_for_meeting(meeting, persons)
    taken = {(r.person_id, r.rater_id, r.instrument.measures): r
             for r in Rating.objects.filter(meeting=meeting).select_related("instrument")}
    missing = {(m.person_id, m.measures): m for m in meeting.missing_ratings.all()}
    for row in plan:
        row["rating"] = taken.get((row["person"].pk, row["rater"].pk, row["measures"]))
        row["missing"] = missing.get((row["person"].pk, row["measures"])) if row["self"] else None
        if row["rating"] or row["missing"]:
            row["checked"] = False
    return render(request, "insights/meeting.html", {
        "case": case, "meeting": meeting, "plan": plan, "reasons": MissingReason.choices,
        "submit_url": reverse("ratings:kiosk_submit"), "strings": kiosk.screen_strings(),
        "insights": case_insights(case)})


