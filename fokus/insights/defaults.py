"""Fokus's own default conversation prompts (written for Fokus, inspired by the
FIT way of talking with a family about its graph; no licensed text). An
administrator edits them in the admin. The English text is the message id; the
Danish is in the translation catalogue (one catalogue for all Danish text)."""

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

DEFAULT_PROMPTS = {
    "not_on_track": _(
        "The line is below what we expected. Ask: What would it take for you to notice a "
        "small difference? Is what we are doing the right thing for you, or should we try "
        "something else?"),
    "deterioration": _(
        "Things have gone clearly down since the start. Ask: What has happened since last "
        "time? What has made it harder? Should we change something in the support, or "
        "bring in someone else?"),
    "low_alliance": _(
        "The meeting was rated low. Thank them for being honest, and ask: What could I do "
        "differently next time? Did we talk about what matters most to you?"),
    "falling_alliance": _(
        "The meeting was rated lower than last time. Ask: What was different today? Was "
        "something not right for you: the pace, the topics, or the way we talked?"),
    "no_rating": _(
        "There are no ratings from the last meetings. Ask: Does the form make sense to "
        "you? Is there another way or another time that would make it easier to answer?"),
    "raters_disagree": _(
        "You see things differently. Show the lines and ask: What do you see that the "
        "other does not? What would need to happen for both of you to notice a change?"),
    "no_change": _(
        "Not much is changing. Ask: What have we tried that has not helped? Who or what "
        "could make a difference? Is it time to try something quite different?"),
    "faces_sad": _(
        "The child chose a sad face. Ask the child in its own words: What makes you sad? "
        "What was good this week? Talk with the parents about what they see."),
}


def default_prompt(kind: str, language: str) -> str:
    """A default prompt in a language (Danish or English), from the catalogue."""
    text = DEFAULT_PROMPTS.get(kind)
    if not text:
        return ""
    with translation.override(language):
        return gettext(text)
