"""Rating links: the caseworker sends one; the person opens it on their own phone."""

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from fokus.cases import access
from fokus.lib.middleware import client_ip
from fokus.ratings import actions, kiosk, links
from fokus.ratings.access import get_link_by_token
from fokus.ratings.forms import RatingLinkForm
from fokus.ratings.models import SendState
from fokus.ratings.views.common import (
    bad_request,
    conflict,
    parse_key,
    parse_submission,
    unreadable,
)


@login_required
@require_http_methods(["GET", "POST"])
def link_send(request, case_id: int):
    """Send a person a one-time link to rate on their own phone."""
    case = access.get_case_for_user(request.user, case_id, purpose="rating link",
                                    shown=access.all_persons)  # the form lists them
    form = RatingLinkForm(request.POST or None, case=case)
    if case.organisation.rating_link_reminder_hours:
        form.fields["address"].help_text = _(
            "Used only to send this link and one reminder after %(hours)s hours if it is "
            "not answered; then it is erased.") % {
            "hours": case.organisation.rating_link_reminder_hours}
    if request.method == "POST" and form.is_valid():
        persons = {p.pk: p for p in case.persons.all()}
        person, rater = persons[form.cleaned_data["person"]], persons[form.cleaned_data["rater"]]
        instrument = actions.suggest_instrument(form.cleaned_data["measures"], person.age_today)
        if instrument is None:
            form.add_error(None, _("No instrument fits the age of %(name)s.") % {
                "name": person.first_name})
        else:
            try:
                link, _token = actions.create_rating_link(
                    request.user, case, person=person, rater=rater, instrument=instrument,
                    channel=form.cleaned_data["channel"], address=form.cleaned_data["address"],
                    language=form.cleaned_data.get("language") or "da",
                    # On FOKUS_BASE_URL when set, else the host this request came to.
                    base_url=links.site_base(request))
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                # The worker sends it; the immediate backend (demo) has tried already.
                link.refresh_from_db()
                who = {"code": instrument.code, "name": rater.first_name}
                if link.send_state == SendState.FAILED:
                    form.add_error(None, _("The link could not be sent, so it was withdrawn. "
                                           "Please check the address and send it again, "
                                           "or use a paper form."))
                else:
                    if link.send_state == SendState.SENT:
                        flash.success(request, _("A link for %(code)s was sent to "
                                                 "%(name)s.") % who)
                    else:
                        flash.success(request, _("The link for %(code)s will be sent to "
                                                 "%(name)s. The case page shows when it "
                                                 "has been sent.") % who)
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


@never_cache
@require_http_methods(["GET", "POST"])
def rate_by_link(request, token: str):
    """The public page of a rating link: no login, nothing of the case but the rater's
    first name; it says who asks (the municipality and the caseworker's first name),
    what the answers are for and who sees them. Never cached (Cache-Control: no-store),
    and the token never leaves in a Referer header."""
    address = client_ip(request)
    if links.guessing_blocked(address):
        response = _throttled(request, address)
    elif request.method == "POST":
        response = _submit(request, token, address)
    else:
        response = _page(request, token, address)
    response["Referrer-Policy"] = "no-referrer"
    return response


def _throttled(request, address: str):
    """429: too many unknown or expired tokens from this address; no lookup is made."""
    language = kiosk.step_language(request.GET.get("lang"))
    with translation.override(language):
        message = _("Too many links that do not work have been tried from this connection. "
                    "Please wait %(minutes)s minutes and try again, or ask your caseworker "
                    "for a new link. Nothing was saved.") % {
            "minutes": links.guess_wait_minutes(address)}
        if request.method == "POST":
            response = JsonResponse({"status": "refused", "errors": [message]}, status=429)
        else:
            response = render(request, "ratings/link_throttled.html",
                              {"message": message, "kiosk": True}, status=429)
    response["Retry-After"] = str(links.guess_wait_minutes(address) * 60)
    return response


def _count_miss(request, refused, address: str) -> None:
    if refused.reason in links.GUESSED and links.count_guess(address):
        actions.record_link_guessing_throttled(request.user)


def _page(request, token: str, address: str):
    try:
        link = get_link_by_token(token, request.user)
    except links.LinkRefused as exc:
        _count_miss(request, exc, address)
        language = kiosk.step_language(request.GET.get("lang"))
        with translation.override(language):
            return render(request, "ratings/link_refused.html",
                          {"message": REFUSALS[exc.reason], "kiosk": True}, status=410)
    # The person's language: the one the link was sent in (?lang=), or chosen on the page.
    language = kiosk.step_language(request.GET.get("lang"))
    steps = [{"person": link.person, "rater": link.rater, "instrument": link.instrument}]
    with translation.override(language):
        shown = kiosk.screen_steps(link.case, steps, [language])
        shown[0]["key"] = links.submission_key(link)
        return render(request, "ratings/link_page.html", {
            "steps": shown, "open_step": 0, "show_numbers": False,
            "submit_url": request.path, "strings": kiosk.screen_strings(),
            "strings_by_language": kiosk.strings_by_language(shown),
            "languages": kiosk.language_choices(), "link": True, "kiosk": True,
            "asking": asking(link), "intro_language": links.message_language(language),
        })


def asking(link) -> dict:
    """Who asks, and about what: the municipality, the caseworker's first name, and
    whether it is "how life is going" or "how the meeting went"."""
    from fokus.instruments.models import Measures

    return {"municipality": link.case.organisation.name,
            "caseworker": link.created_by.first_name if link.created_by else "",
            "about_meeting": link.instrument.measures == Measures.ALLIANCE}


def _submit(request, token: str, address: str):
    """JSON: {"key": uuid, "answers": [...]} → 201 (stored), 200 (this very submission
    was stored before), 410 (the link is unknown, used or expired) or 400."""
    body = parse_submission(request)
    key = parse_key((body or {}).get("key"))
    if body is None or key is None or not isinstance(body.get("answers"), list):
        return unreadable()
    try:
        rating, created = actions.record_link_rating(token, answers=body["answers"],
                                                     idempotency_key=key)
    except links.LinkRefused as exc:
        actions.record_refused_link(request.user, exc)
        _count_miss(request, exc, address)
        return JsonResponse({"status": "refused", "errors": [str(REFUSALS[exc.reason])]},
                            status=410)
    except actions.SubmissionConflict as exc:
        return conflict(exc)
    except ValidationError as exc:
        return bad_request(exc.messages)
    # No database ids in the answer: the page needs only to know that it is saved.
    if created:
        return JsonResponse({"status": "saved"}, status=201)
    return JsonResponse({"status": "saved", "already": True, "message": _("Already saved")})


@require_GET
def privacy(request):
    """The public privacy notice: what Fokus stores about a family, why, who sees it, how
    long, and the person's rights, with the municipality's contact
    (settings.FOKUS_PRIVACY_CONTACT). ?lang=da|en, as a link page sends it."""
    language = request.GET.get("lang")
    context = {"contact": settings.FOKUS_PRIVACY_CONTACT}
    if language in ("da", "en"):
        with translation.override(language):
            return render(request, "privacy.html", context)
    return render(request, "privacy.html", context)
