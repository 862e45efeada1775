"""Writes of instruments, licences, settings and ETR parameter sets: one transaction
each, with the access-log entry in it."""

import datetime

from django.db import transaction

from fokus.cases.models import Organisation
from fokus.instruments.models import DEFAULT_SETTINGS, OrganisationSetting


@transaction.atomic
def create_organisation(name: str, *, settings_valid_from: datetime.date) -> Organisation:
    """A municipality, with the FIT settings of fit-reference.md and their provenance."""
    organisation = Organisation.objects.create(name=name)
    OrganisationSetting.objects.bulk_create(
        OrganisationSetting(organisation=organisation, key=key, value=value,
                            valid_from=settings_valid_from, provenance=provenance)
        for key, (value, provenance) in DEFAULT_SETTINGS.items()
    )
    return organisation
