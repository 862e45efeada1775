"""The team's FIT conference board: the cases to talk about, and the decisions taken."""

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fokus.insights import actions
from fokus.insights.board import board_cases, get_board_for_user, team_for_user
from fokus.insights.views.case import page_links
from fokus.lib.forms import DateInput, FokusForm, parse_id


class DecisionForm(FokusForm):
    what = forms.CharField(label=gettext_lazy("What the team decided"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    who = forms.ChoiceField(label=gettext_lazy("Who does it"), required=False)
    who_text = forms.CharField(label=gettext_lazy("Or someone else (name)"), max_length=200,
                               required=False)
    by_when = forms.DateField(label=gettext_lazy("By when"), required=False, widget=DateInput())
    decided_on = forms.DateField(label=gettext_lazy("Conference date"), widget=DateInput())

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {str(m.pk): m for m in members}
        self.fields["who"].choices = [("", _("Choose a team member"))] + [
            (str(m.pk), m.display_name) for m in members]
        self.fields["decided_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not data.get("who") and not (data.get("who_text") or "").strip():
            raise ValidationError(_("Choose who does it, or write a name."))
        return data

    def who_value(self):
        picked = self.cleaned_data.get("who")
        return self.members[picked] if picked else self.cleaned_data["who_text"]


def _prefix(case_pk) -> str:
    return f"c{case_pk}"


def _page_query(page) -> str:
    """Back to the page of the board the decision was made on."""
    number = parse_id(page)
    return f"?page={number}" if number and number > 1 else ""


@login_required
@require_http_methods(["GET", "POST"])
def board(request, team_id: int):
    bound = None
    if request.method == "POST":
        team = team_for_user(request.user, team_id, purpose="team decision")
        case = board_cases(request.user, team).filter(
            pk=parse_id(request.POST.get("case"))).first()
        if case is None:
            actions.record_refused_decision(request.user, request.POST.get("case"))
            raise Http404
        members = list(team.members.filter(is_active=True).order_by("first_name", "username"))
        bound = DecisionForm(request.POST, members=members, prefix=_prefix(case.pk))
        if bound.is_valid():
            try:
                actions.record_team_decision(
                    request.user, team, case, what=bound.cleaned_data["what"],
                    who=bound.who_value(), by_when=bound.cleaned_data["by_when"],
                    decided_on=bound.cleaned_data["decided_on"])
            except ValidationError as exc:
                for message in exc.messages:
                    bound.add_error(None, message)
            else:
                flash.success(request, _("The decision for %(family)s was saved.")
                              % {"family": case.family_name})
                return redirect(reverse("insights:board", kwargs={"team_id": team.pk})
                                + _page_query(request.POST.get("page")) + f"#case-{case.pk}")
    page = request.POST.get("page") if request.method == "POST" else request.GET.get("page")
    found = get_board_for_user(request.user, team_id, page=page)
    if bound is not None and not any(bound.prefix == _prefix(r.case.pk) for r in found.rows):
        for message in [e for errors in bound.errors.values() for e in errors]:
            flash.error(request, message)
        bound = None
    for row in found.rows:
        if bound is not None and bound.prefix == _prefix(row.case.pk):
            row.form = bound
        else:
            row.form = DecisionForm(members=found.members, prefix=_prefix(row.case.pk))
    return render(request, "insights/board.html", {
        "board": found, "team": found.team, "rows": found.rows,
        "unsaved": bound, **page_links(request, found.page)})


@login_required
def my_board(request):
    """The board of the user's own (first) team: the navigation's link, without a query
    on every page."""
    team = request.user.teams.order_by("name", "pk").first()
    if team is None:
        raise Http404
    return redirect("insights:board", team_id=team.pk)
