"""The caseload's and the board's figures of each case, computed ahead and never
shown stale.

Computing every visible case's series and signals on each request costs seconds at
a team's 500 cases, so each case's figures are kept in one row (CaseFigures): the
children's lines (track colour, sparkline, latest scores, alliance word, faces), the
caseload's reasons (kind, rank, colour, values, tie), the board's reasons, tracks,
alliance and lines, and the dates the Barnets lov deadlines need. They are computed
by the case page's own functions (fokus.insights.series.case_series and
fokus.insights.signals.case_signals, which apply fokus.outcomes.rules): nothing here
restates a FIT rule. What depends on today's date (the deadlines) is worked out when
the page is read.

Fresh on read: `fresh_summaries` compares each case's stored stamp with its stamp
now (one grouped query over the cases: the number and the newest id of its ratings,
meetings, missing ratings, people and interventions; the organisation's settings
and ETR sets; the code of the rules), recomputes the stale or missing rows and
stores them (an upsert: two requests at once do not fail) before the page is drawn,
so a page never shows a figure older than the newest rating. A rating written by
any path (a bulk insert too) changes the stamp.

No names are stored: the figures are computed with each person's name replaced by
a token of their id, and the page puts the names back from the people it reads
(`named`), in its language.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import re
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, Max, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fokus.cases.models import Case, Intervention, Meeting, Person, PersonRole
from fokus.insights import series as series_module
from fokus.insights import signals as signals_module
from fokus.insights.models import CaseFigures, SignalKind
from fokus.insights.series import CaseData, Series, case_series, in_force_memo
from fokus.insights.signals import Signal, Track, alliance_flags, case_signals, track_of
from fokus.instruments.models import OrganisationSetting, ParameterSetInForce
from fokus.outcomes import OutcomeSettings, rules, to_tenths
from fokus.ratings.models import MissingRating, Rating

# The caseload's order of need (fokus.insights.caseload).
RED, YELLOW, DETERIORATION, ALLIANCE, NO_RATING, DEADLINE, REST = range(7)

# The board: a case is on it when one of these fires; the others are reasons beside them.
BOARD_KINDS = (SignalKind.NOT_ON_TRACK, SignalKind.LOW_ALLIANCE, SignalKind.FALLING_ALLIANCE)
REASON_KINDS = (*BOARD_KINDS, SignalKind.DETERIORATION)
COLOUR_RANK = {"red": 0, "yellow": 1, "grey": 2, "green": 3}
KIND_ORDER = {SignalKind.NOT_ON_TRACK: 0, SignalKind.DETERIORATION: 1,
              SignalKind.LOW_ALLIANCE: 2, SignalKind.FALLING_ALLIANCE: 3}

SPARK_W, SPARK_H = 96, 28  # the sparkline's drawing area, in SVG units
CHUNK = 400  # cases recomputed per read of their ratings

# What the figures are computed by: a change of this code makes every row stale.
_CODE = hashlib.sha256("".join(
    inspect.getsource(m) for m in (rules, series_module, signals_module)
).encode()).hexdigest()[:12] + "-1"

_MARK = "\x1e%d\x1f"
_MARK_RE = re.compile("\x1e(\\d+)\x1f")
# Meetings held: cancelling one changes the stamp (Meeting.objects.held()).
_STAMP_PARTS = (("r", Rating.objects), ("m", Meeting.objects.held()),
                ("x", MissingRating.objects), ("p", Person.objects),
                ("i", Intervention.objects))


# ---------------------------------------------------------------------------
# Names: tokens in the stored figures, names on the page.


def named(value: Any, names: dict[int, str], lang: str) -> Any:
    """A stored value with each person token replaced by the person's first name: a
    line's label ("Mor" or "Mor om Ida", as fokus.insights.series.Series.label words
    it), in lists and dicts too."""
    if isinstance(value, str):
        if "\x1e" not in value:
            return value
        ids = [int(x) for x in _MARK_RE.findall(value)]
        if len(ids) == 2:
            with translation.override(lang):
                return _("%(rater)s about %(person)s") % {
                    "rater": names.get(ids[0], ""), "person": names.get(ids[1], "")}
        return names.get(ids[0], "") if ids else value
    if isinstance(value, dict):
        return {k: named(v, names, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [named(v, names, lang) for v in value]
    return value


def _tokenise(case: Case) -> None:
    """Put a token of each person's id in place of their name, on the prefetched
    objects only (never saved), so that the labels case_series makes carry ids."""
    for p in case.persons.all():
        p.first_name = _MARK % p.pk
    for r in case.ratings.all():
        r.person.first_name = _MARK % r.person_id
        r.rater.first_name = _MARK % r.rater_id


# ---------------------------------------------------------------------------
# The stamp: what the figures were computed from.


def settings_fingerprints(organisation_ids) -> dict[int, str]:
    """Per organisation: its FIT settings and ETR sets in force (every row, every
    value) and the code of the rules, in a short digest."""
    rows: dict[int, list] = {o: [] for o in organisation_ids}
    for row in OrganisationSetting.objects.filter(organisation_id__in=rows).order_by("pk") \
            .values_list("organisation_id", "pk", "key", "value", "valid_from"):
        rows[row[0]].append(row[1:])
    for row in ParameterSetInForce.objects.filter(organisation_id__in=rows).order_by("pk") \
            .values_list("organisation_id", "pk", "parameter_set_id", "valid_from",
                         "parameter_set__parameters"):
        rows[row[0]].append(row[1:])
    return {o: hashlib.sha256(repr(found).encode()).hexdigest()[:12] + _CODE
            for o, found in rows.items()}


def _stamp(fingerprint: str, parts: dict[str, tuple[int, int]]) -> str:
    return fingerprint + "|" + "|".join(
        "{}{}.{}".format(key, *parts.get(key, (0, 0))) for key, _model in _STAMP_PARTS)


def current_stamps(case_ids, fingerprints: dict[int, str],
                   organisation_of: dict[int, int]) -> dict[int, str]:
    """Each case's stamp now: one grouped query over the cases (`case_ids`: a list, or
    a query of case ids), the number and the newest id of each kind of input."""
    queries = [rows.filter(case_id__in=case_ids).order_by().values("case_id")
               .annotate(part=Value(i, output_field=IntegerField()), n=Count("pk"), top=Max("pk"))
               .values_list("case_id", "part", "n", "top")
               for i, (_key, rows) in enumerate(_STAMP_PARTS)]
    found: dict[int, dict[str, tuple[int, int]]] = {}
    for case_id, part, n, top in queries[0].union(*queries[1:], all=True):
        found.setdefault(case_id, {})[_STAMP_PARTS[part][0]] = (n, top)
    return {pk: _stamp(fingerprints[org], found.get(pk, {})) for pk, org in organisation_of.items()}


def _stamp_of(case: Case, fingerprint: str) -> str:
    """The stamp of the prefetched inputs the figures are computed from."""
    parts = {}
    for key, rows in (("r", case.ratings.all()), ("m", case.meetings.held()),
                      ("x", case.missing_ratings.all()), ("p", case.persons.all()),
                      ("i", case.interventions.all())):
        if rows:
            parts[key] = (len(rows), max(row.pk for row in rows))
    return _stamp(fingerprint, parts)


# ---------------------------------------------------------------------------
# Computing one case's figures.


def _spark(x: Series) -> dict:
    """The series drawn on 0-40 in a SPARK_W x SPARK_H box (y grows downwards)."""
    n = len(x.points)
    step = SPARK_W / (n - 1) if n > 1 else 0

    def y(total: float) -> float:
        return round(SPARK_H - total / 40 * SPARK_H, 1)

    xs = [round(i * step, 1) if n > 1 else SPARK_W / 2 for i in range(n)]
    ys = [y(p.total) for p in x.points]
    return {"points": " ".join(f"{a},{b}" for a, b in zip(xs, ys, strict=True)),
            "last_x": xs[-1], "last_y": ys[-1],
            "cutoff_y": y(x.cutoff) if x.cutoff is not None else None}


def _children(case: Case, data: CaseData) -> dict[str, dict]:
    """Each child's own lines: outcome (track colour, sparkline), alliance, faces."""
    lines = {}
    for person in case.persons.all():
        if person.role != PersonRole.CHILD:
            continue
        line: dict[str, Any] = {"outcome": None, "colour": None, "spark": None, "faces": [],
                                "alliance": None, "alliance_word": "", "alliance_faces": []}
        for x in data.outcome:
            if x.person_id == x.rater_id == person.pk:
                line["outcome"] = {"n": len(x.points), "intake": x.intake, "last": x.last}
                line["colour"] = track_of(x, data.settings, data.model).colour
                line["spark"] = _spark(x)
        for x in data.alliance:
            if x.person_id == x.rater_id == person.pk:
                low, falling = alliance_flags(x, data.settings)
                line["alliance"] = {"last": x.last}
                line["alliance_word"] = "low" if low else "falling" if falling else "good"
        for x in data.faces:
            if x.person_id == x.rater_id == person.pk:
                faces = [int(p.total) for p in x.points]
                line["faces" if x.measures == rules.OUTCOME else "alliance_faces"] = faces
        lines[str(person.pk)] = line
    return lines


