"""Writes of instruments, licences, settings and ETR parameter sets: one transaction
each, with the access-log entry in it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fokus.audit.actions import record
from fokus.audit.changes import delete_logged, save_logged
from fokus.audit.models import AccessAction
from fokus.cases.models import Organisation
from fokus.instruments.models import (
    DEFAULT_SETTINGS,
    Family,
    Instrument,
    InstrumentItem,
    InstrumentLicence,
    InstrumentWording,
    ItemWording,
    OrganisationSetting,
    ParameterSet,
    ParameterSetInForce,
)


@transaction.atomic
def create_organisation(name: str, *, settings_valid_from: datetime.date,
                        user=None) -> Organisation:
    """A municipality, with the FIT settings of docs/fit-definitions.md and their provenance;
    one CREATE entry in the access log (user: who made it; None for a command)."""
    organisation = Organisation.objects.create(name=name)
    OrganisationSetting.objects.bulk_create(
        OrganisationSetting(organisation=organisation, key=key, value=value,
                            valid_from=settings_valid_from, provenance=provenance)
        for key, (value, provenance) in DEFAULT_SETTINGS.items()
    )
    record(user, AccessAction.CREATE, "organisation", organisation.pk, purpose="configuration",
           detail={"changed": ["name"], "new": {"name": name},
                   "settings": sorted(DEFAULT_SETTINGS),
                   "settings_valid_from": settings_valid_from.isoformat()})
    return organisation

# What an administrator changes (fokus.instruments.admin). Each write validates the
# row, saves it and writes its access-log entry, in one transaction.

INSTRUMENT_FIELDS = ("code", "name", "family", "measures", "item_type", "min_age", "max_age",
                     "child_version", "group_session", "in_statistics", "snomed_code", "active")
ITEM_FIELDS = ("instrument", "position", "label_da", "label_en", "min_value", "max_value",
               "step", "choices")
LICENCE_FIELDS = ("organisation", "family", "licensee", "reference", "valid_from", "valid_until",
                  "recorded_by")
WORDING_FIELDS = ("organisation", "item", "language", "label", "text", "text_other",
                  "low_anchor", "high_anchor")
INSTRUMENT_WORDING_FIELDS = ("organisation", "instrument", "language", "instruction",
                             "instruction_other")
# Licensed text is named in the log when it changes, never copied into it.
WORDING_HIDDEN = ("label", "text", "text_other", "low_anchor", "high_anchor")
INSTRUMENT_WORDING_HIDDEN = ("instruction", "instruction_other")
SETTING_FIELDS = ("organisation", "key", "value", "valid_from", "provenance")
PARAMETER_SET_FIELDS = ("organisation", "name", "source", "fitted_on", "n_series", "parameters",
                        "fit_report")
IN_FORCE_FIELDS = ("organisation", "parameter_set", "valid_from")
CONFIGURATION = "configuration"


@transaction.atomic
def save_instrument(user, instrument: Instrument) -> Instrument:
    """A new instrument, or a change of one (an instrument in use is retired by
    setting it inactive, never deleted: its ratings refer to it)."""
    return save_logged(user, instrument, object_type="instrument", fields=INSTRUMENT_FIELDS,
                       purpose=CONFIGURATION)


@transaction.atomic
def save_instrument_item(user, item: InstrumentItem) -> InstrumentItem:
    return save_logged(user, item, object_type="instrument_item", fields=ITEM_FIELDS,
                       purpose=CONFIGURATION)


@transaction.atomic
def delete_instrument_item(user, item: InstrumentItem) -> None:
    """An item no rating has answered (the answers protect it)."""
    delete_logged(user, item, object_type="instrument_item", fields=ITEM_FIELDS,
                  purpose=CONFIGURATION)


@transaction.atomic
def save_licence(user, licence: InstrumentLicence) -> InstrumentLicence:
    """Record an organisation's licence to an instrument family (the user who
    records it is kept on it), or change one."""
    if licence.pk is None:
        licence.recorded_by = user
    return save_logged(user, licence, object_type="instrument_licence", fields=LICENCE_FIELDS,
                       purpose=CONFIGURATION)


@transaction.atomic
def delete_licence(user, licence: InstrumentLicence) -> None:
    delete_logged(user, licence, object_type="instrument_licence", fields=LICENCE_FIELDS,
                  purpose=CONFIGURATION)


def check_wording(instrument: Instrument, organisation_id: int | None) -> None:
    """Wording of a licensed family (the ORS family) belongs to an organisation that has
    recorded its licence; only a free instrument's wording ships for everyone."""
    if instrument.family == Family.FREE:
        return
    if organisation_id is None:
        raise ValidationError({"organisation": [
            _("The wording of a licensed instrument is entered for an organisation, under "
              "its licence.")]})
    today = timezone.localdate()
    licensed = InstrumentLicence.objects.filter(
        organisation_id=organisation_id, family=instrument.family).exclude(
        valid_until__lt=today).exists()
    if not licensed:
        raise ValidationError(_("The organisation has no licence in force for %(family)s: "
                                "record the licence first.") % {
            "family": instrument.get_family_display()})


def check_item_wording(wording: ItemWording) -> None:
    check_wording(wording.item.instrument, wording.organisation_id)
    if wording.language not in ("da", "en") and not wording.label.strip():
        raise ValidationError({"label": [
            _("In this language the item has no short label: enter one.")]})


