"""Storing a rating: the only way a rating enters Fokus.

Everything is checked before anything is stored, and a refused rating changes
nothing. A submission with an idempotency key that was already stored returns
the stored rating, so a retry from a tablet that lost its network never stores
a rating twice; record_rating says which of the two happened.
"""

import datetime
import logging
import uuid
from decimal import Decimal, InvalidOperation
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.actions import MEETING_DAYS_AHEAD, born_by
from fokus.cases.models import Case, Meeting, Person
from fokus.instruments.access import has_licence
from fokus.instruments.models import Instrument, ItemType, Measures
from fokus.ratings.models import Rating, RatingAnswer, RatingMode

TENTH = Decimal("0.1")
logger = logging.getLogger(__name__)


def parse_score(raw) -> Decimal:
    """A score as typed or sent: '7.4', '7,4' (Danish decimal comma), 7.4 or Decimal.
    Raises InvalidOperation for anything that is not a finite number."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw).strip().replace(",", ".")
        if not text:
            raise InvalidOperation
        value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def suggest_instrument(measures: str, age: int, *, group: bool = False,
                       among: list[Instrument] | None = None) -> Instrument | None:
    """The instrument for a measure at an age: YCORS under 6, CORS 6-12, ORS 13+ (and the
    session scales alike). `among` (from active_instruments) saves the query when many
    people are placed at once."""
    if among is None:
        among = active_instruments(group=group, measures=measures)
    for instrument in among:
        if (instrument.measures == measures and instrument.group_session == group
                and instrument.active and instrument.fits_age(age)):
            return instrument
    return None


def active_instruments(*, group: bool = False, measures: str | None = None) -> list[Instrument]:
    """The instruments in use, youngest ages first: what suggest_instrument chooses from."""
    instruments = Instrument.objects.filter(active=True, group_session=group)
    if measures is not None:
        instruments = instruments.filter(measures=measures)
    return list(instruments.order_by("min_age", "pk"))


def check_rating(case: Case, *, instrument: Instrument, person: Person, rater: Person,
                 rated_on: datetime.date, answers: list, total=None,
                 days_ahead: int = 0) -> tuple[list[Decimal], Decimal]:
    """Check a rating; return the item values and total, or raise ValidationError
    with every problem in the person's language. The date lies between the births of the
    person rated and the rater and today (`days_ahead`: a rating taken at a meeting dated
    tomorrow, which cases.actions.record_meeting allows). The case's opening bounds it
    where a person gives the date: the paper form (PaperRatingForm.clean) and the meeting
    (cases.actions.record_meeting), whose date a family-screen rating takes; a link's
    rating is dated today."""
    errors: list[str] = []
    if not isinstance(rated_on, datetime.date) or isinstance(rated_on, datetime.datetime):
        raise ValidationError(_("Enter a valid date."))
    if person.case_id != case.pk or rater.case_id != case.pk:
        errors.append(_("The person rated and the rater must both belong to this case."))
    if not instrument.active:
        errors.append(_("%(code)s is not in use.") % {"code": instrument.code})
    if not has_licence(case.organisation_id, instrument.family, rated_on):
        errors.append(_(
            "Your organisation has not recorded a licence for %(code)s. An administrator "
            "records the licence before the instrument can be used.") % {"code": instrument.code})
    if rated_on > timezone.localdate() + datetime.timedelta(days=days_ahead):
        errors.append(_("The date of the rating is in the future."))
    if rater.pk != person.pk and not born_by(rater, rated_on):
        errors.append(_("The rating is dated before %(name)s was born.") % {
            "name": rater.first_name})
    age = person.age_on(rated_on)
    if age < 0 or not born_by(person, rated_on):
        errors.append(_("The rating is dated before %(name)s was born.") % {"name": person.first_name})
    elif not instrument.fits_age(age):
        fitting = suggest_instrument(instrument.measures, age, group=instrument.group_session)
        message = _("%(code)s is for ages %(range)s; %(name)s was %(age)s years old on that date.") % {
            "code": instrument.code, "range": instrument.age_range_text(),
            "name": person.first_name, "age": age}
        if fitting:
            message += " " + _("Use %(code)s.") % {"code": fitting.code}
        errors.append(message)

    items = list(instrument.items.all())
    values: list[Decimal] = []
    if len(answers) != len(items):
        errors.append(_("%(code)s has %(n)s items; %(given)s answers were given.") % {
            "code": instrument.code, "n": len(items), "given": len(answers)})
    else:
        for item, raw in zip(items, answers, strict=True):
            try:
                value = parse_score(raw)
            except (InvalidOperation, ValueError):
                errors.append(_("%(item)s: “%(value)s” is not a number.") % {
                    "item": item.label, "value": str(raw)[:20]})
                continue
            if not item.min_value <= value <= item.max_value:
                errors.append(_("%(item)s: %(value)s is outside %(min)s-%(max)s.") % {
                    "item": item.label, "value": number_format(value),
                    "min": number_format(item.min_value), "max": number_format(item.max_value)})
                continue
            if (value - item.min_value) % item.step != 0:
                if instrument.item_type == ItemType.VAS_10CM:
                    errors.append(_("%(item)s: give the score with one decimal (e.g. 6.4).") % {
                        "item": item.label})
                else:
                    errors.append(_("%(item)s: choose one of the answers.") % {"item": item.label})
                continue
            values.append(value.quantize(TENTH))
    item_sum = sum(values, Decimal("0.0"))
    if total not in (None, "") and len(values) == len(items) and not errors:
        try:
            given = parse_score(total)
        except (InvalidOperation, ValueError):
            errors.append(_("The total “%(value)s” is not a number.") % {"value": str(total)[:20]})
        else:
            if given != item_sum:
                errors.append(_("The total %(total)s is not the sum of the items (%(sum)s).") % {
                    "total": number_format(given), "sum": number_format(item_sum)})
    if errors:
        raise ValidationError(errors)
    return values, item_sum


def record_rating(user, case: Case, *, instrument: Instrument, person: Person, rater: Person,
                  rated_on: datetime.date, answers: list, mode: str, total=None,
                  meeting: Meeting | None = None,
                  idempotency_key: uuid.UUID | str | None = None) -> tuple[Rating, bool]:
    """Store a rating, or raise ValidationError and store nothing. Returns (rating,
    created): created is False when the key was stored before (the stored rating)."""
    if mode not in RatingMode.values:
        raise ValidationError(_("Unknown way of taking a rating."))
    if idempotency_key:
        try:
            idempotency_key = uuid.UUID(str(idempotency_key))
        except ValueError as exc:
            raise ValidationError(_("The submission key is not valid.")) from exc
        existing = Rating.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _same_submission(existing, case, instrument=instrument, person=person,
                                    rater=rater, meeting=meeting, answers=answers), False
    if meeting is not None and meeting.case_id != case.pk:
        raise ValidationError(_("The meeting belongs to another case."))
    if meeting is not None and meeting.is_cancelled:
        # A rating still on its way from a device after its meeting was cancelled is
        # kept (never lost), as a rating of its day without a meeting.
        meeting = None
    values, item_sum = check_rating(
        case, instrument=instrument, person=person, rater=rater, rated_on=rated_on,
        answers=answers, total=total,
        days_ahead=MEETING_DAYS_AHEAD if meeting is not None and rated_on == meeting.held_on else 0)
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                case=case, meeting=meeting, instrument=instrument, person=person, rater=rater,
                rated_on=rated_on, total=item_sum, mode=mode,
                entered_by=user if getattr(user, "is_authenticated", False) else None,
                idempotency_key=idempotency_key or None,
            )
            RatingAnswer.objects.bulk_create(
                RatingAnswer(rating=rating, item=item, value=value)
                for item, value in zip(instrument.items.all(), values, strict=True)
            )
            record(user, AccessAction.CREATE, "rating", rating.pk, case_id=case.pk,
                   person_id=person.pk, purpose=mode)
    except IntegrityError:
        # Two deliveries of the same submission raced: the other one stored it.
        existing = Rating.objects.filter(idempotency_key=idempotency_key).first()
        if idempotency_key and existing is not None:
            return _same_submission(existing, case, instrument=instrument, person=person,
                                    rater=rater, meeting=meeting, answers=answers), False
        raise
    return rating, True


class SubmissionConflict(ValidationError):
    """The idempotency key was stored before with another rating: another case, person,
    rater, meeting, instrument or other answers. Nothing is stored or changed (409): a
    retry is answered as the first time only when it is the very same submission."""


def _conflict() -> SubmissionConflict:
    return SubmissionConflict(_(
        "This submission was already saved with other answers or for another person, so it "
        "was not saved again and nothing was changed. Reload the page to see what is saved."))


def same_answers(existing: Rating, answers: list) -> bool:
    """Whether answers (as sent) are the stored rating's, item by item."""
    stored = [a.value for a in existing.answers.order_by("item__position")]
    if not isinstance(answers, (list, tuple)) or len(answers) != len(stored):
        return False
    try:
        given = [parse_score(raw).quantize(TENTH) for raw in answers]
    except (InvalidOperation, ValueError, TypeError):
        return False
    return given == [Decimal(v).quantize(TENTH) for v in stored]


