"""FHIR R4 out and in (issue 13, point 2; docs/interchange.md, section "FHIR R4").

Out: each instrument as a Questionnaire, each person of a case as a Patient (HL7
Denmark's DK Core CPR identifier, only with include_cpr), each rater who is not the
person rated as a RelatedPerson of that Patient, and each rating as a
QuestionnaireResponse; NDJSON, one resource a line. The read is logged with the
persons it shows.

In: import_ndjson takes QuestionnaireResponses and the Patients and RelatedPersons they
reference, checks every line with fhir.resources (R4B models: R4 with its technical
corrections) and Fokus's rules, turns the responses into rows of the ratings file and
stores them through the ratings-file import (fokus.interchange.imports.run_import): the
same rules, all or nothing, idempotent.

Never in a file: names (no scope of an export allows them here), the ORS family's
licensed wording (only the structure and Fokus's short labels), free text.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import TextIO

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Organisation, Person
from fokus.instruments.models import Family, Instrument, ItemType
from fokus.interchange.imports import read_file, run_import
from fokus.lib.pseudonym import pseudonym
from fokus.outcomes.columns import INSTRUMENTS as FILE_INSTRUMENTS
from fokus.outcomes.columns import PICTORIAL_INSTRUMENTS
from fokus.ratings.models import Rating, RatingAnswer

# The structure's version: raised when an instrument's items change.
QUESTIONNAIRE_VERSION = "1"
CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"  # DK Core's dk-core-cpr-identifier
SNOMED = "http://snomed.info/sct"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
MAX_DECIMALS = "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ROLE_CODES = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
# A person's role in the case as the relationship of a rater to the person rated (only
# where the role says it: a mother rating her child is the child's mother).
RELATIONSHIP = {"mother": "MTH", "father": "FTH", "foster_parent": "PRNFOST",
                "step_parent": "STPPRN"}
# The paths under the base: another Fokus's file (another base) is read by these.
CASE_EXTENSION = "StructureDefinition/case"
ROLE_EXTENSION = "StructureDefinition/role"  # the person's role in the case (PersonRole)
PERSON_SYSTEM = "sid/person"
CASE_SYSTEM = "sid/case"
RATING_SYSTEM = "sid/rating"
TOTAL = "total"


def fhir_base() -> str:
    return settings.FOKUS_FHIR_BASE.rstrip("/")


def _url(path: str) -> str:
    return f"{fhir_base()}/{path}"


def questionnaire_slug(instrument: Instrument) -> str:
    """The Questionnaire's id and the end of its URL: the code in lower case, anything a
    FHIR id does not allow as "-" (an administrator may enter any code)."""
    return re.sub(r"[^a-z0-9.-]", "-", instrument.code.lower())[:64]


def questionnaire_url(instrument: Instrument) -> str:
    return _url(f"Questionnaire/{questionnaire_slug(instrument)}")


def questionnaire_canonical(instrument: Instrument) -> str:
    return f"{questionnaire_url(instrument)}|{QUESTIONNAIRE_VERSION}"


def _number(value: Decimal, *, whole: bool):
    return int(value) if whole else float(value)


def _whole(instrument: Instrument) -> bool:
    """Answers as whole numbers: the faces (1-4) and the Likert choices."""
    return instrument.item_type != ItemType.VAS_10CM


def _translated(english: str) -> dict:
    return {"extension": [{"url": TRANSLATION, "extension": [
        {"url": "lang", "valueCode": "en"}, {"url": "content", "valueString": english}]}]}


def _range(low: Decimal, high: Decimal, *, whole: bool) -> list[dict]:
    kind = "valueInteger" if whole else "valueDecimal"
    limits = [{"url": MIN_VALUE, kind: _number(low, whole=whole)},
              {"url": MAX_VALUE, kind: _number(high, whole=whole)}]
    return limits if whole else [*limits, {"url": MAX_DECIMALS, "valueInteger": 1}]


def questionnaire(instrument: Instrument) -> dict:
    """The instrument's structure: its items (linkId item1..), their ranges, and the total
    (readOnly, the SNOMED CT code of the total where Fokus has one). Danish short labels
    with the English as a translation; never the licensed wording."""
    whole = _whole(instrument)
    kind = "integer" if whole else "decimal"
    items = list(instrument.items.order_by("position"))
    entries = [{"linkId": f"item{item.position}", "text": item.label_da,
                "_text": _translated(item.label_en), "type": kind, "required": True,
                "extension": _range(item.min_value, item.max_value, whole=whole)}
               for item in items]
    low = sum((item.min_value for item in items), Decimal(0))
    high = sum((item.max_value for item in items), Decimal(0))
    total = {"linkId": TOTAL, "text": "I alt", "_text": _translated("Total"), "type": kind,
             "readOnly": True, "extension": _range(low, high, whole=whole)}
    if instrument.snomed_code:
        total["code"] = [{"system": SNOMED, "code": instrument.snomed_code}]
    resource = {
        "resourceType": "Questionnaire", "id": questionnaire_slug(instrument),
        "url": questionnaire_url(instrument), "version": QUESTIONNAIRE_VERSION,
        "name": instrument.code, "title": instrument.name,
        "status": "active" if instrument.active else "retired",
        "subjectType": ["Patient"], "language": "da",
        "item": [*entries, total],
    }
    if instrument.family == Family.ORS:
        resource["copyright"] = (
            "The instrument belongs to its authors and is used under the organisation's "
            "licence. Only its structure and short labels are given here.")
    return resource


# --- Persons ---------------------------------------------------------------------------

def person_key(person: Person) -> str:
    """The person's id in a file: the id it was imported with, else its Fokus id (an
    export imported elsewhere and exported again gives the same id)."""
    return getattr(person, "import_id", "") or str(person.pk)


def case_key(case: Case) -> str:
    """The case's id in a file: its case number (kept as the id on import)."""
    return case.reference


