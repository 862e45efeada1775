"""The import page (issue 13, point 3): upload a CSV or XLSX file of historical ratings,
map its columns to the ratings file's, see the first rows and every row that cannot be
taken, and import, all or nothing, in the task worker with a progress bar.

Who: a team leader (for his teams) or a FIT superuser (policy.imports_ratings). A job
is opened only by the user who uploaded it; anything else is 404 and logged. The file
is read through the one reader (fokus.outcomes.ratings_csv) and checked and stored by
the import core (fokus.interchange.imports); nothing is stored unless no row is bad."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fokus.accounts import policy
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.interchange import actions
from fokus.interchange.forms import FORMAT_COLUMN_NAMES, FORMAT_COLUMNS, MappingForm, UploadForm
from fokus.interchange.models import ImportJob
from fokus.interchange.tasks import counts, import_ratings_file, read_job

PREVIEW_ROWS = 10
MAX_REPORTED = 1000  # rows listed on the page; the count says how many there are


def _refuse(user, object_id, purpose: str):
    with transaction.atomic():
        record(user, AccessAction.DENIED, "import", str(object_id)[:64], purpose=purpose)
    raise Http404


def _allowed(request, purpose: str) -> None:
    if not policy.imports_ratings(request.user):
        _refuse(request.user, "", purpose)


def _job(request, job_id, purpose: str) -> ImportJob:
    """The user's own job; another's (another organisation's, a forged id) is 404, logged."""
    _allowed(request, purpose)
    job = ImportJob.objects.select_related("team").filter(
        pk=job_id, created_by=request.user, organisation_id=request.user.organisation_id).first()
    if job is None:
        _refuse(request.user, job_id, purpose)
    return job


def _message(error) -> str:
    """A reader's or the import's RowError in the user's language."""
    params = getattr(error, "params", None) or {}
    text = _(error.message) if getattr(error, "message", None) else str(error)
    try:
        return text % params if params else text
    except (KeyError, TypeError, ValueError):
        return text


def _report(errors) -> list[dict]:
    return [{"line": e.line or "", "column": getattr(e, "column", None) or "",
             "reason": _message(e)} for e in errors[:MAX_REPORTED]]


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    _allowed(request, "import page")
    actions.delete_expired_jobs()
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        from fokus.outcomes.ratings_csv import read_header

        try:
            header = [str(text) for text in read_header(form.content,
                                                        filename=f"import.{form.kind}")]
        except Exception:  # a file the reader cannot open at all
            header = []
        if not [text for text in header if text.strip()]:
            form.add_error("file", _("No header row was found in the file: the first row "
                                     "must name the columns."))
        else:
            job = actions.create_job(request.user, team=form.cleaned_data["team"],
                                     kind=form.kind, content=form.content, header=header)
            return redirect("interchange:import_mapping", job_id=job.pk)
    return render(request, "interchange/upload.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request, job_id):
    job = _job(request, job_id, "import mapping")
    if job.state != ImportJob.State.UPLOADED:
        return redirect("interchange:import_progress", job_id=job.pk)
    form = MappingForm(request.POST or None, header=job.header, mapping=job.mapping)
    if request.method == "POST" and form.is_valid():
        actions.set_mapping(job, form.mapping())
        return redirect("interchange:import_preview", job_id=job.pk)
    return render(request, "interchange/mapping.html", {"form": form, "job": job})


def _check(job: ImportJob):
    """The file read with the mapping, then checked against the database: (read, errors,
    check). Nothing is written."""
    read = read_job(job)
    if read.errors:
        return read, list(read.errors), None
    from fokus.interchange.imports import check_import

    check = check_import(job.organisation, read, team=job.team)
    return read, list(check.errors), check


def _preview_rows(read) -> tuple[list[str], list[list[str]]]:
    frame = read.ratings
    if frame is None or len(frame) == 0:
        return [], []
    frame = frame.head(PREVIEW_ROWS)
    columns = [c for c in ("line", *FORMAT_COLUMN_NAMES) if c in frame.columns]
    rows = [["" if _missing(v) else _cell(v) for v in values]
            for values in frame[columns].itertuples(index=False)]
    if "score_t" in frame.columns:  # the total as read: integer tenths in the frame
        columns.append("total")
        for row, tenths in zip(rows, frame["score_t"], strict=True):
            row.append(_number(tenths / 10))
    titles = {name: title for name, title, _text in FORMAT_COLUMNS}
    return [(name, titles.get(name, _("Line"))) for name in columns], rows


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return formats.number_format(float(text), decimal_pos=None) if "." in text else text


def _missing(value) -> bool:
    try:
        return value is None or value != value  # NaN, NaT
    except (TypeError, ValueError):
        return False


def _cell(value) -> str:
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    return str(value)


@login_required
@require_GET
def preview(request, job_id):
    job = _job(request, job_id, "import preview")
    if job.state != ImportJob.State.UPLOADED:
        return redirect("interchange:import_progress", job_id=job.pk)
    if not job.mapping:
        return redirect("interchange:import_mapping", job_id=job.pk)
    read, errors, check = _check(job)
    columns, rows = _preview_rows(read)
    warnings = _report(getattr(read, "warnings", []) or [])
    return render(request, "interchange/preview.html", {
        "job": job, "errors": _report(errors), "n_errors": len(errors),
        "shown_errors": min(len(errors), MAX_REPORTED), "warnings": warnings,
        "counts": counts(check) if check is not None else None,
        "columns": columns, "rows": rows, "n_rows": len(read.ratings) if not errors else 0})


@login_required
@require_POST
def start(request, job_id):
    """Import: checked once more (the database may have changed since the preview); with
    any bad row nothing is queued and the preview shows why."""
    job = _job(request, job_id, "import start")
    if job.state != ImportJob.State.UPLOADED:
        return redirect("interchange:import_progress", job_id=job.pk)
    read, errors, _check_result = _check(job)
    if errors or not job.mapping:
        return redirect("interchange:import_preview", job_id=job.pk)
    if actions.queue(job, total=len(read.ratings)):
        import_ratings_file.enqueue(str(job.pk))
    return redirect("interchange:import_progress", job_id=job.pk)


def _status(job: ImportJob) -> dict:
    report = job.report or {}
    done = job.state == ImportJob.State.DONE
    if done and not report.get("ratings_new"):
        text = _("The file had been imported before: nothing was added.")
    elif done:
        text = _("Imported: %(ratings)d ratings, %(cases)d new cases, %(persons)d new "
                 "persons. %(already)d ratings were there already.") % {
            "ratings": report.get("ratings_new", 0), "cases": report.get("cases_new", 0),
            "persons": report.get("persons_new", 0),
            "already": report.get("ratings_already_there", 0)}
    elif job.state == ImportJob.State.FAILED:
        text = _("The import failed and nothing was stored. Check the file and try again, "
                 "or ask the IT department.")
    else:
        text = _("Importing: %(done)d of %(total)d ratings.") % {
            "done": job.progress_done, "total": job.progress_total}
    return {"state": job.state, "done": job.progress_done, "total": job.progress_total,
            "percent": job.percent, "text": text,
            "finished": job.state in (ImportJob.State.DONE, ImportJob.State.FAILED)}


@login_required
@require_GET
def progress(request, job_id):
    job = _job(request, job_id, "import progress")
    if job.state == ImportJob.State.UPLOADED:
        return redirect("interchange:import_preview", job_id=job.pk)
    return render(request, "interchange/progress.html", {"job": job, "status": _status(job)})


@login_required
@require_GET
def status(request, job_id):
    """The progress bar's figures, polled by interchange/import-progress.js."""
    job = _job(request, job_id, "import progress")
    return JsonResponse(_status(job))
