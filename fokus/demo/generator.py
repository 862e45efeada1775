"""Demo data: a living FIT department, "Demo Kommune", for an empty database.

`fokus demo-data` calls generate_demo(). Everything here is generated: the people
are made up from short lists of common Danish names, the CPR numbers are
date-consistent but random, and the ORS-family licence is a placeholder. No licensed
item wording is entered: the demo's screens show Fokus's own generic wording
(DEMO_WORDING, Danish and English), written for the demo and clearly not the
ORS/SRS/CORS text, so that they look like real ones. The same seed on the same day
gives the same department.

The generator writes as a system process: it bulk-creates the rows in one
transaction and writes ONE access-log entry that records the generation, instead
of one entry per row. Every rating obeys the rules of
fokus.ratings.actions.check_rating (age fit, ranges, one decimal, total = sum);
a sample of them is run through check_rating itself before anything is stored.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation

from fokus.accounts.models import Role, User
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.cpr import clean_cpr
from fokus.cases.models import (
    Case,
    Intervention,
    InterventionType,
    LegalBasis,
    Meeting,
    MeetingKind,
    OpeningReason,
    Organisation,
    Person,
    PersonRole,
    Phase,
    Team,
    Unit,
)
from fokus.instruments.actions import create_organisation
from fokus.instruments.definitions import PUBLISHED_ETR
from fokus.instruments.models import (
    Family,
    Instrument,
    InstrumentLicence,
    InstrumentWording,
    ItemWording,
    Measures,
)
from fokus.outcomes import rules, to_tenths
from fokus.ratings.actions import check_rating, suggest_instrument
from fokus.ratings.models import MissingRating, MissingReason, Rating, RatingAnswer, RatingMode

ORGANISATION_NAME = "Demo Kommune"
UNIT_NAME = "Familieafdelingen"
TEAM_NAMES = ["Team Nord", "Team Syd", "Team Vest"]
PASSWORD = "demo"  # noqa: S105 - the published demo password, demo data only
LICENSEE = "Demo Kommune (placeholder licence for demonstration only)"
N_CASES = 150
N_CLOSED = 45  # about 30 %
N_EARLY_LEAVERS = 12  # of the closed: families who left after one to three meetings
ANNA_CASES = 25
SPAN_DAYS = 728  # about two years of meetings up to today
CHECK_EVERY = 20  # every n-th rating is also run through check_rating

# The demo's own wording for the ORS-family instruments, in Danish and English: generic
# questions written for Fokus's demo (NOT the licensed ORS/SRS/CORS wording, which an
# organisation's administrator enters under its licence). Per kind of instrument: the
# instruction, the instruction for rating someone else ({name}: the person rated), and
# per item (label, low end, high end).
_DEMO_OUTCOME = {
    "da": ("Demo-tekst. Hvordan er den sidste uge gået, i dag med? Sæt en streg på hver linje: "
           "jo længere mod højre, jo bedre.",
           "Demo-tekst. Hvordan tror du, den sidste uge er gået for {name}, i dag med? Sæt en "
           "streg på hver linje: jo længere mod højre, jo bedre.",
           [("Mig selv", "Meget dårligt", "Meget godt"),
            ("Familie og dem, jeg er tæt på", "Meget dårligt", "Meget godt"),
            ("Skole, arbejde og venner", "Meget dårligt", "Meget godt"),
            ("Livet lige nu", "Meget dårligt", "Meget godt")]),
    "en": ("Demo text. How has the last week been, including today? Mark each line: the "
           "further right, the better.",
           "Demo text. How do you think the last week has been for {name}, including today? "
           "Mark each line: the further right, the better.",
           [("How I am doing", "Very badly", "Very well"),
            ("Family and the people close to me", "Very badly", "Very well"),
            ("School, work and friends", "Very badly", "Very well"),
            ("Life right now", "Very badly", "Very well")]),
}
_DEMO_SESSION = {
    "da": ("Demo-tekst. Hvordan var mødet i dag? Sæt en streg på hver linje.", "",
           [("Blev jeg lyttet til?", "Slet ikke", "Helt og fuldt"),
            ("Talte vi om det, jeg ville tale om?", "Slet ikke", "Helt og fuldt"),
            ("Passede måden, vi arbejdede på, til mig?", "Slet ikke", "Helt og fuldt"),
            ("Mødet alt i alt", "Dårligt", "Godt")]),
    "en": ("Demo text. How was today's meeting? Mark each line.", "",
           [("Was I listened to?", "Not at all", "Completely"),
            ("Did we talk about what I wanted to talk about?", "Not at all", "Completely"),
            ("Did the way we worked suit me?", "Not at all", "Completely"),
            ("The meeting all in all", "Badly", "Well")]),
}
DEMO_WORDING = {
    "ORS": _DEMO_OUTCOME, "CORS": _DEMO_OUTCOME,
    "SRS": _DEMO_SESSION, "CSRS": _DEMO_SESSION, "GSRS": _DEMO_SESSION, "CGSRS": _DEMO_SESSION,
    "YCORS": {"da": ("Demo-tekst. Peg på det ansigt, der passer bedst.",
                     "Demo-tekst. Peg på det ansigt, der passer bedst til {name}.",
                     [("Hvordan har du det?", "", "")]),
              "en": ("Demo text. Point to the face that fits best.",
                     "Demo text. Point to the face that fits {name} best.",
                     [("How are you?", "", "")])},
    "YCSRS": {"da": ("Demo-tekst. Peg på det ansigt, der passer bedst.", "",
                     [("Hvordan var det at være her i dag?", "", "")]),
              "en": ("Demo text. Point to the face that fits best.", "",
                     [("How was it to be here today?", "", "")])},
}

# username, first name, last name, role, team index (None: no team)
STAFF: list[tuple[str, str, str, str, int | None]] = [
    ("anna", "Anna", "Kjærgaard", Role.CASEWORKER, 0),
    ("bo", "Bo", "Lindholm", Role.CASEWORKER, 1),
    ("lise", "Lise", "Brandt", Role.TEAM_LEADER, 0),
    ("ali", "Ali", "Demir", Role.ANALYST, None),
    ("admin", "Pia", "Mortensen", Role.ADMINISTRATOR, None),
    ("dorte", "Dorte", "Vinther", Role.DEPARTMENT_HEAD, None),
    ("karen", "Karen", "Holst", Role.FIT_SUPERUSER, None),
    ("dpo", "Dina", "Dahl", Role.DPO, None),  # the data protection officer: the access log
    ("mette", "Mette", "Bjerre", Role.TEAM_LEADER, 1),
    ("jens", "Jens", "Lykke", Role.TEAM_LEADER, 2),
    ("sofie", "Sofie", "Krogh", Role.CASEWORKER, 0),
    ("mikkel", "Mikkel", "Dam", Role.CASEWORKER, 0),
    ("hanne", "Hanne", "Skov", Role.CASEWORKER, 0),
    ("jonas", "Jonas", "Bang", Role.CASEWORKER, 0),
    ("camilla", "Camilla", "Fogh", Role.CASEWORKER, 1),
    ("peter", "Peter", "Juhl", Role.CASEWORKER, 1),
    ("louise", "Louise", "Høyer", Role.CASEWORKER, 1),
    ("kasper", "Kasper", "Riis", Role.CASEWORKER, 1),
    ("maria", "Maria", "Toft", Role.CASEWORKER, 2),
    ("thomas", "Thomas", "Kirk", Role.CASEWORKER, 2),
    ("signe", "Signe", "Borup", Role.CASEWORKER, 2),
    ("rasmus", "Rasmus", "Ebbesen", Role.CASEWORKER, 2),
    ("nina", "Nina", "Lauesen", Role.CASEWORKER, 2),
]
FIXED_LOGINS = ["anna", "bo", "lise", "ali", "admin"]

SURNAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
    "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
    "Thomsen", "Christiansen", "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen",
    "Jakobsen", "Mikkelsen", "Frederiksen", "Lund", "Holm", "Schmidt", "Eriksen",
    "Simonsen", "Clausen", "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen",
    "Nissen", "Lauridsen", "Kjær", "Dahl", "Bach", "Berg", "Vestergaard", "Østergaard",
    "Winther", "Bertelsen", "Friis", "Krag", "Overgaard", "Søndergaard", "Nørgaard",
]
# Families where a parent may need an interpreter (the "language" missing reason).
SURNAMES_OTHER = ["Ahmadi", "Hussein", "Yilmaz", "Nowak", "Kaya", "Mohamud", "Rahimi", "Kowalski"]
GIRLS = ["Ida", "Emma", "Alma", "Clara", "Freja", "Ella", "Sofia", "Agnes", "Karla", "Laura",
         "Olivia", "Nora", "Josefine", "Lærke", "Isabella", "Mathilde", "Asta", "Luna", "Ellen",
         "Maja", "Liva", "Frida", "Esther", "Victoria", "Aya", "Sara", "Marie", "Silje"]
BOYS = ["William", "Noah", "Oscar", "Lucas", "Carl", "Victor", "Malthe", "Alfred", "Emil",
        "Aksel", "Valdemar", "Elias", "Frederik", "Oliver", "Magnus", "August", "Alexander",
        "Johan", "Anton", "Villads", "Theo", "Arthur", "Storm", "Otto", "Adam", "Mads", "Sebastian"]
WOMEN = ["Mette", "Camilla", "Louise", "Maria", "Sara", "Julie", "Sandra", "Katrine", "Line",
         "Stine", "Pernille", "Charlotte", "Christina", "Trine", "Nadia", "Sanne", "Helle",
         "Marianne", "Rikke", "Jeanette", "Tina", "Dorthe", "Signe", "Cecilie", "Malene"]
MEN = ["Thomas", "Martin", "Jesper", "Michael", "Henrik", "Christian", "Rasmus", "Mads",
       "Jacob", "Kasper", "Søren", "Peter", "Anders", "Morten", "Jonas", "Nikolaj", "Kim",
       "Brian", "Dennis", "René", "Lars", "Jan", "Steffen", "Allan", "Tobias"]
WOMEN_OTHER = ["Fatima", "Amira", "Leyla", "Agnieszka", "Hodan", "Zainab"]
MEN_OTHER = ["Ahmad", "Mohammad", "Mehmet", "Piotr", "Abdi", "Hassan"]

PROVIDERS: dict[str, list[str]] = {
    InterventionType.HOME_SUPPORT: ["Familiehuset, Demo Kommune", "Hjemme-hos-teamet"],
    InterventionType.FAMILY_TREATMENT: ["Familiebehandlingen, Demo Kommune",
                                        "Familiecentret Lyngen"],
    InterventionType.FAMILY_RESIDENTIAL: ["Familieinstitutionen Skovly"],
    InterventionType.RESPITE: ["Aflastningsfamilie", "Aflastningsinstitutionen Bakkehuset"],
    InterventionType.PERSONAL_ADVISER: ["Ungeteamet, Demo Kommune"],
    InterventionType.CONTACT_PERSON: ["Kontaktpersonkorpset, Demo Kommune"],
    InterventionType.TRAINEESHIP: ["Erhvervspraktik via Ungdommens Uddannelsesvejledning"],
    InterventionType.OTHER_SUPPORT: ["Mentorordning, Foreningen Trappen",
                                     "Forældrekursus De Utrolige År"],
    InterventionType.PLACEMENT_CONSENT: ["Plejefamilie", "Netværksplejefamilie",
                                         "Opholdsstedet Lærkereden"],
    InterventionType.PLACEMENT_NO_CONSENT: ["Døgninstitutionen Solsikken", "Plejefamilie"],
}
PURPOSES: dict[str, list[str]] = {
    InterventionType.HOME_SUPPORT: [
        "Faste rutiner omkring morgen og sengetid, så barnet kommer udhvilet i skole.",
        "Støtte forældrene i struktur i hverdagen og i at følge op på lægeaftaler.",
    ],
    InterventionType.FAMILY_TREATMENT: [
        "Færre konflikter i hjemmet og en roligere tone mellem forældre og barn.",
        "Styrke forældrenes omsorgsevne og samarbejde om barnet efter skilsmissen.",
    ],
    InterventionType.FAMILY_RESIDENTIAL: [
        "Afklare og styrke forældrekompetencen i et døgnophold for hele familien.",
    ],
    InterventionType.RESPITE: [
        "Aflastning hver anden weekend, så familien får luft, og barnet får voksne at spejle sig i.",
    ],
    InterventionType.PERSONAL_ADVISER: [
        "Fastholde den unge i skole og hjælpe med overgangen til ungdomsuddannelse.",
    ],
    InterventionType.CONTACT_PERSON: [
        "En fast voksen, som barnet kan tale med, og som støtter fritidsliv og venskaber.",
        "Støtte den unge i at komme op om morgenen og holde aftaler.",
    ],
    InterventionType.TRAINEESHIP: [
        "Praktik to dage om ugen som vej tilbage til uddannelse.",
    ],
    InterventionType.OTHER_SUPPORT: [
        "Forældrekursus med fokus på grænser og positiv kontakt.",
        "Mentor, der hjælper med lektier og fremmøde.",
    ],
    InterventionType.PLACEMENT_CONSENT: [
        "Tryg og stabil hverdag uden for hjemmet, med samvær med forældrene hver anden uge.",
    ],
    InterventionType.PLACEMENT_NO_CONSENT: [
        "Sikre barnets sundhed og udvikling; samvær efter samværsplanen.",
    ],
}
SUPPORT_TYPES = [  # (type, weight, minimum age of the oldest child)
    (InterventionType.FAMILY_TREATMENT, 26, 0),
    (InterventionType.HOME_SUPPORT, 16, 0),
    (InterventionType.CONTACT_PERSON, 14, 9),
    (InterventionType.RESPITE, 9, 0),
    (InterventionType.OTHER_SUPPORT, 9, 0),
    (InterventionType.PERSONAL_ADVISER, 6, 12),
    (InterventionType.FAMILY_RESIDENTIAL, 3, 0),
    (InterventionType.TRAINEESHIP, 3, 15),
]
MEETING_KINDS = [(MeetingKind.OFFICE, 32), (MeetingKind.HOME_VISIT, 30), (MeetingKind.NETWORK, 11),
                 (MeetingKind.PHONE, 10), (MeetingKind.VIDEO, 9), (MeetingKind.GROUP, 8)]
KIND_OPENERS = {
    MeetingKind.OFFICE: ["Møde på kontoret med {who}.", "Samtale på rådhuset med {who}."],
    MeetingKind.HOME_VISIT: ["Hjemmebesøg hos {who}.", "Hjemmebesøg; {who} var hjemme."],
    MeetingKind.NETWORK: ["Netværksmøde med skole og PPR; {who} deltog.",
                          "Netværksmøde med sundhedsplejen og {who}."],
    MeetingKind.PHONE: ["Telefonsamtale med {who}; skalaerne udfyldt via link.",
                        "Kort opfølgning pr. telefon med {who}."],
    MeetingKind.VIDEO: ["Videomøde med {who}.", "Opfølgning på video med {who}."],
    MeetingKind.GROUP: ["Gruppeforløb i Familiehuset; {who} deltog.",
                        "Forældregruppe; {who} deltog."],
}
TREND_NOTES = {
    "up": ["Grafen går op; {child} fortæller, at det går bedre i skolen.",
           "Vi så grafen sammen: en tydelig fremgang siden sidst.",
           "Scoren er steget; familien sætter det i forbindelse med de nye rutiner."],
    "flat": ["Grafen står stille; vi talte om, hvad der skal til for at rykke.",
             "Stort set uændret siden sidst. Vi holder fast i aftalerne.",
             "Ingen tydelig ændring; vi tager sagen op på FIT-konferencen."],
    "down": ["Grafen falder; {child} har haft en svær periode.",
             "Tydeligt fald siden sidst; vi aftalte et ekstra møde og talte om, hvad der skal ændres.",
             "Lavere score end sidst; mor beskriver flere konflikter derhjemme."],
    "none": ["Ingen skalaer i dag.", "Vi talte om baggrunden for henvendelsen."],
}
FIRST_NOTES = ["Første møde: vi gennemgik henvendelsen og hvordan skalaerne bruges.",
               "Første samtale. Familien fortalte om hverdagen; første målinger taget.",
               "Opstart: vi aftalte, at skalaerne tages ved hvert møde."]
ALLIANCE_DROP_NOTES = ["Samarbejdet faldt; vi talte om, hvad der skal være anderledes næste gang.",
                       "Lavere score for mødet; {who} følte sig ikke hørt. Aftalt at justere."]
AGREEMENTS = ["Næste møde om {weeks} uger.", "Aftalt: ny status om {weeks} uger.",
              "Vi ses igen om cirka {weeks} uger.", ""]
TENTH = Decimal("0.1")


@dataclass
class DemoLogin:
    username: str
    name: str
    role: str
    team: str


@dataclass
class DemoSummary:
    teams: int = 0
    users: int = 0
    caseworkers: int = 0
    cases: int = 0
    closed_cases: int = 0
    persons: int = 0
    interventions: int = 0
    meetings: int = 0
    ratings: int = 0
    missing_ratings: int = 0
    checked_ratings: int = 0
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None
    seconds: float = 0.0
    logins: list[DemoLogin] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"Demo data for {ORGANISATION_NAME} generated in {self.seconds:.1f} s "
            f"(meetings {self.first_day} to {self.last_day}).",
            f"  teams:           {self.teams}",
            f"  users:           {self.users} ({self.caseworkers} caseworkers)",
            f"  cases:           {self.cases} ({self.closed_cases} closed)",
            f"  persons:         {self.persons}",
            f"  interventions:   {self.interventions}",
            f"  meetings:        {self.meetings}",
            f"  ratings:         {self.ratings} ({self.checked_ratings} run through check_rating)",
            f"  missing ratings: {self.missing_ratings}",
            "",
            "Demo logins (password: demo):",
        ]
        width = max(len("username"), *(len(login.username) for login in self.logins))
        role_width = max(len(login.role) for login in self.logins)
        name_width = max(len(login.name) for login in self.logins)
        out.append(f"  {'username':<{width}}  {'name':<{name_width}}  {'role':<{role_width}}  team")
        for login in self.logins:
            out.append(f"  {login.username:<{width}}  {login.name:<{name_width}}  "
                       f"{login.role:<{role_width}}  {login.team}")
        return out


class DemoDataExists(Exception):
    """The database already holds data; demo data goes only into an empty one."""


def existing_data_reason() -> str:
    """Why the database is not empty enough for demo data, or "" when it is."""
    if Organisation.objects.exists():
        names = ", ".join(Organisation.objects.order_by("pk").values_list("name", flat=True)[:3])
        return f"The database already has an organisation ({names})."
    taken = list(User.objects.filter(username__in=[s[0] for s in STAFF])
                 .values_list("username", flat=True))
    if taken:
        return f"The database already has users with demo usernames ({', '.join(sorted(taken))})."
    return ""


def generate_demo(stdout=None, seed: int = 2017) -> DemoSummary:
    """Generate the demo department into an empty database and return its counts."""
    started = time.perf_counter()
    reason = existing_data_reason()
    if reason:
        raise DemoDataExists(reason)
    generator = _Generator(random.Random(seed), timezone.localdate(), seed)
    with transaction.atomic():
        summary = generator.run()
    summary.seconds = time.perf_counter() - started
    if stdout is not None:
        for line in summary.lines():
            stdout.write(line + "\n")
    return summary


# --- scores ------------------------------------------------------------------------------


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _tenths(value: float) -> Decimal:
    """A 10 cm line score: 0.0-10.0, exactly one decimal."""
    return Decimal(int(round(_clip(value, 0.0, 10.0) * 10))).scaleb(-1)


def _etr(intake: float, meeting: int, adult: bool) -> float:
    """The published short-term expected path (docs/fit-definitions.md section 3)."""
    if meeting <= 1:
        return intake
    p = PUBLISHED_ETR["short_adult" if adult else "short_youth"]
    c = intake - 20
    a = [m + b * c for m, b in zip(p["mean"], p["by_intake"], strict=True)]
    t = min(meeting - 1, p["flatten"])
    return a[0] + a[1] * t + a[2] * t * t + a[3] * t ** 3


class OutcomeSeries:
    """The latent course of one respondent's outcome: improve (roughly the ETR shape),
    stall, deteriorate, or improve and relapse; with noise on totals and items."""

    def __init__(self, rng: random.Random, pattern: str, adult: bool, bias: float = 0.0):
        self.rng = rng
        self.pattern = pattern
        self.adult = adult
        if pattern == "deteriorate":
            self.intake = _clip(rng.gauss(24.5, 4.0), 14.0, 34.0)
        else:
            self.intake = _clip(rng.gauss(20.0 + bias, 4.8), 5.0, 35.0)
        self.gain = rng.uniform(0.9, 1.9)
        self.drift = rng.uniform(-0.6, 0.6)
        self.drop = rng.uniform(6.5, 12.0)
        self.relapse_at = rng.randint(4, 7)
        self.n = 0
        self.offsets = [rng.gauss(0, 1.3) for _ in range(4)]
        mean = sum(self.offsets) / 4
        self.offsets = [o - mean for o in self.offsets]

    def latent(self, m: int) -> float:
        i = self.intake
        if self.pattern == "improve":
            if i > 32:
                return min(38.0, i + 0.3 * (m - 1))
            return min(38.5, i + self.gain * (_etr(i, m, self.adult) - i))
        if self.pattern == "relapse":
            peak = min(m, self.relapse_at)
            value = i + self.gain * (_etr(i, peak, self.adult) - i)
            return value - (7.5 if m > self.relapse_at else 0.0)
        if self.pattern == "deteriorate":
            return i - self.drop * (1 - math.exp(-(m - 1) / 2.5))
        return i + self.drift * math.sqrt(m - 1)  # stall

    def lines(self) -> list[Decimal]:
        """The next rating of the series (meeting number = its position in the series)."""
        self.n += 1
        m = self.n
        total = self.latent(m) + (self.rng.gauss(0, 1.4) if m > 1 else 0.0)
        return [_tenths(total / 4 + o + self.rng.gauss(0, 0.55)) for o in self.offsets]

    def face(self) -> Decimal:
        """YCORS: one pictorial choice, 1-4."""
        self.n += 1
        value = 1 + 3 * self.latent(self.n) / 40 + self.rng.gauss(0, 0.35)
        return Decimal(int(_clip(round(value), 1, 4)))


class AllianceSeries:
    """Session ratings: mostly high (34-40), now and then a drop below 36."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.base = (_clip(rng.gauss(37.3, 1.5), 33.0, 39.8) if rng.random() < 0.88
                     else _clip(rng.gauss(32.5, 2.5), 24.0, 36.0))
        self.offsets = [rng.gauss(0, 0.35) for _ in range(4)]

    def lines(self, m: int) -> list[Decimal]:
        total = self.base + min(m, 8) * 0.08 + self.rng.gauss(0, 0.8)
        if self.rng.random() < 0.08:
            total -= self.rng.uniform(2.0, 7.0)
        return [_tenths(total / 4 + o + self.rng.gauss(0, 0.25)) for o in self.offsets]

    def face(self) -> Decimal:
        return Decimal(self.rng.choices([2, 3, 4], weights=[1, 4, 10])[0])


