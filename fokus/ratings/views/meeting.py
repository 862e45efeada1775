"""The meeting: start it, hand the tablet over, say why someone did not rate.
(The meeting page itself shows graphs and signals: fokus.insights.views.meeting.)"""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fokus.cases import access
from fokus.cases import actions as case_actions
from fokus.cases.models import Meeting
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
    case = access.get_case_for_user(request.user, case_id, purpose="start meeting",
                                    shown=access.all_persons)  # the form lists them
    form = MeetingStartForm(request.POST or None, case=case)
    # Who is present is proposed from the last meeting held (the caseworker changes it).
    last = (Meeting.objects.held().filter(case=case).order_by("-held_on", "-pk")
            .prefetch_related("participants").first())
    if last is not None:
        form.fields["present"].initial = [p.pk for p in last.participants.all()]
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
    return render(request, "ratings/meeting_start.html", {"case": case, "form": form,
                                                          "last_meeting": last})


@login_required
@require_POST
def hand_over(request, case_id: int, meeting_id: int):
    """Hand the tablet over: the screen now only takes the chosen ratings."""
    case = access.get_case_for_user(request.user, case_id, purpose="hand over")
    meeting = _held(case, meeting_id)
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


def _held(case, meeting_id):
    """A meeting of the case that was not cancelled; 404 otherwise."""
    meeting = meeting_for(case, meeting_id)
    if meeting.is_cancelled:
        raise Http404
    return meeting


@login_required
@require_POST
def missing_rating(request, case_id: int, meeting_id: int):
    """Why someone present did not rate (a reason chosen and saved), or undo it
    (`undo`): one control per person and measure on the meeting page."""
    case = access.get_case_for_user(request.user, case_id, purpose="missing rating")
    meeting = _held(case, meeting_id)
    person = meeting.participants.filter(pk=parse_id(request.POST.get("person"))).first()
    if person is None:
        raise Http404
    measures = request.POST.get("measures", Measures.OUTCOME.value)
    try:
        if request.POST.get("undo"):
            actions.withdraw_missing_rating(request.user, case, meeting=meeting, person=person,
                                            measures=measures)
            flash.success(request, _("Undone: %(name)s's rating is no longer marked as not "
                                     "given.") % {"name": person.first_name})
        else:
            actions.record_missing_rating(request.user, case, meeting=meeting, person=person,
                                          reason=request.POST.get("reason", ""),
                                          measures=measures)
            flash.success(request, _("Recorded why %(name)s did not rate.") % {
                "name": person.first_name})
    except ValidationError as exc:
        for message in exc.messages:
            flash.error(request, message)
    return redirect(reverse("insights:meeting", kwargs={"case_id": case.pk,
                                                        "meeting_id": meeting.pk})
                    + (f"#rate-{person.pk}-{measures}" if measures in Measures.values else ""))


@login_required
@require_POST
def meeting_cancel(request, case_id: int, meeting_id: int):
    """Cancel a meeting started by mistake (kept in the access log, left out of
    everything else): back to the case."""
    case = access.get_case_for_user(request.user, case_id, purpose="cancel meeting")
    meeting = _held(case, meeting_id)
    try:
        case_actions.cancel_meeting(request.user, case, meeting)
    except ValidationError as exc:
        for message in exc.messages:
            flash.error(request, message)
        return redirect("insights:meeting", case_id=case.pk, meeting_id=meeting.pk)
    flash.success(request, _("The meeting of %(date)s was cancelled. It is left out of the "
                             "graph, the signals and the figures.") % {
        "date": date_format(meeting.held_on, "SHORT_DATE_FORMAT")})
    return redirect("insights:case", case_id=case.pk)
