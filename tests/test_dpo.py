"""The access log answers the DPO (issue 11, point 4): every page that shows a person
names the persons it showed, searches keep their criterion, every read of the log is
logged, and the DPO's pages answer "who has seen Mikkel's data, when and why?".

Runs on SQLite and PostgreSQL (the "contains this person" query differs: json_each
against @>); on PostgreSQL with DATABASE_URL=postgres://.../fokus_<name>."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from fokus.accounts.models import Role, User
from fokus.audit.actions import record
from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Meeting
from fokus.privacy import dpo as dpo_reads
from tests.conftest import PASSWORD


@pytest.fixture
def dpo(world):
    return User.objects.create_user("dpo", password=PASSWORD, organisation=world.org,
                                    role=Role.DPO, first_name="Dina", last_name="Dahl")


def new_entries(since_id: int, **kw):
    """The entries written by a request, without the login's."""
    return list(AccessLogEntry.objects.filter(id__gt=since_id, **kw)
                .exclude(object_type="account").order_by("id"))


def last_id() -> int:
    return AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def one_entry(client, url, **filters):
    """GET the URL; its one access-log entry (besides any login's)."""
    before = last_id()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    entries = new_entries(before, **filters)
    assert len(entries) == 1, (url, [(e.action, e.object_type, e.purpose) for e in entries])
    return response, entries[0]


def ids(entry) -> set[int]:
    return set(entry.detail.get("person_ids", []))


# ---------------------------------------------------------------------------
# 1. Every page that shows a person names the persons it showed.


@pytest.fixture
def rated_hansen(world):
    """Mikkel rated by himself and by his mother, at a meeting; Freja never rated."""
    today = timezone.localdate()
    meeting = Meeting.objects.create(case=world.hansen, held_on=today, kind="home_visit",
                                     caseworker=world.anna)
    meeting.participants.set([world.child, world.mother])
    world.rate(world.child, "CORS", [3, 4, 3, 4], meeting=meeting)
    world.rate(world.child, "CORS", [5, 5, 5, 5], rater=world.mother, meeting=meeting)
    return meeting


def test_a_caseworkers_pages_name_exactly_the_persons_they_show(world, client, rated_hansen):
    client.force_login(world.anna)
    hansen = {world.child.pk, world.mother.pk, world.teen.pk}
    meeting = rated_hansen

    # The caseload: each row names the family (every person of its case).
    response, entry = one_entry(client, reverse("insights:case_list"))
    rows = response.context["caseload"].rows
    assert ids(entry) == {p.pk for row in rows for p in row.case.persons.all()}
    assert ids(entry) == hansen  # Olsen has nobody; Berg is not Anna's team's
    html = response.content.decode()
    assert "Mikkel" in html and "Emil" not in html

    # The team board: the persons of the cases on it (none, or the Hansens).
    response, entry = one_entry(client, reverse("insights:board",
                                                kwargs={"team_id": world.team_nord.pk}))
    assert ids(entry) == {p.pk for row in response.context["rows"]
                          for p in row.case.persons.all()}
    assert entry.detail["case_ids"] == [row.case.pk for row in response.context["rows"]]

    # The case page: the whole family, by name.
    response, entry = one_entry(client, reverse("insights:case",
                                                kwargs={"case_id": world.hansen.pk}))
    assert ids(entry) == hansen and entry.case_id == world.hansen.pk
    assert all(name in response.content.decode() for name in ("Mikkel", "Sara", "Freja"))

    # The meeting page and the record: the family (its name in the heading).
    for name, kwargs in (("insights:meeting", {"meeting_id": meeting.pk}),
                         ("insights:record", {})):
        _response, entry = one_entry(client, reverse(name, kwargs={
            "case_id": world.hansen.pk, **kwargs}))
        assert ids(entry) == hansen, name

    # The record's PDF: the family name in its heading, the participants in its text.
    response, entry = one_entry(client, reverse("insights:record_pdf", kwargs={
        "case_id": world.hansen.pk}) + f"?meeting={meeting.pk}")
    assert response["Content-Type"] == "application/pdf"
    assert ids(entry) == hansen and entry.purpose == "meeting record PDF"

    # The graph image: only the persons in its lines (Mikkel, rated by himself and his
    # mother), not Freja, who was never rated. Once drawn, once served as kept.
    url = reverse("insights:case_graph_svg", kwargs={"case_id": world.hansen.pk})
    for _time in range(2):
        before = last_id()
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("image/svg")
        entries = new_entries(before)
        assert entries and all(ids(e) == {world.child.pk, world.mother.pk} for e in entries)
        assert "Freja" not in response.content.decode()


