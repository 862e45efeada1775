"""The case list, the case page, and the forms, through HTTP."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fokus.cases import actions
from fokus.cases.models import Person
from fokus.ratings.models import Rating
from tests.conftest import years_ago

# The user's organisation (the policy reads whether caseworkers see only their own
# cases), the case read and its prefetches, the log entry (and the log chain's head), the
# settings in force, the prompts, and the graph's key (ratings, settings, parameter sets,
# people: 4) for its image URL, and the rating links sent lately with their sending state.
MAX_CASE_PAGE_QUERIES = 27


def test_the_case_list_shows_each_childs_latest_outcome_and_alliance(world, login):
    # The caseload (tests/test_caseload.py): each child's own latest outcome and alliance.
    world.rate(world.child, "CORS", ["5", "5", "5", "5"],
               on=timezone.localdate() - datetime.timedelta(days=30))
    world.rate(world.child, "CORS", ["6", "6", "6", "6.5"])
    world.rate(world.child, "CSRS", ["9", "9", "9", "9.5"])
    world.rate(world.child, "CORS", ["1", "1", "1", "1"], rater=world.mother)  # not the child's own
    response = login(world.anna).get(reverse("insights:case_list"))
    html = response.content.decode()
    assert 'Effekt</span> <span class="n">24,5' in html
    assert 'Samarbejde</span> <span class="n">36,5' in html
    assert 'Effekt</span> <span class="n">4,0' not in html


def test_the_case_list_makes_a_fixed_number_of_queries(world, login):
    client = login(world.lise)
    for n in range(12):
        case = actions.create_case(world.lise, team=world.team_nord, reference=f"X-{n}",
                                   family_name=f"Familien {n}", opened_on=datetime.date(2024, 1, 1))
        child = actions.add_person(world.lise, case, first_name=f"Barn{n}", role="child",
                                   birth_date=datetime.date(2015, 1, 1))
        world.rate(child, "CORS", ["5"] * 4, user=world.lise)
    with CaptureQueriesContext(connection) as cold:  # every case's figures computed now
        response = client.get(reverse("insights:case_list"))
    assert response.status_code == 200
    assert response.content.decode().count('Effekt</span> <span class="n">20,0') == 12
    with CaptureQueriesContext(connection) as warm:  # the figures kept
        again = client.get(reverse("insights:case_list"))
    assert again.content.decode().count('Effekt</span> <span class="n">20,0') == 12

    def counted(queries):
        return len([q for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]])

    # See tests/test_caseload.py for the same counts for 5 and 50 cases.
    assert counted(warm) <= 16 < counted(cold) <= 28


def test_search_finds_by_first_name(world, login):
    response = login(world.anna).get(reverse("insights:case_list"), {"q": "mikkel"})
    assert "Familien Hansen" in response.content.decode()
    assert "Familien Olsen" not in response.content.decode()


def test_closed_cases_are_hidden_unless_asked_for(world, login):
    actions.close_case(world.anna, world.olsen, closed_on=timezone.localdate())
    client = login(world.anna)
    assert "Familien Olsen" not in client.get(reverse("insights:case_list")).content.decode()
    assert "Familien Olsen" in client.get(reverse("insights:case_list"), {"closed": "on"}).content.decode()


def test_the_case_page_shows_people_interventions_meetings_and_ratings(world, login):
    actions.add_intervention(world.anna, world.hansen, type="bl32_2", provider="Familiehuset",
                             start=datetime.date(2025, 3, 1), expected_duration_weeks=26)
    actions.record_meeting(world.anna, world.hansen,  # a date after the case's opening
                           held_on=world.hansen.opened_on + datetime.timedelta(days=2),
                           kind="home_visit", participants=[world.child, world.mother],
                           note="Vi talte om skolen.")
    world.rate(world.mother, "ORS", ["6.4", "7.1", "3.0", "10"])
    html = login(world.anna).get(reverse("insights:case", args=[world.hansen.pk])).content.decode()
    for text in ("Mikkel Hansen", "Familiebehandling", "Familiehuset", "26 uger",
                 "Hjemmebesøg", "Vi talte om skolen.", "26,5", "Indtastet fra papir"):
        assert text in html


def test_the_case_page_never_shows_a_cpr_number(world, login):
    actions.add_person(world.anna, world.hansen, first_name="Far", role="father",
                       cpr="0707614285")
    html = login(world.anna).get(reverse("insights:case", args=[world.hansen.pk])).content.decode()
    assert "0707614285" not in html and "070761-4285" not in html
    assert "registreret" in html


def test_adding_a_person_with_an_impossible_cpr_date_shows_the_reason(world, login):
    client = login(world.anna)
    before = Person.objects.count()
    response = client.post(reverse("cases:person_add", args=[world.hansen.pk]),
                           {"first_name": "Ib", "role": "father", "cpr": "310210-1234"})
    assert response.status_code == 200
    assert "CPR-nummeret indeholder ikke en gyldig fødselsdato" in response.content.decode()
    assert Person.objects.count() == before


def test_adding_a_person_in_english(world, login):
    client = login(world.anna)
    response = client.post(reverse("cases:person_add", args=[world.hansen.pk]),
                           {"first_name": "Ib", "role": "father", "cpr": "310210-1234"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "does not contain a valid birth date" in response.content.decode()


def test_paper_entry_stores_a_rating_with_a_danish_comma(world, login):
    client = login(world.anna)
    response = client.post(reverse("ratings:paper_entry", args=[world.hansen.pk]), {
        "instrument": "CORS", "person": world.child.pk, "rater": world.child.pk,
        "rated_on": timezone.localdate().isoformat(),
        "item1": "6,4", "item2": "7,1", "item3": "3", "item4": "9,9", "total": "26,4"})
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (str(rating.total), rating.mode, rating.entered_by) == ("26.4", "paper", world.anna)


def test_paper_entry_refuses_an_unfit_instrument_and_stores_nothing(world, login):
    client = login(world.anna)
    response = client.post(reverse("ratings:paper_entry", args=[world.hansen.pk]), {
        "instrument": "CORS", "person": world.teen.pk, "rater": world.teen.pk,
        "rated_on": timezone.localdate().isoformat(),
        "item1": "5", "item2": "5", "item3": "5", "item4": "5"})
    assert "CORS er til alderen 6-12 år; Freja var 15 år på den dato. Brug ORS." in \
        response.content.decode()
    assert not Rating.objects.exists()


def _case_page_queries(client, case, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("insights:case", args=[case.pk]), params)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def _busy_case(world, *, children: int, parents: int, meetings: int):
    """A case of Anna's with people, interventions, meetings with ratings (each person's
    outcome and alliance, each parent about each child) and missing ratings."""
    from fokus.ratings.actions import record_missing_rating

    today = timezone.localdate()
    case = actions.create_case(world.anna, team=world.team_nord, reference=f"B-{children}",
                               family_name="Familien Mange", caseworkers=[world.anna],
                               opened_on=today - datetime.timedelta(days=400))
    kids = [actions.add_person(world.anna, case, first_name=f"Barn{i}", role="child",
                               birth_date=years_ago(7 + i % 5)) for i in range(children)]
    adults = [actions.add_person(world.anna, case, first_name=f"Voksen{i}", role="mother",
                                 birth_date=years_ago(40)) for i in range(parents)]
    for kind in ("bl32_2", "bl32_3"):
        actions.add_intervention(world.anna, case, type=kind,
                                 start=today - datetime.timedelta(days=300))
    for n in range(meetings):
        on = today - datetime.timedelta(days=14 * (meetings - n))
        meeting = actions.record_meeting(world.anna, case, held_on=on, kind="office",
                                         participants=kids + adults)
        for kid in kids:
            world.rate(kid, "CORS", [5 + n % 3] * 4, on=on, meeting=meeting)
            world.rate(kid, "CSRS", [8] * 4, on=on, meeting=meeting)
            for adult in adults:
                world.rate(kid, "CORS", [4] * 4, rater=adult, on=on, meeting=meeting)
        for adult in adults:
            world.rate(adult, "ORS", [6] * 4, on=on, meeting=meeting)
        record_missing_rating(world.anna, case, meeting=meeting, person=adults[0],
                              reason="refused", measures="alliance")
    return case


def test_the_case_page_makes_the_same_number_of_queries_for_few_and_many_ratings(world, login):
    client = login(world.anna)
    # One of everything against many: a query per kind of thing, never per thing.
    # (A kind with nothing in it saves its prefetch query, so both cases have each kind.)
    small = _busy_case(world, children=1, parents=1, meetings=1)  # 2 people, 4 ratings
    big = _busy_case(world, children=4, parents=2, meetings=6)  # 6 people, 96 ratings
    _case_page_queries(client, small)  # the first page of a session may fill caches
    few = _case_page_queries(client, small)
    many = _case_page_queries(client, big)
    assert len(many) == len(few), "\n".join(many)
    # All of them, too: the answers of every rating in one query.
    assert len(_case_page_queries(client, big, all="1")) == len(few)
    # session, user, the case, its prefetches (people, interventions, caseworkers, meetings,
    # their participants, ratings, their instruments, people rated and raters, missing
    # ratings and their people), the access-log insert, the answers shown and their items,
    # the settings and the ETR set in force, the conversation prompts.
    assert len(few) <= MAX_CASE_PAGE_QUERIES, "\n".join(few)
