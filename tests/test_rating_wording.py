"""The rating screen, the link page and the paper form show what the person reads:
the instruction with its time frame, each item's label and the words at both ends, in
the language chosen for the person (Django test client)."""

import json
import uuid

from django.urls import reverse
from django.utils import timezone

from fokus.cases.models import Meeting
from fokus.instruments import actions as instrument_actions
from fokus.instruments.models import Instrument, InstrumentWording, ItemWording
from fokus.ratings.actions import create_rating_link
from fokus.ratings.models import Rating

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DA = {"HTTP_ACCEPT_LANGUAGE": "da"}

ANCHORS = {"da": ("Meget dårligt", "Meget godt"), "en": ("Very badly", "Very well"),
           "ar": ("سيئ جدًا", "جيد جدًا")}
INSTRUCTION = {"da": "Tænk på den sidste uge, i dag med.",
               "en": "Think of the last week, including today.",
               "ar": "فكّر في الأسبوع الماضي، بما في ذلك اليوم."}
LABELS = {"da": ["Mig selv", "Familie og venner", "Skole og fritid", "Alt i alt"],
          "en": ["How I am doing", "Family and friends", "School and spare time", "All in all"],
          "ar": ["أنا", "العائلة والأصدقاء", "المدرسة والعمل", "بشكل عام"]}


def enter_wording(world, code, languages=("da", "en", "ar"), *, other=""):
    instrument = Instrument.objects.get(code=code)
    for language in languages:
        instrument_actions.save_instrument_wording(world.admin, InstrumentWording(
            organisation=world.org, instrument=instrument, language=language,
            instruction=INSTRUCTION[language], instruction_other=other if language == "da" else ""))
        low, high = ANCHORS[language]
        for item, label in zip(instrument.items.order_by("position"), LABELS[language],
                               strict=True):
            instrument_actions.save_item_wording(world.admin, ItemWording(
                organisation=world.org, item=item, language=language, label=label,
                low_anchor=low, high_anchor=high))


def _start(client, world, languages=None, headers=EN):
    client.force_login(world.anna)
    data = {"held_on": timezone.localdate().isoformat(), "kind": "home_visit",
            "present": [world.child.pk, world.mother.pk]}
    for person, language in (languages or {}).items():
        data[f"language_{person.pk}"] = language
    url = reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk})
    assert client.post(url, data, **headers).status_code == 302
    return Meeting.objects.get(case=world.hansen)


def _hand_over(client, world, meeting, steps, headers=EN):
    url = reverse("ratings:hand_over", kwargs={"case_id": world.hansen.pk,
                                               "meeting_id": meeting.pk})
    assert client.post(url, {"steps": steps}, **headers).status_code == 302


def _shows(content, language):
    assert INSTRUCTION[language] in content
    for label in LABELS[language]:
        assert label in content
    low, high = ANCHORS[language]
    assert f'<span class="anchor-low" dir="{"rtl" if language == "ar" else "ltr"}">{low}</span>' \
        in content
    assert high in content


def test_the_family_screen_shows_instruction_labels_and_anchors(world, client):
    enter_wording(world, "ORS")
    meeting = _start(client, world)
    m = world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{m}-{m}"])
    content = client.get(reverse("ratings:kiosk"), **EN).content.decode()
    _shows(content, "en")
    # The anchors describe the line to a screen reader.
    assert 'aria-describedby=" s0-a1"' in content or 'aria-describedby="s0-a1"' in content \
        or "s0-a1" in content
    assert 'lang="en" dir="ltr"' in content


def test_each_person_rates_in_the_language_chosen_at_the_start(world, client):
    enter_wording(world, "ORS")
    enter_wording(world, "CORS")
    meeting = _start(client, world, {world.mother: "ar", world.child: "da"})
    m, c = world.mother.pk, world.child.pk
    _hand_over(client, world, meeting, [f"outcome-{m}-{m}", f"outcome-{c}-{c}"])
    assert {s["rater"]: s["language"] for s in client.session["fokus_kiosk"]["steps"]} == {
        m: "ar", c: "da"}
    response = client.get(reverse("ratings:kiosk"), **EN)
    steps = {s["rater"]: s for s in response.context["steps"]}
    assert [(s["language"], s["dir"], s["missing"]) for s in (steps["Sara"], steps["Mikkel"])] == [
        ("ar", "rtl", False), ("da", "ltr", False)]
    content = response.content.decode()
    _shows(content, "ar")
    _shows(content, "da")
    assert 'data-lang="ar"\n           lang="ar" dir="rtl"' in content
    # The screen's own words in Arabic for her step, in Danish for his.
    strings = json.loads(content.split('id="rating-strings-by-language" type="application/json">')[1]
                         .split("</script>")[0])
    assert strings["ar"]["saved"] != strings["da"]["saved"] == "Gemt"


