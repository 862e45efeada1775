"""The data protection officer's pages: find a person, who has seen the person's data,
what one user did, and both as CSV and PDF for a citizen's request (aktindsigt,
indsigtsret, GDPR art. 15). Reads go through fokus.privacy.dpo, which refuses anyone
but the DPO (404, logged) and logs every read of the log, exports included.

A search for a person is a POST: a name, a birth date or a CPR number never goes into
a URL (nor, with it, a server log); the access log keeps the criterion."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from fokus.audit.words import object_word, purpose_word
from fokus.cases.cpr import clean_cpr
from fokus.lib.forms import DateInput, parse_id
from fokus.lib.spreadsheet import safe_cell
from fokus.privacy import dpo


class PersonSearchForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name (first or last name, or both)"),
                           max_length=200, required=False)
    birth_date = forms.DateField(label=gettext_lazy("Birth date"), required=False,
                                 widget=DateInput())
    cpr = forms.CharField(label=gettext_lazy("CPR number"), max_length=11, required=False,
                          help_text=gettext_lazy("DDMMYY-XXXX or 10 digits."),
                          widget=forms.TextInput(attrs={"autocomplete": "off",
                                                        "inputmode": "numeric"}))

    def clean_cpr(self):
        raw = (self.cleaned_data.get("cpr") or "").strip()
        if not raw:
            return ""
        try:
            clean_cpr(raw)
        except ValidationError as exc:
            raise ValidationError(_("Write the CPR number as DDMMYY-XXXX or as 10 digits.")
                                  ) from exc
        if not dpo.cpr_search_available():
            raise ValidationError(_("Searching by CPR number is not available yet."))
        return raw

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("name", "").strip() or data.get("birth_date")
                                    or data.get("cpr")):
            raise ValidationError(_("Write a name, a birth date or a CPR number."))
        return data

    def search(self) -> dpo.Search:
        d = self.cleaned_data
        return dpo.Search(name=" ".join(d.get("name", "").split()),
                          birth_date=d.get("birth_date"), cpr=d.get("cpr", ""))


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    until = forms.DateField(label=gettext_lazy("To (inclusive)"), required=False,
                            widget=DateInput())

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise ValidationError(_("The start date must be on or before the end date."))
        return data

    def period(self) -> dpo.Period:
        return dpo.Period(self.cleaned_data.get("since"), self.cleaned_data.get("until"))


# ---------------------------------------------------------------------------
# The DPO's start page: find a person, pick a user.


@login_required
@require_http_methods(["GET", "POST"])
def home(request):
    dpo.require_dpo(request.user, "dpo_home")
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    found = None
    if request.method == "POST" and form.is_valid():
        found = dpo.find_persons(request.user, form.search())
    return render(request, "privacy/dpo_home.html", {
        "form": form, "found": found, "staff": dpo.staff_for(request.user),
        "cpr_available": dpo.cpr_search_available(), "max_found": dpo.MAX_FOUND})


@login_required
@require_GET
def user_pick(request):
    """The start page's choice of a user: to that user's page (the id, not a name, in the URL)."""
    dpo.require_dpo(request.user, "user_log")
    user_id = parse_id(request.GET.get("user"))
    if user_id < 1:
        return redirect("privacy:home")
    return redirect("privacy:dpo_user", user_id=user_id)


# ---------------------------------------------------------------------------
# One person: who has seen the person's data.


def _period_or_errors(request):
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, (form.period() if form.is_bound else dpo.Period())


def _back_to_page(request, name: str, **kwargs):
    """An export with a bad period: back to its page, which shows the form's message."""
    return redirect(reverse(name, kwargs=kwargs) + "?" + request.GET.urlencode())


@login_required
@require_GET
def person_log(request, person_id: int):
    dpo.require_dpo(request.user, "person_log", person_id)
    form, period = _period_or_errors(request)
    # Bad dates: a message, and nothing of the person is read (nor shown).
    report = dpo.person_report(request.user, person_id, period) if period else None
    return render(request, "privacy/dpo_person.html", {
        "form": form, "report": report, "person": report.person if report else None,
        "query": _query(request)})


@login_required
@require_GET
def person_log_csv(request, person_id: int):
    dpo.require_dpo(request.user, "person_log", person_id)
    form, period = _period_or_errors(request)
    if period is None:
        return _back_to_page(request, "privacy:dpo_person", person_id=person_id)
    report = dpo.person_report(request.user, person_id, period,
                               purpose="DPO: person's log exported as CSV")
    rows = [(g, e) for g in report.groups for e in g.entries]
    rows.sort(key=lambda ge: (ge[1].at, ge[1].pk), reverse=True)
    return _csv(rows, f"fokus-adgangslog-person-{report.person.pk}",
                about=report.person.full_name)


