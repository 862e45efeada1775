"""Import of historical ratings from a ratings file (docs/interchange.md).

The file is read by the one reader (fokus.outcomes.ratings_csv.read_ratings_table, or
read_file here, which also keeps the item answers); this module checks it against the
database and stores it:

- check_import(organisation, read, *, team=None) -> ImportCheck: every row that cannot be
  taken (line, column, reason) and what an import would add. Nothing is written.
- run_import(user, organisation, read, *, progress=None, team=None) -> ImportCheck: the
  same check, then everything in one transaction, or nothing when any row is bad; one
  access-log entry with the counts.

The file's ids: a case is found by its case number (Case.reference), a person by the id
it was imported with (Person.import_id) in that case, or by its Fokus id where it has no
import id (an export of Fokus's own persons). Unknown cases are created in `team`, unknown
persons with the id as their name. A person's role is the file's `role` column where there
is one; else a person rated on an outcome instrument by someone else, or under 18 on
their first rating, is the child, and anyone else "other".

Idempotent: a rating's natural key is (case, person, rater, instrument, date). A row equal
to a stored rating (same answers) is already there; the same key with other answers is
an error. A rating belongs to the held meeting of its case on its date: one is made
where there is none (kind "at the office").

Fast enough for 500,000 rows: every check is vectorised over the reader's frame, the
database is read a few thousand ids at a time, and the rows are written with bulk_create
in batches after everything is checked.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop as N_

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Meeting, MeetingKind, Organisation, Person, PersonRole
from fokus.instruments.models import Family, Instrument, InstrumentLicence
from fokus.outcomes.columns import FOUR_LINE_INSTRUMENTS, ITEM_COLUMNS
from fokus.outcomes.ratings_csv import ReadResult, RowError, read_ratings_table
from fokus.outcomes.rules import OUTCOME, SCALES
from fokus.ratings.models import Rating, RatingAnswer, RatingMode

__all__ = ["IMPORT_MESSAGES", "ImportCheck", "check_import", "read_file", "run_import"]

BATCH = 5000  # rows per bulk_create and per progress call
ID_MAX = 40  # Case.reference and Person.import_id
ADULT = 18

# --- messages: English gettext msgids (the Danish is in fokus/locale) ---------------------
NO_TEAM = N_("The file has %(n)s case(s) Fokus does not know: choose the team new cases "
             "go to.")
NO_ITEMS = N_("The file was read without its item answers: read it with "
              "fokus.interchange.imports.read_file.")
ID_TOO_LONG = N_("%(column)s is longer than %(max)s characters: %(value)s.")
NOT_IN_FOKUS = N_("%(value)s is not an instrument set up in Fokus.")
NOT_IN_USE = N_("%(value)s is not in use in Fokus.")
NO_LICENCE = N_("The organisation has no licence for %(value)s on %(date)s.")
IN_FUTURE = N_("%(column)s is in the future: %(value)s.")
BIRTH_IN_FILE = N_("%(column)s is %(value)s, but line %(other)s gives %(first)s for the "
                   "same person.")
BIRTH_STORED = N_("%(column)s is %(value)s, but Fokus has %(stored)s for this person.")
BEFORE_BIRTH_PERSON = N_("The rating is dated before the person rated was born.")
BEFORE_BIRTH_RATER = N_("The rating is dated before the rater was born.")
AGE = N_("%(instrument)s is for ages %(range)s; the person was %(age)s years old on that "
         "date.")
ANSWER_RANGE = N_("%(column)s must be between %(min)s and %(max)s for %(instrument)s: "
                  "%(value)s.")
ROLE_UNKNOWN = N_("%(value)s is not a role Fokus knows; expected one of %(expected)s.")
STORED_OTHER = N_("A rating with the same case, person, rater, instrument and date is "
                  "already stored with other answers.")
FILE_OTHER = N_("Line %(other)s has the same case, person, rater, instrument and date "
                "with other answers.")

IMPORT_MESSAGES = (NO_TEAM, NO_ITEMS, ID_TOO_LONG, NOT_IN_FOKUS, NOT_IN_USE, NO_LICENCE,
                   IN_FUTURE, BIRTH_IN_FILE, BIRTH_STORED, BEFORE_BIRTH_PERSON,
                   BEFORE_BIRTH_RATER, AGE, ANSWER_RANGE, ROLE_UNKNOWN, STORED_OTHER,
                   FILE_OTHER)

TENTHS = [Decimal(t).scaleb(-1) for t in range(0, 401)]


@dataclass
class ImportCheck:
    """What an import found (errors: every row that cannot be taken) and what it adds."""

    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    rows: int = 0
    cases_new: int = 0
    persons_new: int = 0
    meetings_new: int = 0
    ratings_new: int = 0
    ratings_already_there: int = 0

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in (
            "rows", "cases_new", "persons_new", "meetings_new", "ratings_new",
            "ratings_already_there")}


# --- reading with the answers ---------------------------------------------------------------

def answer_columns(frame: pd.DataFrame | None = None) -> list[str]:
    """The frame's columns of the item answers, in integer tenths."""
    return [f"{name}_t" for name in ITEM_COLUMNS]


