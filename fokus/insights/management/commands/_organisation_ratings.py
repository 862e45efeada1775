"""Shared by `fokus outcomes --organisation` and `fokus export ratings`: the
organisation by name, and its ratings in the engine's form with the group
columns as text, read and logged in one transaction (ids only, no names)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pandas as pd
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Organisation
from fokus.insights.ratings_frame import first_rating_day, missing_frame, ratings_frame

# The grouping columns carried in the series and in the exported file, as text
# (as a ratings file gives them): an id as "12", no value as "".
GROUPS = ("team_id", "caseworker_id", "intervention", "rater")


def get_organisation(name: str) -> Organisation:
    try:
        return Organisation.objects.get(name=name)
    except Organisation.DoesNotExist as exc:
        known = ", ".join(repr(n) for n in Organisation.objects.order_by("name")
                          .values_list("name", flat=True)[:10])
        raise CommandError(f"no organisation named {name!r}"
                           + (f" (known: {known})" if known else "")) from exc


def as_text(column: pd.Series) -> pd.Series:
    """Group values as a ratings file has them: integers without ".0", None as ""."""
    def text(value: object) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return column.astype(object).map(text)


@dataclass
class OrganisationRatings:
    ratings: pd.DataFrame  # prepare_ratings form with GROUPS as text and "id"
    missing: pd.DataFrame  # case_id, person_id, date, reason
    first_day: datetime.date  # the first rating's day: the settings in force then apply


def read_ratings(organisation: Organisation, *, purpose: str, detail: dict,
                 instruments=None, user=None) -> OrganisationRatings:
    """The organisation's ratings and missing ratings, the read logged in its transaction.

    instruments: None for ratings_frame's default (the 0-40 scales), else a list."""
    kwargs = {} if instruments is None else {"instruments": list(instruments)}
    with transaction.atomic():
        ratings = ratings_frame(organisation.pk, **kwargs)
        missing = missing_frame(organisation.pk)
        first = first_rating_day(organisation.pk)
        record(user, AccessAction.LIST, "rating", organisation.pk, purpose=purpose,
               detail={"organisation_id": organisation.pk, "organisation": organisation.name,
                       **detail, "n_ratings": len(ratings), "n_missing": len(missing),
                       "pseudonymised": True})
    for name in GROUPS:
        ratings[name] = as_text(ratings[name])
    return OrganisationRatings(ratings, missing, first or timezone.localdate())