def _resource_id(kind: str, pk: int) -> str:
    return _kept_id(settings.SECRET_KEY, kind, pk)


@lru_cache(maxsize=200_000)
def _kept_id(_key: str, kind: str, pk: int) -> str:
    # The key is in the cache's key: another secret makes other ids.
    return pseudonym(kind, pk).lower()


def patient_id(person_pk: int) -> str:
    return _resource_id("person", person_pk)


def related_person_id(rater_pk: int, person_pk: int) -> str:
    return f"{patient_id(rater_pk)}-{patient_id(person_pk)}"


def _birth_date(person: Person) -> str | None:
    if person.birth_date:
        return person.birth_date.isoformat()
    return str(person.birth_year) if person.birth_year else None


def _identifiers(person: Person, *, include_cpr: bool) -> list[dict]:
    identifiers = [{"system": _url(PERSON_SYSTEM), "value": person_key(person)}]
    if include_cpr and person.cpr:
        identifiers.append({"use": "official", "system": CPR_SYSTEM,
                            "value": "".join(c for c in person.cpr if c.isdigit())})
    return identifiers


def patient(person: Person, *, include_cpr: bool) -> dict:
    """A person of a case: the case and the person's id, the birth date, the CPR number
    only with include_cpr; no name."""
    resource = {
        "resourceType": "Patient", "id": patient_id(person.pk),
        "extension": [{"url": _url(CASE_EXTENSION), "valueIdentifier": {
            "system": _url(CASE_SYSTEM), "value": case_key(person.case)}},
            {"url": _url(ROLE_EXTENSION), "valueCode": person.role}],
        "identifier": _identifiers(person, include_cpr=include_cpr),
    }
    if (born := _birth_date(person)) is not None:
        resource["birthDate"] = born
    return resource


