"""Say plainly which database engines and which browser the suite ran against,
and how many tests ran on each. A skipped test is a failure of the suite."""

import subprocess
import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own pytest output
from pathlib import Path

artifacts = Path(sys.argv[1])


def count(path: Path) -> dict:
    tree = ET.parse(path)  # noqa: S314 - our own pytest output
    result = {"tests": 0, "failed": 0, "skipped": 0, "browser": 0}
    for case in tree.iter("testcase"):
        result["tests"] += 1
        if case.find("failure") is not None or case.find("error") is not None:
            result["failed"] += 1
        elif case.find("skipped") is not None:
            result["skipped"] += 1
        if "browser" in (case.get("classname") or ""):
            result["browser"] += 1
    return result


def chromium_version() -> str:
    try:
        out = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True,  # noqa: S603
                             timeout=30, check=False).stdout.strip()
    except OSError:
        return "Chromium (version unknown)"
    return out or "Chromium (version unknown)"


sqlite = count(artifacts / "sqlite.xml")
lines = ["", "Test summary",
         f"  SQLite (embedded default): {sqlite['tests']} tests, "
         f"{sqlite['tests'] - sqlite['failed'] - sqlite['skipped']} passed, "
         f"of them {sqlite['browser']} in the browser: {chromium_version()} via Playwright"]
totals = dict(sqlite)
if (artifacts / "postgres.xml").exists():
    pg = count(artifacts / "postgres.xml")
    version = (artifacts / "postgres-version.txt").read_text().strip()
    lines.append(f"  PostgreSQL {version}: {pg['tests']} tests, "
                 f"{pg['tests'] - pg['failed'] - pg['skipped']} passed")
    for key in ("tests", "failed", "skipped"):
        totals[key] += pg[key]
else:
    lines.append("  PostgreSQL: NOT RUN (skipped on request)")
if (artifacts / "container.xml").exists():
    image = count(artifacts / "container.xml")
    lines.append(f"  Container image (deploy/Containerfile): {image['tests']} tests, "
                 f"{image['tests'] - image['failed'] - image['skipped']} passed")
    for key in ("tests", "failed", "skipped"):
        totals[key] += image[key]
else:
    lines.append("  Container image: NOT built (no container runtime answers on this machine)")
passed = totals["tests"] - totals["failed"] - totals["skipped"]
print("\n".join(lines))
if totals["skipped"]:
    print(f"  {totals['skipped']} tests were skipped: a skipped check is a defect.")
print(f"total: {passed} passed, {totals['failed'] + totals['skipped']} failed")
sys.exit(1 if totals["failed"] or totals["skipped"] or sqlite["browser"] == 0 else 0)
