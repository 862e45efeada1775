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

# Header texts read as the format's columns without a mapping step: Danish and other
# common spellings. Compared by header_key (case, spaces and punctuation ignored), so
# "Sags-nr." and "sagsnr" are one. Never a CPR-like name ("personnummer"): a column of
# CPR numbers must not be taken for an id by accident.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "case_id": ("case_id", "case", "sag", "sagsnr", "sagsnummer", "sags_id", "sag_id"),
    "person_id": ("person_id", "person", "borger", "borger_id"),
    # Not "rater": Fokus's own export has a grouping column of that name (the rater's
    # role: child, parent, other), which must stay a grouping column.
    "rater_id": ("rater_id", "bedømmer", "bedømmer_id", "udfyldt_af", "udfylder"),
    "birth_date": ("birth_date", "birthdate", "fødselsdato", "foedselsdato", "født"),
    "instrument": ("instrument", "skema", "måleredskab", "redskab"),
    "date": ("date", "dato", "måledato", "mødedato", "rating_date"),
    **{f"item{k}": (f"item{k}", f"spm{k}", f"spørgsmål{k}", f"punkt{k}", f"linje{k}",
                    f"skala{k}") for k in range(1, 5)},
    "total": ("total", "samlet", "samlet_score", "total_score", "sum", "score"),
    "team_id": ("team_id", "team"),
    "caseworker_id": ("caseworker_id", "caseworker", "sagsbehandler", "sagsbehandler_id"),
    "intervention": ("intervention", "indsats", "indsatstype"),
}


def header_key(text: str) -> str:
    """A header text as compared with the aliases: lower case, letters and digits only."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


ALIAS_COLUMN: dict[str, str] = {header_key(alias): column
                                for column, aliases in HEADER_ALIASES.items()
                                for alias in aliases}
