"""The team's FIT conference board: who may see it, and the one read behind it.

The board lists the team's open cases that are not on track (red, yellow) or have
a low or falling alliance, as the signals say (fokus.insights.signals, which apply
the rules of fokus.outcomes.rules), most urgent first, with the decisions of the case's last
conference and whether each child's line has moved since.

get_board_for_user is the access function: it answers 404 for "no such team" and
"not yours" alike, logs the refused attempt (DENIED), and logs the read (one LIST
entry naming the cases shown). It reads with a fixed number of queries, however
many cases the team has: the cases are prefetched with all case_series needs, and
the settings and ETR parameter sets in force are read once per period in which
they did not change (the caseload's memo).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.access import ORGANISATION_ROLES, TEAM_ROLES, cases_visible_to
from fokus.cases.models import Phase, Team
from fokus.insights.models import SignalKind, TeamDecision
from fokus.insights.series import case_series, in_force_memo
from fokus.insights.signals import Signal, Track, case_signals
from fokus.lib.forms import parse_id
from fokus.lib.i18n import current_language
from fokus.outcomes import rules, to_tenths

# A case is on the board when one of these fires (case_signals decides whether it does).
BOARD_KINDS = (SignalKind.NOT_ON_TRACK, SignalKind.LOW_ALLIANCE, SignalKind.FALLING_ALLIANCE)
# Shown as reasons beside them when they fire too.
REASON_KINDS = (*BOARD_KINDS, SignalKind.DETERIORATION)
RANK = {"red": 0, "yellow": 1, "grey": 2, "green": 3}


def can_act_for_team(user, team) -> bool:
    """A caseworker or team leader of the team, or a department head or FIT superuser of
    its organisation. Analysts and administrators never see a team's named cases."""
    if not (user.is_authenticated and user.is_active and user.organisation_id):
        return False
    if team.unit.organisation_id != user.organisation_id:
        return False
    if user.role in TEAM_ROLES:
        return user.teams.filter(pk=team.pk).exists()
    return user.role in ORGANISATION_ROLES


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
    tracks: list  # signals.Track of each outcome line
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


def movements_since(data, day: datetime.date, lang: str) -> list[Movement]:
    """Each child's outcome lines (0-40): has it moved since `day`? Up or down by the
    reliable change rule (rules.reliable_improvement / reliable_deterioration), or
    moved less than that, or not at all."""
    s = data.settings
    found = []
    for x in data.outcome:
        if x.person_role != "child":
            continue
        before = [p.total for p in x.points if p.day <= day]
        after = [p.total for p in x.points if p.day > day]
        b = before[-1] if before else None
        a = after[-1] if after else None
        if a is None:
            found.append(Movement(x.label(lang), b, None, "no_new_rating"))
            continue
        if b is None:
            found.append(Movement(x.label(lang), None, a, "no_earlier_rating"))
            continue
        bt, at = to_tenths(b), to_tenths(a)
        if rules.reliable_improvement(bt, at, s):
            found.append(Movement(x.label(lang), b, a, "up", reliable=True))
        elif rules.reliable_deterioration(bt, at, s):
            found.append(Movement(x.label(lang), b, a, "down", reliable=True))
        else:
            direction = "up" if at > bt else "down" if at < bt else "unchanged"
            found.append(Movement(x.label(lang), b, a, direction))
    return found


def board_signals(data, lang: str) -> tuple[list[Track], list[Signal]]:
    """The on-track colour of each outcome line and the signals of REASON_KINDS, most
    urgent first: case_signals' own, without the conversation prompts the board does
    not show (reading them would be a query per case)."""
    tracks, found = case_signals(data, lang, prompts={})
    return tracks, [sig for sig in found if sig.kind in REASON_KINDS]


def board_row(case, lang: str, in_force) -> BoardRow | None:
    """The case's row, or None when nothing of BOARD_KINDS fires."""
    data = case_series(case, in_force=in_force)
    tracks, reasons = board_signals(data, lang)
    if not any(sig.kind in BOARD_KINDS for sig in reasons):
        return None
    colour = min((sig.colour for sig in reasons), key=RANK.__getitem__)
    row = BoardRow(case=case, colour=colour, reasons=reasons, tracks=tracks,
                   alliance=[(x.label(lang), x.last) for x in data.alliance if x.points])
    decisions = list(case.team_decisions.all())  # prefetched, this team's only
    if decisions:
        row.decided_on = max(d.decided_on for d in decisions)
        row.decisions = sorted((d for d in decisions if d.decided_on == row.decided_on),
                               key=lambda d: d.pk)
        row.movements = movements_since(data, row.decided_on, lang)
    return row


KIND_ORDER = {SignalKind.NOT_ON_TRACK: 0, SignalKind.DETERIORATION: 1,
              SignalKind.LOW_ALLIANCE: 2, SignalKind.FALLING_ALLIANCE: 3}


def urgency(row: BoardRow) -> tuple:
    """Most urgent first: the worst colour; at the same colour not on track before
    deterioration before a low, then a falling alliance (as the caseload orders them);
    then more red reasons, then more reasons."""
    worst = min((RANK[sig.colour], KIND_ORDER[sig.kind]) for sig in row.reasons)
    reds = sum(1 for sig in row.reasons if sig.colour == "red")
    return (*worst, -reds, -len(row.reasons), row.case.family_name, row.case.pk)


# ---------------------------------------------------------------------------
# The read.


def board_cases(user, team):
    return (
        cases_visible_to(user).filter(team=team).exclude(phase=Phase.CLOSED)
        .select_related("team", "organisation")
        .prefetch_related(
            "persons", "meetings__participants",
            "ratings__instrument", "ratings__person", "ratings__rater",
            "missing_ratings__person",
            Prefetch("team_decisions",
                     queryset=TeamDecision.objects.filter(team=team).select_related("who_user")),
        ).order_by("family_name", "pk")
    )


def get_board_for_user(user, team_id, *, purpose: str = "team board") -> Board:
    """The team's board, if the user may act for the team; else 404 (logged)."""
    team = team_for_user(user, team_id, purpose=purpose)
    lang = current_language()
    with transaction.atomic():
        cases = list(board_cases(user, team))
        in_force = in_force_memo({team.unit.organisation_id})
        rows = [row for row in (board_row(case, lang, in_force) for case in cases) if row]
        rows.sort(key=urgency)
        members = list(team.members.filter(is_active=True).order_by("first_name", "username"))
        record(user, AccessAction.LIST, "team_board", team.pk, purpose=purpose,
               detail={"team_id": team.pk, "case_ids": [row.case.pk for row in rows]})
    return Board(team=team, rows=rows, members=members, n_open=len(cases))
