"""Every read of a case or a person goes through these functions.

They decide visibility in one place, answer 404 for "missing" and "not yours"
alike (so nothing leaks), and write an access-log entry in the same transaction
as the read; a refused attempt is logged too.

Who sees which cases is fokus.accounts.policy's (case_scope):
- caseworker: the cases of her teams, or only her own where the organisation says so;
- team leader: the cases of his teams;
- FIT superuser: the cases of the organisation;
- department head, analyst, administrator, DPO: no named case at all (analysts get
  pseudonymised rows, department heads figures).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import (
    Count,
    QuerySet,
)
from django.http import Http404

from fokus.accounts import policy
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Person
from fokus.lib.forms import parse_id
from fokus.lib.pseudonym import pseudonym


def cases_visible_to(user) -> QuerySet[Case]:
    """The cases a user may see by name, as the policy's case_scope says."""
    scope = policy.case_scope(user)
    if scope is None:
        return Case.objects.none()
    in_organisation = Case.objects.filter(organisation_id=user.organisation_id)
    if scope == "own":
        return in_organisation.filter(caseworkers=user)
    if scope == "teams":
        return in_organisation.filter(team__members=user)
    return in_organisation


def can_see_names(user) -> bool:
    return policy.sees_case_content(user)


def get_case_for_user(user, case_id, *, purpose: str = "",
                      shown: Callable[[Case], Iterable[int]] | None = None) -> Case:
    """The case, if the user may see it; otherwise 404 (and the attempt is logged).
    `shown(case)`: the ids of the persons the page, file or answer shows, kept in the
    entry's detail as {"person_ids": [...]} (for the DPO's "who has seen Oliver?")."""
    with transaction.atomic():
        case = cases_visible_to(user).filter(pk=parse_id(case_id)).select_related(
            "team", "organisation").first()
        if case is not None:
            record(user, AccessAction.READ, "case", case.pk, case_id=case.pk, purpose=purpose,
                   detail=_persons_shown(case, shown))
            return case
    _record_denied(user, "case", case_id, purpose)
    raise Http404


def get_case_detail_for_user(user, case_id, *, purpose: str = "case page",
                             shown: Callable[[Case], Iterable[int]] | None = None) -> Case:
    """The case with its people, interventions, meetings and ratings, prefetched. The
    entry names the persons shown: `shown(case)`, by default every person of the case."""
    with transaction.atomic():
        case = (
            cases_visible_to(user).filter(pk=parse_id(case_id))
            .select_related("team", "organisation")
            .prefetch_related(
                "persons", "interventions", "caseworkers",
                "meetings__participants",
                "ratings__instrument", "ratings__person", "ratings__rater",
                "missing_ratings__person",
            ).first()
        )
        if case is not None:
            record(user, AccessAction.READ, "case", case.pk, case_id=case.pk, purpose=purpose,
                   detail=_persons_shown(case, shown or all_persons))
            return case
    _record_denied(user, "case", case_id, purpose)
    raise Http404


def all_persons(case: Case) -> list[int]:
    """Every person of the case (a page that names the family shows them all)."""
    return [p.pk for p in case.persons.all()]


def _persons_shown(case: Case, shown) -> dict:
    return {"person_ids": sorted(set(shown(case)))} if shown is not None else {}


def get_person_for_user(user, person_id, *, purpose: str = "") -> Person:
    with transaction.atomic():
        person = (Person.objects.filter(pk=parse_id(person_id), case__in=cases_visible_to(user))
                  .select_related("case").first())
        if person is not None:
            record(user, AccessAction.READ, "person", person.pk, case_id=person.case_id,
                   person_id=person.pk, purpose=purpose)
            return person
    _record_denied(user, "person", person_id, purpose)
    raise Http404


@dataclass
class PseudonymisedCaseRow:
    pseudonym: str
    team: str
    phase: str
    opened_on: object
    closed_on: object
    n_ratings: int


def list_pseudonymised_cases(user, *, purpose: str = "pseudonymised case list"
                             ) -> list[PseudonymisedCaseRow]:
    """For analysts: the organisation's cases without names, references or people."""
    if not policy.pseudonymised_only(user):
        return []
    with transaction.atomic():
        cases = (Case.objects.filter(organisation_id=user.organisation_id)
                 .select_related("team").annotate(n_ratings=Count("ratings"))
                 .order_by("opened_on", "id"))
        rows = [PseudonymisedCaseRow(pseudonym("case", c.pk), c.team.name, c.get_phase_display(),
                                     c.opened_on, c.closed_on, c.n_ratings) for c in cases]
        record(user, AccessAction.LIST, "case", purpose=purpose,
               detail={"pseudonymised": True, "n_cases": len(rows)})
    return rows


def _record_denied(user, object_type: str, object_id, purpose: str) -> None:
    with transaction.atomic():
        record(user, AccessAction.DENIED, object_type, str(object_id)[:64], purpose=purpose)
