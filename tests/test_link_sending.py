"""Sending a rating link by the task worker (issue 12): the request only stores the link
and enqueues its send; a mail server that is down means retries with back-off, shown
to the caseworker as "waiting to be sent", never an error; the message leaves once; no
token and no address in the queue or the log; given up after the last attempt.

The worker is played by calling the task's function (fokus.ratings.tasks.attempt_send)
with the dummy task backend, which keeps what is enqueued (and when it may run)."""

import datetime
import logging

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.instruments.models import Instrument
from fokus.ratings import links
from fokus.ratings.actions import create_rating_link
from fokus.ratings.models import RatingLink
from fokus.ratings.tasks import RETRIES, attempt_send, due_reminders, send_link

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
ADDRESS = "sara.hansen@example.org"
BASE = "http://testserver"


class SwitchedMailServer(EmailBackend):
    """Django's locmem backend behind a switch: while `down`, every send fails as an
    SMTP server that does not answer does."""

    down = True

    def send_messages(self, messages):
        if type(self).down:
            raise ConnectionRefusedError(111, "Connection refused")
        return super().send_messages(messages)


def switch(*, down: bool) -> None:
    """The mail server down or up, in the class Django's mail loads by name (pytest may
    have imported this module under another name)."""
    from django.utils.module_loading import import_string

    SwitchedMailServer.down = down
    import_string("tests.test_link_sending.SwitchedMailServer").down = down


@pytest.fixture
def queue(settings):
    """The dummy task backend (it keeps what is enqueued) and the switched mail server,
    down; FOKUS_SEND_RETRY_SECONDS at its default of a minute."""
    settings.TASKS = DUMMY
    settings.EMAIL_BACKEND = "tests.test_link_sending.SwitchedMailServer"
    settings.FOKUS_BASE_URL = ""
    settings.FOKUS_SEND_RETRY_SECONDS = 60
    switch(down=True)
    backend = send_link.get_backend()
    backend.clear()
    yield backend
    backend.clear()
    switch(down=True)


def _send(world):
    """A caseworker sends a link through the page; the commit runs its callbacks."""
    from django.test import Client

    client = Client()
    client.force_login(world.anna)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("ratings:link_send", kwargs={"case_id": world.hansen.pk}),
                               {"rater": world.mother.pk, "person": world.mother.pk,
                                "measures": "outcome", "channel": "email", "address": ADDRESS},
                               follow=True, **EN)
    return client, response


def _due_now(link):
    """Time passes until the next attempt is due (what the worker's run_after waits for)."""
    RatingLink.objects.filter(pk=link.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def _run(queue, link):
    """The worker runs the newest task enqueued for the link, when it is due."""
    result = queue.results[-1]
    assert result.task.name == "send_link" and result.args[0] == link.pk
    _due_now(link)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return attempt_send(*result.args, **result.kwargs)


def _case_page(client, world):
    return client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}),
                      **EN).content.decode()


def test_the_request_only_enqueues_the_send_and_says_the_link_will_be_sent(world, queue):
    client, response = _send(world)
    assert response.status_code == 200
    content = response.content.decode()
    assert "The link for ORS will be sent to Sara." in content
    assert "could not be sent" not in content
    assert mail.outbox == []  # the request did not talk to the mail server
    link = RatingLink.objects.get()
    assert (link.send_state, link.send_attempts, link.send_address) == ("pending", 0, ADDRESS)
    (task,) = queue.results
    # Only the link's id and the site's address travel in the queue.
    assert task.task.name == "send_link" and list(task.args) == [link.pk, BASE]
    assert task.kwargs == {} and task.task.run_after is None
    assert "waiting to be sent" in _case_page(client, world)
    danish = client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}),
                        HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "venter på at blive sendt" in danish and "Rating links" not in danish


