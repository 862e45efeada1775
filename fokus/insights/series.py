"""The case's ratings as series, for presentation: one outcome series per (person
rated, rater), one alliance series per rater, and the young child's faces apart,
with the settings in force at the series' intake. Every FIT rule (age groups,
cutoffs, which scale an instrument belongs to) comes from fokus.outcomes.rules.

Works on a case fetched through fokus.cases.access.get_case_detail_for_user (its
people, meetings, ratings and missing ratings are prefetched): no further reads
of personal data happen here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from fokus.instruments.access import etr_model_in_force, settings_in_force
from fokus.instruments.models import OrganisationSetting, ParameterSetInForce
from fokus.outcomes import EtrModel, OutcomeSettings, rules


@dataclass
class Point:
    day: datetime.date
    total: float
    meeting_id: int | None = None


@dataclass
class Series:
    key: str
    person_id: int
    rater_id: int
    person_name: str
    rater_name: str
    person_role: str
    rater_role: str
    measures: str  # rules.OUTCOME or rules.ALLIANCE
    instruments: list[str]
    age_group: str  # adult / youth / child (age of the person rated at intake)
    cutoff: float | None  # None on the faces, which have no cutoff
    points: list[Point] = field(default_factory=list)
    kind: str = rules.LINES  # lines (0-40) or faces (1-4)

    @property
    def is_faces(self) -> bool:
        return self.kind == rules.FACES

    @property
    def in_statistics(self) -> bool:
        return not self.is_faces

    @property
    def is_self(self) -> bool:
        return self.person_id == self.rater_id

    def label(self, lang: str = "en") -> str:
        if self.is_self or self.measures == rules.ALLIANCE:
            return self.rater_name
        with translation.override(lang):
            return _("%(rater)s about %(person)s") % {"rater": self.rater_name,
                                                      "person": self.person_name}

    @property
    def scores(self) -> list[float]:
        return [p.total for p in self.points]

    @property
    def intake(self) -> float:
        return self.points[0].total

    @property
    def last(self) -> float:
        return self.points[-1].total

    @property
    def etr_group(self) -> str:
        return rules.etr_group(self.age_group)


@dataclass
class CaseData:
    outcome: list[Series]   # 0-40 outcome lines (ORS, CORS)
    alliance: list[Series]  # 0-40 alliance lines (SRS, CSRS, GSRS, CGSRS)
    meetings: list  # cases.Meeting held (not cancelled), in date order
    missing: list  # ratings.MissingRating
    settings: OutcomeSettings
    model: EtrModel  # the ETR parameter sets in force
    person_order: list[int]
    names: dict[int, str]
    faces: list[Series] = field(default_factory=list)  # YCORS, YCSRS: 1-4, never on 0-40

    @property
    def has_ratings(self) -> bool:
        return bool(self.outcome or self.alliance or self.faces)


def age_group_on(person, day: datetime.date) -> str:
    return rules.age_group(person.age_on(day))


def outcome_settings(organisation_id: int, on: datetime.date) -> OutcomeSettings:
    """The organisation's settings in force on a date, in the outcomes engine's form."""
    found = settings_in_force(organisation_id, on)

    def value(key: str) -> float:
        return float(Decimal(found[key]["value"]))

    return OutcomeSettings(
        name="settings in force", valid_from=on,
        cutoff_adult=value("cutoff_adult"), cutoff_youth=value("cutoff_youth"),
        cutoff_child=value("cutoff_child"), cutoff_carer_child=value("cutoff_carer_child"),
        reliable_change=value("reliable_change"), sd_adult=value("sd_adult"),
        sd_youth=value("sd_youth"), srs_cutoff=value("srs_cutoff"), srs_drop=value("srs_drop"),
        etr_ceiling=value("etr_ceiling"),
    )


def settings_and_model(organisation_id: int, on: datetime.date) -> tuple[OutcomeSettings, EtrModel]:
    """The settings and the ETR parameter sets in force for an organisation on a date."""
    return outcome_settings(organisation_id, on), etr_model_in_force(organisation_id, on)


def case_series(case, *, on: datetime.date | None = None, in_force=settings_and_model) -> CaseData:
    """All series of a (prefetched) case, in a stable order: people as listed in
    the case, self-ratings before ratings by others. `in_force(organisation_id, day)`
    gives the settings and ETR sets; a list of many cases passes a memo of it."""
    persons = list(case.persons.all())
    order = {p.pk: i for i, p in enumerate(persons)}
    ratings = sorted(case.ratings.all(), key=lambda r: (r.rated_on, r.pk))
    first_day = ratings[0].rated_on if ratings else (on or case.opened_on)
    # Settings and ETR sets are those in force at the case's first rating, so a later
    # change of settings does not rewrite a running case's graph.
    s, model = in_force(case.organisation_id, first_day)
    by_key: dict[tuple, Series] = {}
    for r in ratings:
        scale = rules.series_scale_key(r.instrument.code)
        if scale is None:  # not of the ORS family (e.g. WHO-5): no FIT series
            continue
        measures, kind = scale
        key = (measures, kind, r.person_id, r.rater_id)
        series = by_key.get(key)
        if series is None:
            group = age_group_on(r.person, r.rated_on)
            is_self = r.person_id == r.rater_id
            if kind == rules.FACES:
                cut = None
            elif measures == rules.ALLIANCE:
                cut = s.srs_cutoff
            else:
                cut = rules.cutoff(group, is_self, s)
            series = by_key[key] = Series(
                key=f"{measures}-{r.person_id}-{r.rater_id}"
                    + ("-faces" if kind == rules.FACES else ""),
                person_id=r.person_id,
                rater_id=r.rater_id, person_name=r.person.first_name,
                rater_name=r.rater.first_name, person_role=r.person.role,
                rater_role=r.rater.role, measures=measures, instruments=[],
                age_group=group, cutoff=cut, kind=kind,
            )
        if r.instrument.code not in series.instruments:
            series.instruments.append(r.instrument.code)
        series.points.append(Point(r.rated_on, float(r.total), r.meeting_id))

    def sort_key(x: Series):
        return (order.get(x.person_id, 0), x.rater_id != x.person_id, order.get(x.rater_id, 0))

    series_list = sorted(by_key.values(), key=sort_key)
    return CaseData(
        outcome=[x for x in series_list if x.measures == rules.OUTCOME and not x.is_faces],
        alliance=[x for x in series_list if x.measures == rules.ALLIANCE and not x.is_faces],
        faces=[x for x in series_list if x.is_faces],
        meetings=sorted(case.meetings.held(), key=lambda m: (m.held_on, m.pk)),
        missing=list(case.missing_ratings.all()),
        settings=s,
        model=model,
        person_order=[p.pk for p in persons],
        names={p.pk: p.first_name for p in persons},
    )


def in_force_memo(organisation_ids: set[int]):
    """An `in_force` lookup for case_series over many cases: the settings and ETR sets
    read once per period in which nothing changed (two queries for the dates of change,
    then one lookup per period actually used), not once per case."""
    changes: dict[int, tuple[list, list]] = {o: ([], []) for o in organisation_ids}
    for org, day in OrganisationSetting.objects.filter(
            organisation_id__in=organisation_ids).values_list("organisation_id", "valid_from"):
        changes[org][0].append(day)
    for org, day in ParameterSetInForce.objects.filter(
            organisation_id__in=organisation_ids).values_list("organisation_id", "valid_from"):
        changes[org][1].append(day)
    memo: dict[tuple, tuple] = {}

    def in_force(organisation_id: int, on: datetime.date):
        settings_days, set_days = changes.get(organisation_id, ([], []))
        key = (organisation_id, max((d for d in settings_days if d <= on), default=None),
               max((d for d in set_days if d <= on), default=None))
        if key not in memo:
            memo[key] = settings_and_model(organisation_id, on)
        return memo[key]
    return in_force
