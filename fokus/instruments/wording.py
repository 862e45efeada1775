"""What a person reads when rating: an instrument's wording in a language.

The rules (docs/data-model.md, "Wording"):

- the organisation's own wording in the language, else the wording shipped with Fokus
  (free instruments only), item by item;
- Danish and English always have a wording: where none was entered, the items' short
  labels and no instruction (the screen's own generic instruction is shown instead);
- any other language has a wording only where every item has one: otherwise there is
  none (None), and the screen says so in that language and offers Danish or English;
- someone rating another person (a parent rating a child) reads the wording for that
  (instruction_other, text_other) where it was entered, with {name} replaced by the first
  name of the person rated; otherwise the instruction and the texts for oneself.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from fokus.instruments.languages import PAGE_LANGUAGES, direction
from fokus.instruments.models import Instrument, InstrumentWording, ItemWording


@dataclass
class ItemText:
    position: int
    label: str
    text: str = ""
    low: str = ""
    high: str = ""


@dataclass
class Wording:
    language: str
    direction: str
    instruction: str = ""
    # True when the instruction is written for someone rating another person.
    about_other: bool = False
    items: list[ItemText] = field(default_factory=list)


def _prefer_own(rows, key, organisation_id):
    """One row per key: the organisation's own before the shipped one."""
    chosen: dict = {}
    for row in rows:
        k = key(row)
        if k not in chosen or row.organisation_id == organisation_id:
            chosen[k] = row
    return chosen


def _fill(text: str, name: str) -> str:
    return text.replace("{name}", name)


def wording_for(instrument: Instrument, language: str, organisation_id: int | None, *,
                about: str | None = None) -> Wording | None:
    """The wording of `instrument` in `language` for the organisation, or None when that
    language has none. `about`: the first name of the person rated, when the rater is
    someone else (a parent rating a child)."""
    return wordings_for([instrument], language, organisation_id, about=about)[instrument.pk]


def wordings_for(instruments, language: str, organisation_id: int | None, *,
                 about: str | None = None) -> dict[int, Wording | None]:
    """wording_for for several instruments, in two queries."""
    instruments = list(instruments)
    ids = [i.pk for i in instruments]
    mine = Q(organisation__isnull=True)
    if organisation_id is not None:
        mine |= Q(organisation_id=organisation_id)
    heads = _prefer_own(
        InstrumentWording.objects.filter(mine, instrument_id__in=ids, language=language),
        lambda r: r.instrument_id, organisation_id)
    texts = _prefer_own(
        ItemWording.objects.filter(mine, item__instrument_id__in=ids, language=language),
        lambda r: r.item_id, organisation_id)
    found: dict[int, Wording | None] = {}
    for instrument in instruments:
        items = list(instrument.items.all())
        if language not in PAGE_LANGUAGES and not all(item.pk in texts for item in items):
            found[instrument.pk] = None
            continue
        head = heads.get(instrument.pk)
        other = about is not None
        instruction = head.instruction if head else ""
        about_other = False
        if other and head and head.instruction_other:
            instruction, about_other = _fill(head.instruction_other, about), True
        shown = []
        for item in items:
            row = texts.get(item.pk)
            short = item.label_en if language == "en" else item.label_da
            text = ""
            if row is not None:
                text = _fill(row.text_other, about) if other and row.text_other else row.text
            shown.append(ItemText(
                position=item.position, label=(row.label if row and row.label else short),
                text=text, low=row.low_anchor if row else "", high=row.high_anchor if row else ""))
        found[instrument.pk] = Wording(language=language, direction=direction(language),
                                       instruction=instruction, about_other=about_other,
                                       items=shown)
    return found


def languages_with_wording(instrument: Instrument, organisation_id: int | None,
                           candidates) -> list[str]:
    """Of `candidates`, the languages in which `instrument` can be answered."""
    return [code for code in candidates
            if wording_for(instrument, code, organisation_id) is not None]