@login_required
@require_GET
def person_log_pdf(request, person_id: int):
    dpo.require_dpo(request.user, "person_log", person_id)
    form, period = _period_or_errors(request)
    if period is None:
        return _back_to_page(request, "privacy:dpo_person", person_id=person_id)
    report = dpo.person_report(request.user, person_id, period,
                               purpose="DPO: person's log exported as PDF")
    pdf = _pdf({"kind": "person", "report": report, "person": report.person,
                "dpo_user": request.user})
    return _download(pdf, "application/pdf", f"fokus-adgangslog-person-{report.person.pk}.pdf")


# ---------------------------------------------------------------------------
# One user: everything the user did.


@login_required
@require_GET
def user_log(request, user_id: int):
    dpo.require_dpo(request.user, "user_log", user_id)
    form, period = _period_or_errors(request)
    subject = dpo.user_heading(request.user, user_id)
    report = dpo.user_report(request.user, user_id, period) if period else None
    return render(request, "privacy/dpo_user.html", {
        "form": form, "report": report, "subject": subject, "query": _query(request)})


@login_required
@require_GET
def user_log_csv(request, user_id: int):
    dpo.require_dpo(request.user, "user_log", user_id)
    form, period = _period_or_errors(request)
    if period is None:
        return _back_to_page(request, "privacy:dpo_user", user_id=user_id)
    report = dpo.user_report(request.user, user_id, period,
                             purpose="DPO: user's log exported as CSV")
    name, role = report.subject.display_name, report.subject.get_role_display()
    group = dpo.UserGroup(report.subject.pk, report.subject.username, name, role)
    return _csv([(group, e) for e in report.entries], f"fokus-adgangslog-bruger-{user_id}")


@login_required
@require_GET
def user_log_pdf(request, user_id: int):
    dpo.require_dpo(request.user, "user_log", user_id)
    form, period = _period_or_errors(request)
    if period is None:
        return _back_to_page(request, "privacy:dpo_user", user_id=user_id)
    report = dpo.user_report(request.user, user_id, period,
                             purpose="DPO: user's log exported as PDF")
    pdf = _pdf({"kind": "user", "report": report, "subject": report.subject,
                "dpo_user": request.user})
    return _download(pdf, "application/pdf", f"fokus-adgangslog-bruger-{user_id}.pdf")


# ---------------------------------------------------------------------------
# Exports.


def _query(request) -> str:
    """The period of the page, kept by its export links."""
    kept = {k: request.GET[k] for k in ("since", "until") if request.GET.get(k)}
    return "?" + "&".join(f"{k}={v}" for k, v in kept.items()) if kept else ""


def _cell(value) -> str:
    """A spreadsheet never runs a cell as a formula (CSV injection)."""
    return str(safe_cell(value))


ABOUT = gettext_lazy("About")
CSV_HEADER = [
    gettext_lazy("When"), gettext_lazy("User"), gettext_lazy("Name"), gettext_lazy("Role"),
    gettext_lazy("Action"), gettext_lazy("What"), gettext_lazy("What, in words"),
    gettext_lazy("Id"), gettext_lazy("Case"),
    gettext_lazy("Person"), gettext_lazy("Persons shown"), gettext_lazy("Purpose"),
    gettext_lazy("Purpose, in words"),
    gettext_lazy("Detail"),
]


def _csv(rows, stem: str, *, about: str | None = None) -> HttpResponse:
    """One row per entry; a person's export names the person on every row (the file
    answers one citizen's request)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")  # Danish spreadsheets read ; as the separator
    writer.writerow(([str(ABOUT)] if about is not None else []) + [str(h) for h in CSV_HEADER])
    for group, e in rows:
        writer.writerow(([_cell(about)] if about is not None else []) + [_cell(v) for v in (
            timezone.localtime(e.at).isoformat(timespec="seconds"), e.username, group.name,
            group.role, e.get_action_display(), e.object_type, object_word(e.object_type),
            e.object_id, e.case_id, e.person_id, " ".join(str(i) for i in dpo.persons_named(e)),
            e.purpose, purpose_word(e.purpose), dpo.detail_text(e))])
    # A byte order mark, so that Excel reads the file as UTF-8 (æ, ø, å).
    return _download(("\ufeff" + out.getvalue()).encode(), "text/csv; charset=utf-8",
                     f"{stem}.csv")


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _pdf(context: dict) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string("privacy/dpo_pdf.html", {**context, "now": timezone.now()})
    css = CSS(filename=finders.find("fokus/dpo.print.css"))
    return HTML(string=html).write_pdf(stylesheets=[css])
