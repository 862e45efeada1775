"""The record for the case file: journal text and a one-page A4 PDF, in Danish."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from fokus.audit.models import AccessLogEntry
from fokus.cases.models import Meeting
from fokus.insights.models import MeetingRecord
from tests.test_graph import day, rate_family

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "record"


@pytest.fixture
def meeting(world):
    rate_family(world)
    last = None
    for i in range(4):
        last = Meeting.objects.create(case=world.hansen, held_on=day(i), kind="home_visit",
                                      caseworker=world.anna)
        last.participants.set([world.child, world.mother, world.teen])
    return last


def test_saving_note_and_next_steps_is_audited(world, client, meeting):
    client.force_login(world.anna)
    url = f"/insights/cases/{world.hansen.pk}/record/"
    response = client.post(url, {"meeting": meeting.pk, "note": "Mikkel siger skolen går bedre.",
                                 "next_steps": "Møde med skolen i uge 12."},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    saved = MeetingRecord.objects.get(meeting=meeting)
    assert saved.next_steps == "Møde med skolen i uge 12." and saved.created_by == world.anna
    assert AccessLogEntry.objects.filter(username="anna", object_type="meeting_record",
                                         action="create").exists()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<textarea id=\"journal-text\"" in page and "readonly" in page
    assert "Copy the journal text" in page


def test_journal_text_has_date_participants_scores(world, client, meeting):
    MeetingRecord.objects.create(meeting=meeting, note="Godt møde.", next_steps="Ny aftale.")
    client.force_login(world.anna)
    page = client.get(f"/insights/cases/{world.hansen.pk}/record/",
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    start = page.index('id="journal-text"')
    journal = page[page.index(">", start) + 1:page.index("</textarea>", start)]
    assert f"FIT-møde {meeting.held_on:%d.%m.%Y}" in journal
    assert "Deltagere: Mikkel Hansen, Sara Hansen, Freja Hansen" in journal
    assert "- Mikkel (CORS): 26,4" in journal
    assert "- Sara om Mikkel (CORS): 27,0" in journal
    assert "Aftalte næste skridt: Ny aftale." in journal


def test_pdf_is_one_a4_page_in_danish(world, client, meeting):
    MeetingRecord.objects.create(meeting=meeting, note="Mikkel fortæller, at det går bedre i "
                                 "skolen. Sara er bekymret for aftenerne. " * 4,
                                 next_steps="1. Møde med skolen. 2. Ny måling om to uger. " * 3)
    client.force_login(world.anna)
    response = client.get(f"/insights/cases/{world.hansen.pk}/record.pdf?meeting={meeting.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "record.pdf").write_bytes(response.content)
    assert len(reader.pages) == 1
    # PDF/A-2a: archival, tagged for screen readers, its language and title in the file.
    root = reader.trailer["/Root"]
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert re.search(r"pdfaid:part(>|=\")2", xmp) and re.search(r"pdfaid:conformance(>|=\")A", xmp)
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "da"
    assert reader.metadata.title.startswith("FIT-møde")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = reader.pages[0].extract_text()
    for expected in ("FIT-møde", "Deltagere", "Mikkel", "Sara om Mikkel", "Freja", "26,4",
                     "Aftalte næste skridt", "Signaler"):
        assert expected in text, expected
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:  # a PNG of the page to look at: test-artifacts/record/record.png
        subprocess.run([pdftoppm, "-png", "-r", "60", "-singlefile",  # noqa: S603
                        str(ARTIFACTS / "record.pdf"), str(ARTIFACTS / "record")], check=True)


def test_another_team_gets_404_and_nothing_is_stored(world, client, meeting):
    client.force_login(world.bo)
    base = f"/insights/cases/{world.hansen.pk}"
    response = client.post(f"{base}/record/", {"meeting": meeting.pk, "note": "x",
                                               "next_steps": "y"})
    assert response.status_code == 404
    assert client.get(f"{base}/record.pdf?meeting={meeting.pk}").status_code == 404
    assert not MeetingRecord.objects.exists()
    assert AccessLogEntry.objects.filter(username="bo", action="denied").count() == 2


def test_a_meeting_of_another_case_is_404(world, client, meeting):
    other = Meeting.objects.create(case=world.berg, held_on=day(0), kind="office")
    client.force_login(world.anna)
    response = client.post(f"/insights/cases/{world.hansen.pk}/record/",
                           {"meeting": other.pk, "note": "x", "next_steps": "y"})
    assert response.status_code == 404
    assert not MeetingRecord.objects.exists()
