"""Numbers, dates, plurals and possessives in the language a person reads.

Small helpers for the pages and the family screen: a score with the language's
decimal mark ("7,5" in Danish), a date in the language's own order (never the
US order on an English page), "1 scoring" / "2 scoringer" through ngettext, and
a name's possessive ("Elias' scoringer" in Danish, "Elias's ratings" in English).
"""

import datetime
from decimal import Decimal

from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from fokus.lib.i18n import current_language

# The decimal mark by language; a point where not listed. Arabic, Farsi and Somali on the
# family screen use Western digits with a point (what the screen's tests read).
DECIMAL_MARKS = {"da": ",", "tr": ",", "pl": ",", "uk": ","}

# Django's own English date formats are American ("Nov. 26, 2026"): Fokus writes the day first.
DATE_FORMATS = {
    "da": {"short": "d.m.Y", "long": "j. F Y"},
    "en": {"short": "j M Y", "long": "j F Y"},
}


def decimal_mark(language: str | None = None) -> str:
    return DECIMAL_MARKS.get(language or current_language(), ".")


def format_score(value, language: str | None = None, places: int = 1) -> str:
    """A score as the person reads it: 7.5 → "7,5" in Danish, "7.5" in English.
    Decimal or a string in, never binary floating point for the rounding."""
    if value is None:
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = f"{number.quantize(Decimal(1).scaleb(-places)):f}" if places else f"{number:.0f}"
    return text.replace(".", decimal_mark(language))


def format_date(day: datetime.date, language: str | None = None, length: str = "short") -> str:
    """A date in the page's language: "26.11.2026" / "26. november 2026" in Danish,
    "26 Nov 2026" / "26 November 2026" in English (day first, not the US order)."""
    language = language if language in DATE_FORMATS else current_language()
    with override(language):
        return dateformat.format(day, DATE_FORMATS[language][length])


def possessive(name: str, language: str | None = None) -> str:
    """A name's possessive: Danish adds s, or only an apostrophe after s, x or z
    ("Saras", "Elias'", "Max'"); English adds 's ("Sara's", "Elias's")."""
    language = language or current_language()
    if language == "da":
        return f"{name}'" if name[-1:].lower() in ("s", "x", "z") else f"{name}s"
    return f"{name}'s"


def count_ratings(count: int, language: str | None = None) -> str:
    """ "1 scoring", "2 scoringer" (ngettext: the language's own plural rule)."""
    with override(language or current_language()):
        return ngettext("%(count)s rating", "%(count)s ratings", count) % {"count": count}


def ratings_of(name: str, language: str | None = None) -> str:
    """ "Elias' scoringer", "Sara's ratings"."""
    language = language or current_language()
    with override(language):
        return _("%(whose)s ratings") % {"whose": possessive(name, language)}