def read_file(source, *, filename: str | None = None,
              columns: dict[str, str] | None = None) -> ReadResult:
    """read_ratings_table, and the item answers (item1_t .. item4_t, integer tenths) in
    the frame where the reader does not give them: an import stores every answer."""
    if hasattr(source, "read"):
        source = source.read()
    read = read_ratings_table(source, filename=filename, columns=columns)
    if read.errors or len(read.ratings) == 0 or all(
            c in read.ratings.columns for c in answer_columns(read.ratings)):
        return read
    from fokus.outcomes import ratings_csv as reader

    table, errors = reader._read_table(source, filename)
    positions, _display, errors = reader._resolve(table.header, columns, table.header_line)
    frame = table.frame[list(positions.values())]
    frame.columns = list(positions.keys())
    if len(frame) != len(read.ratings):  # not the rows the reader gave: leave it to the check
        return read
    cols = reader.PandasColumns(frame)
    for name in ITEM_COLUMNS:
        _status, tenths, _values, _texts = reader._scores(cols, name, 100)
        read.ratings[f"{name}_t"] = tenths.astype(np.int16)
    return read


# --- the check ------------------------------------------------------------------------------

@dataclass
class _Plan:
    """What run_import writes, found by the check."""

    frame: pd.DataFrame  # one row per rating to store
    instruments: dict[str, Instrument]
    cases: dict[str, int]  # case number -> pk (known ones)
    new_cases: dict[str, datetime.date]  # case number -> opened on
    persons: dict[tuple[str, str], int]  # (case number, id) -> pk (known ones)
    new_persons: dict[tuple[str, str], tuple[str, Any]]  # key -> (role, birth date)


def check_import(organisation: Organisation, read: ReadResult, *, team=None) -> ImportCheck:
    """Every row that cannot be taken, and the counts an import would add. No writes."""
    check, _plan = _check(organisation, read, team)
    return check


