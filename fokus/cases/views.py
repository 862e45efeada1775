from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fokus.cases import access, actions
from fokus.cases.forms import PersonForm
from fokus.lib.forms import parse_id


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
            return redirect("insights:case", case_id=case.pk)
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
    return redirect("insights:case", case_id=case.pk)
