"""Local expected paths: fit the ETR model form to an organisation's own closed
series (fokus.outcomes.calibration does the statistics; this module only reads
the ratings, without names, and stores the result)."""

import datetime

import pandas as pd
from django.db import transaction

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Organisation
from fokus.instruments.models import ParameterSet
from fokus.outcomes import DEFAULT_MODEL, rules
from fokus.outcomes.calibration import compare_time_scales
from fokus.outcomes.series import prepare_ratings, series_ratings
from fokus.ratings.models import Rating

AGE_SETS = {"adult": ("adult",), "youth": ("youth", "child")}


def closed_series_ratings(organisation: Organisation, user=None) -> pd.DataFrame:
    """Outcome ratings of the organisation's closed cases, ids only, in the ratings-file
    layout the engine reads (docs/fit-definitions.md section 6)."""
    with transaction.atomic():
        rows = list(
            Rating.objects.filter(case__organisation=organisation, case__closed_on__isnull=False,
                                  instrument__code__in=rules.OUTCOME_INSTRUMENTS)
            .order_by("rated_on", "id")
            .values_list("case_id", "person_id", "rater_id", "person__birth_date",
                         "person__birth_year", "instrument__code", "rated_on", "total")
        )
        record(user, AccessAction.LIST, "rating", purpose="local ETR calibration",
               detail={"organisation_id": organisation.pk, "n_ratings": len(rows),
                       "pseudonymised": True})
    frame = pd.DataFrame(rows, columns=["case_id", "person_id", "rater_id", "birth_date",
                                        "birth_year", "instrument", "date", "total"])
    # With only a birth year known, the birthday is taken as 1 July (as Person.age_on does).
    frame["birth_date"] = frame["birth_date"].where(
        frame["birth_date"].notna(),
        frame["birth_year"].map(lambda y: datetime.date(int(y), 7, 1) if pd.notna(y) else None))
    return frame.drop(columns=["birth_year"])


def calibrate(organisation: Organisation, *, age_set: str, user=None,
              holdout_fraction: float = 0.2, seed: int = 0) -> dict:
    """Fit on meeting number and on elapsed weeks; return both fits and which predicts
    held-back series better."""
    ratings = prepare_ratings(closed_series_ratings(organisation, user))
    long = series_ratings(ratings)
    long = long.loc[long["age_group"].isin(AGE_SETS[age_set])].reset_index(drop=True)
    if long["series"].nunique() < 20:
        raise ValueError(f"only {long['series'].nunique()} closed series for {age_set}: "
                         "at least 20 are needed for a fit")
    return compare_time_scales(long, age_set=age_set, holdout_fraction=holdout_fraction,
                               seed=seed)


@transaction.atomic
def store_local_parameter_set(organisation: Organisation, comparison: dict, *, age_set: str,
                              name: str, fitted_on: datetime.date, user=None) -> ParameterSet:
    """Store the meeting-number fit as a named parameter set that an administrator can
    put in force; the weeks fit and the comparison go in its fit report."""
    fit = comparison["meeting"]
    parameters = DEFAULT_MODEL.to_dict()
    parameters["name"] = name
    parameters[f"short_{age_set}"] = fit.parameter_set.to_dict()
    parameter_set = ParameterSet.objects.create(
        organisation=organisation, name=name, fitted_on=fitted_on, n_series=fit.n_series,
        source=f"Local calibration on {organisation.name}'s closed series "
               f"({age_set}; statsmodels MixedLM); other sets published (BON 2023)",
        parameters=parameters,
        fit_report={
            "age_set": age_set,
            "meeting": fit.to_dict(),
            "weeks": comparison["weeks"].to_dict(),
            "better_time_scale": comparison["better"],
            "holdout_rmse": comparison["holdout_rmse"],
            "published_holdout": comparison["published_holdout"],
        },
    )
    record(user, AccessAction.CREATE, "parameter_set", parameter_set.pk,
           purpose="local ETR calibration")
    return parameter_set
