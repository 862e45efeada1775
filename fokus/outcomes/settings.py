"""Outcome settings in force, with the provenance of every default.

All score thresholds are stored as exact one-decimal values and used in integer
tenths (25.0 -> 250), so comparisons of scores with cutoffs and with the
reliable change value are exact (docs/fit-definitions.md sections 2 and 6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

PROVENANCE: dict[str, str] = {
    "cutoff_adult": "Miller et al. 2003; PCOMS/BON software",
    "cutoff_youth": "Duncan et al. 2006; BON software",
    "cutoff_child": "Duncan et al. 2006 (J Brief Therapy 5(2)); note: BON software uses 28",
    "cutoff_carer_child": "BON youth base (inferred; verify)",
    "reliable_change": (
        "BON 2015+ software; Miller et al. 2003 gave 5; NHS CYP-IAPT uses 6.6 (ORS) and 10 (CORS)"
    ),
    "sd_adult": "BON 2023 set (older set: 8.0)",
    "sd_youth": "BON 2023 set (older set: 8.0)",
    "sd_child": "BON 2023 set (older set: 8.0)",
    "srs_cutoff": "BON, common practice",
    "srs_drop": "OpenFIT practice: a drop of >= 1.0 from the previous SRS of the same respondent",
    "etr_ceiling": "BON: no ETR when intake > 32",
    "sawtooth_swing": "Fokus: a swing is a change of >= 6.0 points between consecutive ratings",
    "sawtooth_min_swings": "Fokus reading of the issue: 4 or more swings",
    "sawtooth_min_ratings": "Fokus reading of the issue: within 5 or more ratings",
}


def to_tenths(value: float | int | str | Decimal) -> int:
    """An exact one-decimal score as integer tenths (20.3 -> 203).

    Goes through Decimal so 20.3 (a binary float slightly below 20.3) still
    gives 203; values with more decimals are rounded half up.
    """
    tenths = (Decimal(str(value)) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(tenths)


@dataclass(frozen=True)
class OutcomeSettings:
    """Settings for the outcome statistics of one organisation from a date.

    Every report states the settings it used (see `to_dict`).
    """

    name: str = "Fokus defaults (docs/fit-definitions.md section 2)"
    valid_from: dt.date | None = None
    cutoff_adult: float = 25.0
    cutoff_youth: float = 28.0
    cutoff_child: float = 32.0
    cutoff_carer_child: float = 28.0
    reliable_change: float = 6.0
    sd_adult: float = 7.75
    sd_youth: float = 7.25
    sd_child: float = 7.25
    srs_cutoff: float = 36.0
    srs_drop: float = 1.0
    etr_ceiling: float = 32.0
    sawtooth_swing: float = 6.0
    sawtooth_min_swings: int = 4
    sawtooth_min_ratings: int = 5
    provenance: dict[str, str] = field(default_factory=lambda: dict(PROVENANCE))

    # Exact thresholds in tenths, used by all score comparisons.
    @property
    def cutoff_adult_t(self) -> int:
        return to_tenths(self.cutoff_adult)

    @property
    def cutoff_youth_t(self) -> int:
        return to_tenths(self.cutoff_youth)

    @property
    def cutoff_child_t(self) -> int:
        return to_tenths(self.cutoff_child)

    @property
    def cutoff_carer_child_t(self) -> int:
        return to_tenths(self.cutoff_carer_child)

    @property
    def reliable_change_t(self) -> int:
        return to_tenths(self.reliable_change)

    @property
    def srs_cutoff_t(self) -> int:
        return to_tenths(self.srs_cutoff)

    @property
    def srs_drop_t(self) -> int:
        return to_tenths(self.srs_drop)

    @property
    def etr_ceiling_t(self) -> int:
        return to_tenths(self.etr_ceiling)

    @property
    def sawtooth_swing_t(self) -> int:
        return to_tenths(self.sawtooth_swing)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["valid_from"] = self.valid_from.isoformat() if self.valid_from else None
        return data


DEFAULT_SETTINGS = OutcomeSettings()
