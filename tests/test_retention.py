"""Retention of closed cases with the archive export first (issue 11, point 8)."""

import datetime
import json
import re
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from fokus.audit.models import AccessLogEntry
from fokus.cases import actions as case_actions
from fokus.cases.models import Case, Intervention, Meeting, Person
from fokus.insights import actions as insights_actions
from fokus.insights.models import MeetingRecord, TeamDecision
from fokus.privacy import actions, retention
from fokus.privacy.models import RetainedCase, RetentionAction, RetentionPolicy
from fokus.ratings.models import Rating, RatingAnswer
from tests.conftest import years_ago


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


@pytest.fixture
def closed(world):
    """The Hansen case with two meetings, ratings, notes and a record, closed two
    years ago; the Olsen case closed a month ago (not yet due)."""
    case = world.hansen
    Case.objects.filter(pk=case.pk).update(opened_on=_days_ago(1200))
    case.refresh_from_db()
    case_actions.add_intervention(world.anna, case, type="bl32_2", start=_days_ago(1100),
                                  purpose="Familiebehandling for Mikkel og Sara")
    meetings = []
    for n, day in enumerate((_days_ago(1000), _days_ago(900))):
        meeting = case_actions.record_meeting(world.anna, case, held_on=day, kind="office",
                                              participants=[world.child, world.mother],
                                              note=f"Mikkel fortalte om skolen {n}")
        meetings.append(meeting)
        world.rate(world.child, "CORS", [3 + n, 4, 5, 6], on=day, meeting=meeting)
        world.rate(world.mother, "ORS", [5, 5 + n, 6, 7], on=day, meeting=meeting)
        world.rate(world.mother, "SRS", [9, 9, 9, 9], on=day, meeting=meeting)
    insights_actions.save_meeting_record(world.anna, case, meetings[-1],
                                         note="Sara er lettet", next_steps="Ny samtale")
    insights_actions.record_team_decision(world.lise, world.team_nord, case,
                                          what="Tal med skolen om Mikkel", who=world.anna,
                                          by_when=None, decided_on=_days_ago(950))
    Person.objects.filter(pk=world.child.pk).update(cpr="0101151234")
    case_actions.close_case(world.anna, case, closed_on=_days_ago(800))
    case_actions.close_case(world.lise, world.olsen, closed_on=_days_ago(30))
    return world


def _policy(world, **kw):
    policy = RetentionPolicy(organisation=world.org, keep_months=12, **kw)
    return actions.save_retention_policy(world.admin, policy)


def _snapshot(case_id):
    return {
        "persons": list(Person.objects.filter(case_id=case_id).order_by("pk").values()),
        "meetings": list(Meeting.objects.filter(case_id=case_id).values("pk", "note")),
        "case": list(Case.objects.filter(pk=case_id).values()),
        "ratings": list(Rating.objects.filter(case_id=case_id).values_list("pk", "total")),
    }


def test_add_months():
    assert retention.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert retention.add_months(datetime.date(2024, 11, 15), 14) == datetime.date(2026, 1, 15)


def test_dry_run_changes_nothing_and_reports(closed, tmp_path, settings):
    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    _policy(closed)
    before = _snapshot(closed.hansen.pk)
    out = StringIO()
    call_command("retention", "--organisation", "Testkommune", stdout=out)
    text = out.getvalue()
    assert f"case {closed.hansen.pk}: closed {_days_ago(800).isoformat()}" in text
    assert "anonymise" in text
    assert "1 case(s) due, 1 closed case(s) not yet due" in text
    assert "Dry run" in text
    assert "Mikkel" not in text and "Hansen" not in text
    assert _snapshot(closed.hansen.pk) == before
    assert not RetainedCase.objects.exists()
    assert list(tmp_path.iterdir()) == []
    entry = AccessLogEntry.objects.filter(purpose="retention dry run").get()
    assert entry.detail["case_ids"] == [closed.hansen.pk]