def _same_submission(existing: Rating, case: Case, *, instrument: Instrument, person: Person,
                     rater: Person, meeting: Meeting | None, answers: list) -> Rating:
    """The stored rating, when this is the same submission again; else SubmissionConflict."""
    # A rating that arrived after its meeting was cancelled was kept without the meeting.
    meeting_id = None if meeting is None or meeting.is_cancelled else meeting.pk
    if (existing.case_id != case.pk or existing.person_id != person.pk
            or existing.rater_id != rater.pk or existing.instrument_id != instrument.pk
            or (existing.meeting_id != meeting_id
                and not (existing.meeting_id is None and meeting is not None
                         and meeting.is_cancelled))
            or not same_answers(existing, answers)):
        raise _conflict()
    return existing


@transaction.atomic
def record_missing_rating(user, case: Case, *, meeting: Meeting, person: Person,
                          reason: str, measures: str = Measures.OUTCOME.value):
    """Why someone present did not rate at a meeting. Recording it again changes the
    reason; withdraw_missing_rating undoes it."""
    from fokus.ratings.models import MissingRating, MissingReason

    _check_missing(case, meeting=meeting, person=person, measures=measures)
    if reason not in MissingReason.values:
        raise ValidationError(_("Unknown reason."))
    missing, created = MissingRating.objects.update_or_create(
        meeting=meeting, person=person, measures=measures,
        defaults={"case": case, "reason": reason, "recorded_by": user},
    )
    case.save(update_fields=["updated_at"])  # the dashboards' kept figures see the change
    record(user, AccessAction.CREATE if created else AccessAction.UPDATE, "missing_rating",
           missing.pk, case_id=case.pk, person_id=person.pk, purpose=reason)
    return missing


