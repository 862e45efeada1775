"""Fuzzing every form Fokus has (issue 11): random text with control characters, huge
values, odd Unicode, out-of-range numbers and dates, sent through the real views. No
answer is a server error, and after every example no stored row is invalid.

FOKUS_FUZZ_EXAMPLES (default 80) sets hypothesis' max_examples per form; the number of
inputs generated is printed at the end (pytest -s) and kept in GENERATED."""

import datetime
import json
import os
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fokus.lib.forms import has_control_characters

EXAMPLES = int(os.environ.get("FOKUS_FUZZ_EXAMPLES", "80"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
GENERATED: Counter = Counter()

# Text a person (or a probe) may send: anything but lone surrogates, which no browser can
# encode; control characters on purpose; very long; right-to-left, combining, emoji.
CONTROL = st.sampled_from([chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127]])
ODD = st.sampled_from(["\u202e", "\u0301", "\ufeff", "\u200b", "😀", "ﷺ", "Ø", "𝔉", "\u2028"])
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.lists(st.one_of(CONTROL, ODD, st.characters(blacklist_categories=("Cs",))),
             max_size=20).map("".join),
    st.integers(1, 20).map(lambda n: "A" * (5000 * n)),
)
NUMBER = st.one_of(st.integers(-10**30, 10**30).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(str),
                   st.decimals(allow_nan=True).map(str),
                   st.sampled_from(["6,4", "1e999", "-0", "0x10", "١٢", "٣٫٥", " 7 ", "10.05"]))
DATE = st.one_of(st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)).map(str),
                 st.sampled_from(["2026-02-30", "0000-00-00", "26.11.2026", "99999-01-01",
                                  "2026-11-26T00:00", "-2026-01-01", "١٩٩٠-٠١-٠١"]))
VALUE = st.one_of(TEXT, NUMBER, DATE, st.just(""))


def _one_of(*valid):
    return st.one_of(st.sampled_from([str(v) for v in valid]), VALUE)


def _count(name):
    GENERATED[name] += 1


def _ok(response):
    assert response.status_code < 500, response.status_code


def assert_rows_valid():
    """Every stored row of what the forms write is plausible and clean."""
    from fokus.cases.models import Meeting, Person
    from fokus.insights.models import MeetingRecord
    from fokus.ratings.models import Rating, RatingLink

    today = timezone.localdate()
    for p in Person.objects.all():
        assert not has_control_characters(p.first_name + p.last_name)
        assert len(p.first_name) <= 100 and len(p.last_name) <= 100
        assert p.birth_date is None or datetime.date(1900, 1, 1) <= p.birth_date <= today
        assert p.birth_year is None or 1900 <= p.birth_year <= today.year
    for m in Meeting.objects.select_related("case"):
        assert m.case.opened_on <= m.held_on <= today + datetime.timedelta(days=1)
        assert not has_control_characters(m.note)
        for person in m.participants.all():
            assert person.case_id == m.case_id
            assert person.birth_date is None or person.birth_date <= m.held_on
    for r in Rating.objects.select_related("person", "rater", "instrument"):
        assert r.rated_on <= today + datetime.timedelta(days=1)
        assert r.person.age_on(r.rated_on) >= 0 and r.rater.age_on(r.rated_on) >= 0
        answers = list(r.answers.select_related("item"))
        assert len(answers) == r.instrument.items.count()
        assert all(a.item.min_value <= a.value <= a.item.max_value for a in answers)
        assert sum(a.value for a in answers) == r.total
    for record in MeetingRecord.objects.all():
        assert not has_control_characters(record.note + record.next_steps)
    for link in RatingLink.objects.all():
        assert not has_control_characters(link.reminder_address + link.language)


@pytest.fixture
def anna(world, client):
    client.force_login(world.anna)
    return client


