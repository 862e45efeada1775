"""Who sees which dashboard, and the one read behind it.

Who is fokus.accounts.policy's:
- department head, FIT superuser: the whole organisation;
- team leader: her own team(s);
- analyst: the whole organisation, pseudonymised (no names, no case numbers,
  dates to the month; the dashboards show no per-case row to anyone);
- caseworker, administrator, DPO and anyone else: 404, and the attempt is logged.

The read is logged as one LIST entry (what was asked: grouping, filters, number of
series; never names) in the same transaction as the read.

The minimum group size is the Django setting FOKUS_MIN_GROUP_SIZE (default 5):
a group with fewer series is suppressed on the page, in the CSV and in the PDF.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.conf import settings as django_settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fokus.accounts import policy
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Team
from fokus.insights import dashboards
from fokus.insights.organisation_series import Stamp, organisation_series
from fokus.insights.series import outcome_settings
from fokus.instruments.access import etr_model_in_force
from fokus.outcomes import EtrModel, OutcomeSettings


def min_group_size() -> int:
    return int(getattr(django_settings, "FOKUS_MIN_GROUP_SIZE", 5))


def may_see_dashboards(user) -> bool:
    return policy.sees_aggregates(user)


def is_pseudonymised(user) -> bool:
    return policy.pseudonymised_only(user)


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
    organisation_id: int | None = None
    stamp: Stamp | None = None  # what the series were built from (organisation_series)
    computed_at: datetime.datetime | None = None
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
        limited = policy.aggregates_limited_to_teams(user)
        if limited:
            teams_qs = teams_qs.filter(members=user)
        teams = {str(pk): name for pk, name in teams_qs.order_by("name").values_list("id", "name")}
        kept = organisation_series(org)
        series = kept.series
        if limited and len(series):
            series = series.loc[series["team_id"].astype(str).isin(teams)]
        series = dashboards.with_period(series)
        first_day = kept.first_day or timezone.localdate()
        outcome = outcome_settings(org, first_day)
        model = etr_model_in_force(org, first_day)
        data_date = series["last_date"].max() if len(series) else None
        if data_date is not None:
            data_date = pd.Timestamp(data_date).date()
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
        teams=teams, data_date=data_date, organisation_id=org, stamp=kept.stamp, computed_at=kept.computed_at,
        periods=sorted(series["period"].astype(str).unique()) if len(series) else [],
        interventions=sorted(x for x in series["intervention"].astype(str).unique() if x)
        if len(series) else [])


@dataclass
class CaseworkerFigures:
    """One caseworker's own outcome series: the cases where she is the caseworker
    (the case's first caseworker, as in `ratings_frame`)."""

    caseworker: Any  # accounts.User
    own: bool  # she is looking at her own figures
    series: pd.DataFrame
    settings: OutcomeSettings
    model: EtrModel
    min_size: int
    computed_at: datetime.datetime | None
    members: list[tuple[int, str]] = field(default_factory=list)  # whom a leader may open


OWN_FIGURES_ROLES = policy.OWN_FIGURES_ROLES


def leader_may_open(user) -> bool:
    return policy.opens_caseworkers_figures(user)


def caseworker_figures_for_user(user, caseworker_id: int | None = None, *,
                                purpose: str = "caseworker's own figures") -> CaseworkerFigures:
    """A caseworker's own figures, for her; for her team leader too when the
    organisation has turned that on (one caseworker at a time: nothing here ranks or
    lists caseworkers side by side). Anyone else, or another caseworker, gets 404 and
    the attempt is logged."""
    from fokus.accounts.models import User

    asked = {"caseworker": caseworker_id}
    if not policy.sees_own_figures(user):
        _refuse(user, purpose, asked)
    members: list[tuple[int, str]] = []
    if leader_may_open(user):
        members = [(u.pk, u.display_name) for u in User.objects.filter(
            teams__in=user.teams.all(), is_active=True, organisation_id=user.organisation_id,
            role__in=OWN_FIGURES_ROLES).distinct().order_by("first_name", "last_name", "id")]
    target = user
    if caseworker_id is not None and caseworker_id != user.pk:
        if caseworker_id not in {pk for pk, _name in members}:
            _refuse(user, purpose, asked)
        target = User.objects.get(pk=caseworker_id)
    org = user.organisation_id
    with transaction.atomic():
        kept = organisation_series(org)
        series = kept.series
        if len(series):
            series = series.loc[series["caseworker_id"].astype("Int64") == target.pk]
        first_day = kept.first_day or timezone.localdate()
        outcome = outcome_settings(org, first_day)
        model = etr_model_in_force(org, first_day)
        record(user, AccessAction.LIST, "caseworker_figures", purpose=purpose,
               detail={"caseworker": target.pk, "n_series": int(len(series))})
    return CaseworkerFigures(caseworker=target, own=target.pk == user.pk, series=series,
                             settings=outcome, model=model, min_size=min_group_size(),
                             computed_at=kept.computed_at, members=members)
