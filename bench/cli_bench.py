"""Benchmark of the `fokus outcomes --input FILE --json` command itself (issue 9, part 8).

    .venv/bin/python bench/cli_bench.py                      # 2.5 million ratings: ~100,000 series
    .venv/bin/python bench/cli_bench.py --ratings 250000     # ~10,000 series
    .venv/bin/python bench/cli_bench.py --compare-with /tmp/base   # a checkout of an older fokus/

Prints, in one run on the same file (bench/outcomes_bench.py generates it, cached
under ./var/bench/):

- start-up: `fokus outcomes --help`, and the import of what a run needs, each the
  median of five fresh interpreters, next to a bare `python -c pass`;
- the series JSON: the records and json.dumps (as before) against the text written
  by column (cli.series_json), in this process, and that both give the same text;
- end to end: `python -m fokus outcomes --input FILE --by team_id --json > /dev/null`
  (median of --repeat runs), with the stage timings of one in-process run;
- DuckDB's plain read of the same file (every column parsed into a table) in the
  same run: the floor of any command that reads the file.

--compare-with DIR runs the start-up and end-to-end figures also with the fokus
package in DIR (e.g. `git archive <commit> fokus | tar -x -C DIR`), for before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

NEEDED = ("import fokus.outcomes.cli, fokus.outcomes.engine, fokus.outcomes.summary, "
          "fokus.outcomes.survival, duckdb")


def _wall(argv: list[str], cwd: Path, runs: int) -> float:
    """Median wall time of a fresh process (stdout to /dev/null)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL,  # noqa: S603
                              stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 2):  # --help exits 0
            raise RuntimeError(done.stderr.decode())
    return statistics.median(times)


def startup(cwd: Path, runs: int = 5) -> dict[str, float]:
    py = sys.executable
    return {
        "python -c pass": _wall([py, "-c", "pass"], cwd, runs),
        "fokus outcomes --help": _wall([py, "-m", "fokus", "outcomes", "--help"], cwd, runs),
        "import what a run needs": _wall([py, "-c", NEEDED], cwd, runs),
    }


def end_to_end(path: Path, cwd: Path, runs: int) -> float:
    return _wall([sys.executable, "-m", "fokus", "outcomes", "--input", str(path),
                  "--by", "team_id", "--json"], cwd, runs)


def stages(path: Path) -> tuple[dict[str, float], int]:
    """One run in this process, by stage (the same calls as cli.main)."""
    from fokus.outcomes import cli
    from fokus.outcomes.engine import alliance_counts_from_csv, series_from_csv

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    result = series_from_csv(path)
    t1 = time.perf_counter()
    counts = alliance_counts_from_csv(path)
    t2 = time.perf_counter()
    output = cli.build_output(result.series, counts, "team_id", [], records=False)
    t3 = time.perf_counter()
    text = cli.json_text(output)
    t4 = time.perf_counter()
    out["read, validate, series (DuckDB)"] = t1 - t0
    out["alliance counts (DuckDB, 2nd scan)"] = t2 - t1
    out["summaries, groups, time to wellbeing"] = t3 - t2
    out["JSON text"] = t4 - t3
    del text
    return out, len(result.series)


def json_build(path: Path) -> tuple[float, float, bool]:
    """Seconds for the series JSON: records + json.dumps (before), by column (now)."""
    from fokus.outcomes import cli
    from fokus.outcomes.engine import series_from_csv

    series = series_from_csv(path).series
    extra = [c for c in series.columns if c not in cli.SERIES_FIELDS and c != "birth_date"
             and not c.startswith("_")]
    before, now = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        old = json.dumps(cli.series_records(series, extra), ensure_ascii=False, allow_nan=False)
        t1 = time.perf_counter()
        new = cli.series_json(series, extra)
        t2 = time.perf_counter()
        before.append(t1 - t0)
        now.append(t2 - t1)
    return statistics.median(before), statistics.median(now), old == new


def duckdb_plain_read(path: Path) -> float:
    """Every column of the file parsed into a DuckDB table: the floor of reading it."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{path}', header = true)")  # noqa: S608
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=2_500_000)
    parser.add_argument("--repeat", type=int, default=3, help="end-to-end runs (median)")
    parser.add_argument("--compare-with", type=Path,
                        help="a directory holding an older fokus/ package to run as well")
    args = parser.parse_args(argv)

    from outcomes_bench import BENCH_DIR, generate

    path = BENCH_DIR / f"ratings_{args.ratings}.csv"
    if not path.exists():
        generate(args.ratings, path)
    print(f"file: {path.name}, {path.stat().st_size / 2**20:,.0f} MiB; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    trees = [("now", ROOT)] + ([("before", args.compare_with)] if args.compare_with else [])

    for label, tree in trees:
        figures = startup(tree)
        print(f"start-up ({label}): " + ", ".join(f"{k} {v:.3f} s" for k, v in figures.items()))

    before, now, same = json_build(path)
    print(f"series JSON: records + json.dumps {before:.2f} s, by column {now:.2f} s "
          f"({before / now:.1f}x), same text: {same}")

    timed, n_series = stages(path)
    print(f"stages at {n_series:,} series: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in timed.items()))
    for label, tree in trees:
        print(f"end to end ({label}): fokus outcomes --input --by team_id --json "
              f"{end_to_end(path, tree, args.repeat):.2f} s")
    print(f"DuckDB plain read of the same file: {duckdb_plain_read(path):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
