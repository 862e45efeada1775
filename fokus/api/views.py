"""The REST API, /api/v1/ (django-ninja): thin views over fokus.api.access (reads,
logged) and fokus.ratings.actions.record_rating (the one way a rating is stored).

Every answer that is not a success is JSON {"code", "message"} in the caller's language
(Accept-Language: da, the default, or en), and every call is in the access log: the
reads and the write by their own entries, a refused call by a DENIED entry."""

import logging
import math
import time
import uuid
from types import SimpleNamespace
from typing import Annotated

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Header, NinjaAPI, Path, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import Field

from fokus.accounts import policy
from fokus.api import access, schemas
from fokus.api.actions import find_token, mark_used
from fokus.api.principal import SystemPrincipal
from fokus.audit.models import AccessAction
from fokus.cases.models import Meeting, Person
from fokus.instruments.models import Instrument
from fokus.ratings.actions import SubmissionConflict, record_rating
from fokus.ratings.models import RatingMode

logger = logging.getLogger(__name__)

# The most rows one page of a list gives (limit), and the default.
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
LANGUAGES = ("da", "en")
# An id in a path: a positive whole number the database can hold.
Id = Annotated[int, Path(ge=1, le=2**53)]


class Throttled(Exception):
    def __init__(self, wait: int):
        self.wait = wait


def language(request) -> str:
    """da or en, the first of Accept-Language's that Fokus speaks; Danish by default."""
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return "da"


def throttle(token) -> None:
    """FOKUS_API_RATE_PER_MINUTE calls per token per clock minute (a cache counter)."""
    rate = settings.FOKUS_API_RATE_PER_MINUTE
    now = time.time()
    key = f"fokus-api-calls:{token.pk}:{int(now // 60)}"
    cache.add(key, 0, 120)
    try:
        calls = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 120)
        calls = 1
    if calls > rate:
        raise Throttled(max(1, math.ceil(60 - now % 60)))


class TokenAuth(HttpBearer):
    openapi_description = "An API token of the organisation: Authorization: Bearer fokus_..."

    def authenticate(self, request, token):
        found = find_token(token or "")
        if found is None:
            return None
        principal = SystemPrincipal(found)
        request.principal = principal
        if not found.usable():
            return None
        throttle(found)
        mark_used(found)
        return principal


api = NinjaAPI(title="Fokus API", version="1", urls_namespace="api:v1", auth=TokenAuth(),
               docs_url=None, openapi_url="/openapi.json",
               description="Cases, persons, meetings, ratings and outcome figures of one "
                           "organisation, for the systems it works with. See docs/api.md.")

ERROR_RESPONSES = {400: schemas.Error, 401: schemas.Error, 403: schemas.Error,
                   404: schemas.Error, 422: schemas.Error, 429: schemas.Error,
                   500: schemas.Error}


def _messages():
    """The English msgids of each code (translated when the answer is made)."""
    return {
        "bad_request": _("The request could not be read."),
        "unauthorized": _("The API token is missing, unknown, revoked, expired or waiting "
                          "for approval."),
        "forbidden": _("The API token's scopes do not allow this."),
        "not_found": _("Not found, or not in the token's organisation."),
        "conflict": _("This Idempotency-Key was used before for another rating. Nothing was "
                      "stored."),
        "invalid": _("The request is not valid."),
        "too_many_requests": _("Too many requests. Try again in %(seconds)s seconds."),
        "server_error": _("Something went wrong on the server. Try again later."),
    }


def error(request, status: int, code: str, *, errors=None, params=None, headers=None):
    """The JSON error, in the caller's language; logged (DENIED) unless the call's own
    read or write is already in the log."""
    with translation.override(language(request)):
        message = _messages()[code] % (params or {})
        errors = [str(e) for e in errors] if errors else None
    principal = getattr(request, "principal", None) or SimpleNamespace(
        pk=None, username="api:unknown")
    if not getattr(principal, "logged", False):
        try:
            with transaction.atomic():
                access.log(principal, AccessAction.DENIED, "api", "",
                           purpose=f"api {request.method} {status} {code}")
        except Exception:  # the answer goes out even if the log cannot be written
            logger.exception("The refused API call could not be logged")
    response = api.create_response(request, {"code": code, "message": message,
                                             "errors": errors}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return error(request, 401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})


