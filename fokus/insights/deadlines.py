"""The Barnets lov deadlines the caseload shows (casework rules, not FIT rules).

- The child investigation (§20 stk. 3): finished within 4 months. Fokus counts the
  4 months from the case's `opened_on`, and the deadline applies while the case is
  in the phase "investigation".
- The first follow-up (§95: the municipality follows up a measure first at the end
  of the investigation or within 3 months, then as decided). Fokus's reading: the first
  follow-up is due 3 months after the first intervention's start, while the case is
  in the phase "support". Fokus does not record which meeting was the follow-up, so
  it counts the follow-up as held when a meeting was held on or after the start of
  the warning window (14 days before the due date); a case in the phase "follow-up"
  has had it.

A deadline is "coming" from 14 days before the due date up to and including it, and
"passed" after it. Plain functions of dates: no database, no Django.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

INVESTIGATION = "investigation"
FIRST_FOLLOW_UP = "first_follow_up"

INVESTIGATION_MONTHS = 4  # §20 stk. 3
FIRST_FOLLOW_UP_MONTHS = 3  # §95
WARNING_DAYS = 14  # shown as coming this many days before the due date

COMING = "coming"
PASSED = "passed"

# The phases of fokus.cases.models.Phase the rules apply in (by value).
PHASE_INVESTIGATION = "investigation"
PHASE_SUPPORT = "support"


@dataclass(frozen=True)
class Deadline:
    kind: str  # INVESTIGATION or FIRST_FOLLOW_UP
    due: datetime.date

    def days_left(self, today: datetime.date) -> int:
        return (self.due - today).days

    def state(self, today: datetime.date) -> str | None:
        """COMING within WARNING_DAYS before the due date (the day itself included),
        PASSED after it, None while it is further off."""
        left = self.days_left(today)
        if left < 0:
            return PASSED
        if left <= WARNING_DAYS:
            return COMING
        return None


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` later; the month's last day where it is shorter
    (31 October + 4 months = 28 or 29 February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def investigation_deadline(phase: str, opened_on: datetime.date) -> Deadline | None:
    if phase != PHASE_INVESTIGATION:
        return None
    return Deadline(INVESTIGATION, add_months(opened_on, INVESTIGATION_MONTHS))


def first_follow_up_deadline(phase: str, intervention_starts: Iterable[datetime.date],
                             meeting_days: Iterable[datetime.date]) -> Deadline | None:
    starts = sorted(intervention_starts)
    if phase != PHASE_SUPPORT or not starts:
        return None
    deadline = Deadline(FIRST_FOLLOW_UP, add_months(starts[0], FIRST_FOLLOW_UP_MONTHS))
    window_opens = deadline.due - datetime.timedelta(days=WARNING_DAYS)
    if any(day >= window_opens for day in meeting_days):
        return None  # held
    return deadline


def open_deadlines(phase: str, opened_on: datetime.date,
                   intervention_starts: Iterable[datetime.date],
                   meeting_days: Iterable[datetime.date],
                   today: datetime.date) -> list[tuple[Deadline, str]]:
    """The deadlines coming or passed on `today`, the earliest first, each with its state."""
    found = [d for d in (investigation_deadline(phase, opened_on),
                         first_follow_up_deadline(phase, intervention_starts, meeting_days))
             if d is not None and d.state(today)]
    return [(d, d.state(today)) for d in sorted(found, key=lambda d: d.due)]
