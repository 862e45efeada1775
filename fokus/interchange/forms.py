"""The import page's forms: the upload (file and team) and the mapping step."""

from __future__ import annotations

import io
import zipfile

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fokus.accounts import policy
from fokus.cases.models import Team
from fokus.lib.forms import FokusForm
from fokus.outcomes.columns import ALIAS_COLUMN, REQUIRED_COLUMNS, header_key

# A year of a large municipality's ratings is a few MB; the command line (`fokus import`)
# takes larger files.
MAX_BYTES = 20 * 1024 * 1024

# The ratings file's columns (docs/fit-definitions.md section 6): name, title, what it holds.
FORMAT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("case_id", gettext_lazy("Case number"), gettext_lazy("The case's number: ratings with the same number are one case.")),
    ("person_id", gettext_lazy("Person"), gettext_lazy("The id of the person rated (the child or the adult), unique "
                               "within the case. Not a CPR number.")),
    ("rater_id", gettext_lazy("Filled in by"), gettext_lazy("The id of the person who filled in the form: the same as the "
                              "person's id for a self-rating, a parent's id for a parent's "
                              "rating of a child.")),
    ("birth_date", gettext_lazy("Birth date"), gettext_lazy("The person's birth date (year-month-day), for the age group "
                                "of outcome ratings.")),
    ("instrument", gettext_lazy("Form"), gettext_lazy("The form: ORS, SRS, CORS, CSRS, GSRS, CGSRS, YCORS or YCSRS.")),
    ("date", gettext_lazy("Date"), gettext_lazy("The day of the rating (year-month-day).")),
    ("item1", gettext_lazy("Line 1"), gettext_lazy("The answer to the first line (0-10, one decimal; 1-4 on the "
                           "faces forms).")),
    ("item2", gettext_lazy("Line 2"), gettext_lazy("The answer to the second line.")),
    ("item3", gettext_lazy("Line 3"), gettext_lazy("The answer to the third line.")),
    ("item4", gettext_lazy("Line 4"), gettext_lazy("The answer to the fourth line.")),
    ("total", gettext_lazy("Total"), gettext_lazy("The total score; checked against the lines when both are given.")),
    ("team_id", gettext_lazy("Team"), gettext_lazy(
        "The team, where the file says it (else the team chosen with the upload).")),
    ("caseworker_id", gettext_lazy("Caseworker"), gettext_lazy("The caseworker's id in the other system (kept with the "
                                   "case).")),
    ("intervention", gettext_lazy("Intervention"), gettext_lazy("The intervention the rating belongs to.")),
)
FORMAT_COLUMN_NAMES = tuple(name for name, _title, _text in FORMAT_COLUMNS)


def file_kind(content: bytes, name: str) -> str:
    """What the file is by its content ("csv" or "xlsx"); the name's ending must agree.
    Raises ValidationError for anything else."""
    ending = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if content[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                is_workbook = "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile:
            is_workbook = False
        if is_workbook and ending in ("xlsx", ""):
            return "xlsx"
    elif b"\x00" not in content[:65536] and ending in ("csv", "txt", ""):
        return "csv"
    raise ValidationError(_("The file is not a CSV file or an Excel workbook (.xlsx). Save "
                            "it from the spreadsheet as CSV or as an Excel workbook and "
                            "upload it again."), code="kind")


class UploadForm(FokusForm):
    file = forms.FileField(label=gettext_lazy("The file (CSV or Excel workbook, .xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}))
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), label=gettext_lazy("The team the new cases go to"),
        help_text=gettext_lazy("Cases already in Fokus stay in their team."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        teams = Team.objects.filter(unit__organisation_id=user.organisation_id)
        if not policy.role_may(user.role, "organisation_cases"):
            teams = teams.filter(members=user)
        self.fields["team"].queryset = teams.select_related("unit").order_by("name")
        if len(choices := list(teams[:2])) == 1:  # his only team: nothing to choose
            self.fields["team"].empty_label = None
            self.fields["team"].initial = choices[0].pk

    def clean_team(self):
        team = self.cleaned_data["team"]
        is_member = team.members.filter(pk=self.user.pk).exists()
        if not policy.imports_for_team(self.user, team, is_member=is_member):
            raise ValidationError(_("Choose one of your teams."), code="team")
        return team

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)d MB. Split it into smaller files, or ask "
                  "the IT department to import it with the command fokus import.")
                % {"mb": MAX_BYTES // (1024 * 1024)}, code="size")
        if upload.size == 0:
            raise ValidationError(_("The file is empty."), code="empty")
        content = upload.read()
        self.kind = file_kind(content, upload.name or "")
        self.content = content
        return upload


def preselected(header: list[str]) -> dict[str, str]:
    """{format column: the file's header text} where a header is recognised."""
    chosen: dict[str, str] = {}
    for text in header:
        column = text if text in FORMAT_COLUMN_NAMES else ALIAS_COLUMN.get(header_key(text))
        if column in FORMAT_COLUMN_NAMES and column not in chosen:
            chosen[column] = text
    return chosen


class MappingForm(FokusForm):
    """One choice per format column: which of the file's columns holds it."""

    def __init__(self, *args, header: list[str], mapping: dict[str, str] | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.header = header
        choices = [("", _("(not in the file)"))] + [(text, text) for text in header if text]
        if mapping:
            initial = {column: text for text, column in mapping.items() if column}
        else:
            initial = preselected(header)
        self.explanations = {}
        for name, title, explanation in FORMAT_COLUMNS:
            self.fields[name] = forms.ChoiceField(
                label=title, choices=choices, required=False, initial=initial.get(name, ""),
                help_text=explanation)
            self.explanations[name] = explanation

    def clean(self):
        data = super().clean()
        missing = [name for name in REQUIRED_COLUMNS if not data.get(name)]
        if missing:
            raise ValidationError(
                _("Choose the file's column for: %(columns)s.") % {"columns": ", ".join(missing)},
                code="required")
        used: dict[str, str] = {}
        for name in FORMAT_COLUMN_NAMES:
            text = data.get(name)
            if text and text in used:
                raise ValidationError(
                    _("The file's column “%(text)s” is chosen for both %(first)s and "
                      "%(second)s.") % {"text": text, "first": used[text], "second": name},
                    code="twice")
            if text:
                used[text] = name
        return data

    def mapping(self) -> dict[str, str]:
        """{the file's header text: format column or ""}, as the reader takes it."""
        chosen = {self.cleaned_data[name]: name for name in FORMAT_COLUMN_NAMES
                  if self.cleaned_data.get(name)}
        # A column not chosen is left out (""), even where its header would be recognised.
        return {text: chosen.get(text, "") for text in self.header if text}

    def rows(self):
        """(format column, bound field, explanation) per format column, for the template."""
        return [(name, self[name], self.explanations[name]) for name in FORMAT_COLUMN_NAMES]
