"""The web surface (issue 11): no-store caching, control characters refused, rating-link
guessing throttled, forwarded headers trusted only from configured proxies, no token or
query in a server log, plausible meeting and rating dates."""

import datetime
import json
import logging
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fokus.cases import actions as case_actions
from fokus.cases.models import Meeting, Person
from fokus.ratings import links
from fokus.ratings.models import Rating

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DA = {"HTTP_ACCEPT_LANGUAGE": "da"}
DA_CONTROL = "Teksten indeholder et kontroltegn"
EN_CONTROL = "The text contains a control character"
TODAY = timezone.localdate


def _no_store(response):
    cache_control = response.get("Cache-Control", "")
    return "no-store" in cache_control and response.get("Pragma") == "no-cache"


# 1. Cache-Control: no-store


def test_personal_pages_files_and_images_are_never_stored(world, login):
    meeting = case_actions.record_meeting(world.anna, world.hansen, held_on=TODAY(),
                                          kind="home_visit", participants=[world.mother])
    world.rate(world.mother, "ORS", ["5", "5", "5", "5"], meeting=meeting)
    client = login(world.anna)
    case_id = world.hansen.pk
    for name, kwargs, query in [
        ("insights:case", {"case_id": case_id}, ""),
        ("insights:record_pdf", {"case_id": case_id}, ""),
        ("insights:case_graph_svg", {"case_id": case_id}, ""),
        ("insights:case_list", {}, "?q=Hansen"),
        ("insights:dashboard_csv", {}, ""),
    ]:
        response = client.get(reverse(name, kwargs=kwargs) + query)
        assert response.status_code in (200, 403, 404), name
        assert _no_store(response), (name, response.get("Cache-Control"))
    # A rating link's page and an unknown one: never stored either.
    assert _no_store(client.get(reverse("ratings:rate_by_link", kwargs={"token": "x" * 43})))
    # Errors and redirects too (the login redirect of an anonymous visitor).
    client.logout()
    assert _no_store(client.get(reverse("insights:case", kwargs={"case_id": case_id})))


def test_static_files_keep_their_long_caching(client):
    response = client.get("/static/fokus/fokus.css")
    assert response.status_code == 200
    b"".join(response.streaming_content) if response.streaming else response.content
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response.get("Cache-Control", "")


# 2. Control characters


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x7f"])
def test_a_control_character_in_the_meeting_note_is_refused_and_nothing_stored(
        world, login, char):
    from fokus.insights.models import MeetingRecord

    meeting = case_actions.record_meeting(world.anna, world.hansen, held_on=TODAY(),
                                          kind="home_visit", participants=[world.mother])
    response = login(world.anna).post(
        reverse("insights:record", kwargs={"case_id": world.hansen.pk}),
        {"meeting": meeting.pk, "note": f"Vi talte{char} om skolen.", "next_steps": ""}, **DA)
    assert response.status_code == 400
    assert DA_CONTROL in response.content.decode()
    assert not MeetingRecord.objects.exists()


def test_tab_and_line_breaks_are_text(world, login):
    from fokus.insights.models import MeetingRecord

    meeting = case_actions.record_meeting(world.anna, world.hansen, held_on=TODAY(),
                                          kind="home_visit", participants=[world.mother])
    response = login(world.anna).post(
        reverse("insights:record", kwargs={"case_id": world.hansen.pk}),
        {"meeting": meeting.pk, "note": "Første linje\r\n\tanden linje", "next_steps": ""})
    assert response.status_code == 302
    assert MeetingRecord.objects.get().note == "Første linje\r\n\tanden linje"


