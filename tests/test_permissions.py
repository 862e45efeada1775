"""Every URL, every persona: who gets what. A URL added without a row here fails
test_every_url_is_in_the_matrix."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from fokus.audit.models import AccessLogEntry
from fokus.ratings.models import Rating

# url name -> (kwargs builder, {persona: expected status for GET})
# "anon" is not logged in: 302 to the login page.
MATRIX = {
    "insights:home": (lambda w: {}, {"anon": 302, "anna": 302, "bo": 302, "lise": 302,
                                  "ali": 302, "admin": 302, "dorte": 302}),
    "insights:case_list": (lambda w: {}, {"anon": 302, "anna": 200, "bo": 200, "lise": 200,
                                  "ali": 200, "admin": 200, "dorte": 200}),
    "insights:case": (lambda w: {"case_id": w.hansen.pk},
                     {"anon": 302, "anna": 200, "lise": 200, "dorte": 200, "bo": 404,
                      "ali": 404, "admin": 404}),
    "cases:person_add": (lambda w: {"case_id": w.hansen.pk},
                         {"anon": 302, "anna": 200, "lise": 200, "dorte": 200, "bo": 404,
                          "ali": 404, "admin": 404}),
    "cases:person_privacy": (lambda w: {"case_id": w.hansen.pk, "person_id": w.child.pk},
                             {"anon": 302, "anna": 405, "bo": 405}),  # POST only
    "ratings:paper_entry": (lambda w: {"case_id": w.hansen.pk},
                            {"anon": 302, "anna": 200, "lise": 200, "dorte": 200, "bo": 404,
                             "ali": 404, "admin": 404}),
    # The Hansen case has no rating yet: no graph to draw.
    "insights:case_graph_svg": (lambda w: {"case_id": w.hansen.pk},
                                {"anon": 302, "anna": 404, "bo": 404, "ali": 404, "admin": 404}),
    "insights:record": (lambda w: {"case_id": w.hansen.pk},
                        {"anon": 302, "anna": 200, "lise": 200, "dorte": 200, "bo": 404,
                         "ali": 404, "admin": 404}),
    "insights:record_pdf": (lambda w: {"case_id": w.hansen.pk},
                            # the Hansen case has no meeting yet: nothing to print
                            {"anon": 302, "anna": 404, "bo": 404, "ali": 404, "admin": 404}),
    "ratings:meeting_start": (lambda w: {"case_id": w.hansen.pk},
                              {"anon": 302, "anna": 200, "lise": 200, "dorte": 200, "bo": 404,
                               "ali": 404, "admin": 404}),
    "insights:meeting": (lambda w: {"case_id": w.hansen.pk, "meeting_id": w.hansen.meetings.get_or_create(
                            held_on=w.hansen.opened_on, kind="office")[0].pk},
                        {"anon": 302, "anna": 200, "lise": 200, "dorte": 200, "bo": 404,
                         "ali": 404, "admin": 404}),
    "ratings:hand_over": (lambda w: {"case_id": w.hansen.pk, "meeting_id": 1},
                          {"anon": 302, "anna": 405, "bo": 405}),  # POST only
    "ratings:missing_rating": (lambda w: {"case_id": w.hansen.pk, "meeting_id": 1},
                               {"anon": 302, "anna": 405, "bo": 405}),  # POST only
    "ratings:link_send": (lambda w: {"case_id": w.hansen.pk},
                          {"anon": 302, "anna": 200, "lise": 200, "dorte": 200, "bo": 404,
                           "ali": 404, "admin": 404}),
    # Without a family screen handed over, there is nothing to show.
    "ratings:kiosk": (lambda w: {}, {"anon": 302, "anna": 302, "bo": 302}),
    "ratings:kiosk_submit": (lambda w: {}, {"anon": 405, "anna": 405}),  # POST only
    "ratings:unlock": (lambda w: {}, {"anon": 302, "anna": 302}),
    "insights:kiosk_graph": (lambda w: {"step": 0}, {"anon": 302, "anna": 302, "bo": 302}),
    "insights:kiosk_family_graph": (lambda w: {}, {"anon": 302, "anna": 302, "bo": 302}),
    # A forged token: a kind refusal, no login needed.
    "ratings:rate_by_link": (lambda w: {"token": "forged-token"}, {"anon": 410, "anna": 410}),
    "login": (lambda w: {}, {"anon": 200, "anna": 302}),
    "logout": (lambda w: {}, {"anon": 405, "anna": 405}),  # POST only
    "set_language": (lambda w: {}, {"anon": 302, "anna": 302}),
}
# Django's own admin checks staff status itself; its URLs are tested as one.
ADMIN_NAMESPACE = "admin"


def _names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = entry.namespace
            if namespace == ADMIN_NAMESPACE:
                continue
            yield from _names(entry, f"{prefix}{namespace}:" if namespace else prefix)
        elif isinstance(entry, URLPattern):
            yield f"{prefix}{entry.name}"


def test_every_url_is_in_the_matrix():
    assert set(_names()) == set(MATRIX)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_get_permission_matrix(world, client, name):
    from django.urls import reverse

    kwargs_for, expected = MATRIX[name]
    url = reverse(name, kwargs=kwargs_for(world))
    for persona, status in expected.items():
        client.logout()
        if persona != "anon":
            client.force_login(getattr(world, persona))
        response = client.get(url)
        assert response.status_code == status, (name, persona)
        if status == 302 and persona == "anon" and name.startswith("cases:") and name != "insights:home":
            assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("name", ["cases:person_add", "ratings:paper_entry"])
def test_a_refused_post_changes_nothing_and_is_logged(world, client, name):
    from django.urls import reverse

    client.force_login(world.bo)
    url = reverse(name, kwargs={"case_id": world.hansen.pk})
    before = (world.hansen.persons.count(), Rating.objects.count())
    response = client.post(url, {"first_name": "X", "role": "other", "birth_year": 1990,
                                 "person": world.mother.pk, "rater": world.mother.pk,
                                 "rated_on": "2025-01-01", "item1": "5", "item2": "5",
                                 "item3": "5", "item4": "5", "instrument": "ORS"})
    assert response.status_code == 404
    assert (world.hansen.persons.count(), Rating.objects.count()) == before
    assert AccessLogEntry.objects.filter(username="bo", action="denied").exists()


def test_the_admin_is_for_staff_only(world, client):
    client.force_login(world.anna)
    assert client.get("/admin/").status_code == 302
    client.force_login(world.admin)
    assert client.get("/admin/").status_code == 200


def test_the_admin_does_not_expose_cases_persons_or_ratings(world, client):
    client.force_login(world.admin)
    for url in ("/admin/cases/case/", "/admin/cases/person/", "/admin/ratings/rating/"):
        assert client.get(url).status_code == 404
