"""Published results reproduced from the reference datasets (docs/fit-definitions.md, statistics).

The datasets are in tests/reference_data/, with their sources and licence in
its README.md. A missing file fails the test: these checks are the proof that
the engine is right, so they must never be skipped silently.
"""

from pathlib import Path

import pandas as pd
import pytest

from fokus.outcomes import jacobson_truax

REFERENCE_DATA = Path(__file__).resolve().parents[1] / "reference_data"


def read_reference(name: str) -> pd.DataFrame:
    path = REFERENCE_DATA / name
    assert path.is_file(), f"reference dataset missing: {path} (see tests/reference_data/README.md)"
    return pd.read_csv(path)


def test_jacobson_1989_gds_cutoff_a():
    """Jacobson et al. (1989) gds, lower is better, r = 0.80, cutoff a from the pre scores."""
    wide = read_reference("jacobson_1989.csv").pivot(index="subject", columns="time",
                                                     values="gds")
    result = jacobson_truax(wide["pre"], wide["post"], reliability=0.80, better="lower")
    assert result.n == 26
    assert result.sd_pre == pytest.approx(6.102, abs=5e-4)
    assert result.s_diff == pytest.approx(3.859, abs=5e-4)
    assert result.cutoff == pytest.approx(56.95, abs=5e-3)
    assert result.counts["recovered"] == 10
    assert result.counts["improved"] == 4
    assert result.counts["unchanged"] == 12
    assert result.counts["deteriorated"] == 0


def test_claus_2020_hamd_combined_jt_cutoff_c():
    """claus_2020, HAM-D, time 1 vs 4, reliability 0.80, better lower (the package default).

    Source of the expected figures: the R package clinicalsignificance's own
    test snapshot, tests/testthat/_snaps/cs_combined.md in
    github.com/pedscience/clinicalsignificance (commit 1b6fd9a5a393da401f4d947f841c6b5c2e7d6752),
    for the call in tests/testthat/test-cs_combined.R:

        cs_combined(claus_2020, id, time, hamd, pre = 1, post = 4, reliability = 0.80,
                    m_functional = 8, sd_functional = 8, cutoff_type = "c", rci_method = "JT")

    Recovered 26, Improved 3, Unchanged 10, Deteriorated 1, Harmed 0 (n = 40:
    three of the 43 people lack a time-4 HAM-D and are dropped).
    """
    wide = read_reference("claus_2020.csv").pivot(index="id", columns="time", values="hamd")
    result = jacobson_truax(wide[1.0], wide[4.0], reliability=0.80, better="lower",
                            cutoff_type="c", m_functional=8, sd_functional=8)
    assert result.n == 40
    assert result.counts == {"recovered": 26, "improved": 3, "unchanged": 10,
                             "deteriorated": 1, "harmed": 0}


def test_claus_2020_hamd_distribution_jt():
    """Same source, tests/testthat/_snaps/cs_distribution.md (same commit):

        cs_distribution(claus_2020, id, time, hamd, pre = 1, post = 4, reliability = 0.8,
                        rci_method = "JT")  ->  Improved 29, Unchanged 10, Deteriorated 1

    The distribution approach has no cutoff: its "improved" is every reliable
    improvement, our recovered + improved.
    """
    wide = read_reference("claus_2020.csv").pivot(index="id", columns="time", values="hamd")
    result = jacobson_truax(wide[1.0], wide[4.0], reliability=0.80, better="lower")
    assert result.counts["recovered"] + result.counts["improved"] == 29
    assert result.counts["unchanged"] == 10
    assert result.counts["deteriorated"] == 1


def test_cutoff_b_follows_jacobson_truax_and_can_follow_the_package():
    pre, post = [10.0, 20.0, 30.0], [15.0, 25.0, 35.0]
    jt = jacobson_truax(pre, post, 0.8, better="higher", cutoff_type="b",
                        m_functional=40, sd_functional=5)
    assert jt.cutoff == pytest.approx(40 - 2 * 5)
    package = jacobson_truax(pre, post, 0.8, better="higher", cutoff_type="b",
                             m_functional=40, sd_functional=5, cutoff_b_sd="clinical")
    assert package.cutoff == pytest.approx(40 - 2 * 10)
    assert jt.cutoff_c == pytest.approx((10 * 40 + 5 * 20) / (10 + 5))
