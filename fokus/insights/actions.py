"""Every write of the insights app, each with its audit entry in the same transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.insights.models import ConversationPrompt, MeetingRecord

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
