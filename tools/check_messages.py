"""Translations are complete and compiled.

1. Every translatable string in the code is in the Danish catalogue: makemessages
   runs on a temporary copy of the source and its msgids are compared with the
   committed fokus/locale/da/LC_MESSAGES/django.po.
2. The committed .mo files are what msgfmt makes of the committed .po files.
3. The family screen's other languages (settings.FAMILY_SCREEN_LANGUAGES beyond
   Danish and English) have partial catalogues: exactly the family screen's words
   (fokus.instruments.languages.FAMILY_SCREEN_WORDS), each translated, not fuzzy,
   with its placeholders kept, and the catalogue's header says it awaits review by a
   native speaker until that is done (docs/translations.md). The words themselves
   must be in the Danish catalogue (they are strings of the code).

(tests/test_translations.py then checks that every entry has a Danish text.)
"""

import ast
import re
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


PAGE_LANGUAGES = {"da", "en"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _literal(path: Path, name: str):
    """A module-level literal of a source file, read without importing Django."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name
                                                for t in node.targets):
            value = node.value
            if isinstance(value, ast.Tuple | ast.List):  # gettext_noop("...") items
                return [ast.literal_eval(e.args[0] if isinstance(e, ast.Call) else e)
                        for e in value.elts]
            return ast.literal_eval(value)
    raise LookupError(f"{name} not found in {path}")


def family_screen_words() -> list[str]:
    return _literal(ROOT / "fokus" / "instruments" / "languages.py", "FAMILY_SCREEN_WORDS")


def family_screen_languages() -> list[str]:
    return [code for code, _name in _literal(ROOT / "fokus" / "settings.py",
                                              "FAMILY_SCREEN_LANGUAGES")]


def check_partial_catalogues(words, languages, danish: set[str]) -> list[str]:
    """The family screen's catalogues beyond Danish and English: its words, no others."""
    problems = []
    wanted = set(words)
    for word in sorted(wanted - danish):
        problems.append(f"A family-screen word is not in the Danish catalogue: {word!r}")
    for code in languages:
        if code in PAGE_LANGUAGES:
            continue
        po = LOCALE / code / "LC_MESSAGES" / "django.po"
        if not po.exists():
            problems.append(f"{po.relative_to(ROOT)} is missing: the family screen speaks "
                            f"{code!r} (settings.FAMILY_SCREEN_LANGUAGES).")
            continue
        catalogue = polib.pofile(str(po), encoding="utf-8")
        if "review" not in (catalogue.header or "").lower():
            problems.append(f"{po.relative_to(ROOT)}: the header does not say whether the "
                            "translation was reviewed by a native speaker.")
        entries = {e.msgid: e for e in catalogue if not e.obsolete and e.msgid}
        for word in sorted(wanted - set(entries)):
            problems.append(f"{po.relative_to(ROOT)}: the family-screen word {word!r} "
                            "is missing.")
        for msgid in sorted(set(entries) - wanted):
            problems.append(f"{po.relative_to(ROOT)}: {msgid!r} is not a family-screen word "
                            "(a partial catalogue has only FAMILY_SCREEN_WORDS).")
        for msgid in sorted(wanted & set(entries)):
            entry = entries[msgid]
            if entry.fuzzy or not entry.msgstr:
                problems.append(f"{po.relative_to(ROOT)}: {msgid!r} is not translated.")
            elif set(PLACEHOLDER.findall(entry.msgstr)) != set(PLACEHOLDER.findall(msgid)):
                problems.append(f"{po.relative_to(ROOT)}: {msgid!r} does not keep its "
                                "placeholders.")
    return problems


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
    problems += check_partial_catalogues(family_screen_words(), family_screen_languages(),
                                         committed)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
