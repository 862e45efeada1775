"""The rating link says who is asking: the page, its headers, the answer to a
submission, the two kinds of message, their sender, and the one reminder."""

import datetime
import json
import logging
import uuid
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.instruments.models import Instrument
from fokus.ratings import links
from fokus.ratings.actions import create_rating_link
from fokus.ratings.models import Rating, RatingLink
from fokus.ratings.tasks import due_reminders, send_due_reminders, send_reminder

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ADDRESS = "sara.hansen@example.org"
# Nothing of the family may travel in a message: names, the case number, the address.
PERSONAL = ("Sara", "Hansen", "Mikkel", "Freja", "2025-0001", "sara.hansen")


def _link(world, code="ORS", *, language="da", channel="email", address=ADDRESS,
          valid_for=None):
    """A link sent at once by the immediate task backend (as in the demo): (link, the
    token in its message; for an SMS, the token the caller got, no longer valid)."""
    with override_settings(TASKS=IMMEDIATE), TestCase.captureOnCommitCallbacks(execute=True):
        link, token = create_rating_link(world.anna, world.hansen, person=world.mother,
                                         rater=world.mother,
                                         instrument=Instrument.objects.get(code=code),
                                         channel=channel, address=address, language=language,
                                         valid_for=valid_for, base_url="http://testserver")
    link.refresh_from_db()
    if channel == "email":
        token = mail.outbox[-1].body.split("/r/")[1].split("/")[0]
    return link, token


def _url(token):
    return reverse("ratings:rate_by_link", kwargs={"token": token})


def _post(client, token, key=None):
    return client.post(_url(token), json.dumps({"key": str(key or uuid.uuid4()),
                                                "answers": ["5.0", "6.0", "7.0", "8.0"]}),
                       content_type="application/json", **EN)


# The page.

def test_the_page_names_the_municipality_and_the_caseworker_and_links_the_privacy_notice(
        world, client):
    _link_obj, token = _link(world, language="en")
    page = client.get(_url(token) + "?lang=en")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Testkommune" in content
    assert "Before your next meeting, Anna, your caseworker, asks how things" in content
    assert "What your answers are used for, and who sees them" in content
    assert "Analysts see figures only, without names." in content
    assert reverse("ratings:privacy") in content
    for secret in ("Hansen", "2025-0001", "Mikkel", "Freja"):
        assert secret not in content


def test_after_a_meeting_the_page_asks_how_the_meeting_went(world, client):
    _link_obj, token = _link(world, code="SRS")
    content = client.get(_url(token)).content.decode()
    assert "Anna, din rådgiver, vil gerne vide, hvordan mødet gik for dig." in content


def test_the_page_and_every_answer_are_never_cached_and_send_no_referrer(world, client):
    _link_obj, token = _link(world)
    for response in (client.get(_url(token)), _post(client, token), _post(client, token),
                     client.get(_url(token)), client.get(_url(links.new_token()))):
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "no-referrer"


def test_the_answer_to_a_submission_reveals_no_database_ids(world, client):
    link, token = _link(world)
    key = uuid.uuid4()
    first = _post(client, token, key=key)
    again = _post(client, token, key=key)  # a retry of the same submission
    assert (first.status_code, again.status_code) == (201, 200)
    rating = Rating.objects.get()
    for response in (first, again):
        body = response.json()
        assert set(body) <= {"status", "already", "message"}
        text = response.content.decode()
        for pk in {rating.pk, link.pk, world.hansen.pk, world.mother.pk}:
            assert f": {pk}" not in text and f":{pk}" not in text
    assert first.json() == {"status": "saved"}
    assert again.json()["already"] is True


def test_a_refused_link_page_is_in_the_language_of_the_link(world, client):
    link, token = _link(world)
    RatingLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    page = client.get(_url(token) + "?lang=en")
    assert page.status_code == 410
    assert "This link has expired." in page.content.decode()


# The messages.

def test_before_and_after_a_meeting_the_messages_differ(world):
    _link(world, code="ORS", language="en")
    _link(world, code="SRS", language="en")
    before, after = mail.outbox
    assert before.subject == "How are things going? A question from Testkommune"
    assert "Before your next meeting, Anna from Testkommune asks how things" in before.body
    assert after.subject == "How did the meeting go? A question from Testkommune"
    assert "Anna from Testkommune would like to know how the meeting went" in after.body
    for message in (before, after):
        assert "http://testserver/r/" in message.body
        for secret in PERSONAL:
            assert secret not in message.subject and secret not in message.body


def test_the_message_is_in_danish_unless_the_link_is_in_english(world):
    _link(world, language="da")
    _link(world, language="ar")  # the family screen's languages have no message words
    for message in mail.outbox:
        assert message.subject == "Hvordan går det? Et spørgsmål fra Testkommune"


def test_the_message_comes_from_the_organisations_address(world, settings):
    settings.DEFAULT_FROM_EMAIL = "fokus@server.example"
    _link(world)
    world.org.rating_link_sender = "familie@testkommune.dk"
    world.org.save()
    world.hansen.organisation.refresh_from_db()
    _link(world)
    assert [m.from_email for m in mail.outbox] == ["fokus@server.example",
                                                    "familie@testkommune.dk"]


