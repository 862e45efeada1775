"""CPR numbers, checked as the CPR office prescribes.

Ten digits whose first six are a valid birth date under the century rule of the
seventh digit. Since 2007 numbers are issued that fail the old modulus 11 check,
so a failing check digit is valid and never rejected (python-stdnum's
dk.cpr.validate does not check it either).
"""

import datetime

from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _
from stdnum import dk
from stdnum.exceptions import InvalidComponent
from stdnum.exceptions import ValidationError as StdnumError

from fokus.lib import crypto


def clean_cpr(raw: str, birth_date: datetime.date | None = None) -> str:
    """Return the CPR number as 10 digits, or raise ValidationError with a clear message."""
    number = dk.cpr.compact(raw or "") if isinstance(raw, str | None) else ""
    try:
        dk.cpr.validate(number)
    except InvalidComponent as exc:
        raise ValidationError(
            _("The CPR number does not contain a valid birth date (DDMMYY)."), code="cpr_date"
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            _("A CPR number has 10 digits, written DDMMYY-XXXX."), code="cpr_format"
        ) from exc
    if birth_date is not None and dk.cpr.get_birth_date(number) != birth_date:
        raise ValidationError(
            _("The CPR number's birth date does not match the birth date given."),
            code="cpr_mismatch",
        )
    return number


def birth_date_from_cpr(number: str) -> datetime.date:
    return dk.cpr.get_birth_date(number)


# -- Encrypted at rest (issue 11): see fokus/lib/crypto.py and docs/cpr-encryption.md ---

def cpr_digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


class _EmptyOnlyExact(Exact):
    """`cpr=""` (no CPR number) is the one comparison an encrypted column can answer."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise FieldError("CPR numbers are encrypted: find a person by CPR number with "
                             "Person.objects.with_cpr(), not a filter on cpr")
        return super().get_prep_lookup()


class EncryptedCprField(models.CharField):
    """A CPR number, encrypted in the database and clear in Python.

    Reading gives the 10 digits (or ""); saving encrypts with the current key and sets
    the keyed hash in `lookup_field` (on save() and bulk_create(); not on a queryset's
    update(), which has no instance). The empty string stays empty: "no CPR number"."""

    description = "A CPR number, encrypted"

    def __init__(self, *args, lookup_field: str = "", **kwargs):
        self.lookup_field = lookup_field
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.lookup_field:
            kwargs["lookup_field"] = self.lookup_field
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value) if value else ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if self.lookup_field:
            digits = cpr_digits(value or "")
            setattr(model_instance, self.lookup_field,
                    crypto.lookup_hash(digits) if digits else "")
        return value

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # Django: "Unsupported lookup ... for EncryptedCprField"


def check_lookup_hashes(queryset) -> None:
    """Raise CprKeyError if a stored hash was made with another lookup key: a search
    would then miss the person silently."""
    current = f"{crypto.lookup_key_id()}:"
    stale = (queryset.model._base_manager.exclude(cpr_lookup="")
             .exclude(cpr_lookup__startswith=current))
    if stale.exists():
        raise crypto.CprKeyError(
            f"The CPR search hashes were made with another {crypto.LOOKUP_SETTING}: run "
            "`fokus rotate-cpr-key --lookup` (see docs/cpr-encryption.md)")
