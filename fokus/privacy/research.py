"""The pseudonymised ratings file of a research project (issue 11, point 9).

For analysts (fokus.accounts.policy.pseudonymised_only), per ResearchProject of their
organisation: one rating a row, in the layout of the ratings file
(docs/fit-definitions.md section 6) with these differences:

- case_id, person_id, rater_id and caseworker_id are pseudonyms: an HMAC-SHA-256 of
  the project's secret and the id. The same person has the same pseudonym in every
  download of one project and an unrelated one in another project;
- age_at_intake (whole years on the person's first rating in the case) instead of
  birth_date;
- every date of a person is shifted by that person's own offset, between 1 and 180
  days earlier or later, the same in every download of the project: the intervals
  between one person's ratings stay true, the calendar dates do not;
- no names, no CPR numbers, no case numbers, no free text.

A data dictionary (data_dictionary.csv) describes every column. Every download is
in the access log with the project and the row count.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import zipfile
from dataclasses import dataclass

import pandas as pd
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fokus.accounts import policy
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.lib.forms import parse_id
from fokus.privacy.models import ResearchProject

MAX_SHIFT_DAYS = 180
COLUMNS = ["case_id", "person_id", "rater_id", "age_at_intake", "instrument", "date",
           "item1", "item2", "item3", "item4", "total", "team_id", "caseworker_id",
           "intervention", "rater"]


def project_pseudonym(secret: str, kind: str, object_id) -> str:
    """A stable pseudonym of an id within one project (12 hexadecimal characters)."""
    digest = hmac.new(secret.encode(), f"{kind}:{object_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:12].upper()


def day_offset(secret: str, person_id) -> int:
    """The person's date shift in this project: 1 to 180 days, earlier or later, never 0."""
    digest = hmac.new(secret.encode(), f"date-offset:{person_id}".encode(),
                      hashlib.sha256).digest()
    magnitude = 1 + int.from_bytes(digest[:4], "big") % MAX_SHIFT_DAYS
    return magnitude if digest[4] & 1 else -magnitude


def _whole_years(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def research_rows(project: ResearchProject, *, with_person_ids: bool = False):
    """The project's rows (all text), without any logging: the caller logs. With
    with_person_ids, (rows, the sorted real ids of the persons rated and raters)."""
    rows, person_ids = _research_rows(project)
    return (rows, person_ids) if with_person_ids else rows


def _research_rows(project: ResearchProject) -> tuple[pd.DataFrame, list[int]]:
    from fokus.insights.management.commands._organisation_ratings import as_text
    from fokus.insights.management.commands._ratings_file import ratings_file
    from fokus.insights.ratings_frame import ratings_frame
    from fokus.outcomes.ratings_csv import FOUR_LINE_INSTRUMENTS, INSTRUMENTS
    from fokus.ratings.models import Rating, RatingAnswer

    organisation_id = project.organisation_id
    if not Rating.objects.filter(case__organisation_id=organisation_id).exists():
        return pd.DataFrame(columns=COLUMNS), []
    frame = ratings_frame(organisation_id, instruments=INSTRUMENTS)
    for name in ("team_id", "caseworker_id", "intervention", "rater"):
        frame[name] = as_text(frame[name])
    answers: dict[int, dict[int, str]] = {}
    for rating_id, position, value in (
            RatingAnswer.objects.filter(rating__case__organisation_id=organisation_id,
                                        rating__instrument__code__in=FOUR_LINE_INSTRUMENTS)
            .values_list("rating_id", "item__position", "value").iterator(chunk_size=20000)):
        answers.setdefault(rating_id, {})[position] = f"{value:.1f}"
    base = ratings_file(frame, answers)  # the section 6 layout, as text
    secret = project.secret
    dates = pd.to_datetime(frame["date"]).dt.date.tolist()
    births = [None if pd.isna(b) else pd.Timestamp(b).date() for b in frame["birth_date"]]
    person_ids = frame["person_id"].astype(str).tolist()
    case_ids = frame["case_id"].astype(str).tolist()
    first_day: dict[tuple[str, str], datetime.date] = {}
    for case_id, person_id, day in zip(case_ids, person_ids, dates, strict=True):
        key = (case_id, person_id)
        if key not in first_day or day < first_day[key]:
            first_day[key] = day
    offsets = {p: day_offset(secret, p) for p in set(person_ids)}
    out = pd.DataFrame({
        "case_id": [project_pseudonym(secret, "case", c) for c in case_ids],
        "person_id": [project_pseudonym(secret, "person", p) for p in person_ids],
        "rater_id": [project_pseudonym(secret, "person", r)
                     for r in frame["rater_id"].astype(str)],
        "age_at_intake": ["" if born is None else str(_whole_years(born, first_day[(c, p)]))
                          for born, c, p in zip(births, case_ids, person_ids, strict=True)],
        "instrument": base["instrument"].tolist(),
        "date": [(day + datetime.timedelta(days=offsets[p])).isoformat()
                 for day, p in zip(dates, person_ids, strict=True)],
    })
    for name in ("item1", "item2", "item3", "item4", "total", "team_id", "intervention",
                 "rater"):
        out[name] = base[name].tolist()
    out["caseworker_id"] = [project_pseudonym(secret, "user", w) if w else ""
                            for w in base["caseworker_id"].tolist()]
    shown = sorted({int(p) for p in person_ids} | {int(r) for r in frame["rater_id"]})
    return out.sort_values(["case_id", "person_id", "rater_id", "date", "instrument"],
                           kind="stable")[COLUMNS].reset_index(drop=True), shown


def data_dictionary() -> list[tuple[str, str, str]]:
    """(column, type, description) of every column, in the active language."""
    return [
        ("case_id", _("text"), _("The case's pseudonym in this project (stable within the "
                                 "project, unrelated to any other project).")),
        ("person_id", _("text"), _("The pseudonym of the person the rating is about.")),
        ("rater_id", _("text"), _("The pseudonym of the person who gave the rating; equal to "
                                  "person_id for a self-rating.")),
        ("age_at_intake", _("whole years"), _("The person's age on the first rating of the "
                                              "person in the case. Where only the birth year "
                                              "is known, the birthday is taken as 1 July.")),
        ("instrument", _("code"), _("ORS, SRS, CORS, CSRS, YCORS, YCSRS, GSRS or CGSRS.")),
        ("date", _("date, YYYY-MM-DD"), _("The day of the rating, shifted by the person's own "
                                          "offset of 1 to 180 days earlier or later (the same "
                                          "for all the person's ratings in this project): "
                                          "intervals between one person's ratings are true, "
                                          "the calendar date is not.")),
        ("item1", _("number 0.0-10.0"), _("The first line of a four-line instrument (empty for "
                                          "the young child's faces).")),
        ("item2", _("number 0.0-10.0"), _("The second line.")),
        ("item3", _("number 0.0-10.0"), _("The third line.")),
        ("item4", _("number 0.0-10.0"), _("The fourth line.")),
        ("total", _("number"), _("The sum of the four lines (0.0-40.0), or the face chosen "
                                 "(1-4) for YCORS and YCSRS.")),
        ("team_id", _("number"), _("The team's id in Fokus (the team the case belongs to).")),
        ("caseworker_id", _("text"), _("The pseudonym of the case's first caseworker.")),
        ("intervention", _("code"), _("The case's first intervention: Barnets lov §32 (bl32_1 "
                                      "to bl32_8) or placement (bl46, bl47); empty when none.")),
        ("rater", _("code"), _("Who gave the rating: child, parent or other.")),
    ]


def data_dictionary_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["column", "type", "description"])
    writer.writerows(data_dictionary())
    return buffer.getvalue().encode()