def related_person(rater: Person, person: Person, *, include_cpr: bool) -> dict:
    """A rater who is not the person rated (a parent rating a child), as a RelatedPerson
    of the person rated."""
    resource = {
        "resourceType": "RelatedPerson", "id": related_person_id(rater.pk, person.pk),
        "identifier": _identifiers(rater, include_cpr=include_cpr),
        "patient": {"reference": f"Patient/{patient_id(person.pk)}"},
    }
    if code := RELATIONSHIP.get(rater.role):
        resource["relationship"] = [{"coding": [{"system": ROLE_CODES, "code": code}]}]
    if (born := _birth_date(rater)) is not None:
        resource["birthDate"] = born
    return resource


def questionnaire_response(rating: Rating, answers: list[tuple[int, Decimal]] | None = None
                           ) -> dict:
    """A rating: its instrument, the person rated, the rater (the source: the Patient
    for a self-rating, else the RelatedPerson), its date, its answers and total.
    answers: [(item position, value)] where the caller read them (else read here)."""
    instrument = rating.instrument
    whole = _whole(instrument)
    kind = "valueInteger" if whole else "valueDecimal"
    if answers is None:
        answers = [(a.item.position, a.value) for a in rating.answers.select_related("item")]
    items = [{"linkId": f"item{position}", "answer": [{kind: _number(value, whole=whole)}]}
             for position, value in sorted(answers)]
    items.append({"linkId": TOTAL, "answer": [{kind: _number(rating.total, whole=whole)}]})
    source = (f"Patient/{patient_id(rating.person_id)}" if rating.is_self_rating
              else f"RelatedPerson/{related_person_id(rating.rater_id, rating.person_id)}")
    return {
        "resourceType": "QuestionnaireResponse", "id": _resource_id("rating", rating.pk),
        "identifier": {"system": _url(RATING_SYSTEM), "value": _resource_id("rating", rating.pk)},
        "questionnaire": questionnaire_canonical(instrument),
        "status": "completed",
        "subject": {"reference": f"Patient/{patient_id(rating.person_id)}"},
        "authored": rating.rated_on.isoformat(),
        "source": {"reference": source},
        "item": items,
    }


# --- Export -----------------------------------------------------------------------------

def _ratings(cases) -> QuerySet[Rating]:
    """The ratings the ratings file knows (the ORS family): WHO-5 has no place in it."""
    return (Rating.objects.filter(case__in=cases, instrument__code__in=FILE_INSTRUMENTS)
            .only("case_id", "person_id", "rater_id", "instrument_id", "rated_on", "total")
            .order_by("case_id", "rated_on", "id"))


def _with_instruments(ratings: Iterable[Rating]) -> list[Rating]:
    """The ratings with their instruments from one query, not one join a rating."""
    instruments = Instrument.objects.in_bulk()
    ratings = list(ratings)
    for rating in ratings:
        rating.instrument = instruments[rating.instrument_id]
    return ratings


def _answers(ratings: QuerySet[Rating]) -> dict[int, list[tuple[int, Decimal]]]:
    """Every answer of the ratings in one query: {rating id: [(position, value)]}."""
    answers: dict[int, list[tuple[int, Decimal]]] = {}
    rows = (RatingAnswer.objects.filter(rating__in=ratings.values("pk"))
            .values_list("rating_id", "item__position", "value"))
    for rating_id, position, value in rows.iterator(chunk_size=20_000):
        answers.setdefault(rating_id, []).append((position, value))
    return answers


def _write(out: TextIO, resource: dict) -> None:
    out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")


def _case_resources(case: Case, ratings: list[Rating], answers: dict, *,
                    include_cpr: bool) -> list[dict]:
    persons = sorted(case.persons.all(), key=lambda p: p.pk)
    for person in persons:
        person.case = case  # the case's reference without a query per person
    resources = [patient(p, include_cpr=include_cpr) for p in persons]
    by_pk = {p.pk: p for p in persons}
    pairs = sorted({(r.rater_id, r.person_id) for r in ratings if not r.is_self_rating})
    resources += [related_person(by_pk[rater], by_pk[rated], include_cpr=include_cpr)
                  for rater, rated in pairs]
    return resources + [questionnaire_response(r, answers.get(r.pk, [])) for r in ratings]


