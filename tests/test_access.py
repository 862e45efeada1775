"""Who sees which case, and that every read, refused or not, is in the access log."""

import contextlib
import uuid

import pytest
from django.core import mail
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.http import Http404
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases import access
from fokus.cases import actions as case_actions
from fokus.insights import actions as insights_actions
from fokus.insights.caseload import Filters, caseload_for_user
from fokus.ratings import actions as rating_actions


def test_a_caseworker_sees_her_teams_cases_her_own_first(world):
    rows = caseload_for_user(world.anna).rows
    assert [r.case.reference for r in rows] == ["2025-0001", "2025-0002"]
    assert [r.is_mine for r in rows] == [True, False]


def test_a_caseworker_does_not_see_another_teams_case(world):
    references = {r.case.reference for r in caseload_for_user(world.bo).rows}
    assert references == {"2025-0003"}


def test_a_team_leader_sees_the_teams_cases(world):
    assert {r.case.reference for r in caseload_for_user(world.lise).rows} == {
        "2025-0001", "2025-0002"}


def test_a_department_head_sees_no_named_case(world):
    """Aggregates only (fokus.accounts.policy): no case content, not even read by id."""
    assert caseload_for_user(world.dorte).rows == []
    with pytest.raises(Http404):
        access.get_case_for_user(world.dorte, world.hansen.pk)
    assert AccessLogEntry.objects.filter(username="dorte", action="denied").exists()


def test_a_fit_superuser_sees_the_organisations_cases(world):
    from fokus.accounts.models import Role, User

    karen = User.objects.create_user("karen", organisation=world.org, role=Role.FIT_SUPERUSER)
    assert len(caseload_for_user(karen).rows) == 3


def test_caseworkers_see_only_their_own_cases_where_the_organisation_says_so(world):
    world.org.caseworkers_see_own_cases_only = True
    world.org.save()
    anna = type(world.anna).objects.get(pk=world.anna.pk)
    assert [r.case.reference for r in caseload_for_user(anna).rows] == ["2025-0001"]
    with pytest.raises(Http404):
        access.get_case_for_user(anna, world.olsen.pk)
    # A team leader still sees the team's cases.
    lise = type(world.lise).objects.get(pk=world.lise.pk)
    assert {r.case.reference for r in caseload_for_user(lise).rows} == {"2025-0001", "2025-0002"}


@pytest.mark.parametrize("persona", ["ali", "admin"])
def test_analysts_and_administrators_see_no_named_case(world, persona):
    user = getattr(world, persona)
    assert caseload_for_user(user).rows == []
    with pytest.raises(Http404):
        access.get_case_for_user(user, world.hansen.pk)


def test_an_analyst_gets_pseudonyms_without_names(world):
    rows = access.list_pseudonymised_cases(world.ali)
    assert len(rows) == 3
    text = repr(rows)
    for secret in ("Hansen", "Berg", "Olsen", "2025-0001", "Mikkel"):
        assert secret not in text
    assert len({r.pseudonym for r in rows}) == 3


def test_a_caseworker_gets_404_for_another_teams_case_and_it_is_logged(world):
    before = AccessLogEntry.objects.count()
    with pytest.raises(Http404):
        access.get_case_for_user(world.anna, world.berg.pk)
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert (entry.username, entry.action, entry.object_id) == ("anna", "denied", str(world.berg.pk))


def test_missing_and_forbidden_look_the_same(world):
    for case_id in (world.berg.pk, 999999, "abc"):
        with pytest.raises(Http404):
            access.get_case_for_user(world.anna, case_id)


def test_a_read_is_logged_with_who_what_and_which_case(world):
    access.get_case_detail_for_user(world.anna, world.hansen.pk, purpose="case page")
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry.username == "anna"
    assert entry.action == "read"
    assert entry.case_id == world.hansen.pk
    assert entry.purpose == "case page"
    assert set(entry.detail["person_ids"]) == {world.child.pk, world.mother.pk, world.teen.pk}


def test_a_list_read_logs_the_ids_the_persons_and_the_search_text(world):
    """The DPO's question needs the criterion: the access log is the one place it goes."""
    caseload_for_user(world.anna, Filters(q="Hansen"))
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry.action == "list"
    assert entry.detail == {"case_ids": [world.hansen.pk], "search": "Hansen", "filters": {},
                            "person_ids": sorted([world.child.pk, world.mother.pk,
                                                  world.teen.pk])}


# An action and its access-log entry commit together or not at all. These tests run
# without a transaction of their own (transaction=True: every statement commits
# unless the code under test holds a transaction), and make the database fail right
# after the log row is inserted. Only the action's own transaction can then take
# its write back: remove it and the write stays behind, and the test fails.


class LogFailed(Exception):
    """The database failed just after the access-log row was inserted."""


@contextlib.contextmanager
def failing_after_the_log_row(object_type=None):
    def fail(sender, instance, created, **kwargs):
        if created and object_type in (None, instance.object_type):
            raise LogFailed(instance.object_type)

    post_save.connect(fail, sender=AccessLogEntry, weak=False, dispatch_uid=__name__)
    try:
        yield
    finally:
        post_save.disconnect(sender=AccessLogEntry, dispatch_uid=__name__)


def _state():
    """Every row a write of a case can touch, the access log and the mail sent."""
    from fokus.cases.models import Case, Intervention, Meeting, Person
    from fokus.insights.models import MeetingRecord
    from fokus.ratings.models import MissingRating, Rating, RatingAnswer, RatingLink

    models = (Case, Person, Meeting, Meeting.participants.through, Intervention, Rating,
              RatingAnswer, MissingRating, RatingLink, MeetingRecord, AccessLogEntry)
    state = {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}
    state["mail"] = len(mail.outbox)
    return state


