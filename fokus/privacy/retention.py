"""Retention of closed cases, with an archive export first (issue 11, point 8).

Each organisation has a RetentionPolicy: a closed case is kept `keep_months` after
its closing date, then the retention job anonymises it (names, CPR numbers and
free-text notes removed, a birth date reduced to a birth year, the ratings kept for
statistics) or, only where the State Archives' rules allow the municipality to
delete (`archive_allows_deletion`), deletes it.

Before a case is changed, what is to be kept is written to the archive directory
(settings.FOKUS_ARCHIVE_DIR, default DATA_DIR/archive):

    organisation-<id>/case-<id>/
        ratings.csv                  the case's ratings, the ratings-file format
                                     (docs/fit-definitions.md section 6)
        record-<date>-meeting-<id>.pdf   the meeting record of each held meeting, PDF/A-2a
        manifest.json                the case's facts and the SHA-256 of every file

Each case is archived, checked and anonymised or deleted in one transaction; the
access log gets one entry per case (ids only) and one for every run, the dry run
included. `fokus retention --organisation NAME [--apply]` runs it; the task
`apply_retention` wraps it for the task worker.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.cases.models import Case, Organisation, Phase
from fokus.privacy import actions
from fokus.privacy.models import RetainedCase, RetentionAction, RetentionPolicy

MANIFEST = "manifest.json"
RATINGS_FILE = "ratings.csv"
MANIFEST_FORMAT = "fokus-archive/1"


def archive_root() -> Path:
    configured = getattr(settings, "FOKUS_ARCHIVE_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "archive"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class PlannedCase:
    case_id: int
    closed_on: datetime.date
    due_on: datetime.date
    action: str  # RetentionAction value


@dataclass
class Plan:
    organisation: Organisation
    policy: RetentionPolicy | None
    today: datetime.date
    cases: list[PlannedCase] = field(default_factory=list)
    not_yet_due: int = 0
    deletion_refused: bool = False  # the rule says delete, the archive flag is off


@dataclass
class Done:
    case_id: int
    action: str
    archive: Path
    n_files: int


def plan(organisation: Organisation, today: datetime.date | None = None) -> Plan:
    """The closed cases that are due (closed at least keep_months ago and not yet
    handled), oldest first, and what will happen to each. Reads ids and dates only."""
    today = today or timezone.localdate()
    policy = RetentionPolicy.objects.filter(organisation=organisation).first()
    result = Plan(organisation, policy, today)
    if policy is None:
        return result
    result.deletion_refused = (policy.action == RetentionAction.DELETE
                               and not policy.archive_allows_deletion)
    handled = RetainedCase.objects.filter(organisation=organisation).values("case_id")
    closed = (Case.objects.filter(organisation=organisation, phase=Phase.CLOSED,
                                  closed_on__isnull=False)
              .exclude(pk__in=handled).order_by("closed_on", "id")
              .values_list("id", "closed_on"))
    for case_id, closed_on in closed:
        due = add_months(closed_on, policy.keep_months)
        if due <= today:
            result.cases.append(PlannedCase(case_id, closed_on, due, policy.effective_action))
        else:
            result.not_yet_due += 1
    return result


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _ratings_csv(case: Case) -> bytes:
    import csv

    import pandas as pd

    from fokus.insights.management.commands._organisation_ratings import GROUPS, as_text
    from fokus.insights.management.commands._ratings_file import COLUMNS, ratings_file
    from fokus.insights.ratings_frame import ratings_frame
    from fokus.outcomes.ratings_csv import FOUR_LINE_INSTRUMENTS, INSTRUMENTS
    from fokus.ratings.models import RatingAnswer

    if not case.ratings.exists():
        return (",".join(COLUMNS) + "\n").encode()
    frame = ratings_frame(case.organisation_id, case_ids=[case.pk], instruments=INSTRUMENTS)
    for name in GROUPS:
        frame[name] = as_text(frame[name])
    answers: dict[int, dict[int, str]] = {}
    for rating_id, position, value in (RatingAnswer.objects
                                       .filter(rating__case=case,
                                               rating__instrument__code__in=FOUR_LINE_INSTRUMENTS)
                                       .values_list("rating_id", "item__position", "value")):
        answers.setdefault(rating_id, {})[position] = f"{value:.1f}"
    rows: pd.DataFrame = ratings_file(frame, answers)
    return rows.to_csv(index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").encode()


def _record_pdfs(case_id: int) -> list[tuple[str, bytes]]:
    """(file name, PDF/A bytes) of each held meeting's record, oldest first."""
    from fokus.insights.models import MeetingRecord
    from fokus.insights.record import record_context, record_pdf

    case = (Case.objects.filter(pk=case_id).select_related("team", "organisation")
            .prefetch_related("persons", "interventions", "caseworkers",
                              "meetings__participants", "ratings__instrument",
                              "ratings__person", "ratings__rater", "missing_ratings__person")
            .get())
    saved = {r.meeting_id: r for r in MeetingRecord.objects.filter(meeting__case_id=case_id)}
    out = []
    for meeting in sorted(case.meetings.held(), key=lambda m: (m.held_on, m.pk)):
        pdf = record_pdf(record_context(case, meeting, saved.get(meeting.pk)))
        out.append((f"record-{meeting.held_on:%Y-%m-%d}-meeting-{meeting.pk}.pdf", pdf))
    return out


