"""Who sees which dashboard, and the one read behind it.

- department head, FIT superuser: the whole organisation;
- team leader: her own team(s);
- analyst: the whole organisation, pseudonymised (no names, no case numbers,
  dates to the month; the dashboards show no per-case row to anyone);
- caseworker, administrator and anyone else: 404, and the attempt is logged.

The read is logged as one LIST entry (what was asked: grouping, filters, number of
series; never names) in the same transaction as the read.

The minimum group size is the Django setting FOKUS_MIN_GROUP_SIZE (default 5):
a group with fewer series is suppressed on the page, in the CSV and in the PDF.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from fokus.accounts.models import Role
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Team
from fokus.insights import dashboards
from fokus.insights.ratings_frame import first_rating_day, missing_frame, ratings_frame
from fokus.insights.series import outcome_settings
from fokus.instruments.access import etr_model_in_force
from fokus.outcomes import EtrModel, OutcomeSettings, build_series
from fokus.ratings.models import Rating

ORGANISATION_ROLES = {Role.DEPARTMENT_HEAD, Role.FIT_SUPERUSER, Role.ANALYST}
DASHBOARD_ROLES = ORGANISATION_ROLES | {Role.TEAM_LEADER}


def min_group_size() -> int:
    return int(getattr(django_settings, "FOKUS_MIN_GROUP_SIZE", 5))


def may_see_dashboards(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.organisation_id
                and user.role in DASHBOARD_ROLES)


def is_pseudonymised(user) -> bool:
    return user.role == Role.ANALYST


@dataclass
class Dashboard:
    by: str
    filters: dict
    series: pd.DataFrame  # ids and numbers only, the selection after the filters
    all_series: pd.DataFrame  # the user's scope before the filters (for the choices)
    settings: OutcomeSettings
    model: EtrModel
    min_size: int
    pseudonymised: bool
    teams: dict[str, str]  # team id -> name, the teams in the user's scope
    data_date: datetime.date | None  # the newest rating in the scope
    periods: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)


def _refuse(user, purpose: str, detail: dict) -> None:
    with transaction.atomic():
        record(user, AccessAction.DENIED, "dashboard", purpose=purpose, detail=detail)
    raise Http404


def dashboard_for_user(user, *, by: str = "team", filters: dict | None = None,
                       purpose: str = "outcome dashboard") -> Dashboard:
    """The series behind a dashboard for this user, filtered; 404 when not allowed.

    `filters`: team (id), intervention (type code), period ('2025-Q3'). A team
    leader asking for another team gets an empty selection, not that team."""
    filters = dict(filters or {})
    if by not in dashboards.GROUPINGS:
        by = "team"
    asked = {"by": by, **{k: v for k, v in filters.items() if v not in (None, "")}}
    if not may_see_dashboards(user):
        _refuse(user, purpose, asked)
    org = user.organisation_id
    with transaction.atomic():
        teams_qs = Team.objects.filter(unit__organisation_id=org)
        case_ids = None
        if user.role == Role.TEAM_LEADER:
            teams_qs = teams_qs.filter(members=user)
            case_ids = list(Case.objects.filter(organisation_id=org, team__in=teams_qs)
                            .values_list("id", flat=True))
        teams = {str(pk): name for pk, name in teams_qs.order_by("name").values_list("id", "name")}
        day = first_rating_day(org) or timezone.localdate()
        outcome = outcome_settings(org, day)
        model = etr_model_in_force(org, day)
        ratings = ratings_frame(org, case_ids=case_ids)
        missing = missing_frame(org, case_ids=case_ids)
        newest = Rating.objects.filter(case__organisation_id=org)
        if case_ids is not None:
            newest = newest.filter(case_id__in=case_ids)
        data_date = newest.aggregate(newest=Max("rated_on"))["newest"]
        series = build_series(ratings, outcome, model, missing=missing) if len(ratings) \
            else pd.DataFrame(columns=["team_id", "intervention", "first_date"])
        series = dashboards.with_period(series)
        if case_ids is not None and len(series):
            series = series.loc[series["team_id"].astype(str).isin(teams)]
        team = filters.get("team")
        if team is not None and str(team) not in teams:
            team = -1  # not in her scope: nothing
        selected = dashboards.select(series, team=team, intervention=filters.get("intervention", ""),
                                     period=filters.get("period", ""))
        record(user, AccessAction.LIST, "dashboard", purpose=purpose,
               detail={**asked, "n_series": int(len(selected)),
                       "pseudonymised": is_pseudonymised(user)})
    return Dashboard(
        by=by, filters=filters, series=selected, all_series=series, settings=outcome,
        model=model, min_size=min_group_size(), pseudonymised=is_pseudonymised(user),
        teams=teams, data_date=data_date,
        periods=sorted(set(series["period"].astype(str))) if len(series) else [],
        interventions=sorted({x for x in series["intervention"].astype(str) if x})
        if len(series) else [])
