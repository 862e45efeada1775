"""FHIR R4 (issue 13, point 2): Questionnaires, Patients, RelatedPersons and
QuestionnaireResponses out as NDJSON and back in (fokus/interchange/fhir.py).

Every resource Fokus writes is validated with fhir.resources' R4B models (FHIR 4.3.0: R4
with its technical corrections; fhir.resources 8 has no R4 4.0.1 package)."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.instruments.models import Instrument
from fokus.interchange import fhir
from tests.conftest import years_ago

TEST_CPR = "0707614285"  # generated: valid date, not a real person's


def validate(resource: dict):
    """The resource as an R4B model (raises on anything FHIR does not allow)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def lines_of(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def export(case, user, *, include_cpr=False) -> list[dict]:
    out = io.StringIO()
    n = fhir.export_case(case, out, user=user, include_cpr=include_cpr)
    resources = lines_of(out.getvalue())
    assert n == len(resources)
    return resources


@pytest.fixture
def rated(world):
    """The Hansen case with a teenager's ORS and SRS, a mother rating her 10-year-old
    with the CORS, and the child's own CORS, on two days."""
    day1 = timezone.localdate() - datetime.timedelta(days=30)
    day2 = timezone.localdate() - datetime.timedelta(days=2)
    world.rate(world.teen, "ORS", [4.2, 5, 6.1, 3.3], on=day1)
    world.rate(world.teen, "SRS", [9, 9.5, 8.8, 10], on=day1)
    world.rate(world.teen, "ORS", [6.2, 6, 7.1, 5.3], on=day2)
    world.rate(world.child, "CORS", [3, 4, 5, 6.6], rater=world.mother, on=day1)
    world.rate(world.child, "CORS", [7, 7, 7, 7], on=day2)
    return world


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ORS", "SRS", "CORS", "CSRS", "YCORS", "YCSRS", "GSRS",
                                  "CGSRS", "WHO5"])
def test_each_questionnaire_is_valid_r4b(world, code):
    instrument = Instrument.objects.get(code=code)
    resource = fhir.questionnaire(instrument)
    model = validate(resource)
    assert model.url == f"https://fokus.example/fhir/Questionnaire/{code.lower()}"
    link_ids = [item.linkId for item in model.item]
    n_items = instrument.items.count()
    assert link_ids == [f"item{i}" for i in range(1, n_items + 1)] + ["total"]
    first = resource["item"][0]
    limits = {e["url"].rsplit("/", 1)[1]: e for e in first["extension"]}
    if instrument.item_type == "vas10":
        assert first["type"] == "decimal"
        assert limits["minValue"]["valueDecimal"] == 0 and limits["maxValue"]["valueDecimal"] == 10
        assert limits["maxDecimalPlaces"]["valueInteger"] == 1
    else:
        assert first["type"] == "integer" and "maxDecimalPlaces" not in limits
    if code in ("YCORS", "YCSRS"):
        assert (limits["minValue"]["valueInteger"], limits["maxValue"]["valueInteger"]) == (1, 4)
    total = resource["item"][-1]
    assert total["readOnly"] is True
    if instrument.snomed_code:
        assert total["code"] == [{"system": "http://snomed.info/sct",
                                  "code": instrument.snomed_code}]
    else:
        assert "code" not in total


@pytest.mark.django_db
def test_questionnaire_has_no_licensed_wording(world):
    from fokus.instruments.models import InstrumentWording, ItemWording

    ors = Instrument.objects.get(code="ORS")
    InstrumentWording.objects.create(organisation=world.org, instrument=ors, language="da",
                                     instruction="LICENSED INSTRUCTION TEXT")
    ItemWording.objects.create(organisation=world.org, item=ors.items.first(), language="da",
                               text="LICENSED ITEM TEXT")
    text = json.dumps(fhir.questionnaire(ors))
    assert "LICENSED" not in text
    assert "Individuelt" in text and "Individually" in text


@pytest.mark.django_db
def test_case_export_is_valid_line_by_line(rated):
    resources = export(rated.hansen, rated.anna)
    kinds = [r["resourceType"] for r in resources]
    for resource in resources:
        validate(resource)
    assert kinds.count("Questionnaire") == 3  # CORS, ORS, SRS
    assert kinds.count("Patient") == 3  # every person of the case
    assert kinds.count("RelatedPerson") == 1  # the mother, for the child
    assert kinds.count("QuestionnaireResponse") == 5
    text = json.dumps(resources)
    for name in ("Mikkel", "Sara", "Freja", "Hansen"):
        assert name not in text  # no names
    by_id = {(r["resourceType"], r["id"]): r for r in resources}
    responses = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    questionnaires = {r["url"] + "|" + r["version"] for r in resources
                      if r["resourceType"] == "Questionnaire"}
    for response in responses:
        assert response["status"] == "completed"
        assert response["questionnaire"] in questionnaires
        kind, ident = response["subject"]["reference"].split("/")
        assert (kind, ident) in by_id
        kind, ident = response["source"]["reference"].split("/")
        assert (kind, ident) in by_id
    by_mother = [r for r in responses if r["source"]["reference"].startswith("RelatedPerson/")]
    assert len(by_mother) == 1
    mother = by_id[tuple(by_mother[0]["source"]["reference"].split("/"))]
    assert mother["relationship"][0]["coding"][0]["code"] == "MTH"
    assert mother["patient"] == by_mother[0]["subject"]
    ors = next(r for r in responses if r["questionnaire"].endswith("/ors|1")
               and r["authored"] == (timezone.localdate()
                                     - datetime.timedelta(days=30)).isoformat())
    answers = {i["linkId"]: i["answer"][0]["valueDecimal"] for i in ors["item"]}
    assert answers == {"item1": 4.2, "item2": 5.0, "item3": 6.1, "item4": 3.3, "total": 18.6}