def _case_facts(case: Case) -> dict:
    return {
        "case_id": case.pk, "organisation_id": case.organisation_id,
        "organisation": case.organisation.name, "reference": case.reference,
        "team_id": case.team_id, "legal_basis": case.legal_basis,
        "opening_reason": case.opening_reason,
        "opened_on": case.opened_on.isoformat(), "closed_on": case.closed_on.isoformat(),
        "interventions": [{"type": i.type, "start": i.start.isoformat(),
                           "end": i.end.isoformat() if i.end else None}
                          for i in case.interventions.order_by("start", "id")],
    }


def write_archive(case: Case, action: str, root: Path | None = None) -> tuple[Path, str]:
    """Write the case's archive folder (replacing an unfinished one from an earlier run)
    and return it with the SHA-256 of its manifest. Written to a temporary folder first
    and moved into place only when complete."""
    root = root or archive_root()
    parent = root / f"organisation-{case.organisation_id}"
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = parent / f"case-{case.pk}"
    work = Path(tempfile.mkdtemp(prefix=f".case-{case.pk}-", dir=parent))
    try:
        files = [(RATINGS_FILE, _ratings_csv(case)), *_record_pdfs(case.pk)]
        listed = []
        for name, content in files:
            path = work / name
            path.write_bytes(content)
            os.chmod(path, 0o600)
            listed.append({"name": name, "bytes": len(content),
                           "sha256": hashlib.sha256(content).hexdigest()})
        manifest = {
            "format": MANIFEST_FORMAT,
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "action_after_archiving": action,
            "case": _case_facts(case),
            "ratings_file_format": "docs/fit-definitions.md section 6",
            "records_format": "PDF/A-2a",
            "files": listed,
        }
        manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
        (work / MANIFEST).write_bytes(manifest_bytes)
        os.chmod(work / MANIFEST, 0o600)
        problems = verify_archive(work)
        if problems:
            raise RuntimeError(f"archive of case {case.pk} does not verify: {problems}")
        if final.exists():
            shutil.rmtree(final)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final, hashlib.sha256(manifest_bytes).hexdigest()


def verify_archive(folder: Path) -> list[str]:
    """What is wrong with an archive folder (empty when every file's checksum and size
    match its manifest and no file is missing or unlisted)."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{MANIFEST}: cannot be read ({type(exc).__name__})"]
    problems = []
    listed = set()
    for entry in manifest.get("files", []):
        name = entry.get("name", "")
        listed.add(name)
        path = folder / name
        if "/" in name or not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256_of(path) != entry.get("sha256"):
            problems.append(f"{name}: checksum differs")
        elif path.stat().st_size != entry.get("bytes"):
            problems.append(f"{name}: size differs")
    for path in sorted(folder.iterdir()):
        if path.name != MANIFEST and path.name not in listed:
            problems.append(f"{path.name}: not in the manifest")
    return problems


def apply_case(planned: PlannedCase, root: Path | None = None) -> Done | None:
    """Archive one due case, then anonymise or delete it, in one transaction. None when
    the case is no longer due (handled by a concurrent run, reopened, gone)."""
    with transaction.atomic():
        case = (Case.objects.select_for_update().select_related("organisation")
                .filter(pk=planned.case_id, phase=Phase.CLOSED,
                        closed_on=planned.closed_on).first())
        if case is None or RetainedCase.objects.filter(case_id=planned.case_id).exists():
            return None
        folder, manifest_sha = write_archive(case, planned.action, root)
        n_files = len(list(folder.iterdir()))
        kwargs = {"closed_on": case.closed_on, "archive": str(folder),
                  "manifest_sha256": manifest_sha}
        if planned.action == RetentionAction.DELETE:
            actions.delete_case(case, **kwargs)
        else:
            actions.anonymise_case(case, **kwargs)
    return Done(planned.case_id, planned.action, folder, n_files)


def run(organisation: Organisation, *, apply: bool, today: datetime.date | None = None,
        root: Path | None = None, user=None) -> tuple[Plan, list[Done]]:
    """The plan, logged; with apply, each due case archived and then handled."""
    with transaction.atomic():
        result = plan(organisation, today)
        record(user, AccessAction.LIST, "case", purpose="retention " + ("run" if apply
                                                                         else "dry run"),
               detail={"organisation_id": organisation.pk, "apply": apply,
                       "case_ids": [c.case_id for c in result.cases],
                       "not_yet_due": result.not_yet_due,
                       "deletion_refused": result.deletion_refused})
    done: list[Done] = []
    if apply:
        for planned in result.cases:
            finished = apply_case(planned, root)
            if finished is not None:
                done.append(finished)
    return result, done


def check_archive_root(root: Path | None = None) -> str | None:
    """Why the archive directory cannot be used (None when it can): made if missing,
    and written to once."""
    root = root or archive_root()
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".write-test-"):
            pass
    except OSError as exc:
        return f"the archive directory {root} cannot be written ({exc.strerror or exc})"
    return None


@task()
def apply_retention_everywhere() -> list[dict]:
    """The task for a nightly schedule: apply_retention for every organisation that has
    a retention rule."""
    return [apply_retention.call(organisation_id) for organisation_id in
            RetentionPolicy.objects.order_by("organisation_id")
            .values_list("organisation_id", flat=True)]


@task()
def apply_retention(organisation_id: int) -> dict:
    """The task: `fokus retention --organisation ... --apply` for one organisation (by id;
    nothing personal in the queue). Returns the counts."""
    organisation = Organisation.objects.get(pk=organisation_id)
    problem = check_archive_root()
    if problem:
        raise RuntimeError(problem)
    result, done = run(organisation, apply=True)
    return {"organisation_id": organisation_id, "due": len(result.cases), "done": len(done),
            "not_yet_due": result.not_yet_due}
