"""schemathesis against the API's OpenAPI document, on the real application (WSGI, in
the test's database) with a token holding every scope: no answer is a server error, every
answer is what the document says, and no rating that breaks the rules is stored.

Half of the generated ids are replaced by the world's own (its case, its persons), so the
requests reach real rows instead of stopping at 404. The number of requests sent is
printed at the end (run with -s to see it)."""

import datetime
import json
import uuid
import zlib
from decimal import ROUND_DOWN, Decimal

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fokus.api import actions
from fokus.api.views import api
from fokus.ratings.actions import check_rating
from fokus.ratings.models import Rating
from fokus.wsgi import application

EXAMPLES = 150
REUSED_KEY = "5f0c1d2e-3a4b-4c5d-8e6f-708192a3b4c5"
SENT = {"requests": 0, "by_status": {}}


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(f"\nschemathesis: {SENT['requests']} requests generated and sent; "
          f"by status {dict(sorted(SENT['by_status'].items()))}")


@pytest.fixture
def _connection_kept():
    """The WSGI handler closes the database connection at the end of each request, as a
    server does; the test's transaction lives on that connection (Django's test client
    turns the same off)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(world, settings, _connection_kept):
    settings.FOKUS_API_RATE_PER_MINUTE = 10**6
    cache.clear()
    world.org.role_grants_need_approval = False
    world.org.save()
    world.rate(world.child, "CORS", [5, 5, 5, 5])
    _row, world.raw_token = actions.create_token(
        world.admin, world.org, name="schemathesis",
        scopes=["read_ratings", "write_ratings", "read_aggregates", "read_names", "read_cpr"])
    return world.raw_token


# The document as the code makes it (what /api/v1/openapi.json serves; tests/test_api.py
# checks that docs/openapi.json is the same), sent to the application through WSGI.
# (schemathesis.pytest.from_fixture does not run under pytest 9: its lazy loader reads a
# node attribute pytest 9 removed.)
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


def _aim(case, world, token) -> None:
    """Point half the generated ids at the world's rows, and make half the generated
    ratings ones the rules take (the rest stay as drawn: refused, nothing stored)."""
    path = case.path_parameters or {}
    for name, real in (("case_id", world.hansen.pk), ("person_id", world.child.pk),
                       ("rating_id", Rating.objects.values_list("pk", flat=True).first())):
        if name in path and isinstance(path[name], int) and path[name] % 2 == 0 and real:
            path[name] = real
    body = case.body if isinstance(case.body, dict) else None
    if body is not None and zlib.crc32(json.dumps(body, default=str, sort_keys=True)
                                       .encode()) % 2 == 0:
        drawn = [a for a in body.get("answers") or [] if isinstance(a, (int, float, Decimal))]
        body.update(instrument="CORS", person_id=world.child.pk, rater_id=world.child.pk,
                    rated_on=str(timezone.localdate() - datetime.timedelta(
                        days=len(drawn) * 7)),
                    answers=[str(Decimal(str(min(abs(a), 10))).quantize(Decimal("0.1"),
                                                                         ROUND_DOWN))
                             for a in (drawn + [5, 5, 5, 5])[:4]])
        body.pop("total", None)
        body.pop("meeting_id", None)
        path["case_id"] = world.hansen.pk
    if case.headers is None:
        case.headers = {}
    headers = case.headers
    headers["Authorization"] = f"Bearer {token}"  # not a generated one
    key = str(headers.get("Idempotency-Key", ""))
    if case.method != "POST":
        pass
    elif key and len(key) % 3 == 0:
        headers["Idempotency-Key"] = REUSED_KEY  # the same key again: 200 or 409
    elif len(key) % 3 != 2:
        headers["Idempotency-Key"] = str(uuid.uuid4())


def _stored_ratings_keep_the_rules() -> None:
    for rating in Rating.objects.select_related("case", "instrument", "person", "rater"):
        answers = [a.value for a in rating.answers.order_by("item__position")]
        values, total = check_rating(rating.case, instrument=rating.instrument,
                                     person=rating.person, rater=rating.rater,
                                     rated_on=rating.rated_on, answers=answers)
        assert total == rating.total and values == answers


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_against_its_openapi_document(case, world, token):
    before = Rating.objects.count()
    _aim(case, world, token)
    response = case.call_and_validate(
        app=application, headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance])
    SENT["requests"] += 1
    SENT["by_status"][response.status_code] = SENT["by_status"].get(response.status_code, 0) + 1
    after = Rating.objects.count()
    assert after in (before, before + 1)
    if after > before:
        assert response.status_code == 201
    _stored_ratings_keep_the_rules()