@pytest.mark.django_db
def test_faces_are_whole_numbers(world):
    toddler = case_actions.add_person(world.anna, world.hansen, first_name="Lille",
                                      role="child", birth_date=years_ago(4))
    world.rate(toddler, "YCORS", [3])
    response = next(r for r in export(world.hansen, world.anna)
                    if r["resourceType"] == "QuestionnaireResponse")
    validate(response)
    assert response["item"] == [{"linkId": "item1", "answer": [{"valueInteger": 3}]},
                                {"linkId": "total", "answer": [{"valueInteger": 3}]}]


@pytest.mark.django_db
def test_cpr_only_with_include_cpr(world):
    person = case_actions.add_person(world.anna, world.hansen, first_name="Per", role="father",
                                     cpr=TEST_CPR)
    world.rate(world.child, "CORS", [5, 5, 5, 5], rater=person)
    without = json.dumps(export(world.hansen, world.anna))
    assert TEST_CPR not in without and "1.2.208.176.1.2" not in without
    resources = export(world.hansen, world.anna, include_cpr=True)
    for resource in resources:
        validate(resource)
    father = next(r for r in resources if r["resourceType"] == "Patient"
                  and any(i["system"] == fhir.CPR_SYSTEM for i in r["identifier"]))
    cpr = next(i for i in father["identifier"] if i["system"] == fhir.CPR_SYSTEM)
    assert cpr == {"use": "official", "system": "urn:oid:1.2.208.176.1.2", "value": TEST_CPR}
    assert father["birthDate"] == "1961-07-07"
    # As the rater of the child too.
    related = next(r for r in resources if r["resourceType"] == "RelatedPerson")
    assert {"use": "official", "system": fhir.CPR_SYSTEM, "value": TEST_CPR} in related["identifier"]
    assert TEST_CPR not in "".join(str(e.detail) for e in AccessLogEntry.objects.all())


@pytest.mark.django_db
def test_export_is_logged_with_the_persons_shown(rated):
    export(rated.hansen, rated.anna)
    entry = AccessLogEntry.objects.filter(purpose="FHIR export").get()
    assert entry.username == "anna" and entry.case_id == rated.hansen.pk
    assert entry.detail["person_ids"] == sorted(p.pk for p in rated.hansen.persons.all())
    assert entry.detail["cpr"] is False


@pytest.mark.django_db
def test_organisation_export(rated):
    rated.rate(rated.berg_child, "CORS", [1, 2, 3, 4], user=rated.bo)
    out = io.StringIO()
    n = fhir.export_organisation(rated.org, out, user=None, include_cpr=False)
    resources = lines_of(out.getvalue())
    assert n == len(resources)
    for resource in resources:
        validate(resource)
    kinds = [r["resourceType"] for r in resources]
    assert kinds[:3] == ["Questionnaire"] * 3 and kinds.count("Questionnaire") == 3
    assert kinds.count("QuestionnaireResponse") == 6
    entry = AccessLogEntry.objects.filter(purpose="FHIR export").get()
    assert set(entry.detail["case_ids"]) == {rated.hansen.pk, rated.olsen.pk, rated.berg.pk}
    assert rated.berg_child.pk in entry.detail["person_ids"]
    assert Decimal("10.0") == Decimal(str(sum(
        i["answer"][0]["valueDecimal"] for r in resources
        if r["resourceType"] == "QuestionnaireResponse" and r["authored"]
        == timezone.localdate().isoformat() for i in r["item"] if i["linkId"] == "total")))


# --- Import -------------------------------------------------------------------------------

def ndjson(resources: list[dict]) -> list[str]:
    return [json.dumps(r) for r in resources]


def messages(result) -> list[tuple[int, str]]:
    return [(e.line, e.message % e.params) for e in result.errors]


