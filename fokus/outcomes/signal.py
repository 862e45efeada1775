"""The on-track signal of one series' latest rating (fit-reference.md section 3)."""

from __future__ import annotations

from collections.abc import Sequence

from .etr import DEFAULT_MODEL, EtrModel, etr_at
from .settings import DEFAULT_SETTINGS, OutcomeSettings, to_tenths


def on_track_signal(scores: Sequence[float | str], age_group: str,
                    settings: OutcomeSettings = DEFAULT_SETTINGS,
                    model: EtrModel = DEFAULT_MODEL) -> str:
    """grey / green / yellow / red for the last of a series' scores (in order).

    grey: fewer than 2 ratings, or intake above the ETR ceiling; green: last >=
    ETR(m); yellow: ETR(m) - R <= last < ETR(m); red: last < ETR(m) - R, or
    last <= intake - R (reliable deterioration, compared exactly in tenths).
    """
    tenths = [to_tenths(s) for s in scores]
    if len(tenths) < 2 or tenths[0] > settings.etr_ceiling_t:
        return "grey"
    m = len(tenths)
    intake, last = tenths[0] / 10.0, tenths[-1] / 10.0
    expected = etr_at(intake, age_group, m, m, model)
    r = settings.reliable_change_t / 10.0
    if last < expected - r or tenths[-1] - tenths[0] <= -settings.reliable_change_t:
        return "red"
    if last < expected:
        return "yellow"
    return "green"
