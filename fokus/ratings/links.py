"""Rating links: tokens, and sending them by e-mail or SMS (the task worker sends them:
fokus.ratings.tasks.send_link).

The SMS sender is pluggable: settings.FOKUS_SMS_SENDER is the dotted path of a
class with a ``send(to, text)`` method; the default writes to the log (demo)."""

import datetime
import hashlib
import logging
import secrets
import time
import uuid

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DEFAULT_VALIDITY = datetime.timedelta(hours=72)
CHANNELS = ("email", "sms")


class LinkRefused(Exception):
    """The link is unknown, used or expired: nothing is stored."""

    def __init__(self, reason: str, link=None):
        super().__init__(reason)
        self.reason = reason
        self.link = link  # the RatingLink when the token named one (used, expired)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(str(token).encode()).hexdigest()


def token_lookup(token: str) -> Q:
    """The link a token opens: the first message's token or the reminder's (one query;
    only their hashes are stored)."""
    hashed = hash_token(token)
    return Q(token_hash=hashed) | Q(reminder_token_hash=hashed)


def link_url(token: str, language: str | None = None, request=None,
             base: str = "") -> str | None:
    """The absolute URL of a link's page: on settings.FOKUS_BASE_URL when it is set, else
    on `base` (the site's address as the request that made the link saw it: the task
    worker has no request), else on the request's host; None without any.
    ?lang= when the link is not in Danish (short, for a text message)."""
    path = reverse("ratings:rate_by_link", kwargs={"token": token})
    root = (settings.FOKUS_BASE_URL or base or "").strip().rstrip("/")
    if root:
        url = root + path
    elif request is not None:
        url = request.build_absolute_uri(path)
    else:
        return None
    return url + (f"?lang={language}" if language and language != "da" else "")


def site_base(request) -> str:
    """The site's address (scheme and host) as a request reached it: what the task worker
    builds a link's URL on when settings.FOKUS_BASE_URL is unset. Not a secret."""
    return request.build_absolute_uri("/").rstrip("/")


SUBMISSION_KEYS = uuid.UUID("6f1c2f4e-55a1-4d5e-9a3b-2f0d6c1e8b7a")


def submission_key(link) -> uuid.UUID:
    """The idempotency key of the one rating a link takes: the same on every press,
    reload and retry of the page, so that a retry is answered, not refused. Derived from
    the link (its first token's hash), not from the token that opened the page, so that
    the reminder's token and the first one submit the same rating."""
    return uuid.uuid5(SUBMISSION_KEYS, link.token_hash)


class ConsoleSmsSender:
    """The demo sender: writes the message to the log instead of sending it (the number
    masked). Never the default in production."""

    def send(self, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_number(to), text)


def mask_number(number: str) -> str:
    """A mobile number as a log may show it: the last two digits only."""
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def sms_available() -> bool:
    return bool(settings.FOKUS_SMS_SENDER)


def sms_sender():
    return import_string(settings.FOKUS_SMS_SENDER)()


def message_language(language: str | None) -> str:
    """The message is in Danish, or in English when the link was sent in English (the
    family screen's other languages have its words only, not these)."""
    return "en" if language == "en" else "da"


def sender_address(organisation) -> str | None:
    """The From address of rating links: the organisation's, else DEFAULT_FROM_EMAIL."""
    return organisation.rating_link_sender or None


