"""Personas for every test, in one place.

Anna is a caseworker in Team Nord and works the Hansen case. Lise leads Team
Nord. Bo is a caseworker in Team Syd and works the Berg case; Anna must never see
it. Ali is an analyst (no names), Admin configures, Dorte is department head.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

PASSWORD = "test-password-123"  # noqa: S105


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a file, not memory: with an in-memory database the live server's
    threads share the test's one connection, and two images fetched at once by the
    browser fail with "cannot release savepoint - SQL statements in progress"."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["TEST"] = {**db.get("TEST", {}),
                      "NAME": str(tmp_path_factory.mktemp("sqlite") / "fokus-test.sqlite3")}


@pytest.fixture(scope="session", autouse=True)
def _cpr_keys():
    """CPR keys for the test run, made here (never a key file in the repository or under
    FOKUS_DATA_DIR): see fokus/lib/crypto.py and tests/test_cpr_encryption.py."""
    from django.test import override_settings

    from fokus.lib import crypto

    keys = override_settings(FOKUS_CPR_KEYS=[crypto.new_key()],
                             FOKUS_CPR_LOOKUP_KEY=crypto.new_lookup_key())
    keys.enable()
    yield
    keys.disable()


@pytest.fixture(autouse=True)
def _no_kept_figures():
    """Figures kept between requests (insights.organisation_series, the dashboards'
    cache) must not outlive a test: a rolled-back test's ids come back in the next."""
    from django.core.cache import cache

    from fokus.insights.organisation_series import forget

    cache.clear()
    forget()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


class World:
    """Everything the personas need, created once per test."""

    def __init__(self):
        # A transactional test flushes every table, the seeded instruments included.
        from django.apps import apps

        from fokus.accounts.models import Role, User
        from fokus.cases import actions
        from fokus.cases.models import Team, Unit
        from fokus.instruments.actions import create_organisation
        from fokus.instruments.definitions import seed
        from fokus.instruments.models import Instrument, InstrumentLicence

        if not Instrument.objects.exists():
            seed(apps)
        today = timezone.localdate()
        self.org = create_organisation("Testkommune",
                                               settings_valid_from=datetime.date(2000, 1, 1))
        unit = Unit.objects.create(organisation=self.org, name="Familieafdelingen")
        self.team_nord = Team.objects.create(unit=unit, name="Team Nord")
        self.team_syd = Team.objects.create(unit=unit, name="Team Syd")
        InstrumentLicence.objects.create(organisation=self.org, family="ors",
                                         licensee="Testkommune", valid_from=datetime.date(2000, 1, 1))

        def user(username, role, teams=(), **extra):
            u = User.objects.create_user(username, password=PASSWORD, organisation=self.org,
                                         role=role, first_name=username.title(), **extra)
            u.teams.set(teams)
            return u

        self.anna = user("anna", Role.CASEWORKER, [self.team_nord])
        self.lise = user("lise", Role.TEAM_LEADER, [self.team_nord])
        self.bo = user("bo", Role.CASEWORKER, [self.team_syd])
        self.ali = user("ali", Role.ANALYST)
        self.dorte = user("dorte", Role.DEPARTMENT_HEAD)
        self.admin = user("admin", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)

        self.hansen = actions.create_case(self.anna, team=self.team_nord, reference="2025-0001",
                                          family_name="Familien Hansen", caseworkers=[self.anna],
                                          opened_on=today - datetime.timedelta(days=200),
                                          phase="support")
        self.child = actions.add_person(self.anna, self.hansen, first_name="Mikkel",
                                        last_name="Hansen", role="child", birth_date=years_ago(10))
        self.mother = actions.add_person(self.anna, self.hansen, first_name="Sara",
                                         last_name="Hansen", role="mother", birth_date=years_ago(38))
        self.teen = actions.add_person(self.anna, self.hansen, first_name="Freja",
                                       last_name="Hansen", role="child", birth_date=years_ago(15))
        # A case in Anna's team that is not hers: she sees it, after her own.
        self.olsen = actions.create_case(self.lise, team=self.team_nord, reference="2025-0002",
                                         family_name="Familien Olsen", caseworkers=[self.lise],
                                         opened_on=today - datetime.timedelta(days=100))
        self.berg = actions.create_case(self.bo, team=self.team_syd, reference="2025-0003",
                                        family_name="Familien Berg", caseworkers=[self.bo],
                                        opened_on=today - datetime.timedelta(days=50))
        self.berg_child = actions.add_person(self.bo, self.berg, first_name="Emil", role="child",
                                             birth_date=years_ago(8))

    def rate(self, person, instrument_code, values, *, rater=None, on=None, user=None, **kw):
        from fokus.instruments.models import Instrument
        from fokus.ratings.actions import record_rating

        rating, _created = record_rating(
            user or self.anna, person.case, instrument=Instrument.objects.get(code=instrument_code),
            person=person, rater=rater or person, rated_on=on or timezone.localdate(),
            answers=[Decimal(str(v)) if not isinstance(v, str) else v for v in values],
            mode=kw.pop("mode", "paper"), **kw,
        )
        return rating


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client
    return _login
