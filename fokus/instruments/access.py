"""Reading instrument configuration: settings and licences in force on a date."""

import datetime
from decimal import Decimal

from fokus.instruments.models import (
    DEFAULT_SETTINGS,
    Family,
    Instrument,
    InstrumentLicence,
    OrganisationSetting,
)


def settings_in_force(organisation_id: int, on: datetime.date) -> dict[str, dict]:
    """{key: {"value": Decimal, "valid_from": date|None, "provenance": str}} on a date."""
    found: dict[str, dict] = {}
    rows = OrganisationSetting.objects.filter(
        organisation_id=organisation_id, valid_from__lte=on
    ).order_by("key", "-valid_from")
    for row in rows:
        found.setdefault(row.key, {"value": row.value, "valid_from": row.valid_from,
                                   "provenance": row.provenance})
    for key, (value, provenance) in DEFAULT_SETTINGS.items():
        found.setdefault(key, {"value": Decimal(value), "valid_from": None,
                               "provenance": f"{provenance} (built-in default)"})
    return found


def has_licence(organisation_id: int, family: str, on: datetime.date) -> bool:
    if family == Family.FREE:
        return True
    return InstrumentLicence.objects.filter(
        organisation_id=organisation_id, family=family, valid_from__lte=on
    ).exclude(valid_until__lt=on).exists()


def usable_instruments(organisation_id: int, on: datetime.date) -> list[Instrument]:
    """Active instruments the organisation may use on a date (licence in force)."""
    licensed = {f for f in Family if has_licence(organisation_id, f, on)}
    return [i for i in Instrument.objects.filter(active=True).prefetch_related("items")
            if i.family in licensed]