@api.exception_handler(Throttled)
def _throttled(request, exc):
    return error(request, 429, "too_many_requests", params={"seconds": exc.wait},
                 headers={"Retry-After": str(exc.wait)})


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error(request, 403, "forbidden")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error(request, 404, "not_found")


@api.exception_handler(SubmissionConflict)
def _conflict(request, exc):
    return error(request, 409, "conflict")


@api.exception_handler(DjangoValidationError)
def _refused(request, exc):
    # The rating's problems, in the caller's language (raised under its override).
    return error(request, 422, "invalid", errors=exc.messages)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    # loc is (where, [param,] field...): "limit", "body.rated_on".
    problems = [f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}"
                for e in exc.errors]
    return error(request, 422, "invalid", errors=problems)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             409: "conflict", 429: "too_many_requests"}
    status = exc.status_code if exc.status_code in codes else 400
    return error(request, status, codes[status])


@api.exception_handler(Exception)
def _server_error(request, exc):
    # Never a traceback in the answer; the log names the exception's type and frames.
    logger.exception("API call failed")
    return error(request, 500, "server_error")


# --- What the answers carry ------------------------------------------------------------

class Paging(schemas.Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10**9)


def _case(principal, case) -> dict:
    return {"id": case.pk, "reference": case.reference, "team_id": case.team_id,
            "team": case.team.name, "opened_on": case.opened_on, "closed_on": case.closed_on,
            "phase": case.phase,
            "family_name": case.family_name
            if policy.system_may(principal, "read_names") else None}


def _person(principal, person) -> dict:
    out = {"id": person.pk, "case_id": person.case_id, "role": person.role,
           "birth_year": person.birth_year or (person.birth_date.year if person.birth_date
                                               else None)}
    if policy.system_may(principal, "read_names"):
        out.update(first_name=person.first_name, last_name=person.last_name,
                   birth_date=person.birth_date)
    if policy.system_may(principal, "read_cpr"):
        out["cpr"] = person.cpr or None
    return out


def _meeting(meeting) -> dict:
    return {"id": meeting.pk, "case_id": meeting.case_id, "held_on": meeting.held_on,
            "kind": meeting.kind, "participant_ids": sorted(p.pk for p in meeting.participants.all()),
            "cancelled": meeting.is_cancelled}


def _rating(rating) -> dict:
    return {"id": rating.pk, "case_id": rating.case_id, "meeting_id": rating.meeting_id,
            "instrument": rating.instrument.code, "person_id": rating.person_id,
            "rater_id": rating.rater_id, "rated_on": rating.rated_on,
            "answers": [a.value for a in sorted(rating.answers.all(),
                                                key=lambda a: a.item.position)],
            "total": rating.total, "mode": rating.mode}


def _page(count, paging, items) -> dict:
    return {"count": count, "limit": paging.limit, "offset": paging.offset, "items": items}


# --- Endpoints ----------------------------------------------------------------------------

@api.get("/cases", response={200: schemas.CasePage, **ERROR_RESPONSES}, tags=["cases"],
         summary="The organisation's cases")
def cases(request, paging: Query[Paging]):
    count, rows = access.list_cases(request.auth, limit=paging.limit, offset=paging.offset)
    return _page(count, paging, [_case(request.auth, c) for c in rows])


@api.get("/cases/{int:case_id}", response={200: schemas.CaseOut, **ERROR_RESPONSES},
         tags=["cases"], summary="One case")
def case(request, case_id: Id):
    return _case(request.auth, access.get_case(request.auth, case_id, purpose="api case"))


