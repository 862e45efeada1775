"""The REST API (issue 13, point 1): tokens, scopes, the policy, the access log, errors,
pagination, throttling and idempotency. One test goes over real HTTP (live_server)."""

import datetime
import hashlib
import json
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings

from fokus.accounts.models import Role, User
from fokus.api import actions
from fokus.api.models import ApiToken
from fokus.api.views import api
from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.cases.models import MeetingKind, Team, Unit
from fokus.instruments.actions import create_organisation
from fokus.ratings.models import Rating
from tests.conftest import years_ago

OPENAPI = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"
EVERY_SCOPE = ("read_ratings", "write_ratings", "read_aggregates", "read_names", "read_cpr")


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(world):
    """The world's organisation with grants taking effect at once (the approval of a token
    has its own test)."""
    world.org.role_grants_need_approval = False
    world.org.save()
    return world.org


def token(world, *scopes, organisation=None):
    row, raw = actions.create_token(world.admin, organisation or world.org, name="Sagssystem",
                                    scopes=scopes or ("read_ratings",))
    return row, raw


def call(raw, url, *, method="get", language=None, body=None, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    client = Client()
    if method == "post":
        return client.post(url, json.dumps(body), content_type="application/json", **headers)
    return client.get(url, **headers)


def other_organisation():
    other = create_organisation("Andenkommune", settings_valid_from=datetime.date(2000, 1, 1))
    team = Team.objects.create(unit=Unit.objects.create(organisation=other, name="Afd"),
                               name="Team Øst")
    worker = User.objects.create_user("eva", organisation=other, role=Role.CASEWORKER)
    worker.teams.set([team])
    case = case_actions.create_case(worker, team=team, reference="9-1", family_name="Familien Ny",
                                    caseworkers=[worker], opened_on=years_ago(1))
    person = case_actions.add_person(worker, case, first_name="Ida", role="child",
                                     birth_date=years_ago(9))
    return other, case, person


def entries_after(last):
    return list(AccessLogEntry.objects.filter(id__gt=last).order_by("id"))


def last_entry_id():
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


# --- Tokens -----------------------------------------------------------------------------

def test_the_token_is_shown_once_and_stored_hashed(org, world):
    client = Client()
    client.force_login(world.admin)
    response = client.post("/admin/api/apitoken/add/", {
        "name": "Sagssystem", "read_ratings": "on", "write_ratings": "on"}, follow=True)
    assert response.status_code == 200
    shown = re.findall(r"fokus_[0-9a-f]{12}_[\w-]{43}", response.content.decode())
    assert len(shown) == 1
    raw = shown[0]
    row = ApiToken.objects.get()
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.organisation == world.org and row.created_by == world.admin
    assert row.scopes == {"read_ratings", "write_ratings"}
    # Nowhere again: not in the row, not on its page, not in the list, not in the log.
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)
    for url in ("/admin/api/apitoken/", f"/admin/api/apitoken/{row.pk}/change/"):
        page = client.get(url).content.decode()
        assert raw not in page and row.prefix in page
    assert raw not in json.dumps(list(AccessLogEntry.objects.values("detail", "purpose")))
    assert AccessLogEntry.objects.filter(object_type="api_token", object_id=str(row.pk),
                                         action="create").exists()
    assert call(raw, "/api/v1/cases").status_code == 200
    # A wrong secret with the right start is refused.
    assert call(raw[:-2] + ("AA" if raw[-2:] != "AA" else "BB"), "/api/v1/cases"
                ).status_code == 401


def test_a_revoked_token_is_refused(org, world):
    row, raw = token(world)
    assert call(raw, "/api/v1/cases").status_code == 200
    client = Client()
    client.force_login(world.admin)
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == world.admin
    last = last_entry_id()
    response = call(raw, "/api/v1/cases")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"
    denied = entries_after(last)
    assert [(e.action, e.username) for e in denied] == [
        ("denied", f"api:{row.pk}:Sagssystem")]


def test_an_expired_token_is_refused(org, world):
    row, raw = token(world)
    row.expires_at = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    row.save()
    assert call(raw, "/api/v1/cases").status_code == 401


