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

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.db import transaction

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Organisation, Person
from fokus.instruments.models import Family, Instrument, ItemType
from fokus.lib.pseudonym import pseudonym
from fokus.outcomes.columns import INSTRUMENTS as FILE_INSTRUMENTS
from fokus.ratings.models import Rating

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
PERSON_SYSTEM = "sid/person"
CASE_SYSTEM = "sid/case"
RATING_SYSTEM = "sid/rating"
TOTAL = "total"


def fhir_base() -> str:
    return settings.FOKUS_FHIR_BASE.rstrip("/")


def _url(path: str) -> str:
    return f"{fhir_base()}/{path}"


def questionnaire_url(instrument: Instrument) -> str:
    return _url(f"Questionnaire/{instrument.code.lower()}")


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
        "resourceType": "Questionnaire", "id": instrument.code.lower(),
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
    return pseudonym(kind, pk).lower()


def patient_id(person: Person) -> str:
    return _resource_id("person", person.pk)


def related_person_id(rater: Person, person: Person) -> str:
    return f"{patient_id(rater)}-{patient_id(person)}"


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
        "resourceType": "Patient", "id": patient_id(person),
        "extension": [{"url": _url(CASE_EXTENSION), "valueIdentifier": {
            "system": _url(CASE_SYSTEM), "value": case_key(person.case)}}],
        "identifier": _identifiers(person, include_cpr=include_cpr),
    }
    if (born := _birth_date(person)) is not None:
        resource["birthDate"] = born
    return resource


def related_person(rater: Person, person: Person, *, include_cpr: bool) -> dict:
    """A rater who is not the person rated (a parent rating a child), as a RelatedPerson
    of the person rated."""
    resource = {
        "resourceType": "RelatedPerson", "id": related_person_id(rater, person),
        "identifier": _identifiers(rater, include_cpr=include_cpr),
        "patient": {"reference": f"Patient/{patient_id(person)}"},
    }
    if code := RELATIONSHIP.get(rater.role):
        resource["relationship"] = [{"coding": [{"system": ROLE_CODES, "code": code}]}]
    if (born := _birth_date(rater)) is not None:
        resource["birthDate"] = born
    return resource


def questionnaire_response(rating: Rating) -> dict:
    """A rating: its instrument, the person rated, the rater (the source: the Patient
    for a self-rating, else the RelatedPerson), its date, its answers and total."""
    instrument = rating.instrument
    whole = _whole(instrument)
    kind = "valueInteger" if whole else "valueDecimal"
    answers = sorted(rating.answers.all(), key=lambda a: a.item.position)
    items = [{"linkId": f"item{a.item.position}",
              "answer": [{kind: _number(a.value, whole=whole)}]} for a in answers]
    items.append({"linkId": TOTAL, "answer": [{kind: _number(rating.total, whole=whole)}]})
    source = (f"Patient/{patient_id(rating.person)}" if rating.is_self_rating
              else f"RelatedPerson/{related_person_id(rating.rater, rating.person)}")
    return {
        "resourceType": "QuestionnaireResponse", "id": _resource_id("rating", rating.pk),
        "identifier": {"system": _url(RATING_SYSTEM), "value": _resource_id("rating", rating.pk)},
        "questionnaire": questionnaire_canonical(instrument),
        "status": "completed",
        "subject": {"reference": f"Patient/{patient_id(rating.person)}"},
        "authored": rating.rated_on.isoformat(),
        "source": {"reference": source},
        "item": items,
    }


# --- Export -----------------------------------------------------------------------------

def _ratings(cases) -> Iterable[Rating]:
    """The ratings the ratings file knows (the ORS family): WHO-5 has no place in it."""
    return (Rating.objects.filter(case__in=cases, instrument__code__in=FILE_INSTRUMENTS)
            .select_related("instrument", "person", "rater")
            .prefetch_related("answers__item").order_by("case_id", "rated_on", "id"))


