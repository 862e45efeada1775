"""The instruments Fokus ships: structure and short labels only.

The ORS family's full item wording is not shipped (its authors own it); an
administrator enters it under the organisation's licence (InstrumentWording,
ItemWording). WHO-5 is free to use: its instruction, its five statements and its
answer labels ship in Danish and English, in the WHO's own wording (SHIPPED_WORDING).
"""

from decimal import Decimal

from fokus.instruments.models import Measures
from fokus.outcomes import rules
from fokus.outcomes.etr import DEFAULT_MODEL

_LINE = {"min_value": Decimal("0.0"), "max_value": Decimal("10.0"), "step": Decimal("0.1")}
_FACES = {
    "min_value": Decimal("1"), "max_value": Decimal("4"), "step": Decimal("1"),
    "choices": [
        {"value": 1, "da": "Meget ked af det", "en": "Very sad"},
        {"value": 2, "da": "Ked af det", "en": "Sad"},
        {"value": 3, "da": "Glad", "en": "Happy"},
        {"value": 4, "da": "Meget glad", "en": "Very happy"},
    ],
}
_WHO5_CHOICES = [
    {"value": 0, "da": "På intet tidspunkt", "en": "At no time"},
    {"value": 1, "da": "Lidt af tiden", "en": "Some of the time"},
    {"value": 2, "da": "Lidt mindre end halvdelen af tiden", "en": "Less than half of the time"},
    {"value": 3, "da": "Lidt mere end halvdelen af tiden", "en": "More than half of the time"},
    {"value": 4, "da": "Det meste af tiden", "en": "Most of the time"},
    {"value": 5, "da": "Hele tiden", "en": "All of the time"},
]
_LIKERT_0_5 = {"min_value": Decimal("0"), "max_value": Decimal("5"), "step": Decimal("1"),
               "choices": _WHO5_CHOICES}

ORS_LABELS = [("Individuelt", "Individually"),
              ("Nære relationer", "Interpersonally"),
              ("Socialt", "Socially"),
              ("Generelt", "Overall")]
SRS_LABELS = [("Relation", "Relationship"),
              ("Mål og emner", "Goals and topics"),
              ("Tilgang eller metode", "Approach or method"),
              ("Generelt", "Overall")]
CORS_LABELS = [("Mig", "Me"), ("Familie", "Family"), ("Skole", "School"), ("Alt i alt", "Everything")]
CSRS_LABELS = [("Lytte", "Listening"), ("Mål", "Goals"), ("Måde", "Approach"), ("Generelt", "Overall")]

INSTRUMENTS = [
    # code, name, family, measures, item_type, min_age, max_age, child, group, in_stats, snomed, items
    ("ORS", "Outcome Rating Scale", "ors", Measures.OUTCOME, "vas10", 13, None, False, False, True,
     "716613004", [dict(_LINE, da=da, en=en) for da, en in ORS_LABELS]),
    ("SRS", "Session Rating Scale", "ors", Measures.ALLIANCE, "vas10", 13, None, False, False, True,
     "720482000", [dict(_LINE, da=da, en=en) for da, en in SRS_LABELS]),
    ("CORS", "Child Outcome Rating Scale", "ors", Measures.OUTCOME, "vas10", 6, 12, True, False, True,
     "718458005", [dict(_LINE, da=da, en=en) for da, en in CORS_LABELS]),
    ("CSRS", "Child Session Rating Scale", "ors", Measures.ALLIANCE, "vas10", 6, 12, True, False, True,
     "718762000", [dict(_LINE, da=da, en=en) for da, en in CSRS_LABELS]),
    ("YCORS", "Young Child Outcome Rating Scale", "ors", Measures.OUTCOME, "pictorial", 0, 5, True,
     False, False, "718461006", [dict(_FACES, da="Hvordan går det?", en="How are things?")]),
    ("YCSRS", "Young Child Session Rating Scale", "ors", Measures.ALLIANCE, "pictorial", 0, 5, True,
     False, False, "", [dict(_FACES, da="Hvordan var det i dag?", en="How was today?")]),
    ("GSRS", "Group Session Rating Scale", "ors", Measures.ALLIANCE, "vas10", 13, None, False, True,
     True, "718441000", [dict(_LINE, da=da, en=en) for da, en in SRS_LABELS]),
    ("CGSRS", "Child Group Session Rating Scale", "ors", Measures.ALLIANCE, "vas10", 6, 12, True, True,
     True, "718431003", [dict(_LINE, da=da, en=en) for da, en in CSRS_LABELS]),
    ("WHO5", "WHO-5 Well-Being Index", "free", Measures.WELLBEING, "likert", 9, None, False, False,
     True, "", [
         dict(_LIKERT_0_5, da="Glad og i godt humør", en="Cheerful and in good spirits"),
         dict(_LIKERT_0_5, da="Rolig og afslappet", en="Calm and relaxed"),
         dict(_LIKERT_0_5, da="Aktiv og energisk", en="Active and vigorous"),
         dict(_LIKERT_0_5, da="Frisk og udhvilet", en="Woke up fresh and rested"),
         dict(_LIKERT_0_5, da="Dagligdag fyldt med ting der interesserer mig",
              en="Daily life filled with things that interest me"),
     ]),
]