def test_a_token_reading_case_data_waits_for_a_second_administrator(world):
    assert world.org.role_grants_need_approval
    row, raw = token(world, "read_ratings")
    assert row.needs_approval and call(raw, "/api/v1/cases").status_code == 401
    # Its creator cannot approve it.
    creator = Client()
    creator.force_login(world.admin)
    creator.post("/admin/api/apitoken/", {"action": "approve", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.approved_at is None
    assert AccessLogEntry.objects.filter(object_type="api_token", action="denied").exists()
    second = User.objects.create_user("admin2", organisation=world.org,
                                      role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    other = Client()
    other.force_login(second)
    other.post("/admin/api/apitoken/", {"action": "approve", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.approved_by == second
    assert call(raw, "/api/v1/cases").status_code == 200
    # Figures only open no case data: no approval needed.
    figures, _raw = token(world, "read_aggregates")
    assert not figures.needs_approval


def test_the_admin_shows_only_the_administrator_s_own_organisation_s_tokens(org, world):
    other, _case, _person = other_organisation()
    theirs, _raw = token(world, organisation=other)
    client = Client()
    client.force_login(world.admin)
    assert client.get(f"/admin/api/apitoken/{theirs.pk}/change/").status_code in (302, 404)
    assert theirs.prefix not in client.get("/admin/api/apitoken/").content.decode()


def test_the_command_creates_lists_and_revokes(org, world, capsys):
    call_command("api-token", "create", "--organisation", "Testkommune", "--name", "Lager",
                 "--scope", "read_aggregates")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("fokus_") and call(raw, "/api/v1/outcomes").status_code == 200
    call_command("api-token", "list", "--organisation", "Testkommune")
    listed = capsys.readouterr().out
    assert "Lager" in listed and "active" in listed and raw not in listed
    call_command("api-token", "revoke", "--organisation", "Testkommune", raw.split("_")[1])
    assert call(raw, "/api/v1/outcomes").status_code == 401


# --- The policy: the organisation and the scopes ----------------------------------------------

def test_another_organisation_s_case_is_404_and_logged(org, world):
    _other, case, person = other_organisation()
    row, raw = token(world, *EVERY_SCOPE)
    for url in (f"/api/v1/cases/{case.pk}", f"/api/v1/cases/{case.pk}/persons",
                f"/api/v1/cases/{case.pk}/ratings", f"/api/v1/persons/{person.pk}",
                f"/api/v1/cases/{case.pk}/outcomes"):
        last = last_entry_id()
        response = call(raw, url)
        assert response.status_code == 404, url
        assert "Familien Ny" not in response.content.decode() and "Ida" not in \
            response.content.decode()
        assert [e.action for e in entries_after(last)] == ["denied"], url
    listed = call(raw, "/api/v1/cases").json()
    assert case.pk not in [c["id"] for c in listed["items"]] and listed["count"] == 3
    last = last_entry_id()
    response = call(raw, f"/api/v1/cases/{case.pk}/ratings", method="post", key=str(uuid.uuid4()),
                    body={"instrument": "CORS", "person_id": person.pk, "rater_id": person.pk,
                          "rated_on": "2025-01-01", "answers": [5, 5, 5, 5]})
    assert response.status_code == 404 and not Rating.objects.filter(case=case).exists()
    assert [e.action for e in entries_after(last)] == ["denied"]


def test_names_and_cpr_only_with_their_scopes(org, world):
    world.child.cpr = "0101101234"
    world.child.save()
    url = f"/api/v1/persons/{world.child.pk}"
    _row, plain = token(world, "read_ratings")
    answer = call(plain, url).json()
    assert answer["first_name"] is None and answer["cpr"] is None and answer["birth_year"]
    assert "Mikkel" not in call(plain, f"/api/v1/cases/{world.hansen.pk}/persons").content.decode()
    assert call(plain, f"/api/v1/cases/{world.hansen.pk}").json()["family_name"] is None
    _row, named = token(world, "read_ratings", "read_names")
    answer = call(named, url).json()
    assert answer["first_name"] == "Mikkel" and answer["cpr"] is None
    _row, cpr = token(world, "read_ratings", "read_names", "read_cpr")
    last = last_entry_id()
    assert call(cpr, url).json()["cpr"] == "0101101234"
    # The DPO sees that this read could show the CPR number, and of whom.
    (entry,) = entries_after(last)
    assert entry.person_id == world.child.pk and "read_cpr" in entry.detail["scopes"]
    assert "0101101234" not in json.dumps(entry.detail)
    # read_cpr without read_ratings reads nothing.
    _row, alone = token(world, "read_cpr")
    assert call(alone, url).status_code == 403


def test_a_case_as_fhir_with_cpr_numbers_only_under_the_read_cpr_scope(org, world):
    """GET /cases/{id}/fhir: the case as FHIR R4 NDJSON, the CPR identifier (DK Core)
    only for a token with read_cpr, never a name; logged with the persons shown; another
    organisation's case 404 and logged."""
    from fhir.resources.R4B.patient import Patient

    from fokus.interchange.fhir import CPR_SYSTEM

    world.child.cpr = "0101101234"
    world.child.save()
    world.rate(world.child, "CORS", [5, 5, 5, 5])
    url = f"/api/v1/cases/{world.hansen.pk}/fhir"
    _row, plain = token(world, "read_ratings")
    last = last_entry_id()
    response = call(plain, url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+ndjson")
    lines = [json.loads(line) for line in response.content.decode().splitlines()]
    patients = [r for r in lines if r["resourceType"] == "Patient"]
    assert patients and "QuestionnaireResponse" in {r["resourceType"] for r in lines}
    for patient in patients:
        Patient.model_validate(patient)  # valid FHIR (R4B models)
    body = response.content.decode()
    assert CPR_SYSTEM not in body and "0101101234" not in body and "Mikkel" not in body
    (entry,) = [e for e in entries_after(last) if e.purpose == "FHIR export"]
    assert entry.case_id == world.hansen.pk and world.child.pk in entry.detail["person_ids"]
    assert entry.detail["cpr"] is False
    _row, cpr = token(world, "read_ratings", "read_cpr")
    body = call(cpr, url).content.decode()
    assert CPR_SYSTEM in body and "0101101234" in body and "Mikkel" not in body
    # Another organisation's case: 404, and the attempt logged.
    _other, case, _person = other_organisation()
    last = last_entry_id()
    assert call(plain, f"/api/v1/cases/{case.pk}/fhir").status_code == 404
    assert [e.action for e in entries_after(last)] == ["denied"]


def test_each_scope_is_enforced_and_a_refusal_logged(org, world):
    _row, figures = token(world, "read_aggregates")
    last = last_entry_id()
    response = call(figures, "/api/v1/cases")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert [e.action for e in entries_after(last)] == ["denied"]
    assert call(figures, f"/api/v1/cases/{world.hansen.pk}/outcomes").status_code == 403
    _row, reader = token(world, "read_ratings")
    assert call(reader, "/api/v1/outcomes").status_code == 403
    body = {"instrument": "CORS", "person_id": world.child.pk, "rater_id": world.child.pk,
            "rated_on": str(years_ago(0)), "answers": [5, 5, 5, 5]}
    response = call(reader, f"/api/v1/cases/{world.hansen.pk}/ratings", method="post",
                    body=body, key=str(uuid.uuid4()))
    assert response.status_code == 403 and not Rating.objects.exists()
    assert call(figures, "/api/v1/outcomes").status_code == 200


# --- Ratings: idempotent create -----------------------------------------------------------------

def test_a_rating_is_stored_once_per_idempotency_key(org, world):
    row, raw = token(world, "read_ratings", "write_ratings")
    url = f"/api/v1/cases/{world.hansen.pk}/ratings"
    body = {"instrument": "CORS", "person_id": world.child.pk, "rater_id": world.child.pk,
            "rated_on": str(years_ago(0, 3)), "answers": ["6.1", 5, 7, "4.5"]}
    key = str(uuid.uuid4())
    first = call(raw, url, method="post", body=body, key=key)
    assert first.status_code == 201
    stored = Rating.objects.get()
    assert first.json()["id"] == stored.pk and str(stored.total) == "22.6"
    assert stored.entered_by is None and stored.idempotency_key == uuid.UUID(key)
    entry = AccessLogEntry.objects.get(object_type="rating", action="create")
    assert entry.username == f"api:{row.pk}:Sagssystem" and entry.user_id is None
    again = call(raw, url, method="post", body=body, key=key)
    assert again.status_code == 200 and again.json() == first.json()
    other = call(raw, url, method="post", body={**body, "answers": [1, 1, 1, 1]}, key=key)
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    assert Rating.objects.count() == 1
    # Read back, in the list and alone.
    assert call(raw, url).json()["items"][0]["answers"] == ["6.1", "5.0", "7.0", "4.5"]
    assert call(raw, f"/api/v1/ratings/{stored.pk}").json()["total"] == "22.6"


def test_a_bad_rating_is_refused_with_every_problem_and_nothing_stored(org, world):
    _row, raw = token(world, "read_ratings", "write_ratings")
    url = f"/api/v1/cases/{world.hansen.pk}/ratings"
    body = {"instrument": "CORS", "person_id": world.child.pk, "rater_id": world.berg_child.pk,
            "rated_on": str(years_ago(0)), "answers": [11, 5, 5, 5]}
    response = call(raw, url, method="post", body=body, key=str(uuid.uuid4()), language="en")
    assert response.status_code == 422
    assert "must both belong to this case" in " ".join(response.json()["errors"])
    response = call(raw, url, method="post", key=str(uuid.uuid4()),
                    body={**body, "rater_id": world.child.pk})
    assert response.status_code == 422 and "uden for" in " ".join(response.json()["errors"])
    assert call(raw, url, method="post", body=body, key="not-a-uuid").status_code == 400
    assert not Rating.objects.exists()


# --- Errors, pagination, throttling --------------------------------------------------------------

def test_errors_are_json_in_danish_by_default_and_in_english(org, world):
    _row, raw = token(world)
    danish = call(raw, "/api/v1/cases/999999")
    english = call(raw, "/api/v1/cases/999999", language="en-GB,en;q=0.8")
    assert danish.status_code == english.status_code == 404
    assert danish["Content-Type"].startswith("application/json")
    assert danish.json() == {"code": "not_found", "errors": None,
                             "message": "Findes ikke, eller hører ikke til nøglens organisation."}
    assert english.json()["message"] == "Not found, or not in the token's organisation."
    assert call(None, "/api/v1/cases", language="en").json()["message"].startswith(
        "The API token is missing")
    assert call(None, "/api/v1/cases").json()["message"].startswith("API-nøglen mangler")
    invalid = call(raw, "/api/v1/cases?limit=abc", language="da")
    assert invalid.status_code == 422 and invalid.json()["message"] == \
        "Forespørgslen er ikke gyldig."
    assert invalid.json()["errors"][0].startswith("limit: ")


def test_a_server_error_is_json_without_a_traceback(org, world, monkeypatch):
    from fokus.api import access

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail Mikkel")

    monkeypatch.setattr(access, "list_cases", broken)
    _row, raw = token(world)
    last = last_entry_id()
    response = call(raw, "/api/v1/cases", language="en")
    assert response.status_code == 500
    assert [e.purpose for e in entries_after(last)] == ["api GET 500 server_error"]
    assert response.json()["code"] == "server_error"
    assert "Traceback" not in response.content.decode() and "Mikkel" not in \
        response.content.decode()


def test_every_list_is_paginated(org, world):
    _row, raw = token(world)
    for n in range(3):
        world.rate(world.child, "CORS", [5, 5, 5, n], on=years_ago(0, 10 - n))
    page = call(raw, "/api/v1/cases?limit=2&offset=1").json()
    assert page["count"] == 3 and page["limit"] == 2 and page["offset"] == 1
    assert [c["id"] for c in page["items"]] == [world.olsen.pk, world.berg.pk]
    ratings = call(raw, f"/api/v1/cases/{world.hansen.pk}/ratings?limit=1&offset=2").json()
    assert ratings["count"] == 3 and [r["answers"][-1] for r in ratings["items"]] == ["2.0"]
    for url in ("/api/v1/cases", f"/api/v1/cases/{world.hansen.pk}/persons",
                f"/api/v1/cases/{world.hansen.pk}/meetings",
                f"/api/v1/cases/{world.hansen.pk}/ratings"):
        assert call(raw, f"{url}?limit=201").status_code == 422, url
        assert call(raw, f"{url}?offset=-1").status_code == 422, url
        assert call(raw, f"{url}?limit=200").status_code == 200, url


@override_settings(FOKUS_API_RATE_PER_MINUTE=3)
def test_a_token_is_throttled_with_retry_after(org, world):
    _row, raw = token(world)
    _row, other = token(world)
    assert [call(raw, "/api/v1/cases").status_code for _ in range(3)] == [200] * 3
    last = last_entry_id()
    response = call(raw, "/api/v1/cases", language="en")
    assert response.status_code == 429 and response.json()["code"] == "too_many_requests"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Retry-After"] in response.json()["message"]
    assert [e.action for e in entries_after(last)] == ["denied"]
    assert call(other, "/api/v1/cases").status_code == 200  # per token


# --- The access log, the outcomes -------------------------------------------------------------

def test_every_call_is_in_the_access_log(org, world):
    row, raw = token(world, *EVERY_SCOPE)
    world.rate(world.child, "CORS", [5, 5, 5, 5])
    meeting = case_actions.record_meeting(world.anna, world.hansen, held_on=years_ago(0),
                                          kind=MeetingKind.values[0],
                                          participants=[world.child, world.mother])
    rating = Rating.objects.get()
    urls = ["/api/v1/cases", f"/api/v1/cases/{world.hansen.pk}",
            f"/api/v1/cases/{world.hansen.pk}/persons", f"/api/v1/persons/{world.child.pk}",
            f"/api/v1/cases/{world.hansen.pk}/meetings", f"/api/v1/cases/{world.hansen.pk}/ratings",
            f"/api/v1/ratings/{rating.pk}", f"/api/v1/cases/{world.hansen.pk}/outcomes",
            f"/api/v1/meetings/{meeting.pk}", "/api/v1/outcomes", "/api/v1/cases/0",
            "/api/v1/cases?limit=0", "/api/v1/nothing"]
    for url in urls:
        last = last_entry_id()
        call(raw, url)
        found = entries_after(last)
        assert found, url
        assert all(e.username == f"api:{row.pk}:Sagssystem" and e.user_id is None
                   for e in found), url
    # A read names the persons it showed (the DPO's "who has seen Mikkel?").
    last = last_entry_id()
    call(raw, f"/api/v1/cases/{world.hansen.pk}/ratings")
    assert entries_after(last)[0].detail["person_ids"] == [world.child.pk]
    last = last_entry_id()
    call(None, "/api/v1/cases")
    assert [(e.action, e.username) for e in entries_after(last)] == [("denied", "api:unknown")]


def test_outcome_series_of_a_case_and_figures_by_group(org, world):
    _row, raw = token(world, "read_ratings", "read_aggregates")
    world.rate(world.teen, "ORS", [3, 3, 3, 3], on=years_ago(0, 60))
    world.rate(world.teen, "ORS", [8, 8, 8, 8], on=years_ago(0, 5))
    series = call(raw, f"/api/v1/cases/{world.hansen.pk}/outcomes").json()
    assert len(series) == 1
    one = series[0]
    assert (one["person_id"], one["intake"], one["latest"], one["change"]) == (
        world.teen.pk, 12.0, 32.0, 20.0)
    assert one["category"] in ("recovered", "improved") and one["n_ratings"] == 2
    figures = call(raw, "/api/v1/outcomes?by=team").json()
    # One series: below the minimum group size, so no figures anywhere.
    assert figures["min_group_size"] == 5
    assert all(g["suppressed"] and not g["figures"] for g in figures["groups"])
    assert figures["overall"]["suppressed"] and figures["overall"]["figures"] == []
    assert call(raw, "/api/v1/outcomes?by=caseworker").status_code == 422


def test_any_other_address_is_the_api_s_json_404(org, world):
    _row, raw = token(world)
    for url in ("/api/v1/nothing", "/api/v1/cases/-1", "/api/v1/cases/1/notes"):
        response = call(raw, url, language="en")
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    assert call(raw, f"/api/v1/cases/{2**60}").status_code == 422


# --- Real HTTP -----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_over_real_http(live_server):
    from tests.conftest import World

    world = World()
    world.org.role_grants_need_approval = False
    world.org.save()
    _row, raw = token(world, "read_ratings", "write_ratings")

    def send(path, *, data=None, headers=None):
        request = urllib.request.Request(  # noqa: S310 - the test server's http URL
            live_server.url + path, data=json.dumps(data).encode() if data else None,
            headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json",
                     **(headers or {})}, method="POST" if data else "GET")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read())

    status, _headers, page = send("/api/v1/cases?limit=1")
    assert status == 200 and page["count"] == 3 and len(page["items"]) == 1
    key = str(uuid.uuid4())
    body = {"instrument": "CORS", "person_id": world.child.pk, "rater_id": world.child.pk,
            "rated_on": str(years_ago(0, 1)), "answers": [5, 6, 7, 8]}
    path = f"/api/v1/cases/{world.hansen.pk}/ratings"
    assert send(path, data=body, headers={"Idempotency-Key": key})[0] == 201
    assert send(path, data=body, headers={"Idempotency-Key": key})[0] == 200
    status, _headers, error = send("/api/v1/cases/999999", headers={"Accept-Language": "en"})
    assert status == 404 and error["code"] == "not_found"
    status, _headers, schema = send("/api/v1/openapi.json")
    assert status == 200 and "/api/v1/cases" in schema["paths"]
    assert Rating.objects.count() == 1


# --- The OpenAPI document ---------------------------------------------------------------------

def test_the_committed_openapi_document_is_the_code_s(db):
    from tools.openapi import document

    generated = document()
    assert OPENAPI.read_text() == generated, (
        "docs/openapi.json differs from the code: run .venv/bin/python tools/openapi.py")
    schema = json.loads(generated)
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    assert set(schema["paths"]) == {path for path in json.loads(
        json.dumps(api.get_openapi_schema()))["paths"]}


def test_the_openapi_document_is_served_and_no_docs_page_fetches_a_cdn(db, settings):
    served = Client().get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.json()["info"]["title"] == "Fokus API"
    assert Client().get("/api/v1/docs").status_code == 404
