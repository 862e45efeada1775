"""A big municipality for the benchmarks: 20,000 cases and about 1,000,000 ratings in
PostgreSQL, written with COPY (not row by row), that behave like the demo's: children
and parents rate how life goes at every meeting and rate the meeting, most lines rise
towards the cutoff, some stay flat or fall, the alliance is mostly high.

Everything is generated (names from short lists, no CPR numbers); the organisation
is new, so it can sit beside the demo's. Used by `fokus demo-municipality`.
"""

from __future__ import annotations

import datetime
import io
import math
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from fokus.accounts.models import Role, User
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import (
    Case,
    Intervention,
    InterventionType,
    Meeting,
    MeetingKind,
    Person,
    Phase,
    Team,
    Unit,
)
from fokus.instruments.actions import create_organisation
from fokus.instruments.models import Family, Instrument, InstrumentLicence
from fokus.outcomes import rules
from fokus.ratings.models import Rating, RatingAnswer

FIRST_NAMES_CHILD = ["Emil", "Freja", "Noah", "Ida", "Oscar", "Alma", "William", "Ella",
                     "Lucas", "Clara", "Oliver", "Karla", "Malthe", "Agnes", "Victor", "Laura"]
FIRST_NAMES_ADULT = ["Mette", "Anders", "Camilla", "Thomas", "Louise", "Martin", "Sara",
                     "Jesper", "Maria", "Henrik", "Line", "Kasper", "Pia", "Rasmus"]
LAST_NAMES = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen",
              "Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen"]
PASSWORD = "demo"  # noqa: S105 - the published demo password, generated data only


class NeedsPostgres(Exception):
    """COPY is PostgreSQL's: the embedded SQLite default has the demo's own generator."""


@dataclass
class MunicipalitySummary:
    organisation: str
    teams: int
    caseworkers: int
    cases: int
    persons: int
    meetings: int
    ratings: int
    answers: int
    seconds: float

    def lines(self) -> list[str]:
        return [f"organisation: {self.organisation}", f"teams: {self.teams}",
                f"caseworkers: {self.caseworkers}", f"cases: {self.cases:,}",
                f"persons: {self.persons:,}", f"meetings: {self.meetings:,}",
                f"ratings: {self.ratings:,}", f"item answers: {self.answers:,}",
                f"seconds: {self.seconds:.1f}"]


class _Copy:
    """Rows for one table, written with COPY in one go."""

    def __init__(self, model, columns: list[str]):
        self.table = model._meta.db_table
        self.columns = columns
        self.buffer = io.StringIO()
        self.n = 0

    def add(self, *values) -> None:
        self.buffer.write("\t".join(r"\N" if v is None else str(v) for v in values))
        self.buffer.write("\n")
        self.n += 1

    def flush(self, cursor) -> None:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        with cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:  # noqa: S608
            copy.write(self.buffer.getvalue())
        self.buffer = io.StringIO()


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences(models) -> None:
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                           f"(SELECT coalesce(max(id), 1) FROM {table}))")


