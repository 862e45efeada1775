"""Benchmark of the `fokus outcomes --input FILE --json` command itself (issue 9, part 8).

    .venv/bin/python bench/cli_bench.py                      # 2.5 million ratings: ~100,000 series
    .venv/bin/python bench/cli_bench.py --ratings 250000     # ~10,000 series
    .venv/bin/python bench/cli_bench.py --compare-with /tmp/base   # a checkout of an older fokus/

Prints, in one run on the same file (bench/outcomes_bench.py generates it, cached
under ./var/bench/):

- the file: size and rows;
- start-up: `fokus outcomes --help`, the imports before the work starts (the
  command, DuckDB and the scan: DuckDB starts on the file then, while pandas,
  scipy and the rest load in a thread), the import of everything a run needs,
  and the time from starting `fokus outcomes --input FILE` to the call that
  starts DuckDB on the file, each the median of five fresh processes, next to
  `python -c pass`;
- the series JSON: the records and json.dumps against the text written by
  column (cli.series_json), in this process, and that both give the same text;
- the stages of one in-process run;
- end to end: `python -m fokus outcomes --input FILE --by team_id --json > /dev/null`
  (median of --repeat runs), and the speed-up against the recorded baseline
  (BASELINE, 14.6 s at 101,228 series before this work);
- DuckDB's plain read of the same file in the same run (every column parsed
  into a table, and a bare count(*)): the floor of any command that reads it.

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
# What `fokus outcomes --input` imports before DuckDB starts on the file.
BEFORE_WORK = "import fokus.outcomes.cli, fokus.outcomes.scan, duckdb"
# End to end at the default file (2.5 million ratings, 101,228 series) before the
# work of issue 9 part 8 (commit b3af6dd), on the 2-core machine the issue names.
BASELINE = 14.6


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
    figures = {
        "python -c pass": _wall([py, "-c", "pass"], cwd, runs),
        "fokus outcomes --help": _wall([py, "-m", "fokus", "outcomes", "--help"], cwd, runs),
    }
    if (cwd / "fokus" / "outcomes" / "scan.py").exists():
        figures["imports before the work starts"] = _wall([py, "-c", BEFORE_WORK], cwd, runs)
    figures["import everything a run needs"] = _wall([py, "-c", NEEDED], cwd, runs)
    return figures


# `fokus outcomes --input FILE --json` up to the call that starts DuckDB on the file,
# which prints the wall-clock time and ends the process.
FIRST_WORK = """
import sys, time
from fokus.outcomes import scan

def started(*args, **kwargs):
    print(time.time())
    raise SystemExit(0)

scan.scan_csv = started
from fokus.outcomes.cli import main
main(["--input", sys.argv[1], "--json"])
"""


def first_work(path: Path, cwd: Path, runs: int = 5) -> float:
    """Median seconds from starting the command's process to the start of the scan."""
    times = []
    for _ in range(runs):
        start = time.time()
        done = subprocess.run([sys.executable, "-c", FIRST_WORK, str(path)], cwd=cwd,  # noqa: S603
                              capture_output=True, text=True, check=True)
        times.append(float(done.stdout.strip().splitlines()[-1]) - start)
    return statistics.median(times)


def end_to_end(path: Path, cwd: Path, runs: int) -> float:
    return _wall([sys.executable, "-m", "fokus", "outcomes", "--input", str(path),
                  "--by", "team_id", "--json"], cwd, runs)


def stages(path: Path) -> tuple[dict[str, float], int]:
    """One run in this process, by stage (the same calls as cli.main)."""
    from fokus.outcomes import cli
    from fokus.outcomes.engine import series_from_csv
    from fokus.outcomes.scan import scan_csv

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    scanned = scan_csv(path, timings=out)
    result = series_from_csv(path, scanned=scanned, timings=out)
    t1 = time.perf_counter()
    assert result.path == "duckdb" and result.alliance is not None
    output = cli.build_output(result.series, result.alliance, "team_id", [], records=False)
    t2 = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for chunk in cli.json_chunks(output):
            sink.write(chunk)
    t3 = time.perf_counter()
    out["series and alliance counts, total"] = t1 - t0
    out["summaries, groups, time to wellbeing"] = t2 - t1
    out["JSON written"] = t3 - t2
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


def duckdb_plain_read(path: Path) -> tuple[float, float]:
    """Seconds for every column of the file parsed into a DuckDB table (the floor of
    reading it), and for a bare count(*) over it."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{path}', header = true)")  # noqa: S608
    table = time.perf_counter() - start
    start = time.perf_counter()
    con.execute(f"SELECT count(*) FROM read_csv('{path}', header = true)").fetchone()  # noqa: S608
    count = time.perf_counter() - start
    con.close()
    return table, count


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
    with open(path, "rb") as fh:
        rows = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 24), b"")) - 1
    print(f"file: {path.name}, {path.stat().st_size / 2**20:,.0f} MiB, {rows:,} ratings; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    trees = [("now", ROOT)] + ([("before", args.compare_with)] if args.compare_with else [])

    for label, tree in trees:
        figures = startup(tree)
        if (tree / "fokus" / "outcomes" / "scan.py").exists():
            figures["fokus outcomes --input: start to the first line of work"] = first_work(
                path, tree)
        print(f"start-up ({label}): " + ", ".join(f"{k} {v:.3f} s" for k, v in figures.items()))

    before, now, same = json_build(path)
    print(f"series JSON: records + json.dumps {before:.2f} s, by column {now:.2f} s "
          f"({before / now:.1f}x), same text: {same}")

    timed, n_series = stages(path)
    print(f"stages at {n_series:,} series: "
          + ", ".join(f"{k} {v:.2f} s" for k, v in timed.items()))
    for label, tree in trees:
        seconds = end_to_end(path, tree, args.repeat)
        versus = (f", {BASELINE / seconds:.1f}x faster than the recorded {BASELINE} s"
                  if args.ratings == 2_500_000 else "")
        print(f"end to end ({label}): fokus outcomes --input --by team_id --json "
              f"{seconds:.2f} s (median of {args.repeat}){versus}")
    table, count = duckdb_plain_read(path)
    print(f"DuckDB plain read of the same file: every column into a table {table:.2f} s, "
          f"count(*) {count:.2f} s; load average now {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
