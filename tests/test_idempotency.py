"""Idempotency without silent loss (issue 11 point 7): a submission key answers a retry of
the very same submission like the first time, and refuses (409) anything else sent under
it: other answers, another person, rater, meeting, instrument or case. Nothing changes."""

import json
import threading
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from fokus.cases import actions as case_actions
from fokus.instruments.models import Instrument
from fokus.ratings.actions import SubmissionConflict, record_rating
from fokus.ratings.models import Rating, RatingAnswer
from tests.test_meeting_flow import _hand_over, _start, _submit
from tests.test_rating_links import _link, _post

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _answers(rating):
    return [str(a.value) for a in rating.answers.order_by("item__position")]


def test_eight_different_payloads_under_one_key_store_one_and_refuse_seven(world, login):
    """The probe's case: eight different answers sent for one step of the family screen."""
    client = login(world.anna)
    meeting = _start(client, world)
    m = world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{m}-{m}"])
    statuses = [_submit(client, 0, [str(i), "5", "5", "5"]).status_code for i in range(1, 9)]
    assert statuses == [201] + [409] * 7
    rating = Rating.objects.get()
    assert _answers(rating) == ["1.0", "5.0", "5.0", "5.0"]
    # The very same answers again (another press): answered like the first time.
    again = _submit(client, 0, ["1", "5,0", "5", "5.0"])
    assert again.status_code == 200 and again.json()["id"] == rating.pk
    refused = _submit(client, 0, ["9", "9", "9", "9"])
    assert refused.json()["status"] == "conflict"
    assert "already saved with other answers" in refused.json()["errors"][0]
    assert Rating.objects.count() == 1 and RatingAnswer.objects.count() == 4


def test_a_link_retry_is_answered_and_other_answers_are_refused(world, client):
    _link_obj, token = _link(world)
    key = uuid.uuid4()
    assert _post(client, token, ("5.0", "6.0", "7.0", "8.0"), key=key).status_code == 201
    retry = _post(client, token, ("5", "6", "7", "8"), key=key)
    assert retry.status_code == 200 and retry.json()["already"] is True
    other = _post(client, token, ("1.0", "1.0", "1.0", "1.0"), key=key)
    assert other.status_code == 409 and other.json()["status"] == "conflict"
    assert _answers(Rating.objects.get()) == ["5.0", "6.0", "7.0", "8.0"]
    # A new key on a used link is the link refused (410), as before.
    assert _post(client, token, ("5.0", "6.0", "7.0", "8.0")).status_code == 410


def test_a_key_stored_elsewhere_is_refused_through_a_link(world, client):
    key = uuid.uuid4()
    world.rate(world.child, "CORS", ["5", "5", "5", "5"], idempotency_key=key, mode="tablet")
    _link_obj, token = _link(world)
    response = _post(client, token, ("5.0", "6.0", "7.0", "8.0"), key=key)
    assert response.status_code == 409
    assert Rating.objects.count() == 1
    _link_obj.refresh_from_db()
    assert _link_obj.used_at is None  # the link still works with its own key


def _rate(world, *, key, person=None, rater=None, code="ORS", answers=("5", "5", "5", "5"),
          meeting=None, case=None):
    person = person or world.mother
    return record_rating(world.anna, case or person.case,
                         instrument=Instrument.objects.get(code=code), person=person,
                         rater=rater or person, rated_on=timezone.localdate(),
                         answers=list(answers), mode="tablet", meeting=meeting,
                         idempotency_key=key)


def test_the_same_key_for_another_person_rater_meeting_instrument_or_case_is_refused(world):
    meeting = case_actions.record_meeting(world.anna, world.hansen, held_on=timezone.localdate(),
                                          kind="home_visit", participants=[world.mother])
    other_meeting = case_actions.record_meeting(world.anna, world.hansen,
                                                held_on=timezone.localdate(),
                                                kind="office", participants=[world.mother])
    key = uuid.uuid4()
    rating, created = _rate(world, key=key, meeting=meeting)
    assert created
    same, created = _rate(world, key=key, meeting=meeting, answers=("5.0", "5,0", "5", "5"))
    assert same.pk == rating.pk and not created
    attempts = [
        {"answers": ("5", "5", "5", "6")},
        {"answers": ("5", "5", "5")},
        {"answers": ("x", "5", "5", "5")},
        {"person": world.teen},
        {"rater": world.teen},
        {"meeting": other_meeting},
        {"meeting": None},
        {"code": "SRS"},
        {"person": world.berg_child, "code": "CORS", "case": world.berg},
    ]
    for attempt in attempts:
        with pytest.raises(SubmissionConflict):
            _rate(world, key=key, **{"meeting": meeting, **attempt})
    assert Rating.objects.count() == 1
    assert _answers(Rating.objects.get()) == ["5.0", "5.0", "5.0", "5.0"]
    # A conflict is a ValidationError too: a caller that knows only those refuses it.
    assert issubclass(SubmissionConflict, ValidationError)


def test_a_rating_kept_after_its_meeting_was_cancelled_is_the_same_submission(world):
    meeting = case_actions.record_meeting(world.anna, world.hansen, held_on=timezone.localdate(),
                                          kind="home_visit", participants=[world.mother])
    case_actions.cancel_meeting(world.anna, world.hansen, meeting)
    meeting.refresh_from_db()
    key = uuid.uuid4()
    first, created = _rate(world, key=key, meeting=meeting)
    assert created and first.meeting_id is None
    again, created = _rate(world, key=key, meeting=meeting)
    assert again.pk == first.pk and not created


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("different", [False, True])
def test_two_concurrent_submissions_of_one_key_store_exactly_one_rating(world, different):
    """Two deliveries of one key at the same moment (two threads, two connections): one
    rating stored; the other is answered as the same submission, or refused when its
    answers differ. On PostgreSQL the unique key decides the race; SQLite serialises."""
    key = uuid.uuid4()
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def deliver(i):
        try:
            barrier.wait(timeout=30)
            answers = ("5", "5", "5", "5") if i == 0 or not different else ("6", "6", "6", "6")
            rating, created = _rate(world, key=key, answers=answers)
            results[i] = ("created" if created else "same", rating.pk)
        except SubmissionConflict:
            results[i] = ("conflict", None)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = sorted(r[0] for r in results)
    assert Rating.objects.filter(idempotency_key=key).count() == 1, results
    assert RatingAnswer.objects.count() == 4
    if different:
        assert outcomes == ["conflict", "created"], results
    else:
        assert outcomes == ["created", "same"], results
        assert results[0][1] == results[1][1]
    stored = Rating.objects.get()
    assert stored.total in (Decimal("20.0"), Decimal("24.0"))
    print(f"\n{connection.vendor}: two concurrent deliveries -> {outcomes}")


def test_the_family_screen_json_says_conflict_in_the_persons_language(world, login):
    client = login(world.anna)
    meeting = _start(client, world)
    m = world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{m}-{m}"])
    assert _submit(client, 0, ["5", "5", "5", "5"]).status_code == 201
    response = client.post(reverse("ratings:kiosk_submit"), json.dumps({
        "step": 0, "key": str(uuid.uuid4()), "screen": client.session["fokus_kiosk"]["id"],
        "answers": ["1", "1", "1", "1"]}), content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 409
    assert "allerede gemt med andre svar" in response.json()["errors"][0]
