"""The meeting over HTTP: start it, hand the tablet over, submit ratings as JSON."""

import json
import uuid

from django.urls import reverse
from django.utils import timezone

from fokus.cases.models import Meeting
from fokus.ratings.models import MissingRating, Rating

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _start(client, world):
    client.force_login(world.anna)
    response = client.post(reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk}), {
        "held_on": timezone.localdate().isoformat(), "kind": "home_visit",
        "present": [world.child.pk, world.mother.pk]}, **EN)
    assert response.status_code == 302
    return Meeting.objects.get(case=world.hansen)


def _hand_over(client, world, meeting, steps):
    url = reverse("ratings:hand_over", kwargs={"case_id": world.hansen.pk, "meeting_id": meeting.pk})
    return client.post(url, {"steps": steps}, **EN)


def _screen(client):
    return client.session.get("fokus_kiosk", {}).get("id", "")


def _submit(client, step, answers, key=None, screen=None):
    return client.post(reverse("ratings:kiosk_submit"),
                       json.dumps({"step": step, "key": str(key or uuid.uuid4()),
                                   "screen": screen if screen is not None else _screen(client),
                                   "answers": answers}),
                       content_type="application/json", **EN)


def test_the_meeting_proposes_instruments_by_age(world, client):
    meeting = _start(client, world)
    response = client.get(reverse("insights:meeting", kwargs={
        "case_id": world.hansen.pk, "meeting_id": meeting.pk}), **EN)
    plan = {row["key"]: row["instrument"].code for row in response.context["plan"]}
    c, m = world.child.pk, world.mother.pk
    assert plan[f"outcome-{c}-{c}"] == "CORS"
    assert plan[f"outcome-{m}-{m}"] == "ORS"
    assert plan[f"alliance-{c}-{c}"] == "CSRS"
    assert plan[f"alliance-{m}-{m}"] == "SRS"
    # The mother may rate the child too.
    assert plan[f"outcome-{c}-{m}"] == "CORS"
    assert set(meeting.participants.all()) == {world.child, world.mother}


def test_hand_over_locks_the_case_and_the_password_unlocks(world, client):
    meeting = _start(client, world)
    c = world.child.pk
    response = _hand_over(client, world, meeting, [f"outcome-{c}-{c}"])
    assert response["Location"] == reverse("ratings:kiosk")
    screen = client.get(reverse("ratings:kiosk"), **EN)
    assert screen.status_code == 200
    assert "Mikkel" in screen.content.decode()
    assert "Hansen" not in screen.content.decode()
    assert screen.content.decode().count('role="slider"') == 4
    # A child cannot browse the case: it goes to the caseworker's unlock page.
    case_page = client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}))
    assert case_page.status_code == 302 and case_page["Location"] == reverse("ratings:unlock")
    wrong = client.post(reverse("ratings:unlock"), {"password": "guess"}, **EN)
    assert wrong.status_code == 200
    assert client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk})).status_code == 302
    from tests.conftest import PASSWORD

    right = client.post(reverse("ratings:unlock"), {"password": PASSWORD}, **EN)
    assert right.status_code == 302
    assert client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk})).status_code == 200


def test_too_many_wrong_passwords_close_the_family_screen(world, client):
    from fokus.audit.models import AccessLogEntry
    from tests.conftest import PASSWORD

    meeting = _start(client, world)
    c = world.child.pk
    _hand_over(client, world, meeting, [f"outcome-{c}-{c}"])
    for _ in range(4):
        assert client.post(reverse("ratings:unlock"), {"password": "guess"}, **EN).status_code == 200
    fifth = client.post(reverse("ratings:unlock"), {"password": "guess"}, **EN)
    assert fifth.status_code == 302 and fifth["Location"] == reverse("login")
    assert AccessLogEntry.objects.filter(action="denied", object_type="family_screen_unlock"
                                         ).count() == 5
    # The screen is closed: neither the family screen nor the right password opens the case.
    assert client.get(reverse("ratings:kiosk"), **EN).status_code != 200
    late = client.post(reverse("ratings:unlock"), {"password": PASSWORD}, **EN)
    assert late["Location"] == reverse("login")
    assert client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}))["Location"] \
        .startswith(reverse("login"))


def test_a_submission_sent_twice_is_stored_once(world, client):
    meeting = _start(client, world)
    c, m = world.child.pk, world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{c}-{c}", f"outcome-{m}-{m}"])
    key = uuid.uuid4()
    first = _submit(client, 0, ["6.3", "7.0", "5.5", "8.1"], key)
    second = _submit(client, 0, ["6.3", "7.0", "5.5", "8.1"], key)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    rating = Rating.objects.get()
    assert (rating.person, rating.instrument.code, rating.mode, rating.meeting) == (
        world.child, "CORS", "tablet", meeting)
    assert str(rating.total) == "26.9"
    assert _submit(client, 1, ["1", "2", "3", "4"]).status_code == 201
    assert Rating.objects.get(person=world.mother).instrument.code == "ORS"


