"""The family screen ("hand the tablet over") and what each person rates.

Handing over takes the caseworker's login off the session and leaves a kiosk
grant in its place: the device can then only take the planned ratings of one
meeting. Every case page sends it to the login page, and the caseworker gets
back with her password (the unlock view)."""

import time

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.translation import get_language

from fokus.cases.models import PersonRole
from fokus.instruments.models import ItemWording
from fokus.ratings.actions import suggest_instrument

SESSION = "fokus_kiosk"
MAX_AGE = 6 * 3600
PARENT_ROLES = {PersonRole.MOTHER, PersonRole.FATHER, PersonRole.FOSTER_PARENT,
                PersonRole.STEP_PARENT}


def plan_for_meeting(meeting, persons):
    """What each person present can rate: self-ratings of outcome and of the
    session, and a parent's rating of each child present. Instruments by age."""
    rows = []
    for measures in ("outcome", "alliance"):
        for person in persons:
            age = person.age_on(meeting.held_on)
            instrument = suggest_instrument(measures, age)
            rows.append({"key": f"{measures}-{person.pk}-{person.pk}", "person": person,
                         "rater": person, "measures": measures, "instrument": instrument,
                         "self": True, "checked": instrument is not None})
        if measures == "outcome":
            for parent in persons:
                if parent.role not in PARENT_ROLES:
                    continue
                for child in persons:
                    if child.role != PersonRole.CHILD:
                        continue
                    instrument = suggest_instrument("outcome", child.age_on(meeting.held_on))
                    rows.append({"key": f"outcome-{child.pk}-{parent.pk}", "person": child,
                                 "rater": parent, "measures": "outcome",
                                 "instrument": instrument, "self": False, "checked": False})
    return [r for r in rows if r["instrument"] is not None]


def start(request, *, user, meeting, steps, show_numbers: bool) -> None:
    """Hand over: the caseworker's login leaves the session; the kiosk grant stays."""
    for key in (SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()
    request.session[SESSION] = {
        "user": user.pk, "case": meeting.case_id, "meeting": meeting.pk,
        "steps": [{"person": r["person"].pk, "rater": r["rater"].pk,
                   "instrument": r["instrument"].code} for r in steps],
        "show_numbers": show_numbers, "started": time.time(),
    }


def grant(request) -> dict | None:
    data = request.session.get(SESSION)
    if not data:
        return None
    if time.time() - data.get("started", 0) > MAX_AGE:
        request.session.pop(SESSION, None)
        return None
    return data


def end(request) -> None:
    request.session.pop(SESSION, None)


def wordings(organisation_id, items) -> dict:
    """The wording an administrator configured for each item, in the current language."""
    language = (get_language() or "da")[:2]
    return dict(ItemWording.objects.filter(organisation_id=organisation_id, item__in=items,
                                           language=language).values_list("item_id", "text"))
