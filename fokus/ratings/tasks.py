"""Rating links' messages and their one reminder, sent by the task worker.

Sending (issue 12): the request that creates a link never talks to the mail server or
the SMS gateway. It stores the link "waiting to be sent" with the address and enqueues
`send_link` when it commits; the task's arguments are the link's id and the site's
address (scheme and host), never a token or the person's address. Each attempt makes a
fresh token (an earlier one was never delivered) and stores only its hash. An attempt
marks the link sent, erases the address and writes its access-log entry in one
transaction under the row's lock; the message leaves after the commit, so a second
worker or a duplicate task finds the link sent and does nothing. If the message cannot
be sent, the link waits again with its address, and the next attempt is enqueued after
FOKUS_SEND_RETRY_SECONDS × 1, 2, 4, 8, 16, 32; after the last one (or when the backend
cannot defer a task: the immediate backend of the demo) the link is given up on: it is
withdrawn (expires at once), the address erased, and the caseworker sees "could not be
sent". The log names the link's id and the exception's class only.

One reminder for an unanswered rating link, sent by the task worker.

An organisation that sets Organisation.rating_link_reminder_hours (0 = never) has
each unanswered link followed by one reminder that many hours after it was sent,
if the link has not expired or been used by then. The first token is never kept,
so the reminder carries a second token for the same link, made when the reminder is
sent (RatingLink.reminder_token_hash: again only its hash is stored), in a URL on
settings.FOKUS_BASE_URL (the worker has no request to take a host from). Both
tokens open the link until it is used or expires, and it takes one rating through
either (links.submission_key is the link's, not the token's). Without
FOKUS_BASE_URL the reminder carries no link: it asks the person to use the link in
the message they got. Either way it says until when the link works.

The address is kept on the link only for the reminder (RatingLink.reminder_address)
and erased when the reminder is sent, the link is used, expires or fails to send,
or the organisation stops reminders. Each reminder is sent at most once: it is
marked sent in the same transaction as its access-log entry, and the message
leaves after the commit.

`fokus send-reminders` (cron or the worker's schedule, e.g. every 15 minutes)
enqueues the reminders that are due: `remind` is a django-tasks task, run by the
worker (django-tasks-db) or at once by the immediate backend.
"""

import datetime
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Organisation
from fokus.ratings import links
from fokus.ratings.models import RatingLink, SendState

logger = logging.getLogger(__name__)


def _due(now: datetime.datetime):
    """The links whose one reminder is due now, organisation by organisation."""
    due = Q(pk__in=[])
    for org, hours in (Organisation.objects.filter(rating_link_reminder_hours__gt=0)
                       .values_list("pk", "rating_link_reminder_hours")):
        due |= Q(case__organisation_id=org,
                 created_at__lte=now - datetime.timedelta(hours=hours))
    return (RatingLink.objects.filter(due, used_at__isnull=True, reminder_sent_at__isnull=True,
                                      expires_at__gt=now, send_state=SendState.SENT)
            .exclude(reminder_address=""))


def due_reminders(now: datetime.datetime | None = None) -> list[int]:
    """The ids of the links whose reminder is due."""
    return list(_due(now or timezone.now()).order_by("pk").values_list("pk", flat=True))


def erase_addresses(now: datetime.datetime | None = None) -> int:
    """Erase the addresses no reminder will need: the link was used, has expired, was
    reminded, or its organisation sends no reminders. Returns how many."""
    now = now or timezone.now()
    return (RatingLink.objects.exclude(reminder_address="")
            .filter(Q(used_at__isnull=False) | Q(expires_at__lte=now)
                    | Q(reminder_sent_at__isnull=False)
                    | Q(case__organisation__rating_link_reminder_hours=0))
            .update(reminder_address=""))