def test_a_control_character_in_a_search_or_a_form_is_refused_in_the_persons_language(
        world, login):
    client = login(world.anna)
    response = client.get(reverse("insights:case_list"), {"q": "Han\x00sen"}, **EN)
    assert response.status_code == 400 and EN_CONTROL in response.content.decode()
    before = Person.objects.count()
    response = client.post(reverse("cases:person_add", args=[world.hansen.pk]),
                           {"first_name": "Ib\x00", "role": "father", "birth_year": "1980"}, **DA)
    assert response.status_code == 400 and DA_CONTROL in response.content.decode()
    # ...in the path (an admin object id, a link token) as well.
    assert client.get("/r/abc%00def/").status_code == 400
    assert login(world.admin).get("/admin/cases/case/1%01/change/").status_code == 400
    client = login(world.anna)
    # ...in a field's name too, and in a choice or a date, not only in text.
    response = client.post(reverse("ratings:meeting_start", args=[world.hansen.pk]),
                           {"held_on": TODAY().isoformat() + "\x00", "kind": "home_visit",
                            "present": [world.mother.pk]}, **DA)
    assert response.status_code == 400
    assert Person.objects.count() == before and not Meeting.objects.exists()


def test_the_family_screens_json_refuses_a_control_character(world, login):
    from tests.test_meeting_flow import _hand_over, _start, _submit

    client = login(world.anna)
    meeting = _start(client, world)
    m = world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{m}-{m}"])
    response = _submit(client, 0, ["5", "5\x00", "5", "5"])
    assert response.status_code == 400
    assert response.json()["status"] == "refused"
    assert EN_CONTROL in response.json()["errors"][0]
    assert not Rating.objects.exists()


def test_every_fokus_form_refuses_a_control_character_itself(world):
    """The forms refuse them too (FokusForm), whatever the field, for code that fills a
    form without a request."""
    from fokus.accounts.forms import LoginForm
    from fokus.cases.forms import CaseSearchForm, PersonForm
    from fokus.insights.caseload import CaseloadForm
    from fokus.ratings.forms import MeetingStartForm, RatingLinkForm, UnlockForm

    forms = [
        LoginForm(None, {"username": "anna\x00", "password": "x"}),
        CaseloadForm({"q": "Hansen\x1f"}, members=[]),
        PersonForm({"first_name": "Ib\x01", "role": "father", "birth_year": "1980"}),
        PersonForm({"first_name": "Ib", "role": "father\x00", "birth_year": "1980"}),
        CaseSearchForm({"q": "\x1b[2J"}),
        UnlockForm({"password": "secret\x00"}),
        MeetingStartForm({"held_on": TODAY().isoformat(), "kind": "home_visit",
                          "present": [f"{world.mother.pk}\x00"]}, case=world.hansen),
        RatingLinkForm({"rater": world.mother.pk, "person": world.mother.pk,
                        "measures": "outcome", "channel": "email",
                        "address": "sara@example.org\x07"}, case=world.hansen),
    ]
    for form in forms:
        assert not form.is_valid()
        assert any(EN_CONTROL in e or DA_CONTROL in e
                   for errors in form.errors.values() for e in errors), form.errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_nul_byte_is_no_server_error_on_postgresql(world, client):
    """A NUL byte cannot be stored in PostgreSQL's text: it is refused before the database."""
    from fokus.insights.models import MeetingRecord

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    meeting = case_actions.record_meeting(world.anna, world.hansen, held_on=TODAY(),
                                          kind="home_visit", participants=[world.mother])
    client.force_login(world.anna)
    response = client.post(reverse("insights:record", kwargs={"case_id": world.hansen.pk}),
                           {"meeting": meeting.pk, "note": "a\x00b", "next_steps": ""})
    assert response.status_code == 400 and not MeetingRecord.objects.exists()
    response = client.get(reverse("insights:case_list"), {"q": "\x00"})
    assert response.status_code == 400


# 3. Rating-link guessing, and the client's address


def _link(world):
    from tests.test_rating_links import _link as make

    return make(world)


@pytest.fixture
def guesses(settings):
    settings.FOKUS_LINK_GUESSES = 3
    settings.FOKUS_LINK_GUESS_WINDOW_MINUTES = 10
    return settings


