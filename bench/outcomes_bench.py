"""Benchmark of the outcomes engine at national scale.

    .venv/bin/python bench/outcomes_bench.py                 # 10 million ratings
    .venv/bin/python bench/outcomes_bench.py --ratings 100000

Generates (once, cached under ./var/bench/) a realistic ratings CSV: about 50
ratings a case (ORS/CORS and SRS/CSRS for one to three people over a case's
meetings, some carer ratings of children), in date order across the whole
municipality as an export would be. Then runs the engine end to end (read and
validate the CSV, build every outcome series, group summaries by team) and
prints wall time and peak memory, and the time of the same summary done as a
single SQL aggregate in DuckDB on the same file, as the floor to compare with.

Engines: sql (default; series_from_csv's DuckDB path: one scan of the file,
which also gives the alliance counts), in-memory (read_ratings_csv + build_series).
Figures on a 2-core machine (load average about 2.3), 10 million ratings: sql
12.2 s total (read and validate 5.3, series keys 2.6, ratings in series order
with the alliance ratings 3.2, series 0.7, summaries 0.3), peak 1.68 GB; the
previous sql path (three scans: validate, outcome rows, and the alliance counts
separately) in the same conditions 12.9 s and 1.23 GB without the alliance counts.
Recorded earlier: in-memory 17.0 s, 3.4 GB; floor 4.9 s; 20 million: previous sql
path 31.7 s, 1.75 GB; in-memory 40.0 s, 6.4 GB; floor 10.6 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH_DIR = ROOT / "var" / "bench"


def generate(n_ratings: int, path: Path, seed: int = 20261123) -> None:
    """Write n_ratings realistic rating rows to path (vectorised; DuckDB writes the CSV)."""
    import duckdb

    rng = np.random.default_rng(seed)
    n_cases = max(1, n_ratings // 45)  # about 50 a case; the surplus is cut
    # People per case: the child alone, or child and one or two parents.
    n_people = rng.choice([1, 2, 3], size=n_cases, p=[0.3, 0.45, 0.25])
    meetings = np.clip(rng.poisson(12, size=n_cases), 1, 40)
    case_start = np.datetime64("2019-01-01") + rng.integers(0, 6 * 365, n_cases)
    child_age = rng.integers(4, 18, n_cases)  # age at the case's start
    team = rng.integers(1, 99, n_cases)
    caseworker = team * 100 + rng.integers(0, 15, n_cases)
    intervention = rng.integers(0, 6, n_cases)

    # One row per (case, meeting): meeting dates weeks to months apart.
    m_case = np.repeat(np.arange(n_cases), meetings)
    m_no = np.arange(len(m_case)) - np.repeat(np.cumsum(meetings) - meetings, meetings)
    gaps = rng.integers(7, 60, len(m_case))
    gaps[m_no == 0] = 0
    cum = np.cumsum(gaps)
    offset = cum - np.repeat(cum[np.cumsum(meetings) - meetings], meetings)
    m_date = case_start[m_case] + offset

    # Rating slots: each person in the meeting, self outcome + self alliance;
    # a parent also rates a young child (carer rating) in two of three cases.
    person_slots = np.repeat(np.arange(len(m_case)), n_people[m_case])
    p_idx = np.arange(len(person_slots)) - np.repeat(
        np.cumsum(n_people[m_case]) - n_people[m_case], n_people[m_case])
    case = m_case[person_slots]
    carer = (p_idx == 1) & (child_age[case] < 13) & (case % 3 != 0)
    kinds = [  # (slot mask, rater index, instrument family)
        (np.ones(len(case), bool), p_idx, 0),  # outcome, self
        (np.ones(len(case), bool), p_idx, 1),  # alliance, self
        (carer, p_idx, 2),                       # outcome, carer rating the child
    ]
    parts = []
    for mask, rater_idx, family in kinds:
        sel = np.flatnonzero(mask)
        parts.append(pd.DataFrame({
            "slot": person_slots[sel],
            "person": np.where(family == 2, 0, p_idx[sel]),
            "rater": rater_idx[sel],
            "family": family,
        }))
    rows = pd.concat(parts, ignore_index=True).sort_values("slot", kind="stable")
    rows = rows.iloc[:n_ratings]
    slot = rows["slot"].to_numpy()
    case = m_case[slot]
    date = m_date[slot]
    person = rows["person"].to_numpy()
    family = rows["family"].to_numpy()
    meeting_no = m_no[slot]
    # Birth dates: the child per the case, parents adults.
    child_birth = case_start - (child_age * 365.25).astype(int) - rng.integers(0, 365, n_cases)
    parent_birth = case_start - rng.integers(24 * 365, 55 * 365, n_cases)
    birth = np.where(person == 0, child_birth[case], parent_birth[case] - person * 400)
    age = ((date - birth).astype(int) / 365.25).astype(int)
    outcome = family != 1
    instrument = np.where(outcome, np.where(age <= 12, 1, 0), np.where(age <= 12, 3, 2))
    # Scores: intake around 20, improving towards about 28 with noise.
    intake = np.clip(rng.normal(20, 7, n_cases), 2, 38)
    gain = np.clip(rng.normal(6, 5, n_cases), -8, 16)
    expected = intake[case] + gain[case] * (1 - np.exp(-meeting_no / 3.0))
    totals = np.where(outcome, expected + rng.normal(0, 3, len(case)), rng.normal(36.5, 3, len(case)))
    item = np.clip(np.rint(totals[:, None] * 2.5 + rng.normal(0, 8, (len(case), 4))), 0, 100)
    item = item.astype(np.int16)
    frame = pd.DataFrame({
        "case_no": case, "person_no": person, "rater_no": rows["rater"].to_numpy(),
        "birth": birth, "instrument_no": instrument, "date": date,
        "i1": item[:, 0], "i2": item[:, 1], "i3": item[:, 2], "i4": item[:, 3],
        "team": team[case], "caseworker": caseworker[case], "intervention": intervention[case],
    }).sort_values("date", kind="stable")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("frame", frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    con.execute(f"""
        COPY (
          SELECT 'K' || case_no AS case_id,
                 'K' || case_no || '-P' || person_no AS person_id,
                 'K' || case_no || '-P' || rater_no AS rater_id,
                 strftime(birth::DATE, '%Y-%m-%d') AS birth_date,
                 ['ORS','CORS','SRS','CSRS'][instrument_no + 1] AS instrument,
                 strftime(date::DATE, '%Y-%m-%d') AS date,
                 (i1 / 10)::DECIMAL(3,1) AS item1, (i2 / 10)::DECIMAL(3,1) AS item2,
                 (i3 / 10)::DECIMAL(3,1) AS item3, (i4 / 10)::DECIMAL(3,1) AS item4,
                 ((i1 + i2 + i3 + i4) / 10)::DECIMAL(4,1) AS total,
                 'T' || team AS team_id, 'S' || caseworker AS caseworker_id,
                 ['MST','FFT','Familiebehandling','PMTO','De Utrolige År','Netværksmøder'][intervention + 1] AS intervention
          FROM frame
        ) TO '{tmp}' (HEADER, DELIMITER ',')
    """)  # noqa: S608 - our own generated path
    tmp.rename(path)


def duckdb_floor(path: Path) -> tuple[float, dict[str, float]]:
    """The group summary as one SQL aggregate (no ETR paths, no validation): the floor."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    row = con.execute(f"""
        WITH r AS (
          SELECT case_id, person_id, rater_id, birth_date::DATE AS birth, date::DATE AS d,
                 round(total * 10)::INTEGER AS s, team_id, row_number() OVER () AS pos
          FROM read_csv('{path}', header = true, all_varchar = false)
          WHERE instrument IN ('ORS', 'CORS')
        ), series AS (
          SELECT case_id, person_id, rater_id, count(*) AS n,
                 arg_min(s, (d, pos)) AS intake, arg_max(s, (d, pos)) AS last,
                 arg_min(birth, (d, pos)) AS birth, min(d) AS first_d
          FROM r GROUP BY ALL
        ), aged AS (
          SELECT *, date_diff('year', birth, first_d)
                    - CASE WHEN strftime(first_d, '%m%d') < strftime(birth, '%m%d') THEN 1 ELSE 0 END AS age
          FROM series
        ), cut AS (
          SELECT *, last - intake AS change,
                 CASE WHEN age >= 18 THEN 250 WHEN age >= 13 THEN 280
                      WHEN rater_id = person_id THEN 320 ELSE 280 END AS c,
                 CASE WHEN age >= 18 THEN 7.75 ELSE 7.25 END AS sd
          FROM aged WHERE age >= 6 AND n >= 2
        )
        SELECT count(*) AS n_eligible, avg(intake) / 10 AS mean_intake, avg(change) / 10 AS mean_change,
               avg(change) / 10 / (stddev_samp(intake) / 10) AS pre_post_es,
               100 * avg((change >= 60 AND intake <= c AND last > c)::INT) AS pct_recovered,
               100 * avg((change >= 60 AND NOT (intake <= c AND last > c))::INT) AS pct_improved,
               100 * avg((abs(change) < 60)::INT) AS pct_unchanged,
               100 * avg((change <= -60)::INT) AS pct_deteriorated
        FROM cut
    """).fetchone()  # noqa: S608 - our own generated path
    elapsed = time.perf_counter() - start
    assert row is not None
    names = ["n_eligible", "mean_intake", "mean_change", "pre_post_es", "pct_recovered",
             "pct_improved", "pct_unchanged", "pct_deteriorated"]
    return elapsed, dict(zip(names, (float(x) for x in row), strict=True))


def peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=10_000_000)
    parser.add_argument("--by", default="team_id")
    parser.add_argument("--skip-duckdb", action="store_true")
    parser.add_argument("--reader", choices=["auto", "pandas"], default="auto",
                        help="auto: DuckDB fast path when installed; pandas: the C parser only")
    parser.add_argument("--engine", choices=["sql", "in-memory"], default="sql",
                        help="sql: series_from_csv (one streaming DuckDB scan, the default); "
                             "in-memory: read_ratings_csv + build_series")
    args = parser.parse_args(argv)

    path = BENCH_DIR / f"ratings_{args.ratings}.csv"
    if not path.exists():
        start = time.perf_counter()
        generate(args.ratings, path)
        print(f"generated {path} in {time.perf_counter() - start:.1f} s")
    size_mib = path.stat().st_size / 2**20
    rss_before = peak_rss_mib()

    from fokus.outcomes import build_series, read_ratings_csv, summarise, summarise_groups

    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    if args.engine == "sql":
        from fokus.outcomes.engine import series_from_csv

        result = series_from_csv(path, engine="sql", timings=stages)
        t1 = time.perf_counter()
        if result.errors:
            print(f"{len(result.errors)} invalid rows, e.g. {result.errors[:3]}")
            return 1
        series, n_ratings = result.series, result.n_ratings
    else:
        read = read_ratings_csv(path, engine=args.reader)
        t1 = time.perf_counter()
        if read.errors:
            print(f"{len(read.errors)} invalid rows, e.g. {read.errors[:3]}")
            return 1
        series = build_series(read.ratings)
        n_ratings = len(read.ratings)
    t2 = time.perf_counter()
    summary = summarise(series)
    groups = summarise_groups(series, args.by)
    t3 = time.perf_counter()
    peak = peak_rss_mib()

    print(f"file: {path.name}, {n_ratings:,} ratings, {size_mib:,.0f} MiB, "
          f"reader {args.reader}, engine {args.engine}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"outcome series: {summary['n_series']:,} ({summary['n_eligible']:,} eligible), "
          f"{len(groups)} groups by {args.by}")
    first = "read+validate" if args.engine == "in-memory" else "read+validate+series"
    print(f"engine: {first} {t1 - t0:.2f} s, series {t2 - t1:.2f} s, "
          f"summaries {t3 - t2:.2f} s, total {t3 - t0:.2f} s")
    if stages:
        print("stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
    print(f"peak memory (maxrss): {peak:,.0f} MiB (before the engine: {rss_before:,.0f} MiB)")
    print("engine summary: " + ", ".join(
        f"{k}={summary[k]:.4f}" for k in ("mean_intake", "mean_change", "pre_post_es",
                                          "pct_recovered", "pct_improved", "pct_unchanged",
                                          "pct_deteriorated")))
    if not args.skip_duckdb:
        floor, values = duckdb_floor(path)
        print(f"DuckDB single SQL aggregate (floor): {floor:.2f} s")
        print("duckdb summary: " + ", ".join(f"{k}={v:.4f}" for k, v in values.items()
                                             if k != "n_eligible")
              + f", n_eligible={values['n_eligible']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
