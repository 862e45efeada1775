"""The access log's codes in words (fokus.audit.words): every object_type and purpose
the code writes as a literal has a label, so that a new one cannot be forgotten."""

import ast
import pathlib

import pytest
from django.utils import translation

from fokus.audit import words
from fokus.audit.models import AccessLogEntry

ROOT = pathlib.Path(__file__).resolve().parent.parent / "fokus"
# Functions that pass an object_type on to record() as their first argument after user.
DENIERS = {"_denied", "_record_denied", "refuse", "require_dpo"}


def _strings(node) -> list[str]:
    """A literal string, or both branches of `"a" if x else "b"`, or "a" + ("b" if ...)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _strings(node.left) for b in _strings(node.right)]
    return []


def written_codes() -> tuple[set[str], set[str]]:
    """The literal object_types and purposes in fokus's source (calls of record() and the
    functions around it, `purpose=` arguments and defaults, purpose constants)."""
    types, purposes = set(), set()
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("filter", "exclude", "update", "create", "get"):
                    continue  # the ORM's own `purpose` fields (interventions, projects)
                for kw in node.keywords:
                    if kw.arg == "purpose":
                        purposes.update(_strings(kw.value))
                    elif kw.arg == "object_type":
                        types.update(_strings(kw.value))
                if name == "record" and len(node.args) >= 3:
                    types.update(_strings(node.args[2]))
                if name in DENIERS and len(node.args) >= 2:
                    types.update(_strings(node.args[1]))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args.args + node.args.kwonlyargs
                defaults = ([None] * (len(node.args.args) - len(node.args.defaults))
                            + list(node.args.defaults) + list(node.args.kw_defaults))
                for arg, default in zip(args, defaults, strict=True):
                    if arg.arg == "purpose" and default is not None:
                        purposes.update(_strings(default))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and (
                        target.id == "purpose" or target.id == "CONFIGURATION"
                        or target.id.endswith("_PURPOSE")):
                    purposes.update(_strings(node.value))
    types.discard("")
    purposes.discard("")
    return types, purposes


def test_the_walk_finds_what_the_code_writes():
    """The walk itself works: it finds codes known to be written (else the next test
    could pass on nothing)."""
    types, purposes = written_codes()
    assert {"case", "person", "access_log", "meeting_record", "person_log"} <= types
    assert {"case graph", "caseload", "case page", "DPO: find a person", "configuration",
            "single sign-on", "retention run", "retention dry run"} <= purposes
    assert len(types) > 30 and len(purposes) > 60


def test_every_written_code_has_words():
    types, purposes = written_codes()
    assert sorted(types - set(words.OBJECT_TYPES)) == []
    assert sorted(purposes - set(words.PURPOSES)) == []


def test_the_enums_written_from_variables_have_words():
    from fokus.ratings.links import CHANNELS
    from fokus.ratings.models import MissingReason, RatingMode

    for code in [*RatingMode.values, *MissingReason.values, *CHANNELS,
                 "unknown", "used", "expired"]:
        assert code in words.PURPOSES, code


@pytest.mark.parametrize(("lang", "code", "said"), [
    ("da", "case", "sag"), ("en", "case", "case"),
    ("da", "meeting_record", "journalnotat"),
])
def test_object_words(lang, code, said):
    with translation.override(lang):
        assert words.object_word(code) == said


@pytest.mark.parametrize(("lang", "code", "said"), [
    ("da", "case graph", "sagens graf"), ("da", "caseload", "sagsliste"),
    ("da", "case page", "sagens side"), ("en", "case graph", "case graph"),
    ("da", "DPO: find a person", "DPO: søg en person frem"),
])
def test_purpose_words(lang, code, said):
    with translation.override(lang):
        assert words.purpose_word(code) == said


def test_unknown_and_built_codes():
    with translation.override("da"):
        # A code nobody labelled: as stored, never an error or an empty cell.
        assert words.object_word("something_new") == "something_new"
        assert words.purpose_word("a purpose typed at run time") == "a purpose typed at run time"
        assert words.purpose_word("") == ""
        # Built at run time: the known start in words, the rest kept.
        assert words.purpose_word("undo refused") == "fortrudt: afvist"
        assert words.purpose_word("cpr_key_rotation:hash").endswith(" hash")
        assert words.purpose_word("demo data generated (seed 7)").endswith("(seed 7)")
        entry = AccessLogEntry(object_type="case", object_id="95")
        assert words.what_text(entry) == "sag 95"
        assert words.what_text(AccessLogEntry(object_type="case", object_id="")) == "sag"
