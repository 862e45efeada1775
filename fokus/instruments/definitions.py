"""The instruments Fokus ships: structure and short labels only.

The ORS family's full item wording is not shipped (its authors own it); an
administrator enters it under the organisation's licence. WHO-5 is free to use.
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
    ParameterSet.objects.update_or_create(
        organisation=None, name=PUBLISHED_ETR_NAME,
        defaults=dict(source=PUBLISHED_ETR_SOURCE, fitted_on=datetime.date(2023, 1, 1),
                      n_series=None, parameters=PUBLISHED_ETR),
    )