def test_guessing_link_tokens_is_throttled_per_address(world, client, guesses, monkeypatch):
    from fokus.audit.models import AccessLogEntry

    _link_obj, token = _link(world)
    attacker = {"REMOTE_ADDR": "198.51.100.7", **EN}
    for i in range(3):
        response = client.get(reverse("ratings:rate_by_link", kwargs={"token": f"guess{i}"}),
                              **attacker)
        assert response.status_code == 410
    # The limit is reached: no further lookup, even of a right token, from that address.
    lookups = []
    monkeypatch.setattr(links, "token_lookup", lambda t: lookups.append(t) or (_ for _ in ()))
    response = client.get(reverse("ratings:rate_by_link", kwargs={"token": token}), **attacker)
    assert response.status_code == 429 and "Too many links" in response.content.decode()
    assert int(response["Retry-After"]) > 0 and _no_store(response)
    posted = client.post(reverse("ratings:rate_by_link", kwargs={"token": token}),
                         json.dumps({"key": str(uuid.uuid4()), "answers": ["5"] * 4}),
                         content_type="application/json", **attacker)
    assert posted.status_code == 429 and not Rating.objects.exists()
    assert lookups == []
    monkeypatch.undo()
    # In Danish for a Danish visitor.
    response = client.get(reverse("ratings:rate_by_link", kwargs={"token": token}),
                          REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE="da")
    assert "for mange links" in response.content.decode()
    # The family, from its own address, is unaffected.
    response = client.get(reverse("ratings:rate_by_link", kwargs={"token": token}),
                          REMOTE_ADDR="203.0.113.9", **EN)
    assert response.status_code == 200
    # Logged once, without the address.
    entries = AccessLogEntry.objects.filter(purpose="guessing throttled")
    assert entries.count() == 1
    assert "198.51.100.7" not in json.dumps(list(entries.values()), default=str)


def test_the_throttle_ends_with_its_window(world, client, guesses, monkeypatch):
    import time

    _link_obj, token = _link(world)
    now = [time.time()]
    monkeypatch.setattr(links.time, "time", lambda: now[0])
    url = reverse("ratings:rate_by_link", kwargs={"token": token})
    for i in range(3):
        client.get(reverse("ratings:rate_by_link", kwargs={"token": f"g{i}"}),
                   REMOTE_ADDR="198.51.100.8")
    assert client.get(url, REMOTE_ADDR="198.51.100.8").status_code == 429
    now[0] += 9 * 60
    assert client.get(url, REMOTE_ADDR="198.51.100.8").status_code == 429
    now[0] += 61
    assert client.get(url, REMOTE_ADDR="198.51.100.8").status_code == 200


def test_a_used_link_opened_again_is_not_a_guess(world, client, guesses):
    from tests.test_rating_links import _post

    _link_obj, token = _link(world)
    assert _post(client, token).status_code == 201
    for _ in range(5):
        assert client.get(reverse("ratings:rate_by_link", kwargs={"token": token}),
                          REMOTE_ADDR="203.0.113.9").status_code == 410


def test_the_client_address_trusts_only_configured_proxies(settings, rf):
    from fokus.lib.middleware import client_ip

    settings.FOKUS_TRUSTED_PROXIES = []
    forged = rf.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_ip(forged) == "203.0.113.5"
    settings.FOKUS_TRUSTED_PROXIES = ["10.0.0.0/24", "10.0.1.5"]
    # Through two trusted proxies: the right-most address that is not a proxy.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2",
                     HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.20, 10.0.1.5")
    assert client_ip(request) == "198.51.100.20"
    # A client cannot hide behind a forged left-most hop.
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2",
                            HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.21")) == "198.51.100.21"
    # An untrusted sender's header is ignored.
    assert client_ip(rf.get("/", REMOTE_ADDR="198.51.100.30",
                            HTTP_X_FORWARDED_FOR="1.2.3.4")) == "198.51.100.30"
    # A malformed hop: only the proxy is known.
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.2",
                            HTTP_X_FORWARDED_FOR="not-an-address")) == "10.0.0.2"


