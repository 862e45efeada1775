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


# Control characters (issue 11): C0 controls other than tab, LF and CR, and DEL. A NUL
# byte cannot be stored in PostgreSQL's text at all, and the others have no place in a
# name, a note or a search; they come from a paste out of another program or a probe.
CONTROL_CHARACTERS = frozenset(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C,
                                                 *range(0x0E, 0x20), 0x7F])
_CONTROL_TABLE = {ord(c): None for c in CONTROL_CHARACTERS}


def has_control_characters(text) -> bool:
    return isinstance(text, str) and len(text.translate(_CONTROL_TABLE)) != len(text)


def control_character_message() -> str:
    from django.utils.translation import gettext

    return gettext("The text contains a control character (an invisible character such as "
                   "NUL, often from a paste out of another program). Remove it and try "
                   "again. Nothing was saved.")


def no_control_characters(value) -> None:
    """A field validator: refuses text with a control character (tab, CR, LF allowed)."""
    from django.core.exceptions import ValidationError

    values = value if isinstance(value, (list, tuple)) else [value]
    if any(has_control_characters(v) for v in values):
        raise ValidationError(control_character_message(), code="control_character")


def _raw_has_control_characters(raw) -> bool:
    if isinstance(raw, (list, tuple)):
        return any(has_control_characters(v) for v in raw)
    return has_control_characters(raw)


class RefuseControlCharacters:
    """A form mixin (for a Form or a ModelForm): any field's raw input with a control
    character is refused with a message in the person's language, whatever the field
    (a choice, a number or a date as well as a text), before the form's clean() runs.
    ControlCharacterMiddleware refuses such a request before a view runs; this is the
    same rule for forms filled in code and for fields a request did not send as text."""

    def _clean_fields(self):
        super()._clean_fields()
        for name in list(self.fields):
            if _raw_has_control_characters(self[name].data):
                self._errors.pop(name, None)  # this message instead of the field's own
                self.add_error(name, control_character_message())


class FokusForm(RefuseControlCharacters, forms.Form):
    """The base of every Fokus form."""