def test_an_sms_carries_only_the_caseworkers_first_name_and_the_log_no_number(
        world, settings, caplog):
    settings.FOKUS_SMS_SENDER = "fokus.ratings.links.ConsoleSmsSender"
    with caplog.at_level(logging.INFO, logger="fokus.ratings.links"):
        _link(world, channel="sms", address="+45 12 34 56 78")
    (logged,) = [r.getMessage() for r in caplog.records if r.name == "fokus.ratings.links"]
    assert "12 34" not in logged and "12345678" not in logged and "******78" in logged
    for record in caplog.records:  # the task backend's own lines name no number either
        assert "12 34" not in record.getMessage() and "12345678" not in record.getMessage()
    assert "Anna" in logged
    for secret in PERSONAL:
        assert secret not in logged


# The one reminder.

@pytest.fixture
def reminding(world, settings):
    settings.TASKS = IMMEDIATE
    world.org.rating_link_reminder_hours = 24
    world.org.rating_link_sender = "familie@testkommune.dk"
    world.org.save()
    world.hansen.organisation.refresh_from_db()
    return world


def _age(link, hours):
    RatingLink.objects.filter(pk=link.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours))


def test_an_unanswered_link_gets_one_reminder_from_the_task_worker(reminding, client, settings):
    settings.FOKUS_BASE_URL = ""  # no base URL: the reminder carries no link
    link, token = _link(reminding, language="en")
    assert RatingLink.objects.get(pk=link.pk).reminder_address == ADDRESS
    _age(link, 23)
    assert send_due_reminders() == 0  # not yet
    _age(link, 25)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert send_due_reminders() == 1
    assert len(mail.outbox) == 2
    reminder = mail.outbox[1]
    assert reminder.to == [ADDRESS] and reminder.from_email == "familie@testkommune.dk"
    assert reminder.subject.startswith("Reminder: How are things going?")
    assert "A reminder from Anna, Testkommune" in reminder.body
    assert token not in reminder.body and "/r/" not in reminder.body  # the token is never kept
    assert "Please use the link in the message you got" in reminder.body
    for secret in PERSONAL:
        assert secret not in reminder.subject and secret not in reminder.body
    link.refresh_from_db()
    assert link.reminder_sent_at is not None and link.reminder_address == ""
    assert link.reminder_token_hash is None
    assert AccessLogEntry.objects.filter(object_type="rating_link", object_id=str(link.pk),
                                         purpose="reminder").count() == 1
    # Once only, however often the worker or cron comes by.
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert send_due_reminders() == 0
        assert send_reminder(link.pk) is False
    assert len(mail.outbox) == 2
    # The original link still works.
    assert _post(client, token).status_code == 201


BASE = "https://fokus.kommune.dk"


def _remind(link):
    """The reminder of a link, sent by the task worker: (message, the token in its URL)."""
    _age(link, 25)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert send_due_reminders() == 1
    reminder = mail.outbox[-1]
    url = reminder.body.split(f"{BASE}/r/")[1].split()[0]
    return reminder, url.split("/")[0]


def _nothing_in_clear(*tokens):
    """No table holds a token: only their hashes are stored."""
    for model in apps.get_models():
        for row in model._base_manager.values_list():
            for token in tokens:
                assert token not in str(row), model


def test_the_reminder_carries_a_link_that_opens_the_same_link(reminding, client, settings):
    settings.FOKUS_BASE_URL = BASE + "/"
    link, token = _link(reminding, language="en")
    reminder, second = _remind(link)
    assert second != token
    assert f"{BASE}/r/{second}/?lang=en " in reminder.body  # its language, as the first
    assert "A reminder from Anna, Testkommune: we would still like to hear how things" in (
        reminder.body)
    assert "Please use the link in the message you got" not in reminder.body
    for secret in PERSONAL:
        assert secret not in reminder.subject and secret not in reminder.body
    link.refresh_from_db()
    assert link.token_hash == links.hash_token(token)
    assert link.reminder_token_hash == links.hash_token(second)
    _nothing_in_clear(token, second)
    # Both open the same link's page, with the same submission key.
    key = str(links.submission_key(link))
    for opened in (second, token):
        page = client.get(_url(opened) + "?lang=en")
        assert page.status_code == 200
        content = page.content.decode()
        assert "Before your next meeting, Anna, your caseworker, asks how things" in content
        assert f'data-key="{key}"' in content
    assert AccessLogEntry.objects.filter(object_type="rating_link", object_id=str(link.pk),
                                         action="read", purpose="opened").count() == 2
    # Rated through the reminder: stored once; then the first link is used too.
    assert _post(client, second, key=key).status_code == 201
    again = _post(client, token, key=key)
    assert again.status_code == 200 and again.json()["already"] is True
    rating = Rating.objects.get()
    link.refresh_from_db()
    assert link.rating == rating and link.used_at is not None
    assert (rating.person, rating.mode) == (reminding.mother, "link")
    # Used: both tokens now open the kind refusal, and a new submission stores nothing.
    for used in (token, second):
        assert client.get(_url(used)).status_code == 410
        assert _post(client, used).status_code == 410
    assert Rating.objects.count() == 1
    _nothing_in_clear(token, second)