def send_reminder(link_id: int, now: datetime.datetime | None = None) -> bool:
    """Send the reminder of one link if it is (still) due: True if sent. Logged."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _due(now).filter(pk=link_id).exists():
            return False
        link = RatingLink.objects.select_for_update().get(pk=link_id)
        if link.used_at is not None or link.reminder_sent_at is not None:
            return False  # answered or reminded while we looked
        address = link.reminder_address
        token = links.new_token()
        url = links.link_url(token, link.language)  # None without FOKUS_BASE_URL
        link.reminder_sent_at = now
        link.reminder_address = ""
        link.reminder_token_hash = links.hash_token(token) if url else None
        link.save(update_fields=["reminder_sent_at", "reminder_address", "reminder_token_hash"])
        record(None, AccessAction.UPDATE, "rating_link", link.pk, case_id=link.case_id,
               person_id=link.person_id, purpose="reminder")
        transaction.on_commit(partial(_send, link, address, url))
    return True


def _send(link: RatingLink, address: str, url: str | None) -> None:
    try:
        links.send_link(link, address, url, reminder=True)
    except Exception as exc:  # any failure of a mail server or an SMS gateway
        # Not retried: a reminder is sent at most once. The log names the link only.
        logger.warning("The reminder of rating link %s could not be sent by %s: %s",
                       link.pk, link.channel, type(exc).__name__)


@task()
def remind(link_id: int) -> bool:
    """The worker's task: one link's reminder (send_reminder)."""
    return send_reminder(link_id)


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """The periodic entry point (`fokus send-reminders`): erase the addresses no longer
    needed and enqueue a reminder for each link that is due. Returns how many."""
    erase_addresses(now)
    due = due_reminders(now)
    for link_id in due:
        remind.enqueue(link_id)
    return len(due)


@task()
def send_reminders() -> int:
    """The worker's schedule (fokus.lib.schedule), every 15 minutes: `fokus send-reminders`,
    and the sends a stopped worker left waiting (requeue_lost_sends)."""
    requeue_lost_sends()
    return send_due_reminders()


LOST_AFTER = datetime.timedelta(minutes=10)


def requeue_lost_sends(now: datetime.datetime | None = None) -> int:
    """Enqueue the send of each link that waits to be sent with no attempt due for ten
    minutes: its task was lost (a worker stopped between recording a failed attempt and
    queueing the next, or the queue was emptied). An extra task is harmless: an attempt
    on a link already sent or not yet due does nothing. On settings.FOKUS_BASE_URL (the
    lost task's site address is gone); without it nothing is requeued and the link is
    given up on when it expires. Returns how many."""
    if not (settings.FOKUS_BASE_URL or "").strip():
        return 0
    now = now or timezone.now()
    lost = (RatingLink.objects.filter(send_state=SendState.PENDING, expires_at__gt=now)
            .filter(Q(next_attempt_at__lte=now - LOST_AFTER)
                    | Q(next_attempt_at__isnull=True, created_at__lte=now - LOST_AFTER))
            .order_by("pk").values_list("pk", flat=True))
    ids = list(lost)
    for link_id in ids:
        send_link.enqueue(link_id, "")
    return len(ids)


# -- sending a link's message ------------------------------------------------------------

RETRIES = 6  # after the first attempt, waiting 1, 2, 4, 8, 16, 32 × FOKUS_SEND_RETRY_SECONDS


def retry_delay(attempt: int) -> datetime.timedelta:
    """The wait after failed attempt number `attempt` (1 = the first): doubling."""
    return datetime.timedelta(seconds=settings.FOKUS_SEND_RETRY_SECONDS * 2 ** (attempt - 1))


def attempt_send(link_id: int, base_url: str = "") -> str:
    """One attempt to send a link's message: "sent", "retry" (it waits for the next
    attempt), "failed" (given up: withdrawn) or "nothing" (already sent, given up, not
    due yet, or gone: a duplicate task). Runs outside a transaction (the worker's task):
    the message leaves after the attempt's commit."""
    now = timezone.now()
    with transaction.atomic():
        link = RatingLink.objects.select_for_update().filter(pk=link_id).first()
        if (link is None or link.send_state != SendState.PENDING
                or (link.next_attempt_at is not None and link.next_attempt_at > now)):
            return "nothing"
        if link.expires_at <= now or not link.send_address:
            _give_up(link, now, "expired" if link.expires_at <= now else "no address")
            return "failed"
        address = link.send_address
        token = links.new_token()
        url = links.link_url(token, link.language, base=base_url)
        link.token_hash = links.hash_token(token)
        link.send_attempts += 1
        link.send_state, link.sent_at, link.next_attempt_at = SendState.SENT, now, None
        link.send_address = ""
        link.save(update_fields=["token_hash", "send_attempts", "send_state", "sent_at",
                                 "next_attempt_at", "send_address"])
        record(None, AccessAction.UPDATE, "rating_link", link.pk, case_id=link.case_id,
               person_id=link.person_id, purpose=f"sent, attempt {link.send_attempts}")
    try:
        links.send_link(link, address, url)
    except Exception as exc:  # any failure of a mail server or an SMS gateway
        logger.warning("Rating link %s could not be sent by %s (attempt %s): %s", link.pk,
                       link.channel, link.send_attempts, type(exc).__name__)
        return _not_sent(link.pk, address, base_url, type(exc).__name__)
    return "sent"


def _not_sent(link_id: int, address: str, base_url: str, error: str) -> str:
    """The attempt failed: the link waits for the next one (with its address back), or,
    after the last, is given up on."""
    now = timezone.now()
    with transaction.atomic():
        link = RatingLink.objects.select_for_update().get(pk=link_id)
        if link.send_attempts > RETRIES or not send_link.get_backend().supports_defer:
            _give_up(link, now, error)
            return "failed"
        retry = send_link.using(run_after=now + retry_delay(link.send_attempts))
        link.send_state, link.sent_at = SendState.PENDING, None
        link.next_attempt_at, link.send_address = retry.run_after, address
        link.save(update_fields=["send_state", "sent_at", "next_attempt_at", "send_address"])
        record(None, AccessAction.UPDATE, "rating_link", link.pk, case_id=link.case_id,
               person_id=link.person_id, purpose=f"not sent ({error}), will try again")
        transaction.on_commit(partial(retry.enqueue, link.pk, base_url))
    return "retry"


def _give_up(link: RatingLink, now: datetime.datetime, error: str) -> None:
    """The message could not be sent: the link is withdrawn so that it opens nothing, and
    no address is kept (within the caller's transaction, logged)."""
    link.send_state, link.sent_at, link.next_attempt_at = SendState.FAILED, None, None
    link.send_address = link.reminder_address = ""
    link.expires_at = min(link.expires_at, now)
    link.save(update_fields=["send_state", "sent_at", "next_attempt_at", "send_address",
                             "reminder_address", "expires_at"])
    record(None, AccessAction.UPDATE, "rating_link", link.pk, case_id=link.case_id,
           person_id=link.person_id, purpose=f"not sent ({error}), given up")


@task()
def send_link(link_id: int, base_url: str = "") -> str:
    """The worker's task: one attempt to send a link's message (attempt_send)."""
    return attempt_send(link_id, base_url)
