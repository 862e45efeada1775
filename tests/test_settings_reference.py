"""Every setting Fokus reads from the environment is documented in the README's
settings table, and every variable the table documents is read by the code."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = re.compile(r"""["'](FOKUS_[A-Z0-9_]+)["']""")


def _read_by_the_code() -> set[str]:
    names = set()
    for path in (ROOT / "fokus").rglob("*.py"):
        names |= set(NAME.findall(path.read_text(encoding="utf-8")))
    return names


def _documented() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings (environment variables)", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`(FOKUS_[A-Z0-9_]+)`",
                                                          row.split("|")[1])}


def test_every_setting_the_code_reads_is_in_the_readme():
    missing = _read_by_the_code() - _documented()
    assert not missing, f"settings read by the code but not in the README's table: {missing}"


def test_every_setting_in_the_readme_is_read_by_the_code():
    unknown = _documented() - _read_by_the_code()
    assert not unknown, f"settings in the README's table that nothing reads: {unknown}"


def test_the_check_sees_the_settings_on_both_sides():
    # The two sets are not trivially equal: the code reads dozens of settings.
    assert len(_read_by_the_code()) > 30
    assert "FOKUS_PROFILE" in _documented() and "FOKUS_CPR_KEYS" in _documented()
