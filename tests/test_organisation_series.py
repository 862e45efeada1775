"""The organisation's series kept between reads: never older than the newest rating,
rebuilt for the changed cases alone, and then equal to a rebuild from scratch."""

import datetime
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone

from fokus.cases import actions as case_actions
from fokus.insights.organisation_series import forget, organisation_series
from fokus.instruments.models import Instrument
from fokus.ratings.models import Rating
from tests.conftest import years_ago

pytestmark = pytest.mark.django_db


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def split(total: float) -> list[Decimal]:
    """Four item scores (one decimal each) adding up to the total."""
    part = Decimal(str(round(total / 4, 1)))
    return [part] * 3 + [Decimal(str(total)) - 3 * part]


def rate_child(world, child, totals, start=150):
    for k, total in enumerate(totals):
        world.rate(child, "CORS", split(total), on=ago(start - 21 * k), user=world.anna)


def new_child_case(world, name, totals, team=None):
    case = case_actions.create_case(world.anna, team=team or world.team_nord, reference=name,
                                    family_name=f"Familien {name}", caseworkers=[world.anna],
                                    opened_on=ago(200), phase="support")
    case_actions.add_intervention(world.anna, case, type="bl32_2", start=ago(190))
    child = case_actions.add_person(world.anna, case, first_name=name, role="child",
                                    birth_date=years_ago(10))
    rate_child(world, child, totals)
    return case, child


def same_frames(a: pd.DataFrame, b: pd.DataFrame) -> None:
    key = ["case_id", "person_id", "rater_id", "first_instrument"]
    a = a.sort_values(key).reset_index(drop=True)
    b = b.sort_values(key).reset_index(drop=True)[a.columns]
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_a_new_rating_rebuilds_only_its_case_and_equals_a_full_rebuild(world):
    org = world.org.pk
    new_child_case(world, "A", [20, 22, 25])
    _case_b, child_b = new_child_case(world, "B", [18, 17, 16])
    first = organisation_series(org)
    assert first.rebuilt == "full"
    assert organisation_series(org).rebuilt == "cached"
    last_before = first.series.loc[first.series["person_id"] == str(child_b.pk), "last"].item()
    world.rate(child_b, "CORS", [3.0] * 4, on=ago(10), user=world.anna)
    after = organisation_series(org)
    assert after.rebuilt == "partial"
    row = after.series.loc[after.series["person_id"] == str(child_b.pk)]
    assert row["last"].item() == 12.0 != last_before
    assert row["n_ratings"].item() == 4
    forget()
    same_frames(after.series, organisation_series(org).series)


def test_a_bulk_insert_that_fires_no_signal_is_seen(world):
    org = world.org.pk
    _case, child = new_child_case(world, "C", [20, 22, 25])
    before = organisation_series(org)
    Rating.objects.bulk_create([Rating(
        case=child.case, person=child, rater=child, instrument=Instrument.objects.get(code="CORS"),
        rated_on=ago(5), total=Decimal("35.0"), mode="paper")])
    after = organisation_series(org)
    assert after.rebuilt == "partial" and after.stamp != before.stamp
    assert after.series.loc[after.series["person_id"] == str(child.pk), "last"].item() == 35.0


def test_a_closed_case_and_a_new_intervention_are_seen(world):
    org = world.org.pk
    case, child = new_child_case(world, "D", [20, 22, 25])
    assert organisation_series(org).series.loc[
        lambda s: s["case_id"] == str(case.pk), "phase"].item() == "support"
    case_actions.close_case(world.anna, case, closed_on=ago(1))
    after = organisation_series(org)
    assert after.rebuilt == "partial"
    assert after.series.loc[lambda s: s["case_id"] == str(case.pk), "phase"].item() == "closed"


def test_a_change_of_settings_rebuilds_everything(world):
    from fokus.instruments.models import OrganisationSetting

    org = world.org.pk
    new_child_case(world, "E", [20, 22, 25])
    organisation_series(org)
    row = OrganisationSetting.objects.filter(organisation_id=org).first()
    OrganisationSetting.objects.create(organisation_id=org, key=row.key, value=row.value,
                                       valid_from=ago(400))
    assert organisation_series(org).rebuilt == "full"


def test_the_dashboard_shows_a_rating_given_a_moment_ago(world, login):
    cases = [new_child_case(world, f"F{i}", [15, 17, 19])[1] for i in range(6)]
    client = login(world.dorte)
    url = reverse("insights:dashboard")
    before = client.get(url).context["overall"]
    improved_before = before.counts["pct_reliable_improvement"][0]
    world.rate(cases[0], "CORS", [9.0] * 4, on=ago(3), user=world.anna)
    after = client.get(url).context["overall"]
    assert after.counts["pct_reliable_improvement"][0] == improved_before + 1


def test_a_setting_edited_in_place_rebuilds_everything(world):
    """Neither the newest id nor the number of settings changes when a value is edited;
    the series must still not be kept under the old value."""
    from fokus.instruments.models import OrganisationSetting

    org = world.org.pk
    new_child_case(world, "G", [20, 22, 25])
    before = organisation_series(org)
    row = OrganisationSetting.objects.filter(organisation_id=org, key="cutoff_child").first()
    OrganisationSetting.objects.filter(pk=row.pk).update(value=row.value + 1)
    after = organisation_series(org)
    assert after.rebuilt == "full" and after.stamp != before.stamp
    assert after.series["cutoff"].max() != before.series["cutoff"].max()
