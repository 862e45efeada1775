"""The read functions of the ratings layer, and the actions the views write through."""

import datetime
import uuid

import pytest
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.ratings import access, actions, links
from fokus.ratings.models import Rating, RatingLink


def _link(world):
    from fokus.instruments.models import Instrument

    return actions.create_rating_link(
        world.anna, world.hansen, person=world.mother, rater=world.mother,
        instrument=Instrument.objects.get(code="ORS"), channel="email",
        address="sara@example.org", build_url=lambda token: f"/r/{token}/")


def _log(**kw):
    return AccessLogEntry.objects.filter(object_type="rating_link", **kw)


def test_a_link_by_its_token_is_read_and_logged(world):
    link, token = _link(world)
    assert access.get_link_by_token(token) == link
    entry = _log(action="read").get()
    assert (entry.object_id, entry.case_id, entry.person_id, entry.purpose, entry.user_id) == (
        str(link.pk), world.hansen.pk, world.mother.pk, "opened", None)


def test_the_read_and_its_log_entry_are_one_transaction(world, monkeypatch):
    _link_obj, token = _link(world)
    seen = []

    def record(*args, **kwargs):
        seen.append(transaction.get_connection().in_atomic_block)
        raise RuntimeError("the log is down")

    monkeypatch.setattr(access, "record", record)
    with pytest.raises(RuntimeError):
        access.get_link_by_token(token)  # no log entry, no link
    assert seen == [True]


def test_an_unknown_token_opens_nothing_and_names_no_case(world):
    _link(world)
    with pytest.raises(links.LinkRefused) as info:
        access.get_link_by_token(links.new_token())
    assert info.value.reason == "unknown"
    assert not _log(action="read").exists()
    denied = AccessLogEntry.objects.get(action="denied", object_type="rating_link")
    assert (denied.object_id, denied.case_id, denied.person_id, denied.purpose) == (
        "", None, None, "unknown")


@pytest.mark.parametrize("reason", ["used", "expired"])
def test_a_used_or_expired_link_is_refused_and_the_refusal_logged(world, reason):
    link, token = _link(world)
    if reason == "used":
        RatingLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
    else:
        RatingLink.objects.filter(pk=link.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(links.LinkRefused) as info:
        access.get_link_by_token(token)
    assert info.value.reason == reason
    assert not _log(action="read").exists()
    denied = _log(action="denied").get()
    assert (denied.object_id, denied.case_id, denied.purpose) == (str(link.pk), world.hansen.pk,
                                                                 reason)


def test_a_meeting_of_another_case_is_not_found(world):
    meeting = case_actions.record_meeting(world.bo, world.berg, held_on=timezone.localdate(),
                                          kind="office", participants=[world.berg_child])
    with pytest.raises(Http404):
        access.meeting_for(world.hansen, meeting.pk)
    with pytest.raises(Http404):
        access.meeting_for(world.hansen, "not-an-id")
    assert access.meeting_for(world.berg, meeting.pk) == meeting


def test_record_rating_says_whether_it_created_the_rating(world):
    from fokus.instruments.models import Instrument

    key = uuid.uuid4()
    kwargs = {"instrument": Instrument.objects.get(code="ORS"), "person": world.mother,
              "rater": world.mother, "rated_on": timezone.localdate(), "answers": ["5"] * 4,
              "mode": "tablet", "idempotency_key": key}
    first, created = actions.record_rating(world.anna, world.hansen, **kwargs)
    assert created
    again, created_again = actions.record_rating(world.anna, world.hansen, **kwargs)
    assert (again.pk, created_again) == (first.pk, False)
    without_key, created = actions.record_rating(world.anna, world.hansen,
                                                 **{**kwargs, "idempotency_key": None})
    assert created and without_key.pk != first.pk
    assert Rating.objects.count() == 2


def test_record_link_rating_says_whether_it_created_the_rating(world):
    _link_obj, token = _link(world)
    key = uuid.uuid4()
    rating, created = actions.record_link_rating(token, answers=["5"] * 4, idempotency_key=key)
    assert created
    assert actions.record_link_rating(token, answers=["5"] * 4, idempotency_key=key) == (
        rating, False)


def test_a_key_stored_elsewhere_does_not_use_a_link(world):
    """A link's rating is its own: a key already stored by another rating of the case
    neither uses the link nor hands that rating over to it."""
    link, token = _link(world)
    key = uuid.uuid4()
    world.rate(world.mother, "ORS", ["5"] * 4, idempotency_key=key, mode="tablet")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.record_link_rating(token, answers=["6"] * 4, idempotency_key=key)
    link.refresh_from_db()
    assert link.used_at is None and link.rating is None


def test_a_refused_unlock_is_logged_by_its_action(world):
    meeting = case_actions.record_meeting(world.anna, world.hansen, held_on=timezone.localdate(),
                                          kind="office", participants=[world.mother])
    actions.record_refused_unlock(world.anna, case_id=world.hansen.pk, meeting_id=meeting.pk)
    entry = AccessLogEntry.objects.get(object_type="family_screen_unlock")
    assert (entry.action, entry.username, entry.object_id, entry.case_id, entry.purpose) == (
        "denied", "anna", str(meeting.pk), world.hansen.pk, "wrong password")


def test_no_view_writes_the_access_log_itself():
    """Views read and write through access and action functions (issue 8, part 5)."""
    import re
    from pathlib import Path

    import fokus.insights.views as insights_views
    import fokus.ratings.views as ratings_views

    for package in (ratings_views, insights_views):
        for path in Path(package.__file__).parent.glob("*.py"):
            source = path.read_text(encoding="utf-8")
            assert "fokus.audit" not in source, path
            assert not re.search(r"(?<![\w.])record\(", source), path
