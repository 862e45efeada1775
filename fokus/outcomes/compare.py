"""Comparing two groups: the difference of two proportions with its 95% interval.

Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the two
Wilson intervals of `summary.wilson`; it behaves well for small n and for
proportions near 0 or 1, where the plain Wald interval does not.
"""

from __future__ import annotations

import math

from .summary import wilson

METHOD = "Newcombe hybrid score interval (method 10) for a difference of proportions (95%)"


def difference_of_proportions(x1: int, n1: int, x2: int, n2: int,
                              ) -> tuple[float, float, float]:
    """(difference, low, high) of p1 - p2 as fractions; NaN when a group is empty."""
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan, math.nan)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1)
    l2, u2 = wilson(x2, n2)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (d, max(-1.0, low), min(1.0, high))
