"""Add Danish translations to the catalogues and compile them, without makemessages.

    .venv/bin/python tools/add_danish.py words.json

words.json is either {"English msgid": "Danish text", ...} or a list of
{"msgid": ..., "da": ..., "plural": ..., "context": ...} ("da" a list of two for a
plural). A new msgid is added to the Danish catalogue with its text and to the English
one empty (English is the msgid); an existing Danish text is replaced. Both .mo files
are compiled. A file lock keeps two people running it at once from losing entries.
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "fokus" / "locale"


def entries(data) -> list[dict]:
    if isinstance(data, dict):
        return [{"msgid": k, "da": v} for k, v in data.items()]
    return data


def add(po: polib.POFile, item: dict, danish: bool) -> None:
    found = po.find(item["msgid"], msgctxt=item.get("context")) if item.get("context") \
        else po.find(item["msgid"])
    plural = item.get("plural")
    if found is None:
        found = polib.POEntry(msgid=item["msgid"], msgctxt=item.get("context"))
        if plural:
            found.msgid_plural = plural
            found.msgstr_plural = {0: "", 1: ""}
        po.append(found)
    if found.obsolete:
        found.obsolete = False
    if "fuzzy" in found.flags:
        found.flags.remove("fuzzy")
    if danish:
        if plural:
            found.msgstr_plural = {0: item["da"][0], 1: item["da"][1]}
        else:
            found.msgstr = item["da"]


def main(path: str) -> None:
    items = entries(json.loads(Path(path).read_text(encoding="utf-8")))
    with open(LOCALE / ".add_danish.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for language in ("da", "en"):
            po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
            po = polib.pofile(str(po_path), encoding="utf-8", wrapwidth=79)
            for item in items:
                add(po, item, danish=language == "da")
            po.save(str(po_path))
            # gettext's own line wrapping, as makemessages writes it: small diffs.
            subprocess.run(["msgcat", "-o", str(po_path), str(po_path)], check=True)  # noqa: S603, S607
            subprocess.run(["msgfmt", "--check-format", "-o",  # noqa: S603, S607
                            str(po_path.with_suffix(".mo")), str(po_path)], check=True)
    print(f"{len(items)} entries in fokus/locale/da and en, compiled")


if __name__ == "__main__":
    main(sys.argv[1])
