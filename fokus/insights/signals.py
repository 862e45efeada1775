"""Signals in plain language next to the graph (docs/fit-definitions.md sections 2-3, 7).

Presentation only: every rule (on-track colour, deterioration, alliance low and
drop, the faces) is a function of fokus.outcomes.rules, called here with a
series' scores. Each signal is data (kind, whom it is about, the numbers); the
words are in insights/_signal_text.html, through gettext, for the page and the
Danish record alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import get_language

from fokus.insights.defaults import default_prompt
from fokus.insights.models import ConversationPrompt, SignalKind
from fokus.insights.series import CaseData, Series
from fokus.outcomes import EtrModel, rules, to_tenths
from fokus.ratings.models import MissingReason

FAR_APART = 10.0  # points between two raters about the same person at the same date
NO_RATING_MEETINGS = 2  # no rating at the last this many meetings
NO_CHANGE_MIN_RATINGS = 4


@dataclass
class Signal:
    kind: str
    colour: str  # red / yellow / grey / green: how urgent
    who: str
    values: dict = field(default_factory=dict)
    prompt: str = ""


@dataclass
class Track:
    """The on-track colour of one outcome series' latest rating."""

    series: Series
    label: str
    colour: str
    n: int
    intake: float
    last: float
    expected: float | None


def _t(x: float) -> int:
    return to_tenths(x)


def track_of(series: Series, s, model: EtrModel, lang: str = "en") -> Track:
    """The on-track colour of a 0-40 outcome series (rules.on_track_colour)."""
    colour = rules.on_track_colour(series.scores, series.age_group, s, model)
    expected = None
    n = len(series.points)
    if n >= 2 and rules.has_expected_path(_t(series.intake), s):
        expected = round(rules.expected_at(series.intake, series.age_group, n, n, model), 1)
    return Track(series, series.label(lang), colour, n, series.intake, series.last, expected)


def deterioration(series: Series, s) -> bool:
    return len(series.points) >= 2 and bool(
        rules.reliable_deterioration(_t(series.intake), _t(series.last), s))


def no_change(series: Series, s) -> bool:
    return rules.no_change([_t(x) for x in series.scores], _t(series.cutoff), s,
                           NO_CHANGE_MIN_RATINGS)


def alliance_flags(series: Series, s) -> tuple[bool, bool]:
    """(low, falling) for the latest 0-40 alliance rating."""
    if not series.points:
        return False, False
    low = bool(rules.alliance_low(_t(series.last), s))
    falling = len(series.points) >= 2 and bool(
        rules.alliance_drop(_t(series.points[-2].total), _t(series.last), s))
    return low, falling


def faces_signals(data: CaseData, lang: str = "en") -> list[Signal]:
    """The young child's faces (1-4), judged on their own scale (rules.faces_*)."""
    found = []
    for x in data.faces:
        faces = [int(p.total) for p in x.points]
        previous = faces[-2] if len(faces) >= 2 else None
        name = x.label(lang)
        if x.measures == rules.OUTCOME:
            if rules.faces_outcome_flag(previous, faces[-1]):
                found.append(Signal(SignalKind.FACES_SAD, "yellow", name, {
                    "name": name, "last": faces[-1], "previous": previous, "faces": True}))
            continue
        if rules.faces_alliance_low(faces[-1]):
            found.append(Signal(SignalKind.LOW_ALLIANCE, "yellow", name, {
                "name": name, "last": faces[-1], "faces": True}))
        elif rules.faces_alliance_drop(previous, faces[-1]):
            found.append(Signal(SignalKind.FALLING_ALLIANCE, "yellow", name, {
                "name": name, "previous": previous, "last": faces[-1], "faces": True}))
    return found


def _direction(series: Series) -> int:
    if len(series.points) < 2:
        return 0
    d = _t(series.points[-1].total) - _t(series.points[-2].total)
    return (d > 0) - (d < 0)


ADULT_ROLES = {"mother", "father", "foster_parent", "step_parent"}


def disagreements(data: CaseData, lang: str = "en") -> list[Signal]:
    """A child's own line going down while a parent's goes up (over the last two
    ratings of each), or two raters about the same person >= 10 points apart at
    the same date."""
    found = []
    for child in data.outcome:
        if not (child.is_self and child.person_role == "child"):
            continue
        for other in data.outcome:
            if other is child or other.rater_role not in ADULT_ROLES:
                continue
            about_child = other.person_id == child.person_id
            if not (about_child or other.is_self):
                continue
            if _direction(child) < 0 and _direction(other) > 0:
                found.append(Signal(SignalKind.RATERS_DISAGREE, "yellow", child.label(lang), {
                    "child": child.label(lang), "other": other.label(lang), "how": "directions",
                    "child_from": child.points[-2].total, "child_to": child.last,
                    "other_from": other.points[-2].total, "other_to": other.last}))
                continue
            if about_child:
                days = {p.day: p.total for p in other.points}
                shared = [p for p in child.points if p.day in days]
                if shared:
                    p = shared[-1]
                    if abs(_t(p.total) - _t(days[p.day])) >= _t(FAR_APART):
                        found.append(Signal(SignalKind.RATERS_DISAGREE, "yellow", child.label(lang), {
                            "child": child.label(lang), "other": other.label(lang), "how": "apart",
                            "child_score": p.total, "other_score": days[p.day], "day": p.day,
                            "difference": round(abs(p.total - days[p.day]), 1)}))
    return found


