"""Rating links: sent by e-mail or SMS, work once, expire, show nothing of the case."""

import datetime
import json
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from fokus.ratings import links
from fokus.ratings.actions import create_rating_link
from fokus.ratings.models import Rating, RatingLink

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SENT = []


class RecordingSender:
    def send(self, to, text):
        SENT.append((to, text))


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def immediate(settings):
    """The immediate task backend (as in the demo): the send task runs at the commit.
    (tests/test_link_sending.py tries the worker's retries.)"""
    settings.TASKS = IMMEDIATE


def token_in(text: str) -> str:
    return text.split("http://testserver/r/")[1].split("/")[0]


def _link(world, person=None, code="ORS", valid_for=None, *, commit=True):
    """A link created and (commit=True) committed and sent: (link, the token in its
    message). The message leaves after the commit, which a test inside the test's
    transaction only sees through captured callbacks; without the commit, the token is
    the one the caller got."""
    from django.test import TestCase

    from fokus.instruments.models import Instrument

    person = person or world.mother
    with TestCase.captureOnCommitCallbacks(execute=commit):
        link, token = create_rating_link(world.anna, world.hansen, person=person, rater=person,
                                         instrument=Instrument.objects.get(code=code),
                                         channel="email", address="sara@example.org",
                                         valid_for=valid_for, base_url="http://testserver")
    if commit and mail.outbox:
        token = token_in(mail.outbox[-1].body)
    return link, token


def _post(client, token, answers=("5.0", "6.0", "7.0", "8.0"), key=None):
    return client.post(reverse("ratings:rate_by_link", kwargs={"token": token}),
                       json.dumps({"key": str(key or uuid.uuid4()), "answers": list(answers)}),
                       content_type="application/json", **EN)


def test_the_caseworker_sends_a_link_by_sms(world, client, settings,
                                           django_capture_on_commit_callbacks):
    from django.utils.module_loading import import_string

    settings.FOKUS_SMS_SENDER = "tests.test_rating_links.RecordingSender"
    settings.FOKUS_BASE_URL = ""  # no base URL: the link is built on the request's host
    sent = import_string("tests.test_rating_links.SENT")  # the module the sender lives in
    sent.clear()
    client.force_login(world.anna)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ratings:link_send", kwargs={"case_id": world.hansen.pk}), {
            "rater": world.mother.pk, "person": world.mother.pk, "measures": "outcome",
            "channel": "sms", "address": "+45 12 34 56 78"}, **EN)
    assert response.status_code == 302
    link = RatingLink.objects.get()
    assert link.instrument.code == "ORS"
    (to, text), = sent
    token = text.split("http://testserver/r/")[1].split("/")[0]
    # Only the hash is stored; the reminder's token is made only when it is sent.
    assert link.token_hash == links.hash_token(token) and token not in link.token_hash
    assert link.reminder_token_hash is None
    assert RatingLink.objects.filter(links.token_lookup(token)).get() == link
    assert abs(link.expires_at - timezone.now() - datetime.timedelta(hours=72)) < datetime.timedelta(minutes=1)


def test_a_link_by_e_mail_rates_once_and_lands_in_the_case(world, client):
    link, token = _link(world)
    assert token in mail.outbox[0].body
    page = client.get(reverse("ratings:rate_by_link", kwargs={"token": token}), **EN)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Sara" in content
    for secret in ("Hansen", "2025-0001", "Mikkel", "Freja"):
        assert secret not in content
    key = uuid.uuid4()
    assert _post(client, token, key=key).status_code == 201
    # The same submission again (a retry) is answered, not stored twice.
    assert _post(client, token, key=key).status_code == 200
    rating = Rating.objects.get()
    assert (rating.case, rating.person, rating.mode, rating.instrument.code) == (
        world.hansen, world.mother, "link", "ORS")
    assert str(rating.total) == "26.0"
    link.refresh_from_db()
    assert link.used_at is not None


def test_a_reused_link_is_refused_kindly_and_stores_nothing(world, client):
    _link_obj, token = _link(world)
    assert _post(client, token).status_code == 201
    again = _post(client, token)
    assert again.status_code == 410
    assert "already been used" in again.json()["errors"][0]
    page = client.get(reverse("ratings:rate_by_link", kwargs={"token": token}), **EN)
    assert page.status_code == 410 and "already been used" in page.content.decode()
    assert Rating.objects.count() == 1


def test_an_expired_link_is_refused_kindly_and_stores_nothing(world, client):
    link, token = _link(world)
    RatingLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = _post(client, token)
    assert response.status_code == 410
    assert "expired" in response.json()["errors"][0]
    page = client.get(reverse("ratings:rate_by_link", kwargs={"token": token}), **EN)
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert "Sara" not in page.content.decode()
    assert Rating.objects.count() == 0