def test_the_forms_that_list_the_family_name_it(world, client):
    client.force_login(world.anna)
    hansen = {world.child.pk, world.mother.pk, world.teen.pk}
    for name in ("ratings:meeting_start", "ratings:link_send", "ratings:paper_entry"):
        _response, entry = one_entry(client, reverse(name, kwargs={"case_id": world.hansen.pk}))
        assert ids(entry) == hansen, name


def test_a_rating_links_page_names_the_person_and_the_rater(world, client):
    from fokus.instruments.models import Instrument
    from fokus.ratings.actions import create_rating_link

    _link, token = create_rating_link(
        world.anna, world.hansen, person=world.child, rater=world.mother,
        instrument=Instrument.objects.get(code="CORS"), channel="email",
        address="sara@example.org", language="da", build_url=lambda token: f"/r/{token}/")
    before = last_id()
    assert client.get(f"/r/{token}/").status_code == 200
    entry = new_entries(before)[0]
    assert entry.object_type == "rating_link"
    assert ids(entry) == {world.child.pk, world.mother.pk}


def test_the_caseload_search_keeps_its_text_and_filters_in_the_log_only(world, client):
    client.force_login(world.anna)
    _response, entry = one_entry(client, reverse("insights:case_list")
                                 + "?q=Hansen&phase=support")
    assert entry.detail["search"] == "Hansen"
    assert entry.detail["filters"] == {"phase": "support"}
    assert ids(entry) == {world.child.pk, world.mother.pk, world.teen.pk}


# ---------------------------------------------------------------------------
# 2. Only the DPO, and every refusal logged.


DPO_URLS = (
    ("privacy:home", {}),
    ("privacy:dpo_person", {"person_id": "child"}),
    ("privacy:dpo_person_csv", {"person_id": "child"}),
    ("privacy:dpo_person_pdf", {"person_id": "child"}),
    ("privacy:dpo_user", {"user_id": "anna"}),
    ("privacy:dpo_user_csv", {"user_id": "anna"}),
    ("privacy:dpo_user_pdf", {"user_id": "anna"}),
    ("privacy:dpo_user_pick", {}),
)


def _url(world, name, kwargs):
    return reverse(name, kwargs={k: getattr(world, v).pk for k, v in kwargs.items()})


@pytest.mark.parametrize("persona", ["anna", "lise", "bo", "dorte", "ali", "admin"])
def test_everyone_but_the_dpo_gets_404_and_the_attempt_is_logged(world, client, persona):
    user = getattr(world, persona)
    client.force_login(user)
    for name, kwargs in DPO_URLS:
        before = last_id()
        response = client.get(_url(world, name, kwargs))
        assert response.status_code == 404, (persona, name)
        assert b"Mikkel" not in response.content
        entries = new_entries(before)
        assert [(e.username, e.action) for e in entries] == [(persona, "denied")], name
    response = client.post(reverse("privacy:home"), {"name": "Mikkel"})
    assert response.status_code == 404
    assert not AccessLogEntry.objects.filter(username=persona, object_type="person",
                                             action="list").exists()


def test_anonymous_goes_to_the_login(world, client):
    for name, kwargs in DPO_URLS:
        response = client.get(_url(world, name, kwargs))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_dpo_starts_at_the_access_log_and_sees_no_case(world, client, dpo):
    client.force_login(dpo)
    assert client.get(reverse("insights:home"))["Location"] == reverse("privacy:home")
    before = last_id()
    assert client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk})
                      ).status_code == 404
    assert [e.action for e in new_entries(before)] == ["denied"]
    assert client.get(reverse("insights:case_graph_svg", kwargs={
        "case_id": world.hansen.pk})).status_code == 404


