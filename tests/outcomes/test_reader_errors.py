"""One reader, every bad row (issue 13, point 4): read_ratings_table and read_ratings_csv.

The four cases of the issue first (each failed before: a parser message at the first
ragged row, a short row taken silently, a semicolon file refused as lacking columns,
a Windows-1252 file at "line 0, position 75"), then the rest of the reader's promises.
"""

import io
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import polib
import pytest

from fokus.outcomes import ratings_csv as rc
from fokus.outcomes import read_header, read_ratings_csv, read_ratings_table
from fokus.outcomes.cli import CLI_MESSAGES, main
from fokus.outcomes.engine import series_from_csv

HEADER = ("case_id,person_id,rater_id,birth_date,instrument,date,item1,item2,item3,item4,"
          "total,team_id")
ROWS = [
    "C1,P1,P1,1990-05-01,ORS,2024-01-08,4.8,4.8,4.8,4.8,19.2,Æblehaven",
    "C1,P1,P1,1990-05-01,SRS,2024-01-08,9.0,9.0,9.0,10.0,37.0,Æblehaven",
    "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,Æblehaven",
    "C2,K1,K1,2008-03-01,CORS,2024-02-01,0.0,5.0,5.0,5.1,15.1,Søstjernen",
    "C2,K1,MOR,2008-03-01,CORS,2024-02-01,5.5,5.5,5.5,5.7,22.2,Søstjernen",
    "C3,B1,B1,2020-01-01,YCORS,2024-02-01,,,,,3,Søstjernen",
]
WIDTH = len(HEADER.split(","))


