"""The Barnets lov deadlines of the caseload (fokus.insights.deadlines)."""

import datetime

from fokus.insights import deadlines as d

D = datetime.date


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert d.add_months(D(2025, 1, 15), 4) == D(2025, 5, 15)
    assert d.add_months(D(2025, 10, 31), 4) == D(2026, 2, 28)
    assert d.add_months(D(2023, 10, 31), 4) == D(2024, 2, 29)
    assert d.add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)


def test_the_investigation_is_due_4_months_after_opening_while_investigating():
    assert d.investigation_deadline("investigation", D(2025, 1, 10)) == \
        d.Deadline(d.INVESTIGATION, D(2025, 5, 10))
    for phase in ("screening", "support", "follow_up", "closed"):
        assert d.investigation_deadline(phase, D(2025, 1, 10)) is None


def test_a_deadline_is_coming_14_days_before_and_passed_after():
    deadline = d.Deadline(d.INVESTIGATION, D(2025, 5, 10))
    assert deadline.state(D(2025, 4, 25)) is None
    assert deadline.state(D(2025, 4, 26)) == d.COMING  # 14 days left
    assert deadline.state(D(2025, 5, 10)) == d.COMING  # the day itself
    assert deadline.state(D(2025, 5, 11)) == d.PASSED
    assert deadline.days_left(D(2025, 5, 11)) == -1


def test_the_first_follow_up_is_due_3_months_after_the_first_intervention():
    deadline = d.first_follow_up_deadline("support", [D(2025, 3, 1), D(2025, 2, 1)], [])
    assert deadline == d.Deadline(d.FIRST_FOLLOW_UP, D(2025, 5, 1))
    assert d.first_follow_up_deadline("support", [], []) is None
    assert d.first_follow_up_deadline("follow_up", [D(2025, 2, 1)], []) is None
    assert d.first_follow_up_deadline("investigation", [D(2025, 2, 1)], []) is None


def test_a_meeting_from_the_warning_window_on_is_the_follow_up():
    starts = [D(2025, 2, 1)]  # due 1 May
    assert d.first_follow_up_deadline("support", starts, [D(2025, 4, 17)]) is None
    assert d.first_follow_up_deadline("support", starts, [D(2025, 6, 1)]) is None
    assert d.first_follow_up_deadline("support", starts, [D(2025, 4, 16)]) is not None


def test_open_deadlines_lists_only_coming_or_passed_ones():
    assert d.open_deadlines("investigation", D(2025, 1, 10), [], [], D(2025, 3, 1)) == []
    found = d.open_deadlines("investigation", D(2025, 1, 10), [], [], D(2025, 5, 1))
    assert found == [(d.Deadline(d.INVESTIGATION, D(2025, 5, 10)), d.COMING)]
    found = d.open_deadlines("support", D(2024, 1, 10), [D(2025, 2, 1)], [], D(2025, 5, 2))
    assert found == [(d.Deadline(d.FIRST_FOLLOW_UP, D(2025, 5, 1)), d.PASSED)]
