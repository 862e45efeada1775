"""Who sees what on the family screen (issue 4, point 5), the lock while the tablet
is handed over, and the case graph on the meeting page after unlocking."""

import datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Meeting, Person
from tests.conftest import PASSWORD

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _start(client, world, present=None):
    client.force_login(world.anna)
    response = client.post(reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk}), {
        "held_on": timezone.localdate().isoformat(), "kind": "home_visit",
        "present": present or [world.child.pk, world.mother.pk]}, **EN)
    assert response.status_code == 302
    return Meeting.objects.get(case=world.hansen)


def _rated_meeting(client, world):
    """A meeting where Mikkel (10) and Sara rated outcome and alliance, and Sara rated
    Mikkel; an earlier meeting too, so that every line has two points."""
    meeting = _start(client, world)
    earlier = timezone.localdate() - datetime.timedelta(days=14)
    for on, m in ((earlier, None), (timezone.localdate(), meeting)):
        world.rate(world.child, "CORS", [5, 5, 5, 5], on=on, meeting=m)
        world.rate(world.mother, "ORS", [6, 6, 6, 6], on=on, meeting=m)
        world.rate(world.child, "CORS", [4, 4, 4, 4], rater=world.mother, on=on, meeting=m)
        world.rate(world.child, "CSRS", [9, 9, 9, 9], on=on, meeting=m)
        world.rate(world.mother, "SRS", [8, 8, 8, 8], on=on, meeting=m)
    return meeting


def _hand_over(client, world, meeting, steps, **options):
    url = reverse("ratings:hand_over", kwargs={"case_id": world.hansen.pk,
                                               "meeting_id": meeting.pk})
    data = {"steps": steps, **{k: "on" for k, v in options.items() if v}}
    response = client.post(url, data, **EN)
    assert response.status_code == 302 and response["Location"] == reverse("ratings:kiosk")


def _rate_on_screen(client, step, answers=("5", "5", "5", "5")):
    """The person at `step` rates on the handed-over screen."""
    import json
    import uuid

    response = client.post(reverse("ratings:kiosk_submit"), json.dumps({
        "screen": client.session["fokus_kiosk"]["id"], "step": step, "key": str(uuid.uuid4()),
        "answers": list(answers)}), content_type="application/json", **EN)
    assert response.status_code == 201, response.content


def _shown(response):
    """(series label, measures) of every line in a family-screen graph."""
    assert response.status_code == 200
    graph = response.context["graph"]
    return {(row["series"], row["measures"]) for row in graph.rows} if graph else set()


def _steps(world):
    c, m = world.child.pk, world.mother.pk
    return [f"outcome-{c}-{c}", f"outcome-{m}-{m}"]


def test_after_rating_a_person_sees_only_their_own_outcome(world, client):
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world))
    child = client.get(reverse("insights:kiosk_graph", kwargs={"step": 0}), **EN)
    assert _shown(child) == {("Mikkel", "outcome")}
    html = child.content.decode()
    assert "<svg" in html and "Sara" not in html and "Hansen" not in html
    mother = client.get(reverse("insights:kiosk_graph", kwargs={"step": 1}), **EN)
    assert _shown(mother) == {("Sara", "outcome")}
    assert "Mikkel" not in mother.content.decode()
    # No numbers table unless the caseworker asked for numbers.
    assert "graph-table" not in html


def test_before_rating_a_person_sees_no_graph(world, client):
    """The earlier scores must not steer the new one: the own graph comes after rating."""
    meeting = _start(client, world)
    earlier = timezone.localdate() - datetime.timedelta(days=14)
    world.rate(world.child, "CORS", [5, 5, 5, 5], on=earlier)
    world.rate(world.mother, "ORS", [6, 6, 6, 6], on=earlier)
    _hand_over(client, world, meeting, _steps(world))
    before = client.get(reverse("insights:kiosk_graph", kwargs={"step": 0}), **EN)
    assert _shown(before) == set()
    assert "Your graph appears when your rating is saved." in before.content.decode()
    _rate_on_screen(client, 0)
    after = client.get(reverse("insights:kiosk_graph", kwargs={"step": 0}), **EN)
    assert _shown(after) == {("Mikkel", "outcome")}
    # Sara has not rated yet.
    assert _shown(client.get(reverse("insights:kiosk_graph", kwargs={"step": 1}), **EN)) == set()


