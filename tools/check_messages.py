"""Translations are complete and compiled.

1. Every translatable string in the code is in the Danish catalogue: makemessages
   runs on a temporary copy of the source and its msgids are compared with the
   committed fokus/locale/da/LC_MESSAGES/django.po.
2. The committed .mo files are what msgfmt makes of the committed .po files.

(tests/test_translations.py then checks that every entry has a Danish text.)
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "fokus" / "locale"


def msgids(po: Path) -> set[str]:
    """The msgids of a catalogue's live entries (obsolete `#~` entries and the header left out)."""
    return {entry.msgid for entry in polib.pofile(str(po), encoding="utf-8")
            if not entry.obsolete and entry.msgid}


def main() -> int:
    problems = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        mo = po.with_suffix(".mo")
        with tempfile.TemporaryDirectory() as tmp:
            compiled = Path(tmp) / "django.mo"
            subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)],  # noqa: S603,S607
                           check=True)
            if not mo.exists() or compiled.read_bytes() != mo.read_bytes():
                problems.append(f"{mo.relative_to(ROOT)} is not the compiled {po.name}: "
                                "run `make messages` and commit the result.")

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(ROOT / "fokus", copy / "fokus",
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        shutil.copy(ROOT / "manage.py", copy / "manage.py")
        subprocess.run([sys.executable, "-m", "fokus", "makemessages", "-l", "da",  # noqa: S603
                        "--ignore", "outcomes/*", "-v", "0"],
                       cwd=copy / "fokus", check=True,
                       env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin",
                            "DATABASE_URL": "sqlite:///:memory:"})
        fresh = msgids(copy / "fokus" / "locale" / "da" / "LC_MESSAGES" / "django.po")
    committed = msgids(LOCALE / "da" / "LC_MESSAGES" / "django.po")
    missing = sorted(fresh - committed)
    if missing:
        problems.append("Strings in the code that are not in the Danish catalogue "
                        "(run `make messages`, then translate them):\n    "
                        + "\n    ".join(polib.escape(m) for m in missing))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
