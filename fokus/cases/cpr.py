"""CPR numbers, checked as the CPR office prescribes.

Ten digits whose first six are a valid birth date under the century rule of the
seventh digit. Since 2007 numbers are issued that fail the old modulus 11 check,
so a failing check digit is valid and never rejected (python-stdnum's
dk.cpr.validate does not check it either).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import dk
from stdnum.exceptions import InvalidComponent
from stdnum.exceptions import ValidationError as StdnumError


def clean_cpr(raw: str, birth_date: datetime.date | None = None) -> str:
    """Return the CPR number as 10 digits, or raise ValidationError with a clear message."""
    number = dk.cpr.compact(raw or "")
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