def csv_text(rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


def write(tmp_path, rows, *, name="r.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(csv_text(rows, header).encode(encoding))
    return path


def semicolons(rows, header=HEADER):
    """The rows as Danish Excel saves them: semicolons, decimal commas."""
    return [header.replace(",", ";")] + [r.replace(",", ";").replace(".", ",") for r in rows]


def found(errors):
    return [(e.line, e.column, e.message) for e in errors]


def same_ratings(a, b):
    assert list(a.columns) == list(b.columns)
    for name in a.columns:
        if isinstance(a[name].dtype, pd.CategoricalDtype):
            assert a[name].astype(str).tolist() == b[name].astype(str).tolist(), name
        else:
            pd.testing.assert_series_equal(a[name], b[name], check_names=False)


# --- the four cases of the issue ------------------------------------------------------

def test_unquoted_decimal_commas_every_such_row_is_reported(tmp_path):
    rows = [*ROWS[:2], "C1,P1,P1,1990-05-01,ORS,2024-01-22,5,0,5.0,5.0,5.3,,Æblehaven",
            ROWS[2], "C2,K1,K1,2008-03-01,CORS,2024-02-01,0.0,5,0,5.0,5,1,,Søstjernen",
            "C2,K1,K1,2008-03-01,CORS,2024-03-01,11.0,5.0,5.0,5.0,,Søstjernen"]
    path = write(tmp_path, rows)
    read = read_ratings_csv(path)
    assert read.ratings.empty
    assert found(read.errors) == [
        (4, None, rc.LINE_TOO_MANY), (6, None, rc.LINE_TOO_MANY),
        (7, "item1", rc.FIELD_ITEM_RANGE)]  # and the rows after them are still checked
    assert read.errors[0].params == {"found": WIDTH + 1, "expected": WIDTH}
    assert read.errors[1].params == {"found": WIDTH + 2, "expected": WIDTH}
    assert str(read.errors[0]).startswith(
        f"line 4: The line has {WIDTH + 1} fields, but the header has {WIDTH}.")
    assert 'put such numbers in quotes ("5,3")' in str(read.errors[0])


def test_a_row_missing_trailing_fields_is_reported(tmp_path):
    path = write(tmp_path, [*ROWS[:3], "C2,K1,K1,2008-03-01,CORS,2024-02-01,0.0,5.0,5.0,5.1"])
    read = read_ratings_csv(path)
    assert read.ratings.empty
    assert found(read.errors) == [(5, None, rc.LINE_TOO_FEW)]
    assert read.errors[0].params == {"found": WIDTH - 2, "expected": WIDTH}


def test_semicolons_and_decimal_commas_are_read_with_a_warning(tmp_path):
    comma = read_ratings_csv(write(tmp_path, ROWS))
    path = tmp_path / "excel.csv"
    path.write_text("\n".join(semicolons(ROWS)) + "\n", encoding="utf-8")
    read = read_ratings_csv(path)
    assert not read.errors and not comma.errors
    assert found(read.warnings) == [(0, None, rc.WARN_SEMICOLONS)]
    same_ratings(read.ratings, comma.ratings)
    assert read.ratings["score_t"].tolist() == [192, 370, 203, 151, 222, 30]


def test_a_windows_1252_file_is_read_with_a_warning(tmp_path):
    utf8 = read_ratings_csv(write(tmp_path, ROWS))
    path = write(tmp_path, ROWS, name="cp.csv", encoding="cp1252")
    read = read_ratings_csv(path)
    assert not read.errors
    assert found(read.warnings) == [(0, None, rc.WARN_WINDOWS_1252)]
    assert read.ratings["team_id"].astype(str).tolist()[:1] == ["Æblehaven"]
    same_ratings(read.ratings, utf8.ratings)


def test_a_file_that_is_no_text_is_refused_naming_the_encodings(tmp_path):
    path = tmp_path / "bad.csv"
    data = csv_text(ROWS).encode("utf-8") + b"C9,P\x81\xc3,P1,1990-05-01,ORS,2024-01-08,,,,,,\n"
    path.write_bytes(data)
    read = read_ratings_csv(path)
    assert found(read.errors) == [(len(ROWS) + 2, None, rc.FILE_NOT_TEXT)]
    assert "neither UTF-8 nor Windows-1252" in str(read.errors[0])


# --- every bad row, whatever is wrong with it -------------------------------------------

def test_every_kind_of_bad_row_is_reported_with_line_and_column(tmp_path):
    rows = [
        ROWS[0],                                                                   # 2
        "C1,P1,P1,1990-05-01,ORS,2024-01-22,5,0,5.0,5.0,5.3,,T1",                 # 3 too many
        "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0",                             # 4 too few
        "",                                                                        # 5 empty
        ",P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.0,,T1",                   # 6
        "C1,P1,P1,1990-05-01,XRS,2024-01-22,5.0,5.0,5.0,5.0,,T1",                 # 7
        "C1,P1,P1,1990-05-01,ORS,2024-13-22,5.0,5.0,5.0,5.0,,T1",                 # 8
        "C1,P1,P1,2025-05-01,ORS,2024-01-22,5.0,abc,5.0,10.5,,T1",                # 9
        "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.05,20.0,T1",            # 10
        "C3,B1,B1,2020-01-01,YCORS,2024-02-01,,,,,5,T1",                          # 11
        '"C4","P4","P4","2001-01-01","ORS","2024-01-01","1.0","1.0","1.0","1.0","9.0","T1"',  # 12
        "C5,P5,P5,,CORS,2024-01-01,1.0,1.0,1.0,,,T1",                             # 13
    ]
    read = read_ratings_table(write(tmp_path, rows))
    assert read.ratings.empty
    assert [(e.line, e.column, e.message, e.params) for e in read.errors] == [
        (3, None, rc.LINE_TOO_MANY, {"found": WIDTH + 1, "expected": WIDTH}),
        (4, None, rc.LINE_TOO_FEW, {"found": 8, "expected": WIDTH}),
        (5, None, rc.LINE_EMPTY, {}),
        (6, "case_id", rc.FIELD_EMPTY, {"column": "case_id"}),
        (7, "instrument", rc.FIELD_UNKNOWN_INSTRUMENT,
         {"value": "XRS", "expected": ", ".join(rc.INSTRUMENTS)}),
        (8, "date", rc.FIELD_NOT_DATE, {"column": "date", "value": "2024-13-22"}),
        (9, "birth_date", rc.FIELD_BORN_AFTER, {"column": "birth_date"}),
        (9, "item2", rc.FIELD_NOT_NUMBER, {"column": "item2", "value": "abc"}),
        (9, "item4", rc.FIELD_ITEM_RANGE, {"column": "item4", "value": "10.5"}),
        (10, "item4", rc.FIELD_TOO_PRECISE, {"column": "item4", "value": "5.05"}),
        (11, "total", rc.FIELD_FACES_VALUE, {"column": "total", "value": "5",
                                             "instrument": "YCORS"}),
        (12, "total", rc.FIELD_TOTAL_SUM, {"column": "total", "value": "9.0", "sum": "4.0"}),
        (13, "birth_date", rc.FIELD_REQUIRED_FOR, {"column": "birth_date",
                                                   "instrument": "CORS"}),
        (13, "item4", rc.FIELD_REQUIRED_FOR, {"column": "item4", "instrument": "CORS"}),
    ]
    # Every message renders with its parameters (English here; Danish below).
    assert all("%(" not in str(e) for e in read.errors)


def test_line_numbers_count_a_quoted_line_break(tmp_path):
    rows = [ROWS[0], 'C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.3,,"two\nlines"',
            "C1,P1,P1,1990-05-01,ORS,2024-01-29,5.0,5.0,5.0,11,,T1",
            "C1,P1,P1,1990-05-01,ORS,2024-01-22,5,0,5.0,5.0,5.3,,T1"]
    read = read_ratings_table(write(tmp_path, rows))
    assert found(read.errors) == [(5, "item4", rc.FIELD_ITEM_RANGE), (6, None, rc.LINE_TOO_MANY)]
    good = read_ratings_table(write(tmp_path, rows[:2]))
    assert good.ratings["line"].tolist() == [2, 3]


def test_one_percent_bad_rows_of_ten_thousand_are_reported_exactly(tmp_path):
    rng = np.random.default_rng(13)
    n = 10_000
    rows = [f"C{i // 20},P{i // 20},P{i // 20},2000-01-01,ORS,2024-{1 + i % 12:02d}-01,"
            f"{i % 10}.0,5.0,5.0,5.0,,T{i % 7}" for i in range(n)]
    breakers = [
        lambda r: r.replace(",5.0,5.0,5.0,", ",5,0,5.0,5.0,", 1),   # an unquoted decimal comma
        lambda r: r.rsplit(",", 2)[0],                             # fields missing at the end
        lambda r: r.replace("ORS", "ORZ"),
        lambda r: r.replace(",5.0,5.0,5.0,", ",5.0,55,5.0,", 1),
        lambda r: r.replace("2000-01-01", "2000-02-30"),
        lambda r: "," + r.split(",", 1)[1],
        lambda r: "",
    ]
    bad = sorted(rng.choice(n, size=n // 100, replace=False).tolist())
    for k, i in enumerate(bad):
        rows[i] = breakers[k % len(breakers)](rows[i])
    read = read_ratings_table(write(tmp_path, rows))
    assert read.ratings.empty
    assert sorted({e.line for e in read.errors}) == [i + 2 for i in bad]
    assert len(read.errors) == len(bad)  # one error each: the one thing wrong with it


# --- the same reader everywhere --------------------------------------------------------

@pytest.mark.parametrize("kind", ["semicolons", "cp1252", "ragged"])
def test_the_engine_and_the_reader_agree(tmp_path, kind):
    pytest.importorskip("duckdb")
    if kind == "semicolons":
        path = tmp_path / "r.csv"
        path.write_text("\n".join(semicolons(ROWS)) + "\n", encoding="utf-8")
    elif kind == "cp1252":
        path = write(tmp_path, ROWS, encoding="cp1252")
    else:
        path = write(tmp_path, [*ROWS, "C1,P1,P1,1990-05-01,ORS,2024-01-22,5,0,5.0,5.0,5.3,,T"])
    read = read_ratings_csv(path)
    result = series_from_csv(path)
    assert result.errors == read.errors
    assert result.warnings == read.warnings
    assert (kind == "ragged") == bool(read.errors)
    assert (kind == "ragged") != bool(read.warnings)
    if not read.errors:
        assert result.path == "reference"
        assert result.n_ratings == len(read.ratings) == len(ROWS)


def test_a_byte_order_mark_reads_as_without(tmp_path):
    plain = read_ratings_csv(write(tmp_path, ROWS))
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(ROWS).encode())
    for read in (read_ratings_csv(path), read_ratings_csv(path, engine="pandas")):
        assert not read.errors and not read.warnings
        same_ratings(read.ratings, plain.ratings)
    assert series_from_csv(path).n_ratings == len(ROWS)


def test_read_ratings_table_is_read_ratings_csv_with_line_numbers(tmp_path):
    path = write(tmp_path, ROWS)
    table, plain = read_ratings_table(path), read_ratings_csv(path)
    from_bytes = read_ratings_table(path.read_bytes())
    from_file = read_ratings_table(io.BytesIO(path.read_bytes()))
    assert table.ratings["line"].tolist() == list(range(2, len(ROWS) + 2))
    same_ratings(table.ratings.drop(columns="line"), plain.ratings)
    same_ratings(from_bytes.ratings, table.ratings)  # the pandas reader, not DuckDB
    same_ratings(from_file.ratings, table.ratings)
    assert table.header == HEADER.split(",")


def test_the_command_reads_a_danish_excel_file_as_the_comma_file(tmp_path, capsys,
                                                                 monkeypatch):
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    comma = write(tmp_path, ROWS)
    danish = tmp_path / "excel.csv"
    header = "Sagsnr;Person;Bedømmer;Fødselsdato;Skema;Dato;Spm 1;Spm 2;Spm 3;Spm 4;Samlet;Team"
    lines = [header] + semicolons(ROWS)[1:]
    danish.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    assert main(["outcomes", "--input", str(comma), "--by", "team_id", "--json"]) == 0
    expected, _ = capsys.readouterr()
    assert main(["outcomes", "--input", str(danish), "--by", "Team", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == json.loads(expected)
    assert "warning: the file: The file is separated by semicolons" in err
    assert "warning: the file: The file is in Windows-1252" in err


def test_the_command_speaks_danish_when_lang_is_danish(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "da_DK.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    path = write(tmp_path, [*ROWS, "C1,P1,P1,1990-05-01,ORS,2024-01-22,10.5,5.0,5.0,5.3,,T",
                            "C1,P1,P1,1990-05-01,ORS,2024-01-22,5,0,5.0,5.0,5.3,,T"])
    assert main(["outcomes", "--input", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "linje 8, kolonne item1: item1 skal være mellem 0,0 og 10,0: 10.5." in err
    assert f"linje 9: Linjen har {WIDTH + 1} felter, men overskriftsrækken har {WIDTH}." in err
    assert "2 fejl; intet blev indlæst" in err


# --- XLSX, mapping, aliases, headers ---------------------------------------------------

def workbook(rows, *, header=HEADER, typed=True):
    """An .xlsx of the rows: dates as Excel dates and scores as numbers when typed."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header.split(","))
    for row in rows:
        cells = []
        for text in row.split(","):
            value = text
            if typed and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                value = pd.Timestamp(text).to_pydatetime()
            elif typed and re.fullmatch(r"\d+(\.\d)?", text):
                value = float(text) if "." in text else int(text)
            cells.append(value if value != "" else None)
        sheet.append(cells)
    sheet.append([])  # an empty row at the end, as formatting leaves them
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


@pytest.mark.parametrize("typed", [True, False])
def test_a_workbook_gives_the_same_ratings(tmp_path, typed):
    expected = read_ratings_table(write(tmp_path, ROWS).read_bytes())
    data = workbook(ROWS, typed=typed)
    read = read_ratings_table(data, filename="ratings.xlsx")
    assert not read.errors and not read.warnings
    same_ratings(read.ratings, expected.ratings)
    path = tmp_path / "ratings.xlsx"
    path.write_bytes(data)
    same_ratings(read_ratings_table(path).ratings, expected.ratings)
    same_ratings(read_ratings_table(io.BytesIO(data)).ratings, expected.ratings)  # by its bytes
    assert read_header(path) == HEADER.split(",")


def test_a_workbook_reports_every_bad_row_by_its_sheet_row(tmp_path):
    rows = [*ROWS[:2], "C1,P1,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,12.5,,T1",
            "C1,,P1,1990-05-01,ORS,2024-01-22,5.0,5.0,5.0,5.0,,T1"]
    read = read_ratings_table(workbook(rows), filename="r.xlsx")
    assert found(read.errors) == [(4, "item4", rc.FIELD_ITEM_RANGE),
                                  (5, "person_id", rc.FIELD_EMPTY)]


def test_a_file_that_is_no_workbook_is_refused(tmp_path):
    read = read_ratings_table(b"PK\x03\x04 not really a zip", filename="r.xlsx")
    assert found(read.errors) == [(0, None, rc.FILE_NOT_WORKBOOK)]


def test_a_mapping_reads_other_headers(tmp_path):
    header = "Case,Client,Filled in by,Born,Form,When,Q1,Q2,Q3,Q4,Sum,Unit,Notes"
    rows = [r + ",whatever" for r in ROWS]
    mapping = {"Case": "case_id", "Client": "person_id", "Filled in by": "rater_id",
               "Born": "birth_date", "Form": "instrument", "When": "date", "Q1": "item1",
               "Q2": "item2", "Q3": "item3", "Q4": "item4", "Sum": "total",
               "Unit": "team_id", "Notes": ""}
    path = write(tmp_path, rows, header=header)
    read = read_ratings_table(path, columns=mapping)
    assert not read.errors
    assert read.header == header.split(",")
    same_ratings(read.ratings, read_ratings_table(write(tmp_path, ROWS, name="c.csv")).ratings)
    # Without the mapping the required columns are named in the message, with the header.
    unmapped = read_ratings_table(path)
    assert found(unmapped.errors) == [(1, None, rc.HEADER_LACKS)]
    assert unmapped.errors[0].params["columns"] == "person_id, rater_id, instrument, date"
    assert "Client" in unmapped.errors[0].params["header"]


def test_mapping_mistakes_are_reported_on_the_header():
    data = csv_text(ROWS).encode()
    read = read_ratings_table(data, columns={"Sag": "case_id", "team_id": "case_id"})
    assert found(read.errors) == [(1, None, rc.HEADER_NOT_IN_FILE),
                                  (1, None, rc.HEADER_SAME_TARGET)]
    twice = read_ratings_table(csv_text(ROWS, HEADER + ",team_id").encode())
    assert (1, "team_id", rc.HEADER_TWICE) in found(twice.errors)


def test_danish_headers_need_no_mapping(tmp_path):
    header = ("Sagsnr.,Person,Bedømmer,Fødselsdato,Skema,Dato,Spørgsmål 1,Spørgsmål 2,"
              "Spørgsmål 3,Spørgsmål 4,Samlet,Team")
    read = read_ratings_table(write(tmp_path, ROWS, header=header))
    assert not read.errors
    same_ratings(read.ratings, read_ratings_table(write(tmp_path, ROWS, name="c.csv")).ratings)
    # The errors name the column as the file does.
    bad = read_ratings_table(write(tmp_path, [ROWS[0].replace("4.8,", "48,", 1)],
                                   header=header))
    assert [(e.line, e.column, e.params["column"]) for e in bad.errors] == [
        (2, "Spørgsmål 1", "Spørgsmål 1")]


def test_danish_dates_are_read():
    rows = [r.replace("2024-01-08", "08-01-2024").replace("1990-05-01", "1.5.1990")
            for r in ROWS]
    read = read_ratings_table(csv_text(rows).encode())
    assert not read.errors
    assert str(read.ratings["date"][0])[:10] == "2024-01-08"
    assert str(read.ratings["birth_date"][0])[:10] == "1990-05-01"


def test_read_header_reads_only_the_header(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + "\n".join(semicolons(ROWS)) + "\n").encode("utf-8"))
    assert read_header(path) == HEADER.split(",")
    assert read_header(b"") == []
    assert read_header(io.BytesIO(b"Sag;Dato\n")) == ["Sag", "Dato"]


def test_an_empty_file_and_a_header_only_file():
    assert found(read_ratings_table(b"").errors) == [(1, None, rc.FILE_EMPTY)]
    read = read_ratings_table((HEADER + "\n").encode())
    assert not read.errors and read.ratings.empty and read.header == HEADER.split(",")


def test_values_under_a_column_without_a_name_are_reported():
    rows = [r + "," for r in ROWS[:2]] + [ROWS[2] + ",oops"]
    read = read_ratings_table(csv_text(rows, HEADER + ",").encode())
    assert [(e.line, e.message, e.params) for e in read.errors] == [
        (4, rc.LINE_NO_HEADER, {"position": WIDTH + 1})]
    ok = read_ratings_table(csv_text([r + "," for r in ROWS], HEADER + ",").encode())
    assert not ok.errors and "line" in ok.ratings


# --- the messages ------------------------------------------------------------------------

CATALOGUE = Path(__file__).resolve().parents[2] / "fokus" / "locale" / "da" / "LC_MESSAGES"


def test_every_message_is_in_danish_with_its_placeholders():
    """The Django layer renders gettext(error.message) % error.params: each msgid needs
    its Danish (`make messages` skips fokus/outcomes, so this test keeps them)."""
    entries = {e.msgid: e for e in polib.pofile(str(CATALOGUE / "django.po"))
               if not e.obsolete}
    placeholder = re.compile(r"%\((\w+)\)s")
    for msgid in (*rc.READER_MESSAGES, *CLI_MESSAGES):
        entry = entries.get(msgid)
        assert entry is not None and entry.msgstr and not entry.fuzzy, msgid
        assert set(placeholder.findall(entry.msgstr)) == set(placeholder.findall(msgid)), msgid


def test_the_messages_are_marked_for_extraction(tmp_path):
    """gettext_noop marks exactly the reader's and the command's messages, so that
    makemessages would find them were fokus/outcomes not left out of it."""
    import subprocess

    source = Path(rc.__file__).parent
    pot = tmp_path / "outcomes.pot"
    subprocess.run(["xgettext", "--language=Python", "--keyword=gettext_noop",  # noqa: S603,S607
                    "--from-code=UTF-8", "-o", str(pot), str(source / "ratings_csv.py"),
                    str(source / "cli.py")], check=True)
    marked = {e.msgid for e in polib.pofile(str(pot))}
    assert marked == set(rc.READER_MESSAGES) | set(CLI_MESSAGES)


def test_errors_render_through_a_translation(tmp_path):
    import gettext

    with open(CATALOGUE / "django.mo", "rb") as fh:
        danish = gettext.GNUTranslations(fh).gettext
    read = read_ratings_table(write(tmp_path, [ROWS[0].replace("ORS", "ORZ")]))
    (error,) = read.errors
    assert error.text(danish) == ("ORZ er ikke et skema, Fokus kender; forventet er et af "
                                  + ", ".join(rc.INSTRUMENTS) + ".")
    assert danish(error.message) % error.params == error.text(danish)
    assert str(error) == ("line 2, column instrument: ORZ is not an instrument Fokus knows; "
                          "expected one of " + ", ".join(rc.INSTRUMENTS) + ".")


def test_the_command_reads_a_workbook(tmp_path, capsys):
    comma = write(tmp_path, ROWS)
    book = tmp_path / "r.xlsx"
    book.write_bytes(workbook(ROWS))
    assert main(["outcomes", "--input", str(comma), "--json"]) == 0
    expected, _ = capsys.readouterr()
    assert main(["outcomes", "--input", str(book), "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == json.loads(expected) and err == ""


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64])
def test_fields_are_counted_across_blocks_as_the_csv_module_counts_them(monkeypatch, block):
    """Quotes, quoted separators, quoted line breaks and "" escapes, cut anywhere."""
    text = ('a,b,c\r\n"x, y",2,3\n"multi\nline ""quoted"", here",5,6\n,,\n\n7,"8"\n'
            '"",9,10,11\nlast,"no, break",x')
    monkeypatch.setattr(rc, "_BLOCK", block)
    data = text.encode()
    layout = rc._layout(rc._blocks(data, data), ",", False)
    fields, lines = rc._layout_by_csv(text, ",")
    assert layout.fields.tolist() == fields.tolist() == [3, 3, 3, 3, 1, 2, 4, 3]
    assert layout.lines.tolist() == lines.tolist() == [1, 2, 3, 5, 6, 7, 8, 9]


def test_files_that_cannot_be_read_say_why_and_where():
    unclosed = csv_text([*ROWS[:2], 'C1,"P1,P1,1990-05-01', *ROWS[2:]]).encode()
    assert found(read_ratings_table(unclosed).errors) == [(4, None, rc.FILE_BROKEN_CSV)]
    first_empty = ("\n" + csv_text(ROWS)).encode()
    assert found(read_ratings_table(first_empty).errors) == [
        (1, None, rc.HEADER_FIRST_LINE_EMPTY)]
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200)
    assert found(read_ratings_table(old_excel, filename="r.xls").errors) == [
        (0, None, rc.FILE_OLD_EXCEL)]


def test_a_workbook_named_otherwise_and_a_damaged_one(tmp_path):
    path = tmp_path / "ratings.csv"  # a workbook saved under a CSV name: its bytes tell
    path.write_bytes(workbook(ROWS))
    assert not read_ratings_table(path).errors and read_header(path) == HEADER.split(",")
    damaged = workbook(ROWS)[:2000]
    assert found(read_ratings_table(damaged, filename="r.xlsx").errors) == [
        (0, None, rc.FILE_NOT_WORKBOOK)]
    assert read_header(damaged, filename="r.xlsx") == []


def test_a_value_beyond_the_workbook_header_is_reported_by_its_column_letter():
    rows = [*ROWS[:2], ROWS[2] + ",,stray"]
    read = read_ratings_table(workbook(rows), filename="r.xlsx")
    assert [(e.line, e.message, e.params) for e in read.errors] == [
        (4, rc.LINE_NO_HEADER, {"position": "N"})]


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_windows_and_old_mac_line_ends(ending):
    rows = [*ROWS, "C1,P1"]
    read = read_ratings_table(csv_text(rows).replace("\n", ending).encode())
    assert found(read.errors) == [(len(ROWS) + 2, None, rc.LINE_TOO_FEW)]
    good = read_ratings_table(csv_text(ROWS).replace("\n", ending).encode())
    assert good.ratings["line"].tolist() == list(range(2, len(ROWS) + 2))
    assert good.ratings["team_id"].astype(str).tolist()[-1] == "Søstjernen"


def test_a_column_named_line_is_refused_only_where_the_ratings_get_their_line_numbers(tmp_path):
    path = write(tmp_path, [r + ",x" for r in ROWS], header=HEADER + ",line")
    assert found(read_ratings_table(path).errors) == [(1, "line", rc.HEADER_RESERVED)]
    read = read_ratings_csv(path)  # the engine: a grouping column as any other
    assert not read.errors and read.ratings["line"].astype(str).tolist() == ["x"] * len(ROWS)
    mapped = read_ratings_table(path, columns={"line": "source_line"})
    assert not mapped.errors and mapped.ratings["line"].tolist()[0] == 2
