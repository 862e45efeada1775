"""Every string a person sees has Danish text, and placeholders are named."""

import re
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "fokus" / "locale" / "da" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _entries() -> list[polib.POEntry]:
    """The catalogue's live entries: obsolete (`#~`) entries and the header left out."""
    return [entry for entry in polib.pofile(str(PO), encoding="utf-8")
            if not entry.obsolete and entry.msgid]


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return list(entry.msgstr_plural.values())
    return [entry.msgstr]


def test_every_string_is_translated_to_danish():
    untranslated = [entry.msgid for entry in _entries()
                    if entry.fuzzy or not any(_translations(entry))]
    assert untranslated == []


def test_placeholders_are_named_and_kept_in_the_translation():
    for entry in _entries():
        msgid = entry.msgid
        assert not re.search(r"%[sd]", msgid.replace("%%", "")), f"unnamed placeholder: {msgid}"
        wanted = set(PLACEHOLDER.findall(msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural))
        for value in _translations(entry):
            if value:
                assert set(PLACEHOLDER.findall(value)) <= wanted, msgid


def test_a_language_barrier_is_not_the_language_switch():
    """The same English word, two Danish ones: the reason someone did not rate has its
    own context (pgettext), so it reads "Sprogbarriere", while the switch stays "Sprog"."""
    from django.utils import translation

    from fokus.ratings.models import MissingReason

    with translation.override("da"):
        assert str(MissingReason.LANGUAGE.label) == "Sprogbarriere"
        assert translation.gettext("Language") == "Sprog"