def test_apply_archives_then_anonymises(closed, tmp_path, settings):
    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    _policy(closed)
    case_id = closed.hansen.pk
    rating_totals = sorted(Rating.objects.filter(case_id=case_id).values_list("pk", "total"))
    n_answers = RatingAnswer.objects.filter(rating__case_id=case_id).count()
    olsen_before = _snapshot(closed.olsen.pk)
    call_command("retention", "--organisation", "Testkommune", "--apply", stdout=StringIO())

    folder = tmp_path / f"organisation-{closed.org.pk}" / f"case-{case_id}"
    manifest = json.loads((folder / "manifest.json").read_text())
    names = sorted(f["name"] for f in manifest["files"])
    assert names[0] == "ratings.csv" and len(names) == 3  # the ratings and two records
    assert all(n.endswith(".pdf") for n in names[1:])
    assert manifest["case"]["reference"] == "2025-0001"
    assert manifest["action_after_archiving"] == "anonymise"
    assert retention.verify_archive(folder) == []
    # The ratings file: all six ratings, the section 6 columns, the birth date kept.
    lines = (folder / "ratings.csv").read_text().splitlines()
    assert lines[0].startswith("case_id,person_id,rater_id,birth_date,instrument,date,item1")
    assert len(lines) == 1 + 6
    assert any(years_ago(10).isoformat() in line for line in lines[1:])
    for pdf in names[1:]:  # PDF/A-2a, in Danish, with the family's names (the archive keeps them)
        reader = PdfReader(folder / pdf)
        xmp = reader.xmp_metadata.rdf_root.toxml()
        assert re.search(r"pdfaid:part(>|=\")2", xmp)
        assert reader.trailer["/Root"]["/Lang"] == "da"
        assert "Mikkel" in reader.pages[0].extract_text()

    # Anonymised: no names, no CPR, birth year only, no free text; the ratings kept.
    persons = list(Person.objects.filter(case_id=case_id).order_by("pk"))
    assert [p.first_name for p in persons] == ["#1", "#2", "#3"]
    for person in persons:
        assert person.last_name == ""
        assert person.birth_date is None and person.birth_year is not None
        for field in person._meta.concrete_fields:  # the CPR number and its lookup hash
            if field.name.startswith("cpr"):
                assert not getattr(person, field.attname), field.name
    assert Person.objects.get(pk=closed.child.pk).birth_year == years_ago(10).year
    case = Case.objects.get(pk=case_id)
    assert case.family_name == "" and "2025-0001" not in case.reference
    assert set(Meeting.objects.filter(case_id=case_id).values_list("note", flat=True)) == {""}
    assert set(Intervention.objects.filter(case_id=case_id)
               .values_list("purpose", flat=True)) == {""}
    assert MeetingRecord.objects.filter(meeting__case_id=case_id).get().note == ""
    assert not TeamDecision.objects.filter(case_id=case_id).exists()
    assert sorted(Rating.objects.filter(case_id=case_id)
                  .values_list("pk", "total")) == rating_totals
    assert RatingAnswer.objects.filter(rating__case_id=case_id).count() == n_answers
    # The not-yet-due case is untouched.
    assert _snapshot(closed.olsen.pk) == olsen_before
    # Logged, ids only.
    entry = AccessLogEntry.objects.get(purpose="retention", case_id=case_id)
    assert entry.action == "update" and entry.detail["retention"] == "anonymise"
    assert entry.detail["archive_manifest_sha256"] == RetainedCase.objects.get().manifest_sha256
    assert "Mikkel" not in json.dumps(entry.detail)


def test_second_run_does_nothing_more(closed, tmp_path, settings):
    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    _policy(closed)
    retention.run(closed.org, apply=True)
    folder = tmp_path / f"organisation-{closed.org.pk}" / f"case-{closed.hansen.pk}"
    manifest = (folder / "manifest.json").read_bytes()
    snapshot = _snapshot(closed.hansen.pk)
    n_log = AccessLogEntry.objects.filter(purpose="retention").count()
    plan, done = retention.run(closed.org, apply=True)
    assert plan.cases == [] and done == []
    assert (folder / "manifest.json").read_bytes() == manifest
    assert _snapshot(closed.hansen.pk) == snapshot
    assert AccessLogEntry.objects.filter(purpose="retention").count() == n_log
    assert RetainedCase.objects.count() == 1


def test_checksums_catch_a_changed_file(closed, tmp_path, settings):
    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    _policy(closed)
    _plan, done = retention.run(closed.org, apply=True)
    folder = done[0].archive
    call_command("retention", "--verify", str(folder), stdout=StringIO())
    with (folder / "ratings.csv").open("a") as stream:
        stream.write("x\n")
    assert retention.verify_archive(folder) == ["ratings.csv: checksum differs"]
    with pytest.raises(CommandError):
        call_command("retention", "--verify", str(folder), stdout=StringIO(), stderr=StringIO())


