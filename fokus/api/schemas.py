"""What the API answers and takes (the OpenAPI document is made from these)."""

import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema


class Error(Schema):
    code: str = Field(description="Stable, for programs: e.g. not_found, invalid, conflict.")
    message: str = Field(description="For people, in the language of Accept-Language "
                                     "(da, the default, or en).")
    errors: list[str] | None = Field(None, description="Each problem of a refused rating.")


class Page(Schema):
    count: int
    limit: int
    offset: int


class CaseOut(Schema):
    id: int
    reference: str
    team_id: int
    team: str
    opened_on: datetime.date
    closed_on: datetime.date | None
    phase: str
    family_name: str | None = Field(None, description="Only with the read_names scope.")


class CasePage(Page):
    items: list[CaseOut]


class PersonOut(Schema):
    id: int
    case_id: int
    role: str
    birth_year: int | None
    first_name: str | None = Field(None, description="Only with the read_names scope.")
    last_name: str | None = Field(None, description="Only with the read_names scope.")
    birth_date: datetime.date | None = Field(None, description="Only with read_names.")
    cpr: str | None = Field(None, description="Only with the read_cpr scope (10 digits).")


class PersonPage(Page):
    items: list[PersonOut]


class MeetingOut(Schema):
    id: int
    case_id: int
    held_on: datetime.date
    kind: str
    participant_ids: list[int]
    cancelled: bool


class MeetingPage(Page):
    items: list[MeetingOut]


class RatingOut(Schema):
    id: int
    case_id: int
    meeting_id: int | None
    instrument: str
    person_id: int
    rater_id: int
    rated_on: datetime.date
    answers: list[Decimal]
    total: Decimal
    mode: str


class RatingPage(Page):
    items: list[RatingOut]


Score = Annotated[Decimal, Field(ge=0, le=40, max_digits=4, decimal_places=1)]


class RatingIn(Schema):
    instrument: str = Field(max_length=20, description="The instrument's code, e.g. ORS.")
    person_id: int = Field(ge=1, le=2**53, description="The person rated.")
    rater_id: int = Field(ge=1, le=2**53, description="Who rated: the same for a self-rating.")
    rated_on: datetime.date = Field(ge=datetime.date(1900, 1, 1),
                                    le=datetime.date(2999, 12, 31))
    answers: list[Score] = Field(max_length=50, description="One per item, in the "
                                 "instrument's order: 0-10 with one decimal (faces 1-4).")
    total: Score | None = Field(None, description="If given, checked against the items' sum.")
    meeting_id: int | None = Field(None, ge=1, le=2**53)


class SeriesOut(Schema):
    person_id: int
    rater_id: int
    self_rating: bool
    first_instrument: str
    first_date: datetime.date
    last_date: datetime.date
    n_ratings: int
    age_group: str
    cutoff: float
    intake: float
    latest: float | None
    change: float | None
    category: str | None = Field(None, description="recovered, improved, unchanged or "
                                 "deteriorated (none with one rating)")
    signal: str | None
    met_target: bool | None


class FigureOut(Schema):
    key: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    suppressed: bool


class GroupOut(Schema):
    key: str
    label: str
    n_series: int
    suppressed: bool = Field(description="Fewer series than the minimum group size: no figures.")
    figures: list[FigureOut]


class GroupsOut(Schema):
    by: str
    min_group_size: int
    groups: list[GroupOut]
    overall: GroupOut