@FUZZ
@given(data=st.fixed_dictionaries({
    "first_name": _one_of("Ib", "Åse"), "last_name": VALUE,
    "role": _one_of("father", "mother", "child", "other"),
    "birth_date": _one_of("1980-01-01", "2020-02-29"), "birth_year": _one_of(1980, 2099),
    "cpr": _one_of("0707614285", "070761-4285")}))
def test_fuzz_the_person_form(world, anna, data):
    _count("person form")
    _ok(anna.post(reverse("cases:person_add", args=[world.hansen.pk]), data))
    assert_rows_valid()


@FUZZ
@given(data=st.fixed_dictionaries({
    "held_on": _one_of(timezone.localdate(), "2000-01-01"),
    "kind": _one_of("home_visit", "office"),
    "present": st.lists(VALUE, max_size=3),
    "private_children": st.lists(VALUE, max_size=2),
}), language=VALUE)
def test_fuzz_the_meeting_form(world, anna, data, language):
    _count("meeting form")
    data = {**data, f"language_{world.mother.pk}": language}
    if data["present"] == []:
        data["present"] = [str(world.mother.pk)]
    _ok(anna.post(reverse("ratings:meeting_start", args=[world.hansen.pk]), data))
    assert_rows_valid()


@FUZZ
@given(data=st.fixed_dictionaries({
    "instrument": _one_of("ORS", "CORS", "SRS"),
    "rated_on": _one_of(timezone.localdate(), "1900-01-01"),
    "total": VALUE,
    "item1": _one_of("5", "6,4"), "item2": _one_of("5"), "item3": _one_of("10"),
    "item4": _one_of("0.0")}), who=st.sampled_from(["mother", "child", "teen", "fuzz"]),
    rater=VALUE)
def test_fuzz_the_paper_form(world, anna, data, who, rater):
    _count("paper form")
    person = getattr(world, who, None)
    data = {**data, "person": person.pk if person else rater,
            "rater": person.pk if person and rater == "" else rater}
    _ok(anna.post(reverse("ratings:paper_entry", args=[world.hansen.pk]), data))
    assert_rows_valid()


@FUZZ
@given(data=st.fixed_dictionaries({
    "rater": VALUE, "person": VALUE, "measures": _one_of("outcome", "alliance"),
    "language": _one_of("da", "ar"), "channel": _one_of("email", "sms"),
    "address": _one_of("sara@example.org", "+45 12 34 56 78")}), valid_people=st.booleans())
def test_fuzz_the_link_form(world, anna, data, valid_people):
    _count("link form")
    if valid_people:
        data = {**data, "rater": world.mother.pk, "person": world.mother.pk}
    _ok(anna.post(reverse("ratings:link_send", args=[world.hansen.pk]), data))
    assert_rows_valid()


@FUZZ
@given(data=st.fixed_dictionaries({"q": VALUE, "closed": VALUE, "page": VALUE,
                                   "team": VALUE, "sort": VALUE, "caseworker": VALUE}))
def test_fuzz_the_caseload_search(world, anna, data):
    _count("caseload search")
    _ok(anna.get(reverse("insights:case_list"), data))


@FUZZ
@given(data=st.fixed_dictionaries({"note": VALUE, "next_steps": VALUE, "meeting": VALUE}))
def test_fuzz_the_meeting_record(world, anna, data):
    from fokus.cases import actions as case_actions
    from fokus.cases.models import Meeting

    _count("meeting record")
    meeting = Meeting.objects.filter(case=world.hansen).first() or case_actions.record_meeting(
        world.anna, world.hansen, held_on=timezone.localdate(), kind="home_visit",
        participants=[world.mother])
    if data["meeting"] == "":
        data = {**data, "meeting": meeting.pk}
    _ok(anna.post(reverse("insights:record", args=[world.hansen.pk]), data))
    assert_rows_valid()


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
              st.floats(allow_nan=False, allow_infinity=False), TEXT, NUMBER),
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(st.text(max_size=5), inner, max_size=4)),
    max_leaves=12)