def _instrument(code):
    from fokus.instruments.models import Instrument

    return Instrument.objects.get(code=code)


def _link(w):
    """A rating link of Sara Hansen, created (and committed) before the test's action."""
    from fokus.ratings.actions import create_rating_link

    _link, token = create_rating_link(
        w.anna, w.hansen, person=w.mother, rater=w.mother, instrument=_instrument("ORS"),
        channel="email", address="sara@example.org", build_url=lambda t: f"/r/{t}/")
    return token


def _meeting(w):
    from fokus.cases import actions

    return actions.record_meeting(w.anna, w.hansen, held_on=timezone.localdate(),
                                  kind="office", participants=[w.child, w.mother])


# name: (setup(world) -> anything, action(world, setup), the log row that fails)
WRITES = {
    "cases.add_person": (lambda w: None, lambda w, _: case_actions.add_person(
        w.anna, w.hansen, first_name="Ny", role="other", birth_year=1980), None),
    "cases.add_intervention": (lambda w: None, lambda w, _: case_actions.add_intervention(
        w.anna, w.hansen, type="bl32_2", start=timezone.localdate()), None),
    "cases.record_meeting": (lambda w: None, lambda w, _: _meeting(w), None),
    "cases.close_case": (lambda w: None, lambda w, _: case_actions.close_case(
        w.anna, w.hansen, closed_on=timezone.localdate()), None),
    "cases.set_ratings_private_from_parents": (
        lambda w: None, lambda w, _: case_actions.set_ratings_private_from_parents(
            w.anna, w.hansen, w.child, private=True), None),
    "ratings.record_rating": (lambda w: None, lambda w, _: rating_actions.record_rating(
        w.anna, w.hansen, instrument=_instrument("CORS"), person=w.child, rater=w.child,
        rated_on=timezone.localdate(), answers=["5"] * 4, mode="paper"), None),
    "ratings.record_missing_rating": (_meeting, lambda w, m: rating_actions.record_missing_rating(
        w.anna, w.hansen, meeting=m, person=w.child, reason="refused"), None),
    "ratings.create_rating_link": (lambda w: None, lambda w, _: _link(w), None),
    # The rating is stored and logged first; the link's "used" entry comes last and fails:
    # the rating must go with it, or the link could be used for a second rating.
    "ratings.record_link_rating": (_link, lambda w, token: rating_actions.record_link_rating(
        token, answers=["5"] * 4, idempotency_key=uuid.uuid4()), "rating_link"),
    "insights.save_meeting_record": (_meeting, lambda w, m: insights_actions.save_meeting_record(
        w.anna, w.hansen, m, note="Noten", next_steps="Skridtene"), None),
}


@pytest.fixture
def world_tx(transactional_db):
    """The personas, committed in a transaction of the test's own: what is tried is
    the action, not the setup."""
    from tests.conftest import World

    with transaction.atomic():
        return World()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_and_its_log_entry_commit_together(world_tx, django_capture_on_commit_callbacks,
                                                   name):
    setup, action, failing = WRITES[name]
    with transaction.atomic():
        given = setup(world_tx)
    before = _state()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(LogFailed), \
            failing_after_the_log_row(failing):
        action(world_tx, given)
    assert _state() == before
    # The same action, when its log row can be written, writes and logs.
    with django_capture_on_commit_callbacks(execute=True):
        action(world_tx, given)
    after = _state()
    assert after != before
    assert len(after["audit.AccessLogEntry"]) > len(before["audit.AccessLogEntry"])


# A read is returned only with its log entry (and a refusal is not returned as one).
READS = {
    "get_case_for_user": lambda w: access.get_case_for_user(w.anna, w.hansen.pk),
    "get_case_detail_for_user": lambda w: access.get_case_detail_for_user(w.anna, w.hansen.pk),
    "get_person_for_user": lambda w: access.get_person_for_user(w.anna, w.child.pk),
    "caseload_for_user": lambda w: caseload_for_user(w.anna),
    "list_pseudonymised_cases": lambda w: access.list_pseudonymised_cases(w.ali),
    "a refused read": lambda w: access.get_case_for_user(w.anna, w.berg.pk),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(READS))
def test_a_read_is_not_returned_without_its_log_entry(world_tx, name):
    before = _state()
    # LogFailed, not the RuntimeError audit.record raises outside a transaction.
    with pytest.raises(LogFailed), failing_after_the_log_row():
        READS[name](world_tx)
    assert _state() == before


def test_the_access_log_is_append_only_in_the_model(world):
    entry = AccessLogEntry.objects.first()
    entry.purpose = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_access_log_is_append_only_in_the_database(world):
    from django.db.utils import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accesslogentry SET purpose = 'changed'")


@pytest.mark.django_db(transaction=True)
def test_the_log_cannot_be_written_outside_a_transaction():
    from fokus.audit.actions import record

    with pytest.raises(RuntimeError):
        record(None, "read", "case", 1)
    assert not AccessLogEntry.objects.exists()


def test_a_log_entry_names_its_time_in_local_time(db):
    """The entry's title in the administration said 14:01 (UTC) beside "Hvornår: 15:01"."""
    import datetime

    entry = AccessLogEntry(at=datetime.datetime(2026, 1, 15, 13, 1, tzinfo=datetime.UTC),
                           username="dorte", action="list", object_type="dashboard")
    assert str(entry).startswith("2026-01-15 14:01 dorte")  # Copenhagen: UTC+1 in winter
    summer = AccessLogEntry(at=datetime.datetime(2026, 7, 15, 13, 1, tzinfo=datetime.UTC),
                            username="dorte", action="list", object_type="dashboard")
    assert str(summer).startswith("2026-07-15 15:01")