def test_axes_counts_by_the_same_address(settings, rf):
    from axes.helpers import get_client_ip_address

    settings.FOKUS_TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = rf.post("/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.40")
    assert get_client_ip_address(request) == "198.51.100.40"
    request = rf.post("/login/", REMOTE_ADDR="198.51.100.41", HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert get_client_ip_address(request) == "198.51.100.41"


def test_the_forwarded_protocol_counts_only_from_a_trusted_proxy(settings, rf):
    from fokus.lib.middleware import TrustedProxyMiddleware

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.FOKUS_TRUSTED_PROXIES = ["10.0.0.0/24"]
    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        seen["for"] = request.META.get("HTTP_X_FORWARDED_FOR")
        return None

    middleware = TrustedProxyMiddleware(view)
    middleware(rf.get("/", REMOTE_ADDR="198.51.100.50", HTTP_X_FORWARDED_PROTO="https",
                      HTTP_X_FORWARDED_FOR="1.2.3.4"))
    assert seen == {"secure": False, "for": None}
    middleware(rf.get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_PROTO="https",
                      HTTP_X_FORWARDED_FOR="198.51.100.51"))
    assert seen == {"secure": True, "for": "198.51.100.51"}


def test_the_proxy_middleware_comes_first():
    from django.conf import settings

    assert settings.MIDDLEWARE[0] == "fokus.lib.middleware.TrustedProxyMiddleware"
    assert (settings.MIDDLEWARE.index("fokus.lib.middleware.NoStoreMiddleware")
            > settings.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware"))


def test_a_wrong_proxy_setting_stops_the_start():
    import os
    import subprocess
    import sys

    env = {**os.environ, "FOKUS_TRUSTED_PROXIES": "10.0.0.0/33"}
    result = subprocess.run([sys.executable, "-c", "import fokus.settings"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "FOKUS_TRUSTED_PROXIES" in result.stderr


# 4. No token and no query in a server log


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.mark.django_db(transaction=True)
def test_no_link_token_and_no_search_in_the_server_log(world):
    """A request through runserver's own request handler (its access lines on
    django.server) and Django's request log (a 404 on django.request), captured on those
    loggers and on the root logger."""
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    _link_obj, token = _link(world)
    app = get_wsgi_application()  # django.setup() again: the logging as configured
    records = _Records()
    watched = [logging.getLogger(n) for n in ("django.server", "django.request", "")]
    for logger in watched:
        logger.addHandler(records)
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)

    def app_closing_connections(environ, start_response):
        # The server's thread keeps no database connection after a request (PostgreSQL's
        # test database is dropped at the end).
        from django.db import connections

        try:
            return app(environ, start_response)
        finally:
            connections.close_all()

    server.set_app(app_closing_connections)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    guessed = "GuessedToken" + "x" * 31
    try:
        for path in (f"/r/{token}/?lang=en", f"/r/{guessed}/", "/cases/?q=Hansen&closed=on",
                     "/no-such-page/Hansen/?q=Hansen"):
            try:
                urllib.request.urlopen(base + path, timeout=30).read()  # noqa: S310
            except urllib.error.HTTPError:
                pass
    finally:
        server.shutdown()
        server.server_close()
        for logger in watched:
            logger.removeHandler(records)
    text = "\n".join(records.lines)
    assert "/r/[redacted]/" in text and "/cases/" in text  # the requests were logged
    for secret in (token, guessed, "Hansen", "q=", "lang=en"):
        assert secret not in text, secret


def test_redacted_paths():
    from fokus.lib.logging import redact_text

    assert redact_text("GET /r/abc_DEF-123/?lang=en HTTP/1.1") == "GET /r/[redacted]/ HTTP/1.1"
    assert redact_text("/cases/12/") == "/cases/12/"
    assert redact_text("POST /ratings/cases/3/paper/?instrument=ORS HTTP/1.1") == (
        "POST /ratings/cases/3/paper/ HTTP/1.1")
    assert redact_text("GET /static/fokus/fokus.css HTTP/1.1").endswith("fokus.css HTTP/1.1")
    assert redact_text("GET /Hansen-Oliver/ HTTP/1.1") == "GET [unmatched path] HTTP/1.1"
    assert "Oliver" not in redact_text("Forbidden: /cases/?q=Oliver")


# 5. Plausible dates


def test_a_meeting_before_the_case_opened_or_far_ahead_is_refused(world, login):
    client = login(world.anna)
    url = reverse("ratings:meeting_start", args=[world.hansen.pk])
    for day in (world.hansen.opened_on - datetime.timedelta(days=1),
                TODAY() + datetime.timedelta(days=2)):
        response = client.post(url, {"held_on": day.isoformat(), "kind": "home_visit",
                                     "present": [world.mother.pk]}, **EN)
        assert response.status_code == 200
        assert ("before the case was opened" in response.content.decode()
                or "more than a day in the future" in response.content.decode())
    assert not Meeting.objects.exists()
    # Tomorrow (a clock or a time zone apart) is still taken.
    response = client.post(url, {"held_on": (TODAY() + datetime.timedelta(days=1)).isoformat(),
                                 "kind": "home_visit", "present": [world.mother.pk]}, **EN)
    assert response.status_code == 302


def test_the_meeting_action_checks_the_dates_itself(world):
    from django.core.exceptions import ValidationError

    baby = case_actions.add_person(world.anna, world.hansen, first_name="Lille",
                                   role="child", birth_date=TODAY() - datetime.timedelta(days=10))
    for day, people in [(world.hansen.opened_on - datetime.timedelta(days=1), []),
                        (TODAY() + datetime.timedelta(days=2), []),
                        (TODAY() - datetime.timedelta(days=11), [baby])]:
        with pytest.raises(ValidationError):
            case_actions.record_meeting(world.anna, world.hansen, held_on=day,
                                        kind="home_visit", participants=people)
    assert not Meeting.objects.exists()


def test_a_paper_rating_before_the_case_opened_or_the_rater_was_born_is_refused(world, login):
    client = login(world.anna)
    url = reverse("ratings:paper_entry", args=[world.hansen.pk]) + "?instrument=ORS"
    data = {"instrument": "ORS", "person": world.mother.pk, "rater": world.mother.pk,
            "item1": "5", "item2": "5", "item3": "5", "item4": "5"}
    for day in (world.hansen.opened_on - datetime.timedelta(days=1),
                TODAY() + datetime.timedelta(days=1), datetime.date(1, 1, 1)):
        response = client.post(url, {**data, "rated_on": day.isoformat()}, **EN)
        assert response.status_code == 200, day
    assert not Rating.objects.exists()
    assert client.post(url, {**data, "rated_on": TODAY().isoformat()}, **EN).status_code == 302


def test_the_rating_action_refuses_a_date_before_the_raters_birth(world):
    from django.core.exceptions import ValidationError

    baby = case_actions.add_person(world.anna, world.hansen, first_name="Lille", role="child",
                                   birth_date=TODAY() - datetime.timedelta(days=30))
    with pytest.raises(ValidationError, match="before Lille was born"):
        world.rate(world.child, "CORS", ["5"] * 4, rater=baby,
                   on=TODAY() - datetime.timedelta(days=31))
    assert not Rating.objects.exists()


def test_a_person_born_in_the_future_is_refused(world, login):
    client = login(world.anna)
    before = Person.objects.count()
    for data in ({"birth_date": (TODAY() + datetime.timedelta(days=1)).isoformat()},
                 {"birth_year": str(TODAY().year + 1)}, {"birth_date": "1800-01-01"}):
        response = client.post(reverse("cases:person_add", args=[world.hansen.pk]),
                               {"first_name": "Ib", "role": "father", **data}, **EN)
        assert response.status_code == 200, data
    assert Person.objects.count() == before


def test_the_admin_refuses_a_control_character_and_changes_nothing(world, login):
    from fokus.cases.models import Organisation

    client = login(world.admin)
    url = reverse("admin:cases_organisation_change", args=[world.org.pk])
    response = client.post(url, {"name": "Testkommune\x00", "municipality_code": "101"}, **EN)
    assert response.status_code == 400 and EN_CONTROL in response.content.decode()
    assert Organisation.objects.get(pk=world.org.pk).name == "Testkommune"
