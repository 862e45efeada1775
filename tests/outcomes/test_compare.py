import math

from fokus.outcomes.compare import difference_of_proportions


def test_newcombe_published_example():
    # Newcombe (1998), Table II example (56/70 vs 48/80): difference 0.2000,
    # method 10 interval 0.0524 to 0.3339.
    d, low, high = difference_of_proportions(56, 70, 48, 80)
    assert round(d, 4) == 0.2
    assert round(low, 4) == 0.0524
    assert round(high, 4) == 0.3339


def test_empty_group_is_nan():
    assert all(math.isnan(x) for x in difference_of_proportions(1, 2, 0, 0))


def test_bounds():
    d, low, high = difference_of_proportions(10, 10, 0, 10)
    assert d == 1.0 and high <= 1.0 and 0 < low < 1