# --- people ------------------------------------------------------------------------------


def _birthday(rng: random.Random, oldest: datetime.date, youngest: datetime.date) -> datetime.date:
    span = max((youngest - oldest).days, 0)
    return oldest + datetime.timedelta(days=rng.randint(0, span))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def make_cpr(rng: random.Random, born: datetime.date, female: bool) -> str:
    """A CPR number valid for `born` under the century rule of the seventh digit;
    about half pass the old modulus 11 check (issued numbers need not)."""
    yy = born.year % 100
    if born.year < 2000:
        sevenths = "0123" + ("49" if yy >= 37 else "")
    elif born.year <= 2036:
        sevenths = "49" + ("5678" if yy <= 57 else "")
    else:
        sevenths = "5678"
    want_mod11 = rng.random() < 0.5
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    while True:
        head = f"{born:%d%m}{yy:02d}{rng.choice(sevenths)}{rng.randint(0, 99):02d}"
        partial = sum(w * int(d) for w, d in zip(weights, head, strict=False))
        if want_mod11:
            last = (-partial) % 11
            if last == 10 or (last % 2 == 0) != female:
                continue
        else:
            options = [d for d in range(10) if (d % 2 == 0) == female and (partial + d) % 11]
            last = rng.choice(options)
        return head + str(last)


