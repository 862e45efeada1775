"""The caseload, sorted by need: a caseworker's start page.

The visible cases are read in one prefetch (a fixed number of queries, whatever the
number of cases), logged as one LIST entry, and each case's series and signals are
computed in Python by fokus.insights.series and fokus.insights.signals, which call
the FIT rules of fokus.outcomes.rules. The order of need:

    0 not on track, red          3 low or falling alliance (the faces too)
    1 not on track, yellow       4 no rating at the last meetings
      (and a young child's       5 a Barnets lov deadline coming or passed
      sad face)                    (fokus.insights.deadlines)
    2 reliable deterioration     6 the rest

A case is placed by its most urgent reason; ties within a rank go to the larger gap
(furthest below the expected path, the largest fall, the lowest alliance, the
earliest deadline), then by family name. A caseworker sees her own cases first,
then her team's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fokus.accounts.models import Role, User
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.access import cases_visible_to
from fokus.cases.models import Case, InterventionType, Person, PersonRole, Phase
from fokus.insights import deadlines
from fokus.insights.models import SignalKind
from fokus.insights.series import CaseData, Series, case_series, in_force_memo
from fokus.insights.signals import Track, alliance_flags, case_signals, track_of
from fokus.lib.i18n import current_language
from fokus.outcomes import rules, to_tenths

RED, YELLOW, DETERIORATION, ALLIANCE, NO_RATING, DEADLINE, REST = range(7)

# The signal filter: which ranks each choice selects.
SIGNAL_FILTERS = {
    "not_on_track": {RED, YELLOW},
    "deterioration": {DETERIORATION},
    "alliance": {ALLIANCE},
    "no_rating": {NO_RATING},
    "deadline": {DEADLINE},
    "none": {REST},
}
SIGNAL_CHOICES = [
    ("not_on_track", _("Not on track")),
    ("deterioration", _("Reliable deterioration")),
    ("alliance", _("Low or falling alliance")),
    ("no_rating", _("No rating at the last meetings")),
    ("deadline", _("Barnets lov deadline")),
    ("none", _("Nothing calls for attention")),
]

MORE_REASONS = 2  # reasons shown under the first; the rest are counted
SPARK_W, SPARK_H = 96, 28  # the sparkline's drawing area, in SVG units


@dataclass
class Filters:
    q: str = ""
    include_closed: bool = False
    member: int | None = None
    phase: str = ""
    intervention: str = ""
    signal: str = ""


class CaseloadForm(forms.Form):
    q = forms.CharField(label=_("Search by family, case number or first name"), required=False,
                        max_length=100)
    member = forms.TypedChoiceField(label=_("Team member"), required=False, coerce=int,
                                    empty_value=None)
    phase = forms.ChoiceField(label=_("Phase"), required=False,
                              choices=[("", _("All phases")), *Phase.choices])
    intervention = forms.ChoiceField(label=_("Intervention type"), required=False,
                                     choices=[("", _("All interventions")),
                                              *InterventionType.choices])
    signal = forms.ChoiceField(label=_("Signal"), required=False,
                               choices=[("", _("All signals")), *SIGNAL_CHOICES])
    closed = forms.BooleanField(label=_("Include closed cases"), required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [("", _("Everyone")),
                                         *[(u.pk, u.display_name) for u in members]]

    def filters(self) -> Filters:
        """The filters asked for; a field with a value not offered is left out, the
        others still apply."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        d = self.cleaned_data
        return Filters(q=(d.get("q") or "").strip(), include_closed=bool(d.get("closed")),
                       member=d.get("member"), phase=d.get("phase") or "",
                       intervention=d.get("intervention") or "", signal=d.get("signal") or "")


def team_members_for(user) -> list[User]:
    """Whom a team leader may filter her caseload by: the members of her teams."""
    if user.role != Role.TEAM_LEADER:
        return []
    return list(User.objects.filter(teams__in=user.teams.all(), is_active=True,
                                    role__in=[Role.CASEWORKER, Role.TEAM_LEADER])
                .distinct().order_by("first_name", "last_name", "id"))


@dataclass
class Reason:
    kind: str  # a SignalKind value, or "deadline"
    rank: int
    colour: str  # red / yellow / grey: how urgent
    values: dict = field(default_factory=dict)
    tie: float = 0  # within a rank, the smaller first

    @property
    def key(self) -> tuple:
        return (self.rank, self.tie)