def _questionnaires(ratings: list[Rating]) -> list[dict]:
    instruments = {r.instrument.code: r.instrument for r in ratings}
    return [questionnaire(instruments[code]) for code in sorted(instruments)]


def export_case(case: Case, out: TextIO, *, user, include_cpr: bool) -> int:
    """The case as NDJSON: the Questionnaires of its ratings, its persons, the raters of
    others, its ratings. The read is logged with every person of the case. Returns the
    number of lines written."""
    with transaction.atomic():
        query = _ratings([case])
        ratings, answers = _with_instruments(query), _answers(query)
        resources = _questionnaires(ratings) + _case_resources(case, ratings, answers,
                                                               include_cpr=include_cpr)
        record(user, AccessAction.READ, "case", case.pk, case_id=case.pk,
               purpose="FHIR export",
               detail={"person_ids": sorted(case.persons.values_list("pk", flat=True)),
                       "format": "fhir", "cpr": include_cpr, "n_ratings": len(ratings)})
    for resource in resources:
        _write(out, resource)
    return len(resources)


CASES_AT_A_TIME = 500


def export_organisation(organisation: Organisation, out: TextIO, *, user,
                        include_cpr: bool) -> int:
    """Every case of the organisation as NDJSON (as export_case, the Questionnaires
    once, first). One access-log entry names every case and person. Returns the number
    of lines written."""
    case_ids = list(Case.objects.filter(organisation=organisation).order_by("pk")
                    .values_list("pk", flat=True))
    with transaction.atomic():
        used = (Instrument.objects.filter(ratings__case__organisation=organisation,
                                          code__in=FILE_INSTRUMENTS).distinct().order_by("code"))
        lines = 0
        for instrument in used:
            _write(out, questionnaire(instrument))
            lines += 1
        person_ids: list[int] = []
        n_ratings = 0
        # A few hundred cases at a time: memory stays flat however big the organisation.
        for start in range(0, len(case_ids), CASES_AT_A_TIME):
            cases = list(Case.objects.filter(pk__in=case_ids[start:start + CASES_AT_A_TIME])
                         .prefetch_related("persons").order_by("pk"))
            query = _ratings(cases)
            by_case: dict[int, list[Rating]] = {}
            for rating in _with_instruments(query):
                by_case.setdefault(rating.case_id, []).append(rating)
            answers = _answers(query)
            for case in cases:
                ratings = by_case.get(case.pk, [])
                n_ratings += len(ratings)
                person_ids += [p.pk for p in case.persons.all()]
                for resource in _case_resources(case, ratings, answers,
                                                include_cpr=include_cpr):
                    _write(out, resource)
                    lines += 1
        record(user, AccessAction.LIST, "case", organisation.pk, purpose="FHIR export",
               detail={"organisation_id": organisation.pk, "case_ids": case_ids,
                       "person_ids": sorted(person_ids), "format": "fhir",
                       "cpr": include_cpr, "n_ratings": n_ratings})
    return lines


# --- Import -----------------------------------------------------------------------------

@dataclass(frozen=True)
class LineError:
    """A line that cannot be taken, as the ratings-file reader's RowError: `message` is
    an English msgid with %(name)s placeholders (Danish in the catalogue), `params` its
    values; line 0 is about the file as a whole."""

    line: int
    column: str | None
    message: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message % self.params}"


@dataclass
class FhirImport:
    """What import_ndjson did, as the ratings-file import's ImportCheck says it. With
    errors nothing was stored; each error has its line in the NDJSON file (1 = the first
    line). responses: the QuestionnaireResponses read."""

    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    responses: int = 0
    rows: int = 0
    cases_new: int = 0
    persons_new: int = 0
    meetings_new: int = 0
    ratings_new: int = 0
    ratings_already_there: int = 0

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}