def test_deletion_refused_without_the_archive_flag(closed, tmp_path, settings):
    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    with pytest.raises(ValidationError):
        _policy(closed, action=RetentionAction.DELETE)
    assert not RetentionPolicy.objects.exists()
    # A rule saved around the action still only anonymises.
    RetentionPolicy.objects.create(organisation=closed.org, keep_months=12,
                                   action=RetentionAction.DELETE)
    out = StringIO()
    call_command("retention", "--organisation", "Testkommune", "--apply", stdout=out)
    assert "anonymised instead" in out.getvalue()
    assert Case.objects.filter(pk=closed.hansen.pk).exists()
    assert RetainedCase.objects.get().action == RetentionAction.ANONYMISE
    with pytest.raises(PermissionError):
        actions.delete_case(closed.olsen, closed_on=closed.olsen.closed_on, archive="",
                            manifest_sha256="")


def test_deletion_with_the_archive_flag(closed, tmp_path, settings):
    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    _policy(closed, action=RetentionAction.DELETE, archive_allows_deletion=True)
    case_id = closed.hansen.pk
    _plan, done = retention.run(closed.org, apply=True)
    assert [d.case_id for d in done] == [case_id]
    assert not Case.objects.filter(pk=case_id).exists()
    assert not Rating.objects.filter(case_id=case_id).exists()
    assert retention.verify_archive(done[0].archive) == []
    entry = AccessLogEntry.objects.get(purpose="retention", case_id=case_id)
    assert entry.action == "delete"
    assert RetainedCase.objects.get().action == RetentionAction.DELETE
    assert Case.objects.filter(pk=closed.olsen.pk).exists()


def test_policy_change_is_logged(closed):
    policy = _policy(closed)
    policy.keep_months = 24
    actions.save_retention_policy(closed.admin, policy)
    entry = AccessLogEntry.objects.filter(object_type="retention_policy").first()
    assert entry.detail["new"] == {"keep_months": 24}


def test_task_wraps_the_run(closed, tmp_path, settings):
    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    _policy(closed)
    result = retention.apply_retention.call(closed.org.pk)
    assert result["done"] == 1 and result["not_yet_due"] == 1


def test_the_admin_refuses_deletion_without_the_flag_with_a_message(closed, login):
    from django.urls import reverse

    client = login(closed.admin)
    url = reverse("admin:privacy_retentionpolicy_add")
    response = client.post(url, {"organisation": closed.org.pk, "keep_months": 12,
                                 "action": "delete"})
    assert response.status_code == 200
    assert "Rigsarkivets regler" in response.content.decode() or \
        "State Archives" in response.content.decode()
    assert not RetentionPolicy.objects.exists()
    response = client.post(url, {"organisation": closed.org.pk, "keep_months": 12,
                                 "action": "delete", "archive_allows_deletion": "on"})
    assert response.status_code == 302
    policy = RetentionPolicy.objects.get()
    assert policy.effective_action == RetentionAction.DELETE
    entry = AccessLogEntry.objects.get(object_type="retention_policy")
    assert entry.user_id == closed.admin.pk and entry.action == "create"


def test_anonymised_case_pages_still_open(closed, tmp_path, settings, login):
    """The caseworker still sees the closed case, without names or notes."""
    from django.urls import reverse

    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    _policy(closed)
    retention.run(closed.org, apply=True)
    page = login(closed.anna).get(reverse("insights:case", args=[closed.hansen.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    for secret in ("Mikkel", "Sara", "Freja", "Familien Hansen", "2025-0001",
                   "Mikkel fortalte", "Familiebehandling for"):
        assert secret not in text


def test_an_unwritable_archive_directory_changes_nothing(closed, tmp_path, settings):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.FOKUS_ARCHIVE_DIR = str(blocker / "archive")
    _policy(closed)
    before = _snapshot(closed.hansen.pk)
    with pytest.raises(CommandError, match="cannot be written"):
        call_command("retention", "--organisation", "Testkommune", "--apply",
                     stdout=StringIO())
    assert _snapshot(closed.hansen.pk) == before
    assert not RetainedCase.objects.exists()


def test_all_organisations_and_the_nightly_task(closed, tmp_path, settings):
    settings.FOKUS_ARCHIVE_DIR = str(tmp_path)
    with pytest.raises(CommandError):
        call_command("retention", stdout=StringIO())
    out = StringIO()
    call_command("retention", "--all-organisations", stdout=out)
    assert out.getvalue() == ""  # no organisation has a rule yet: none is touched
    _policy(closed)
    call_command("retention", "--all-organisations", stdout=out)
    assert "1 case(s) due" in out.getvalue()
    assert retention.apply_retention_everywhere.call() == [
        {"organisation_id": closed.org.pk, "due": 1, "done": 1, "not_yet_due": 1}]
