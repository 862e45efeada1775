"""The family screen's own words in its other languages: partial catalogues, checked by
tools/check_messages.py, each marked as awaiting a native speaker's review."""

import importlib.util
from pathlib import Path

from django.conf import settings
from django.utils import translation

from fokus.instruments.languages import FAMILY_SCREEN_WORDS, direction

ROOT = Path(__file__).resolve().parents[1]


def _check_messages():
    spec = importlib.util.spec_from_file_location("check_messages",
                                                  ROOT / "tools" / "check_messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_family_screen_speaks_eight_languages_and_the_pages_two():
    assert [code for code, _ in settings.FAMILY_SCREEN_LANGUAGES] == [
        "da", "en", "ar", "tr", "pl", "uk", "so", "fa"]
    assert [code for code, _ in settings.LANGUAGES] == ["da", "en"]
    assert {code: direction(code) for code in ("ar", "fa", "tr", "da")} == {
        "ar": "rtl", "fa": "rtl", "tr": "ltr", "da": "ltr"}


def test_the_partial_catalogues_are_complete_and_the_check_reads_them():
    check = _check_messages()
    assert check.family_screen_words() == list(FAMILY_SCREEN_WORDS)
    assert check.family_screen_languages() == [c for c, _ in settings.FAMILY_SCREEN_LANGUAGES]
    danish = check.msgids(ROOT / "fokus" / "locale" / "da" / "LC_MESSAGES" / "django.po")
    assert check.check_partial_catalogues(FAMILY_SCREEN_WORDS,
                                          check.family_screen_languages(), danish) == []


def test_the_check_finds_a_missing_word_and_a_missing_catalogue():
    check = _check_messages()
    danish = check.msgids(ROOT / "fokus" / "locale" / "da" / "LC_MESSAGES" / "django.po")
    problems = check.check_partial_catalogues(list(FAMILY_SCREEN_WORDS) + ["Not a word yet"],
                                              ["da", "ar", "xx"], danish)
    assert any("'Not a word yet'" in p and "Danish catalogue" in p for p in problems)
    assert any("ar/LC_MESSAGES/django.po: the family-screen word 'Not a word yet'" in p
               for p in problems)
    assert any("xx/LC_MESSAGES/django.po is missing" in p for p in problems)
    # A catalogue with a word the family screen does not have is also refused.
    problems = check.check_partial_catalogues(list(FAMILY_SCREEN_WORDS)[1:], ["tr"], danish)
    assert any("'Your rating' is not a family-screen word" in p for p in problems)


def test_every_catalogue_says_it_awaits_a_native_speakers_review():
    for code in ("ar", "tr", "pl", "uk", "so", "fa"):
        header = (ROOT / "fokus" / "locale" / code / "LC_MESSAGES" / "django.po").read_text()
        assert "awaiting review by a native speaker" in header


def test_the_words_are_translated_at_run_time():
    expected = {"ar": "تم الحفظ", "tr": "Kaydedildi", "pl": "Zapisano", "uk": "Збережено",
                "so": "Waa la keydiyey", "fa": "ذخیره شد"}
    for code, saved in expected.items():
        with translation.override(code):
            assert translation.gettext("Saved") == saved
            assert "%(name)s" in translation.gettext("Next: give the tablet to %(name)s")