@transaction.atomic
def save_item_wording(user, wording: ItemWording) -> ItemWording:
    """An item's wording in a language (label, full text, the words at both ends),
    entered under the organisation's licence. The log names the change, not the
    (licensed) text."""
    check_item_wording(wording)
    return save_logged(user, wording, object_type="item_wording", fields=WORDING_FIELDS,
                       hide=WORDING_HIDDEN, purpose=CONFIGURATION)


@transaction.atomic
def delete_item_wording(user, wording: ItemWording) -> None:
    delete_logged(user, wording, object_type="item_wording", fields=WORDING_FIELDS,
                  hide=WORDING_HIDDEN, purpose=CONFIGURATION)


@transaction.atomic
def save_instrument_wording(user, wording: InstrumentWording) -> InstrumentWording:
    """An instrument's instruction in a language (with its time frame, and for someone
    rating another person), entered under the organisation's licence."""
    check_wording(wording.instrument, wording.organisation_id)
    return save_logged(user, wording, object_type="instrument_wording",
                       fields=INSTRUMENT_WORDING_FIELDS, hide=INSTRUMENT_WORDING_HIDDEN,
                       purpose=CONFIGURATION)


@transaction.atomic
def delete_instrument_wording(user, wording: InstrumentWording) -> None:
    delete_logged(user, wording, object_type="instrument_wording",
                  fields=INSTRUMENT_WORDING_FIELDS, hide=INSTRUMENT_WORDING_HIDDEN,
                  purpose=CONFIGURATION)


def is_history(valid_from: datetime.date) -> bool:
    return valid_from < timezone.localdate()


def check_valid_from(model, pk, valid_from: datetime.date | None) -> None:
    """A setting or an ETR parameter set in force is history once its day has
    passed: a report of a past date must show what was in force then. A change is
    a new row from a date (today or later); a row from before today is neither
    changed nor deleted."""
    today = timezone.localdate()
    if pk is not None:
        stored_from = model.objects.filter(pk=pk).values_list("valid_from", flat=True).first()
        if stored_from is not None and is_history(stored_from):
            raise ValidationError(
                _("This was in force from %(date)s and is kept as history. To change it, "
                  "add a new one valid from today or later.") % {"date": stored_from})
    if valid_from is not None and is_history(valid_from):
        raise ValidationError({"valid_from": [
            _("The date cannot be before today (%(today)s): a change never rewrites a past "
              "report.") % {"today": today}]})


@transaction.atomic
def save_setting(user, setting: OrganisationSetting) -> OrganisationSetting:
    """A new value of a FIT setting from its valid-from date (or a correction of
    one not yet in force)."""
    check_valid_from(OrganisationSetting, setting.pk, setting.valid_from)
    return save_logged(user, setting, object_type="fit_setting", fields=SETTING_FIELDS,
                       purpose=CONFIGURATION)


def set_setting(user, organisation: Organisation, key: str, value, *,
                valid_from: datetime.date, provenance: str = "") -> OrganisationSetting:
    """save_setting for a value given by its parts."""
    return save_setting(user, OrganisationSetting(organisation=organisation, key=key, value=value,
                                                  valid_from=valid_from, provenance=provenance))


@transaction.atomic
def delete_setting(user, setting: OrganisationSetting) -> None:
    """Withdraw a setting value that is not yet in force."""
    check_valid_from(OrganisationSetting, setting.pk, None)
    delete_logged(user, setting, object_type="fit_setting", fields=SETTING_FIELDS,
                  purpose=CONFIGURATION)


@transaction.atomic
def save_parameter_set(user, parameter_set: ParameterSet) -> ParameterSet:
    """An ETR parameter set (its parameter table and fit report are named in the
    log when they change, not copied into it)."""
    return save_logged(user, parameter_set, object_type="parameter_set",
                       fields=PARAMETER_SET_FIELDS, hide=("parameters", "fit_report"),
                       purpose=CONFIGURATION)


@transaction.atomic
def delete_parameter_set(user, parameter_set: ParameterSet) -> None:
    """A set never put in force (being in force protects it)."""
    delete_logged(user, parameter_set, object_type="parameter_set", fields=PARAMETER_SET_FIELDS,
                  hide=("parameters", "fit_report"), purpose=CONFIGURATION)


@transaction.atomic
def save_parameter_set_in_force(user, in_force: ParameterSetInForce) -> ParameterSetInForce:
    """Put an ETR parameter set in force for an organisation from a date (today or
    later), or correct such a choice before its day."""
    check_valid_from(ParameterSetInForce, in_force.pk, in_force.valid_from)
    return save_logged(user, in_force, object_type="parameter_set_in_force",
                       fields=IN_FORCE_FIELDS, purpose=CONFIGURATION)


def put_parameter_set_in_force(user, organisation: Organisation, parameter_set: ParameterSet, *,
                               valid_from: datetime.date) -> ParameterSetInForce:
    """save_parameter_set_in_force for a choice given by its parts."""
    return save_parameter_set_in_force(user, ParameterSetInForce(
        organisation=organisation, parameter_set=parameter_set, valid_from=valid_from))


@transaction.atomic
def delete_parameter_set_in_force(user, in_force: ParameterSetInForce) -> None:
    """Withdraw a choice that is not yet in force."""
    check_valid_from(ParameterSetInForce, in_force.pk, None)
    delete_logged(user, in_force, object_type="parameter_set_in_force", fields=IN_FORCE_FIELDS,
                  purpose=CONFIGURATION)