@api.get("/cases/{int:case_id}/fhir", response=ERROR_RESPONSES, tags=["cases"],
         summary="One case as FHIR R4 (NDJSON)",
         description="The case's Questionnaires, Patients, RelatedPersons and "
                     "QuestionnaireResponses, one resource a line (docs/interchange.md). "
                     "No names; CPR numbers (DK Core) only with the read_cpr scope.",
         openapi_extra={"responses": {200: {
             "description": "NDJSON, one FHIR R4 resource a line",
             "content": {"application/fhir+ndjson": {"schema": {"type": "string"}}}}}})
def case_fhir(request, case_id: Id):
    return HttpResponse(access.case_fhir(request.auth, case_id),
                        content_type="application/fhir+ndjson; charset=utf-8")


@api.get("/cases/{int:case_id}/persons", response={200: schemas.PersonPage, **ERROR_RESPONSES},
         tags=["persons"], summary="The persons of a case")
def persons(request, case_id: Id, paging: Query[Paging]):
    count, rows = access.list_persons(request.auth, case_id, limit=paging.limit,
                                      offset=paging.offset)
    return _page(count, paging, [_person(request.auth, p) for p in rows])


@api.get("/persons/{int:person_id}", response={200: schemas.PersonOut, **ERROR_RESPONSES},
         tags=["persons"], summary="One person")
def person(request, person_id: Id):
    return _person(request.auth, access.get_person(request.auth, person_id))


@api.get("/cases/{int:case_id}/meetings",
         response={200: schemas.MeetingPage, **ERROR_RESPONSES}, tags=["meetings"],
         summary="The meetings of a case")
def meetings(request, case_id: Id, paging: Query[Paging]):
    count, rows = access.list_meetings(request.auth, case_id, limit=paging.limit,
                                       offset=paging.offset)
    return _page(count, paging, [_meeting(m) for m in rows])


@api.get("/meetings/{int:meeting_id}", response={200: schemas.MeetingOut, **ERROR_RESPONSES},
         tags=["meetings"], summary="One meeting")
def meeting(request, meeting_id: Id):
    return _meeting(access.get_meeting(request.auth, meeting_id))


@api.get("/cases/{int:case_id}/ratings", response={200: schemas.RatingPage, **ERROR_RESPONSES},
         tags=["ratings"], summary="The ratings of a case")
def ratings(request, case_id: Id, paging: Query[Paging]):
    count, rows = access.list_ratings(request.auth, case_id, limit=paging.limit,
                                      offset=paging.offset)
    return _page(count, paging, [_rating(r) for r in rows])


@api.get("/ratings/{int:rating_id}", response={200: schemas.RatingOut, **ERROR_RESPONSES},
         tags=["ratings"], summary="One rating")
def rating(request, rating_id: Id):
    return _rating(access.get_rating(request.auth, rating_id))


@api.post("/cases/{int:case_id}/ratings",
          response={200: schemas.RatingOut, 201: schemas.RatingOut, 409: schemas.Error,
                    **ERROR_RESPONSES},
          tags=["ratings"], summary="Store a rating (idempotent with Idempotency-Key)")