def test_down_then_up_retries_with_growing_waits_and_delivers_once(world, queue, caplog):
    client, _response = _send(world)
    link = RatingLink.objects.get()
    waits = []
    with caplog.at_level(logging.INFO):
        for attempt in (1, 2, 3):
            before = timezone.now()
            assert _run(queue, link) == "retry"
            link.refresh_from_db()
            assert (link.send_state, link.send_attempts, link.send_address) == (
                "pending", attempt, ADDRESS)
            retry = queue.results[-1]
            assert retry.task.run_after == link.next_attempt_at
            waits.append(round((link.next_attempt_at - before).total_seconds() / 60))
            page = _case_page(client, world)
            next_try = timezone.localtime(link.next_attempt_at).strftime("%H:%M")
            assert f"waiting to be sent (attempt {attempt + 1}, next try {next_try})" in page
        assert waits == [1, 2, 4]  # minutes: doubling
        assert mail.outbox == []
        # A task that comes before the next attempt is due does nothing.
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert attempt_send(link.pk, BASE) == "nothing"
        switch(down=False)
        assert _run(queue, link) == "sent"
        # A duplicate task, or a second worker, finds it sent.
        _due_now(link)
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert attempt_send(link.pk, BASE) == "nothing"
    (message,) = mail.outbox
    assert message.to == [ADDRESS]
    token = message.body.split(f"{BASE}/r/")[1].split("/")[0]
    link.refresh_from_db()
    assert (link.send_state, link.send_attempts, link.send_address) == ("sent", 4, "")
    assert link.token_hash == links.hash_token(token)
    assert client.get(reverse("ratings:rate_by_link", kwargs={"token": token})).status_code == 200
    sent_at = timezone.localtime(link.sent_at).strftime("%H:%M")
    assert f"sent {sent_at}" in _case_page(client, world)
    # Each attempt in the access log, without the address.
    purposes = list(AccessLogEntry.objects.filter(
        object_type="rating_link", object_id=str(link.pk), action="update")
        .order_by("pk").values_list("purpose", flat=True))
    assert purposes == ["sent, attempt 1", "not sent (ConnectionRefusedError), will try again",
                        "sent, attempt 2", "not sent (ConnectionRefusedError), will try again",
                        "sent, attempt 3", "not sent (ConnectionRefusedError), will try again",
                        "sent, attempt 4"]
    # The log names the link and the exception's class; no token or address anywhere.
    failures = [r.getMessage() for r in caplog.records if r.name == "fokus.ratings.tasks"]
    assert len(failures) == 3
    assert all(f"Rating link {link.pk} " in f and "ConnectionRefusedError" in f
               for f in failures)
    for text in [r.getMessage() for r in caplog.records] + [repr(r.args) for r in queue.results]:
        assert ADDRESS not in text and token not in text and "sara" not in text.lower()


def test_given_up_after_the_last_attempt_the_link_is_withdrawn(world, queue):
    world.org.rating_link_reminder_hours = 24
    world.org.save()
    client, _response = _send(world)
    link = RatingLink.objects.get()
    assert link.reminder_address == ADDRESS
    waits = []
    for _attempt in range(RETRIES):
        before = timezone.now()
        assert _run(queue, link) == "retry"
        waits.append(round((queue.results[-1].task.run_after - before).total_seconds() / 60))
    assert waits == [1, 2, 4, 8, 16, 32]  # minutes
    enqueued = len(queue.results)
    assert _run(queue, link) == "failed"
    assert len(queue.results) == enqueued  # nothing more is enqueued
    link.refresh_from_db()
    assert link.send_state == "failed" and link.send_attempts == RETRIES + 1
    assert link.send_address == "" and link.reminder_address == ""
    assert link.expires_at <= timezone.now()
    assert mail.outbox == []
    assert "could not be sent: send it again or use a paper form" in _case_page(client, world)
    assert AccessLogEntry.objects.filter(
        object_type="rating_link", object_id=str(link.pk),
        purpose="not sent (ConnectionRefusedError), given up").count() == 1
    # Nothing follows: no reminder for a link never sent.
    RatingLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=48))
    assert due_reminders() == []


