"""Paper entry: a rating taken on paper, typed in by the caseworker."""

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fokus.cases import access
from fokus.instruments.access import usable_instruments
from fokus.instruments.wording import wording_for
from fokus.lib.i18n import current_language
from fokus.ratings import actions
from fokus.ratings.forms import PaperRatingForm
from fokus.ratings.models import RatingMode


@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request, case_id: int):
    """Type in a rating taken on paper: the measured cm per line, beside the wording
    the person read (instruction, item labels, the words at both ends)."""
    case = access.get_case_for_user(request.user, case_id, purpose="paper entry",
                                    shown=access.all_persons)  # the form lists them
    instruments = usable_instruments(case.organisation_id, timezone.localdate())
    chosen = request.POST.get("instrument") or request.GET.get("instrument") or "ORS"
    instrument = next((i for i in instruments if i.code == chosen), None)
    if instrument is None:
        if not instruments:
            return render(request, "ratings/paper_form.html", {"case": case, "instruments": []})
        instrument = instruments[0]
    wording = wording_for(instrument, current_language(), case.organisation_id)
    form = PaperRatingForm(request.POST or None, case=case, instrument=instrument,
                           wording=wording)
    if request.method == "POST" and form.is_valid():
        persons = {p.pk: p for p in case.persons.all()}
        try:
            actions.record_rating(
                request.user, case, instrument=instrument,
                person=persons[form.cleaned_data["person"]],
                rater=persons[form.cleaned_data["rater"]],
                rated_on=form.cleaned_data["rated_on"], answers=form.answers(),
                total=form.cleaned_data["total"], mode=RatingMode.PAPER,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            flash.success(request, _("The rating was saved."))
            return redirect("insights:case", case_id=case.pk)
    return render(request, "ratings/paper_form.html",
                  {"case": case, "form": form, "instrument": instrument,
                   "instruments": instruments, "wording": wording})