def test_a_language_without_wording_says_so_and_offers_danish_or_english(world, client):
    meeting = _start(client, world, {world.mother: "fa"})
    m = world.mother.pk
    _hand_over(client, world, meeting, [f"outcome-{m}-{m}"])
    response = client.get(reverse("ratings:kiosk"), **EN)
    assert response.context["steps"][0]["missing"]
    content = response.content.decode()
    assert 'lang="fa" dir="rtl"' in content
    assert 'role="slider"' not in content and "step-done" not in content
    assert 'value="da" lang="da"' in content and 'value="en" lang="en"' in content
    # The person chooses Danish: the same step, the same key, now with its lines.
    key = response.context["steps"][0]["key"]
    response = client.post(reverse("ratings:kiosk"), {"step": 0, "language": "da"}, **EN)
    assert response.status_code == 302
    response = client.get(response["Location"], **EN)
    step = response.context["steps"][0]
    assert (step["language"], step["missing"], step["key"]) == ("da", False, key)
    assert [i["label"] for i in step["items"]] == ["Individuelt", "Nære relationer", "Socialt",
                                                   "Generelt"]
    body = json.dumps({"step": 0, "key": str(uuid.uuid4()), "screen": client.session[
        "fokus_kiosk"]["id"], "answers": ["5.0", "5.0", "5.0", "5.0"]})
    for _ in range(2):
        client.post(reverse("ratings:kiosk_submit"), body, content_type="application/json", **EN)
    assert Rating.objects.filter(person=world.mother).count() == 1
    # A language Fokus does not know changes nothing.
    client.post(reverse("ratings:kiosk"), {"step": 0, "language": "xx"}, **EN)
    assert client.session["fokus_kiosk"]["steps"][0]["language"] == "da"


def test_a_parent_rating_a_child_reads_the_wording_about_the_child(world, client):
    enter_wording(world, "CORS", ("da",), other="Hvordan har {name} haft det den sidste uge?")
    meeting = _start(client, world, {world.mother: "da"}, headers=DA)
    m, c = world.mother.pk, world.child.pk
    _hand_over(client, world, meeting, [f"outcome-{c}-{m}"], headers=DA)
    content = client.get(reverse("ratings:kiosk"), **DA).content.decode()
    assert "Hvordan har Mikkel haft det den sidste uge?" in content
    assert INSTRUCTION["da"] not in content


def _link(world, person=None):
    _link_row, token = create_rating_link(
        world.anna, world.hansen, person=person or world.teen, rater=world.mother,
        instrument=Instrument.objects.get(code="ORS"), channel="email",
        address="sara@example.org", build_url=lambda t: f"/r/{t}/")
    return token


def test_the_link_page_shows_the_wording_in_the_language_of_the_link(world, client):
    enter_wording(world, "ORS")
    token = _link(world)
    url = reverse("ratings:rate_by_link", kwargs={"token": token})
    content = client.get(url, **DA).content.decode()
    _shows(content, "da")
    assert '<html lang="da" dir="ltr">' in content
    content = client.get(url + "?lang=ar", **DA).content.decode()
    _shows(content, "ar")
    assert '<html lang="ar" dir="rtl">' in content
    assert 'href="?lang=da" lang="da"' in content  # the way back to Danish
    content = client.get(url + "?lang=tr", **DA).content.decode()
    assert '<html lang="tr" dir="ltr">' in content
    assert "Bu ekranda" in content  # the notice, in Turkish
    assert 'role="slider"' not in content
    # A rater rating someone else is asked about them.
    assert "Freja" in content or "Freja" in client.get(url, **DA).content.decode()


def test_the_caseworker_sends_the_link_in_the_persons_language(
        world, client, settings, django_capture_on_commit_callbacks):
    from django.core import mail

    # The immediate task backend (as the demo): the worker's send runs at the commit.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.force_login(world.anna)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ratings:link_send", kwargs={"case_id": world.hansen.pk}), {
            "rater": world.mother.pk, "person": world.mother.pk, "measures": "outcome",
            "language": "ar", "channel": "email", "address": "sara@example.org"}, **EN)
    assert response.status_code == 302
    assert "?lang=ar" in mail.outbox[0].body


def test_the_paper_form_shows_instruction_labels_and_anchors(world, client):
    enter_wording(world, "ORS")
    client.force_login(world.anna)
    url = reverse("ratings:paper_entry", kwargs={"case_id": world.hansen.pk})
    content = client.get(url + "?instrument=ORS", **DA).content.decode()
    assert INSTRUCTION["da"] in content
    for label in LABELS["da"]:
        assert label in content
    assert "0 = Meget dårligt, 10 = Meget godt" in content


def test_the_paper_form_shows_the_who5_statements_and_answer_ends(world, client):
    client.force_login(world.anna)
    url = reverse("ratings:paper_entry", kwargs={"case_id": world.hansen.pk})
    content = client.get(url + "?instrument=WHO5", **EN).content.decode()
    assert "over the last two weeks" in content
    assert "... I woke up feeling fresh and rested" in content
    assert "0 = At no time, 5 = All of the time" in content


def test_the_meeting_start_offers_the_family_screen_languages(world, client):
    client.force_login(world.anna)
    url = reverse("ratings:meeting_start", kwargs={"case_id": world.hansen.pk})
    content = client.get(url, **EN).content.decode()
    for name in ("Dansk", "English", "العربية", "Türkçe", "Polski", "Українська", "Soomaali",
                 "فارسی"):
        assert name in content
    assert "Sara Hansen rates in" in content