def test_alliance_is_shown_only_when_the_caseworker_chose_it(world, client):
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world), show_alliance=True, show_numbers=True)
    child = client.get(reverse("insights:kiosk_graph", kwargs={"step": 0}), **EN)
    assert _shown(child) == {("Mikkel", "outcome"), ("Mikkel", "alliance")}
    assert "graph-table" in child.content.decode()


def test_a_step_that_is_not_on_the_screen_is_not_found(world, client):
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world))
    assert client.get(reverse("insights:kiosk_graph", kwargs={"step": 2}), **EN).status_code == 404


def test_the_family_graph_only_when_chosen(world, client):
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world))
    assert client.get(reverse("insights:kiosk_family_graph"), **EN).status_code == 404
    screen = client.get(reverse("ratings:kiosk"), **EN).content.decode()
    assert "family-graph" not in screen


def test_the_family_graph_shows_everyone_s_outcome(world, client):
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world), show_family_graph=True)
    screen = client.get(reverse("ratings:kiosk"), **EN).content.decode()
    assert reverse("insights:kiosk_family_graph") in screen
    family = client.get(reverse("insights:kiosk_family_graph"), **EN)
    assert _shown(family) == {("Mikkel", "outcome"), ("Sara", "outcome"),
                              ("Sara about Mikkel", "outcome")}


def test_the_family_graph_leaves_out_a_child_kept_from_the_parents(world, client):
    Person.objects.filter(pk=world.child.pk).update(ratings_private_from_parents=True)
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world), show_family_graph=True, show_alliance=True)
    family = client.get(reverse("insights:kiosk_family_graph"), **EN)
    shown = _shown(family)
    assert ("Mikkel", "outcome") not in shown and ("Mikkel", "alliance") not in shown
    # Nor a parent's rating of the child: the line carries the child's name.
    assert ("Sara about Mikkel", "outcome") not in shown
    assert ("Sara", "outcome") in shown and ("Sara", "alliance") in shown
    assert "Mikkel" not in family.content.decode()
    # The child still sees her own graph.
    child = client.get(reverse("insights:kiosk_graph", kwargs={"step": 0}), **EN)
    assert ("Mikkel", "outcome") in _shown(child)


def test_privacy_is_set_on_the_case_page_for_children_and_logged(world, client):
    client.force_login(world.anna)
    page = client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}), **EN)
    url = reverse("cases:person_privacy", kwargs={"case_id": world.hansen.pk,
                                                  "person_id": world.child.pk})
    assert url in page.content.decode()
    assert client.post(url, {"private": "on"}, **EN).status_code == 302
    world.child.refresh_from_db()
    assert world.child.ratings_private_from_parents
    assert AccessLogEntry.objects.filter(username="anna", action="update", object_type="person",
                                         person_id=world.child.pk,
                                         purpose="ratings private from parents").exists()
    client.post(url, {}, **EN)
    world.child.refresh_from_db()
    assert not world.child.ratings_private_from_parents
    # Not for a parent.
    mother_url = reverse("cases:person_privacy", kwargs={"case_id": world.hansen.pk,
                                                         "person_id": world.mother.pk})
    response = client.post(mother_url, {"private": "on"}, follow=True, **EN)
    assert "Only a child&#x27;s ratings can be kept from the parents." in response.content.decode()
    world.mother.refresh_from_db()
    assert not world.mother.ratings_private_from_parents


def test_privacy_of_another_team_s_child_is_refused(world, client):
    client.force_login(world.bo)
    url = reverse("cases:person_privacy", kwargs={"case_id": world.hansen.pk,
                                                  "person_id": world.child.pk})
    assert client.post(url, {"private": "on"}).status_code == 404
    world.child.refresh_from_db()
    assert not world.child.ratings_private_from_parents
    # Nor a person of another case through one's own case.
    client.force_login(world.anna)
    url = reverse("cases:person_privacy", kwargs={"case_id": world.hansen.pk,
                                                  "person_id": world.berg_child.pk})
    assert client.post(url, {"private": "on"}).status_code == 404


