"""Jacobson-Truax reliable and clinically significant change for any scale.

    SE     = SD_pre * sqrt(1 - r)
    S_diff = sqrt(2) * SE
    RCI    = (post - pre) / S_diff; reliable when |RCI| > critical (1.96) in the
             scale's good direction.
    cutoff a = M_clin + 2 SD_clin toward health
    cutoff b = M_func - 2 SD_func toward the clinical side
    cutoff c = (SD_clin * M_func + SD_func * M_clin) / (SD_clin + SD_func)

The clinical population is the pre scores (M_clin, SD_clin = sample mean and
SD, n - 1), as in the R package clinicalsignificance.

Disagreement, documented: Jacobson & Truax (1991) define cutoff b with the
functional population's SD. The R package clinicalsignificance's
`.calc_cutoff_jt()` computes `m_functional - direction * 2 * sd_clinical`
(SD_clin), as docs/fit-definitions.md notes; its older `.calc_cutoff()` in
R/calc_cutoff.R used sd_functional. We follow Jacobson & Truax (SD_func); pass
`cutoff_b_sd="clinical"` to reproduce the package.

Categories (as the R package's combined approach): recovered = reliable
improvement, pre on the clinical side of the cutoff and post on the functional
side (both strictly); improved = other reliable improvement; deteriorated =
reliable deterioration; unchanged otherwise. `harmed` marks deteriorated
people who started functional and ended clinical (a subset of deteriorated).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt


@dataclass
class JacobsonTruaxResult:
    n: int
    m_pre: float
    sd_pre: float
    reliability: float
    se: float
    s_diff: float
    critical: float
    better: str
    cutoff_a: float
    cutoff_b: float | None
    cutoff_c: float | None
    cutoff_type: str
    cutoff: float
    rci: npt.NDArray[np.float64]
    category: npt.NDArray[np.object_]
    harmed: npt.NDArray[np.bool_]
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n, "m_pre": self.m_pre, "sd_pre": self.sd_pre,
            "reliability": self.reliability, "se": self.se, "s_diff": self.s_diff,
            "critical": self.critical, "better": self.better, "cutoff_a": self.cutoff_a,
            "cutoff_b": self.cutoff_b, "cutoff_c": self.cutoff_c,
            "cutoff_type": self.cutoff_type, "cutoff": self.cutoff, "counts": self.counts,
        }


def jacobson_truax(
    pre: npt.ArrayLike,
    post: npt.ArrayLike,
    reliability: float,
    better: Literal["higher", "lower"] = "higher",
    cutoff_type: Literal["a", "b", "c"] = "a",
    m_functional: float | None = None,
    sd_functional: float | None = None,
    critical: float = 1.96,
    cutoff_b_sd: Literal["functional", "clinical"] = "functional",
) -> JacobsonTruaxResult:
    """Classify pre/post pairs (pairs with a missing value are dropped)."""
    x = np.asarray(pre, dtype=np.float64)
    y = np.asarray(post, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    direction = 1.0 if better == "higher" else -1.0
    m_pre = float(x.mean())
    sd_pre = float(x.std(ddof=1))
    se = sd_pre * math.sqrt(1 - reliability)
    s_diff = math.sqrt(2) * se
    rci = (y - x) / s_diff

    cutoff_a = m_pre + direction * 2 * sd_pre
    cutoff_b = cutoff_c = None
    if m_functional is not None and sd_functional is not None:
        sd_b = sd_functional if cutoff_b_sd == "functional" else sd_pre
        cutoff_b = m_functional - direction * 2 * sd_b
        cutoff_c = (sd_pre * m_functional + sd_functional * m_pre) / (sd_pre + sd_functional)
    cutoffs = {"a": cutoff_a, "b": cutoff_b, "c": cutoff_c}
    cutoff = cutoffs[cutoff_type]
    if cutoff is None:
        raise ValueError(f"cutoff {cutoff_type} needs m_functional and sd_functional")

    improved = direction * rci > critical
    deteriorated = direction * rci < -critical
    clinical_pre = direction * x < direction * cutoff
    functional_post = direction * y > direction * cutoff
    recovered = improved & clinical_pre & functional_post
    category = np.select([recovered, improved, deteriorated],
                         ["recovered", "improved", "deteriorated"],
                         default="unchanged").astype(object)
    harmed = deteriorated & ~clinical_pre & ~functional_post
    counts = {c: int(np.sum(category == c))
              for c in ("recovered", "improved", "unchanged", "deteriorated")}
    counts["harmed"] = int(harmed.sum())
    return JacobsonTruaxResult(
        n=n, m_pre=m_pre, sd_pre=sd_pre, reliability=reliability, se=se, s_diff=s_diff,
        critical=critical, better=better, cutoff_a=cutoff_a, cutoff_b=cutoff_b,
        cutoff_c=cutoff_c, cutoff_type=cutoff_type, cutoff=float(cutoff), rci=rci,
        category=category, harmed=harmed, counts=counts,
    )