def test_a_dpo_of_another_organisation_finds_nobody_here(world, client):
    from fokus.instruments.actions import create_organisation

    other = create_organisation("Andenkommune", settings_valid_from=datetime.date(2000, 1, 1))
    stranger = User.objects.create_user("dpo2", password=PASSWORD, organisation=other,
                                        role=Role.DPO)
    client.force_login(stranger)
    response = client.post(reverse("privacy:home"), {"name": "Mikkel"})
    assert response.status_code == 200 and "Mikkel Hansen" not in response.content.decode()
    assert client.get(_url(world, "privacy:dpo_person", {"person_id": "child"})
                      ).status_code == 404
    assert client.get(_url(world, "privacy:dpo_user", {"user_id": "anna"})).status_code == 404


# ---------------------------------------------------------------------------
# 3. Finding a person.


def test_the_dpo_finds_a_child_by_name_and_by_birth_date_and_the_search_is_logged(
        world, client, dpo):
    client.force_login(dpo)
    before = last_id()
    response = client.post(reverse("privacy:home"), {"name": "mikkel hansen"})
    html = response.content.decode()
    assert "Mikkel Hansen" in html and "Sara Hansen" not in html
    assert reverse("privacy:dpo_person", kwargs={"person_id": world.child.pk}) in html
    [entry] = new_entries(before)
    assert (entry.action, entry.object_type) == ("list", "person")
    assert entry.detail == {"search": {"name": "mikkel hansen"}, "person_ids": [world.child.pk],
                            "case_ids": [world.hansen.pk]}

    response = client.post(reverse("privacy:home"),
                           {"birth_date": world.teen.birth_date.isoformat()})
    assert "Freja Hansen" in response.content.decode()
    assert "Mikkel Hansen" not in response.content.decode()


def test_a_search_without_a_criterion_or_with_a_bad_one_says_so_and_reads_nothing(
        world, client, dpo):
    client.force_login(dpo)
    before = last_id()
    for data in ({}, {"name": "  "}, {"birth_date": "31-02-2015"}, {"cpr": "12345"}):
        response = client.post(reverse("privacy:home"), data)
        assert response.status_code == 200
        assert 'class="error-summary"' in response.content.decode(), data
    assert not new_entries(before, object_type="person")


def test_the_dpo_finds_a_person_by_cpr_number(world, client, dpo):
    if not dpo_reads.cpr_search_available():
        pytest.skip("Person.objects.with_cpr has not landed")
    from fokus.cases.models import Person

    number = "0101152226"
    person = Person.objects.get(pk=world.child.pk)
    person.cpr = number
    person.save()
    client.force_login(dpo)
    before = last_id()
    response = client.post(reverse("privacy:home"), {"cpr": "010115-2226"})
    assert "Mikkel Hansen" in response.content.decode()
    [entry] = new_entries(before)
    assert entry.detail["search"] == {"cpr": "010115-xxxx"}  # never the whole number
    assert number not in str(entry.detail)


# ---------------------------------------------------------------------------
# 4. Who has seen the person's data.


