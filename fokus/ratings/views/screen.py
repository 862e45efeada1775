"""The family screen: one person at a time on the handed-over tablet, their
submissions, and the caseworker's way back (her password)."""

from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fokus.lib.forms import parse_id
from fokus.ratings import actions, kiosk
from fokus.ratings.access import family_screen
from fokus.ratings.forms import UnlockForm
from fokus.ratings.models import RatingMode
from fokus.ratings.views.common import (
    bad_request,
    conflict,
    parse_key,
    parse_submission,
    saved,
    unreadable,
)


def _no_screen(request):
    return redirect("insights:case_list" if request.user.is_authenticated else "login")


@require_http_methods(["GET", "POST"])
def kiosk_screen(request):
    """The family screen: one person at a time, full screen, first names only, each
    in their own language. A POST (step, language) changes a step's language (a
    person's choice on the screen, e.g. Danish where their language has no wording)."""
    grant = kiosk.grant(request)
    if grant is None:
        return _no_screen(request)
    if request.method == "POST":
        index = parse_id(request.POST.get("step"))
        kiosk.set_step_language(request, index, request.POST.get("language"))
        return redirect(reverse("ratings:kiosk") + f"?step={max(index, 0)}")
    screen = family_screen(grant)
    shown = kiosk.screen_steps(screen.case, screen.steps,
                               [s.get("language") for s in grant["steps"]])
    rated = kiosk.rated_steps(grant)
    for step, key in zip(shown, kiosk.step_keys(grant), strict=True):
        step["key"], step["saved"] = key, step["index"] in rated
    # After a reload the screen opens at the first step not yet saved.
    open_step = next((s["index"] for s in shown if not s["saved"]), None)
    # ...or at the step whose language a person just changed.
    wanted = parse_id(request.GET.get("step"))
    if open_step is not None and 0 <= wanted < len(shown) and not shown[wanted]["saved"]:
        open_step = wanted
    return render(request, "ratings/kiosk.html", {
        "steps": shown, "open_step": open_step,
        "show_numbers": grant.get("show_numbers", False),
        "submit_url": reverse("ratings:kiosk_submit"), "strings": kiosk.screen_strings(),
        "strings_by_language": kiosk.strings_by_language(shown),
        "languages": kiosk.language_choices(),
        "screen_id": grant.get("id", ""), "kiosk": True,
        "show_family_graph": grant.get("show_family_graph", False),
        "service_worker_url": reverse("ratings:kiosk_service_worker"),
        "screen_url": reverse("ratings:kiosk"),
    })


SERVICE_WORKER = Path(__file__).resolve().parents[2] / "static" / "fokus" / "family-screen-sw.js"


def service_worker(request):
    """The family screen's service worker (static/fokus/family-screen-sw.js), served from
    the screen's own path so that its scope is the screen: it keeps the screen's page and
    files for a reload without network. The same script for everyone; no data in it."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(),
                            content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    # No personal data in it: revalidated, not no-store (fokus.lib.middleware.NoStoreMiddleware).
    response.fokus_cacheable = True
    return response


@require_POST
def kiosk_submit(request):
    """JSON: {"screen": id, "step": n, "key": uuid, "answers": [...]} → 201 (stored)
    or 200 (that step was stored before: "already saved")."""
    body = parse_submission(request)
    if body is None:
        return unreadable()
    grant = kiosk.grant_for_delivery(request, str(body.get("screen", "")))
    if grant is None:
        actions.record_refused_screen_submit(request.user)
        return JsonResponse({"status": "refused", "errors": [
            _("The family screen has been closed. Ask the caseworker.")]}, status=403)
    screen = family_screen(grant)
    index = body.get("step")
    if (not isinstance(index, int) or isinstance(index, bool)
            or not 0 <= index < len(screen.steps) or parse_key(body.get("key")) is None
            or not isinstance(body.get("answers"), list)):
        return unreadable()
    step = screen.steps[index]
    try:
        # The step's own key, whatever key this press sent: a second press, a reload
        # or a retry of the step finds the rating stored the first time.
        rating, created = actions.record_rating(
            screen.user, screen.case, instrument=step["instrument"], person=step["person"],
            rater=step["rater"], rated_on=screen.meeting.held_on, answers=body["answers"],
            mode=RatingMode.TABLET, meeting=screen.meeting,
            idempotency_key=kiosk.step_key(grant, index))
    except actions.SubmissionConflict as exc:
        return conflict(exc)
    except ValidationError as exc:
        return bad_request(exc.messages)
    return saved(rating, created=created)


@require_http_methods(["GET", "POST"])
def unlock(request):
    """Back from the family screen to the case: the caseworker's password."""
    grant = kiosk.grant(request)
    if grant is None:
        return _no_screen(request)
    user = kiosk.caseworker(grant)
    if user is not None and not user.has_usable_password():
        # Signed in through the municipality's login (SSO): Fokus knows no password of
        # hers, so the way back is that login again, from the start.
        if request.method == "POST":
            case_id, meeting_id = grant["case"], grant["meeting"]
            kiosk.end(request)
            meeting = reverse("insights:meeting", kwargs={"case_id": case_id,
                                                         "meeting_id": meeting_id})
            return redirect(f"{reverse('login')}?{urlencode({'next': meeting})}")
        return render(request, "ratings/unlock.html", {"sso": True, "kiosk": True})
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if user is not None and user.check_password(form.cleaned_data["password"]):
            case_id, meeting_id = grant["case"], grant["meeting"]
            kiosk.end(request)
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("insights:meeting", case_id=case_id, meeting_id=meeting_id)
        actions.record_refused_unlock(user, case_id=grant["case"], meeting_id=grant["meeting"])
        if kiosk.count_failed_unlock(request) >= kiosk.MAX_UNLOCK_ATTEMPTS:
            # Guessing is over: the screen closes, and only a full login opens the case.
            kiosk.end(request)
            flash.warning(request, _("Too many wrong passwords: the family screen was closed. "
                                     "The caseworker logs in again."))
            return redirect("login")
        form.add_error("password", _("That is not the caseworker's password."))
    return render(request, "ratings/unlock.html", {"form": form, "kiosk": True})