@dataclass
class Spark:
    points: str  # SVG polyline points
    last_x: float
    last_y: float
    cutoff_y: float | None


@dataclass
class ChildLine:
    person: Person
    outcome: Series | None = None  # the child's own 0-40 outcome series
    track: Track | None = None
    faces: list[int] = field(default_factory=list)  # the child's own outcome faces
    alliance: Series | None = None  # the child's own 0-40 alliance series
    alliance_faces: list[int] = field(default_factory=list)
    alliance_word: str = ""  # low / falling / good
    spark: Spark | None = None


@dataclass
class CaseloadRow:
    case: Case
    is_mine: bool
    caseworkers: list
    children: list[ChildLine]
    reasons: list[Reason]

    @property
    def reason(self) -> Reason | None:
        return self.reasons[0] if self.reasons else None

    @property
    def rank(self) -> int:
        return self.reasons[0].rank if self.reasons else REST

    @property
    def more_reasons(self) -> list[Reason]:
        return self.reasons[1:1 + MORE_REASONS]

    @property
    def n_not_shown(self) -> int:
        return max(0, len(self.reasons) - 1 - MORE_REASONS)


@dataclass
class Caseload:
    rows: list[CaseloadRow]
    mine_first: bool
    show_caseworker: bool


def caseload_for_user(user, filters: Filters | None = None, *, today: datetime.date | None = None,
                      purpose: str = "caseload") -> Caseload:
    """The user's visible cases with their series and signals, ordered by need; one
    read of the database (a fixed number of queries) and one LIST entry in the log."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    mine_first = user.role == Role.CASEWORKER
    with transaction.atomic():
        cases = _filtered(cases_visible_to(user), filters).select_related("team").prefetch_related(
            "persons", "interventions", "caseworkers", "meetings",
            "ratings__instrument", "ratings__person", "ratings__rater", "missing_ratings",
        ).order_by("family_name", "id")
        cases = list(cases)
        in_force = in_force_memo({c.organisation_id for c in cases})
        rows = [_row(case, user, today, in_force) for case in cases]
        record(user, AccessAction.LIST, "case", purpose=purpose,
               detail={"case_ids": [c.pk for c in cases], "searched": bool(filters.q),
                       # The search text may name a family: only that there was one is logged.
                       "filters": {k: v for k, v in vars(filters).items()
                                   if k != "q" and v not in ("", None, False)}})
    if filters.signal in SIGNAL_FILTERS:
        wanted = SIGNAL_FILTERS[filters.signal]
        rows = [r for r in rows if any(x.rank in wanted for x in r.reasons) or
                (REST in wanted and not r.reasons)]
    rows.sort(key=lambda r: (mine_first and not r.is_mine, r.rank,
                             r.reason.tie if r.reason else 0, r.case.family_name, r.case.pk))
    return Caseload(rows=rows, mine_first=mine_first, show_caseworker=user.role != Role.CASEWORKER)


def _filtered(cases, f: Filters):
    if f.phase:
        cases = cases.filter(phase=f.phase)
    elif not f.include_closed:
        cases = cases.filter(closed_on__isnull=True)
    if f.member:
        cases = cases.filter(pk__in=Case.caseworkers.through.objects.filter(
            user_id=f.member).values("case_id"))
    if f.intervention:
        cases = cases.filter(pk__in=Case.objects.filter(
            interventions__type=f.intervention).values("pk"))
    if f.q:
        cases = cases.filter(pk__in=Case.objects.filter(
            Q(family_name__icontains=f.q) | Q(reference__icontains=f.q)
            | Q(persons__first_name__icontains=f.q) | Q(persons__last_name__icontains=f.q)
        ).values("pk"))
    return cases




def _row(case: Case, user, today: datetime.date, in_force) -> CaseloadRow:
    data = case_series(case, in_force=in_force)
    caseworkers = list(case.caseworkers.all())
    return CaseloadRow(
        case=case, is_mine=any(u.pk == user.pk for u in caseworkers), caseworkers=caseworkers,
        children=_children(case, data), reasons=_reasons(case, data, today, current_language()),
    )


def _reasons(case: Case, data: CaseData, today: datetime.date, lang: str) -> list[Reason]:
    """Why the case needs attention, most urgent first: the case page's own signals
    (fokus.insights.signals.case_signals, which apply fokus.outcomes.rules) placed in
    the caseload's order, and the deadlines."""
    found: list[Reason] = []
    _tracks, signals = case_signals(data, lang, prompts={})
    low_alliance = {sig.who for sig in signals if sig.kind == SignalKind.LOW_ALLIANCE}
    for sig in signals:
        v = sig.values
        if sig.kind == SignalKind.NOT_ON_TRACK:
            found.append(Reason(sig.kind, RED if sig.colour == "red" else YELLOW, sig.colour,
                                {"name": v["name"], "last": v["last"], "expected": v["expected"]},
                                tie=to_tenths(v["last"]) - to_tenths(v["expected"])))
        elif sig.kind == SignalKind.DETERIORATION:
            found.append(Reason(sig.kind, DETERIORATION, "red",
                                {"name": v["name"], "intake": v["intake"], "last": v["last"]},
                                tie=to_tenths(v["last"]) - to_tenths(v["intake"])))
        elif sig.kind == SignalKind.FACES_SAD:
            found.append(Reason(sig.kind, YELLOW, sig.colour, v, tie=1000 + v["last"]))
        elif sig.kind in (SignalKind.LOW_ALLIANCE, SignalKind.FALLING_ALLIANCE) and v.get("faces"):
            found.append(Reason(sig.kind, ALLIANCE, sig.colour, v, tie=1000 + v["last"]))
        elif sig.kind == SignalKind.LOW_ALLIANCE:
            found.append(Reason(sig.kind, ALLIANCE, "red",
                                {"name": v["name"], "last": v["last"], "previous": None},
                                tie=to_tenths(v["last"])))
        elif sig.kind == SignalKind.FALLING_ALLIANCE and sig.who not in low_alliance:
            found.append(Reason(sig.kind, ALLIANCE, "yellow",
                                {"name": v["name"], "last": v["last"], "previous": v["previous"]},
                                tie=1000 + to_tenths(v["last"])))
        elif sig.kind == SignalKind.NO_RATING:
            found.append(Reason(sig.kind, NO_RATING, sig.colour, v))
    for deadline, state in deadlines.open_deadlines(
            case.phase, case.opened_on, [i.start for i in case.interventions.all()],
            [m.held_on for m in data.meetings], today):
        found.append(Reason("deadline", DEADLINE, "red" if state == deadlines.PASSED else "yellow",
                            {"which": deadline.kind, "state": state, "due": deadline.due,
                             "days": abs(deadline.days_left(today))},
                            tie=deadline.due.toordinal()))
    found.sort(key=lambda r: r.key)
    return found