def was_present(meeting, person_id: int, not_present: set[tuple[int, int]]) -> bool:
    """Whether a person was at a meeting: among its participants (a meeting without a
    list of participants, from before they were recorded, counts everyone), and not
    recorded as "not present" there. `not_present`: {(meeting id, person id)}."""
    ids = [p.pk for p in meeting.participants.all()]
    return (not ids or person_id in ids) and (meeting.pk, person_id) not in not_present


def missing_at_last_meetings(data: CaseData, lang: str = "en") -> list[Signal]:
    """People who have given an outcome rating before but none at the last two
    meetings (held, not cancelled), though they were present at both; with the reasons
    recorded, so missing is told apart from forgotten. Someone who was not at a
    meeting did not miss a rating there."""
    meetings = data.meetings[-NO_RATING_MEETINGS:]
    if len(meetings) < NO_RATING_MEETINGS:
        return []
    ids = {m.pk for m in meetings}
    days = {m.held_on for m in meetings}
    found = []
    raters = []
    outcome = data.outcome + [x for x in data.faces if x.measures == rules.OUTCOME]
    for series in outcome:
        if series.rater_id not in raters:
            raters.append(series.rater_id)
    not_present = {(m.meeting_id, m.person_id) for m in data.missing
                   if m.reason == MissingReason.NOT_PRESENT}
    for rater_id in raters:
        if not all(was_present(m, rater_id, not_present) for m in meetings):
            continue
        rated = any(p.meeting_id in ids or p.day in days
                    for x in outcome if x.rater_id == rater_id for p in x.points)
        if rated:
            continue
        reasons = sorted({m.get_reason_display() for m in data.missing
                          if m.person_id == rater_id and m.meeting_id in ids})
        found.append(Signal(SignalKind.NO_RATING, "yellow", data.names.get(rater_id, ""), {
            "name": data.names.get(rater_id, ""), "meetings": len(meetings),
            "reasons": ", ".join(reasons), "since": max(days)}))
    return found


def case_signals(data: CaseData, lang: str | None = None, *,
                 prompts: dict[str, str] | None = None) -> tuple[list[Track], list[Signal]]:
    """The on-track colour per outcome series, and the signals that fire, most
    urgent first, each with its conversation prompt (`prompts`, when given, saves
    reading them for each of many cases; {} for none)."""
    lang = _lang(lang)
    s = data.settings
    tracks = [track_of(x, s, data.model, lang) for x in data.outcome]
    found: list[Signal] = []
    for track in tracks:
        x = track.series
        if track.colour in ("yellow", "red"):
            found.append(Signal(SignalKind.NOT_ON_TRACK, track.colour, track.label, {
                "name": track.label, "last": x.last, "expected": track.expected,
                "colour": track.colour}))
        if deterioration(x, s):
            found.append(Signal(SignalKind.DETERIORATION, "red", track.label, {
                "name": track.label, "intake": x.intake, "last": x.last,
                "change": round(x.last - x.intake, 1)}))
        if no_change(x, s):
            found.append(Signal(SignalKind.NO_CHANGE, "yellow", track.label, {
                "name": track.label, "n": len(x.points), "intake": x.intake, "last": x.last}))
    for x in data.alliance:
        low, falling = alliance_flags(x, s)
        if low:
            found.append(Signal(SignalKind.LOW_ALLIANCE, "red", x.label(lang), {
                "name": x.label(lang), "last": x.last, "cutoff": s.srs_cutoff}))
        if falling:
            found.append(Signal(SignalKind.FALLING_ALLIANCE, "yellow", x.label(lang), {
                "name": x.label(lang), "previous": x.points[-2].total, "last": x.last}))
    found += faces_signals(data, lang)
    found += missing_at_last_meetings(data, lang)
    found += disagreements(data, lang)
    rank = {"red": 0, "yellow": 1, "grey": 2, "green": 3}
    found.sort(key=lambda sig: rank[sig.colour])
    if prompts is None:
        prompts = prompts_for(lang)
    seen = set()
    for sig in found:  # each kind's prompt once, with its most urgent signal
        sig.prompt = "" if sig.kind in seen else prompts.get(sig.kind, "")
        seen.add(sig.kind)
    return tracks, found


def prompts_for(lang: str) -> dict[str, str]:
    """The conversation prompts an administrator has set, in the language (or Danish)."""
    rows = {(p.kind, p.language): p.text for p in ConversationPrompt.objects.all()}
    return {k: rows.get((k, lang)) or rows.get((k, "da")) or default_prompt(k, lang)
            for k in SignalKind.values}


def _lang(lang: str | None) -> str:
    lang = lang or get_language() or "da"
    return "en" if lang.startswith("en") else "da"
