"""Reads of ratings for the pages that show them: the case list with each child's
latest ratings. Case-level access rules are in fokus.cases.access; this module
only adds what needs the ratings."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case as CaseWhen
from django.db.models import Exists, IntegerField, OuterRef, Q, Subquery, Value, When

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.access import cases_visible_to
from fokus.cases.models import Case, Person, PersonRole
from fokus.instruments.models import Measures
from fokus.ratings.models import Rating


@dataclass
class ChildRow:
    person: Person
    latest_outcome: Rating | None = None
    latest_alliance: Rating | None = None


@dataclass
class CaseRow:
    case: Case
    is_mine: bool
    children: list[ChildRow] = field(default_factory=list)


def _latest(measures: str):
    return Subquery(
        Rating.objects.filter(
            person=OuterRef("pk"), rater=OuterRef("pk"), instrument__measures=measures
        ).order_by("-rated_on", "-id").values("id")[:1]
    )


def list_cases_for_user(user, *, query: str = "", include_closed: bool = False,
                        purpose: str = "case list") -> list[CaseRow]:
    """The user's case list: her own cases first, then her team's; each child with
    the latest outcome and alliance rating. A fixed number of queries."""
    with transaction.atomic():
        cases = cases_visible_to(user).select_related("team")
        if not include_closed:
            cases = cases.filter(closed_on__isnull=True)
        query = query.strip()
        if query:
            cases = cases.filter(
                Q(family_name__icontains=query) | Q(reference__icontains=query)
                | Q(persons__first_name__icontains=query)
                | Q(persons__last_name__icontains=query)
            ).distinct()
        mine = Exists(Case.caseworkers.through.objects.filter(case_id=OuterRef("pk"), user=user))
        cases = cases.annotate(
            is_mine=CaseWhen(When(mine, then=Value(1)), default=Value(0), output_field=IntegerField())
        ).order_by("-is_mine", "family_name", "id")
        rows = [CaseRow(case=c, is_mine=bool(c.is_mine)) for c in cases]
        by_case = {row.case.pk: row for row in rows}
        children = list(
            Person.objects.filter(case_id__in=by_case, role=PersonRole.CHILD)
            .annotate(outcome_id=_latest(Measures.OUTCOME), alliance_id=_latest(Measures.ALLIANCE))
            .order_by("birth_date", "id")
        )
        rating_ids = [i for p in children for i in (p.outcome_id, p.alliance_id) if i]
        ratings = Rating.objects.select_related("instrument").in_bulk(rating_ids)
        for child in children:
            by_case[child.case_id].children.append(ChildRow(
                person=child,
                latest_outcome=ratings.get(child.outcome_id),
                latest_alliance=ratings.get(child.alliance_id),
            ))
        record(user, AccessAction.LIST, "case", purpose=purpose,
               detail={"case_ids": list(by_case), "searched": bool(query)})
    return rows
