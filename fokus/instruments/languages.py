"""The languages a person can rate in (the family screen and a rating link).

The pages of Fokus are in Danish and English (settings.LANGUAGES). The family
screen also speaks the languages in settings.FAMILY_SCREEN_LANGUAGES: its own few
words are in partial catalogues (fokus/locale/<code>/, only FAMILY_SCREEN_WORDS,
checked by tools/check_messages.py); an instrument's wording in such a language
is entered by an administrator (InstrumentWording, ItemWording).
"""

from django.conf import settings
from django.utils.translation import get_language_bidi, gettext_noop, override

PAGE_LANGUAGES = ("da", "en")

# The family screen's own words: the msgids the partial catalogues translate.
FAMILY_SCREEN_WORDS = (
    gettext_noop("Your rating"),
    gettext_noop("Done"),
    gettext_noop("Finish"),
    gettext_noop("Next: give the tablet to %(name)s"),
    gettext_noop("Saved"),
    gettext_noop("Already saved"),
    gettext_noop("Waiting for network – kept on this device"),
    gettext_noop("Sending…"),
    gettext_noop("This could not be saved:"),
    gettext_noop("Please mark every line."),
    gettext_noop("%(value)s of 10"),
    gettext_noop("not marked yet"),
    gettext_noop("Very sad"),
    gettext_noop("Sad"),
    gettext_noop("Happy"),
    gettext_noop("Very happy"),
    gettext_noop("Thank you!"),
    gettext_noop("Please give the tablet back to the caseworker."),
    gettext_noop("Your answer goes to your caseworker. You can close this page when it says "
                 "Saved."),
    gettext_noop("How are things going for %(name)s?"),
    gettext_noop("Put a mark on each line. Left means bad, right means good."),
    gettext_noop("This screen has no wording in your language for this rating yet. You can "
                 "answer in Danish or English."),
    gettext_noop("Language"),
)

# The faces of the young child's scale by value, when a language has no names in the data.
FACE_NAMES = {1: "Very sad", 2: "Sad", 3: "Happy", 4: "Very happy"}


def family_languages() -> list[tuple[str, str]]:
    """(code, the language's name in itself), Danish first."""
    return list(settings.FAMILY_SCREEN_LANGUAGES)


def is_family_language(code) -> bool:
    return isinstance(code, str) and code in dict(settings.FAMILY_SCREEN_LANGUAGES)


def language_name(code: str) -> str:
    return dict(settings.FAMILY_SCREEN_LANGUAGES).get(code, code)


def direction(code: str) -> str:
    """"rtl" for Arabic and Farsi (Django's LANGUAGES_BIDI), else "ltr"."""
    with override(code):
        return "rtl" if get_language_bidi() else "ltr"
