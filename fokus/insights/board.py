"""The team's FIT conference board: who may see it, and the one read behind it.

The board lists the team's open cases that are not on track (red, yellow) or have
a low or falling alliance, as the signals say (fokus.insights.signals, which apply
the rules of fokus.outcomes.rules), most urgent first, with the decisions of the
case's last conference and whether each child's line has moved since. The signals
are computed ahead and checked against each case's inputs on every read
(fokus.insights.case_figures), so the board is never older than the newest rating.
A conference talks about a handful of cases: the board shows PER_PAGE at a time,
the most urgent first, and the next ones a page further.

get_board_for_user is the access function: it answers 404 for "no such team" and
"not yours" alike, logs the refused attempt (DENIED), and logs the read (one LIST
entry naming the cases shown). It reads with a fixed number of queries, however
many cases the team has (plus the recomputing of cases whose ratings changed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404

from fokus.accounts import policy
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.access import cases_visible_to
from fokus.cases.models import Case, Phase, Team
from fokus.insights.case_figures import child_lines, fresh_summaries, named
from fokus.insights.models import TeamDecision
from fokus.insights.signals import Signal
from fokus.lib.forms import parse_id
from fokus.lib.i18n import current_language
from fokus.outcomes import OutcomeSettings, rules, to_tenths

PER_PAGE = 20


def can_act_for_team(user, team) -> bool:
    """A caseworker or team leader of the team, or a FIT superuser of its organisation
    (fokus.accounts.policy.acts_for_team). Department heads, analysts, administrators and
    the DPO never see a team's named cases."""
    if not policy.sees_case_content(user):
        return False
    return policy.acts_for_team(user, team,
                                is_member=user.teams.filter(pk=team.pk).exists())


def team_for_user(user, team_id, *, purpose: str = "team board") -> Team:
    """The team, if the user may act for it; otherwise 404, and the attempt is logged."""
    team = (Team.objects.filter(pk=parse_id(team_id)).select_related("unit").first())
    if team is not None and can_act_for_team(user, team):
        return team
    with transaction.atomic():
        record(user, AccessAction.DENIED, "team_board", str(team_id)[:64], purpose=purpose)
    raise Http404


# ---------------------------------------------------------------------------
# What the board shows of one case.


@dataclass
class Movement:
    """One child's outcome line since the decision: the last rating before it (on or
    before the conference date) against the latest after it."""

    label: str
    before: float | None
    after: float | None
    direction: str  # up / down / unchanged / no_new_rating / no_earlier_rating
    reliable: bool = False

    @property
    def moved(self) -> bool:
        return self.direction in ("up", "down")


@dataclass
class BoardRow:
    case: object
    colour: str
    reasons: list  # signals.Signal, most urgent first
    tracks: list  # each outcome line: label, colour, last, expected
    alliance: list  # (label, last) of each 0-40 alliance line
    decisions: list = field(default_factory=list)  # the last conference's, in order made
    decided_on: datetime.date | None = None
    movements: list = field(default_factory=list)

    @property
    def moved(self) -> bool:
        return any(m.moved for m in self.movements)


@dataclass
class Board:
    team: Team
    rows: list[BoardRow]
    members: list  # the team's users, for "who"
    n_open: int  # the team's open cases, on the board or not
    n_on_board: int = 0  # on all pages
    page: Page | None = None


def movements_since(data, day: datetime.date, lang: str) -> list[Movement]:
    """Each child's outcome lines (0-40) of a case's series: has it moved since `day`?"""
    return movements(child_lines(data, lang), data.settings, day)