@transaction.atomic
def withdraw_missing_rating(user, case: Case, *, meeting: Meeting, person: Person,
                            measures: str = Measures.OUTCOME.value) -> bool:
    """Undo "did not rate": the reason is removed (logged). False if there was none."""
    from fokus.ratings.models import MissingRating

    _check_missing(case, meeting=meeting, person=person, measures=measures)
    missing = MissingRating.objects.filter(meeting=meeting, person=person,
                                           measures=measures).first()
    if missing is None:
        return False
    pk, reason = missing.pk, missing.reason
    missing.delete()
    case.save(update_fields=["updated_at"])
    record(user, AccessAction.DELETE, "missing_rating", pk, case_id=case.pk,
           person_id=person.pk, purpose=f"undo {reason}")
    return True


def _check_missing(case: Case, *, meeting: Meeting, person: Person, measures: str) -> None:
    if meeting.case_id != case.pk or person.case_id != case.pk:
        raise ValidationError(_("The person and the meeting must belong to this case."))
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled."))
    if measures not in (Measures.OUTCOME, Measures.ALLIANCE):
        raise ValidationError(_("Unknown measure."))


def create_rating_link(user, case: Case, *, person: Person, rater: Person,
                       instrument: Instrument, channel: str, address: str, base_url: str = "",
                       build_url=None, valid_for: datetime.timedelta | None = None,
                       language: str = "da"):
    """Create a one-time rating link and have the task worker send it. Returns (link,
    token); only the token's hash is stored.

    The link waits to be sent (RatingLink.send_state) with the address, and the send
    task (fokus.ratings.tasks.send_link) is enqueued when the link is committed: the
    request never talks to the mail server or the SMS gateway, nothing is sent for a link
    that was rolled back, and a server that is down means retries, not an error. The
    message carries a token of its own, made when it is sent; the token returned here
    opens the link until then (for a caller that hands it over itself, e.g. a test).
    base_url is the site's address the worker builds the URL on without
    settings.FOKUS_BASE_URL (links.site_base); build_url is no longer used (the worker
    builds the URL) and is accepted for callers written before."""
    from fokus.ratings.tasks import send_link

    with transaction.atomic():
        link, token = _create_rating_link(user, case, person=person, rater=rater,
                                          instrument=instrument, channel=channel,
                                          valid_for=valid_for, language=language,
                                          address=address)
        transaction.on_commit(partial(send_link.enqueue, link.pk, base_url))
    return link, token


