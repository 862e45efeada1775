"""The youngest children's faces (YCORS, YCSRS, scored 1-4) are judged on their own
scale (docs/fit-definitions.md section 7): never against the ORS/SRS cutoffs, never on
the 0-40 lines, and shown as their own faces timeline on the case page, the family
screen and the record."""

import datetime

from django.urls import reverse
from django.utils import timezone

from fokus.cases import actions
from fokus.cases.access import get_case_detail_for_user
from fokus.cases.models import Meeting
from fokus.insights.models import MeetingRecord, SignalKind
from fokus.insights.record import journal_text, record_context
from fokus.insights.series import case_series
from fokus.insights.signals import case_signals
from tests.conftest import years_ago

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _toddler(world):
    return actions.add_person(world.anna, world.hansen, first_name="Ida", role="child",
                              birth_date=years_ago(3))


def _signals(world):
    data = case_series(get_case_detail_for_user(world.anna, world.hansen.pk))
    return data, case_signals(data, "en")[1]


def test_the_happiest_meeting_face_raises_no_alliance_signal(world):
    ida = _toddler(world)
    world.rate(ida, "YCSRS", ["4"])
    world.rate(ida, "YCORS", ["4"])
    data, signals = _signals(world)
    assert signals == []
    assert data.alliance == [] and data.outcome == []  # nothing on the 0-40 lines
    assert sorted((x.measures, x.scores, x.cutoff) for x in data.faces) == [
        ("alliance", [4.0], None), ("outcome", [4.0], None)]


def test_the_happiest_face_raises_nothing_in_the_record_either(world, client):
    ida = _toddler(world)
    meeting = actions.record_meeting(world.anna, world.hansen, held_on=timezone.localdate(),
                                     kind="home_visit", participants=[ida])
    world.rate(ida, "YCSRS", ["4"], meeting=meeting)
    case = get_case_detail_for_user(world.anna, world.hansen.pk)
    context = record_context(case, Meeting.objects.get(pk=meeting.pk), None)
    assert context["signals"] == []
    journal = journal_text(context)
    assert "Ida (YCSRS): 4" in journal and "36" not in journal


def test_a_sad_meeting_face_and_a_fall_of_two_faces_are_signals(world):
    ida = _toddler(world)
    today = timezone.localdate()
    world.rate(ida, "YCSRS", ["4"], on=today - datetime.timedelta(days=14))
    world.rate(ida, "YCSRS", ["3"], on=today)
    assert _signals(world)[1] == []  # one face down is no signal
    world.rate(ida, "YCORS", ["4"], on=today - datetime.timedelta(days=14))
    world.rate(ida, "YCORS", ["2"], on=today)
    kinds = [(s.kind, s.colour, s.values.get("faces")) for s in _signals(world)[1]]
    assert kinds == [(SignalKind.FACES_SAD, "yellow", True)]
    world.rate(ida, "YCSRS", ["2"], on=today)
    kinds = sorted(s.kind for s in _signals(world)[1])
    assert kinds == sorted([SignalKind.FACES_SAD, SignalKind.LOW_ALLIANCE])


def test_a_three_year_olds_faces_are_on_the_case_page(world, client):
    ida = _toddler(world)
    today = timezone.localdate()
    world.rate(ida, "YCORS", ["2"], on=today - datetime.timedelta(days=14))
    world.rate(ida, "YCORS", ["4"], on=today)
    client.force_login(world.anna)
    response = client.get(reverse("insights:case", kwargs={"case_id": world.hansen.pk}), **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ida: how things are, in faces (YCORS)" in html
    assert html.count('class="timeline-face timeline-face-') == 2 and "Very happy" in html and "Sad" in html
    assert "face 4 of 4" in html
    # No graph image: nothing to draw on the 0-40 lines.
    assert "case-graph-image" not in html


def test_a_three_year_olds_faces_are_on_the_family_screen(world, client):
    ida = _toddler(world)
    client.force_login(world.anna)
    response = client.post(reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk}), {
        "held_on": timezone.localdate().isoformat(), "kind": "home_visit",
        "present": [ida.pk]}, **EN)
    assert response.status_code == 302
    meeting = Meeting.objects.get(case=world.hansen)
    response = client.post(reverse("ratings:hand_over", kwargs={
        "case_id": world.hansen.pk, "meeting_id": meeting.pk}),
        {"steps": [f"outcome-{ida.pk}-{ida.pk}"]}, **EN)
    assert response.status_code == 302
    world.rate(ida, "YCORS", ["3"], meeting=meeting)
    response = client.get(reverse("insights:kiosk_graph", kwargs={"step": 0}), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["graph"] is None  # not on the 0-40 lines
    assert "Ida: how things are, in faces (YCORS)" in html and "Happy" in html
    assert 'class="timeline-face timeline-face-3"' in html


def test_the_record_pdf_has_the_faces(world):
    from io import BytesIO

    from pypdf import PdfReader

    from fokus.insights.record import record_pdf

    ida = _toddler(world)
    meeting = actions.record_meeting(world.anna, world.hansen, held_on=timezone.localdate(),
                                     kind="home_visit", participants=[ida, world.mother])
    world.rate(ida, "YCORS", ["3"], meeting=meeting)
    world.rate(world.mother, "ORS", ["5", "5", "5", "5"], meeting=meeting)
    case = get_case_detail_for_user(world.anna, world.hansen.pk)
    saved = MeetingRecord.objects.filter(meeting=meeting).first()
    pdf = PdfReader(BytesIO(record_pdf(record_context(case, meeting, saved))))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) == 1
    assert "Ida" in text and "ansigt 3 af 4" in text and "Glad" in text
