"""Reading instrument configuration: settings and licences in force on a date."""

import datetime
from decimal import Decimal

from fokus.instruments.models import (
    DEFAULT_SETTINGS,
    Family,
    Instrument,
    InstrumentLicence,
    OrganisationSetting,
    ParameterSetInForce,
)
from fokus.outcomes.etr import DEFAULT_MODEL, EtrModel, EtrParameterSet


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


def etr_model_in_force(organisation_id: int, on: datetime.date) -> EtrModel:
    """The ETR parameter sets in force for an organisation on a date: the set an
    administrator put in force (ParameterSetInForce), or the published sets."""
    chosen = (ParameterSetInForce.objects.filter(organisation_id=organisation_id,
                                                 valid_from__lte=on)
              .select_related("parameter_set").order_by("-valid_from").first())
    if chosen is None:
        return DEFAULT_MODEL
    return etr_model_from_parameters(chosen.parameter_set.parameters,
                                     name=chosen.parameter_set.name, valid_from=chosen.valid_from)


def etr_model_from_parameters(parameters: dict, *, name: str,
                              valid_from: datetime.date | None = None) -> EtrModel:
    """An EtrModel from a ParameterSet's stored parameters (EtrModel.to_dict layout);
    a set it does not name is the published one."""
    sets = {key: EtrParameterSet.from_dict(parameters[key]) if key in parameters
            else getattr(DEFAULT_MODEL, key)
            for key in ("short_adult", "short_youth", "long_adult", "long_youth")}
    return EtrModel(name=name, valid_from=valid_from,
                    short_term_max=int(parameters.get("short_term_max",
                                                      DEFAULT_MODEL.short_term_max)), **sets)