def _create_rating_link(user, case: Case, *, person: Person, rater: Person,
                        instrument: Instrument, channel: str,
                        valid_for: datetime.timedelta | None, language: str, address: str):
    from fokus.ratings import links
    from fokus.ratings.models import RatingLink

    errors = []
    if person.case_id != case.pk or rater.case_id != case.pk:
        errors.append(_("The person rated and the rater must both belong to this case."))
    if not instrument.active or not has_licence(case.organisation_id, instrument.family,
                                                timezone.localdate()):
        errors.append(_("%(code)s cannot be used.") % {"code": instrument.code})
    elif not instrument.fits_age(person.age_today):
        errors.append(_("%(code)s is for ages %(range)s.") % {
            "code": instrument.code, "range": instrument.age_range_text()})
    if channel not in links.CHANNELS:
        errors.append(_("Choose e-mail or SMS."))
    elif channel == "sms" and not links.sms_available():
        errors.append(_("Sending by SMS is not set up in this municipality. Use e-mail."))
    if errors:
        raise ValidationError(errors)
    token = links.new_token()
    link = RatingLink.objects.create(
        case=case, person=person, rater=rater, instrument=instrument,
        token_hash=links.hash_token(token), channel=channel, created_by=user,
        expires_at=timezone.now() + (valid_for or links.DEFAULT_VALIDITY),
        language=(language or "da")[:8],
        # Kept only until the message is sent (fokus.ratings.tasks erases it).
        send_address=address,
        # Kept only while a reminder may follow (fokus.ratings.tasks erases it).
        reminder_address=address if case.organisation.rating_link_reminder_hours else "",
    )
    record(user, AccessAction.CREATE, "rating_link", link.pk, case_id=case.pk,
           person_id=person.pk, purpose=channel)
    return link, token


def record_link_rating(token: str, *, answers: list,
                       idempotency_key=None) -> tuple[Rating, bool]:
    """Store the rating given through a link: once, before it expires. Returns
    (rating, created) as record_rating; raises links.LinkRefused (nothing stored) or
    ValidationError."""
    from fokus.ratings import links
    from fokus.ratings.models import RatingLink

    with transaction.atomic():
        link = (RatingLink.objects.select_for_update()
                .filter(links.token_lookup(token))  # the first token or the reminder's
                .select_related("case", "person", "rater", "instrument").first())
        if link is None:
            raise links.LinkRefused("unknown")
        if link.used_at is not None:
            # A retry of the very submission that used the link is answered, not refused;
            # the same key with other answers is a conflict (409), and changes nothing.
            if (idempotency_key and link.rating is not None
                    and str(link.rating.idempotency_key) == str(idempotency_key)):
                if not same_answers(link.rating, answers):
                    raise _conflict()
                return link.rating, False
            raise links.LinkRefused("used", link)
        if link.expires_at <= timezone.now():
            raise links.LinkRefused("expired", link)
        rating, created = record_rating(
            None, link.case, instrument=link.instrument, person=link.person, rater=link.rater,
            rated_on=timezone.localdate(), answers=answers, mode=RatingMode.LINK,
            idempotency_key=idempotency_key,
        )
        if not created:
            # The key was stored before, but not through this link: not this link's rating.
            raise _conflict()
        link.used_at = timezone.now()
        link.rating = rating
        link.reminder_address = ""  # answered: no reminder
        link.save(update_fields=["used_at", "rating", "reminder_address"])
        record(None, AccessAction.UPDATE, "rating_link", link.pk, case_id=link.case_id,
               person_id=link.person_id, purpose="used")
    return rating, True


@transaction.atomic
def record_refused_link(user, refused) -> None:
    """A rating link that opened nothing (links.LinkRefused), in the access log: against
    its case when the token named a link, else without one; the token is never stored."""
    link = refused.link
    record(user if getattr(user, "is_authenticated", False) else None, AccessAction.DENIED,
           "rating_link", link.pk if link else None, case_id=link.case_id if link else None,
           person_id=link.person_id if link else None, purpose=refused.reason)


@transaction.atomic
def record_link_guessing_throttled(user) -> None:
    """An address used up its guesses of rating-link tokens (fokus.ratings.links): logged
    once per window, without the address or any token."""
    record(user if getattr(user, "is_authenticated", False) else None, AccessAction.DENIED,
           "rating_link", purpose="guessing throttled")


@transaction.atomic
def record_refused_screen_submit(user) -> None:
    """A rating sent to the family screen's endpoint when no family screen is open on
    this device (closed, never opened, or another session), in the access log."""
    record(user if getattr(user, "is_authenticated", False) else None, AccessAction.DENIED,
           "family_screen_submit", purpose="no family screen open")


@transaction.atomic
def record_refused_unlock(user, *, case_id: int, meeting_id: int) -> None:
    """A wrong password on a family screen's unlock page, in the access log."""
    record(user, AccessAction.DENIED, "family_screen_unlock", meeting_id, case_id=case_id,
           purpose="wrong password")
