"""How FIT is used (the implementation view): per team and month, the share of
meetings with an outcome rating, with an alliance rating and with both, rating
links answered, the days from a meeting to its saved record; per team the ratings
per case and the reasons for missing ratings.

Counted in the database (one aggregate query per table), so the number of queries
does not grow with the data. Same visibility as the dashboards
(`dashboard_access`): department head, FIT superuser and analyst the
organisation, a team leader her teams, anyone else 404 (logged). A team-month
with fewer meetings than the minimum group size is shown without figures.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fokus.accounts import policy
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Meeting, Team
from fokus.insights.dashboard_access import _refuse, may_see_dashboards, min_group_size
from fokus.insights.models import MeetingRecord
from fokus.insights.organisation_series import current_stamp, newest_id
from fokus.instruments.models import Measures
from fokus.ratings.models import MissingRating, MissingReason, Rating, RatingLink

CACHE_SECONDS = 24 * 3600


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass
class MonthRow:
    team: str
    month: object  # first day of the month
    meetings: int
    suppressed: bool
    pct_outcome: float | None = None
    pct_alliance: float | None = None
    pct_both: float | None = None
    links_sent: int | None = None
    pct_links_answered: float | None = None
    median_days_to_record: float | None = None
    n_records: int | None = None


@dataclass
class TeamRow:
    team: str
    cases: int
    ratings: int
    ratings_per_case: float | None
    missing: dict[str, int] = field(default_factory=dict)

    @property
    def missing_labelled(self) -> list[tuple[str, int]]:
        return [(str(MissingReason(k).label) if k in MissingReason.values else k, n)
                for k, n in sorted(self.missing.items())]


@dataclass
class FitUse:
    months: list[MonthRow]
    teams: list[TeamRow]
    min_size: int
    pseudonymised: bool
    reasons: list[str]


def fit_use_stamp(organisation_id: int) -> tuple:
    """What the counts are made of: the series' stamp and the newest meeting, rating
    link and meeting record (each an indexed lookup)."""
    org = {"case__organisation_id": organisation_id}
    # Cancelling a meeting or undoing a missing reason touches its case (Case.updated_at),
    # which current_stamp sees.
    return (current_stamp(organisation_id), newest_id(Meeting.objects.filter(**org)),
            newest_id(RatingLink.objects.filter(**org)),
            newest_id(MeetingRecord.objects.filter(meeting__case__organisation_id=organisation_id)))


def fit_use_for_user(user, *, purpose: str = "FIT use") -> FitUse:
    """The counts for the user's teams. They are kept (Django's cache) under the
    stamp of what they count, so a new meeting, rating, link or record gives a new
    key: the page never shows counts older than the newest rating."""
    if not may_see_dashboards(user):
        _refuse(user, purpose, {})
    org = user.organisation_id
    min_size = min_group_size()
    with transaction.atomic():
        teams = Team.objects.filter(unit__organisation_id=org)
        if policy.aggregates_limited_to_teams(user):
            teams = teams.filter(members=user)
        names = dict(teams.values_list("id", "name"))
        key = "fokus:fit-use:" + hashlib.sha256(repr(
            (org, sorted(names.items()), min_size, fit_use_stamp(org))).encode()).hexdigest()
        months, team_rows = cache.get_or_set(key, lambda: _counts(org, names, min_size),
                                             CACHE_SECONDS)
        record(user, AccessAction.LIST, "fit_use", purpose=purpose,
               detail={"teams": sorted(names), "pseudonymised": policy.pseudonymised_only(user)})
    reasons = sorted({k for t in team_rows for k in t.missing})
    return FitUse(months, team_rows, min_size, policy.pseudonymised_only(user), reasons)


def _counts(org: int, names: dict[int, str], min_size: int) -> tuple[list, list]:
    """Counted in the database: one aggregate query per table."""
    cases = Case.objects.filter(organisation_id=org, team_id__in=list(names))

    def rated(measures):
        return Exists(Rating.objects.filter(meeting=OuterRef("pk"),
                                            instrument__measures=measures))

    held = Meeting.objects.held().filter(case__in=cases)  # cancelled meetings left out
    meetings = (held
                .annotate(o=rated(Measures.OUTCOME), a=rated(Measures.ALLIANCE),
                          month=TruncMonth("held_on"))
                .values("case__team_id", "month")
                .annotate(n=Count("id"), n_o=Count("id", filter=Q(o=True)),
                          n_a=Count("id", filter=Q(a=True)),
                          n_b=Count("id", filter=Q(o=True, a=True)))
                .order_by("case__team_id", "month"))
    links = {(r["case__team_id"], r["month"]): r for r in
             RatingLink.objects.filter(case__in=cases)
             .annotate(month=TruncMonth("created_at"))
             .values("case__team_id", "month")
             .annotate(n=Count("id"), used=Count("id", filter=Q(used_at__isnull=False)))
             .order_by()}
    delays = defaultdict(list)
    for team_id, held_on, created in (MeetingRecord.objects.filter(meeting__in=held)
                                      .values_list("meeting__case__team_id",
                                                   "meeting__held_on", "created_at")):
        delays[(team_id, held_on.replace(day=1))].append(
            # The day the record was written where the meeting was held (Copenhagen), not
            # in UTC: between 23:00 and 01:00 UTC the two days differ.
            max(0, (timezone.localdate(created) - held_on).days))
    per_team = dict(cases.values("team_id").annotate(n=Count("id")).order_by()
                    .values_list("team_id", "n"))
    ratings = dict(Rating.objects.filter(case__in=cases).values("case__team_id")
                   .annotate(n=Count("id")).order_by().values_list("case__team_id", "n"))
    missing = defaultdict(dict)
    for team_id, reason, n in (MissingRating.objects.filter(case__in=cases, meeting__in=held)
                               .values("case__team_id", "reason").annotate(n=Count("id"))
                               .order_by().values_list("case__team_id", "reason", "n")):
        missing[team_id][reason] = n
    months = []
    for r in meetings:
        key = (r["case__team_id"], r["month"])
        month = r["month"].date() if hasattr(r["month"], "date") else r["month"]
        key = (r["case__team_id"], month)
        row = MonthRow(names[r["case__team_id"]], month, r["n"], r["n"] < min_size)
        if not row.suppressed:
            link = next((v for (t, m), v in links.items()
                         if t == key[0] and (m.date() if hasattr(m, "date") else m) == month),
                        None)
            days = delays.get(key, [])
            row.pct_outcome = _pct(r["n_o"], r["n"])
            row.pct_alliance = _pct(r["n_a"], r["n"])
            row.pct_both = _pct(r["n_b"], r["n"])
            row.links_sent = link["n"] if link else 0
            row.pct_links_answered = _pct(link["used"], link["n"]) if link else None
            row.n_records = len(days)
            row.median_days_to_record = statistics.median(days) if days else None
        months.append(row)
    team_rows = [TeamRow(name, per_team.get(pk, 0), ratings.get(pk, 0),
                         ratings.get(pk, 0) / per_team[pk] if per_team.get(pk) else None,
                         missing.get(pk, {}))
                 for pk, name in sorted(names.items(), key=lambda x: x[1])]
    return months, team_rows