@pytest.fixture
def screen(world, anna):
    from tests.test_meeting_flow import _hand_over, _start

    meeting = _start(anna, world)
    c, m = world.child.pk, world.mother.pk
    _hand_over(anna, world, meeting, [f"outcome-{c}-{c}", f"outcome-{m}-{m}"])
    return anna


@FUZZ
@given(body=st.one_of(
    st.fixed_dictionaries({"step": st.one_of(st.integers(-3, 5), JSON_VALUE),
                           "key": st.one_of(st.uuids().map(str), JSON_VALUE),
                           "answers": st.one_of(st.lists(st.one_of(NUMBER, TEXT, JSON_VALUE),
                                                         max_size=6), JSON_VALUE)}),
    JSON_VALUE), raw=st.one_of(st.none(), st.binary(max_size=200)), real_screen=st.booleans())
def test_fuzz_the_family_screen_json(world, screen, body, raw, real_screen):
    _count("family screen JSON")
    if isinstance(body, dict) and real_screen:
        body = {**body, "screen": screen.session.get("fokus_kiosk", {}).get("id", "")}
    payload = raw if raw is not None else json.dumps(body)
    _ok(screen.post(reverse("ratings:kiosk_submit"), payload,
                    content_type="application/json"))
    assert_rows_valid()


@FUZZ
@given(body=st.one_of(st.fixed_dictionaries({
    "key": st.one_of(st.uuids().map(str), JSON_VALUE),
    "answers": st.one_of(st.lists(st.one_of(NUMBER, TEXT), max_size=6), JSON_VALUE)}),
    JSON_VALUE), token=st.one_of(st.just("real"), st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#"),
        min_size=1, max_size=60)))
def test_fuzz_the_rating_link_page(world, client, body, token, settings_guesses):
    from tests.test_rating_links import _link

    _count("rating link JSON")
    if token == "real":
        _link_obj, token = _link(world)
    url = reverse("ratings:rate_by_link", kwargs={"token": token})
    _ok(client.post(url, json.dumps(body), content_type="application/json"))
    _ok(client.get(url))
    assert_rows_valid()


@pytest.fixture
def settings_guesses(settings):
    settings.FOKUS_LINK_GUESSES = 10**6  # the fuzzer is not a guesser here
    return settings


@FUZZ
@given(password=VALUE)
def test_fuzz_the_unlock_form(world, screen, password):
    _count("unlock form")
    _ok(screen.post(reverse("ratings:unlock"), {"password": password}))


@FUZZ
@given(username=_one_of("anna", "admin"), password=VALUE, extra=VALUE)
def test_fuzz_the_login_form(world, client, username, password, extra):
    _count("login form")
    _ok(client.post(reverse("login"), {"username": username, "password": password,
                                        "next": extra}))


def test_a_very_long_username_is_refused_before_the_login_is_tried(world, client):
    """Found by the fuzzer on PostgreSQL: a username longer than the field reached
    authenticate() and axes' record of the failure (varchar(255)): a server error."""
    from axes.models import AccessAttempt

    response = client.post(reverse("login"), {"username": "a" * 300, "password": "x"})
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()


def test_zz_report_the_number_of_generated_inputs(capsys):
    """Prints how many inputs were generated (run with -s to see it)."""
    total = sum(GENERATED.values())
    with capsys.disabled():
        print(f"\nfuzzed inputs: {total} ({dict(GENERATED)}), max_examples={EXAMPLES} per form")
    assert total == 0 or total >= EXAMPLES


def test_fuzzing_finds_a_nul_byte_in_a_person_name_would_be_refused(world, anna):
    """The check the fuzzer relies on can fail: a control character in a name is refused."""
    from fokus.cases.models import Person

    before = Person.objects.count()
    _ok(anna.post(reverse("cases:person_add", args=[world.hansen.pk]),
                  {"first_name": "I\x00b", "role": "father", "birth_year": "1980"}))
    assert Person.objects.count() == before
