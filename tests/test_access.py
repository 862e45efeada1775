"""Who sees which case, and that every read, refused or not, is in the access log."""

import pytest
from django.db import connection, transaction
from django.http import Http404

from fokus.audit.models import AccessLogEntry
from fokus.cases import access
from fokus.insights import access as insights_access


def test_a_caseworker_sees_her_teams_cases_her_own_first(world):
    rows = insights_access.list_cases_for_user(world.anna)
    assert [r.case.reference for r in rows] == ["2025-0001", "2025-0002"]
    assert [r.is_mine for r in rows] == [True, False]


def test_a_caseworker_does_not_see_another_teams_case(world):
    references = {r.case.reference for r in insights_access.list_cases_for_user(world.bo)}
    assert references == {"2025-0003"}


def test_a_team_leader_sees_the_teams_cases(world):
    assert {r.case.reference for r in insights_access.list_cases_for_user(world.lise)} == {
        "2025-0001", "2025-0002"}


def test_a_department_head_sees_the_organisations_cases(world):
    assert len(insights_access.list_cases_for_user(world.dorte)) == 3


@pytest.mark.parametrize("persona", ["ali", "admin"])
def test_analysts_and_administrators_see_no_named_case(world, persona):
    user = getattr(world, persona)
    assert insights_access.list_cases_for_user(user) == []
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


def test_a_list_read_logs_the_ids_but_not_the_search_text(world):
    insights_access.list_cases_for_user(world.anna, query="Hansen")
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry.action == "list"
    assert entry.detail == {"case_ids": [world.hansen.pk], "searched": True}
    assert "Hansen" not in str(entry.detail) + entry.purpose


def test_writes_are_logged_in_the_same_transaction(world):
    from fokus.cases import actions

    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_person(world.anna, world.hansen, first_name="Ny", role="other",
                           birth_year=1980)
        raise RuntimeError("roll back")
    assert not AccessLogEntry.objects.filter(object_type="person", case_id=world.hansen.pk,
                                             username="anna", action="create",
                                             person_id__gt=world.teen.pk).exists()


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
