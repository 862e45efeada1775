"""The meeting: start it, hand the tablet over, say why someone did not rate.
(The meeting page itself shows graphs and signals: fokus.insights.views.meeting.)"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fokus.cases import access
from fokus.cases import actions as case_actions
from fokus.instruments.models import Measures
from fokus.lib.forms import parse_id
from fokus.ratings import actions, kiosk
from fokus.ratings.access import meeting_for
from fokus.ratings.forms import MeetingStartForm


@login_required
@require_http_methods(["GET", "POST"])
def meeting_start(request, case_id: int):
    """Start a meeting: date, kind, who is present, and the language each person
    rates in (kept for the hand-over)."""
    case = access.get_case_for_user(request.user, case_id, purpose="start meeting")
    form = MeetingStartForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        persons = {p.pk: p for p in case.persons.all()}
        try:
            meeting = case_actions.record_meeting(
                request.user, case, held_on=form.cleaned_data["held_on"],
                kind=form.cleaned_data["kind"],
                participants=[persons[i] for i in form.cleaned_data["present"]])
            for person_id in form.cleaned_data["private_children"]:
                case_actions.set_ratings_private_from_parents(
                    request.user, case, persons[person_id], private=True)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            kiosk.remember_languages(request, meeting, form.languages())
            return redirect("insights:meeting", case_id=case.pk, meeting_id=meeting.pk)
    return render(request, "ratings/meeting_start.html", {"case": case, "form": form})


@login_required
@require_POST
def hand_over(request, case_id: int, meeting_id: int):
    """Hand the tablet over: the screen now only takes the chosen ratings."""
    case = access.get_case_for_user(request.user, case_id, purpose="hand over")
    meeting = meeting_for(case, meeting_id)
    chosen = set(request.POST.getlist("steps"))
    steps = [r for r in kiosk.plan_for_meeting(meeting, list(meeting.participants.all()))
             if r["key"] in chosen]
    if not steps:
        flash.error(request, _("Choose at least one rating to take."))
        return redirect("insights:meeting", case_id=case.pk, meeting_id=meeting.pk)
    kiosk.start(request, user=request.user, meeting=meeting, steps=steps,
                show_numbers=request.POST.get("show_numbers") == "on",
                show_alliance=request.POST.get("show_alliance") == "on",
                show_family_graph=request.POST.get("show_family_graph") == "on")
    return redirect("ratings:kiosk")


@login_required
@require_POST
def missing_rating(request, case_id: int, meeting_id: int):
    """Why someone present did not rate, in one tap."""
    case = access.get_case_for_user(request.user, case_id, purpose="missing rating")
    meeting = meeting_for(case, meeting_id)
    person = meeting.participants.filter(pk=parse_id(request.POST.get("person"))).first()
    if person is None:
        raise Http404
    try:
        actions.record_missing_rating(request.user, case, meeting=meeting, person=person,
                                      reason=request.POST.get("reason", ""),
                                      measures=request.POST.get("measures", Measures.OUTCOME.value))
    except ValidationError as exc:
        for message in exc.messages:
            flash.error(request, message)
    else:
        flash.success(request, _("Recorded why %(name)s did not rate.") % {
            "name": person.first_name})
    return redirect("insights:meeting", case_id=case.pk, meeting_id=meeting.pk)
