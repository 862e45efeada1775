"""Ratings as a file (issue 13, point 5): the ratings-file format of
docs/fit-definitions.md section 6 as CSV or XLSX, for `fokus export ratings` and the
download pages. A caseworker or team leader downloads a case's ratings (from the case
page: as the case page) or a team's (as the team's board); the organisation's whole file
only a role that sees every case of the organisation (the FIT superuser): a department
head or an analyst sees no case rows (fokus/accounts/policy.py). Every download is
logged with the cases it holds; a refusal is a 404, logged.

The ids are those a case or person was imported with (Case.reference, Person.import_id),
else Fokus's own; the pages write every case by its case number. No cell starts a
formula (fokus.lib.spreadsheet)."""

import csv
import io

import pandas as pd
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from fokus.accounts import policy
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases import access
from fokus.cases.models import Case, Person
from fokus.insights.board import team_for_user
from fokus.insights.management.commands._organisation_ratings import GROUPS, as_text
from fokus.insights.management.commands._ratings_file import COLUMNS, ratings_file
from fokus.insights.ratings_frame import missing_frame, ratings_frame
from fokus.lib.spreadsheet import safe_cell
from fokus.outcomes.ratings_csv import FOUR_LINE_INSTRUMENTS, INSTRUMENTS
from fokus.ratings.models import RatingAnswer

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


FORMAT_COLUMNS = COLUMNS[:COLUMNS.index("total") + 1]


def file_ids(organisation_id: int, case_ids=None) -> tuple[dict[int, str], dict[int, str]]:
    """The ids a file shows: a case imported (one with a person imported) by its case
    number, a person imported by its import id; {} where Fokus's own id is shown."""
    persons = Person.objects.filter(case__organisation_id=organisation_id).exclude(import_id="")
    if case_ids is not None:
        persons = persons.filter(case_id__in=list(case_ids))
    person_ids = dict(persons.values_list("pk", "import_id"))
    imported = set(persons.values_list("case_id", flat=True))
    case_refs = dict(Case.objects.filter(pk__in=imported).values_list("pk", "reference"))
    return case_refs, person_ids


def export_rows(organisation, *, user=None, case_ids=None, columns="all", purpose: str,
                detail: dict, case_numbers: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the ratings file's rows as text, the missing ratings), the read logged.
    case_numbers: every case by its case number (the pages', whose users see it anyway)."""
    with transaction.atomic():
        ratings = ratings_frame(organisation.pk, case_ids=case_ids, instruments=INSTRUMENTS)
        missing = missing_frame(organisation.pk, case_ids=case_ids)
        answers: dict[int, dict[int, str]] = {}
        rows = (RatingAnswer.objects
                .filter(rating__case__organisation_id=organisation.pk,
                        rating__instrument__code__in=FOUR_LINE_INSTRUMENTS)
                .values_list("rating_id", "item__position", "value"))
        if case_ids is not None:
            rows = rows.filter(rating__case_id__in=list(case_ids))
        for rating_id, position, value in rows.iterator(chunk_size=20000):
            answers.setdefault(rating_id, {})[position] = f"{value:.1f}"
        case_refs, person_ids = file_ids(organisation.pk, case_ids)
        if case_numbers:
            cases = Case.objects.filter(organisation=organisation)
            if case_ids is not None:
                cases = cases.filter(pk__in=list(case_ids))
            case_refs = dict(cases.values_list("pk", "reference"))
        record(user, AccessAction.LIST, "rating", organisation.pk, purpose=purpose,
               detail={"organisation_id": organisation.pk, "organisation": organisation.name,
                       **detail, "case_ids": sorted({int(c) for c in ratings["case_id"].tolist()}),
                       "n_ratings": len(ratings), "n_missing": len(missing),
                       "pseudonymised": not case_refs})
    for name in GROUPS:
        ratings[name] = as_text(ratings[name])
    frame = ratings_file(ratings, answers)
    frame["case_id"] = [case_refs.get(int(c), c) for c in frame["case_id"]]
    for key in ("person_id", "rater_id"):
        frame[key] = [person_ids.get(int(p), p) for p in frame[key]]
    if len(missing):
        missing["case_id"] = [case_refs.get(int(c), c) for c in missing["case_id"]]
        missing["person_id"] = [person_ids.get(int(p), p) for p in missing["person_id"]]
    if columns == "format":
        frame = frame[FORMAT_COLUMNS]
    # A stable order: the same ratings give the same file.
    frame = frame.sort_values(["case_id", "date", "person_id", "rater_id", "instrument"],
                              kind="stable").reset_index(drop=True)
    return frame, missing


def write(frame: pd.DataFrame, out, fmt: str) -> None:
    """CSV (UTF-8) or XLSX; no cell starts a formula."""
    safe = frame.map(safe_cell)
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("ratings")
        sheet.append(list(frame.columns))
        for row in safe.itertuples(index=False):
            sheet.append(list(row))
        book.save(out)
    else:
        safe.to_csv(out, index=False, encoding="utf-8", quoting=csv.QUOTE_MINIMAL,
                    lineterminator="\n")


def _download(frame: pd.DataFrame, fmt: str, name: str) -> HttpResponse:
    out = io.BytesIO() if fmt == "xlsx" else io.StringIO()
    write(frame, out, fmt)
    data = out.getvalue()
    response = HttpResponse(data if isinstance(data, bytes) else data.encode(),
                            content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404
    return fmt


@login_required
@require_GET
def case_ratings(request, case_id: int, fmt: str):
    """The case's ratings, for whoever may open the case page."""
    fmt = _format(fmt)
    case = access.get_case_for_user(request.user, case_id, purpose="ratings download",
                                    shown=access.all_persons)
    frame, _missing = export_rows(case.organisation, user=request.user, case_ids=[case.pk],
                                  purpose="ratings download", detail={"format": fmt},
                                  case_numbers=True)
    return _download(frame, fmt, f"fokus-case-{case.pk}-ratings")


@login_required
@require_GET
def team_ratings(request, team_id: int, fmt: str):
    """The team's cases' ratings (those the user sees), for who may open its board."""
    fmt = _format(fmt)
    team = team_for_user(request.user, team_id, purpose="ratings download")
    case_ids = list(access.cases_visible_to(request.user).filter(team=team)
                    .values_list("pk", flat=True))
    frame, _missing = export_rows(team.unit.organisation, user=request.user, case_ids=case_ids,
                                  purpose="ratings download",
                                  detail={"format": fmt, "team_id": team.pk},
                                  case_numbers=True)
    return _download(frame, fmt, f"fokus-team-{team.pk}-ratings")


@login_required
@require_GET
def organisation_ratings(request, fmt: str):
    """The organisation's ratings: only a role that sees all its cases."""
    fmt = _format(fmt)
    if policy.case_scope(request.user) != "organisation":
        with transaction.atomic():
            record(request.user, AccessAction.DENIED, "rating",
                   getattr(request.user, "organisation_id", None), purpose="ratings download")
        raise Http404
    frame, _missing = export_rows(request.user.organisation, user=request.user,
                                  purpose="ratings download", detail={"format": fmt},
                                  case_numbers=True)
    return _download(frame, fmt, "fokus-ratings")
