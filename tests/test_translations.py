"""Every string a person sees has Danish text, and placeholders are named."""

import ast
import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "fokus" / "locale" / "da" / "LC_MESSAGES" / "django.po"


def _entries():
    text = PO.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            yield fields, fuzzy


def test_every_string_is_translated_to_danish():
    untranslated = [f["msgid"] for f, fuzzy in _entries()
                    if fuzzy or not any(v for k, v in f.items() if k.startswith("msgstr"))]
    assert untranslated == []


def test_placeholders_are_named_and_kept_in_the_translation():
    for fields, _fuzzy in _entries():
        msgid = fields["msgid"]
        assert not re.search(r"%[sd]", msgid.replace("%%", "")), f"unnamed placeholder: {msgid}"
        wanted = set(re.findall(r"%\((\w+)\)s", msgid))
        for key, value in fields.items():
            if key.startswith("msgstr") and value:
                assert set(re.findall(r"%\((\w+)\)s", value)) <= wanted | set(
                    re.findall(r"%\((\w+)\)s", fields.get("msgid_plural", ""))), msgid
