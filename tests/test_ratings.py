"""A rating is checked before anything is stored; a refused rating changes nothing,
and a retried submission is never stored twice."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from fokus.instruments.models import InstrumentLicence
from fokus.ratings.models import Rating, RatingAnswer


def refused(world, person, code, values, **kw) -> list[str]:
    before = (Rating.objects.count(), RatingAnswer.objects.count())
    with pytest.raises(ValidationError) as info:
        world.rate(person, code, values, **kw)
    assert (Rating.objects.count(), RatingAnswer.objects.count()) == before
    return info.value.messages


def test_a_valid_rating_is_stored_exactly(world):
    rating = world.rate(world.mother, "ORS", ["6,4", "7.1", Decimal("3.0"), "10"])
    assert rating.total == Decimal("26.5")
    assert [a.value for a in rating.answers.all()] == [Decimal(v) for v in
                                                        ("6.4", "7.1", "3.0", "10.0")]


def test_tenths_add_up_exactly(world):
    rating = world.rate(world.mother, "ORS", ["0.1", "0.2", "0.3", "5.7"], total="6.3")
    assert rating.total == Decimal("6.3")


@pytest.mark.parametrize("bad, expected_en, expected_da", [
    ("10.5", "10.5 is outside 0.0-10.0", "10,5 ligger uden for 0,0-10,0"),
    ("-1", "-1 is outside 0.0-10.0", "-1 ligger uden for 0,0-10,0"),
    ("abc", "“abc” is not a number", "“abc” er ikke et tal"),
    ("5.25", "give the score with one decimal", "angiv scoringen med én decimal"),
    ("NaN", "“NaN” is not a number", "“NaN” er ikke et tal"),
])
def test_an_item_score_out_of_bounds_is_refused_in_the_persons_language(
        world, bad, expected_en, expected_da):
    with translation.override("en"):
        [message] = refused(world, world.mother, "ORS", [bad, "5", "5", "5"])
        assert message == f"Individually: {expected_en}" + ("." if "decimal" not in expected_en
                                                             else " (e.g. 6.4).")
    with translation.override("da"):
        [message] = refused(world, world.mother, "ORS", [bad, "5", "5", "5"])
        assert message.startswith(f"Individuelt: {expected_da}")


def test_a_total_that_is_not_the_sum_is_refused(world):
    with translation.override("en"):
        assert refused(world, world.mother, "ORS", ["5", "5", "5", "5"], total="21") == [
            "The total 21 is not the sum of the items (20.0)."]
    with translation.override("da"):
        assert refused(world, world.mother, "ORS", ["5", "5", "5", "5"], total="21") == [
            "Totalen 21 er ikke summen af punkterne (20,0)."]


def test_an_instrument_unfit_for_the_age_is_refused_with_the_right_one_named(world):
    with translation.override("en"):
        [message] = refused(world, world.teen, "CORS", ["5", "5", "5", "5"])
    assert message == "CORS is for ages 6-12; Freja was 15 years old on that date. Use ORS."
    with translation.override("da"):
        [message] = refused(world, world.teen, "CORS", ["5", "5", "5", "5"])
    assert message == "CORS er til alderen 6-12 år; Freja var 15 år på den dato. Brug ORS."


def test_age_is_taken_on_the_date_of_the_rating(world):
    # Freja was 12 two years ago: CORS was right then.
    two_years_ago = timezone.localdate() - datetime.timedelta(days=2 * 365 + 30)
    assert world.rate(world.teen, "CORS", ["5", "5", "5", "5"], on=two_years_ago).pk


def test_a_parent_may_rate_the_child_with_the_childs_instrument(world):
    rating = world.rate(world.child, "CORS", ["4", "5", "6", "7"], rater=world.mother)
    assert not rating.is_self_rating
    assert refused(world, world.child, "ORS", ["4", "5", "6", "7"], rater=world.mother)


def test_a_wrong_number_of_answers_is_refused(world):
    assert refused(world, world.mother, "ORS", ["5", "5", "5"])


def test_the_ors_family_needs_a_licence(world):
    InstrumentLicence.objects.all().delete()
    with translation.override("en"):
        [message] = refused(world, world.mother, "ORS", ["5", "5", "5", "5"])
    assert "has not recorded a licence for ORS" in message


def test_a_free_instrument_works_without_a_licence(world):
    InstrumentLicence.objects.all().delete()
    rating = world.rate(world.mother, "WHO5", ["3", "4", "2", "5", "1"])
    assert rating.total == Decimal("15.0")
    assert refused(world, world.mother, "WHO5", ["3", "4", "2.5", "5", "1"])
    assert refused(world, world.mother, "WHO5", ["3", "4", "6", "5", "1"])


def test_pictorial_scale_takes_a_choice_of_1_to_4(world):
    from fokus.cases import actions

    toddler = actions.add_person(world.anna, world.hansen, first_name="Lille", role="child",
                                 birth_date=timezone.localdate() - datetime.timedelta(days=3 * 365))
    assert world.rate(toddler, "YCORS", ["3"]).total == Decimal("3.0")
    assert refused(world, toddler, "YCORS", ["5"])
    assert refused(world, toddler, "YCORS", ["2.5"])


def test_a_future_date_is_refused(world):
    assert refused(world, world.mother, "ORS", ["5"] * 4,
                   on=timezone.localdate() + datetime.timedelta(days=1))


def test_a_person_from_another_case_cannot_be_rated_here(world):
    from fokus.instruments.models import Instrument
    from fokus.ratings.actions import record_rating

    with pytest.raises(ValidationError):
        record_rating(world.anna, world.hansen, instrument=Instrument.objects.get(code="CORS"),
                      person=world.berg_child, rater=world.berg_child,
                      rated_on=timezone.localdate(), answers=["5"] * 4, mode="paper")
    assert not Rating.objects.exists()


def test_a_retried_submission_is_stored_once(world):
    key = uuid.uuid4()
    first = world.rate(world.mother, "ORS", ["5"] * 4, idempotency_key=key, mode="tablet")
    second = world.rate(world.mother, "ORS", ["5"] * 4, idempotency_key=str(key), mode="tablet")
    assert first.pk == second.pk
    assert Rating.objects.count() == 1


def test_a_submission_key_cannot_reach_another_case(world):
    key = uuid.uuid4()
    world.rate(world.mother, "ORS", ["5"] * 4, idempotency_key=key)
    with pytest.raises(ValidationError):
        world.rate(world.berg_child, "CORS", ["5"] * 4, idempotency_key=key, user=world.bo)
    assert Rating.objects.count() == 1


def test_the_database_refuses_an_answer_outside_0_to_10(world):
    from django.db import IntegrityError, transaction

    rating = world.rate(world.mother, "ORS", ["5"] * 4)
    answer = rating.answers.first()
    answer.value = Decimal("10.5")
    with pytest.raises(IntegrityError), transaction.atomic():
        answer.save()