def projects_for(user) -> QuerySet[ResearchProject]:
    """The active research projects an analyst may download from (none for other roles)."""
    if not policy.pseudonymised_only(user) or not user.organisation_id:
        return ResearchProject.objects.none()
    return ResearchProject.objects.filter(organisation_id=user.organisation_id, active=True)


def _denied(user, project_id, purpose: str) -> None:
    with transaction.atomic():
        record(user, AccessAction.DENIED, "research_project", str(project_id)[:64],
               purpose=purpose)


def list_projects_for_user(user) -> list[ResearchProject]:
    """The analyst's projects; 404 (logged) for anyone else."""
    if not policy.pseudonymised_only(user):
        _denied(user, "", "research projects")
        raise Http404
    return list(projects_for(user))


@dataclass
class ResearchDownload:
    filename: str
    content: bytes
    n_rows: int


def download_for_user(user, project_id) -> ResearchDownload:
    """The project's zip (ratings.csv and data_dictionary.csv) for an analyst of its
    organisation; 404, logged, for anyone else or another organisation's project. The
    read and its access-log entry (project, row count) are one transaction."""
    purpose = "research export"
    pk = parse_id(project_id)
    with transaction.atomic():
        project = projects_for(user).filter(pk=pk).first()
        if project is not None:
            rows, person_ids = research_rows(project, with_person_ids=True)
            # The persons' real ids (in the log only): the DPO can tell a parent that her
            # son's ratings were in a research export, pseudonymised.
            record(user, AccessAction.LIST, "rating", project.organisation_id, purpose=purpose,
                   detail={"research_project_id": project.pk, "n_rows": len(rows),
                           "n_persons": len(person_ids), "person_ids": person_ids,
                           "pseudonymised": True})
    if project is None:
        _denied(user, project_id, purpose)
        raise Http404
    ratings = rows.to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").encode()
    buffer = io.BytesIO()
    stamp = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (("ratings.csv", ratings),
                              ("data_dictionary.csv", data_dictionary_csv())):
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return ResearchDownload(f"fokus-research-{project.pk}.zip", buffer.getvalue(), len(rows))