def movements(lines, s: OutcomeSettings, day: datetime.date) -> list[Movement]:
    """Each line ((label, [(day, score), ...]) of a child's outcome): has it moved since
    `day`? Up or down by the reliable change rule (rules.reliable_improvement /
    reliable_deterioration), or moved less than that, or not at all."""
    found = []
    for label, points in lines:
        before = [total for d, total in points if d <= day]
        after = [total for d, total in points if d > day]
        b = before[-1] if before else None
        a = after[-1] if after else None
        if a is None:
            found.append(Movement(label, b, None, "no_new_rating"))
            continue
        if b is None:
            found.append(Movement(label, None, a, "no_earlier_rating"))
            continue
        bt, at = to_tenths(b), to_tenths(a)
        if rules.reliable_improvement(bt, at, s):
            found.append(Movement(label, b, a, "up", reliable=True))
        elif rules.reliable_deterioration(bt, at, s):
            found.append(Movement(label, b, a, "down", reliable=True))
        else:
            direction = "up" if at > bt else "down" if at < bt else "unchanged"
            found.append(Movement(label, b, a, direction))
    return found


def board_row(case, lang: str) -> BoardRow:
    """The row of a case on the board, from its fresh figures, names put back."""
    stored = case.figures.data["board"]
    names = {p.pk: p.first_name for p in case.persons.all()}
    row = BoardRow(
        case=case, colour=stored["colour"],
        reasons=[Signal(r["kind"], r["colour"], named(r["who"], names, lang),
                        named(r["values"], names, lang)) for r in stored["reasons"]],
        tracks=named(stored["tracks"], names, lang),
        alliance=[(named(label, names, lang), last) for label, last in stored["alliance"]])
    decisions = list(case.team_decisions.all())  # prefetched, this team's only
    if decisions:
        row.decided_on = max(d.decided_on for d in decisions)
        row.decisions = sorted((d for d in decisions if d.decided_on == row.decided_on),
                               key=lambda d: d.pk)
        lines = [(named(label, names, lang),
                  [(datetime.date.fromisoformat(d), total) for d, total in points])
                 for label, points in stored["lines"]]
        settings = OutcomeSettings(**case.figures.data["settings"])
        row.movements = movements(lines, settings, row.decided_on)
    return row


# ---------------------------------------------------------------------------
# The read.


def board_cases(user, team):
    """The team's open cases the user may see: those the board chooses from."""
    return cases_visible_to(user).filter(team=team).exclude(phase=Phase.CLOSED)


def get_board_for_user(user, team_id, *, purpose: str = "team board",
                       page: int | str | None = 1, per_page: int | None = None) -> Board:
    """The team's board, if the user may act for the team; else 404 (logged)."""
    team = team_for_user(user, team_id, purpose=purpose)
    lang = current_language()
    with transaction.atomic():
        cases = board_cases(user, team)
        found = list(cases.values_list("pk", "organisation_id", "family_name"))
        summaries = fresh_summaries({pk: org for pk, org, _name in found}, cases.values("pk"))
        on_board = sorted(((summaries[pk].board_key, name, pk) for pk, _org, name in found
                           if summaries[pk].board_key is not None))
        shown = Paginator(on_board, per_page or PER_PAGE).get_page(page)
        by_pk = {c.pk: c for c in Case.objects.filter(pk__in=[pk for *_k, pk in shown])
                 .select_related("team", "organisation", "figures").prefetch_related(
                     "persons", Prefetch("team_decisions", queryset=TeamDecision.objects.filter(
                         team=team).select_related("who_user")))}
        rows = [board_row(by_pk[pk], lang) for *_k, pk in shown]
        members = list(team.members.filter(is_active=True).order_by("first_name", "username"))
        record(user, AccessAction.LIST, "team_board", team.pk, purpose=purpose,
               detail={"team_id": team.pk, "case_ids": [row.case.pk for row in rows],
                       # A row names the family and its children's lines: all its persons.
                       "person_ids": sorted({p.pk for row in rows
                                             for p in row.case.persons.all()}),
                       **({"page": shown.number} if shown.number > 1 else {})})
    return Board(team=team, rows=rows, members=members, n_open=len(found),
                 n_on_board=len(on_board), page=shown)