def test_meeting_start_offers_the_option_for_children_of_13_and_older(world, client):
    client.force_login(world.anna)
    url = reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk})
    page = client.get(url, **EN)
    form = page.context["form"]
    assert form.fields["private_children"].choices == [(world.teen.pk, "Freja Hansen")]
    html = page.content.decode()
    assert "The child has asked that parents don&#x27;t see the child&#x27;s ratings" in html
    assert 'name="private_children"' in html
    assert f'name="private_children" value="{world.teen.pk}" id="id_private_children_0" checked' \
        not in html
    assert not form.initial.get("private_children")
    client.post(url, {"held_on": timezone.localdate().isoformat(), "kind": "home_visit",
                      "present": [world.teen.pk, world.mother.pk],
                      "private_children": [world.teen.pk]}, **EN)
    world.teen.refresh_from_db()
    assert world.teen.ratings_private_from_parents
    # The 10-year-old cannot be chosen here (only on the case page).
    response = client.post(url, {"held_on": timezone.localdate().isoformat(),
                                 "kind": "home_visit", "present": [world.child.pk],
                                 "private_children": [world.child.pk]}, **EN)
    assert response.status_code == 200
    world.child.refresh_from_db()
    assert not world.child.ratings_private_from_parents


@pytest.mark.parametrize("name,kwargs", [
    ("insights:case", lambda w, m: {"case_id": w.hansen.pk}),
    ("insights:case_list", lambda w, m: {}),
    ("insights:meeting", lambda w, m: {"case_id": w.hansen.pk, "meeting_id": m.pk}),
    ("insights:record", lambda w, m: {"case_id": w.hansen.pk}),
    ("login", lambda w, m: {}),
])
def test_while_handed_over_other_pages_go_to_the_unlock_page(world, client, name, kwargs):
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world))
    response = client.get(reverse(name, kwargs=kwargs(world, meeting)), **EN)
    assert response.status_code == 302 and response["Location"] == reverse("ratings:unlock")
    assert client.get("/admin/")["Location"] == reverse("ratings:unlock")
    assert client.get("/no-such-page/")["Location"] == reverse("ratings:unlock")


def test_while_handed_over_the_family_screen_works_and_unlock_leads_to_the_graph(world, client):
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world))
    assert client.get(reverse("ratings:kiosk"), **EN).status_code == 200
    assert client.get(reverse("ratings:unlock"), **EN).status_code == 200
    assert client.get(reverse("insights:kiosk_graph", kwargs={"step": 0}), **EN).status_code == 200
    # Static files pass (whether or not the file exists, it is not the unlock page).
    static = client.get("/static/fokus/rating.js")
    assert static.get("Location") != reverse("ratings:unlock")
    # The submit endpoint is reached (a bad body is refused by the view itself).
    submit = client.post(reverse("ratings:kiosk_submit"), "not json",
                         content_type="application/json", **EN)
    assert submit.status_code == 400
    right = client.post(reverse("ratings:unlock"), {"password": PASSWORD}, **EN)
    assert right["Location"] == reverse("insights:meeting", kwargs={
        "case_id": world.hansen.pk, "meeting_id": meeting.pk})
    page = client.get(right["Location"], **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="graph-heading"' in html and 'class="case-graph-image"' in html
    assert page.context["insights"]["has_ratings"]
    # Unlocked: the case pages open again.
    assert client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}),
                      **EN).status_code == 200


def test_the_meeting_page_offers_the_family_screen_options(world, client):
    meeting = _start(client, world)
    page = client.get(reverse("insights:meeting", kwargs={"case_id": world.hansen.pk,
                                                         "meeting_id": meeting.pk}), **EN)
    html = page.content.decode()
    for name in ("show_numbers", "show_alliance", "show_family_graph"):
        assert f'name="{name}"' in html
        assert f'name="{name}" id="id_{name}" form="handover-form" checked' not in html


def test_a_caseworker_signed_in_by_sso_leaves_the_family_screen_by_signing_in_again(world, client):
    """She has no Fokus password (single sign-on): the unlock page offers the
    municipality's login instead of a password field, and leaving ends the screen."""
    world.anna.set_unusable_password()
    world.anna.save(update_fields=["password"])
    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world))
    page = client.get(reverse("ratings:unlock"), **EN)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="password"' not in html and "Sign in again" in html
    meeting_url = reverse("insights:meeting", kwargs={"case_id": world.hansen.pk,
                                                     "meeting_id": meeting.pk})
    # Whatever is posted (a password typed anyway is no way out): the login, then the meeting.
    left = client.post(reverse("ratings:unlock"), {"password": PASSWORD}, **EN)
    assert left["Location"] == f"{reverse('login')}?{urlencode({'next': meeting_url})}"
    # The family screen is closed and the case needs a full login.
    assert client.get(reverse("ratings:kiosk"), **EN).status_code != 200
    response = client.get(meeting_url, **EN)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
