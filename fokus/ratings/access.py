"""Reads of the ratings layer: a meeting of a case, the family screen of a kiosk grant,
a rating link by its token. Like fokus.cases.access, each read that shows a person
something writes its access-log entry in the same transaction as the read."""

from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases import access as case_access
from fokus.cases.models import Case, Meeting, Person
from fokus.instruments.models import Instrument
from fokus.lib.forms import parse_id
from fokus.ratings import kiosk, links
from fokus.ratings.actions import record_refused_link
from fokus.ratings.models import RatingLink


def meeting_for(case: Case, meeting_id) -> Meeting:
    """A meeting of a case the user was already allowed to see, with its participants;
    404 for a meeting of another case."""
    meeting = (case.meetings.filter(pk=parse_id(meeting_id))
               .prefetch_related("participants").first())
    if meeting is None:
        raise Http404
    return meeting


@dataclass
class FamilyScreen:
    """What a handed-over tablet may rate: the caseworker's case and meeting, and the
    steps (person rated, rater, instrument) in the order of the hand-over."""

    user: object
    case: Case
    meeting: Meeting
    steps: list[dict]


def family_screen(grant: dict) -> FamilyScreen:
    """The family screen of a kiosk grant, read as the caseworker who handed the
    tablet over (her case access is checked and logged); 404 if she is gone."""
    user = kiosk.caseworker(grant)
    if user is None:
        raise Http404
    case = case_access.get_case_for_user(
        user, grant["case"], purpose="family screen",
        shown=lambda _case: [s[key] for s in grant["steps"] for key in ("person", "rater")])
    meeting = meeting_for(case, grant["meeting"])
    persons: dict[int, Person] = {p.pk: p for p in case.persons.all()}
    instruments = {i.code: i for i in Instrument.objects.prefetch_related("items")}
    steps = [{"person": persons[s["person"]], "rater": persons[s["rater"]],
              "instrument": instruments[s["instrument"]]} for s in grant["steps"]]
    return FamilyScreen(user=user, case=case, meeting=meeting, steps=steps)


def get_link_by_token(token: str, user=None) -> RatingLink:
    """The rating link a token opens (the first message's or the reminder's), logged as
    read in the same transaction.

    Raises links.LinkRefused ("unknown", "used" or "expired") when it opens nothing;
    every refusal is logged (ratings.actions.record_refused_link): a used or expired
    link's against its case, an unknown token's without one, so that someone trying
    tokens shows in the log. `user` is the logged-in person, if any (the page is public).
    """
    refused = None
    with transaction.atomic():
        link = (RatingLink.objects.filter(links.token_lookup(token))
                .select_related("case", "person", "rater", "instrument").first())
        if link is None:
            refused = links.LinkRefused("unknown")
        elif link.used_at is not None:
            refused = links.LinkRefused("used", link)
        elif link.expires_at <= timezone.now():
            refused = links.LinkRefused("expired", link)
        else:
            record(None, AccessAction.READ, "rating_link", link.pk, case_id=link.case_id,
                   person_id=link.person_id, purpose="opened",
                   detail={"person_ids": sorted({link.person_id, link.rater_id})})
            return link
    record_refused_link(user, refused)
    raise refused