def test_who_has_seen_mikkels_data_when_and_why(world, client, dpo):
    # Anna opens the case; Lise's caseload lists it; Bo's case is another family's.
    client.force_login(world.anna)
    client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}))
    client.force_login(world.lise)
    client.get(reverse("insights:case_list"))
    client.force_login(world.bo)
    client.get(reverse("insights:case", kwargs={"case_id": world.berg.pk}))
    # An entry that names Mikkel among the persons shown, with no case of its own.
    from django.db import transaction
    with transaction.atomic():
        record(world.lise, "list", "team_board", world.team_nord.pk, purpose="team board",
               detail={"person_ids": [world.mother.pk, world.child.pk]})
        # An older list entry names only the case.
        record(world.lise, "list", "case", purpose="caseload",
               detail={"case_ids": [world.olsen.pk, world.hansen.pk]})

    client.force_login(dpo)
    before = last_id()
    response = client.get(reverse("privacy:dpo_person", kwargs={"person_id": world.child.pk}))
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    report = response.context["report"]
    by_user = {g.username: g for g in report.groups}
    assert {"anna", "lise"} <= set(by_user) and "bo" not in by_user
    anna = by_user["anna"]
    assert anna.name == "Anna" and anna.role in ("Rådgiver", "Caseworker")
    assert any(e.purpose == "case page" and e.action == "read" for e in anna.entries)
    lise = {(e.object_type, e.purpose) for e in by_user["lise"].entries}
    assert {("case", "caseload"), ("team_board", "team board")} <= lise
    assert "Lise" in html
    # The stored codes in the reader's language (fokus.audit.words), never the codes.
    assert "sagens side" in html and "sagsliste" in html and "teamtavle" in html
    assert ">case page<" not in html and ">caseload<" not in html
    # Whom an entry showed: the family by first name, Mikkel first; no raw ids.
    board = next(e for e in by_user["lise"].entries if e.object_type == "team_board")
    assert board.persons_text == f"{world.child.first_name} og {world.mother.first_name}"
    assert f">{board.persons_text}<" in html
    # Bo's read of another family is not there; nothing of the case's content is.
    berg_reads = AccessLogEntry.objects.filter(case_id=world.berg.pk)
    assert not {e.pk for g in report.groups for e in g.entries} & {e.pk for e in berg_reads}
    # The read of the log is itself logged, against the person.
    [entry] = new_entries(before)
    assert (entry.username, entry.action, entry.object_type, entry.person_id) == (
        "dpo", "read", "access_log", world.child.pk)


def test_the_period_narrows_the_report_and_bad_dates_read_nothing(world, client, dpo):
    client.force_login(world.anna)
    client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}))
    client.force_login(dpo)
    url = reverse("privacy:dpo_person", kwargs={"person_id": world.child.pk})
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    assert client.get(url, {"since": today.isoformat()}).context["report"].n_entries > 0
    assert client.get(url, {"until": yesterday.isoformat()}).context["report"].n_entries == 0
    before = last_id()
    for bad in ({"since": "2026-13-40"}, {"since": today.isoformat(),
                                          "until": yesterday.isoformat()}):
        response = client.get(url, bad)
        html = response.content.decode()
        assert response.status_code == 200 and 'class="error-summary"' in html
        assert response.context["report"] is None and "Mikkel" not in html
    assert not new_entries(before)


def test_the_exports_are_logged_and_name_who_when_and_why(world, client, dpo):
    client.force_login(world.anna)
    client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}))
    client.force_login(dpo)
    before = last_id()
    response = client.get(reverse("privacy:dpo_person_csv", kwargs={"person_id": world.child.pk}))
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert "attachment" in response["Content-Disposition"]
    assert "Mikkel" not in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[6:8] == ["Hvad", "Hvad, i ord"] and header[12:14] == ["Formål", "Formål, i ord"]
    # The code for machines, the words beside it, the ids of the persons shown.
    reads = [r for r in rows[1:] if r[2] == "anna" and r[12] == "case page"]
    assert reads and reads[0][13] == "sagens side"
    assert reads[0][6:8] == ["case", "sag"]
    assert str(world.child.pk) in reads[0][11].split()
    assert all(r[0] == "Mikkel Hansen" for r in rows[1:])  # whom the file is about
    response = client.get(reverse("privacy:dpo_person_pdf", kwargs={"person_id": world.child.pk}))
    assert response["Content-Type"] == "application/pdf" and response.content[:4] == b"%PDF"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Mikkel Hansen" in text and "sagens side" in text and "Anna" in text
    assert "case page" not in text
    purposes = [e.purpose for e in new_entries(before)]
    assert purposes == ["DPO: person's log exported as CSV", "DPO: person's log exported as PDF"]