@dataclass
class Member:
    person: Person
    female: bool
    active_from: datetime.date
    language: bool = False  # may need an interpreter
    outcome: OutcomeSeries | None = None
    alliance: AllianceSeries | None = None
    rates_children: bool = False
    last_alliance: Decimal | None = None
    about: dict[int, OutcomeSeries] = field(default_factory=dict)  # carer ratings of a child

    @property
    def is_child(self) -> bool:
        return self.person.role == PersonRole.CHILD


# --- the generator -----------------------------------------------------------------------


class _Generator:
    def __init__(self, rng: random.Random, today: datetime.date, seed: int):
        self.rng = rng
        self.today = today
        self.seed = seed
        self.first_day = today - datetime.timedelta(days=SPAN_DAYS)
        self.summary = DemoSummary()
        self.instruments: dict[tuple[str, int, bool], Instrument] = {}
        self.items: dict[int, list] = {}
        self.cases: list[Case] = []
        self.case_caseworkers: list[tuple[Case, User]] = []
        self.persons: list[Person] = []
        self.interventions: list[Intervention] = []
        self.meetings: list[Meeting] = []
        self.participants: list[tuple[Meeting, Person]] = []
        self.ratings: list[tuple[Rating, list[Decimal]]] = []
        self.missing: list[MissingRating] = []

    # organisation, teams, staff

    def run(self) -> DemoSummary:
        valid_from = datetime.date(self.today.year - 3, 1, 1)
        self.organisation = create_organisation(ORGANISATION_NAME, settings_valid_from=valid_from)
        InstrumentLicence.objects.create(
            organisation=self.organisation, family=Family.ORS, licensee=LICENSEE,
            reference="DEMO-PLACEHOLDER", valid_from=valid_from)
        s_wordings = self._wording()
        unit = Unit.objects.create(organisation=self.organisation, name=UNIT_NAME)
        self.teams = [Team.objects.create(unit=unit, name=name) for name in TEAM_NAMES]
        self._staff()
        self._cases()
        self._store()
        s = self.summary
        s.teams, s.users = len(self.teams), len(self.users)
        s.caseworkers = sum(1 for u in self.users.values() if u.role == Role.CASEWORKER)
        s.cases, s.closed_cases = len(self.cases), sum(1 for c in self.cases if c.closed_on)
        s.persons, s.interventions = len(self.persons), len(self.interventions)
        s.meetings, s.ratings, s.missing_ratings = (
            len(self.meetings), len(self.ratings), len(self.missing))
        s.first_day = min(m.held_on for m in self.meetings)
        s.last_day = max(m.held_on for m in self.meetings)
        record(None, AccessAction.CREATE, "demo_data", self.organisation.pk,
               purpose=f"demo data generated (seed {self.seed})",
               detail={"teams": s.teams, "users": s.users, "cases": s.cases,
                       "persons": s.persons, "meetings": s.meetings, "ratings": s.ratings,
                       "demo_wordings": s_wordings,
                       "missing_ratings": s.missing_ratings})
        return s

    def _wording(self) -> int:
        """The demo's own generic wording (DEMO_WORDING), for the demo organisation."""
        instruments = {i.code: i for i in Instrument.objects.filter(code__in=DEMO_WORDING)
                       .prefetch_related("items")}
        heads, texts = [], []
        for code, languages in DEMO_WORDING.items():
            instrument = instruments.get(code)
            if instrument is None:
                continue
            items = sorted(instrument.items.all(), key=lambda item: item.position)
            for language, (instruction, other, labels) in languages.items():
                heads.append(InstrumentWording(
                    organisation=self.organisation, instrument=instrument, language=language,
                    instruction=instruction, instruction_other=other))
                for item, (label, low, high) in zip(items, labels, strict=True):
                    texts.append(ItemWording(organisation=self.organisation, item=item,
                                             language=language, label=label, low_anchor=low,
                                             high_anchor=high))
        InstrumentWording.objects.bulk_create(heads)
        ItemWording.objects.bulk_create(texts)
        return len(heads) + len(texts)

    def _staff(self) -> None:
        password = make_password(PASSWORD)  # one hash for all demo users: hashing is slow
        self.users: dict[str, User] = {}
        for username, first, last, role, team in STAFF:
            user = User(username=username, first_name=first, last_name=last, role=role,
                        organisation=self.organisation, password=password,
                        email=f"{username}@demo-kommune.example",
                        is_staff=role == Role.ADMINISTRATOR,
                        is_superuser=role == Role.ADMINISTRATOR)
            user.save()
            if team is not None:
                user.teams.set([self.teams[team]])
            self.users[username] = user
            team_name = self.teams[team].name if team is not None else "-"
            with translation.override("en"):
                role_name = str(Role(role).label)
            self.summary.logins.append(
                DemoLogin(username, user.get_full_name(), role_name, team_name))
        self.team_caseworkers = [
            [self.users[u] for u, _f, _l, r, t in STAFF if r == Role.CASEWORKER and t == i]
            for i in range(len(self.teams))]

    # cases

    def _cases(self) -> None:
        rng = self.rng
        # Which caseworker owns each case: anna a full caseload in Team Nord.
        owners: list[tuple[int, User]] = []
        per_team = [52, 50, 48]
        for index, n in enumerate(per_team):
            workers = self.team_caseworkers[index]
            pool: list[User] = []
            if index == 0:
                pool += [self.users["anna"]] * ANNA_CASES
                rest = [w for w in workers if w.username != "anna"]
                pool += [rest[i % len(rest)] for i in range(n - ANNA_CASES)]
            else:
                pool += [workers[i % len(workers)] for i in range(n)]
            owners += [(index, worker) for worker in pool]
        rng.shuffle(owners)
        closed = set(rng.sample(range(N_CASES), N_CLOSED))
        early = set(rng.sample(sorted(closed), N_EARLY_LEAVERS))
        for number, (team_index, owner) in enumerate(owners, start=1):
            self._family(number, team_index, owner, number - 1 in closed, number - 1 in early)

    def _family(self, number: int, team_index: int, owner: User, closed: bool, early: bool):
        rng, today = self.rng, self.today
        # When the case opened, and when (if) it closes.
        if number == 1:
            opened = self.first_day
        elif closed:
            opened = today - datetime.timedelta(days=rng.randint(100, SPAN_DAYS))
        else:  # the open caseload: some new concerns, some investigations, mostly support
            roll = rng.random()
            days = (rng.randint(2, 20) if roll < 0.08 else rng.randint(21, 110) if roll < 0.22
                    else int(rng.triangular(111, SPAN_DAYS, 300)))
            opened = today - datetime.timedelta(days=days)
        if closed:
            length = rng.randint(20, 95) if early else rng.randint(150, 560)
            close_by = min(opened + datetime.timedelta(days=length),
                           today - datetime.timedelta(days=rng.randint(1, 20)))
        else:
            close_by = None
        end = close_by or today
        investigation_from = opened + datetime.timedelta(days=rng.randint(7, 24))
        support_from = opened + datetime.timedelta(days=rng.randint(60, 118))
        placement = (not early) and rng.random() < 0.11
        no_consent = placement and rng.random() < 0.25
        other_origin = rng.random() < 0.1
        surname = rng.choice(SURNAMES_OTHER if other_origin else SURNAMES)

        case = Case(organisation=self.organisation, team=self.teams[team_index],
                    reference=f"{opened.year}-{number:04d}", family_name=f"Familien {surname}",
                    opened_on=opened,
                    opening_reason=rng.choices(
                        [OpeningReason.NOTIFICATION, OpeningReason.APPLICATION,
                         OpeningReason.OTHER], weights=[75, 20, 5])[0])
        self.cases.append(case)
        self.case_caseworkers.append((case, owner))
        co_worker = None
        if rng.random() < 0.08:
            others = [w for w in self.team_caseworkers[team_index] if w != owner]
            co_worker = rng.choice(others)
            self.case_caseworkers.append((case, co_worker))

        # The family's pattern: most improve, some stall, some deteriorate.
        weights = [35, 30, 20, 15] if early else [66, 18, 9, 7]
        pattern = rng.choices(["improve", "stall", "deteriorate", "relapse"], weights=weights)[0]
        placement = placement and support_from <= end
        members = self._members(case, surname, opened, other_origin, pattern, placement,
                                support_from)
        interventions = self._interventions(case, members, opened, support_from, close_by,
                                            early, placement, no_consent)

        # Phase and legal basis.
        since = (today - opened).days
        if closed:
            case.phase = Phase.CLOSED
        elif since < 21:
            case.phase = Phase.SCREENING
        elif today < support_from:
            case.phase = Phase.INVESTIGATION
        elif all(i.end for i in interventions) and interventions:
            case.phase = Phase.FOLLOW_UP
        else:
            case.phase = Phase.SUPPORT
        reached = (LegalBasis.BL_18 if end < investigation_from else
                   LegalBasis.BL_20 if end < support_from else LegalBasis.BL_32)
        if reached == LegalBasis.BL_32 and placement:
            reached = LegalBasis.BL_47 if no_consent else LegalBasis.BL_46
        if case.phase == Phase.FOLLOW_UP:
            reached = LegalBasis.BL_95
        case.legal_basis = reached

        self._meetings(case, owner, co_worker, members, opened, end, early)
        if closed:
            last = max((m.held_on for m in self.meetings if m.case is case), default=opened)
            case.closed_on = min(max(close_by, last), today)
            for intervention in interventions:
                if intervention.end is None or intervention.end > case.closed_on:
                    intervention.end = max(intervention.start, case.closed_on)

    def _members(self, case, surname, opened, other_origin, pattern, placement, support_from):
        rng, today = self.rng, self.today
        members: list[Member] = []
        youngest_allowed = _years_before(today, 18) + datetime.timedelta(days=2)
        n_children = rng.choices([1, 2, 3], weights=[50, 35, 15])[0]
        first = _birthday(rng, youngest_allowed, opened - datetime.timedelta(days=20))
        births = [first]
        for _ in range(n_children - 1):
            gap = datetime.timedelta(days=rng.randint(400, 2600)) * rng.choice([-1, 1])
            born = first + gap
            if youngest_allowed <= born <= opened - datetime.timedelta(days=20):
                births.append(born)
        used: set[str] = set()
        for born in sorted(births):
            female = rng.random() < 0.5
            name = self._name(GIRLS if female else BOYS, used)
            members.append(self._person(case, name, surname, PersonRole.CHILD, born, female,
                                        opened, child=True))
        oldest = min(births)
        mother_born = _birthday(rng, _years_before(oldest, 40), _years_before(oldest, 19))
        has_mother = rng.random() < 0.93
        if has_mother:
            members.append(self._person(
                case, self._name(WOMEN_OTHER if other_origin else WOMEN, used), surname,
                PersonRole.MOTHER, mother_born, True, opened, language=other_origin))
        if not has_mother or rng.random() < 0.68:
            father_born = mother_born + datetime.timedelta(days=rng.randint(-1100, 2900))
            members.append(self._person(
                case, self._name(MEN_OTHER if other_origin else MEN, used),
                surname if rng.random() < 0.7 else rng.choice(SURNAMES), PersonRole.FATHER,
                father_born, False, opened, language=other_origin and rng.random() < 0.7))
        elif rng.random() < 0.4:
            step_born = mother_born + datetime.timedelta(days=rng.randint(-1500, 3000))
            members.append(self._person(case, self._name(MEN, used), rng.choice(SURNAMES),
                                        PersonRole.STEP_PARENT, step_born, False, opened))
        if placement:
            foster_surname = rng.choice(SURNAMES)
            start = support_from + datetime.timedelta(days=rng.randint(0, 20))
            foster_born = _years_before(today, rng.randint(38, 58))
            members.append(self._person(case, self._name(WOMEN, used), foster_surname,
                                        PersonRole.FOSTER_PARENT, foster_born, True, start))
            if rng.random() < 0.6:
                members.append(self._person(
                    case, self._name(MEN, used), foster_surname, PersonRole.FOSTER_PARENT,
                    foster_born - datetime.timedelta(days=rng.randint(0, 1500)), False, start))

        # Outcome and alliance series; the family's pattern, with some individual ones.
        patterns = ["improve", "stall", "deteriorate", "relapse"]
        for member in members:
            own = pattern if rng.random() < 0.75 else rng.choices(patterns, [60, 22, 10, 8])[0]
            member.outcome = OutcomeSeries(rng, own, adult=not member.is_child,
                                           bias=0.0 if member.is_child else 0.5)
            member.alliance = AllianceSeries(rng)
            if not member.is_child:
                share = 0.6 if member.person.role == PersonRole.FOSTER_PARENT else 0.3
                member.rates_children = rng.random() < share
        for carer in (m for m in members if m.rates_children):
            for child in (m for m in members if m.is_child):
                child_pattern = child.outcome.pattern if rng.random() < 0.8 else pattern
                carer.about[id(child)] = OutcomeSeries(rng, child_pattern, adult=False, bias=-1.5)
        return members

    def _name(self, names: list[str], used: set[str]) -> str:
        free = [n for n in names if n not in used] or names
        name = self.rng.choice(free)
        used.add(name)
        return name

    def _person(self, case, first, last, role, born, female, active_from, *, child=False,
                language=False) -> Member:
        rng = self.rng
        kind = rng.random()
        birth_date, birth_year, cpr = born, born.year, ""
        if kind < 0.38:
            cpr = clean_cpr(make_cpr(rng, born, female), born)
        elif kind > (0.97 if child else 0.9) and born.year < active_from.year:
            # Only the birth year is known (age_on takes 1 July): never for a baby born in
            # the year the case opened, who would be -1 years old at its opening.
            birth_date = None
        person = Person(case=case, first_name=first, last_name=last, role=role,
                        birth_date=birth_date, birth_year=birth_year, cpr=cpr)
        self.persons.append(person)
        return Member(person=person, female=female, active_from=active_from, language=language)

    def _interventions(self, case, members, opened, support_from, close_by, early, placement,
                       no_consent) -> list[Intervention]:
        rng, today = self.rng, self.today
        end_limit = close_by or today
        if early or support_from > end_limit:
            return []
        oldest_age = max((m.person.age_on(support_from) for m in members if m.is_child), default=0)
        chosen: list[str] = []
        if placement:
            chosen.append(InterventionType.PLACEMENT_NO_CONSENT if no_consent
                          else InterventionType.PLACEMENT_CONSENT)
        n_support = rng.choices([1, 2, 3], weights=[55, 33, 12])[0] - (1 if placement else 0)
        options = [(t, w) for t, w, min_age in SUPPORT_TYPES if oldest_age >= min_age]
        for _ in range(max(n_support, 0)):
            kind = rng.choices([t for t, _ in options], weights=[w for _, w in options])[0]
            if kind not in chosen:
                chosen.append(kind)
        rows = []
        start = support_from
        long_running = (today - opened).days > 330 and rng.random() < 0.4
        for position, kind in enumerate(chosen):
            if position:
                start = start + datetime.timedelta(days=rng.randint(0, 120))
            if start > end_limit:
                break
            placement_kind = kind in (InterventionType.PLACEMENT_CONSENT,
                                      InterventionType.PLACEMENT_NO_CONSENT)
            weeks = rng.randint(52, 104) if placement_kind else rng.choice([12, 16, 20, 26, 39, 52])
            planned_end = start + datetime.timedelta(weeks=weeks, days=rng.randint(-20, 30))
            ended = None
            if close_by is not None:
                ended = min(planned_end, close_by)
            elif planned_end < today and (long_running or rng.random() < 0.6):
                ended = max(start, planned_end)
            row = Intervention(case=case, type=kind, provider=rng.choice(PROVIDERS[kind]),
                                  purpose=rng.choice(PURPOSES[kind]), start=start,
                                  expected_duration_weeks=weeks, end=ended)
            rows.append(row)
        if not placement and long_running and close_by is None:  # into follow-up
            for row in rows:
                if row.end is None:
                    row.end = max(row.start, min(today - datetime.timedelta(days=rng.randint(10, 90)),
                                                 row.start + datetime.timedelta(weeks=52)))
        self.interventions += rows
        return rows

    # meetings and ratings

    def _meetings(self, case, owner, co_worker, members, opened, end, early) -> None:
        rng = self.rng
        day = opened + datetime.timedelta(days=rng.randint(1, 12))
        number = 0
        last_child_total: dict[int, Decimal] = {}
        while day <= end:
            number += 1
            if number == 1:
                kind = rng.choice([MeetingKind.OFFICE, MeetingKind.HOME_VISIT])
            else:
                kind = rng.choices([k for k, _ in MEETING_KINDS],
                                   weights=[w for _, w in MEETING_KINDS])[0]
            worker = co_worker if co_worker and rng.random() < 0.3 else owner
            meeting = Meeting(case=case, held_on=day, kind=kind, caseworker=worker)
            self.meetings.append(meeting)
            present = self._present(members, kind, day)
            for member in present:
                self.participants.append((meeting, member.person))
            events = self._rate_meeting(case, meeting, members, present, number, worker)
            meeting.note = self._note(meeting, members, present, number, events, last_child_total)
            if early and number >= rng.randint(1, 3):
                break
            gap = rng.randint(14, 35) if number < 4 else rng.randint(18, 56)
            day = day + datetime.timedelta(days=gap)

    def _present(self, members: list[Member], kind: str, day: datetime.date) -> list[Member]:
        rng = self.rng
        active = [m for m in members if m.active_from <= day]
        if kind == MeetingKind.PHONE:
            adults = [m for m in active if not m.is_child]
            teens = [m for m in active if m.is_child and m.person.age_on(day) >= 13]
            return [rng.choice(adults or active)] + ([teens[0]] if teens and rng.random() < 0.3
                                                     else [])
        chance = {
            PersonRole.CHILD: {MeetingKind.HOME_VISIT: 0.85, MeetingKind.OFFICE: 0.7,
                               MeetingKind.NETWORK: 0.5, MeetingKind.VIDEO: 0.55,
                               MeetingKind.GROUP: 0.6},
            PersonRole.MOTHER: 0.88, PersonRole.FATHER: 0.62, PersonRole.STEP_PARENT: 0.45,
            PersonRole.FOSTER_PARENT: 0.8,
        }
        present = []
        for member in active:
            p = chance[member.person.role]
            p = p[kind] if isinstance(p, dict) else p
            if rng.random() < p:
                present.append(member)
        if not any(not m.is_child for m in present):
            adults = [m for m in active if not m.is_child]
            present.append(rng.choice(adults or active))
        return present

    def _instrument(self, measures: str, age: int, group: bool) -> Instrument | None:
        key = (measures, age, group)
        if key not in self.instruments:
            found = suggest_instrument(measures, age, group=group)
            if found is None and group:
                found = suggest_instrument(measures, age)
            self.instruments[key] = found
            if found is not None and found.pk not in self.items:
                self.items[found.pk] = list(found.items.all())
        return self.instruments[key]

    def _mode(self, kind: str) -> str:
        rng = self.rng
        if kind in (MeetingKind.PHONE, MeetingKind.VIDEO):
            return RatingMode.LINK if rng.random() < 0.9 else RatingMode.PAPER
        return rng.choices([RatingMode.TABLET, RatingMode.PAPER, RatingMode.LINK],
                           weights=[82, 12, 6])[0]

    def _missing(self, case, meeting, person, reason, worker, measures=Measures.OUTCOME) -> None:
        self.missing.append(MissingRating(case=case, meeting=meeting, person=person,
                                          measures=measures, reason=reason, recorded_by=worker))

    def _rate(self, case, meeting, instrument, person, rater, answers, mode, worker) -> Rating:
        rating = Rating(case=case, meeting=meeting, instrument=instrument, person=person,
                        rater=rater, rated_on=meeting.held_on, total=sum(answers, Decimal("0.0")),
                        mode=mode, entered_by=None if mode == RatingMode.LINK else worker)
        self.ratings.append((rating, answers))
        return rating

    def _rate_meeting(self, case, meeting, members, present, number, worker) -> dict:
        """Outcome for everyone present (and sometimes a carer about a child), then the
        session scale at the end. Missing ratings get a reason, or are plain gaps."""
        rng = self.rng
        day, kind = meeting.held_on, meeting.kind
        group = kind == MeetingKind.GROUP
        events: dict = {"outcome": {}, "alliance_drop": [], "missing": 0}
        for member in members:
            if member.active_from > day:
                continue
            person = member.person
            if member not in present:
                if rng.random() < 0.35:
                    self._missing(case, meeting, person, MissingReason.NOT_PRESENT, worker)
                    events["missing"] += 1
                continue
            age = person.age_on(day)
            mode = self._mode(kind)
            reason = None
            if member.is_child and age < 3:
                reason = MissingReason.TOO_YOUNG if rng.random() < 0.7 else "gap"
            elif member.is_child and age < 5 and rng.random() < 0.4:
                reason = MissingReason.TOO_YOUNG
            elif member.language and rng.random() < 0.45:
                reason = MissingReason.LANGUAGE
            else:
                roll = rng.random()
                refuse = 0.09 if member.is_child and age >= 13 else 0.03
                upset = 0.05 if member.is_child else 0.02
                not_offered = 0.15 if kind in (MeetingKind.PHONE, MeetingKind.NETWORK) else 0.03
                limits = [(MissingReason.REFUSED, refuse), (MissingReason.TOO_UPSET, upset),
                          (MissingReason.NOT_OFFERED, not_offered), ("gap", 0.03)]
                for name, p in limits:
                    if roll < p:
                        reason = name
                        break
                    roll -= p
            if reason is not None:
                if reason != "gap":
                    self._missing(case, meeting, person, reason, worker)
                    events["missing"] += 1
                    if reason in (MissingReason.REFUSED, MissingReason.TOO_UPSET,
                                  MissingReason.LANGUAGE) and rng.random() < 0.5:
                        self._missing(case, meeting, person, reason, worker, Measures.ALLIANCE)
                continue
            instrument = self._instrument(Measures.OUTCOME, age, False)
            if instrument.item_type == "pictorial":
                answers = [member.outcome.face()]
            else:
                answers = member.outcome.lines()
            rating = self._rate(case, meeting, instrument, person, person, answers, mode, worker)
            if member.is_child:
                events["outcome"][id(member)] = rating
            # A carer sometimes rates the child too (ORS/CORS for the child's age).
            if member.about and rng.random() < 0.75:
                for child in members:
                    series = member.about.get(id(child))
                    child_age = child.person.age_on(day)
                    if series is None or child_age < 6 or rng.random() < 0.15:
                        continue
                    about = self._instrument(Measures.OUTCOME, child_age, False)
                    self._rate(case, meeting, about, child.person, person,
                               series.lines(), mode, worker)
            # The session scale at the end.
            roll = rng.random()
            if roll < 0.04:
                self._missing(case, meeting, person, MissingReason.NOT_OFFERED, worker, Measures.ALLIANCE)
                continue
            if roll < 0.08:
                continue  # forgotten: a plain gap
            alliance = self._instrument(Measures.ALLIANCE, age, group)
            if alliance is None:
                continue
            if alliance.item_type == "pictorial":
                answers = [member.alliance.face()]
            else:
                answers = member.alliance.lines(number)
            self._rate(case, meeting, alliance, person, person, answers, mode, worker)
            if alliance.item_type != "pictorial":
                total = sum(answers, Decimal("0.0"))
                previous = member.last_alliance
                member.last_alliance = total
                if previous is not None and rules.alliance_low(to_tenths(total)) and \
                        rules.alliance_drop(to_tenths(previous), to_tenths(total)):
                    events["alliance_drop"].append(person.first_name)
        return events

    def _note(self, meeting, members, present, number, events, last_child_total) -> str:
        rng = self.rng
        names = [m.person.first_name for m in present]
        who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]
        parts = [rng.choice(KIND_OPENERS[meeting.kind]).format(who=who)]
        if number == 1:
            parts.append(rng.choice(FIRST_NOTES))
        children = [m for m in members if m.is_child and id(m) in events["outcome"]]
        if children:
            child = children[0]
            rating = events["outcome"][id(child)]
            previous = last_child_total.get(id(child))
            last_child_total[id(child)] = rating.total
            if previous is not None and rating.instrument.item_type != "pictorial":
                change = rating.total - previous
                trend = "up" if change >= 3 else "down" if change <= -3 else "flat"
                parts.append(rng.choice(TREND_NOTES[trend]).format(child=child.person.first_name))
        elif number > 1 and rng.random() < 0.3:
            parts.append(rng.choice(TREND_NOTES["none"]))
        if events["alliance_drop"]:
            parts.append(rng.choice(ALLIANCE_DROP_NOTES).format(who=events["alliance_drop"][0]))
        agreement = rng.choice(AGREEMENTS).format(weeks=rng.choice([2, 3, 4, 6, 8]))
        if agreement:
            parts.append(agreement)
        return " ".join(parts)

    # storing

    def _store(self) -> None:
        Case.objects.bulk_create(self.cases)
        Case.caseworkers.through.objects.bulk_create(
            Case.caseworkers.through(case_id=case.pk, user_id=user.pk)
            for case, user in self.case_caseworkers)
        Person.objects.bulk_create(self.persons)
        Intervention.objects.bulk_create(self.interventions)
        Meeting.objects.bulk_create(self.meetings)
        Meeting.participants.through.objects.bulk_create(
            Meeting.participants.through(meeting_id=meeting.pk, person_id=person.pk)
            for meeting, person in self.participants)
        # The same rules as record_rating: a sample goes through check_rating itself.
        for index, (rating, answers) in enumerate(self.ratings):
            if index % CHECK_EVERY == 0:
                check_rating(rating.case, instrument=rating.instrument, person=rating.person,
                             rater=rating.rater, rated_on=rating.rated_on, answers=answers,
                             total=rating.total)
                self.summary.checked_ratings += 1
        Rating.objects.bulk_create([rating for rating, _answers in self.ratings], batch_size=2000)
        RatingAnswer.objects.bulk_create(
            (RatingAnswer(rating_id=rating.pk, item=item, value=value)
             for rating, answers in self.ratings
             for item, value in zip(self.items[rating.instrument.pk], answers, strict=True)),
            batch_size=5000)
        MissingRating.objects.bulk_create(self.missing, batch_size=2000)
        self._backdate()

    def _backdate(self) -> None:
        """Entry times on the meeting day (paper typed in a day or two later), not now."""
        tz = timezone.get_current_timezone()

        def at(day: datetime.date, hour: int) -> datetime.datetime:
            return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=tz)

        by_day: dict[datetime.date, list[int]] = {}
        for rating, _answers in self.ratings:
            day = rating.rated_on
            if rating.mode == RatingMode.PAPER:
                day = min(day + datetime.timedelta(days=self.rng.randint(0, 2)), self.today)
            by_day.setdefault(day, []).append(rating.pk)
        for day, ids in sorted(by_day.items()):
            for chunk in range(0, len(ids), 500):
                Rating.objects.filter(pk__in=ids[chunk:chunk + 500]).update(
                    entered_at=at(day, 14))
        by_day = {}
        for meeting in self.meetings:
            by_day.setdefault(meeting.held_on, []).append(meeting.pk)
        for day, ids in sorted(by_day.items()):
            Meeting.objects.filter(pk__in=ids).update(created_at=at(day, 15))
            MissingRating.objects.filter(meeting_id__in=ids).update(recorded_at=at(day, 15))
        by_day = {}
        for case in self.cases:
            by_day.setdefault(case.opened_on, []).append(case.pk)
        for day, ids in sorted(by_day.items()):
            Case.objects.filter(pk__in=ids).update(created_at=at(day, 9))
