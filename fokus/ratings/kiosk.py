"""The family screen ("hand the tablet over") and what each person rates.

Handing over takes the caseworker's login off the session and leaves a kiosk
grant in its place: the device can then only take the planned ratings of one
meeting. Every other page sends it to the unlock page (KioskMiddleware), and
the caseworker gets back with her password there."""

import time
import uuid

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from fokus.cases.models import PersonRole
from fokus.instruments.languages import (
    FACE_NAMES,
    PAGE_LANGUAGES,
    direction,
    family_languages,
    is_family_language,
)
from fokus.instruments.models import Measures
from fokus.instruments.wording import wordings_for
from fokus.lib.i18n import current_language
from fokus.lib.words import decimal_mark
from fokus.ratings.actions import active_instruments, suggest_instrument
from fokus.ratings.models import Rating

SESSION = "fokus_kiosk"
DONE = "fokus_kiosk_done"
# The language chosen for each person at the start of a meeting: {meeting id: {person id: code}}.
LANGUAGES = "fokus_meeting_languages"
MAX_AGE = 6 * 3600
PARENT_ROLES = {PersonRole.MOTHER, PersonRole.FATHER, PersonRole.FOSTER_PARENT,
                PersonRole.STEP_PARENT}


def plan_for_meeting(meeting, persons):
    """What each person present can rate: self-ratings of outcome and of the
    session, and a parent's rating of each child present. Instruments by age,
    chosen from one query whatever the number of persons."""
    instruments = active_instruments()

    def suggest(measures, age):
        return suggest_instrument(measures, age, among=instruments)

    rows = []
    outcome, alliance = Measures.OUTCOME.value, Measures.ALLIANCE.value
    for measures in (outcome, alliance):
        for person in persons:
            age = person.age_on(meeting.held_on)
            instrument = suggest(measures, age)
            rows.append({"key": f"{measures}-{person.pk}-{person.pk}", "person": person,
                         "rater": person, "measures": measures, "instrument": instrument,
                         "self": True, "checked": instrument is not None})
        if measures == outcome:
            for parent in persons:
                if parent.role not in PARENT_ROLES:
                    continue
                for child in persons:
                    if child.role != PersonRole.CHILD:
                        continue
                    instrument = suggest(outcome, child.age_on(meeting.held_on))
                    rows.append({"key": f"{outcome}-{child.pk}-{parent.pk}", "person": child,
                                 "rater": parent, "measures": outcome,
                                 "instrument": instrument, "self": False, "checked": False})
    return [r for r in rows if r["instrument"] is not None]


def start(request, *, user, meeting, steps, show_numbers: bool, show_alliance: bool = False,
          show_family_graph: bool = False) -> None:
    """Hand over: the caseworker's login leaves the session; the kiosk grant stays."""
    chosen = request.session.get(LANGUAGES, {}).get(str(meeting.pk), {})
    page = current_language()
    for key in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()
    request.session[SESSION] = {
        "user": user.pk, "case": meeting.case_id, "meeting": meeting.pk,
        # Each person rates in the language chosen for them (the rater's), else the page's.
        "steps": [{"person": r["person"].pk, "rater": r["rater"].pk,
                   "instrument": r["instrument"].code,
                   "language": chosen.get(str(r["rater"].pk), page)} for r in steps],
        "show_numbers": show_numbers, "show_alliance": show_alliance,
        "show_family_graph": show_family_graph, "started": time.time(), "id": uuid.uuid4().hex,
    }


def step_key(grant: dict, index: int) -> uuid.UUID:
    """The idempotency key of one person's step of a hand-over. It belongs to the step,
    not to the press: every press, reload and retry of the step has the same key, so
    the step is stored once; every other step, and every other hand-over, has its own."""
    return uuid.uuid5(uuid.UUID(hex=grant["id"]), f"step-{index}")


def step_keys(grant: dict) -> list[uuid.UUID]:
    return [step_key(grant, index) for index in range(len(grant["steps"]))]


def rated_steps(grant: dict) -> set[int]:
    """The steps of a hand-over whose rating the meeting has: stored from this screen
    (under the step's key), or otherwise (another hand-over, paper) - one query."""
    taken = set(Rating.objects.filter(meeting_id=grant["meeting"])
                .values_list("person_id", "rater_id", "instrument__code"))
    return {index for index, s in enumerate(grant["steps"])
            if (s["person"], s["rater"], s["instrument"]) in taken}


def grant(request) -> dict | None:
    data = request.session.get(SESSION)
    if not data:
        return None
    if time.time() - data.get("started", 0) > MAX_AGE:
        request.session.pop(SESSION, None)
        return None
    return data


MAX_UNLOCK_ATTEMPTS = 5


def count_failed_unlock(request) -> int:
    """One more wrong password on this family screen; returns how many so far."""
    data = request.session[SESSION]
    data["failed_unlocks"] = data.get("failed_unlocks", 0) + 1
    request.session.modified = True
    return data["failed_unlocks"]


def caseworker(grant: dict):
    """The caseworker who handed the tablet over (None if her account is gone)."""
    return get_user_model().objects.filter(pk=grant["user"], is_active=True).first()


def end(request) -> None:
    """Close the family screen. Its plan stays for the caseworker (the last few),
    so that a rating still waiting on the device can be delivered after she unlocked."""
    data = request.session.pop(SESSION, None)
    if data:
        request.session[DONE] = [data] + request.session.get(DONE, [])[:4]


