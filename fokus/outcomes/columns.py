"""The ratings file's columns and instruments (docs/fit-definitions.md section 6), from
the scales in rules.py: plain tuples, so that the DuckDB scan (scan.py) needs no pandas."""

from __future__ import annotations

from .rules import FACES_INSTRUMENTS, LINES, OUTCOME, SCALES

FOUR_LINE_INSTRUMENTS = tuple(code for code, scale in SCALES.items() if scale.kind == LINES)
PICTORIAL_INSTRUMENTS = FACES_INSTRUMENTS
INSTRUMENTS = FOUR_LINE_INSTRUMENTS + PICTORIAL_INSTRUMENTS
# Instruments that measure outcome and so need the birth date for the age group.
NEEDS_BIRTH_DATE = tuple(code for code, scale in SCALES.items() if scale.measures == OUTCOME)
REQUIRED_COLUMNS = ("case_id", "person_id", "rater_id", "instrument", "date")
ITEM_COLUMNS = ("item1", "item2", "item3", "item4")
KNOWN_COLUMNS = REQUIRED_COLUMNS + ("birth_date",) + ITEM_COLUMNS + ("total",)