def _reason(kind: str, rank: int, colour: str, values: dict, tie: float = 0) -> dict:
    return {"kind": kind, "rank": rank, "colour": colour, "values": values, "tie": tie}


def caseload_reasons(signals: list[Signal]) -> list[dict]:
    """The case page's signals placed in the caseload's order of need (the deadlines
    are added when the page is read), most urgent first."""
    found = []
    low_alliance = {sig.who for sig in signals if sig.kind == SignalKind.LOW_ALLIANCE}
    for sig in signals:
        v = sig.values
        if sig.kind == SignalKind.NOT_ON_TRACK:
            found.append(_reason(sig.kind, RED if sig.colour == "red" else YELLOW, sig.colour,
                                 {"name": v["name"], "last": v["last"], "expected": v["expected"]},
                                 tie=to_tenths(v["last"]) - to_tenths(v["expected"])))
        elif sig.kind == SignalKind.DETERIORATION:
            found.append(_reason(sig.kind, DETERIORATION, "red",
                                 {"name": v["name"], "intake": v["intake"], "last": v["last"]},
                                 tie=to_tenths(v["last"]) - to_tenths(v["intake"])))
        elif sig.kind == SignalKind.FACES_SAD:
            found.append(_reason(sig.kind, YELLOW, sig.colour, v, tie=1000 + v["last"]))
        elif sig.kind in (SignalKind.LOW_ALLIANCE, SignalKind.FALLING_ALLIANCE) and v.get("faces"):
            found.append(_reason(sig.kind, ALLIANCE, sig.colour, v, tie=1000 + v["last"]))
        elif sig.kind == SignalKind.LOW_ALLIANCE:
            found.append(_reason(sig.kind, ALLIANCE, "red",
                                 {"name": v["name"], "last": v["last"], "previous": None},
                                 tie=to_tenths(v["last"])))
        elif sig.kind == SignalKind.FALLING_ALLIANCE and sig.who not in low_alliance:
            found.append(_reason(sig.kind, ALLIANCE, "yellow",
                                 {"name": v["name"], "last": v["last"], "previous": v["previous"]},
                                 tie=1000 + to_tenths(v["last"])))
        elif sig.kind == SignalKind.NO_RATING:
            # The recorded reasons are words in one language, and not shown in the list.
            found.append(_reason(sig.kind, NO_RATING, sig.colour,
                                 {"name": v["name"], "meetings": v["meetings"]}))
    found.sort(key=lambda r: (r["rank"], r["tie"]))
    return found