def create_rating(request, case_id: Id, body: schemas.RatingIn,
                  idempotency_key: str = Header(..., alias="Idempotency-Key",
                                                description="A UUID made by the caller for "
                                                            "this rating; send it again "
                                                            "with a retry.")):
    principal = request.auth
    access.require(principal, "write_ratings", "api rating")
    try:
        key = uuid.UUID(idempotency_key)
    except ValueError:
        raise HttpError(400, "Idempotency-Key") from None
    with translation.override(language(request)):
        case = access.get_case(principal, case_id, purpose="api rating",
                               shown=lambda c: [body.person_id, body.rater_id])
        people = {p.pk: p for p in Person.objects.filter(case=case, pk__in=[body.person_id,
                                                                            body.rater_id])}
        instrument = Instrument.objects.filter(code=body.instrument).first()
        meeting = (Meeting.objects.filter(case=case, pk=body.meeting_id).first()
                   if body.meeting_id else None)
        problems = []
        if instrument is None:
            problems.append(_("Unknown instrument %(code)s.") % {"code": body.instrument[:20]})
        if body.person_id not in people or body.rater_id not in people:
            problems.append(_("The person rated and the rater must both belong to this case."))
        if body.meeting_id and meeting is None:
            problems.append(_("The meeting belongs to another case."))
        if problems:
            raise DjangoValidationError(problems)
        stored, created = record_rating(
            principal, case, instrument=instrument, person=people[body.person_id],
            rater=people[body.rater_id], rated_on=body.rated_on, answers=list(body.answers),
            total=body.total, meeting=meeting, mode=RatingMode.PAPER, idempotency_key=key)
    principal.logged = True
    stored = access.RATINGS.get(pk=stored.pk)
    return Status(201 if created else 200, _rating(stored))


@api.get("/cases/{int:case_id}/outcomes", response={200: list[schemas.SeriesOut],
                                                    **ERROR_RESPONSES},
         tags=["outcomes"], summary="The case's outcome series (intake, latest, change)")
def case_outcomes(request, case_id: Id):
    rows = access.case_outcomes(request.auth, case_id)
    return [{"person_id": int(r["person_id"]), "rater_id": int(r["rater_id"]),
             "self_rating": bool(r["self_rating"]), "first_instrument": r["first_instrument"],
             "first_date": r["first_date"].date(), "last_date": r["last_date"].date(),
             "n_ratings": int(r["n_ratings"]), "age_group": r["age_group"],
             "cutoff": float(r["cutoff"]), "intake": float(r["intake"]),
             "latest": _number(r["last"]), "change": _number(r["change"]),
             "category": r["category"] or None, "signal": r["signal"] or None,
             "met_target": None if r["met_target"] is None else bool(r["met_target"])}
            for r in rows]


def _number(x):
    return None if x is None or not math.isfinite(float(x)) else float(x)


class GroupQuery(schemas.Schema):
    by: str = Field("team", pattern="^(team|intervention|age_group|rater|period)$")
    team: int | None = Field(None, ge=1, le=2**53)
    intervention: str = Field("", max_length=20)
    period: str = Field("", max_length=7, description="A quarter, e.g. 2025-Q3.")


def _group(row) -> dict:
    return {"key": row.key, "label": row.label, "n_series": row.n_series,
            "suppressed": row.suppressed,
            "figures": [{"key": f.key, "value": f.value, "low": f.low, "high": f.high,
                         "n": f.n, "suppressed": f.suppressed} for f in row.figures]}


@api.get("/outcomes", response={200: schemas.GroupsOut, **ERROR_RESPONSES}, tags=["outcomes"],
         summary="The organisation's outcome figures per group (small groups suppressed)")
def group_outcomes(request, query: Query[GroupQuery]):
    filters = {"team": query.team, "intervention": query.intervention, "period": query.period}
    rows, overall, size = access.group_outcomes(request.auth, by=query.by, filters=filters)
    return {"by": query.by, "min_group_size": size, "groups": [_group(r) for r in rows],
            "overall": _group(overall)}


@csrf_exempt
def unknown(request, rest: str = ""):
    """Any other address under /api/v1/: the API's JSON 404, not the pages' HTML one,
    logged against the token if one was sent."""
    request.principal = principal_of(request)
    return error(request, 404, "not_found")


def principal_of(request) -> SystemPrincipal | None:
    """The token a refused request sent, if any, so that its refusal is logged against it."""
    scheme, _space, raw = request.headers.get("Authorization", "").partition(" ")
    found = find_token(raw.strip()) if scheme.lower() == "bearer" else None
    return SystemPrincipal(found) if found is not None else None
