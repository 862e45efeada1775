from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker; it only understands ISO dates, whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def parse_id(raw) -> int:
    """An id from a URL or a form; -1 (matches nothing) for anything that is not one."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        return -1