def test_a_csv_cell_is_never_a_formula(world, client, dpo):
    client.force_login(world.anna)
    client.get(reverse("insights:case_list") + "?q=%3DHYPERLINK(1)")
    client.force_login(dpo)
    response = client.get(reverse("privacy:dpo_user_csv", kwargs={"user_id": world.anna.pk}))
    body = response.content.decode("utf-8-sig")
    assert "=HYPERLINK" in body
    assert not any(cell.startswith("=") for row in csv.reader(io.StringIO(body), delimiter=";")
                   for cell in row)


# ---------------------------------------------------------------------------
# 5. Everything one user did.


def test_everything_anna_did_with_her_searches(world, client, dpo):
    client.force_login(world.anna)
    client.get(reverse("insights:case_list") + "?q=Hansen")
    client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}))
    client.force_login(dpo)
    response = client.get(reverse("privacy:dpo_user_pick"), {"user": world.anna.pk})
    assert response["Location"] == reverse("privacy:dpo_user", kwargs={"user_id": world.anna.pk})
    before = last_id()
    response = client.get(response["Location"])
    report = response.context["report"]
    assert report.entries and {e.username for e in report.entries} == {"anna"}
    assert report.entries[0].purpose == "case page"  # the newest first
    html = response.content.decode()
    assert "Hansen" in html  # the search text, which only the log keeps
    [entry] = new_entries(before)
    assert (entry.object_type, entry.detail["user_id"]) == ("access_log", world.anna.pk)
    response = client.get(reverse("privacy:dpo_user_pdf", kwargs={"user_id": world.anna.pk}))
    assert response.content[:4] == b"%PDF"


def test_the_pages_are_danish_by_default_and_english_on_request(world, client, dpo):
    client.force_login(dpo)
    html = client.get(reverse("privacy:home")).content.decode()
    assert "Find et barn eller en forælder" in html
    # The main menu leads the DPO to the access log, and to nothing of a case.
    assert 'href="/dpo/" aria-current="page">Adgangslog</a>' in html
    assert reverse("insights:case_list") not in html
    client.cookies["django_language"] = "en"
    assert "Find a child or a parent" in client.get(reverse("privacy:home")).content.decode()


# ---------------------------------------------------------------------------
# 6. The administration's access-log pages are reads of the log too.


def test_the_admins_access_log_pages_are_logged(world, client):
    client.force_login(world.admin)
    before = last_id()
    response = client.get(reverse("admin:audit_accesslogentry_changelist") + "?q=42")
    assert response.status_code == 200
    entry = new_entries(before, object_type="access_log")[0]
    assert (entry.username, entry.action, entry.detail["query"]) == ("admin", "list",
                                                                     {"q": ["42"]})
    some = AccessLogEntry.objects.order_by("id").first()
    before = last_id()
    client.get(reverse("admin:audit_accesslogentry_change", args=[some.pk]))
    entry = new_entries(before, object_type="access_log")[0]
    assert (entry.action, entry.object_id) == ("read", str(some.pk))


def test_entries_about_uses_each_condition(world):
    """The query: a person id, the persons shown, the case, the cases listed; nothing else."""
    from django.db import transaction

    with transaction.atomic():
        mine = [record(world.anna, "read", "person", world.child.pk, person_id=world.child.pk),
                record(world.anna, "list", "x", detail={"person_ids": [1000, world.child.pk]}),
                record(world.anna, "read", "case", world.hansen.pk, case_id=world.hansen.pk),
                record(world.anna, "list", "y", detail={"case_ids": [world.hansen.pk]})]
        others = [record(world.anna, "list", "z", detail={"person_ids": [world.berg_child.pk]}),
                  record(world.anna, "list", "w", detail={"case_ids": [world.berg.pk]}),
                  record(world.anna, "list", "v", detail={"person_ids": world.child.pk}),
                  record(world.anna, "list", "u", detail={"n": world.child.pk})]
    found = set(dpo_reads.entries_about(world.child).values_list("pk", flat=True))
    assert {e.pk for e in mine} <= found
    assert not found & {e.pk for e in others}