# What a person reads, shipped with Fokus for the free instruments: per instrument and
# language, the instruction (with its time frame) and per item the label, the full text and
# the words at both ends. The WHO's own Danish and English wording of the WHO-5 (1998
# version; Psykiatrisk Center Nordsjælland's Danish translation).
SHIPPED_WORDING = {
    "WHO5": {
        "da": {
            "instruction": "Angiv for hvert af de fem udsagn, hvad der bedst beskriver, hvordan "
                           "du har haft det i de sidste to uger. I de sidste to uger ...",
            "items": [
                ("Glad og i godt humør", "... har jeg været glad og i godt humør"),
                ("Rolig og afslappet", "... har jeg følt mig rolig og afslappet"),
                ("Aktiv og energisk", "... har jeg følt mig aktiv og energisk"),
                ("Frisk og udhvilet", "... er jeg vågnet frisk og udhvilet"),
                ("Dagligdag fyldt med ting der interesserer mig",
                 "... har min dagligdag været fyldt med ting der interesserer mig"),
            ],
            "low": "På intet tidspunkt", "high": "Hele tiden",
        },
        "en": {
            "instruction": "Please indicate for each of the five statements which is closest "
                           "to how you have been feeling over the last two weeks. Over the last "
                           "two weeks ...",
            "items": [
                ("Cheerful and in good spirits", "... I have felt cheerful and in good spirits"),
                ("Calm and relaxed", "... I have felt calm and relaxed"),
                ("Active and vigorous", "... I have felt active and vigorous"),
                ("Woke up fresh and rested", "... I woke up feeling fresh and rested"),
                ("Daily life filled with things that interest me",
                 "... my daily life has been filled with things that interest me"),
            ],
            "low": "At no time", "high": "All of the time",
        },
    },
}

# The published ETR sets (docs/fit-definitions.md section 3) as the engine holds them.
PUBLISHED_ETR = DEFAULT_MODEL.to_dict()
PUBLISHED_ETR_NAME = "Better Outcomes Now 2023 (published)"
PUBLISHED_ETR_SOURCE = "Better Outcomes Now public algorithm code, 2023 parameters"


def seed(apps) -> None:
    """Create the shipped instruments and the published ETR set (used by a data migration)."""
    import datetime

    Instrument = apps.get_model("instruments", "Instrument")
    InstrumentItem = apps.get_model("instruments", "InstrumentItem")
    ParameterSet = apps.get_model("instruments", "ParameterSet")
    for (code, name, family, measures, item_type, min_age, max_age, child, group, in_stats,
         snomed, items) in INSTRUMENTS:
        scale = rules.scale_of(code)
        if scale is not None:  # the ORS family: what it measures and its ages are FIT rules
            measures, group, in_stats = scale.measures, scale.group_session, scale.in_statistics
            min_age, max_age = rules.instrument_ages(code)
        instrument, _ = Instrument.objects.update_or_create(
            code=code,
            defaults=dict(name=name, family=family, measures=measures, item_type=item_type,
                          min_age=min_age, max_age=max_age, child_version=child,
                          group_session=group, in_statistics=in_stats, snomed_code=snomed),
        )
        for position, item in enumerate(items, start=1):
            InstrumentItem.objects.update_or_create(
                instrument=instrument, position=position,
                defaults=dict(label_da=item["da"], label_en=item["en"],
                              min_value=item["min_value"], max_value=item["max_value"],
                              step=item["step"], choices=item.get("choices", [])),
            )
    seed_wording(apps)
    ParameterSet.objects.update_or_create(
        organisation=None, name=PUBLISHED_ETR_NAME,
        defaults=dict(source=PUBLISHED_ETR_SOURCE, fitted_on=datetime.date(2023, 1, 1),
                      n_series=None, parameters=PUBLISHED_ETR),
    )


def seed_wording(apps) -> None:
    """The shipped wording (SHIPPED_WORDING), for every organisation (no organisation)."""
    Instrument = apps.get_model("instruments", "Instrument")
    try:
        InstrumentWording = apps.get_model("instruments", "InstrumentWording")
    except LookupError:  # an earlier migration: 0004_seed_wording adds it
        return
    ItemWording = apps.get_model("instruments", "ItemWording")
    for code, languages in SHIPPED_WORDING.items():
        instrument = Instrument.objects.filter(code=code).first()
        if instrument is None:
            continue
        items = list(instrument.items.order_by("position"))
        for language, wording in languages.items():
            InstrumentWording.objects.update_or_create(
                organisation=None, instrument=instrument, language=language,
                defaults={"instruction": wording["instruction"]})
            for item, (label, text) in zip(items, wording["items"], strict=True):
                ItemWording.objects.update_or_create(
                    organisation=None, item=item, language=language,
                    defaults={"label": label, "text": text, "low_anchor": wording["low"],
                              "high_anchor": wording["high"]})