def _split(total_t: int, rng: random.Random) -> list[int]:
    """Four item values in tenths (each 0-100) that add up to total_t."""
    parts = [total_t // 4 + (1 if i < total_t % 4 else 0) for i in range(4)]
    for _ in range(2):  # a little spread between the lines, the total kept
        i, j = rng.randrange(4), rng.randrange(4)
        move = min(rng.randint(0, 15), parts[i], 100 - parts[j])
        if i != j and move > 0:
            parts[i] -= move
            parts[j] += move
    return parts


def generate_municipality(*, cases: int = 20_000, teams: int = 40, seed: int = 7,
                          name: str | None = None) -> MunicipalitySummary:
    """Fill PostgreSQL with a municipality of `cases` cases (about 50 ratings each)."""
    if connection.vendor != "postgresql":
        raise NeedsPostgres("fokus demo-municipality needs PostgreSQL (DATABASE_URL)")
    started = timezone.now()
    rng = random.Random(seed)
    today = timezone.localdate()
    name = name or f"Storkommune {seed}"
    instruments = {i.code: i for i in Instrument.objects.prefetch_related("items")}
    items = {code: [it.pk for it in i.items.all()] for code, i in instruments.items()}
    with transaction.atomic():
        valid_from = today.replace(year=today.year - 4, month=1, day=1)
        org = create_organisation(name, settings_valid_from=valid_from)
        InstrumentLicence.objects.create(organisation=org, family=Family.ORS,
                                         licensee=f"{name} (generated)", valid_from=valid_from)
        unit = Unit.objects.create(organisation=org, name="Familieafdelingen")
        team_list = [Team.objects.create(unit=unit, name=f"Team {i + 1:02d}") for i in range(teams)]
        password = make_password(PASSWORD)
        workers: list[list[User]] = []
        for t, team in enumerate(team_list):
            members = []
            for w in range(12):
                user = User.objects.create(
                    username=f"{org.pk}-t{t + 1:02d}-w{w + 1:02d}", first_name=f"Rådgiver {w + 1}",
                    last_name=team.name, role=Role.CASEWORKER, organisation=org,
                    password=password)
                user.teams.set([team])
                members.append(user)
            leader = User.objects.create(
                username=f"{org.pk}-t{t + 1:02d}-leder", first_name="Teamleder",
                last_name=team.name, role=Role.TEAM_LEADER, organisation=org, password=password)
            leader.teams.set([team])
            workers.append(members)
        User.objects.create(username=f"{org.pk}-chef", first_name="Afdelingschef",
                            role=Role.DEPARTMENT_HEAD, organisation=org, password=password)

        ids = {m: _next_id(m) for m in (Case, Person, Meeting, Rating, Intervention)}
        now = timezone.now().isoformat()
        c_case = _Copy(Case, ["id", "organisation_id", "team_id", "reference", "family_name",
                              "opened_on", "closed_on", "phase", "legal_basis",
                              "opening_reason", "created_at"])
        c_workers = _Copy(Case.caseworkers.through, ["case_id", "user_id"])
        c_person = _Copy(Person, ["id", "case_id", "first_name", "last_name", "role",
                                  "birth_date", "birth_year", "cpr",
                                  "ratings_private_from_parents"])
        c_interv = _Copy(Intervention, ["id", "case_id", "type", "provider", "purpose", "start",
                                        "expected_duration_weeks", "end"])
        c_meeting = _Copy(Meeting, ["id", "case_id", "held_on", "kind", "caseworker_id", "note",
                                    "created_at"])
        c_part = _Copy(Meeting.participants.through, ["meeting_id", "person_id"])
        c_rating = _Copy(Rating, ["id", "case_id", "meeting_id", "instrument_id", "person_id",
                                  "rater_id", "rated_on", "total", "mode", "entered_by_id",
                                  "entered_at"])
        c_answer = _Copy(RatingAnswer, ["rating_id", "item_id", "value"])
        kinds = [MeetingKind.OFFICE, MeetingKind.HOME_VISIT, MeetingKind.NETWORK,
                 MeetingKind.PHONE]
        interventions = [t.value for t in InterventionType]
        span = 3 * 365
        for n in range(cases):
            case_id = ids[Case] + n
            t = n % teams
            worker = workers[t][rng.randrange(len(workers[t]))]
            opened = today - datetime.timedelta(days=rng.randint(30, span))
            n_meetings = rng.randint(4, 14)
            gaps = [rng.randint(14, 35) for _ in range(n_meetings)]
            days = []
            day = opened + datetime.timedelta(days=rng.randint(5, 20))
            for gap in gaps:
                if day > today:
                    break
                days.append(day)
                day += datetime.timedelta(days=gap)
            if not days:
                days = [min(today, opened + datetime.timedelta(days=7))]
            closed = rng.random() < 0.35 and days[-1] + datetime.timedelta(days=20) < today
            closed_on = days[-1] + datetime.timedelta(days=14) if closed else None
            phase = Phase.CLOSED if closed else rng.choice(
                [Phase.INVESTIGATION, Phase.SUPPORT, Phase.SUPPORT, Phase.FOLLOW_UP])
            family = rng.choice(LAST_NAMES)
            c_case.add(case_id, org.pk, team_list[t].pk, f"S-{n + 1:06d}", f"Familien {family}",
                       opened, closed_on, phase, "bl_32", "notification", now)
            c_workers.add(case_id, worker.pk)
            start = opened + datetime.timedelta(days=rng.randint(0, 30))
            c_interv.add(ids[Intervention] + n, case_id, rng.choice(interventions), "", "", start,
                         rng.choice([12, 26, 52]), closed_on if closed_on and closed_on >= start
                         else None)
            # The family: 1-3 children, 1-2 parents.
            people = []
            for _ in range(rng.choice([1, 1, 2, 2, 3])):
                age = rng.randint(2, 17)
                born = opened - datetime.timedelta(days=int(age * 365.25) + rng.randint(0, 364))
                people.append(("child", born, rng.choice(FIRST_NAMES_CHILD)))
            for role in rng.sample(["mother", "father"], rng.choice([1, 2])):
                born = opened - datetime.timedelta(days=rng.randint(25, 50) * 365)
                people.append((role, born, rng.choice(FIRST_NAMES_ADULT)))
            person_ids = []
            for role, born, first in people:
                pid = ids[Person]
                ids[Person] += 1
                person_ids.append(pid)
                c_person.add(pid, case_id, first, family, role, born, None, "", "f")
            # Each person's own line: an intake, a drift per meeting, noise.
            lines = {}
            for (role, born, _first), pid in zip(people, person_ids, strict=True):
                intake = min(380, max(20, int(rng.gauss(195, 60))))
                drift = rng.gauss(28, 20)  # tenths per meeting, mostly up
                alliance = min(400, max(240, int(rng.gauss(365, 25))))
                lines[pid] = (intake, drift, alliance, born, role)
            for m, held in enumerate(days):
                mid = ids[Meeting]
                ids[Meeting] += 1
                c_meeting.add(mid, case_id, held, rng.choice(kinds), worker.pk, "", now)
                for pid in person_ids:
                    c_part.add(mid, pid)
                for pid in person_ids:
                    intake, drift, alliance, born, role = lines[pid]
                    age = (held - born).days // 365
                    if rng.random() < 0.08:
                        continue  # a rating not given now and then
                    outcome, session = _codes(role, age)
                    if outcome in rules.FACES_INSTRUMENTS:
                        face = min(4, max(1, 2 + round(m * drift / 60 + rng.gauss(0.5, 0.7))))
                        scores = [(outcome, face * 10, [face * 10]),
                                  (session, min(40, max(10, 30 + 10 * round(rng.gauss(0.5, .6)))),
                                   None)]
                    else:
                        level = intake + drift * m * math.exp(-m / 10) + rng.gauss(0, 22)
                        total = min(400, max(0, int(level)))
                        a_total = min(400, max(0, int(alliance + rng.gauss(0, 15))))
                        scores = [(outcome, total, None), (session, a_total, None)]
                    for code, total_t, fixed in scores:
                        if code in rules.FACES_INSTRUMENTS and fixed is None:
                            fixed = [total_t]
                        rid = ids[Rating]
                        ids[Rating] += 1
                        c_rating.add(rid, case_id, mid, instruments[code].pk, pid, pid, held,
                                     f"{total_t / 10:.1f}", "tablet", worker.pk, now)
                        values = fixed if fixed is not None else _split(total_t, rng)
                        for item_id, value in zip(items[code], values, strict=False):
                            c_answer.add(rid, item_id, f"{value / 10:.1f}")
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            for table in (c_case, c_workers, c_person, c_interv, c_meeting, c_part, c_rating,
                          c_answer):
                table.flush(raw)
        _reset_sequences([Case, Person, Meeting, Rating, Intervention, RatingAnswer,
                          Case.caseworkers.through, Meeting.participants.through])
        record(None, AccessAction.CREATE, "demo_data", org.pk,
               purpose="generated municipality for benchmarks",
               detail={"cases": c_case.n, "ratings": c_rating.n})
    with connection.cursor() as cursor:
        # The planner's statistics for the million new rows: without them PostgreSQL
        # plans the FIT-use counts as for empty tables (minutes instead of seconds)
        # until autovacuum gets round to it.
        cursor.execute("ANALYZE")
    return MunicipalitySummary(name, teams, sum(len(w) for w in workers), c_case.n, c_person.n,
                               c_meeting.n, c_rating.n, c_answer.n,
                               (timezone.now() - started).total_seconds())


def _codes(role: str, age: int) -> tuple[str, str]:
    """The outcome and session scale for a person's age (rules.instrument_ages)."""
    if role != "child" or age >= rules.YOUTH_FROM:
        return "ORS", "SRS"
    if age >= rules.STATISTICS_FROM:
        return "CORS", "CSRS"
    return "YCORS", "YCSRS"