def test_bad_values_are_refused_with_messages_and_nothing_stored(world, client):
    meeting = _start(client, world)
    c = world.child.pk
    _hand_over(client, world, meeting, [f"outcome-{c}-{c}"])
    for answers in (["11", "5", "5", "5"], ["x", "5", "5", "5"], ["5", "5", "5"],
                    ["5.55", "5", "5", "5"]):
        response = _submit(client, 0, answers)
        assert response.status_code == 400
        assert response.json()["errors"]
    assert _submit(client, 7, ["5", "5", "5", "5"]).status_code == 400
    bad_key = client.post(reverse("ratings:kiosk_submit"), json.dumps(
        {"step": 0, "key": "not-a-key", "screen": _screen(client), "answers": ["5", "5", "5", "5"]}),
        content_type="application/json")
    assert bad_key.status_code == 400
    assert Rating.objects.count() == 0


def test_without_a_handed_over_screen_nothing_can_be_submitted(world, client):
    client.force_login(world.anna)
    assert _submit(client, 0, ["5", "5", "5", "5"]).status_code == 403
    assert Rating.objects.count() == 0


def test_a_missing_rating_in_one_tap(world, client):
    meeting = _start(client, world)
    url = reverse("ratings:missing_rating", kwargs={"case_id": world.hansen.pk,
                                                   "meeting_id": meeting.pk})
    response = client.post(url, {"person": world.child.pk, "measures": "outcome",
                                 "reason": "too_upset"}, **EN)
    assert response.status_code == 302
    client.post(url, {"person": world.child.pk, "measures": "outcome", "reason": "refused"})
    missing = MissingRating.objects.get()
    assert (missing.person, missing.reason, missing.meeting) == (world.child, "refused", meeting)
    # Someone not at the meeting cannot be marked.
    assert client.post(url, {"person": world.teen.pk, "reason": "refused"}).status_code == 404


def test_another_team_cannot_start_a_meeting(world, client):
    client.force_login(world.bo)
    response = client.post(reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk}),
                           {"held_on": timezone.localdate().isoformat(), "kind": "office",
                            "present": [world.child.pk]})
    assert response.status_code == 404
    assert Meeting.objects.count() == 0


def test_the_screen_shows_the_wording_the_administrator_configured(world, client):
    from fokus.instruments.models import InstrumentItem, ItemWording

    item = InstrumentItem.objects.get(instrument__code="ORS", position=1)
    ItemWording.objects.create(organisation=world.org, item=item, language="en",
                               text="How have you been doing personally?")
    meeting = _start(client, world)
    m = world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{m}-{m}"])
    content = client.get(reverse("ratings:kiosk"), **EN).content.decode()
    assert "How have you been doing personally?" in content
    assert "Individually" in content  # the short label names the slider
    assert "aria-describedby" in content


def test_numbers_show_only_when_the_caseworker_asks(world, client):
    meeting = _start(client, world)
    m = world.mother.pk
    url = reverse("ratings:hand_over", kwargs={"case_id": world.hansen.pk, "meeting_id": meeting.pk})
    client.post(url, {"steps": [f"outcome-{m}-{m}"]})
    assert 'class="vas-number"' not in client.get(reverse("ratings:kiosk"), **EN).content.decode()
    from tests.conftest import PASSWORD

    client.post(reverse("ratings:unlock"), {"password": PASSWORD})
    client.post(url, {"steps": [f"outcome-{m}-{m}"], "show_numbers": "on"})
    assert 'class="vas-number"' in client.get(reverse("ratings:kiosk"), **EN).content.decode()


def test_a_rating_kept_on_the_device_is_delivered_after_the_caseworker_unlocked(world, client):
    from tests.conftest import PASSWORD

    meeting = _start(client, world)
    c = world.child.pk
    _hand_over(client, world, meeting, [f"outcome-{c}-{c}"])
    screen = _screen(client)
    assert _submit(client, 0, ["5", "5", "5", "5"], screen="another-screen").status_code == 403
    client.post(reverse("ratings:unlock"), {"password": PASSWORD})
    assert _submit(client, 0, ["5", "5", "5", "5"], screen=screen).status_code == 201
    assert Rating.objects.get().person == world.child
    # Another user on the same device cannot deliver to that closed screen.
    client.force_login(world.lise)
    assert _submit(client, 0, ["5", "5", "5", "5"], screen=screen).status_code == 403
    assert Rating.objects.count() == 1


