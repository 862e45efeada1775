"""Rating links: tokens, and sending them by e-mail or SMS (fokus.ratings.actions
sends them once the link is committed).

The SMS sender is pluggable: settings.FOKUS_SMS_SENDER is the dotted path of a
class with a ``send(to, text)`` method; the default writes to the log (demo)."""

import datetime
import hashlib
import logging
import secrets
import uuid

from django.conf import settings
from django.core.mail import send_mail
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


class SendFailed(Exception):
    """The message with a link could not be sent; the link was withdrawn."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(str(token).encode()).hexdigest()


SUBMISSION_KEYS = uuid.UUID("6f1c2f4e-55a1-4d5e-9a3b-2f0d6c1e8b7a")


def submission_key(link) -> uuid.UUID:
    """The idempotency key of the one rating a link takes: the same on every press,
    reload and retry of the page, so that a retry is answered, not refused."""
    return uuid.uuid5(SUBMISSION_KEYS, link.token_hash)


class ConsoleSmsSender:
    """The demo sender: writes the message to the log instead of sending it. Never
    the default in production, where the log must hold no personal data."""

    def send(self, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", to, text)


def sms_available() -> bool:
    return bool(settings.FOKUS_SMS_SENDER)


def sms_sender():
    return import_string(settings.FOKUS_SMS_SENDER)()


def send_link(channel: str, address: str, url: str, *, first_name: str) -> None:
    text = _("Hello %(name)s. Please tell us how things are going: %(url)s "
             "The link works once and for 72 hours.") % {"name": first_name, "url": url}
    if channel == "email":
        send_mail(_("Your rating for the next meeting"), text, None, [address])
    else:
        sms_sender().send(address, text)
