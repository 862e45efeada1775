"""The data protection officer's reads of the access log (issue 11, point 4).

"Who has seen Oliver's data, when, and why?" and "what did this user do?", answered
from fokus.audit's log. The DPO (fokus.accounts.policy.reads_access_log) sees the log
and the names needed to answer it, never case content (no ratings, notes or graphs).

Every function here is an access function: it refuses anyone but the DPO with 404
(logged as DENIED), and every read of the log, an export included, is itself an entry
in the log, written in the same transaction as the read.

An entry concerns a person when
- its person_id is the person's, or
- its detail names the person among the persons shown ({"person_ids": [...]}), or
- its case_id is the person's case, or its detail names the case among the cases
  listed ({"case_ids": [...]}, the caseload's and the board's entries before they
  named persons).
The JSON conditions are `@>` on PostgreSQL (a GIN index on detail serves them) and
json_each on SQLite.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fokus.accounts.models import User
from fokus.accounts.policy import reads_access_log
from fokus.audit.actions import record
from fokus.audit.models import AccessAction, AccessLogEntry
from fokus.audit.words import purpose_word, what_text
from fokus.cases.models import Person
from fokus.lib.forms import parse_id

# A report shows at most this many entries (the newest); a narrower period shows the rest.
MAX_ENTRIES = 5000
# A search shows at most this many persons.
MAX_FOUND = 100


def refuse(user, what: str, object_id="", purpose: str = "DPO page") -> None:
    """Anyone but the DPO: 404, and the attempt is logged."""
    with transaction.atomic():
        record(user, AccessAction.DENIED, what, str(object_id)[:64], purpose=purpose)
    raise Http404


def require_dpo(user, what: str = "access_log", object_id="") -> None:
    if not (reads_access_log(user) and user.organisation_id):
        refuse(user, what, object_id)


# ---------------------------------------------------------------------------
# Finding a person.


@dataclass
class Search:
    name: str = ""
    birth_date: datetime.date | None = None
    cpr: str = ""

    @property
    def empty(self) -> bool:
        return not (self.name or self.birth_date or self.cpr)

    def logged(self) -> dict:
        """The criterion as the log keeps it: a CPR number masked (its birth date)."""
        found = {}
        if self.name:
            found["name"] = self.name
        if self.birth_date:
            found["birth_date"] = self.birth_date.isoformat()
        if self.cpr:
            digits = "".join(c for c in self.cpr if c.isdigit())
            found["cpr"] = f"{digits[:6]}-xxxx"
        return found


def cpr_search_available() -> bool:
    """Person.objects.with_cpr: the keyed-hash lookup of the encrypted CPR number."""
    return hasattr(Person.objects, "with_cpr")


def find_persons(user, search: Search) -> list[Person]:
    """The persons (children, parents, ...) of the DPO's organisation matching every
    criterion given: each word of the name in the first or last name, the birth date,
    the CPR number. The search and the persons found are logged."""
    require_dpo(user, "person_search")
    if search.empty:
        return []
    persons = Person.objects.filter(case__organisation_id=user.organisation_id)
    if search.cpr:
        if not cpr_search_available():
            persons = persons.none()
        else:
            persons = persons.with_cpr(search.cpr)
    for word in search.name.split():
        persons = persons.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if search.birth_date:
        persons = persons.filter(birth_date=search.birth_date)
    with transaction.atomic():
        found = list(persons.select_related("case").order_by(
            "last_name", "first_name", "birth_date", "pk")[:MAX_FOUND])
        record(user, AccessAction.LIST, "person", purpose="DPO: find a person",
               detail={"search": search.logged(), "person_ids": [p.pk for p in found],
                       "case_ids": sorted({p.case_id for p in found})})
    return found


# ---------------------------------------------------------------------------
# The entries.


@dataclass
class Period:
    since: datetime.date | None = None
    until: datetime.date | None = None

    def apply(self, entries: QuerySet) -> QuerySet:
        tz = timezone.get_current_timezone()
        if self.since:
            start = datetime.datetime.combine(self.since, datetime.time.min, tzinfo=tz)
            entries = entries.filter(at__gte=start)
        if self.until:
            end = datetime.datetime.combine(self.until + datetime.timedelta(days=1),
                                            datetime.time.min, tzinfo=tz)
            entries = entries.filter(at__lt=end)
        return entries

    def logged(self) -> dict:
        return {k: v.isoformat() for k, v in vars(self).items() if v}


def _json_list_contains(key: str, value: int) -> Q:
    """detail[key] is a list holding `value`."""
    if key not in ("person_ids", "case_ids"):
        raise ValueError(key)
    if connection.vendor == "postgresql":
        return Q(**{"detail__contains": {key: [value]}})
    # SQLite (and others with JSON1): json_each over the list.
    table = AccessLogEntry._meta.db_table
    # The table's name is the model's and `key` one of two constants; the values are
    # parameters.
    column = f'"{table}"."detail"'
    return Q(RawSQL(  # noqa: S611
        f"(json_type({column}, %s) = 'array' AND EXISTS "  # noqa: S608
        f"(SELECT 1 FROM json_each({column}, %s) WHERE value = %s))",
        (f"$.{key}", f"$.{key}", value), output_field=BooleanField()))


def entries_about(person: Person) -> QuerySet[AccessLogEntry]:
    """Every entry that concerns the person (see the module's docstring)."""
    return AccessLogEntry.objects.filter(
        Q(person_id=person.pk) | _json_list_contains("person_ids", person.pk)
        | Q(case_id=person.case_id) | _json_list_contains("case_ids", person.case_id))


@dataclass
class UserGroup:
    user_id: int | None
    username: str
    name: str
    role: str
    entries: list = field(default_factory=list)


@dataclass
class PersonReport:
    person: Person
    period: Period
    groups: list[UserGroup]
    n_entries: int
    truncated: bool
    generated_at: datetime.datetime


@dataclass
class UserReport:
    subject: User
    period: Period
    entries: list
    n_entries: int
    truncated: bool
    generated_at: datetime.datetime


def _users_by_id(ids) -> dict[int, User]:
    return {u.pk: u for u in User.objects.filter(pk__in=[i for i in ids if i is not None])}


def _staff_name(user: User | None, username: str) -> tuple[str, str]:
    if user is None:
        return username, ""
    return user.display_name, user.get_role_display()


def person_report(user, person_id, period: Period, *, purpose: str = "DPO: person's log"
                  ) -> PersonReport:
    """Who has seen the person's data, when and why: the entries about the person,
    grouped by the user who made them (the name and role shown), newest first."""
    require_dpo(user, "person_log", person_id)
    person = (Person.objects.filter(pk=parse_id(person_id),
                                    case__organisation_id=user.organisation_id)
              .select_related("case").first())
    if person is None:
        refuse(user, "person_log", person_id)
    with transaction.atomic():
        entries = period.apply(entries_about(person)).order_by("-at", "-id")
        found = list(entries[:MAX_ENTRIES + 1])
        truncated = len(found) > MAX_ENTRIES
        found = _annotated(found[:MAX_ENTRIES])
        names = dict(Person.objects.filter(case_id=person.case_id)
                     .values_list("pk", "first_name"))
        for e in found:
            e.persons_text = persons_text(e.shown_ids, person, names)
        users = _users_by_id({e.user_id for e in found})
        groups: dict[tuple, UserGroup] = {}
        for e in found:
            key = (e.user_id, e.username)
            if key not in groups:
                name, role = _staff_name(users.get(e.user_id), e.username)
                groups[key] = UserGroup(e.user_id, e.username, name, role)
            groups[key].entries.append(e)
        # Read now, so that this very read is not in the report it writes.
        record(user, AccessAction.READ, "access_log", person.pk, case_id=person.case_id,
               person_id=person.pk, purpose=purpose,
               detail={"report": "person", "period": period.logged(),
                       "n_entries": len(found)})
    ordered = sorted(groups.values(), key=lambda g: (-len(g.entries), g.name.lower(),
                                                     g.user_id or 0))
    return PersonReport(person=person, period=period, groups=ordered, n_entries=len(found),
                        truncated=truncated, generated_at=timezone.now())


def user_heading(user, subject_id) -> User:
    """The user a user page is about (staff, not a citizen: no entry of its own)."""
    require_dpo(user, "user_log", subject_id)
    subject = User.objects.filter(pk=parse_id(subject_id),
                                  organisation_id=user.organisation_id).first()
    if subject is None:
        refuse(user, "user_log", subject_id)
    return subject


def staff_for(user) -> list[User]:
    """The users of the DPO's organisation, whose actions the DPO may look up."""
    require_dpo(user, "user_log")
    return list(User.objects.filter(organisation_id=user.organisation_id)
                .order_by("first_name", "last_name", "username"))


def user_report(user, subject_id, period: Period, *, purpose: str = "DPO: user's log"
                ) -> UserReport:
    """Everything one user did (every entry by the user's id), newest first."""
    require_dpo(user, "user_log", subject_id)
    subject = User.objects.filter(pk=parse_id(subject_id),
                                  organisation_id=user.organisation_id).first()
    if subject is None:
        refuse(user, "user_log", subject_id)
    with transaction.atomic():
        entries = period.apply(AccessLogEntry.objects.filter(user_id=subject.pk)
                               ).order_by("-at", "-id")
        found = list(entries[:MAX_ENTRIES + 1])
        truncated = len(found) > MAX_ENTRIES
        found = _annotated(found[:MAX_ENTRIES])
        record(user, AccessAction.READ, "access_log", subject.pk, purpose=purpose,
               detail={"report": "user", "user_id": subject.pk, "period": period.logged(),
                       "n_entries": len(found)})
    return UserReport(subject=subject, period=period, entries=found, n_entries=len(found),
                      truncated=truncated, generated_at=timezone.now())


def _annotated(entries: list) -> list:
    """Each entry with the persons it names and its search criterion, for the pages."""
    for e in entries:
        e.shown_ids = persons_named(e)
        e.search_text = search_text(e)
        e.what_text = what_text(e)
        e.purpose_text = purpose_word(e.purpose)
        e.shown_first = e.shown_ids[:MAX_NAMED]
        e.shown_more = max(0, len(e.shown_ids) - MAX_NAMED)
    return entries


# A person page names at most this many persons of an entry (of the person's case);
# more, and it says how many.
MAX_NAMED = 5


def _and_list(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return _("%(some)s and %(last)s") % {"some": ", ".join(words[:-1]), "last": words[-1]}


def persons_text(ids: list[int], person: Person, names: dict[int, str]) -> str:
    """Whom an entry showed, said for the person page: the person's case's persons by
    first name when they are few ("Mads and Lise"), else whether the person was among
    them and how many in all ("Mads among 120 shown"). The ids stay in the CSV."""
    if not ids:
        return ""
    among = person.pk in ids
    name = names.get(person.pk) or person.first_name
    if len(ids) <= MAX_NAMED and all(i in names for i in ids):
        ordered = sorted(ids, key=lambda i: (i != person.pk, names[i].lower(), i))
        return _and_list([names[i] or str(i) for i in ordered])
    if among:
        others = len(ids) - 1
        if others < MAX_NAMED:
            return ngettext("%(name)s and %(n)d other", "%(name)s and %(n)d others",
                            others) % {"name": name, "n": others}
        return ngettext("%(name)s among %(n)d shown", "%(name)s among %(n)d shown",
                        len(ids)) % {"name": name, "n": len(ids)}
    return ngettext("%(n)d person shown", "%(n)d persons shown", len(ids)) % {"n": len(ids)}


def search_text(entry: AccessLogEntry) -> str:
    found = entry.detail.get("search") if isinstance(entry.detail, dict) else None
    if isinstance(found, dict):
        return ", ".join(str(v) for v in found.values())
    return str(found) if found else ""


def persons_named(entry: AccessLogEntry) -> list[int]:
    """The person ids an entry names: its person and the persons shown."""
    ids = [entry.person_id] if entry.person_id else []
    shown = entry.detail.get("person_ids") if isinstance(entry.detail, dict) else None
    if isinstance(shown, list):
        ids += [i for i in shown if isinstance(i, int) and i not in ids]
    return ids


def detail_text(entry: AccessLogEntry) -> str:
    """The entry's detail as compact JSON (ids only, never names; a search's text)."""
    return json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else ""