@pytest.mark.django_db
def test_bad_lines_are_reported_with_their_numbers_and_nothing_is_stored(rated):
    from fokus.ratings.models import Rating

    lines = ndjson(export(rated.hansen, rated.anna))
    kinds = [json.loads(line)["resourceType"] for line in lines]
    responses = [n for n, kind in enumerate(kinds) if kind == "QuestionnaireResponse"]
    first, second, third = responses[:3]
    bad = list(lines)
    bad[first] = "{not json"
    wrong = json.loads(lines[second])
    wrong["status"] = "in-progress"
    wrong["item"][0]["answer"] = [{"valueString": "seks"}]
    bad[second] = json.dumps(wrong)
    unknown = json.loads(lines[third])
    unknown["questionnaire"] = "https://elsewhere.example/Questionnaire/phq9"
    bad[third] = json.dumps(unknown)
    bad.append(json.dumps({"resourceType": "Observation", "status": "final",
                           "code": {"text": "x"}}))
    bad.append(json.dumps({"resourceType": "Patient", "birthDate": "not a date"}))
    before = Rating.objects.count()
    result = fhir.import_ndjson(rated.anna, rated.org, bad)
    reported = messages(result)
    lines_reported = sorted({line for line, _text in reported})
    assert lines_reported == [first + 1, second + 1, third + 1, len(bad) - 1, len(bad)]
    text = dict(reported)
    assert text[first + 1] == "The line is not a JSON object."
    assert any("in-progress" in m for n, m in reported if n == second + 1)
    assert any("item1" in m for n, m in reported if n == second + 1)
    assert "phq9" in text[third + 1]
    assert "Observation" in text[len(bad) - 1]
    assert text[len(bad)].startswith("Not a valid FHIR R4 Patient (at birthDate")
    assert Rating.objects.count() == before


@pytest.mark.django_db
def test_a_response_without_its_patient_is_refused(rated):
    lines = [line for line in ndjson(export(rated.hansen, rated.anna))
             if json.loads(line)["resourceType"] in ("QuestionnaireResponse",)]
    result = fhir.import_ndjson(rated.anna, rated.org, lines)
    subjects = [n for n, m in messages(result) if "is not a Patient in this file" in m]
    assert subjects == [1, 2, 3, 4, 5]  # each response's line; its source is missing too


@pytest.mark.django_db
def test_import_messages_are_in_danish(rated):
    from django.utils import translation

    result = fhir.import_ndjson(rated.anna, rated.org, ["[1, 2]", ""])
    with translation.override("da"):
        assert [translation.gettext(e.message) % e.params for e in result.errors] == [
            "Linjen er ikke et JSON-objekt."]
    assert fhir.import_ndjson(rated.anna, rated.org, []).errors[0].line == 0
    # A byte-order mark before the first line is not a bad line.
    patient = json.dumps({"resourceType": "Patient", "birthDate": "2010"})
    assert [e.line for e in fhir.import_ndjson(rated.anna, rated.org,
                                               ["\ufeff" + patient]).errors] == [0]



@pytest.mark.django_db
def test_case_download_is_the_case_export_without_cpr(world, login):
    from django.urls import reverse

    father = case_actions.add_person(world.anna, world.hansen, first_name="Per", role="father",
                                     cpr=TEST_CPR)
    world.rate(world.child, "CORS", [5, 5, 5, 5.5], rater=father)
    url = reverse("interchange:case_fhir", kwargs={"case_id": world.hansen.pk})
    assert str(world.hansen.pk) in url and world.hansen.reference not in url
    # The case page links to it, where the other downloads are.
    page = login(world.anna).get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}))
    assert f'href="{url}" download' in page.content.decode()
    response = login(world.anna).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+ndjson")
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode()
    resources = lines_of(body)
    for resource in resources:
        validate(resource)
    assert [r["resourceType"] for r in resources].count("QuestionnaireResponse") == 1
    assert TEST_CPR not in body and fhir.CPR_SYSTEM not in body
    assert AccessLogEntry.objects.filter(purpose="FHIR export", username="anna",
                                         case_id=world.hansen.pk).exists()
    # Bo's team does not have the case: 404, and nothing of it.
    refused = login(world.bo).get(url)
    assert refused.status_code == 404 and b"Patient" not in refused.content


@pytest.mark.django_db
def test_an_instrument_an_administrator_entered_is_a_valid_questionnaire(world):
    from fokus.instruments.models import InstrumentItem

    mine = Instrument.objects.create(code="Trivsel_2 b", name="Trivsel", family="free",
                                     measures="wellbeing", item_type="likert")
    InstrumentItem.objects.create(instrument=mine, position=1, label_da="Glad", label_en="Glad",
                                  min_value=Decimal("0"), max_value=Decimal("3"),
                                  step=Decimal("1"))
    model = validate(fhir.questionnaire(mine))
    assert model.id == "trivsel-2-b" and model.url.endswith("/Questionnaire/trivsel-2-b")
    assert [item.type for item in model.item] == ["integer", "integer"]