def test_a_forged_link_is_refused_kindly_and_stores_nothing(world, client):
    _link(world)
    forged = links.new_token()
    response = _post(client, forged)
    assert response.status_code == 410
    assert "not valid" in response.json()["errors"][0]
    page = client.get(reverse("ratings:rate_by_link", kwargs={"token": forged}), **EN)
    assert page.status_code == 410 and "not valid" in page.content.decode()
    assert Rating.objects.count() == 0


def test_bad_values_through_a_link_store_nothing_and_leave_the_link_usable(world, client):
    link, token = _link(world)
    response = _post(client, token, answers=("12", "5", "5", "5"))
    assert response.status_code == 400 and response.json()["errors"]
    assert Rating.objects.count() == 0
    link.refresh_from_db()
    assert link.used_at is None
    assert _post(client, token).status_code == 201


def test_a_link_for_the_wrong_age_is_not_created(world):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        _link(world, person=world.child, code="ORS")
    assert RatingLink.objects.count() == 0


def test_without_an_sms_gateway_an_sms_link_is_refused_and_nothing_stored(world, settings):
    from django.core.exceptions import ValidationError

    from fokus.instruments.models import Instrument

    settings.FOKUS_SMS_SENDER = ""
    try:
        create_rating_link(world.anna, world.hansen, person=world.mother, rater=world.mother,
                           instrument=Instrument.objects.get(code="ORS"), channel="sms",
                           address="12345678")
    except ValidationError as exc:
        assert "not set up" in " ".join(exc.messages)
    else:
        raise AssertionError("an SMS link was sent without a gateway")
    assert not RatingLink.objects.exists()


# --- the message leaves the transaction ----------------------------------------------


def test_the_message_leaves_only_after_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        link, token = _link(world, commit=False)
        assert mail.outbox == []  # nothing is sent while the transaction is open
    assert len(callbacks) == 1 and mail.outbox == []
    callbacks[0]()  # the commit
    (message,) = mail.outbox
    assert message.to == ["sara@example.org"]
    # The message carries a token made when it was sent; the caller's no longer opens it.
    sent = token_in(message.body)
    assert sent != token
    assert RatingLink.objects.filter(links.token_lookup(sent)).get() == link
    assert not RatingLink.objects.filter(links.token_lookup(token)).exists()
    link.refresh_from_db()
    assert (link.send_state, link.send_attempts, link.send_address) == ("sent", 1, "")


def test_nothing_is_sent_when_the_transaction_rolls_back(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    class Rollback(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                _link(world, commit=False)
                raise Rollback
        except Rollback:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not RatingLink.objects.exists()


HELD = []


class DatabaseWatchingSender:
    """Notes whether the database transaction was still open while sending."""

    def send(self, to, text):
        from django.db import connection

        HELD.append(connection.in_atomic_block)


class FailingSender:
    def send(self, to, text):
        raise ConnectionError("the gateway is down")


@pytest.fixture
def world_tx(transactional_db):
    from tests.conftest import World

    return World()


def test_a_slow_gateway_never_holds_the_database(world_tx, client, settings):
    """Without a test transaction around it: the sender runs after the commit."""
    from django.utils.module_loading import import_string

    settings.FOKUS_SMS_SENDER = "tests.test_rating_links.DatabaseWatchingSender"
    held = import_string("tests.test_rating_links.HELD")  # the module the sender lives in
    held.clear()
    client.force_login(world_tx.anna)
    response = client.post(reverse("ratings:link_send", kwargs={"case_id": world_tx.hansen.pk}), {
        "rater": world_tx.mother.pk, "person": world_tx.mother.pk, "measures": "outcome",
        "channel": "sms", "address": "12345678"}, **EN)
    assert response.status_code == 302
    assert held == [False]
    assert RatingLink.objects.count() == 1


def test_a_link_that_could_not_be_sent_is_withdrawn_and_the_caseworker_told(
        world_tx, client, settings):
    from fokus.audit.models import AccessLogEntry

    settings.FOKUS_SMS_SENDER = "tests.test_rating_links.FailingSender"
    client.force_login(world_tx.anna)
    response = client.post(reverse("ratings:link_send", kwargs={"case_id": world_tx.hansen.pk}), {
        "rater": world_tx.mother.pk, "person": world_tx.mother.pk, "measures": "outcome",
        "channel": "sms", "address": "12345678"}, **EN)
    assert response.status_code == 200
    assert "The link could not be sent, so it was withdrawn." in response.content.decode()
    link = RatingLink.objects.get()
    assert link.expires_at <= timezone.now()
    assert (link.send_state, link.send_address, link.reminder_address) == ("failed", "", "")
    assert AccessLogEntry.objects.filter(object_type="rating_link", object_id=str(link.pk),
                                         action="update",
                                         purpose="not sent (ConnectionError), given up").exists()
    # The case page tells the caseworker too.
    case_page = client.get(reverse("insights:case", kwargs={"case_id": world_tx.hansen.pk}), **EN)
    assert "could not be sent: send it again or use a paper form" in case_page.content.decode()
