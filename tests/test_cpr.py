import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from fokus.cases import actions
from fokus.cases.cpr import clean_cpr
from fokus.cases.models import Person


def test_a_valid_number_is_accepted_with_or_without_the_dash():
    assert clean_cpr("070761-4285") == "0707614285"
    assert clean_cpr("0707614285") == "0707614285"


def test_a_number_failing_modulus_11_is_still_valid():
    # 0707614286 fails the old check digit; numbers like it are issued since 2007.
    assert clean_cpr("0707614286") == "0707614286"


@pytest.mark.parametrize("number, born", [
    ("0101004000", datetime.date(2000, 1, 1)),   # 7th digit 4, year 00-36: 2000s
    ("0101404000", datetime.date(1940, 1, 1)),   # 7th digit 4, year 37-99: 1900s
    ("0101705000", datetime.date(1870, 1, 1)),   # 7th digit 5, year 58-99: 1800s
    ("0101105000", datetime.date(2010, 1, 1)),   # 7th digit 5, year 00-57: 2000s
    ("0101991000", datetime.date(1999, 1, 1)),   # 7th digit 0-3: 1900s
])
def test_the_century_rule(number, born):
    assert clean_cpr(number, born) == number


@pytest.mark.parametrize("number", ["3102101234", "0013101234", "3204991234"])
def test_an_impossible_date_is_refused_in_the_persons_language(number):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        clean_cpr(number)
    assert info.value.messages == ["The CPR number does not contain a valid birth date (DDMMYY)."]
    with translation.override("da"), pytest.raises(ValidationError) as info:
        clean_cpr(number)
    assert info.value.messages == ["CPR-nummeret indeholder ikke en gyldig fødselsdato (DDMMÅÅ)."]


@pytest.mark.parametrize("number", ["12345", "abcdefghij", "07076142851"])
def test_a_malformed_number_is_refused(number):
    with pytest.raises(ValidationError):
        clean_cpr(number)


def test_adding_a_person_with_a_bad_cpr_stores_nothing(world):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as info:
        actions.add_person(world.anna, world.hansen, first_name="X", role="other",
                           cpr="3102101234")
    assert "cpr" in info.value.message_dict
    assert Person.objects.count() == before


def test_a_cpr_number_gives_the_birth_date_and_is_never_in_repr(world):
    person = actions.add_person(world.anna, world.hansen, first_name="Y", role="father",
                                cpr="070761-4285")
    assert person.birth_date == datetime.date(1961, 7, 7)
    assert "0707614285" not in repr(person) + str(person)
    assert person.cpr_masked == "070761-xxxx"


def test_a_number_entered_in_the_form_is_stored_encrypted_and_found_by_it(world, login):
    from django.db import connection
    from django.urls import reverse

    response = login(world.anna).post(reverse("cases:person_add", args=[world.hansen.pk]),
                                      {"first_name": "Ib", "role": "father", "cpr": "070761-4285"})
    assert response.status_code == 302
    person = Person.objects.with_cpr("070761-4285").get()
    assert (person.first_name, person.cpr, person.birth_date) == (
        "Ib", "0707614285", datetime.date(1961, 7, 7))
    with connection.cursor() as cursor:
        cursor.execute("SELECT cpr, cpr_lookup FROM cases_person WHERE id = %s", [person.pk])
        stored = " ".join(cursor.fetchone())
    assert "0707614285" not in stored and "070761-4285" not in stored
    # The number is not in the access log either.
    from fokus.audit.models import AccessLogEntry

    assert not any("0707614285" in repr(vars(e)) or "070761-4285" in repr(vars(e))
                   for e in AccessLogEntry.objects.all())