def test_a_step_is_stored_once_whatever_key_each_press_sends(world, client):
    """The key belongs to the person's step of the hand-over: a second press, a reload
    or a retry of the same step, even with a key of its own, finds the stored rating;
    other answers for a stored step are refused (409), not acknowledged and dropped."""
    meeting = _start(client, world)
    c, m = world.child.pk, world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{c}-{c}", f"outcome-{m}-{m}"])
    first = _submit(client, 0, ["6.3", "7.0", "5.5", "8.1"])
    again = _submit(client, 0, ["6,3", "7", "5.5", "8.1"])  # another press, another key
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == {"status": "saved", "id": first.json()["id"], "already": True,
                            "message": "Already saved"}
    other = _submit(client, 0, ["1.0", "1.0", "1.0", "1.0"])  # issue 11: no silent loss
    assert other.status_code == 409 and other.json()["status"] == "conflict"
    rating = Rating.objects.get()
    assert str(rating.total) == "26.9"
    # The next person's step is a step of its own.
    assert _submit(client, 1, ["1", "2", "3", "4"]).status_code == 201
    assert Rating.objects.count() == 2
    # The screen names the key of each step: the same after a reload.
    keys = _step_keys(client)
    assert len(keys) == 2 and len(set(keys)) == 2 and keys == _step_keys(client)
    assert str(rating.idempotency_key) == keys[0]


def test_a_reload_shows_a_saved_step_as_saved_and_opens_at_the_next(world, client):
    meeting = _start(client, world)
    c, m = world.child.pk, world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{c}-{c}", f"outcome-{m}-{m}"])
    assert _submit(client, 0, ["5", "5", "5", "5"]).status_code == 201
    html = client.get(reverse("ratings:kiosk"), **EN).content.decode()
    first = html.split('data-step="0"')[1].split("</section>")[0]
    second = html.split('data-step="1"')[1].split("</section>")[0]
    assert 'data-saved="1"' in first.split(">")[0]
    assert "hidden" in first.split(">")[0] and "hidden" not in second.split(">")[0]


def test_a_new_hand_over_of_the_same_meeting_has_keys_of_its_own(world, client):
    from tests.conftest import PASSWORD

    meeting = _start(client, world)
    m = world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{m}-{m}"])
    keys = _step_keys(client)
    assert len(keys) == 1
    client.post(reverse("ratings:unlock"), {"password": PASSWORD})
    _hand_over(client, world, meeting, [f"alliance-{m}-{m}"])
    assert set(_step_keys(client)).isdisjoint(keys)


def _step_keys(client):
    import re

    return re.findall(r'data-key="([0-9a-f-]{36})"',
                      client.get(reverse("ratings:kiosk"), **EN).content.decode())


def _meeting_with(world, n_present):
    """A meeting with n people present (children and parents), each with ratings."""
    import datetime

    from fokus.cases import actions as case_actions
    from tests.conftest import years_ago

    people = [world.child, world.mother]
    roles = ["father", "child", "child", "child"]
    for i in range(n_present - 2):
        people.append(case_actions.add_person(
            world.anna, world.hansen, first_name=f"Person{i}", role=roles[i % len(roles)],
            birth_date=years_ago(40 if roles[i % len(roles)] == "father" else 8 + i)))
    meeting = case_actions.record_meeting(world.anna, world.hansen,
                                          held_on=timezone.localdate(), kind="office",
                                          participants=people)
    earlier = timezone.localdate() - datetime.timedelta(days=14)
    for person in people:
        code = "ORS" if person.age_today >= 13 else "CORS"
        world.rate(person, code, ["5"] * 4, on=earlier)
        world.rate(person, code, ["6"] * 4, meeting=meeting)
    return meeting


def _meeting_page_queries(world, client, meeting):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.anna)
    url = reverse("insights:meeting", kwargs={"case_id": world.hansen.pk,
                                              "meeting_id": meeting.pk})
    client.get(url, **EN)  # warm caches that are not per request (content types, ...)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **EN)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]], response


def test_the_meeting_page_makes_the_same_queries_for_2_and_5_people(world, client):
    from fokus.cases.models import Meeting

    small, response = _meeting_page_queries(world, client, _meeting_with(world, 2))
    assert len(response.context["plan"]) >= 5
    Meeting.objects.all().delete()
    large, response = _meeting_page_queries(world, client, _meeting_with(world, 5))
    assert len(response.context["plan"]) >= 11
    assert len(large) == len(small), "\n".join(large)


def test_the_meeting_page_query_count_is_fixed(world, client, django_assert_max_num_queries):
    meeting = _meeting_with(world, 5)
    client.force_login(world.anna)
    url = reverse("insights:meeting", kwargs={"case_id": world.hansen.pk,
                                              "meeting_id": meeting.pk})
    client.get(url, **EN)
    with django_assert_max_num_queries(MEETING_PAGE_QUERIES):
        assert client.get(url, **EN).status_code == 200


# session, user; the case with its persons, interventions, caseworkers, meetings,
# participants, ratings (instruments, persons, raters) and missing reasons, and its
# access-log entry (in a savepoint: 2 more, and the log chain's head: 1); the instruments
# for the plan; the settings and parameter set in force for the series; the graph's key
# (ratings, settings, parameter sets, people: 4), so its image URL names the graph now.
# The user's organisation too (the policy reads whether caseworkers see only their own
# cases): 26 whoever is present.
MEETING_PAGE_QUERIES = 26