def test_no_reminder_is_due_for_a_link_still_waiting_to_be_sent(world, queue):
    world.org.rating_link_reminder_hours = 24
    world.org.save()
    _send(world)
    link = RatingLink.objects.get()
    RatingLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=48))
    assert due_reminders() == []
    switch(down=False)
    assert _run(queue, link) == "sent"
    assert due_reminders() == [link.pk]


def test_the_database_queue_holds_no_token_and_no_address(world, settings):
    """The queue the worker reads (django-tasks-db): the task's row names the link's id."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with TestCase.captureOnCommitCallbacks(execute=True):
        link, token = create_rating_link(
            world.anna, world.hansen, person=world.mother, rater=world.mother,
            instrument=Instrument.objects.get(code="ORS"), channel="email", address=ADDRESS,
            base_url=BASE)
    (row,) = DBTaskResult.objects.all()
    stored = " ".join(str(getattr(row, field.attname)) for field in DBTaskResult._meta.fields)
    assert str(link.pk) in stored
    assert ADDRESS not in stored and token not in stored and link.token_hash not in stored
    assert mail.outbox == []


@pytest.fixture
def world_tx(transactional_db):
    """The personas without a test transaction around them: commits are real."""
    from tests.conftest import World

    return World()


def test_with_the_immediate_backend_the_link_is_sent_at_once(world_tx, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _client, response = _send(world_tx)
    assert "A link for ORS was sent to Sara." in response.content.decode()
    (message,) = mail.outbox
    link = RatingLink.objects.get()
    assert (link.send_state, link.send_attempts, link.send_address) == ("sent", 1, "")
    assert link.token_hash == links.hash_token(message.body.split(f"{BASE}/r/")[1].split("/")[0])


def test_a_link_withdrawn_before_its_message_left_is_not_sent(world, queue):
    switch(down=False)
    _send(world)
    link = RatingLink.objects.get()
    RatingLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    assert _run(queue, link) == "failed"
    link.refresh_from_db()
    assert link.send_state == "failed" and link.send_address == ""
    assert mail.outbox == []


@pytest.mark.postgres
def test_two_workers_at_once_send_the_message_once(world_tx, settings):
    """Two workers run the same link's task at the same moment (PostgreSQL's row locks):
    one sends, the other finds it sent."""
    import threading

    from django.db import connection

    settings.TASKS = DUMMY
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    link, _token = create_rating_link(
        world_tx.anna, world_tx.hansen, person=world_tx.mother, rater=world_tx.mother,
        instrument=Instrument.objects.get(code="ORS"), channel="email", address=ADDRESS,
        base_url=BASE)
    start, results = threading.Barrier(2), []

    def worker():
        start.wait()
        try:
            results.append(attempt_send(link.pk, BASE))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["nothing", "sent"]
    assert len(mail.outbox) == 1
    link.refresh_from_db()
    assert (link.send_state, link.send_attempts) == ("sent", 1)


def test_a_send_lost_by_a_stopped_worker_is_queued_again_by_the_schedule(world, queue, settings):
    """A worker that stopped between recording a failed attempt and queueing the next
    leaves the link waiting with no task: the 15-minute schedule queues it again (on
    FOKUS_BASE_URL), and it is delivered once."""
    from fokus.ratings.tasks import requeue_lost_sends, send_reminders

    _send(world)
    link = RatingLink.objects.get()
    assert _run(queue, link) == "retry"
    queue.clear()  # the retry's task is lost
    assert requeue_lost_sends() == 0  # without FOKUS_BASE_URL: the site's address is gone
    settings.FOKUS_BASE_URL = "https://fokus.kommune.example"
    assert requeue_lost_sends() == 0  # its next attempt is not ten minutes overdue
    RatingLink.objects.filter(pk=link.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(minutes=11))
    send_reminders.call()
    (task,) = queue.results
    assert task.task.name == "send_link" and list(task.args) == [link.pk, ""]
    switch(down=False)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert attempt_send(*task.args) == "sent"
        assert attempt_send(*task.args) == "nothing"  # a second copy does nothing
    (message,) = mail.outbox
    assert "https://fokus.kommune.example/r/" in message.body
    assert requeue_lost_sends() == 0  # sent: nothing waits