def board_signals(data: CaseData, lang: str) -> tuple[list[Track], list[Signal]]:
    """The on-track colour of each outcome line and the signals of REASON_KINDS, most
    urgent first: case_signals' own, without the conversation prompts the board does
    not show (reading them would be a query per case)."""
    tracks, found = case_signals(data, lang, prompts={})
    return tracks, [sig for sig in found if sig.kind in REASON_KINDS]


def _board(data: CaseData, tracks: list[Track], signals: list[Signal]) -> dict | None:
    reasons = [sig for sig in signals if sig.kind in REASON_KINDS]
    if not any(sig.kind in BOARD_KINDS for sig in reasons):
        return None
    return {
        "colour": min((sig.colour for sig in reasons), key=COLOUR_RANK.__getitem__),
        "reasons": [{"kind": s.kind, "colour": s.colour, "who": s.who, "values": s.values}
                    for s in reasons],
        "tracks": [{"label": t.label, "colour": t.colour, "last": t.last,
                    "expected": t.expected} for t in tracks],
        "alliance": [[x.label("en"), x.last] for x in data.alliance if x.points],
    }


def board_key(reasons: list[dict]) -> list[int]:
    """Most urgent first: the worst colour; at the same colour not on track before
    deterioration before a low, then a falling alliance (as the caseload orders them);
    then more red reasons, then more reasons."""
    worst = min((COLOUR_RANK[r["colour"]], KIND_ORDER[r["kind"]]) for r in reasons)
    reds = sum(1 for r in reasons if r["colour"] == "red")
    return [*worst, -reds, -len(reasons)]


def child_lines(data: CaseData, lang: str) -> list[tuple[str, list]]:
    """Each child's 0-40 outcome lines (by whomever rated): label and (day, score)."""
    return [(x.label(lang), [(p.day, p.total) for p in x.points])
            for x in data.outcome if x.person_role == PersonRole.CHILD]


def settings_values(s: OutcomeSettings) -> dict:
    return {f.name: getattr(s, f.name) for f in fields(s)
            if f.name not in ("name", "valid_from", "provenance")}


