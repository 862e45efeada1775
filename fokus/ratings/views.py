import json
import uuid

from django.contrib import messages as flash
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases import access
from fokus.cases import actions as case_actions
from fokus.instruments.access import usable_instruments
from fokus.instruments.models import Instrument
from fokus.lib.forms import parse_id
from fokus.lib.i18n import current_language
from fokus.ratings import actions, kiosk, links
from fokus.ratings.forms import MeetingStartForm, PaperRatingForm, RatingLinkForm, UnlockForm
from fokus.ratings.models import Rating, RatingMode


@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request, case_id: int):
    """Type in a rating taken on paper: the measured cm per line."""
    case = access.get_case_for_user(request.user, case_id, purpose="paper entry")
    instruments = usable_instruments(case.organisation_id, timezone.localdate())
    chosen = request.POST.get("instrument") or request.GET.get("instrument") or "ORS"
    instrument = next((i for i in instruments if i.code == chosen), None)
    if instrument is None:
        if not instruments:
            return render(request, "ratings/paper_form.html", {"case": case, "instruments": []})
        instrument = instruments[0]
    form = PaperRatingForm(request.POST or None, case=case, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        persons = {p.pk: p for p in case.persons.all()}
        try:
            actions.record_rating(
                request.user, case, instrument=instrument,
                person=persons[form.cleaned_data["person"]],
                rater=persons[form.cleaned_data["rater"]],
                rated_on=form.cleaned_data["rated_on"], answers=form.answers(),
                total=form.cleaned_data["total"], mode=RatingMode.PAPER,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            flash.success(request, _("The rating was saved."))
            return redirect("insights:case", case_id=case.pk)
    return render(request, "ratings/paper_form.html",
                  {"case": case, "form": form, "instrument": instrument,
                   "instruments": instruments})


def meeting_for(case, meeting_id):
    meeting = case.meetings.filter(pk=meeting_id).prefetch_related("participants").first()
    if meeting is None:
        raise Http404
    return meeting


@login_required
@require_http_methods(["GET", "POST"])
def meeting_start(request, case_id: int):
    """Start a meeting: date, kind, who is present."""
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
    case = access.get_case_for_user(request.user, case_id, purpose="missing rating")
    meeting = meeting_for(case, meeting_id)
    person = meeting.participants.filter(pk=parse_id(request.POST.get("person"))).first()
    if person is None:
        raise Http404
    try:
        actions.record_missing_rating(request.user, case, meeting=meeting, person=person,
                                      reason=request.POST.get("reason", ""),
                                      measures=request.POST.get("measures", "outcome"))
    except ValidationError as exc:
        for message in exc.messages:
            flash.error(request, message)
    else:
        flash.success(request, _("Recorded why %(name)s did not rate.") % {
            "name": person.first_name})
    return redirect("insights:meeting", case_id=case.pk, meeting_id=meeting.pk)


def _kiosk_context(request, grant):
    """The case, meeting, user and the steps of the family screen."""
    user = kiosk.caseworker(grant)
    if user is None:
        raise Http404
    case = access.get_case_for_user(user, grant["case"], purpose="family screen")
    meeting = meeting_for(case, grant["meeting"])
    persons = {p.pk: p for p in case.persons.all()}
    instruments = {i.code: i for i in Instrument.objects.prefetch_related("items")}
    steps = []
    for step in grant["steps"]:
        steps.append({"person": persons[step["person"]], "rater": persons[step["rater"]],
                      "instrument": instruments[step["instrument"]]})
    return user, case, meeting, steps


def _screen_steps(case, steps):
    items = [item for s in steps for item in s["instrument"].items.all()]
    wording = kiosk.wordings(case.organisation_id, items)
    language = current_language()
    shown = []
    for index, step in enumerate(steps):
        instrument = step["instrument"]
        shown.append({
            "index": index, "rater": step["rater"].first_name,
            "next_rater": steps[index + 1]["rater"].first_name if index + 1 < len(steps) else "",
            "about": None if step["rater"].pk == step["person"].pk else step["person"].first_name,
            "instrument": instrument,
            "items": [{"id": item.pk, "position": item.position, "label": item.label,
                       "wording": wording.get(item.pk, ""),
                       "choices": [{"value": c["value"], "text": c.get(language) or c["en"]}
                                   for c in item.choices]}
                      for item in instrument.items.all()],
        })
    return shown


def screen_strings():
    return {
        "saved": _("Saved"),
        "already": _("Already saved"),
        "waiting": _("Waiting for network – kept on this device"),
        "sending": _("Sending…"),
        "refused": _("This could not be saved:"),
        "markAll": _("Please mark every line."),
        "valuetext": _("%(value)s of 10"),
        "notSet": _("not marked yet"),
    }


def kiosk_screen(request):
    """The family screen: one person at a time, full screen, first names only."""
    grant = kiosk.grant(request)
    if grant is None:
        return redirect("insights:case_list" if request.user.is_authenticated else "login")
    _user, case, _meeting, steps = _kiosk_context(request, grant)
    shown = _screen_steps(case, steps)
    keys = kiosk.step_keys(grant)
    saved = set(Rating.objects.filter(idempotency_key__in=keys)
                .values_list("idempotency_key", flat=True))
    for step, key in zip(shown, keys, strict=True):
        step["key"], step["saved"] = key, key in saved
    # After a reload the screen opens at the first step not yet saved.
    open_step = next((s["index"] for s in shown if not s["saved"]), None)
    return render(request, "ratings/kiosk.html", {
        "steps": shown, "open_step": open_step,
        "show_numbers": grant.get("show_numbers", False),
        "submit_url": reverse("ratings:kiosk_submit"), "strings": screen_strings(),
        "screen_id": grant.get("id", ""), "kiosk": True,
        "show_family_graph": grant.get("show_family_graph", False),
    })


def _parse_submission(request):
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _bad_request(messages):
    return JsonResponse({"status": "refused", "errors": list(messages)}, status=400)


def _saved(rating, *, created: bool):
    """201 for a rating stored now; 200 and "already saved" for one stored before."""
    if created:
        return JsonResponse({"status": "saved", "id": rating.pk}, status=201)
    return JsonResponse({"status": "saved", "id": rating.pk, "already": True,
                         "message": _("Already saved")}, status=200)


def _key(raw):
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


@require_POST
def kiosk_submit(request):
    """JSON: {"step": n, "key": uuid, "answers": [...]} → 201 (stored) or 200 (already stored)."""
    body = _parse_submission(request)
    if body is None:
        return _bad_request([_("The submission could not be read.")])
    grant = kiosk.grant_for_delivery(request, str(body.get("screen", "")))
    if grant is None:
        return JsonResponse({"status": "refused", "errors": [
            _("The family screen has been closed. Ask the caseworker.")]}, status=403)
    user, case, meeting, steps = _kiosk_context(request, grant)
    index = body.get("step")
    key = _key(body.get("key"))
    if not isinstance(index, int) or not 0 <= index < len(steps) or key is None:
        return _bad_request([_("The submission could not be read.")])
    answers = body.get("answers")
    if not isinstance(answers, list):
        return _bad_request([_("The submission could not be read.")])
    step = steps[index]
    # The step's own key, whatever key this press sent: a second press, a reload or a
    # retry of the step finds the rating stored the first time.
    key = kiosk.step_key(grant, index)
    existed = Rating.objects.filter(idempotency_key=key).exists()
    try:
        rating = actions.record_rating(
            user, case, instrument=step["instrument"], person=step["person"],
            rater=step["rater"], rated_on=meeting.held_on, answers=answers,
            mode=RatingMode.TABLET, meeting=meeting, idempotency_key=key)
    except ValidationError as exc:
        return _bad_request(exc.messages)
    return _saved(rating, created=not existed)


@require_http_methods(["GET", "POST"])
def unlock(request):
    """Back from the family screen to the case: the caseworker's password."""
    grant = kiosk.grant(request)
    if grant is None:
        return redirect("insights:case_list" if request.user.is_authenticated else "login")
    user = kiosk.caseworker(grant)
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if user is not None and user.check_password(form.cleaned_data["password"]):
            case_id, meeting_id = grant["case"], grant["meeting"]
            kiosk.end(request)
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("insights:meeting", case_id=case_id, meeting_id=meeting_id)
        with transaction.atomic():
            record(user, AccessAction.DENIED, "family_screen_unlock", grant["meeting"],
                   case_id=grant["case"], purpose="wrong password")
        if kiosk.count_failed_unlock(request) >= kiosk.MAX_UNLOCK_ATTEMPTS:
            # Guessing is over: the screen closes, and only a full login opens the case.
            kiosk.end(request)
            flash.warning(request, _("Too many wrong passwords: the family screen was closed. "
                                     "The caseworker logs in again."))
            return redirect("login")
        form.add_error("password", _("That is not the caseworker's password."))
    return render(request, "ratings/unlock.html", {"form": form, "kiosk": True})


@login_required
@require_http_methods(["GET", "POST"])
def link_send(request, case_id: int):
    """Send a person a one-time link to rate on their own phone."""
    case = access.get_case_for_user(request.user, case_id, purpose="rating link")
    form = RatingLinkForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        persons = {p.pk: p for p in case.persons.all()}
        person, rater = persons[form.cleaned_data["person"]], persons[form.cleaned_data["rater"]]
        instrument = actions.suggest_instrument(form.cleaned_data["measures"], person.age_today)
        if instrument is None:
            form.add_error(None, _("No instrument fits the age of %(name)s.") % {
                "name": person.first_name})
        else:
            try:
                actions.create_rating_link(
                    request.user, case, person=person, rater=rater, instrument=instrument,
                    channel=form.cleaned_data["channel"], address=form.cleaned_data["address"],
                    build_url=lambda token: request.build_absolute_uri(
                        reverse("ratings:rate_by_link", kwargs={"token": token})))
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                flash.success(request, _("A link for %(code)s was sent to %(name)s.") % {
                    "code": instrument.code, "name": rater.first_name})
                return redirect("insights:case", case_id=case.pk)
    return render(request, "ratings/link_form.html", {"case": case, "form": form})


REFUSALS = {
    "unknown": gettext_lazy("This link is not valid. Please check that the whole link was copied, "
                     "or ask your caseworker for a new one."),
    "used": gettext_lazy("Thank you – this link has already been used, so your answer is saved. "
                  "A link works only once."),
    "expired": gettext_lazy("This link has expired. Please ask your caseworker for a new one. "
                     "Nothing was saved."),
}


def rate_by_link(request, token: str):
    """The public page of a rating link: no login, nothing of the case but a first name."""
    if request.method == "POST":
        body = _parse_submission(request)
        key = _key((body or {}).get("key"))
        if body is None or key is None or not isinstance(body.get("answers"), list):
            return _bad_request([_("The submission could not be read.")])
        existed = Rating.objects.filter(idempotency_key=key).exists()
        try:
            rating = actions.record_link_rating(token, answers=body["answers"],
                                                idempotency_key=key)
        except links.LinkRefused as exc:
            return JsonResponse({"status": "refused", "errors": [str(REFUSALS[exc.reason])]},
                                status=410)
        except ValidationError as exc:
            return _bad_request(exc.messages)
        return _saved(rating, created=not existed)
    if request.method != "GET":
        return JsonResponse({}, status=405)
    from fokus.ratings.models import RatingLink

    link = (RatingLink.objects.filter(token_hash=links.hash_token(token))
            .select_related("case", "person", "rater", "instrument").first())
    reason = None
    if link is None:
        reason = "unknown"
    elif link.used_at is not None:
        reason = "used"
    elif link.expires_at <= timezone.now():
        reason = "expired"
    if reason:
        return render(request, "ratings/link_refused.html",
                      {"message": REFUSALS[reason], "kiosk": True}, status=410)
    with transaction.atomic():
        record(None, AccessAction.READ, "rating_link", link.pk, case_id=link.case_id,
               person_id=link.person_id, purpose="opened")
    steps = [{"person": link.person, "rater": link.rater, "instrument": link.instrument}]
    shown = _screen_steps(link.case, steps)
    shown[0]["key"] = links.submission_key(link)
    return render(request, "ratings/kiosk.html", {
        "steps": shown, "open_step": 0, "show_numbers": False,
        "submit_url": request.path, "strings": screen_strings(), "link": True,
        "kiosk": True,
    })
