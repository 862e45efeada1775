"""A caseworker's own outcome figures (issue 9, part 3): hers alone, her team leader's
only where the organisation turns it on, one caseworker at a time, never ranked;
small groups suppressed; every read and every refusal logged."""

import re

import pytest
from django.urls import reverse

from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Case
from fokus.insights.ratings_frame import first_rating_day, missing_frame, ratings_frame
from fokus.insights.series import outcome_settings
from fokus.instruments.access import etr_model_in_force
from fokus.outcomes import build_series, summarise
from tests.test_dashboards import dash_world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def engine_summary(org, cases):
    """The engine on the ratings of these cases alone: the oracle."""
    day = first_rating_day(org.pk)
    ids = [c.pk for c in cases]
    series = build_series(ratings_frame(org.pk, case_ids=ids), outcome_settings(org.pk, day),
                          etr_model_in_force(org.pk, day), missing=missing_frame(org.pk, case_ids=ids))
    return summarise(series)


def test_a_caseworker_sees_her_own_figures_and_they_are_the_engines(dash_world, login):  # noqa: F811
    w = dash_world
    response = login(w.anna).get(reverse("insights:my_figures"))
    assert response.status_code == 200
    overall = response.context["overall"]
    anna_cases = Case.objects.filter(caseworkers=w.anna)
    expected = engine_summary(w.org, anna_cases)
    assert overall.n_series == expected["n_series"] == 7
    for key in ("pct_reliable_improvement", "pct_recovered", "pre_post_es"):
        assert overall.figure(key).value == pytest.approx(expected[key])
    page = response.content.decode()
    assert "Mine resultater" in page
    # Nobody else's figures or name: no ranking, no colleague. (Random tokens such as the
    # CSRF token may hold "Bo" by chance: left out.)
    words = re.sub(r"[A-Za-z0-9+/_-]{20,}", "", page)
    assert "Bo" not in words and "Team Syd" not in words
    entry = AccessLogEntry.objects.filter(user_id=w.anna.pk, object_type="caseworker_figures").get()
    assert entry.detail["caseworker"] == w.anna.pk and entry.detail["n_series"] == 7


def test_too_few_series_are_suppressed(dash_world, login):  # noqa: F811
    w = dash_world
    Case.objects.filter(reference__startswith="V-").delete()  # Bo keeps his 4 series
    response = login(w.bo).get(reverse("insights:my_figures"))
    assert response.status_code == 200
    assert response.context["overall"].suppressed
    assert "færre end 5 forløb" in response.content.decode()


def test_another_caseworkers_figures_are_refused_and_logged(dash_world, login):  # noqa: F811
    w = dash_world
    response = login(w.anna).get(reverse("insights:my_figures"), {"caseworker": w.bo.pk})
    assert response.status_code == 404
    denied = AccessLogEntry.objects.filter(user_id=w.anna.pk, action="denied").get()
    assert denied.purpose == "caseworker's own figures"
    assert denied.detail == {"caseworker": w.bo.pk}


def test_a_team_leader_opens_a_members_figures_only_when_the_organisation_allows(
        dash_world, login):  # noqa: F811
    w = dash_world
    client = login(w.lise)
    url = reverse("insights:my_figures")
    assert client.get(url, {"caseworker": w.anna.pk}).status_code == 404
    assert client.get(url).context["figures"].members == []  # no choice of colleague
    w.org.leaders_see_caseworker_figures = True
    w.org.save()
    response = client.get(url, {"caseworker": w.anna.pk})
    assert response.status_code == 200
    assert response.context["overall"].n_series == 7
    assert not response.context["figures"].own
    # One caseworker at a time: the choice lists her team's members, no figures beside them.
    members = dict(response.context["figures"].members)
    assert w.anna.pk in members and w.bo.pk not in members
    # Another team's caseworker stays closed, even with the setting on.
    assert client.get(url, {"caseworker": w.bo.pk}).status_code == 404
    shown = AccessLogEntry.objects.filter(user_id=w.lise.pk, object_type="caseworker_figures",
                                          action="list").order_by("id").last()
    assert shown.detail["caseworker"] == w.anna.pk


@pytest.mark.parametrize("persona", ["dorte", "ali", "admin"])
def test_leaders_analysts_and_administrators_get_no_caseworkers_figures(
        dash_world, login, persona):  # noqa: F811
    w = dash_world
    user = getattr(w, persona)
    assert login(user).get(reverse("insights:my_figures")).status_code == 404
    assert login(user).get(reverse("insights:my_figures"),
                           {"caseworker": w.anna.pk}).status_code == 404