def compute(case: Case, fingerprint: str, in_force) -> CaseFigures:
    """The figures of a prefetched case (see `_prefetched`), unsaved. The case's
    people's names are replaced by tokens on the way (see `_tokenise`)."""
    stamp = _stamp_of(case, fingerprint)
    _tokenise(case)
    data = case_series(case, in_force=in_force)
    tracks, signals = case_signals(data, "en", prompts={})
    reasons = caseload_reasons(signals)
    board = _board(data, tracks, signals)
    if board is not None:
        board["lines"] = [[label, [[d.isoformat(), t] for d, t in points]]
                          for label, points in child_lines(data, "en")]
    starts = [i.start for i in case.interventions.all()]
    return CaseFigures(
        case_id=case.pk, stamp=stamp, computed_at=timezone.now(),
        rank=reasons[0]["rank"] if reasons else REST,
        tie=reasons[0]["tie"] if reasons else 0,
        ranks=sorted({r["rank"] for r in reasons}),
        board_key=board_key(board["reasons"]) if board else None,
        last_meeting=max((m.held_on for m in data.meetings), default=None),
        first_intervention=min(starts, default=None),
        data={"children": _children(case, data), "reasons": reasons, "board": board,
              "settings": settings_values(data.settings)},
    )


# ---------------------------------------------------------------------------
# Reading fresh figures, and storing them.


@dataclass
class Summary:
    """What a list needs of every case to order it (the rest is read for its page)."""

    rank: int
    tie: float
    ranks: list
    board_key: list | None
    last_meeting: datetime.date | None
    first_intervention: datetime.date | None


SUMMARY_FIELDS = ("rank", "tie", "ranks", "board_key", "last_meeting", "first_intervention")


def _prefetched(case_ids):
    return (Case.objects.filter(pk__in=case_ids).order_by("pk")
            .prefetch_related("persons", "interventions", "meetings__participants",
                              "ratings__instrument",
                              "ratings__person", "ratings__rater", "missing_ratings"))


def store_figures(rows: list[CaseFigures]) -> None:
    """Insert or replace the figures (in case order, so that two requests storing the
    same cases at once wait for each other rather than fail or deadlock)."""
    if rows:
        CaseFigures.objects.bulk_create(
            sorted(rows, key=lambda f: f.case_id), update_conflicts=True, unique_fields=["case"],
            update_fields=["stamp", "computed_at", *SUMMARY_FIELDS, "data"])


def recompute(case_ids, fingerprints: dict[int, str]) -> list[CaseFigures]:
    """Compute and store the figures of these cases, CHUNK cases per read."""
    case_ids = sorted(case_ids)
    done: list[CaseFigures] = []
    if not case_ids:
        return done
    in_force = in_force_memo(set(fingerprints))
    for start in range(0, len(case_ids), CHUNK):
        cases = list(_prefetched(case_ids[start:start + CHUNK]))
        rows = [compute(case, fingerprints[case.organisation_id], in_force) for case in cases]
        with transaction.atomic():
            store_figures(rows)
        done += rows
    return done


def fresh_summaries(organisation_of: dict[int, int], case_ids=None) -> dict[int, Summary]:
    """The summaries of these cases ({case id: organisation id}), each computed from the
    case's inputs as they are now: stale or missing ones are recomputed and stored
    first. `case_ids`, a query of the same cases, keeps long lists out of the SQL."""
    case_ids = case_ids if case_ids is not None else list(organisation_of)
    fingerprints = settings_fingerprints(set(organisation_of.values()))
    now = current_stamps(case_ids, fingerprints, organisation_of)
    stored = {row[0]: row[1:] for row in CaseFigures.objects.filter(case_id__in=case_ids)
              .values_list("case_id", "stamp", *SUMMARY_FIELDS)}
    found = {pk: Summary(*row[1:]) for pk, row in stored.items() if row[0] == now.get(pk)}
    stale = [pk for pk in organisation_of if pk not in found]
    for row in recompute(stale, fingerprints):
        found[row.case_id] = Summary(*(getattr(row, f) for f in SUMMARY_FIELDS))
    return found


def refresh_stale(cases, *, chunk: int = 2000) -> tuple[int, int]:
    """Recompute the figures of every stale case among `cases` (a query of cases), a
    chunk at a time: (cases checked, cases recomputed). For `fokus refresh-figures`."""
    checked = recomputed = 0
    last = 0
    while True:
        organisation_of = dict(cases.filter(pk__gt=last).order_by("pk")
                               .values_list("pk", "organisation_id")[:chunk])
        if not organisation_of:
            return checked, recomputed
        fingerprints = settings_fingerprints(set(organisation_of.values()))
        now = current_stamps(list(organisation_of), fingerprints, organisation_of)
        stored = dict(CaseFigures.objects.filter(case_id__in=list(organisation_of))
                      .values_list("case_id", "stamp"))
        stale = [pk for pk in organisation_of if stored.get(pk) != now[pk]]
        recompute(stale, fingerprints)
        checked += len(organisation_of)
        recomputed += len(stale)
        last = max(organisation_of)
