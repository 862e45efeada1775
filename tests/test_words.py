"""Numbers, dates, plurals and possessives in the reader's language (fokus.lib.words),
and the family screen's words for its lines (decimal mark, no answer yet)."""

import datetime
from decimal import Decimal

from django.utils import translation

from fokus.lib.words import (
    count_ratings,
    decimal_mark,
    format_date,
    format_score,
    possessive,
    ratings_of,
)
from fokus.ratings.kiosk import screen_strings

DAY = datetime.date(2026, 11, 26)


def test_a_score_has_the_languages_decimal_mark():
    assert format_score(Decimal("7.5"), "da") == "7,5"
    assert format_score("7.5", "en") == "7.5"
    assert format_score(Decimal("8.95"), "da") == "9,0"  # Decimal rounding, half even
    assert format_score(Decimal("8.85"), "da") == "8,8"
    assert format_score(10, "da") == "10,0"
    assert format_score(Decimal("32.4"), "da", places=0) == "32"
    assert format_score(None, "da") == ""
    assert [decimal_mark(code) for code in ("da", "en", "tr", "pl", "uk", "ar", "fa", "so")] == [
        ",", ".", ",", ",", ",", ".", ".", "."]
    with translation.override("da"):
        assert format_score("4.2") == "4,2"
    with translation.override("en"):
        assert format_score("4.2") == "4.2"


def test_dates_follow_the_language_and_english_is_not_in_the_us_order():
    assert format_date(DAY, "da") == "26.11.2026"
    assert format_date(DAY, "da", "long") == "26. november 2026"
    assert format_date(DAY, "en") == "26 Nov 2026"
    assert format_date(DAY, "en", "long") == "26 November 2026"
    assert format_date(datetime.date(2026, 3, 4), "en") == "4 Mar 2026"
    with translation.override("en"):
        assert format_date(DAY) == "26 Nov 2026"
    with translation.override("da"):
        assert format_date(DAY, length="long") == "26. november 2026"


def test_one_rating_and_several_ratings():
    assert [count_ratings(n, "da") for n in (0, 1, 2, 21)] == [
        "0 scoringer", "1 scoring", "2 scoringer", "21 scoringer"]
    assert [count_ratings(n, "en") for n in (0, 1, 2)] == ["0 ratings", "1 rating", "2 ratings"]


def test_a_danish_possessive_after_s_x_or_z_is_only_an_apostrophe():
    assert [possessive(name, "da") for name in ("Elias", "Mads", "Max", "Liz", "Sara", "Ahmed")] == [
        "Elias'", "Mads'", "Max'", "Liz'", "Saras", "Ahmeds"]
    assert possessive("JONAS", "da") == "JONAS'"
    assert [possessive(name, "en") for name in ("Elias", "Sara")] == ["Elias's", "Sara's"]
    assert ratings_of("Elias", "da") == "Elias' scoringer"
    assert ratings_of("Sara", "da") == "Saras scoringer"
    assert ratings_of("Elias", "en") == "Elias's ratings"
    with translation.override("da"):
        assert ratings_of("Mads") == "Mads' scoringer"


def test_the_family_screen_reads_a_line_with_the_persons_decimal_mark():
    danish, english = screen_strings("da"), screen_strings("en")
    assert (danish["decimal"], english["decimal"]) == (",", ".")
    assert danish["valuetext"].replace("%(value)s", "8,9") == "8,9 af 10"
    assert danish["notSet"] == "ikke markeret endnu"
    assert screen_strings("ar")["decimal"] == "."


def test_english_pages_write_dates_day_first_with_fokus_formats():
    """settings.FORMAT_MODULE_PATH = "fokus.lib.formats": Django's |date on an English page
    is no longer American; Danish keeps Django's own Danish formats."""
    from django.test import override_settings
    from django.utils.formats import date_format, reset_format_cache

    # Django forgets its cached formats when a format setting changes, but not when
    # FORMAT_MODULE_PATH does: forget them here, before and after.
    reset_format_cache()
    with override_settings(FORMAT_MODULE_PATH="fokus.lib.formats"):
        with translation.override("en"):
            assert date_format(DAY) == "26 November 2026"
            assert date_format(DAY, "SHORT_DATE_FORMAT") == "26/11/2026"
            assert date_format(datetime.datetime(2026, 11, 26, 14, 5, tzinfo=datetime.UTC), "DATETIME_FORMAT") == (
                "26 November 2026, 14:05")
        with translation.override("da"):
            assert date_format(DAY) == "26. november 2026"
            assert date_format(DAY, "SHORT_DATE_FORMAT") == "26.11.2026"
    reset_format_cache()
