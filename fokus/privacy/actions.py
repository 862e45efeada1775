"""Writes of the privacy app: retention rules, research projects, and the retention
job's anonymisation or deletion of a case. Each in one transaction with its
access-log entry (ids only, never a name)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fokus.audit.actions import record
from fokus.audit.changes import save_logged
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Intervention, Meeting, Person
from fokus.privacy.models import (
    ResearchProject,
    RetainedCase,
    RetentionAction,
    RetentionPolicy,
)

CONFIGURATION = "configuration"
RETENTION = "retention"
POLICY_FIELDS = ("organisation", "keep_months", "action", "archive_allows_deletion")
PROJECT_FIELDS = ("organisation", "name", "purpose", "active", "created_by")


def check_retention_policy(policy: RetentionPolicy) -> None:
    """Deletion is a rule only where the municipality has checked its archive rules."""
    if policy.action == RetentionAction.DELETE and not policy.archive_allows_deletion:
        raise ValidationError(_("Deletion can be chosen only when the State Archives' rules "
                                "allow this municipality to delete. Check the archive rules "
                                "first, or choose anonymisation."))


@transaction.atomic
def save_retention_policy(user, policy: RetentionPolicy) -> RetentionPolicy:
    check_retention_policy(policy)
    return save_logged(user, policy, object_type="retention_policy", fields=POLICY_FIELDS,
                       purpose=CONFIGURATION)


@transaction.atomic
def save_research_project(user, project: ResearchProject) -> ResearchProject:
    """A new research project (the user who creates it is kept on it), or a change of
    its name, purpose or whether it is active. The secret is set once and never logged."""
    if project.pk is None:
        project.created_by = user
    return save_logged(user, project, object_type="research_project", fields=PROJECT_FIELDS,
                       hide=("purpose",), purpose=CONFIGURATION)


# --- The retention job's writes (fokus.privacy.retention) -----------------------------

def anonymous_name(n: int) -> str:
    """A person's name after anonymisation: "#1", "#2", ... in the case (distinct, so
    that the graph and the lists still tell the people apart; nothing of who they were)."""
    return f"#{n}"


def _blank_cpr_fields(person: Person) -> list[str]:
    """The CPR number and whatever is kept to find a person by it (e.g. a keyed hash, an
    encrypted copy): every concrete field whose name starts with "cpr"."""
    names = []
    for field in person._meta.concrete_fields:
        if field.name.startswith("cpr"):
            setattr(person, field.attname, None if field.null else "")
            names.append(field.attname)
    return names


def anonymise_case(case: Case, *, closed_on, archive: str, manifest_sha256: str,
                   purpose: str = RETENTION) -> RetainedCase:
    """Remove what identifies the family and keep the ratings for statistics: names,
    CPR numbers, free-text notes (meetings, meeting records, interventions' purposes,
    the team's decisions), rating links and kept graph images; a birth date becomes a
    birth year; the case's number and family name are replaced. Must run inside the
    retention job's transaction for the case."""
    from fokus.insights.models import GraphImage, MeetingRecord, TeamDecision
    from fokus.ratings.models import RatingLink

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("anonymise_case must run inside the case's transaction")
    person_ids = []
    for n, person in enumerate(Person.objects.select_for_update().filter(case=case)
                               .order_by("pk"), start=1):
        person.first_name = anonymous_name(n)
        person.last_name = ""
        fields = ["first_name", "last_name", "birth_date", "birth_year",
                  *_blank_cpr_fields(person)]
        if person.birth_date is not None:
            person.birth_year = person.birth_date.year
            person.birth_date = None
        person.save(update_fields=fields)
        person_ids.append(person.pk)
    n_notes = Meeting.objects.filter(case=case).exclude(note="").update(note="")
    n_records = MeetingRecord.objects.filter(meeting__case=case).update(note="", next_steps="")
    n_purposes = Intervention.objects.filter(case=case).exclude(purpose="").update(purpose="")
    n_decisions, _counts = TeamDecision.objects.filter(case=case).delete()
    n_links, _counts = RatingLink.objects.filter(case=case).delete()
    GraphImage.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(reference=f"anon-{case.pk}", family_name="",
                                           updated_at=timezone.now())
    retained = RetainedCase.objects.create(
        organisation_id=case.organisation_id, case_id=case.pk,
        action=RetentionAction.ANONYMISE, closed_on=closed_on, archive=archive,
        manifest_sha256=manifest_sha256)
    record(None, AccessAction.UPDATE, "case", case.pk, case_id=case.pk, purpose=purpose,
           detail={"retention": RetentionAction.ANONYMISE.value, "person_ids": person_ids,
                   "meeting_notes_removed": n_notes, "meeting_records_emptied": n_records,
                   "intervention_purposes_removed": n_purposes,
                   "team_decisions_deleted": n_decisions, "rating_links_deleted": n_links,
                   "archive_manifest_sha256": manifest_sha256})
    return retained


def delete_case(case: Case, *, closed_on, archive: str, manifest_sha256: str,
                purpose: str = RETENTION) -> RetainedCase:
    """Delete the case and everything in it (its people, meetings, ratings, records).
    Only where the organisation's archive rules allow it: the caller checks
    RetentionPolicy.effective_action, and so does this function."""
    policy = RetentionPolicy.objects.filter(organisation_id=case.organisation_id).first()
    if policy is None or policy.effective_action != RetentionAction.DELETE:
        raise PermissionError("deletion is not allowed by this organisation's archive rules")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("delete_case must run inside the case's transaction")
    case_id, organisation_id = case.pk, case.organisation_id
    person_ids = list(Person.objects.filter(case=case).values_list("pk", flat=True))
    case.caseworkers.clear()
    _total, counts = case.delete()
    retained = RetainedCase.objects.create(
        organisation_id=organisation_id, case_id=case_id, action=RetentionAction.DELETE,
        closed_on=closed_on, archive=archive, manifest_sha256=manifest_sha256)
    record(None, AccessAction.DELETE, "case", case_id, case_id=case_id, purpose=purpose,
           detail={"retention": RetentionAction.DELETE.value, "person_ids": person_ids,
                   "rows_deleted": {k.split(".")[-1]: v for k, v in sorted(counts.items())},
                   "archive_manifest_sha256": manifest_sha256})
    return retained
