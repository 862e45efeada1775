"""The benchmark municipality: generated with COPY into PostgreSQL, consistent, and
read by the engine like any other organisation's ratings."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from fokus.cases.models import Case, Organisation, Person
from fokus.demo.municipality import NeedsPostgres, generate_municipality
from fokus.insights.ratings_frame import ratings_frame
from fokus.outcomes import build_series, rules
from fokus.ratings.models import Rating, RatingAnswer

pytestmark = pytest.mark.postgres


@pytest.fixture
def seeded(db):
    from django.apps import apps

    from fokus.instruments.definitions import seed
    from fokus.instruments.models import Instrument

    if not Instrument.objects.exists():
        seed(apps)


def test_a_small_municipality_is_whole_and_readable_by_the_engine(seeded):
    summary = generate_municipality(cases=30, teams=3, seed=1, name="Testby")
    org = Organisation.objects.get(name="Testby")
    assert Case.objects.filter(organisation=org).count() == summary.cases == 30
    ratings = Rating.objects.filter(case__organisation=org)
    assert ratings.count() == summary.ratings > 30 * 10
    assert RatingAnswer.objects.filter(rating__case__organisation=org).count() == summary.answers
    # Every rating is of a person of its own case, on a meeting of that case.
    assert not ratings.exclude(person__case=F("case")).exists()
    assert not ratings.exclude(meeting__case=F("case")).exists()
    # A total is the sum of its items, as for a rating taken on the tablet.
    for rating in ratings.filter(instrument__code__in=rules.OUTCOME_INSTRUMENTS)[:50]:
        assert sum(a.value for a in rating.answers.all()) == rating.total
    # The sequences were moved on: the next row made through the ORM gets a free id.
    case = Case.objects.filter(organisation=org).first()
    Person.objects.create(case=case, first_name="Ny", role="child", birth_year=2015)
    series = build_series(ratings_frame(org.pk))
    assert len(series) > 30
    assert set(series["signal"]) <= set(rules.COLOURS)


def test_the_command_refuses_sqlite(seeded, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(NeedsPostgres):
        generate_municipality(cases=1)
    with pytest.raises(CommandError):
        call_command("demo-municipality", "--cases", "1")