def _children(case: Case, data: CaseData) -> list[ChildLine]:
    lines = []
    for person in case.persons.all():
        if person.role != PersonRole.CHILD:
            continue
        line = ChildLine(person)
        for x in data.outcome:
            if x.person_id == x.rater_id == person.pk:
                line.outcome = x
                line.track = track_of(x, data.settings, data.model)
                line.spark = _spark(x)
        for x in data.alliance:
            if x.person_id == x.rater_id == person.pk:
                line.alliance = x
                low, falling = alliance_flags(x, data.settings)
                line.alliance_word = "low" if low else "falling" if falling else "good"
        for x in data.faces:
            if x.person_id == x.rater_id == person.pk:
                faces = [int(p.total) for p in x.points]
                if x.measures == rules.OUTCOME:
                    line.faces = faces
                else:
                    line.alliance_faces = faces
        lines.append(line)
    return lines


def _spark(x: Series) -> Spark:
    """The series drawn on 0-40 in a SPARK_W x SPARK_H box (y grows downwards)."""
    n = len(x.points)
    step = SPARK_W / (n - 1) if n > 1 else 0

    def y(total: float) -> float:
        return round(SPARK_H - total / 40 * SPARK_H, 1)

    xs = [round(i * step, 1) if n > 1 else SPARK_W / 2 for i in range(n)]
    ys = [y(p.total) for p in x.points]
    return Spark(" ".join(f"{a},{b}" for a, b in zip(xs, ys, strict=True)), xs[-1], ys[-1],
                 y(x.cutoff) if x.cutoff is not None else None)
