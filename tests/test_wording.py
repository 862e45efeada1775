"""An instrument's wording as data, per language: the instruction with its time frame,
each item's label and the words at both ends, and the wording for a parent rating a
child. The rules of fokus.instruments.wording, the licence rule of the actions, and the
admin that enters it (and logs it)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from fokus.audit.models import AccessLogEntry
from fokus.instruments import actions
from fokus.instruments.models import (
    Instrument,
    InstrumentLicence,
    InstrumentWording,
    ItemWording,
)
from fokus.instruments.wording import wording_for
from tests.test_admin_writes import page_data, post_change


def _ors():
    return Instrument.objects.get(code="ORS")


def _enter(world, instrument, language, *, instruction="", other="", items=(), org="world"):
    organisation = world.org if org == "world" else org
    if instruction:
        actions.save_instrument_wording(world.admin, InstrumentWording(
            organisation=organisation, instrument=instrument, language=language,
            instruction=instruction, instruction_other=other))
    for item, values in zip(instrument.items.order_by("position"), items, strict=False):
        actions.save_item_wording(world.admin, ItemWording(
            organisation=organisation, item=item, language=language, **values))


def test_who5_ships_complete_in_danish_and_english(world):
    who5 = Instrument.objects.get(code="WHO5")
    da = wording_for(who5, "da", world.org.pk)
    en = wording_for(who5, "en", world.org.pk)
    assert "sidste to uger" in da.instruction and "last two weeks" in en.instruction
    assert [i.text for i in da.items][0] == "... har jeg været glad og i godt humør"
    assert [i.text for i in en.items][4] == ("... my daily life has been filled with things "
                                             "that interest me")
    assert (en.items[0].low, en.items[0].high) == ("At no time", "All of the time")
    assert (da.items[0].low, da.items[0].high) == ("På intet tidspunkt", "Hele tiden")
    assert len(da.items) == len(en.items) == 5
    # The answer labels 0-5, in the WHO's words.
    choices = who5.items.get(position=1).choices
    assert [c["en"] for c in choices][::5] == ["At no time", "All of the time"]
    assert [c["da"] for c in choices][::5] == ["På intet tidspunkt", "Hele tiden"]
    # Not in Arabic: nobody entered it.
    assert wording_for(who5, "ar", world.org.pk) is None


def test_no_ors_wording_ships_only_the_short_labels(world):
    assert not InstrumentWording.objects.filter(instrument__family="ors").exists()
    assert not ItemWording.objects.filter(item__instrument__family="ors").exists()
    da = wording_for(_ors(), "da", world.org.pk)
    assert da.instruction == "" and [i.label for i in da.items] == [
        "Individuelt", "Nære relationer", "Socialt", "Generelt"]
    assert [i.label for i in wording_for(_ors(), "en", world.org.pk).items][0] == "Individually"
    assert all(i.low == i.high == "" for i in da.items)
    assert wording_for(_ors(), "tr", world.org.pk) is None


def test_the_organisations_wording_per_language(world):
    _enter(world, _ors(), "da", instruction="Tænk på den sidste uge.",
           items=[{"label": "Mig selv", "text": "Hvordan har jeg det?", "low_anchor": "Meget dårligt",
                   "high_anchor": "Meget godt"}])
    _enter(world, _ors(), "ar", instruction="فكّر في الأسبوع الماضي.",
           items=[{"label": f"بند {n}", "low_anchor": "سيئ جدًا", "high_anchor": "جيد جدًا"}
                  for n in range(1, 5)])
    da = wording_for(_ors(), "da", world.org.pk)
    assert da.instruction == "Tænk på den sidste uge."
    assert (da.items[0].label, da.items[0].text, da.items[0].low, da.items[0].high) == (
        "Mig selv", "Hvordan har jeg det?", "Meget dårligt", "Meget godt")
    # An item without its own wording keeps its short label.
    assert da.items[1].label == "Nære relationer" and da.items[1].low == ""
    ar = wording_for(_ors(), "ar", world.org.pk)
    assert ar.direction == "rtl" and da.direction == "ltr"
    assert [i.label for i in ar.items] == ["بند 1", "بند 2", "بند 3", "بند 4"]
    # English was not entered: the short labels, no instruction.
    assert wording_for(_ors(), "en", world.org.pk).instruction == ""


def test_a_language_with_some_items_missing_has_no_wording(world):
    _enter(world, _ors(), "pl", instruction="Ostatni tydzień.",
           items=[{"label": "Ja"}, {"label": "Rodzina"}])
    assert wording_for(_ors(), "pl", world.org.pk) is None


def test_another_organisations_wording_is_never_used(world):
    from fokus.instruments.actions import create_organisation

    other = create_organisation("Andenkommune", settings_valid_from=datetime.date(2000, 1, 1))
    InstrumentLicence.objects.create(organisation=other, family="ors", licensee="Anden",
                                     valid_from=datetime.date(2000, 1, 1))
    _enter(world, _ors(), "da", instruction="Den anden kommunes tekst.", org=other)
    assert wording_for(_ors(), "da", world.org.pk).instruction == ""
    assert wording_for(_ors(), "da", other.pk).instruction == "Den anden kommunes tekst."


def test_the_organisations_own_wording_goes_before_the_shipped_one(world):
    who5 = Instrument.objects.get(code="WHO5")
    _enter(world, who5, "da", instruction="Vores egen vejledning.",
           items=[{"label": "Glad", "text": "Glad?"}])
    da = wording_for(who5, "da", world.org.pk)
    assert da.instruction == "Vores egen vejledning."
    assert da.items[0].text == "Glad?"
    assert da.items[1].text == "... har jeg følt mig rolig og afslappet"  # shipped


def test_a_parent_rating_a_child_reads_the_wording_about_the_child(world):
    cors = Instrument.objects.get(code="CORS")
    _enter(world, cors, "da", instruction="Hvordan har du haft det den sidste uge?",
           other="Hvordan har {name} haft det den sidste uge?",
           items=[{"label": "Mig", "text": "Hvordan har jeg det?",
                   "text_other": "Hvordan har {name} det?"}])
    own = wording_for(cors, "da", world.org.pk)
    about = wording_for(cors, "da", world.org.pk, about="Mikkel")
    assert own.instruction == "Hvordan har du haft det den sidste uge?" and not own.about_other
    assert about.instruction == "Hvordan har Mikkel haft det den sidste uge?" and about.about_other
    assert (own.items[0].text, about.items[0].text) == ("Hvordan har jeg det?",
                                                        "Hvordan har Mikkel det?")
    # Without a wording about someone else: the instruction for oneself, flagged as such.
    _enter(world, cors, "en", instruction="How has your last week been?")
    en = wording_for(cors, "en", world.org.pk, about="Mikkel")
    assert en.instruction == "How has your last week been?" and not en.about_other


def test_licensed_wording_needs_the_organisations_licence(world):
    InstrumentLicence.objects.filter(organisation=world.org).update(
        valid_until=datetime.date(2001, 1, 1))
    with pytest.raises(ValidationError, match="licen"):
        _enter(world, _ors(), "da", instruction="Tekst")
    with pytest.raises(ValidationError):
        _enter(world, _ors(), "da", instruction="Tekst", org=None)  # never shipped
    assert not InstrumentWording.objects.filter(instrument__code="ORS").exists()


def test_a_language_beyond_danish_and_english_needs_the_item_label(world):
    with pytest.raises(ValidationError):
        _enter(world, _ors(), "so", items=[{"text": "Sidee tahay?"}])


@pytest.fixture
def admin_client(world, client):
    client.force_login(world.admin)
    return client


def test_the_administrator_enters_wording_and_it_is_logged_without_the_text(world, admin_client):
    url = "/admin/instruments/instrumentwording/add/"
    data = page_data(admin_client.get(url))
    data.update(organisation=world.org.pk, instrument=_ors().pk, language="da",
                instruction="Tænk på ugen der gik.", instruction_other="", _save="Save")
    assert admin_client.post(url, data).status_code == 302
    wording = InstrumentWording.objects.get(organisation=world.org, instrument=_ors())
    entry = AccessLogEntry.objects.get(object_type="instrument_wording")
    assert (entry.username, entry.action, entry.object_id) == ("admin", "create", str(wording.pk))
    assert "instruction" in entry.detail["changed"] and "instruction" not in entry.detail["new"]
    assert "ugen der gik" not in str(entry.detail)

    item = _ors().items.get(position=1)
    url = "/admin/instruments/itemwording/add/"
    data = page_data(admin_client.get(url))
    data.update(organisation=world.org.pk, item=item.pk, language="da", label="Mig selv",
                text="", low_anchor="Meget dårligt", high_anchor="Meget godt", _save="Save")
    assert admin_client.post(url, data).status_code == 302
    row = ItemWording.objects.get(organisation=world.org, item=item)
    assert (row.low_anchor, row.high_anchor) == ("Meget dårligt", "Meget godt")
    entry = AccessLogEntry.objects.get(object_type="item_wording")
    assert sorted(entry.detail["changed"]) == ["high_anchor", "item", "label", "language",
                                               "low_anchor", "organisation"]
    assert "Meget" not in str(entry.detail)

    change = f"/admin/instruments/itemwording/{row.pk}/change/"
    assert post_change(admin_client, change, high_anchor="Rigtig godt").status_code == 302
    assert AccessLogEntry.objects.filter(object_type="item_wording").order_by("id").last().detail == {
        "changed": ["high_anchor"], "old": {}, "new": {}}
    assert wording_for(_ors(), "da", world.org.pk).items[0].high == "Rigtig godt"


def test_the_admin_shows_the_licence_rule_on_the_form(world, admin_client):
    InstrumentLicence.objects.filter(organisation=world.org).delete()
    url = "/admin/instruments/instrumentwording/add/"
    data = page_data(admin_client.get(url))
    data.update(organisation=world.org.pk, instrument=_ors().pk, language="da",
                instruction="Tekst", _save="Save")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "licence" in response.content.decode()
    assert not InstrumentWording.objects.filter(instrument=_ors()).exists()
    assert not AccessLogEntry.objects.filter(object_type="instrument_wording").exists()


def test_the_demo_enters_its_own_generic_wording_not_the_licensed_text(world):
    import random

    from django.utils import timezone

    from fokus.demo.generator import DEMO_WORDING, _Generator
    from fokus.instruments.definitions import CORS_LABELS, ORS_LABELS, SRS_LABELS

    generator = _Generator(random.Random(1), timezone.localdate(), 1)
    generator.organisation = world.org
    assert generator._wording() > 0
    for code in DEMO_WORDING:
        instrument = Instrument.objects.get(code=code)
        for language in ("da", "en"):
            shown = wording_for(instrument, language, world.org.pk, about="Mikkel")
            assert shown.instruction.startswith(("Demo-tekst.", "Demo text."))
            assert len(shown.items) == instrument.items.count()
    ors = wording_for(_ors(), "da", world.org.pk)
    assert [i.label for i in ors.items][0] == "Mig selv"
    assert (ors.items[0].low, ors.items[0].high) == ("Meget dårligt", "Meget godt")
    assert "{name}" not in wording_for(_ors(), "en", world.org.pk, about="Mikkel").instruction
    # Not the ORS family's labels, nor anything longer from its authors.
    shipped = {label for pairs in (ORS_LABELS, SRS_LABELS, CORS_LABELS) for pair in pairs
               for label in pair}
    assert not shipped & set(ItemWording.objects.filter(organisation=world.org)
                             .values_list("label", flat=True))
