"""`fokus demo-data`: a realistic department in an empty database, generated once for
this module, then looked at from every side. How long it takes is not a test's
business: speed is measured in bench/, not asserted here."""

import collections
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from fokus.accounts.models import Role, User
from fokus.audit.models import AccessLogEntry
from fokus.cases.cpr import clean_cpr
from fokus.cases.models import Case, Intervention, Meeting, Organisation, Person, Team
from fokus.demo.generator import LICENSEE, make_cpr
from fokus.instruments.access import has_licence, settings_in_force
from fokus.instruments.models import InstrumentLicence, OrganisationSetting
from fokus.ratings.actions import check_rating
from fokus.ratings.models import MissingRating, Rating

pytestmark = pytest.mark.django_db

OUTCOME_SELF_AND_OTHER = ("ORS", "CORS")
ALLIANCE = ("SRS", "CSRS", "GSRS", "CGSRS")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Run the command once into the empty test database; roll it back afterwards."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            out = io.StringIO()
            call_command("demo-data", stdout=out)
            yield {"output": out.getvalue(),
                   "organisation": Organisation.objects.get(name="Demo Kommune")}
            transaction.set_rollback(True)


def outcome_series():
    series = collections.defaultdict(list)
    rows = (Rating.objects.filter(instrument__code__in=OUTCOME_SELF_AND_OTHER)
            .order_by("rated_on", "id").values_list("case_id", "person_id", "rater_id", "total"))
    for case_id, person_id, rater_id, total in rows:
        series[(case_id, person_id, rater_id)].append(total)
    return series


def test_generation_prints_a_summary_with_the_logins(demo):
    output = demo["output"]
    for word in ("teams:", "users:", "cases:", "persons:", "meetings:", "ratings:",
                 "missing ratings:", "password: demo"):
        assert word in output
    for username in ("anna", "bo", "lise", "ali", "admin"):
        assert f"\n  {username} " in output


def test_a_department_with_teams_caseworkers_and_150_families(demo):
    org = demo["organisation"]
    assert Organisation.objects.count() == 1
    assert org.units.get().name == "Familieafdelingen"
    teams = Team.objects.filter(unit__organisation=org)
    assert teams.count() >= 3
    caseworkers = User.objects.filter(organisation=org, role=Role.CASEWORKER)
    assert caseworkers.count() >= 12
    assert Case.objects.filter(organisation=org).count() == 150
    for team in teams:
        assert team.cases.count() >= 30
        assert caseworkers.filter(teams=team).count() >= 4


def test_settings_and_licence_are_in_force_before_all_data(demo):
    org = demo["organisation"]
    first = Meeting.objects.order_by("held_on").first().held_on
    assert OrganisationSetting.objects.filter(organisation=org).count() >= 10
    assert not OrganisationSetting.objects.filter(organisation=org, valid_from__gt=first).exists()
    assert all(s["valid_from"] is not None for s in settings_in_force(org.pk, first).values())
    licence = InstrumentLicence.objects.get(organisation=org)
    assert (licence.family, licence.licensee) == ("ors", LICENSEE)
    assert licence.valid_from <= first and has_licence(org.pk, "ors", first)
    # The demo's own generic wording, marked as such: never the licensed ORS text.
    wordings = list(org.instrument_wordings.all())
    assert wordings and org.item_wordings.exists()
    assert all(w.instruction.startswith(("Demo-tekst.", "Demo text.")) for w in wordings)