COUNTS = ("rows", "cases_new", "persons_new", "meetings_new", "ratings_new",
          "ratings_already_there")


# Messages: msgids (marked for makemessages), the Danish in the catalogue.
NOT_JSON = gettext_noop("The line is not a JSON object.")
NOT_READ = gettext_noop(
    "A %(type)s is not imported: only QuestionnaireResponse, Patient, RelatedPerson and "
    "Questionnaire lines are read.")
NOT_VALID = gettext_noop("Not a valid FHIR R4 %(type)s (at %(field)s).")
NOT_COMPLETED = gettext_noop(
    "The response's status is %(status)s: only completed responses are imported.")
UNKNOWN_QUESTIONNAIRE = gettext_noop(
    "Unknown questionnaire %(url)s: Fokus imports the ORS family's questionnaires "
    "(…/Questionnaire/ors and the others).")
UNKNOWN_VERSION = gettext_noop(
    "Version %(version)s of questionnaire %(url)s is not known (Fokus writes version "
    "%(known)s).")
NO_PATIENT = gettext_noop("The subject %(reference)s is not a Patient in this file.")
NO_PERSON_ID = gettext_noop(
    "The Patient %(reference)s has no Fokus person id or case (the identifier "
    "…/sid/person and the extension …/StructureDefinition/case).")
NO_SOURCE = gettext_noop(
    "The source %(reference)s is not a Patient or RelatedPerson in this file.")
NO_RATER_ID = gettext_noop(
    "The RelatedPerson %(reference)s has no Fokus person id (the identifier …/sid/person).")
OTHER_PATIENT = gettext_noop(
    "The RelatedPerson %(reference)s belongs to another Patient than the response's subject.")
OTHER_CASE = gettext_noop(
    "The source %(reference)s belongs to another case than the response's subject.")
NO_DATE = gettext_noop("The response has no authored date.")
BAD_DATE = gettext_noop("The authored date %(value)s is not a date.")
UNKNOWN_ITEM = gettext_noop("Item %(link)s is not an item of %(code)s.")
NO_ANSWER = gettext_noop("Item %(link)s has no number as its answer.")
TWICE = gettext_noop("%(type)s %(id)s is in the file twice, differently.")
NO_RESPONSES = gettext_noop("The file holds no QuestionnaireResponse.")

READ_TYPES = ("QuestionnaireResponse", "Patient", "RelatedPerson", "Questionnaire")
FILE_COLUMNS = ["case_id", "person_id", "rater_id", "birth_date", "instrument", "date",
                "item1", "item2", "item3", "item4", "total", "role"]


def _tail(url, path: str) -> bool:
    """A URL of any Fokus base for this path (a file from another Fokus has its own base)."""
    return isinstance(url, str) and (url == path or url.endswith("/" + path))


def _identifier(identifiers, path: str) -> str:
    for identifier in identifiers or ():
        if (isinstance(identifier, dict) and _tail(identifier.get("system"), path)
                and isinstance(identifier.get("value"), str) and identifier["value"].strip()):
            return identifier["value"].strip()
    return ""


def _case_of(patient: dict) -> str:
    for extension in patient.get("extension") or ():
        if isinstance(extension, dict) and _tail(extension.get("url"), CASE_EXTENSION):
            return _identifier([extension.get("valueIdentifier")], CASE_SYSTEM)
    return ""


def _role_of(patient: dict) -> str:
    for extension in patient.get("extension") or ():
        if isinstance(extension, dict) and _tail(extension.get("url"), ROLE_EXTENSION):
            return str(extension.get("valueCode") or "")
    return ""


