"""Every write of the insights app, each with its audit entry in the same transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.insights.board import can_act_for_team
from fokus.insights.models import ConversationPrompt, MeetingRecord, TeamDecision

MAX_TEXT = 2000


def save_meeting_record(user, case, meeting, *, note: str, next_steps: str) -> MeetingRecord:
    """Store (or update) the note and agreed next steps of a meeting of a case the
    caller has already fetched through the access functions."""
    if meeting.case_id != case.pk:
        raise ValidationError(_("The meeting does not belong to this case."))
    note, next_steps = note.strip(), next_steps.strip()
    if len(note) > MAX_TEXT or len(next_steps) > MAX_TEXT:
        raise ValidationError(_("Please keep the note and the next steps under %(n)s characters.")
                              % {"n": MAX_TEXT})
    with transaction.atomic():
        obj, created = MeetingRecord.objects.update_or_create(
            meeting=meeting, defaults={"note": note, "next_steps": next_steps},
            create_defaults={"note": note, "next_steps": next_steps, "created_by": user})
        record(user, AccessAction.CREATE if created else AccessAction.UPDATE, "meeting_record",
               obj.pk, case_id=case.pk, purpose="meeting record",
               detail={"meeting_id": meeting.pk})
    return obj


def update_prompt(user, prompt: ConversationPrompt, *, text: str) -> ConversationPrompt:
    """An administrator changes a conversation prompt."""
    if prompt.pk is None:
        raise ValueError("update_prompt changes a seeded prompt; prompts are not added")
    text = text.strip()
    if not text:
        raise ValidationError(_("A conversation prompt cannot be empty."))
    with transaction.atomic():
        before = (ConversationPrompt.objects.select_for_update()
                  .values_list("text", flat=True).get(pk=prompt.pk))
        prompt.text = text
        prompt.save()
        record(user, AccessAction.UPDATE, "conversation_prompt", prompt.pk,
               purpose="edit conversation prompt",
               detail={"kind": prompt.kind, "language": prompt.language,
                       "changed": ["text"] if text != before else []})
    return prompt


MAX_DECISION = 1000
MAX_WHO = 200


def record_team_decision(user, team, case, *, what: str, who, by_when, decided_on):
    """The team's decision about a case at its FIT conference: who does what by when.
    `who` is a user of the team or a name in free text. Refused (ValidationError)
    when the user may not act for the team or the case is not the team's."""
    if not can_act_for_team(user, team):
        raise ValidationError(_("You cannot record decisions for this team."))
    if case.team_id != team.pk or case.organisation_id != team.unit.organisation_id:
        raise ValidationError(_("The case is not one of this team's cases."))
    what = (what or "").strip()
    if not what:
        raise ValidationError(_("Write what the team decided."))
    if len(what) > MAX_DECISION:
        raise ValidationError(_("Please keep the decision under %(n)s characters.")
                              % {"n": MAX_DECISION})
    who_user, who_text = None, ""
    if hasattr(who, "pk"):
        if not team.members.filter(pk=who.pk).exists():
            raise ValidationError(_("%(name)s is not a member of the team.")
                                  % {"name": who.display_name})
        who_user = who
    else:
        who_text = (who or "").strip()
        if not who_text:
            raise ValidationError(_("Write who does it."))
        if len(who_text) > MAX_WHO:
            raise ValidationError(_("Please keep who under %(n)s characters.") % {"n": MAX_WHO})
    if decided_on is None:
        raise ValidationError(_("Give the date of the conference."))
    if by_when is not None and by_when < decided_on:
        raise ValidationError(_("The date it is due cannot be before the conference."))
    with transaction.atomic():
        decision = TeamDecision.objects.create(
            team=team, case=case, decided_on=decided_on, what=what, who_user=who_user,
            who_text=who_text, by_when=by_when, created_by=user)
        record(user, AccessAction.CREATE, "team_decision", decision.pk, case_id=case.pk,
               purpose="team conference decision",
               detail={"team_id": team.pk, "decided_on": decided_on.isoformat()})
    return decision


@transaction.atomic
def record_refused_decision(user, case_id) -> None:
    """A decision sent for a case that is not on the team's board, in the access log."""
    record(user, AccessAction.DENIED, "case", str(case_id)[:64], purpose="team decision")