def _check(organisation: Organisation, read: ReadResult, team) -> tuple[ImportCheck, _Plan | None]:
    check = ImportCheck(errors=list(read.errors), warnings=list(read.warnings))
    f = read.ratings
    check.rows = len(f)
    if check.errors or len(f) == 0:
        return check, None
    f = f.reset_index(drop=True)
    n = len(f)
    lines = f["line"].to_numpy() if "line" in f.columns else np.arange(n) + 2
    errors: list[tuple[int, int, RowError]] = []

    def add(mask, column, message, params=None, per_row=None):
        for row in np.flatnonzero(mask).tolist():
            p = dict(params or {})
            if per_row:
                p.update(per_row(row))
            errors.append((row, len(errors), RowError(int(lines[row]), column, message, p)))

    answers = answer_columns(f)
    if not all(c in f.columns for c in answers):
        check.errors = [RowError(0, None, NO_ITEMS, {})]
        return check, None
    case_id = f["case_id"].astype(str).to_numpy(dtype=object)
    person_id = f["person_id"].astype(str).to_numpy(dtype=object)
    rater_id = f["rater_id"].astype(str).to_numpy(dtype=object)
    instrument = f["instrument"].astype(str).to_numpy(dtype=object)
    dates = f["date"].to_numpy().astype("datetime64[D]")
    births = f["birth_date"].to_numpy().astype("datetime64[D]")
    score_t = f["score_t"].to_numpy().astype(np.int64)

    for name, values in (("case_id", case_id), ("person_id", person_id), ("rater_id", rater_id)):
        long = np.fromiter((len(v) > ID_MAX for v in values), bool, n)
        add(long, name, ID_TOO_LONG, {"column": name, "max": ID_MAX},
            lambda row, values=values: {"value": values[row][:ID_MAX] + "…"})

    # Instruments as Fokus has them: set up, in use, licensed on the date, their items.
    instruments = {i.code: i for i in Instrument.objects.filter(code__in=set(instrument))
                   .prefetch_related("items")}
    known = np.isin(instrument, list(instruments))
    add(~known, "instrument", NOT_IN_FOKUS, per_row=lambda r: {"value": instrument[r]})
    inactive = [c for c, i in instruments.items() if not i.active]
    add(np.isin(instrument, inactive), "instrument", NOT_IN_USE,
        per_row=lambda r: {"value": instrument[r]})
    licences = list(InstrumentLicence.objects.filter(organisation=organisation)
                    .values_list("family", "valid_from", "valid_until"))
    for code, inst in instruments.items():
        if inst.family == Family.FREE:
            continue
        rows = instrument == code
        ok = np.zeros(n, dtype=bool)
        for family, start, until in licences:
            if family != inst.family:
                continue
            in_force = dates >= np.datetime64(start, "D")
            if until is not None:
                in_force &= dates <= np.datetime64(until, "D")
            ok |= in_force
        add(rows & ~ok, "instrument", NO_LICENCE,
            per_row=lambda r: {"value": instrument[r], "date": str(dates[r])})
    today = np.datetime64(timezone.localdate(), "D")
    add(dates > today, "date", IN_FUTURE, {"column": "date"},
        lambda r: {"value": str(dates[r])})

    # The answers against the instrument's items (a faces rating: the total is its one answer).
    tenths = np.stack([f[c].to_numpy().astype(np.int64) for c in answers], axis=1)
    four_line = np.isin(instrument, FOUR_LINE_INSTRUMENTS)
    tenths[~four_line, 0] = score_t[~four_line]
    for code, inst in instruments.items():
        rows = instrument == code
        for k, item in enumerate(inst.items.all()):
            if k >= len(ITEM_COLUMNS):
                break
            low, high = int(item.min_value * 10), int(item.max_value * 10)
            step = int(item.step * 10)
            value = tenths[:, k]
            bad = rows & ((value < low) | (value > high) | ((value - low) % step != 0))
            column = ITEM_COLUMNS[k] if code in FOUR_LINE_INSTRUMENTS else "total"
            add(bad, column, ANSWER_RANGE,
                {"column": column, "instrument": code, "min": f"{item.min_value}",
                 "max": f"{item.max_value}"},
                lambda r, k=k: {"value": f"{tenths[r, k] / 10:.1f}"})

    roles = None
    if "role" in f.columns:
        roles = f["role"].astype(str).str.strip().to_numpy(dtype=object)
        bad = np.fromiter((bool(v) and v not in PersonRole.values for v in roles), bool, n)
        add(bad, "role", ROLE_UNKNOWN, {"expected": ", ".join(PersonRole.values)},
            lambda r: {"value": roles[r]})

    # Cases by their number; persons by their import id (or Fokus id) in the case.
    cases = _known_cases(organisation, set(case_id))
    new_case_ids = sorted(set(case_id) - set(cases))
    if new_case_ids and team is None:
        errors.append((-1, 0, RowError(0, "case_id", NO_TEAM, {"n": len(new_case_ids)})))
    persons, stored_births = _known_persons(cases)

    # Birth dates: one per person in the file, and the one Fokus has.
    person_key = pd.Series([f"{c}\x00{p}" for c, p in zip(case_id, person_id, strict=True)])
    rater_key = pd.Series([f"{c}\x00{p}" for c, p in zip(case_id, rater_id, strict=True)])
    has_birth = ~np.isnat(births)
    born = pd.DataFrame({"key": person_key[has_birth].to_numpy(), "birth": births[has_birth],
                         "row": np.flatnonzero(has_birth)})
    # The birth date most rows give is the person's; the rows that disagree are reported.
    tally = (born.groupby(["key", "birth"], sort=False)
             .agg(n=("row", "size"), row=("row", "min")).reset_index()
             .sort_values(["key", "n", "row"], ascending=[True, False, True]))
    first = tally.drop_duplicates("key").set_index("key")
    if len(born):
        first_birth = first["birth"].reindex(born["key"]).to_numpy().astype("datetime64[D]")
        first_row = first["row"].reindex(born["key"]).to_numpy()
        differs = np.zeros(n, dtype=bool)
        differs[born["row"].to_numpy()] = first_birth != born["birth"].to_numpy()
        other = dict(zip(born["row"].tolist(), first_row.tolist(), strict=True))
        add(differs, "birth_date", BIRTH_IN_FILE, {"column": "birth_date"},
            lambda r: {"value": str(births[r]), "first": str(births[other[r]]),
                       "other": int(lines[other[r]])})
    file_birth = {k: b for k, b in zip(first.index, first["birth"].to_numpy()
                                       .astype("datetime64[D]"), strict=True)}
    stored = np.array([stored_births.get(_split(k)) for k in person_key], dtype=object)
    stored_d = np.array([np.datetime64(s, "D") if s is not None else np.datetime64("NaT")
                         for s in stored], dtype="datetime64[D]")
    disagree = has_birth & ~np.isnat(stored_d) & (stored_d != births)
    add(disagree, "birth_date", BIRTH_STORED, {"column": "birth_date"},
        lambda r: {"value": str(births[r]), "stored": str(stored_d[r])})

    def birth_of(keys: pd.Series) -> np.ndarray:
        out = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        for i, k in enumerate(keys.tolist()):
            s = stored_births.get(_split(k))
            if s is not None:
                out[i] = np.datetime64(s, "D")
            elif k in file_birth:
                out[i] = file_birth[k]
        return out

    person_birth = birth_of(person_key)
    rater_birth = birth_of(rater_key) if (rater_key != person_key).any() else person_birth
    add(~np.isnat(person_birth) & (person_birth > dates) & ~(has_birth & (births > dates)),
        "date", BEFORE_BIRTH_PERSON)
    add(~np.isnat(rater_birth) & (rater_birth > dates) & (rater_key != person_key).to_numpy(),
        "date", BEFORE_BIRTH_RATER)
    ages = _ages(person_birth, dates)
    for code, inst in instruments.items():
        rows = (instrument == code) & ~np.isnat(person_birth) & (ages >= 0)
        wrong = rows & ((ages < inst.min_age)
                        | ((ages > inst.max_age) if inst.max_age is not None else False))
        add(wrong, "instrument", AGE, {"instrument": code, "range": inst.age_range_text()},
            lambda r: {"age": int(ages[r])})

    # Natural keys: twice in the file, or stored before.
    key_frame = pd.DataFrame({"c": case_id, "p": person_id, "r": rater_id, "i": instrument,
                              "d": dates})
    answer_key = pd.Series([tuple(t) for t in tenths.tolist()])
    key_frame["a"] = answer_key
    dup_key = key_frame.duplicated(["c", "p", "r", "i", "d"], keep="first").to_numpy()
    dup_same = key_frame.duplicated(["c", "p", "r", "i", "d", "a"], keep="first").to_numpy()
    if (dup_key & ~dup_same).any():
        firsts = key_frame.reset_index().drop_duplicates(["c", "p", "r", "i", "d"])
        first_of = firsts.set_index(["c", "p", "r", "i", "d"])["index"]
        clash = dup_key & ~dup_same
        where = {row: int(first_of.loc[tuple(key_frame.iloc[row][["c", "p", "r", "i", "d"]])])
                 for row in np.flatnonzero(clash).tolist()}
        add(clash, None, FILE_OTHER, per_row=lambda r: {"other": int(lines[where[r]])})
    stored_answers = _stored_ratings(cases, persons, instruments)
    already = np.zeros(n, dtype=bool)
    other_answers = np.zeros(n, dtype=bool)
    if stored_answers:
        for row in range(n):
            c = cases.get(case_id[row])
            p = persons.get((case_id[row], person_id[row]))
            r = persons.get((case_id[row], rater_id[row]))
            inst = instruments.get(instrument[row])
            if c is None or p is None or r is None or inst is None:
                continue
            found = stored_answers.get((p, r, inst.pk, dates[row].item()))
            if found is None:
                continue
            k = len(found)
            if tuple(tenths[row, :k].tolist()) == found:
                already[row] = True
            else:
                other_answers[row] = True
        add(other_answers, None, STORED_OTHER)

    errors.sort(key=lambda e: (e[0], e[1]))
    check.errors = [e for _, _, e in errors]
    if check.errors:
        return check, None

    take = ~already & ~dup_same
    check.ratings_already_there = int(already.sum() + (dup_same & ~already).sum())
    check.ratings_new = int(take.sum())
    new_cases = {}
    if new_case_ids:
        opened = pd.Series(dates).groupby(case_id).min()
        new_cases = {c: opened[c].date() for c in new_case_ids}
    new_persons = _new_persons(case_id, person_id, rater_id, instrument, person_birth,
                               rater_birth, dates, roles, persons, file_birth)
    check.cases_new = len(new_cases)
    check.persons_new = len(new_persons)
    meetings = _known_meetings(cases)
    day_keys = set(zip(case_id[take].tolist(), dates[take].astype(object).tolist(), strict=True))
    check.meetings_new = sum(1 for c, d in day_keys if (cases.get(c), d) not in meetings)
    plan_frame = pd.DataFrame({"case_id": case_id[take], "person_id": person_id[take],
                               "rater_id": rater_id[take], "instrument": instrument[take],
                               "date": dates[take], "line": lines[take]})
    for k, c in enumerate(answers):
        plan_frame[c] = tenths[take, k]
    return check, _Plan(plan_frame, instruments, cases, new_cases, persons, new_persons)