def grant_for_delivery(request, screen_id: str) -> dict | None:
    """The family screen a submission was made on: the open one, or one the
    logged-in caseworker closed recently."""
    data = grant(request)
    if data is not None and data.get("id") == screen_id:
        return data
    user = request.user
    if not user.is_authenticated:
        return None
    for done in request.session.get(DONE, []):
        if (done.get("id") == screen_id and done.get("user") == user.pk
                and time.time() - done.get("started", 0) <= MAX_AGE):
            return done
    return None


def remember_languages(request, meeting, languages: dict) -> None:
    """The language chosen for each person at the start of a meeting ({person id: code}),
    kept in the session for the hand-over (the last few meetings)."""
    kept = dict(list(request.session.get(LANGUAGES, {}).items())[-4:])
    kept[str(meeting.pk)] = {str(pk): code for pk, code in languages.items()
                             if is_family_language(code)}
    request.session[LANGUAGES] = kept


def set_step_language(request, index, language) -> bool:
    """A person on the family screen chose another language for their step."""
    data = grant(request)
    if (data is None or not isinstance(index, int) or not 0 <= index < len(data["steps"])
            or not is_family_language(language)):
        return False
    data["steps"][index]["language"] = language
    request.session.modified = True
    return True


def step_language(language) -> str:
    """A step's language: a family-screen language, else the page's."""
    return language if is_family_language(language) else current_language()


def _choices(item, language: str) -> list[dict]:
    """The answers of a choice item in a language: the item's own names where it has
    them (Danish, English), else the family screen's names of the faces."""
    found = []
    for choice in item.choices:
        text = choice.get(language)
        if not text:
            name = FACE_NAMES.get(choice["value"])
            text = _(name) if name and language not in PAGE_LANGUAGES else choice.get("en", "")
        found.append({"value": choice["value"], "text": text})
    return found


def screen_steps(case, steps, languages=None) -> list[dict]:
    """The steps of a rating screen as the page shows them: first names only, each in
    the language of its rater (`languages`, one per step; the page's by default) with
    the instrument's wording in that language for the case's organisation
    (fokus.instruments.wording). A step whose language has no wording for its
    instrument says so and offers Danish or English (step["missing"])."""
    languages = [step_language(code) for code in (languages or [None] * len(steps))]
    cache: dict = {}
    shown = []
    for index, step in enumerate(steps):
        instrument, language = step["instrument"], languages[index]
        about = None if step["rater"].pk == step["person"].pk else step["person"].first_name
        key = (language, about)
        if key not in cache:
            cache[key] = wordings_for({s["instrument"].pk: s["instrument"] for s in steps}.values(),
                                      language, case.organisation_id, about=about)
        wording = cache[key][instrument.pk]
        items = list(instrument.items.all())
        with override(language):
            shown_items = [] if wording is None else [
                {"id": item.pk, "position": item.position, "label": text.label,
                 "wording": text.text, "low": text.low, "high": text.high,
                 "choices": _choices(item, language)}
                for item, text in zip(items, wording.items, strict=True)]
        shown.append({
            "index": index, "rater": step["rater"].first_name,
            "next_rater": steps[index + 1]["rater"].first_name if index + 1 < len(steps) else "",
            "about": about, "instrument": instrument, "language": language,
            "dir": direction(language), "missing": wording is None,
            "instruction": wording.instruction if wording else "",
            "about_other": wording.about_other if wording else False,
            "items": shown_items,
        })
    return shown


def screen_strings(language: str | None = None) -> dict:
    """What rating.js says, in a language (the page's by default)."""
    language = language or get_language() or "da"
    with override(language):
        return {
            "decimal": decimal_mark(language),
            "saved": _("Saved"),
            "already": _("Already saved"),
            "waiting": _("Waiting for network – kept on this device"),
            "sending": _("Sending…"),
            "refused": _("This could not be saved:"),
            "markAll": _("Please mark every line."),
            "valuetext": _("%(value)s of 10"),
            "notSet": _("not marked yet"),
        }


def strings_by_language(shown) -> dict:
    """screen_strings for each language the steps are in: {code: strings}."""
    return {code: screen_strings(code) for code in {s["language"] for s in shown}}


def language_choices() -> list[dict]:
    """The family screen's languages for a switch: code, name (in itself), direction."""
    return [{"code": code, "name": name, "dir": direction(code)}
            for code, name in family_languages()]


# What a device holding the kiosk grant may open: the family screen and nothing else.
OPEN_WHILE_HANDED_OVER = {"ratings:kiosk", "ratings:kiosk_submit", "ratings:unlock",
                          "ratings:kiosk_service_worker",
                          "insights:kiosk_graph", "insights:kiosk_family_graph"}


class KioskMiddleware:
    """While the tablet is handed over, every page but the family screen, its
    submissions, its graphs, static files and the unlock page sends the device
    to the unlock page: a child cannot browse the case file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if grant(request) is not None and not self._open(request.path_info):
            return redirect("ratings:unlock")
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        static = settings.STATIC_URL or "/static/"
        if not static.startswith("/"):
            static = "/" + static
        if path.startswith(static):
            return True
        try:
            match = resolve(path)
        except Resolver404:
            return False
        return match.view_name in OPEN_WHILE_HANDED_OVER