def test_the_family_screen_and_its_graphs_name_only_the_persons_they_show(world, client):
    from tests.test_family_view import EN, _hand_over, _rated_meeting, _steps

    meeting = _rated_meeting(client, world)
    _hand_over(client, world, meeting, _steps(world))
    _response, entry = one_entry(client, reverse("ratings:kiosk"))
    assert ids(entry) == {world.child.pk, world.mother.pk}  # the steps' persons and raters
    for step, person in ((0, world.child), (1, world.mother)):
        before = last_id()
        response = client.get(reverse("insights:kiosk_graph", kwargs={"step": step}), **EN)
        assert response.status_code == 200
        [entry] = new_entries(before)
        # Only the person's own line: not Freja, not the other family member.
        assert ids(entry) == {person.pk}, step


def test_the_persons_column_says_who_and_how_many(world, client, dpo):
    """A caseload read shows 120 persons: the page says Mikkel was among them and how
    many, not 120 ids; a few of the family by name; the CSV keeps the ids."""
    from django.db import transaction
    many = [world.child.pk, *range(900_000, 900_119)]
    with transaction.atomic():
        record(world.lise, "list", "case", purpose="caseload", detail={"person_ids": many})
        record(world.anna, "read", "case", world.hansen.pk, case_id=world.hansen.pk,
               purpose="case page",
               detail={"person_ids": [world.mother.pk, world.child.pk, world.teen.pk]})
        # Mikkel and two persons of another family.
        record(world.anna, "list", "person", purpose="caseload",
               detail={"person_ids": [world.child.pk, world.berg_child.pk, 900_001]})
    client.force_login(dpo)
    url = reverse("privacy:dpo_person", kwargs={"person_id": world.child.pk})
    response = client.get(url)
    html = response.content.decode()
    texts = {e.persons_text for g in response.context["report"].groups for e in g.entries}
    assert "Mikkel blandt 120 viste" in texts and "Mikkel blandt 120 viste" in html
    assert "Mikkel, Freja og Sara" in texts
    assert "Mikkel og 2 andre" in texts and "Emil" not in html  # not of Mikkel's case
    assert "900118" not in html
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    assert "Mikkel among 120 shown" in html and "Mikkel and 2 others" in html
    assert "case page" in html and "caseload" in html and "sagens side" not in html
    rows = list(csv.reader(io.StringIO(client.get(reverse(
        "privacy:dpo_person_csv", kwargs={"person_id": world.child.pk})).content.decode(
        "utf-8-sig")), delimiter=";"))
    assert any(len(r[11].split()) == 120 and "900118" in r[11].split() for r in rows[1:])


def test_the_admins_access_log_shows_words_beside_the_codes(world, client):
    from django.db import transaction
    with transaction.atomic():
        entry = record(world.admin, "update", "setting", "7", purpose="configuration")
    client.force_login(world.admin)
    html = client.get(reverse("admin:audit_accesslogentry_changelist")).content.decode()
    assert "opsætning" in html
    html = client.get(reverse("admin:audit_accesslogentry_change", args=[entry.pk])
                      ).content.decode()
    assert "opsætning" in html and "configuration" in html  # the words and the code


def test_the_admins_access_log_holds_no_entry_about_a_family(world, client):
    """The administrator sees the configuration's trail of his organisation; reads of a
    case, the persons a page showed, searches and reads of the log are the DPO's."""
    from django.db import transaction
    with transaction.atomic():
        about_case = record(world.anna, "read", "case", world.hansen.pk,
                            case_id=world.hansen.pk, purpose="case page")
        shown = record(world.anna, "list", "case", purpose="caseload",
                       detail={"person_ids": [world.child.pk]})
        search = record(world.anna, "list", "case", purpose="caseload",
                        detail={"search": "Hansen"})
        config = record(world.admin, "update", "setting", "7", purpose="configuration")
    client.force_login(world.admin)
    response = client.get(reverse("admin:audit_accesslogentry_changelist"))
    listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
    assert config.pk in listed
    assert not listed & {about_case.pk, shown.pk, search.pk}
    for hidden in (about_case, shown, search):
        page = client.get(reverse("admin:audit_accesslogentry_change", args=[hidden.pk]))
        assert page.status_code in (302, 404)