def _split(key: str) -> tuple[str, str]:
    case, _sep, person = key.partition("\x00")
    return case, person


def _ages(birth: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole years on each day (-1 where the birth date is not known)."""
    b = pd.DatetimeIndex(birth)
    d = pd.DatetimeIndex(day)
    years = d.year - b.year - ((d.month < b.month) | ((d.month == b.month) & (d.day < b.day)))
    return np.where(np.isnat(birth), -1, np.nan_to_num(years.to_numpy(dtype=float), nan=-1)
                    ).astype(np.int64)


def _chunks(values: list, size: int = 5000):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _known_cases(organisation: Organisation, references: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(references)):
        found.update(Case.objects.filter(organisation=organisation, reference__in=chunk)
                     .values_list("reference", "pk"))
    return found


def _known_persons(cases: dict[str, int]):
    """(case number, file id) -> person pk, and -> the birth date Fokus has."""
    reference = {pk: ref for ref, pk in cases.items()}
    persons: dict[tuple[str, str], int] = {}
    births: dict[tuple[str, str], datetime.date] = {}
    for chunk in _chunks(list(reference)):
        rows = Person.objects.filter(case_id__in=chunk).values_list(
            "pk", "case_id", "import_id", "birth_date")
        for pk, case_pk, import_id, birth in rows:
            key = (reference[case_pk], import_id or str(pk))
            persons[key] = pk
            if birth is not None:
                births[key] = birth
    return persons, births


def _known_meetings(cases: dict[str, int]) -> dict[tuple[int, datetime.date], int]:
    found: dict[tuple[int, datetime.date], int] = {}
    for chunk in _chunks(list(cases.values())):
        for pk, case_pk, day in (Meeting.objects.held().filter(case_id__in=chunk)
                                 .order_by("-pk").values_list("pk", "case_id", "held_on")):
            found[(case_pk, day)] = pk  # the first held meeting of the day
    return found


def _stored_ratings(cases, persons, instruments) -> dict[tuple, tuple[int, ...]]:
    """(person, rater, instrument, date) -> the answers in tenths, of the known cases."""
    if not persons:
        return {}
    faces = {i.pk for code, i in instruments.items() if code not in FOUR_LINE_INSTRUMENTS}
    out: dict[tuple, tuple[int, ...]] = {}
    for chunk in _chunks(list(cases.values()), 2000):
        rows = Rating.objects.filter(case_id__in=chunk).values_list(
            "pk", "person_id", "rater_id", "instrument_id", "rated_on")
        keys = {pk: (p, r, i, d) for pk, p, r, i, d in rows}
        answers: dict[int, list[tuple[int, int]]] = {}
        for rating_id, position, value in (RatingAnswer.objects
                                           .filter(rating__case_id__in=chunk)
                                           .values_list("rating_id", "item__position", "value")):
            answers.setdefault(rating_id, []).append((position, int(value * 10)))
        for pk, key in keys.items():
            values = tuple(v for _p, v in sorted(answers.get(pk, [])))
            if key[2] in faces:
                values = values[:1]
            out[key] = values
    return out


def _new_persons(case_id, person_id, rater_id, instrument, person_birth, rater_birth, dates,
                 roles, persons, file_birth) -> dict[tuple[str, str], tuple[str, Any]]:
    """The persons the file names that Fokus does not know: key -> (role, birth date)."""
    outcome = np.isin(instrument, [c for c, s in SCALES.items() if s.measures == OUTCOME])
    ages = _ages(person_birth, dates)
    out: dict[tuple[str, str], tuple[str, Any]] = {}
    child: set[tuple[str, str]] = set()
    for row in range(len(case_id)):
        key = (case_id[row], person_id[row])
        if (outcome[row] and person_id[row] != rater_id[row]) or 0 <= ages[row] < ADULT:
            child.add(key)
    for row in range(len(case_id)):
        for who in (person_id[row], rater_id[row]):
            key = (case_id[row], who)
            if key in persons or key in out:
                continue
            role = roles[row] if roles is not None and who == person_id[row] and roles[row] \
                else (PersonRole.CHILD if key in child else PersonRole.OTHER)
            birth = file_birth.get(f"{key[0]}\x00{key[1]}")
            out[key] = (str(role), None if birth is None else birth.item())
    return out


# --- the import -----------------------------------------------------------------------------

def run_import(user, organisation: Organisation, read: ReadResult, *,
               progress: Callable[[int, int], None] | None = None, team=None) -> ImportCheck:
    """Check, then store everything in one transaction, or nothing when any row is bad.
    progress(done, total) is called every few thousand ratings."""
    with transaction.atomic():
        check, plan = _check(organisation, read, team)
        if check.errors or plan is None:
            return check
        _write(user, organisation, team, plan, check, progress)
        record(user, AccessAction.CREATE, "import", None, purpose="ratings file",
               detail=check.counts())
    return check


def _write(user, organisation, team, plan: _Plan, check: ImportCheck, progress) -> None:
    cases = dict(plan.cases)
    if plan.new_cases:
        Case.objects.bulk_create(
            [Case(organisation=organisation, team=team, reference=ref, family_name=ref,
                  opened_on=day) for ref, day in plan.new_cases.items()], batch_size=BATCH)
        cases.update(_known_cases(organisation, set(plan.new_cases)))
    persons = dict(plan.persons)
    if plan.new_persons:
        Person.objects.bulk_create(
            [Person(case_id=cases[c], first_name=pid, import_id=pid, role=role,
                    birth_date=birth) for (c, pid), (role, birth) in plan.new_persons.items()],
            batch_size=BATCH)
        persons.update(_known_persons({c: cases[c] for c, _p in plan.new_persons})[0])
    f = plan.frame
    total = len(f)
    case_pk = f["case_id"].map(cases).to_numpy()
    days = f["date"].to_numpy().astype("datetime64[D]").astype(object)
    meetings = _known_meetings(cases)
    wanted = sorted({(c, d) for c, d in zip(case_pk.tolist(), days.tolist(), strict=True)}
                    - set(meetings))
    if wanted:
        Meeting.objects.bulk_create([Meeting(case_id=c, held_on=d, kind=MeetingKind.OFFICE)
                                     for c, d in wanted], batch_size=BATCH)
        meetings = _known_meetings({str(c): c for c, _d in wanted} | cases)
    person_pk = [persons[k] for k in zip(f["case_id"], f["person_id"], strict=True)]
    rater_pk = [persons[k] for k in zip(f["case_id"], f["rater_id"], strict=True)]
    entered_by = user if getattr(user, "is_authenticated", False) else None
    tenths = f[answer_columns(f)].to_numpy().astype(np.int64)
    items = {code: list(i.items.all()) for code, i in plan.instruments.items()}
    codes = f["instrument"].tolist()
    for start in range(0, total, BATCH):
        stop = min(start + BATCH, total)
        ratings = []
        for row in range(start, stop):
            inst = plan.instruments[codes[row]]
            n_items = len(items[codes[row]])
            ratings.append(Rating(
                case_id=case_pk[row], meeting_id=meetings[(case_pk[row], days[row])],
                instrument=inst, person_id=person_pk[row], rater_id=rater_pk[row],
                rated_on=days[row], total=TENTHS[int(tenths[row, :n_items].sum())],
                mode=RatingMode.PAPER, entered_by=entered_by))
        Rating.objects.bulk_create(ratings)
        answers = []
        for rating, row in zip(ratings, range(start, stop), strict=True):
            for k, item in enumerate(items[codes[row]]):
                answers.append(RatingAnswer(rating_id=rating.pk, item=item,
                                            value=TENTHS[tenths[row, k]]))
        RatingAnswer.objects.bulk_create(answers)
        if progress is not None:
            progress(stop, total)
