from django.utils.translation import get_language


def current_language() -> str:
    """"da" or "en": the language the page is being written in (Danish by default)."""
    return "en" if (get_language() or "da").startswith("en") else "da"