def _parse_lines(lines: Iterable[str]):
    """Each line: JSON, a resource type Fokus reads, valid against the R4B model.
    Returns (resources by (type, id), responses [(line, resource)], errors)."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    errors: list[LineError] = []
    resources: dict[tuple[str, str], dict] = {}
    responses: list[tuple[int, dict]] = []
    for number, text in enumerate(lines, start=1):
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if number == 1:
            text = text.lstrip("\ufeff")  # a byte-order mark some editors write
        if not text.strip():
            continue
        try:
            resource = json.loads(text)
        except ValueError:
            resource = None
        if not isinstance(resource, dict):
            errors.append(LineError(number, None, NOT_JSON))
            continue
        kind = resource.get("resourceType")
        if kind not in READ_TYPES:
            errors.append(LineError(number, None, NOT_READ, {"type": str(kind)[:40]}))
            continue
        try:
            get_fhir_model_class(kind).model_validate(resource)
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or kind
            errors.append(LineError(number, None, NOT_VALID, {"type": kind,
                                                              "field": where[:80]}))
            continue
        if kind == "QuestionnaireResponse":
            responses.append((number, resource))
        elif kind in ("Patient", "RelatedPerson") and resource.get("id"):
            key = (kind, resource["id"])
            if key in resources and resources[key] != resource:
                errors.append(LineError(number, None, TWICE, {"type": kind,
                                                              "id": resource["id"]}))
            resources[key] = resource
    return resources, responses, errors


def _instrument_of(canonical: str, instruments: dict[str, Instrument]):
    """(instrument, None) or (None, error message and params)."""
    url, _bar, version = canonical.partition("|")
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    instrument = instruments.get(slug)
    if instrument is None or not _tail(url, f"Questionnaire/{slug}"):
        return None, (UNKNOWN_QUESTIONNAIRE, {"url": url[:120]})
    if version and version != QUESTIONNAIRE_VERSION:
        return None, (UNKNOWN_VERSION, {"version": version[:20], "url": url[:120],
                                        "known": QUESTIONNAIRE_VERSION})
    return instrument, None


def _reference(resource: dict, name: str) -> tuple[str, str]:
    reference = (resource.get(name) or {}).get("reference") or ""
    kind, _slash, ident = reference.rpartition("/")
    return kind.rsplit("/", 1)[-1], ident


def _answer(item: dict):
    for answer in item.get("answer") or ():
        for key in ("valueDecimal", "valueInteger"):
            if isinstance(answer.get(key), int | float) and not isinstance(answer[key], bool):
                return Decimal(str(answer[key]))
    return None


def _row(number: int, response: dict, resources: dict,
         instruments: dict[str, Instrument]) -> tuple[dict | None, list[LineError]]:
    """A QuestionnaireResponse as a row of the ratings file, or its errors."""
    errors: list[LineError] = []

    def bad(message, params=None, column=None):
        errors.append(LineError(number, column, message, params or {}))

    if response.get("status") != "completed":
        bad(NOT_COMPLETED, {"status": str(response.get("status"))[:20]})
    instrument, problem = _instrument_of(str(response.get("questionnaire") or ""), instruments)
    if problem:
        bad(*problem, column="instrument")
    kind, ident = _reference(response, "subject")
    subject = resources.get(("Patient", ident)) if kind == "Patient" else None
    case_id = person_id = ""
    if subject is None:
        bad(NO_PATIENT, {"reference": f"{kind}/{ident}"[:80]}, "person_id")
    else:
        case_id, person_id = _case_of(subject), _identifier(subject.get("identifier"),
                                                              PERSON_SYSTEM)
        if not (case_id and person_id):
            bad(NO_PERSON_ID, {"reference": f"Patient/{ident}"[:80]}, "person_id")
    rater_id = person_id  # no source: the person rated answered
    if response.get("source"):
        kind, source_id = _reference(response, "source")
        source = resources.get((kind, source_id)) if kind in ("Patient", "RelatedPerson") \
            else None
        if source is None:
            bad(NO_SOURCE, {"reference": f"{kind}/{source_id}"[:80]}, "rater_id")
        elif kind == "Patient":
            if source_id != ident:  # another person of the case answered for the subject
                rater_id = _identifier(source.get("identifier"), PERSON_SYSTEM)
                if not rater_id:
                    bad(NO_PERSON_ID, {"reference": f"Patient/{source_id}"[:80]}, "rater_id")
                elif _case_of(source) != case_id:
                    bad(OTHER_CASE, {"reference": f"Patient/{source_id}"[:80]}, "rater_id")
        else:
            rater_id = _identifier(source.get("identifier"), PERSON_SYSTEM)
            if not rater_id:
                bad(NO_RATER_ID, {"reference": f"RelatedPerson/{source_id}"[:80]}, "rater_id")
            if _reference(source, "patient")[1] != ident:
                bad(OTHER_PATIENT, {"reference": f"RelatedPerson/{source_id}"[:80]}, "rater_id")
    authored = str(response.get("authored") or "")
    if not authored:
        bad(NO_DATE, column="date")
    else:
        try:
            datetime.date.fromisoformat(authored[:10])
        except ValueError:
            bad(BAD_DATE, {"value": authored[:30]}, "date")
    values: dict[str, Decimal] = {}
    if instrument is not None:
        links = {f"item{i.position}" for i in instrument.items.all()} | {TOTAL}
        for item in response.get("item") or ():
            link = str(item.get("linkId"))
            if link not in links:
                bad(UNKNOWN_ITEM, {"link": link[:40], "code": instrument.code}, link[:40])
            elif (value := _answer(item)) is None:
                bad(NO_ANSWER, {"link": link}, link)
            else:
                values[link] = value
    if errors:
        return None, errors
    born = str(subject.get("birthDate") or "")
    faces = instrument.code in PICTORIAL_INSTRUMENTS
    row = {"case_id": case_id, "person_id": person_id, "rater_id": rater_id,
           "role": _role_of(subject),
           "birth_date": born if len(born) == 10 else "", "instrument": instrument.code,
           "date": authored[:10], "total": _text(values.get(TOTAL, values.get("item1")
                                                               if faces else None))}
    for position in range(1, 5):
        row[f"item{position}"] = "" if faces else _text(values.get(f"item{position}"))
    return row, []


def _text(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, FILE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _on_lines(errors, ndjson_lines: list[int]) -> list:
    """The ratings file's errors on the NDJSON's lines (the file's line 2 is the first
    response's line)."""
    mapped = []
    for error in errors:
        line = ndjson_lines[error.line - 2] if 2 <= error.line < len(ndjson_lines) + 2 else 0
        mapped.append(replace(error, line=line))
    return mapped


def import_ndjson(user, organisation: Organisation, lines: Iterable[str], *,
                  progress=None, team=None) -> FhirImport:
    """QuestionnaireResponses (and the Patients and RelatedPersons they reference) into
    the organisation, through the ratings-file import (run_import): all or nothing, the
    same file twice adds nothing. Every bad line is reported with its line number and
    nothing is stored then. team: where new cases go (run_import's, when given)."""
    resources, responses, errors = _parse_lines(lines)
    if not responses and not errors:
        errors.append(LineError(0, None, NO_RESPONSES))
    instruments = {questionnaire_slug(i): i for i in Instrument.objects
                   .filter(code__in=FILE_INSTRUMENTS).prefetch_related("items")}
    rows, numbers = [], []
    for number, response in responses:
        row, problems = _row(number, response, resources, instruments)
        errors += problems
        if row is not None:
            rows.append(row)
            numbers.append(number)
    result = FhirImport(responses=len(responses))
    if errors:
        result.errors = sorted(errors, key=lambda e: e.line)
        return result
    read = read_file(_as_csv(rows), filename="fhir.csv")
    if read.errors:
        result.errors = _on_lines(read.errors, numbers)
        return result
    check = run_import(user, organisation, read, progress=progress,
                       **({"team": team} if team is not None else {}))
    result.errors = _on_lines(check.errors, numbers)
    result.warnings = _on_lines(getattr(check, "warnings", []), numbers)
    for name in COUNTS:
        setattr(result, name, getattr(check, name, 0))
    return result