def test_after_the_reminder_the_first_link_still_works_and_the_second_is_then_used(
        reminding, client, settings):
    settings.FOKUS_BASE_URL = BASE
    link, token = _link(reminding, code="SRS")
    reminder, second = _remind(link)
    assert f"{BASE}/r/{second}/ " in reminder.body  # Danish: no ?lang=
    assert reminder.body.startswith("En påmindelse fra Anna, Testkommune: Vi vil stadig gerne "
                                    f"høre, hvordan mødet gik: {BASE}/r/{second}/ Linket virker")
    assert reminder.subject == "Påmindelse: Hvordan gik mødet? Et spørgsmål fra Testkommune"
    assert client.get(_url(token)).status_code == 200
    key = str(links.submission_key(link))
    assert _post(client, token, key=key).status_code == 201
    again = _post(client, second, key=key)  # the reminder's link, pressed afterwards
    assert again.status_code == 200 and again.json()["already"] is True
    assert client.get(_url(second)).status_code == 410
    assert Rating.objects.count() == 1
    _nothing_in_clear(token, second)


def test_the_reminders_link_expires_with_the_link(reminding, client, settings):
    settings.FOKUS_BASE_URL = BASE
    link, _token = _link(reminding)
    _reminder, second = _remind(link)
    RatingLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    assert client.get(_url(second)).status_code == 410
    assert _post(client, second).status_code == 410
    assert Rating.objects.count() == 0


def test_with_a_base_url_the_first_message_is_built_on_it(reminding, client, settings):
    settings.FOKUS_BASE_URL = BASE
    client.force_login(reminding.anna)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("ratings:link_send",
                                       kwargs={"case_id": reminding.hansen.pk}), {
            "rater": reminding.mother.pk, "person": reminding.mother.pk, "measures": "outcome",
            "channel": "email", "address": ADDRESS, "language": "en"}, **EN)
    assert response.status_code == 302
    (message,) = mail.outbox
    url = message.body.split(f"{BASE}/r/")[1].split()[0]
    token = url.split("/")[0]
    assert url == f"{token}/?lang=en"
    assert client.get(urlsplit(f"{BASE}/r/{url}").path).status_code == 200


def test_no_reminder_for_an_answered_link(reminding, client):
    link, token = _link(reminding)
    assert _post(client, token).status_code == 201
    link.refresh_from_db()
    assert link.reminder_address == ""  # erased when answered
    _age(link, 48)
    assert send_due_reminders() == 0 and due_reminders() == []
    assert len(mail.outbox) == 1


def test_no_reminder_for_an_expired_link_and_its_address_is_erased(reminding):
    link, _token = _link(reminding, valid_for=datetime.timedelta(hours=12))
    _age(link, 30)
    RatingLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert send_due_reminders() == 0
    link.refresh_from_db()
    assert link.reminder_address == "" and link.reminder_sent_at is None
    assert len(mail.outbox) == 1


def test_no_reminder_and_no_address_kept_when_the_organisation_sends_none(world, settings):
    settings.TASKS = IMMEDIATE
    link, _token = _link(world)
    assert RatingLink.objects.get(pk=link.pk).reminder_address == ""
    _age(link, 100)
    assert send_due_reminders() == 0


def test_the_command_enqueues_the_reminders_that_are_due(reminding, capsys):
    link, _token = _link(reminding, code="SRS")
    _age(link, 25)
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("send-reminders")
    assert "1 reminder(s) enqueued" in capsys.readouterr().out
    assert mail.outbox[-1].subject == "Påmindelse: Hvordan gik mødet? Et spørgsmål fra Testkommune"


@override_settings(TASKS=IMMEDIATE)
def test_the_reminder_is_a_task_of_the_worker(reminding):
    from fokus.ratings.tasks import remind

    link, _token = _link(reminding)
    _age(link, 25)
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = remind.enqueue(link.pk)
    assert result.return_value is True
    assert len(mail.outbox) == 2


# The privacy notice.

def test_the_privacy_notice_is_public_in_danish_and_english(client, settings):
    settings.FOKUS_PRIVACY_CONTACT = "dpo@testkommune.dk"
    da = client.get(reverse("ratings:privacy"))
    en = client.get(reverse("ratings:privacy") + "?lang=en")
    assert da.status_code == en.status_code == 200
    assert "Sådan behandler Fokus dine oplysninger" in da.content.decode()
    content = en.content.decode()
    for words in ("What is stored", "Barnets lov", "Who sees it", "How long it is kept",
                  "Your rights", "Datatilsynet", "dpo@testkommune.dk"):
        assert words in content
