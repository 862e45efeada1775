"""The API's reads, in the manner of fokus.cases.access: each decided by
fokus.accounts.policy (the token's scopes) and logged in the same transaction as the
read, with the ids of the persons shown; "missing" and "another organisation's" answer
404 alike, and the attempt is logged as DENIED."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from fokus.accounts import policy
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Meeting, Person
from fokus.insights import dashboards
from fokus.insights.dashboard_access import min_group_size
from fokus.insights.organisation_series import organisation_series
from fokus.ratings.models import Rating


def log(principal, action, object_type, object_id=None, **kwargs):
    """record(), noting on the principal that this call is in the log."""
    principal.logged = True
    if action in (AccessAction.READ, AccessAction.LIST) and policy.is_system(principal):
        # What the token could see of the persons: names, CPR numbers (for the DPO).
        kwargs["detail"] = {**(kwargs.get("detail") or {}), "scopes": sorted(principal.scopes)}
    return record(principal, action, object_type, object_id, **kwargs)


def denied(principal, object_type: str, object_id="", purpose: str = "") -> None:
    with transaction.atomic():
        log(principal, AccessAction.DENIED, object_type, str(object_id)[:64], purpose=purpose)


def require(principal, scope: str, purpose: str) -> None:
    """403 (logged) unless the token has the scope."""
    if not policy.system_may(principal, scope):
        denied(principal, "api", "", f"{purpose}: no {scope} scope")
        raise PermissionDenied(scope)


def cases(principal):
    if policy.system_case_scope(principal) != "organisation":
        return Case.objects.none()
    return Case.objects.filter(organisation_id=principal.organisation_id)


def case_fhir(principal, case_id: int) -> str:
    """The case as FHIR R4 NDJSON (fokus.interchange.fhir.export_case), the persons'
    CPR numbers (DK Core's identifier) only for a token with the read_cpr scope, never
    names. The export logs the read with the persons shown and whether CPR was in it;
    404 (logged) for a case not of the token's organisation."""
    import io

    from fokus.interchange.fhir import export_case

    require(principal, "read_ratings", "api FHIR")
    case = cases(principal).filter(pk=case_id).select_related("organisation").first()
    if case is None:
        denied(principal, "case", case_id, "api FHIR")
        raise Http404
    out = io.StringIO()
    principal.logged = True
    export_case(case, out, user=principal,
                include_cpr=policy.system_may(principal, "read_cpr"))
    return out.getvalue()


def list_cases(principal, *, limit: int, offset: int) -> tuple[int, list[Case]]:
    require(principal, "read_ratings", "api cases")
    with transaction.atomic():
        found = cases(principal).select_related("team").order_by("pk")
        page = list(found[offset:offset + limit])
        log(principal, AccessAction.LIST, "case", purpose="api cases",
            detail={"case_ids": [c.pk for c in page]})
        return found.count(), page


def get_case(principal, case_id: int, *, purpose: str, shown=None) -> Case:
    """The case, or 404 (logged). shown(case): the ids of the persons the answer shows."""
    require(principal, "read_ratings", purpose)
    with transaction.atomic():
        case = cases(principal).filter(pk=case_id).select_related("team", "organisation").first()
        if case is not None:
            detail = {"person_ids": sorted(set(shown(case)))} if shown else {}
            log(principal, AccessAction.READ, "case", case.pk, case_id=case.pk, purpose=purpose,
                detail=detail)
            return case
    denied(principal, "case", case_id, purpose)
    raise Http404


def _one(principal, queryset, object_type: str, object_id: int, purpose: str, persons):
    """One row of a case of the token's organisation, or 404 (logged)."""
    require(principal, "read_ratings", purpose)
    with transaction.atomic():
        row = queryset.filter(pk=object_id, case__in=cases(principal)).first()
        if row is not None:
            ids = sorted(set(persons(row)))
            log(principal, AccessAction.READ, object_type, row.pk, case_id=row.case_id,
                person_id=ids[0] if len(ids) == 1 else None, purpose=purpose,
                detail={"person_ids": ids})
            return row
    denied(principal, object_type, object_id, purpose)
    raise Http404


def _page(principal, case_id: int, queryset, *, purpose: str, persons, limit, offset):
    """A page of a case's rows; the case's read names the persons of the page."""
    holder = {}

    def shown(case):
        found = queryset.filter(case=case)
        holder["count"] = found.count()
        holder["page"] = list(found[offset:offset + limit])
        return [pk for row in holder["page"] for pk in persons(row)]

    get_case(principal, case_id, purpose=purpose, shown=shown)
    return holder["count"], holder["page"]


def list_persons(principal, case_id: int, *, limit: int, offset: int):
    return _page(principal, case_id, Person.objects.order_by("pk"), purpose="api persons",
                 persons=lambda p: [p.pk], limit=limit, offset=offset)


def get_person(principal, person_id: int) -> Person:
    return _one(principal, Person.objects.all(), "person", person_id, "api person",
                lambda p: [p.pk])


def _meeting_persons(meeting):
    return [p.pk for p in meeting.participants.all()]


def list_meetings(principal, case_id: int, *, limit: int, offset: int):
    return _page(principal, case_id,
                 Meeting.objects.prefetch_related("participants").order_by("held_on", "pk"),
                 purpose="api meetings", persons=_meeting_persons, limit=limit, offset=offset)


def get_meeting(principal, meeting_id: int) -> Meeting:
    return _one(principal, Meeting.objects.prefetch_related("participants"), "meeting",
                meeting_id, "api meeting", _meeting_persons)


RATINGS = Rating.objects.select_related("instrument").prefetch_related("answers__item")


def _rating_persons(rating):
    return [rating.person_id, rating.rater_id]


def list_ratings(principal, case_id: int, *, limit: int, offset: int):
    return _page(principal, case_id, RATINGS.order_by("rated_on", "pk"), purpose="api ratings",
                 persons=_rating_persons, limit=limit, offset=offset)


def get_rating(principal, rating_id: int) -> Rating:
    return _one(principal, RATINGS, "rating", rating_id, "api rating", _rating_persons)


def case_outcomes(principal, case_id: int) -> list[dict]:
    """The case's outcome series as the engine computed them for the organisation's
    figures (fokus.insights.organisation_series): one per person rated and rater."""
    holder = {}

    def shown(case):
        series = organisation_series(case.organisation_id).series
        rows = series.loc[series["case_id"] == str(case.pk)] if len(series) else series
        holder["rows"] = rows.to_dict("records") if len(rows) else []
        return [int(r[key]) for r in holder["rows"] for key in ("person_id", "rater_id")]

    get_case(principal, case_id, purpose="api outcomes", shown=shown)
    return holder["rows"]


def group_outcomes(principal, *, by: str, filters: dict) -> tuple[list, object, int]:
    """The organisation's figures per group, small groups suppressed as on the
    dashboards: (rows, the overall row, the minimum group size)."""
    require(principal, "read_aggregates", "api figures")
    with transaction.atomic():
        series = dashboards.with_period(organisation_series(principal.organisation_id).series)
        selected = dashboards.select(series, team=filters.get("team"),
                                     intervention=filters.get("intervention") or "",
                                     period=filters.get("period") or "")
        log(principal, AccessAction.LIST, "dashboard", purpose="api figures",
            detail={"by": by, **{k: v for k, v in filters.items() if v not in (None, "")},
                    "n_series": int(len(selected))})
    size = min_group_size()
    return (dashboards.group_rows(selected, by, min_size=size),
            dashboards.overall_row(selected, min_size=size, label=""), size)