def test_the_demo_logins_have_their_roles_and_password(demo, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    org = demo["organisation"]
    users = {u.username: u for u in User.objects.prefetch_related("teams")}
    anna, bo, lise, ali, admin = (users[n] for n in ("anna", "bo", "lise", "ali", "admin"))
    assert anna.first_name == "Anna"
    assert (anna.role, bo.role, lise.role, ali.role, admin.role) == (
        Role.CASEWORKER, Role.CASEWORKER, Role.TEAM_LEADER, Role.ANALYST, Role.ADMINISTRATOR)
    nord = anna.teams.get()
    assert nord.name == "Team Nord"
    assert bo.teams.get() != nord
    assert list(lise.teams.all()) == [nord]
    assert admin.is_staff and admin.is_superuser
    assert not any(u.is_superuser for u in users.values() if u.username != "admin")
    assert all(u.organisation_id == org.pk for u in users.values())
    for user in users.values():
        if user.role in (Role.CASEWORKER, Role.TEAM_LEADER):
            assert user.teams.exists(), user.username
    assert {Role.FIT_SUPERUSER, Role.DEPARTMENT_HEAD} <= {u.role for u in users.values()}
    for username in ("anna", "bo", "lise", "ali", "admin"):
        assert authenticate(username=username, password="demo") == users[username]
    assert authenticate(username="anna", password="wrong") is None


def test_anna_has_a_caseload_in_her_team_and_bo_in_his(demo):
    anna, bo = User.objects.get(username="anna"), User.objects.get(username="bo")
    assert 20 <= anna.cases.count() <= 30
    assert set(anna.cases.values_list("team__name", flat=True)) == {"Team Nord"}
    assert anna.cases.filter(closed_on__isnull=True).count() >= 10
    assert bo.cases.exists()
    assert "Team Nord" not in set(bo.cases.values_list("team__name", flat=True))
    # Every case has a caseworker of its own team.
    for case in Case.objects.prefetch_related("caseworkers__teams"):
        workers = list(case.caseworkers.all())
        assert workers
        assert all(case.team in w.teams.all() for w in workers)


def test_about_two_years_up_to_today(demo):
    today = timezone.localdate()
    first = Meeting.objects.order_by("held_on").first().held_on
    last = Meeting.objects.order_by("-held_on").first().held_on
    assert today - datetime.timedelta(days=760) <= first <= today - datetime.timedelta(days=680)
    assert today - datetime.timedelta(days=14) <= last <= today
    assert not Rating.objects.filter(rated_on__gt=today).exists()
    assert not Case.objects.filter(opened_on__gt=today).exists()
    assert not Case.objects.filter(closed_on__gt=today).exists()
    assert not Intervention.objects.filter(start__gt=today).exists()
    assert not Intervention.objects.filter(end__gt=today).exists()
    assert not Person.objects.filter(birth_date__gt=today).exists()
    # Meetings lie within their case's period.
    assert not Meeting.objects.filter(held_on__lt=F("case__opened_on")).exists()
    assert not Meeting.objects.filter(held_on__gt=F("case__closed_on")).exists()
    assert not Rating.objects.exclude(rated_on=F("meeting__held_on")).exists()


def test_phases_closed_cases_and_families_who_left(demo):
    phases = collections.Counter(Case.objects.values_list("phase", flat=True))
    assert set(phases) == {"screening", "investigation", "support", "follow_up", "closed"}
    assert 35 <= phases["closed"] <= 55  # about 30 %
    assert not Case.objects.filter(phase="closed", closed_on__isnull=True).exists()
    left_early = (Case.objects.filter(phase="closed").annotate(n=Count("meetings"))
                  .filter(n__lte=3, closed_on__lte=F("opened_on") + datetime.timedelta(days=120)))
    assert left_early.count() >= 5


def test_children_of_all_ages_and_their_parents(demo):
    today = timezone.localdate()
    children = list(Person.objects.filter(role="child"))
    ages = {child.age_on(today) for child in children}
    assert min(ages) >= 0 and max(ages) <= 17
    assert len(ages) >= 16  # 0-17, nearly every year
    assert all(0 <= c.age_on(c.case.opened_on) <= 17 for c in children)
    roles = collections.Counter(Person.objects.values_list("role", flat=True))
    assert roles["mother"] > 100 and roles["father"] > 50
    assert roles["foster_parent"] > 0 and roles["step_parent"] > 0
    assert all(Case.objects.annotate(n=Count("persons")).values_list("n", flat=True))
    for case in Case.objects.prefetch_related("persons"):
        kinds = {p.role for p in case.persons.all()}
        assert "child" in kinds and kinds - {"child"}, case.reference


def test_cpr_numbers_are_valid_and_some_know_only_the_birth_year(demo):
    with_cpr = list(Person.objects.exclude(cpr=""))
    assert len(with_cpr) > 100
    mod11 = 0
    for person in with_cpr:
        assert clean_cpr(person.cpr, person.birth_date) == person.cpr
        weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
        mod11 += sum(w * int(d) for w, d in zip(weights, person.cpr, strict=True)) % 11 == 0
    assert 0.3 < mod11 / len(with_cpr) < 0.7  # about half pass the old check: both are valid
    assert Person.objects.filter(cpr="", birth_date__isnull=False).count() > 100
    year_only = Person.objects.filter(birth_date__isnull=True)
    assert 5 <= year_only.count() <= 60
    assert not year_only.filter(birth_year__isnull=True).exists()


def test_make_cpr_follows_the_century_rule():
    import random

    rng = random.Random(1)
    for born in (datetime.date(1937, 1, 1), datetime.date(1985, 6, 30), datetime.date(1999, 12, 31),
                 datetime.date(2000, 2, 29), datetime.date(2024, 3, 1)):
        for female in (True, False):
            number = make_cpr(rng, born, female)
            assert clean_cpr(number, born) == number
            assert (int(number[-1]) % 2 == 0) == female


def test_interventions_of_section_32_and_placements(demo):
    types = collections.Counter(Intervention.objects.values_list("type", flat=True))
    assert sum(n for t, n in types.items() if t.startswith("bl32")) > 100
    assert len([t for t in types if t.startswith("bl32")]) >= 6
    assert types["bl46"] + types["bl47"] >= 3
    assert not Intervention.objects.filter(provider="").exists()
    assert not Intervention.objects.filter(purpose="").exists()
    assert not Intervention.objects.filter(expected_duration_weeks__isnull=True).exists()
    assert Intervention.objects.filter(end__isnull=False).exists()
    assert not Intervention.objects.filter(end__lt=F("start")).exists()
    # A closed case has no intervention still running after it closed.
    assert not Intervention.objects.filter(case__phase="closed", end__isnull=True).exists()
    assert not Intervention.objects.filter(end__gt=F("case__closed_on")).exists()


def test_meetings_of_every_kind_with_participants_and_a_note(demo):
    kinds = collections.Counter(Meeting.objects.values_list("kind", flat=True))
    assert set(kinds) == {"office", "home_visit", "network", "phone", "video", "group"}
    assert kinds["office"] + kinds["home_visit"] > kinds["phone"] + kinds["video"]
    assert not Meeting.objects.filter(note="").exists()
    assert not Meeting.objects.annotate(n=Count("participants")).filter(n=0).exists()
    assert not Meeting.objects.filter(caseworker__isnull=True).exists()
    # Participants belong to the meeting's case.
    through = Meeting.participants.through.objects
    assert not through.exclude(person__case_id=F("meeting__case_id")).exists()
    # Every 2-8 weeks.
    for case in Case.objects.prefetch_related("meetings")[:40]:
        days = [m.held_on for m in case.meetings.all()]
        assert all(14 <= (b - a).days <= 56 for a, b in zip(days, days[1:], strict=False))


def test_every_rating_obeys_the_rules(demo):
    """The rules of check_rating for every stored rating, checked in bulk."""
    today = timezone.localdate()
    ratings = (Rating.objects.select_related("instrument", "person", "rater", "case")
               .prefetch_related("answers__item", "instrument__items"))
    n = 0
    for rating in ratings:
        instrument, person = rating.instrument, rating.person
        items = list(instrument.items.all())
        answers = list(rating.answers.all())
        assert [a.item_id for a in answers] == [i.pk for i in items]
        assert rating.total == sum((a.value for a in answers), Decimal("0.0"))
        for answer in answers:
            item = answer.item
            assert item.min_value <= answer.value <= item.max_value
            assert (answer.value - item.min_value) % item.step == 0
        age = person.age_on(rating.rated_on)
        assert age >= 0 and instrument.fits_age(age), (instrument.code, age)
        assert rating.rated_on <= today
        assert person.case_id == rating.case_id == rating.rater.case_id
        assert rating.mode in ("tablet", "link", "paper")
        n += 1
    assert n > 3000
    # And check_rating itself, on a sample.
    for rating in ratings.order_by("id")[::97]:
        values, total = check_rating(
            rating.case, instrument=rating.instrument, person=rating.person, rater=rating.rater,
            rated_on=rating.rated_on, answers=[a.value for a in rating.answers.all()],
            total=rating.total)
        assert total == rating.total


def test_instruments_by_age_and_who_rates(demo):
    codes = collections.Counter(Rating.objects.values_list("instrument__code", flat=True))
    for code in ("ORS", "CORS", "YCORS", "SRS", "CSRS", "YCSRS"):
        assert codes[code] > 0, code
    assert codes["ORS"] + codes["CORS"] > 2000
    # Each parent rates for herself; sometimes a parent also rates the child.
    carer = Rating.objects.exclude(rater_id=F("person_id"))
    assert carer.count() > 50
    assert not carer.exclude(person__role="child").exists()
    assert not carer.filter(rater__role="child").exists()
    assert set(carer.values_list("instrument__code", flat=True)) <= {"CORS", "ORS"}
    assert Rating.objects.filter(rater_id=F("person_id"), person__role="mother").exists()
    # Session scales are self-ratings at the same meeting as an outcome rating.
    alliance = Rating.objects.filter(instrument__measures="alliance")
    assert not alliance.exclude(rater_id=F("person_id")).exists()
    modes = collections.Counter(Rating.objects.values_list("mode", flat=True))
    assert modes["tablet"] > modes["link"] > 0 and modes["paper"] > 0
    assert modes["tablet"] > 0.5 * sum(modes.values())


def test_trajectories_improve_stall_and_deteriorate(demo):
    series = [s for s in outcome_series().values() if len(s) >= 2]
    intakes = [s[0] for s in series]
    changes = [s[-1] - s[0] for s in series]
    improved = sum(c >= 6 for c in changes)
    deteriorated = sum(c <= -6 for c in changes)
    unchanged = len(changes) - improved - deteriorated
    assert len(series) > 300
    assert improved > 0.4 * len(series)  # most improve
    assert improved > unchanged > deteriorated >= 10
    assert sum(12 <= i <= 28 for i in intakes) > 0.7 * len(intakes)
    # Some cross the cutoff (recovery): e.g. a child's CORS from <= 32 to above.
    assert sum(s[0] <= 28 < s[-1] for s in series) > 30


def test_alliance_mostly_high_with_some_drops(demo):
    totals = list(Rating.objects.filter(instrument__code__in=ALLIANCE)
                  .values_list("total", flat=True))
    assert len(totals) > 1000
    high = sum(t >= 36 for t in totals)
    assert 0.6 < high / len(totals) < 0.95
    assert sum(34 <= t <= 40 for t in totals) > 0.75 * len(totals)
    assert sum(t < 36 for t in totals) > 100


def test_missing_ratings_with_reasons_and_plain_gaps(demo):
    reasons = collections.Counter(MissingRating.objects.values_list("reason", flat=True))
    assert set(reasons) == {"refused", "not_present", "too_young", "too_upset", "not_offered",
                            "language"}
    assert set(MissingRating.objects.values_list("measures", flat=True)) == {"outcome", "alliance"}
    assert not MissingRating.objects.exclude(person__case_id=F("case_id")).exists()
    assert not MissingRating.objects.exclude(meeting__case_id=F("case_id")).exists()
    # too_young only for young children; a missing outcome never sits next to a rating.
    assert not MissingRating.objects.filter(reason="too_young").exclude(person__role="child").exists()
    rated = set(Rating.objects.filter(instrument__measures="outcome", rater_id=F("person_id"))
                .values_list("meeting_id", "person_id"))
    missing = set(MissingRating.objects.filter(measures="outcome")
                  .values_list("meeting_id", "person_id"))
    assert not rated & missing
    # Plain gaps: a participant with neither a rating nor a reason.
    through = Meeting.participants.through.objects.values_list("meeting_id", "person_id")
    gaps = set(through) - rated - missing
    assert len(gaps) > 20


def test_one_access_log_entry_records_the_generation(demo):
    entries = AccessLogEntry.objects.filter(object_type="demo_data")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.user_id is None and entry.action == "create"
    assert entry.detail["cases"] == 150
    # Besides it, only the organisation's creation (fokus.instruments.actions).
    assert list(AccessLogEntry.objects.exclude(object_type="demo_data").values_list(
        "object_type", "action")) == [("organisation", "create")]


def test_a_second_run_refuses_and_if_empty_does_nothing(demo):
    before = (Case.objects.count(), Rating.objects.count(), User.objects.count())
    with pytest.raises(CommandError, match="already has an organisation"):
        call_command("demo-data", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo-data", "--if-empty", stdout=out)
    assert out.getvalue() == ""
    assert (Case.objects.count(), Rating.objects.count(), User.objects.count()) == before
