"""The organisation's ratings from the database in the engine's form: the one way
the caseload, the conference board, the dashboards and `fokus outcomes
--organisation` feed the outcomes engine, so they all show the engine's numbers.

Rows are ids and numbers only (no names, no CPR): a frame in the ratings-file
layout of docs/fit-definitions.md section 6 plus grouping columns. The read is
logged by the caller's access function or command (`record` inside its transaction).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import pandas as pd
from django.db.models import Exists, Min, OuterRef

from fokus.cases.models import Case, Intervention, Meeting
from fokus.outcomes import prepare_ratings, rules
from fokus.ratings.models import MissingRating, MissingReason, Rating


def _birth_dates(frame: pd.DataFrame) -> pd.Series:
    # With only a birth year known, the birthday is taken as 1 July (as Person.age_on does).
    years = frame.pop("birth_year")
    return frame["birth_date"].where(
        frame["birth_date"].notna(),
        years.map(lambda y: datetime.date(int(y), 7, 1) if pd.notna(y) else None))


def rater_kind(rater_role: str) -> str:
    """child / parent / other: who gave the rating, for the dashboards' `rater` group."""
    if rater_role == "child":
        return "child"
    if rater_role in ("mother", "father", "foster_parent", "step_parent"):
        return "parent"
    return "other"


def ratings_frame(organisation_id: int, *, case_ids: Iterable[int] | None = None,
                  instruments: Iterable[str] | None = rules.OUTCOME_INSTRUMENTS + rules.ALLIANCE_INSTRUMENTS,
                  ) -> pd.DataFrame:
    """The ratings of an organisation (or of some of its cases), in the engine's form
    (`prepare_ratings`), with the grouping columns team_id, caseworker_id (the case's
    first caseworker), intervention (the case's first intervention type), rater
    (child / parent / other), opened_on, closed_on and phase. A fixed number of queries.

    Only the 0-40 scales by default: the young child's faces are never in outcome
    statistics (rules.SCALES)."""
    ratings = Rating.objects.filter(case__organisation_id=organisation_id)
    if case_ids is not None:
        ratings = ratings.filter(case_id__in=list(case_ids))
    if instruments is not None:
        ratings = ratings.filter(instrument__code__in=list(instruments))
    rows = list(ratings.order_by("rated_on", "id").values_list(
        "id", "case_id", "person_id", "rater_id", "instrument__code", "rated_on",
        "person__birth_date", "person__birth_year", "total", "meeting_id", "case__team_id",
        "rater__role", "person__role", "case__opened_on", "case__closed_on", "case__phase"))
    frame = pd.DataFrame(rows, columns=[
        "id", "case_id", "person_id", "rater_id", "instrument", "date", "birth_date",
        "birth_year", "total", "meeting_id", "team_id", "rater_role", "person_role",
        "opened_on", "closed_on", "phase"])
    frame["birth_date"] = _birth_dates(frame)
    case_list = sorted(set(frame["case_id"]))
    first_worker = {}
    for case_id, user_id in (Case.caseworkers.through.objects.filter(case_id__in=case_list)
                             .order_by("case_id", "user_id").values_list("case_id", "user_id")):
        first_worker.setdefault(case_id, user_id)
    first_type = {}
    for case_id, kind in (Intervention.objects.filter(case_id__in=case_list)
                          .order_by("case_id", "start", "id").values_list("case_id", "type")):
        first_type.setdefault(case_id, kind)
    frame["caseworker_id"] = frame["case_id"].map(first_worker)
    frame["intervention"] = frame["case_id"].map(first_type).astype(object).fillna("")
    frame["rater"] = [rater_kind(role) for role in frame["rater_role"]]
    frame = frame.drop(columns=["rater_role", "person_role"])
    for key in ("case_id", "person_id", "rater_id"):
        frame[key] = frame[key].astype(str)
    return prepare_ratings(frame)


def missing_frame(organisation_id: int, *, case_ids: Iterable[int] | None = None
                  ) -> pd.DataFrame:
    """Missing-rating records in the engine's form (case_id, person_id, date, reason):
    only at meetings held (not cancelled), and only for a person who was there (a
    participant, or any person at a meeting without a list of participants) and not
    recorded as "not present": someone absent did not miss a rating (as
    insights.signals.was_present)."""
    participants = Meeting.participants.through.objects
    present = participants.filter(meeting_id=OuterRef("meeting_id"),
                                  person_id=OuterRef("person_id"))
    listed = participants.filter(meeting_id=OuterRef("meeting_id"))
    missing = (MissingRating.objects.filter(case__organisation_id=organisation_id,
                                            meeting__in=Meeting.objects.held())
               .filter(Exists(present) | ~Exists(listed))
               .exclude(reason=MissingReason.NOT_PRESENT))
    if case_ids is not None:
        missing = missing.filter(case_id__in=list(case_ids))
    rows = list(missing.values_list("case_id", "person_id", "meeting__held_on", "reason"))
    frame = pd.DataFrame(rows, columns=["case_id", "person_id", "date", "reason"])
    for key in ("case_id", "person_id"):
        frame[key] = frame[key].astype(str)
    return frame


def first_rating_day(organisation_id: int) -> datetime.date | None:
    """The day of the organisation's first rating: the settings in force then apply."""
    return Rating.objects.filter(case__organisation_id=organisation_id).aggregate(
        first=Min("rated_on"))["first"]