def _write(out: TextIO, resource: dict) -> None:
    out.write(json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n")


def _case_resources(case: Case, ratings: list[Rating], *, include_cpr: bool) -> list[dict]:
    persons = sorted(case.persons.all(), key=lambda p: p.pk)
    for person in persons:
        person.case = case  # the case's reference without a query per person
    resources = [patient(p, include_cpr=include_cpr) for p in persons]
    by_pk = {p.pk: p for p in persons}
    pairs = sorted({(r.rater_id, r.person_id) for r in ratings if not r.is_self_rating})
    resources += [related_person(by_pk[rater], by_pk[rated], include_cpr=include_cpr)
                  for rater, rated in pairs]
    return resources + [questionnaire_response(r) for r in ratings]


def _questionnaires(ratings: list[Rating]) -> list[dict]:
    instruments = {r.instrument.code: r.instrument for r in ratings}
    return [questionnaire(instruments[code]) for code in sorted(instruments)]


def export_case(case: Case, out: TextIO, *, user, include_cpr: bool) -> int:
    """The case as NDJSON: the Questionnaires of its ratings, its persons, the raters of
    others, its ratings. The read is logged with every person of the case. Returns the
    number of lines written."""
    with transaction.atomic():
        ratings = list(_ratings([case]))
        resources = _questionnaires(ratings) + _case_resources(case, ratings,
                                                               include_cpr=include_cpr)
        record(user, AccessAction.READ, "case", case.pk, case_id=case.pk,
               purpose="FHIR export",
               detail={"person_ids": sorted(case.persons.values_list("pk", flat=True)),
                       "format": "fhir", "cpr": include_cpr, "n_ratings": len(ratings)})
    for resource in resources:
        _write(out, resource)
    return len(resources)


def export_organisation(organisation: Organisation, out: TextIO, *, user,
                        include_cpr: bool) -> int:
    """Every case of the organisation as NDJSON (as export_case, the Questionnaires
    once, first). One access-log entry names every case and person. Returns the number
    of lines written."""
    cases = Case.objects.filter(organisation=organisation).prefetch_related("persons").order_by("pk")
    with transaction.atomic():
        used = (Instrument.objects.filter(ratings__case__organisation=organisation,
                                          code__in=FILE_INSTRUMENTS).distinct().order_by("code"))
        lines = 0
        for instrument in used:
            _write(out, questionnaire(instrument))
            lines += 1
        case_ids, person_ids = [], []
        ratings_by_case: dict[int, list[Rating]] = {}
        for rating in _ratings(cases):
            ratings_by_case.setdefault(rating.case_id, []).append(rating)
        n_ratings = 0
        for case in cases:
            ratings = ratings_by_case.pop(case.pk, [])
            n_ratings += len(ratings)
            resources = _case_resources(case, ratings, include_cpr=include_cpr)
            case_ids.append(case.pk)
            person_ids += [p.pk for p in case.persons.all()]
            for resource in resources:
                _write(out, resource)
            lines += len(resources)
        record(user, AccessAction.LIST, "case", organisation.pk, purpose="FHIR export",
               detail={"organisation_id": organisation.pk, "case_ids": case_ids,
                       "person_ids": sorted(person_ids), "format": "fhir",
                       "cpr": include_cpr, "n_ratings": n_ratings})
    return lines


# --- Import -----------------------------------------------------------------------------

@dataclass
class FhirImport:
    """What import_ndjson did: the errors (nothing stored when there are any, each with
    the NDJSON line number, 1 = the first line), and the import's counts."""

    errors: list = field(default_factory=list)
    check: object = None  # the ratings-file import's ImportCheck, when it ran
    lines: int = 0

    def __getattr__(self, name):  # the ImportCheck's counts (cases_new, ratings_new...)
        check = self.__dict__.get("check")
        if check is None:
            raise AttributeError(name)
        return getattr(check, name)


def import_ndjson(user, organisation: Organisation, lines: Iterable[str]) -> FhirImport:
    """QuestionnaireResponses (and the Patients and RelatedPersons they reference) into
    the organisation: all or nothing, the same file twice adds nothing; every bad line
    reported with its line number. (Being built: issue 13.)"""
    raise NotImplementedError
