"""Writes to the organisation and its cases. Each runs in one transaction and
records its access-log entry in that same transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fokus.audit.actions import record
from fokus.audit.changes import delete_logged, save_logged
from fokus.audit.models import AccessAction
from fokus.cases.cpr import birth_date_from_cpr, clean_cpr
from fokus.cases.models import (
    Case,
    Intervention,
    Meeting,
    Organisation,
    Person,
    Phase,
    Team,
    Unit,
)


@transaction.atomic
def create_case(user, *, team, reference: str, family_name: str, opened_on: datetime.date,
                caseworkers=(), phase: str = Phase.SCREENING, legal_basis: str = "bl_18",
                opening_reason: str = "notification") -> Case:
    case = Case(organisation=team.unit.organisation, team=team, reference=reference,
                family_name=family_name, opened_on=opened_on, phase=phase,
                legal_basis=legal_basis, opening_reason=opening_reason)
    case.full_clean()
    case.save()
    case.caseworkers.set(caseworkers)
    record(user, AccessAction.CREATE, "case", case.pk, case_id=case.pk)
    return case


@transaction.atomic
def add_person(user, case: Case, *, first_name: str, role: str, last_name: str = "",
               birth_date: datetime.date | None = None, birth_year: int | None = None,
               cpr: str = "") -> Person:
    """Add a person to a case. A CPR number is checked (and gives the birth date
    when none is given); it is never logged."""
    errors: dict[str, list] = {}
    if cpr:
        try:
            cpr = clean_cpr(cpr, birth_date)
            birth_date = birth_date or birth_date_from_cpr(cpr)
        except ValidationError as exc:
            errors["cpr"] = exc.messages
    if birth_date is None and birth_year is None and "cpr" not in errors:
        errors["birth_date"] = [_("Give a birth date, or the birth year if the date is unknown.")]
    if birth_date and birth_date > timezone.localdate():
        errors["birth_date"] = [_("The birth date is in the future.")]
    if birth_date is None and birth_year is not None and (
            not isinstance(birth_year, int) or birth_year > timezone.localdate().year):
        errors["birth_year"] = [_("The birth year is in the future.")]
    if errors:
        raise ValidationError(errors)
    person = Person(case=case, first_name=first_name.strip(), last_name=last_name.strip(),
                    role=role, birth_date=birth_date,
                    birth_year=birth_year if birth_date is None else birth_date.year, cpr=cpr)
    person.full_clean(exclude=["cpr"])
    person.save()
    record(user, AccessAction.CREATE, "person", person.pk, case_id=case.pk, person_id=person.pk)
    return person


@transaction.atomic
def add_intervention(user, case: Case, *, type: str, start: datetime.date, provider: str = "",
                     purpose: str = "", expected_duration_weeks: int | None = None,
                     end: datetime.date | None = None) -> Intervention:
    intervention = Intervention(case=case, type=type, start=start, provider=provider,
                                purpose=purpose, expected_duration_weeks=expected_duration_weeks,
                                end=end)
    intervention.full_clean()
    intervention.save()
    case.save(update_fields=["updated_at"])  # its first intervention type may change
    record(user, AccessAction.CREATE, "intervention", intervention.pk, case_id=case.pk)
    return intervention


# Plausible dates (issue 11): a meeting or a rating lies on or after the case's opening
# and the birth of everyone in it, and not more than MEETING_DAYS_AHEAD days ahead (a
# tablet's clock or a time zone; a rating itself is never in the future).
MEETING_DAYS_AHEAD = 1


def born_by(person: Person, day: datetime.date) -> bool:
    """Whether the person was born on or before `day` (by the year, when only the year
    of birth is known)."""
    if person.birth_date:
        return person.birth_date <= day
    return person.birth_year is None or person.birth_year <= day.year


def date_problems(case: Case, day, *, persons=(), days_ahead: int = 0) -> list[str]:
    """What makes a meeting's or a rating's date implausible, in the person's language
    (an empty list when it is plausible)."""
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        return [_("Enter a valid date.")]
    problems = []
    latest = timezone.localdate() + datetime.timedelta(days=days_ahead)
    if day > latest:
        problems.append(_("The date is in the future.") if days_ahead == 0 else
                        _("The date is more than a day in the future."))
    if case.opened_on and day < case.opened_on:
        problems.append(_("The date is before the case was opened (%(date)s).") % {
            "date": date_format(case.opened_on, "SHORT_DATE_FORMAT")})
    for person in persons:
        if not born_by(person, day):
            problems.append(_("The date is before %(name)s was born.") % {
                "name": person.first_name})
    return problems


@transaction.atomic
def record_meeting(user, case: Case, *, held_on: datetime.date, kind: str, participants=(),
                   note: str = "") -> Meeting:
    foreign = [p for p in participants if p.case_id != case.pk]
    if foreign:
        raise ValidationError({"participants": [_("Only people in this case can take part.")]})
    problems = date_problems(case, held_on, persons=participants, days_ahead=MEETING_DAYS_AHEAD)
    if problems:
        raise ValidationError({"held_on": problems})
    meeting = Meeting(case=case, held_on=held_on, kind=kind, note=note, caseworker=user)
    meeting.full_clean()
    meeting.save()
    meeting.participants.set(participants)
    record(user, AccessAction.CREATE, "meeting", meeting.pk, case_id=case.pk)
    return meeting


@transaction.atomic
def cancel_meeting(user, case: Case, meeting: Meeting) -> Meeting:
    """Cancel a meeting started by mistake. It is kept (for the access log, which
    records the cancellation) and left out of everything else through
    Meeting.objects.held(): signals, the graph, the caseload, the dashboards, FIT use
    and the record. A meeting with ratings cannot be cancelled: a rating is never lost."""
    if meeting.case_id != case.pk:
        raise ValidationError(_("The meeting belongs to another case."))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.is_cancelled:
        return meeting
    if meeting.ratings.exists():
        raise ValidationError(_("Ratings were given at this meeting, so it cannot be "
                                "cancelled. Change the date or the people present instead, "
                                "or ask your FIT superuser."))
    meeting.cancelled_at = timezone.now()
    meeting.cancelled_by = user
    meeting.save(update_fields=["cancelled_at", "cancelled_by"])
    # The case has changed: the figures kept for the dashboards are rebuilt for it.
    case.save(update_fields=["updated_at"])
    record(user, AccessAction.UPDATE, "meeting", meeting.pk, case_id=case.pk,
           purpose="cancelled")
    return meeting


@transaction.atomic
def close_case(user, case: Case, *, closed_on: datetime.date) -> Case:
    if closed_on < case.opened_on:
        raise ValidationError({"closed_on": [_("A case cannot close before it opened.")]})
    case.closed_on = closed_on
    case.phase = Phase.CLOSED
    case.save(update_fields=["closed_on", "phase", "updated_at"])
    record(user, AccessAction.UPDATE, "case", case.pk, case_id=case.pk, purpose="close")
    return case


@transaction.atomic
def set_ratings_private_from_parents(user, case: Case, person: Person, *, private: bool) -> Person:
    """Mark a child's ratings as not to be shown to the parents on the family screen
    (or show them again). Only for a child of this case."""
    from fokus.cases.models import PersonRole

    if person.case_id != case.pk:
        raise ValidationError(_("Only people in this case can be changed here."))
    if person.role != PersonRole.CHILD:
        raise ValidationError(_("Only a child's ratings can be kept from the parents."))
    person.ratings_private_from_parents = bool(private)
    person.save(update_fields=["ratings_private_from_parents"])
    record(user, AccessAction.UPDATE, "person", person.pk, case_id=case.pk, person_id=person.pk,
           purpose="ratings private from parents" if private else "ratings shown to parents")
    return person


# The organisation's structure, as an administrator keeps it (fokus.cases.admin).
# A new municipality with its FIT settings is fokus.instruments.actions.create_organisation;
# one added here reads the built-in default settings until it has its own.

ORGANISATION_FIELDS = ("name", "municipality_code", "leaders_see_caseworker_figures",
                       "rating_link_sender", "rating_link_reminder_hours",
                       "role_grants_need_approval", "caseworkers_see_own_cases_only")
UNIT_FIELDS = ("organisation", "name")
TEAM_FIELDS = ("unit", "name")


@transaction.atomic
def save_organisation(user, organisation: Organisation) -> Organisation:
    return save_logged(user, organisation, object_type="organisation",
                       fields=ORGANISATION_FIELDS, purpose="configuration")


@transaction.atomic
def delete_organisation(user, organisation: Organisation) -> None:
    """Its licences, wordings, settings and parameter sets go with it; its units,
    cases and staff must have gone first (the database protects them)."""
    delete_logged(user, organisation, object_type="organisation", fields=ORGANISATION_FIELDS,
                  purpose="configuration")


@transaction.atomic
def save_unit(user, unit: Unit) -> Unit:
    return save_logged(user, unit, object_type="unit", fields=UNIT_FIELDS, purpose="configuration")


@transaction.atomic
def delete_unit(user, unit: Unit) -> None:
    delete_logged(user, unit, object_type="unit", fields=UNIT_FIELDS, purpose="configuration")


@transaction.atomic
def save_team(user, team: Team) -> Team:
    return save_logged(user, team, object_type="team", fields=TEAM_FIELDS, purpose="configuration")


@transaction.atomic
def delete_team(user, team: Team) -> None:
    """Its members leave it with it; its cases must have moved first (protected)."""
    delete_logged(user, team, object_type="team", fields=TEAM_FIELDS, m2m=("members",),
                  purpose="configuration")
