"""The caseload, sorted by need: a caseworker's start page.

Each case's series and signals are computed ahead (fokus.insights.case_figures, by
fokus.insights.series and fokus.insights.signals, which call the FIT rules of
fokus.outcomes.rules) and checked against the case's inputs on every read, so the
list is never older than the newest rating. The order of need:

    0 not on track, red          3 low or falling alliance (the faces too)
    1 not on track, yellow       4 no rating at the last meetings
      (and a young child's       5 a Barnets lov deadline coming or passed
      sad face)                    (fokus.insights.deadlines, worked out on reading)
    2 reliable deterioration     6 the rest

A case is placed by its most urgent reason; ties within a rank go to the larger gap
(furthest below the expected path, the largest fall, the lowest alliance, the
earliest deadline), then by family name. A caseworker sees her own cases first,
then her team's. The list is shown a page (PER_PAGE cases) at a time; the order and
the filters are the same on every page. The visible cases are read with a fixed
number of queries, and one LIST entry in the log names the cases shown.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django import forms
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fokus.accounts import policy
from fokus.accounts.models import User
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.access import cases_visible_to
from fokus.cases.models import Case, InterventionType, Person, PersonRole, Phase
from fokus.insights import deadlines
from fokus.insights.case_figures import (
    ALLIANCE,
    DEADLINE,
    DETERIORATION,
    NO_RATING,
    RED,
    REST,
    YELLOW,
    Summary,
    fresh_summaries,
    named,
)
from fokus.lib.forms import FokusForm
from fokus.lib.i18n import current_language

PER_PAGE = 50

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


@dataclass
class Filters:
    q: str = ""
    include_closed: bool = False
    member: int | None = None
    phase: str = ""
    intervention: str = ""
    signal: str = ""


class CaseloadForm(FokusForm):
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
    if not policy.filters_caseload_by_member(user):
        return []
    return list(User.objects.filter(teams__in=user.teams.all(), is_active=True,
                                    role__in=policy.TEAM_ROLES)
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
class Line:
    """What the row shows of one of the child's own 0-40 lines."""

    last: float
    n: int = 0
    intake: float | None = None


@dataclass
class ChildLine:
    person: Person
    outcome: Line | None = None  # the child's own 0-40 outcome series
    colour: str | None = None  # its on-track colour
    faces: list[int] = field(default_factory=list)  # the child's own outcome faces
    alliance: Line | None = None  # the child's own 0-40 alliance series
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
    rows: list[CaseloadRow]  # the page's
    mine_first: bool
    show_caseworker: bool
    total: int = 0  # the cases on all pages
    page: Page | None = None


@dataclass
class _Entry:
    """A visible case, as the order needs it."""

    pk: int
    family_name: str
    is_mine: bool
    summary: Summary
    deadlines: list[Reason]

    @property
    def key(self) -> tuple:
        rank, tie = self.summary.rank, self.summary.tie
        if self.deadlines and self.deadlines[0].rank < rank:
            rank, tie = self.deadlines[0].rank, self.deadlines[0].tie
        return (rank, tie)

    @property
    def ranks(self) -> set[int]:
        return set(self.summary.ranks) | {d.rank for d in self.deadlines}


