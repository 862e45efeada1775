"""Cells for CSV and XLSX files that a spreadsheet never runs as a formula.

A team's or an intervention's name typed by someone could start with "=", "+", "-",
"@", a tab or a carriage return; Excel and LibreOffice would run it as a formula (CSV
injection, OWASP). Such text gets a leading apostrophe, which spreadsheets show as
text. Numbers, and text that is just a number ("-0,3"), stay as they are.
"""

import re
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?%?")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_rows(rows):
    return [[safe_cell(value) for value in row] for row in rows]
