"""The organisation's outcome series, computed ahead and kept fresh: what the
dashboards, the per-caseworker figures and the quarterly report read.

Building the engine's series frame (`fokus.outcomes.build_series`) for a big
municipality means reading every rating (a million rows: about ten seconds), so
it is kept, per organisation, in the memory of each server process (pickling it
for a shared cache costs more than a partial rebuild), with a **stamp** of its inputs: the newest rating, missing-rating record and intervention,
the number of cases and interventions, the newest change to a case
(`Case.updated_at`) and the settings and ETR parameter sets on record.

Every read compares the stamp with the database's (five small indexed queries) and
never returns a frame older than the newest rating: when something changed, the
series of the changed cases alone are rebuilt and put in place (a new rating costs
milliseconds, not the ten seconds); only a change that cannot be traced to cases
(settings, a deleted row, a rating dated before the organisation's first) rebuilds
everything. `fokus refresh-figures` does the same ahead of the first reader, for
the night job and after a change of settings.

The frame holds ids and numbers only (no names, no CPR), as `ratings_frame` does.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass

import pandas as pd
from django.db.models import Count, Max, Min
from django.utils import timezone

from fokus.cases.models import Case, Intervention
from fokus.insights.case_figures import settings_fingerprints
from fokus.insights.ratings_frame import first_rating_day, missing_frame, ratings_frame
from fokus.insights.series import outcome_settings
from fokus.instruments.access import etr_model_in_force
from fokus.outcomes import build_series
from fokus.ratings.models import MissingRating, Rating

# More changed cases than this and a full rebuild is as quick as a partial one.
PARTIAL_LIMIT = 2_000
# Transactions commit out of order: a rating numbered 100 may become visible after 101
# was read. The stamp counts the newest WINDOW ids, and a rebuild looks back as far,
# so such a rating is still seen; case changes are looked for from MARGIN before the
# last read.
WINDOW = 50
MARGIN = datetime.timedelta(seconds=10)
_memo: dict[int, OrganisationSeries] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Stamp:
    """What the series were built from; equal stamps, equal series."""

    rating: int
    recent_ratings: int  # of the newest WINDOW rating ids, how many are visible
    missing: int
    intervention: int
    n_interventions: int
    n_cases: int
    case_changed: datetime.datetime | None
    settings: str  # every setting and ETR set on record, values too (case_figures')

    def grown_from(self, old: Stamp) -> bool:
        """Only additions and case changes since `old`: a partial rebuild will do."""
        return (self.settings == old.settings and self.n_cases >= old.n_cases
                and self.rating >= old.rating and self.missing >= old.missing
                and self.intervention >= old.intervention
                and self.n_interventions >= old.n_interventions)


@dataclass
class OrganisationSeries:
    organisation_id: int
    series: pd.DataFrame  # one row per outcome series (build_series), case-level columns
    stamp: Stamp
    computed_at: datetime.datetime
    first_day: datetime.date | None  # the day whose settings and ETR sets apply
    rebuilt: str = "cached"  # cached / partial / full: what this read had to do


def newest_id(rows) -> int:
    # ORDER BY id DESC LIMIT 1 walks the primary key backwards and stops at the first
    # row of the organisation; MAX(id) over the join reads all million (180 ms).
    return rows.order_by("-id").values_list("id", flat=True).first() or 0


def current_stamp(organisation_id: int) -> Stamp:
    org = {"case__organisation_id": organisation_id}
    cases = Case.objects.filter(organisation_id=organisation_id).aggregate(
        n=Count("id"), changed=Max("updated_at"))
    interventions = Intervention.objects.filter(**org).aggregate(last=Max("id"), n=Count("id"))
    # The case figures' fingerprint: a value edited in place changes it too, which the
    # newest id and the count of the rows would not show.
    settings = settings_fingerprints([organisation_id])[organisation_id]
    rating = newest_id(Rating.objects.filter(**org))
    return Stamp(
        rating=rating,
        recent_ratings=Rating.objects.filter(**org, id__gt=rating - WINDOW).count(),
        missing=newest_id(MissingRating.objects.filter(**org)),
        intervention=interventions["last"] or 0, n_interventions=interventions["n"],
        n_cases=cases["n"], case_changed=cases["changed"], settings=settings)


def _build(organisation_id: int, first_day: datetime.date | None,
           case_ids: list[int] | None = None) -> pd.DataFrame:
    day = first_day or timezone.localdate()
    ratings = ratings_frame(organisation_id, case_ids=case_ids)
    if not len(ratings):
        return pd.DataFrame(columns=["case_id", "team_id", "caseworker_id", "intervention",
                                     "first_date"])
    return build_series(ratings, outcome_settings(organisation_id, day),
                        etr_model_in_force(organisation_id, day),
                        missing=missing_frame(organisation_id, case_ids=case_ids))


def _changed_cases(organisation_id: int, old: OrganisationSeries) -> set[int]:
    org = {"case__organisation_id": organisation_id}
    was = old.stamp
    changed = set(Rating.objects.filter(**org, id__gt=was.rating - WINDOW)
                  .values_list("case_id", flat=True))
    changed |= set(MissingRating.objects.filter(**org, id__gt=was.missing - WINDOW)
                   .values_list("case_id", flat=True))
    changed |= set(Intervention.objects.filter(**org, id__gt=was.intervention - WINDOW)
                   .values_list("case_id", flat=True))
    changed |= set(Case.objects.filter(organisation_id=organisation_id,
                                       updated_at__gt=old.computed_at - MARGIN)
                   .values_list("id", flat=True))
    return changed


def _refresh(found: OrganisationSeries | None, organisation_id: int, stamp: Stamp,
             now: datetime.datetime, *, full: bool = False) -> OrganisationSeries:
    if found is not None and not full and stamp.grown_from(found.stamp):
        changed = _changed_cases(organisation_id, found)
        earliest = Rating.objects.filter(case_id__in=changed,
                                         id__gt=found.stamp.rating - WINDOW).aggregate(
            first=Min("rated_on"))["first"]
        before_first = earliest is not None and found.first_day is not None \
            and earliest < found.first_day
        if len(changed) <= PARTIAL_LIMIT and not before_first:
            keep = found.series.loc[~found.series["case_id"].astype(str).isin(
                {str(c) for c in changed})]
            fresh = _build(organisation_id, found.first_day, sorted(changed)) if changed \
                else keep.iloc[:0]
            parts = [p for p in (keep, fresh) if len(p)]
            series = pd.concat(parts, ignore_index=True) if parts else keep
            return OrganisationSeries(organisation_id, series, stamp, now, found.first_day,
                                      "partial")
    first_day = first_rating_day(organisation_id)
    return OrganisationSeries(organisation_id, _build(organisation_id, first_day), stamp, now,
                              first_day, "full")


def organisation_series(organisation_id: int, *, full: bool = False) -> OrganisationSeries:
    """The organisation's series, as fresh as the newest rating. `full` rebuilds from
    scratch whatever the stamp says (after a change the stamp cannot see)."""
    now = timezone.now()  # before the stamp: a change after it is looked for next time
    stamp = current_stamp(organisation_id)
    found = _memo.get(organisation_id)
    if found is not None and found.stamp == stamp and not full:
        return OrganisationSeries(**{**vars(found), "rebuilt": "cached"})
    with _lock:  # one rebuild per process at a time; others wait and reuse it
        again = _memo.get(organisation_id)
        if again is not None and again.stamp == stamp and not full:
            return OrganisationSeries(**{**vars(again), "rebuilt": "cached"})
        fresh = _refresh(found, organisation_id, stamp, now, full=full)
        _memo[organisation_id] = fresh
    return fresh


def forget(organisation_id: int | None = None) -> None:
    """Drop the kept series (all organisations when None): the next read rebuilds."""
    ids = list(_memo) if organisation_id is None else [organisation_id]
    for org in ids:
        _memo.pop(org, None)