def caseload_for_user(user, filters: Filters | None = None, *, today: datetime.date | None = None,
                      purpose: str = "caseload", page: int | str | None = 1,
                      per_page: int | None = None) -> Caseload:
    """The user's visible cases ordered by need, the asked-for page of them with their
    series and signals; a fixed number of queries (plus the recomputing of cases
    whose ratings changed) and one LIST entry in the log naming the cases shown."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    mine_first = policy.own_cases_first(user)
    lang = current_language()
    with transaction.atomic():
        visible = _filtered(cases_visible_to(user), filters)
        found = list(visible.annotate(is_mine=Exists(Case.caseworkers.through.objects.filter(
            case_id=OuterRef("pk"), user_id=user.pk))).values_list(
            "pk", "organisation_id", "family_name", "phase", "opened_on", "is_mine"))
        summaries = fresh_summaries({pk: org for pk, org, *_rest in found},
                                    visible.values("pk"))
        entries = []
        for pk, _org, family_name, phase, opened_on, is_mine in found:
            summary = summaries[pk]
            entries.append(_Entry(pk, family_name, is_mine, summary, _deadline_reasons(
                phase, opened_on, summary, today)))
        if filters.signal in SIGNAL_FILTERS:
            wanted = SIGNAL_FILTERS[filters.signal]
            entries = [e for e in entries if e.ranks & wanted or (REST in wanted and not e.ranks)]
        entries.sort(key=lambda e: (mine_first and not e.is_mine, *e.key, e.family_name, e.pk))
        shown = Paginator(entries, per_page or PER_PAGE).get_page(page)
        cases = {c.pk: c for c in Case.objects.filter(pk__in=[e.pk for e in shown])
                 .select_related("team", "figures").prefetch_related("persons", "caseworkers")}
        rows = [_row(cases[e.pk], e, lang) for e in shown]
        record(user, AccessAction.LIST, "case", purpose=purpose,
               detail={"case_ids": [row.case.pk for row in rows],
                       # A row names the family: every person of its case is shown.
                       "person_ids": sorted({p.pk for row in rows for p in row.case.persons.all()}),
                       # The criterion, for the DPO: the access log is the one place the
                       # search text may go (never a URL or server log).
                       **({"search": filters.q} if filters.q else {}),
                       "filters": {k: v for k, v in vars(filters).items()
                                   if k != "q" and v not in ("", None, False)},
                       **({"page": shown.number} if shown.number > 1 else {})})
    return Caseload(rows=rows, mine_first=mine_first, show_caseworker=not mine_first,
                    total=len(entries), page=shown)


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


def _deadline_reasons(phase: str, opened_on: datetime.date, summary: Summary,
                      today: datetime.date) -> list[Reason]:
    """The Barnets lov deadlines coming or passed today, from the case's facts."""
    starts = [summary.first_intervention] if summary.first_intervention else []
    meetings = [summary.last_meeting] if summary.last_meeting else []
    return [Reason("deadline", DEADLINE, "red" if state == deadlines.PASSED else "yellow",
                   {"which": deadline.kind, "state": state, "due": deadline.due,
                    "days": abs(deadline.days_left(today))},
                   tie=deadline.due.toordinal())
            for deadline, state in deadlines.open_deadlines(phase, opened_on, starts, meetings,
                                                            today)]


def _row(case: Case, entry: _Entry, lang: str) -> CaseloadRow:
    """The row of a case whose figures are fresh (fresh_summaries), names put back."""
    data = case.figures.data
    persons = list(case.persons.all())
    names = {p.pk: p.first_name for p in persons}
    reasons = [Reason(r["kind"], r["rank"], r["colour"], named(r["values"], names, lang), r["tie"])
               for r in data["reasons"]] + entry.deadlines
    reasons.sort(key=lambda r: r.key)
    children = []
    for person in persons:
        if person.role != PersonRole.CHILD:
            continue
        stored = data["children"].get(str(person.pk), {})
        line = ChildLine(person, colour=stored.get("colour"), faces=stored.get("faces", []),
                         alliance_faces=stored.get("alliance_faces", []),
                         alliance_word=stored.get("alliance_word", ""))
        if stored.get("outcome"):
            line.outcome = Line(**stored["outcome"])
            line.spark = Spark(**stored["spark"])
        if stored.get("alliance"):
            line.alliance = Line(**stored["alliance"])
        children.append(line)
    caseworkers = list(case.caseworkers.all())
    return CaseloadRow(case=case, is_mine=entry.is_mine, caseworkers=caseworkers,
                       children=children, reasons=reasons)