def message_for(link, url: str | None, *, reminder: bool = False) -> tuple[str, str]:
    """(subject, text) of the message with a link (or of its reminder, which carries its
    own token for the same link, or no link without settings.FOKUS_BASE_URL). Different for "how life is going" (before a meeting) and "how the meeting
    went" (after). No personal data but the caseworker's first name: not the name of
    the person it goes to, nor of the child, nor the case."""
    from fokus.instruments.models import Measures

    with translation.override(message_language(link.language)):
        who = {"caseworker": (link.created_by.first_name if link.created_by else "")
               or _("your caseworker"),
               "municipality": link.case.organisation.name,
               "until": date_format(timezone.localtime(link.expires_at),
                                    "SHORT_DATETIME_FORMAT"),
               "url": url or ""}
        if link.instrument.measures == Measures.ALLIANCE:
            subject = _("How did the meeting go? A question from %(municipality)s") % who
            if reminder and url:
                text = _("A reminder from %(caseworker)s, %(municipality)s: we would still "
                         "like to hear how the meeting went: %(url)s The link works once, "
                         "until %(until)s.") % who
            elif reminder:
                text = _("A reminder from %(caseworker)s, %(municipality)s: we would still "
                         "like to hear how the meeting went. Please use the link in the "
                         "message you got; it works once, until %(until)s.") % who
            else:
                text = _("Hello. %(caseworker)s from %(municipality)s would like to know how "
                         "the meeting went for you: %(url)s The link works once, until "
                         "%(until)s.") % who
        else:
            subject = _("How are things going? A question from %(municipality)s") % who
            if reminder and url:
                text = _("A reminder from %(caseworker)s, %(municipality)s: we would still "
                         "like to hear how things are going before your next meeting: "
                         "%(url)s The link works once, until %(until)s.") % who
            elif reminder:
                text = _("A reminder from %(caseworker)s, %(municipality)s: we would still "
                         "like to hear how things are going before your next meeting. Please "
                         "use the link in the message you got; it works once, until "
                         "%(until)s.") % who
            else:
                text = _("Hello. Before your next meeting, %(caseworker)s from "
                         "%(municipality)s asks how things have been going lately: %(url)s "
                         "The link works once, until %(until)s.") % who
        if reminder:
            subject = _("Reminder: %(subject)s") % {"subject": subject}
    return subject, text


def send_link(link, address: str, url: str | None, *, reminder: bool = False) -> None:
    """Send the message with a link (or its reminder) by the link's channel."""
    subject, text = message_for(link, url, reminder=reminder)
    if link.channel == "email":
        EmailMessage(subject, text, sender_address(link.case.organisation), [address]).send()
    else:
        sms_sender().send(address, text)


# Guessing tokens (issue 11): an address that tries FOKUS_LINK_GUESSES unknown or expired
# tokens within FOKUS_LINK_GUESS_WINDOW_MINUTES is refused (429) without a lookup until
# that window, counted from its first miss, has passed. The count lives in Django's cache
# (shared by every process in production: settings.FOKUS_CACHE), under a keyed hash of the
# address, never the address itself. A used link opened again is not a guess.
GUESSED = ("unknown", "expired")


def _guess_key(address: str) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:link-guess:{address}".encode()).hexdigest()
    return f"fokus:link-guesses:{digest[:32]}"


def _guess_window() -> int:
    return int(settings.FOKUS_LINK_GUESS_WINDOW_MINUTES) * 60


def guessing_blocked(address: str) -> bool:
    """True while the address has used up its guesses in the current window."""
    from django.core.cache import cache

    entry = cache.get(_guess_key(address))
    if not entry:
        return False
    count, started = entry
    return count >= settings.FOKUS_LINK_GUESSES and started + _guess_window() > time.time()


def count_guess(address: str) -> bool:
    """Count a miss (an unknown or expired token) from the address. Returns True when
    this miss used up the last guess (the moment to log the throttling once)."""
    from django.core.cache import cache

    key, now, window = _guess_key(address), time.time(), _guess_window()
    entry = cache.get(key)
    if not entry or entry[1] + window <= now:
        entry = (0, now)
    count, started = entry[0] + 1, entry[1]
    # The entry ends with its window (set, not incr: the database cache's incr would
    # give it the default timeout).
    cache.set(key, (count, started), timeout=max(1, int(started + window - now) + 1))
    return count == settings.FOKUS_LINK_GUESSES


def guess_wait_minutes(address: str) -> int:
    from django.core.cache import cache

    entry = cache.get(_guess_key(address))
    if not entry:
        return 0
    return max(1, int((entry[1] + _guess_window() - time.time()) // 60) + 1)
