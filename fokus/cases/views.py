from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fokus.cases import access, actions
from fokus.cases.forms import CaseSearchForm, PersonForm
from fokus.insights.views import case_insights
from fokus.lib.forms import parse_id

LATEST_MEETINGS = 10
LATEST_RATINGS = 24


@login_required
def home(request):
    return redirect("cases:list")


@login_required
def case_list(request):
    form = CaseSearchForm(request.GET or None)
    query, include_closed = "", False
    if form.is_valid():
        query = form.cleaned_data["q"]
        include_closed = form.cleaned_data["closed"]
    context = {"form": form, "query": query}
    if access.can_see_names(request.user):
        context["rows"] = access.list_cases_for_user(request.user, query=query,
                                                     include_closed=include_closed)
    else:
        context["pseudonymised_rows"] = access.list_pseudonymised_cases(request.user)
    return render(request, "cases/case_list.html", context)


@login_required
def case_detail(request, case_id: int):
    case = access.get_case_detail_for_user(request.user, case_id)
    ratings = sorted(case.ratings.all(), key=lambda r: (r.rated_on, r.pk), reverse=True)
    meetings = sorted(case.meetings.all(), key=lambda m: (m.held_on, m.pk), reverse=True)
    # The latest first, and only the latest unless asked: the graph shows the history.
    show_all = request.GET.get("all") == "1"
    shown = ratings if show_all else ratings[:LATEST_RATINGS]
    prefetch_related_objects(shown, "answers__item")
    return render(request, "cases/case_detail.html", {
        "case": case, "insights": case_insights(case), "show_all": show_all,
        "ratings": shown, "n_ratings": len(ratings),
        "meetings": meetings if show_all else meetings[:LATEST_MEETINGS],
        "n_meetings": len(meetings),
    })


@login_required
@require_http_methods(["GET", "POST"])
def person_add(request, case_id: int):
    case = access.get_case_for_user(request.user, case_id, purpose="add person")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_person(request.user, case, **form.cleaned_data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            flash.success(request, _("The person was added."))
            return redirect("cases:detail", case_id=case.pk)
    return render(request, "cases/person_form.html", {"case": case, "form": form})


@login_required
@require_POST
def person_privacy(request, case_id: int, person_id: int):
    """A child's ratings kept from the parents on the family screen, or shown again."""
    case = access.get_case_for_user(request.user, case_id, purpose="rating privacy")
    person = case.persons.filter(pk=parse_id(person_id)).first()
    if person is None:
        raise Http404
    private = request.POST.get("private") == "on"
    try:
        actions.set_ratings_private_from_parents(request.user, case, person, private=private)
    except ValidationError as exc:
        for message in exc.messages:
            flash.error(request, message)
    else:
        if private:
            flash.success(request, _("The ratings of %(name)s are not shown to the parents.") % {
                "name": person.first_name})
        else:
            flash.success(request, _("The ratings of %(name)s may be shown to the parents.") % {
                "name": person.first_name})
    return redirect("cases:detail", case_id=case.pk)
