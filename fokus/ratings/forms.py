"""The paper-entry form. It only parses; the rules live in ratings.actions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fokus.lib.forms import DateInput


class PaperRatingForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Who is rated"), coerce=int)
    rater = forms.TypedChoiceField(
        label=_("Who rated"), coerce=int,
        help_text=_("The same person for a self-rating, or e.g. a parent rating a child."),
    )
    rated_on = forms.DateField(label=_("Date of the rating"),
                               widget=DateInput())
    total = forms.CharField(
        label=_("Total (optional, checked against the items)"), required=False, max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args, case, instrument, **kwargs):
        super().__init__(*args, **kwargs)
        people = [(p.pk, f"{p.full_name} ({p.get_role_display()})") for p in case.persons.all()]
        self.fields["person"].choices = people
        self.fields["rater"].choices = people
        self.fields["rated_on"].initial = timezone.localdate()
        self.items = list(instrument.items.all())
        for item in self.items:
            # Free text, not a number field: a Danish "6,4" must reach the check,
            # which explains any problem in words.
            self.fields[f"item{item.position}"] = forms.CharField(
                label=item.label, max_length=10,
                help_text=_("cm from the left end, 0.0-10.0") if item.step < 1 else
                _("%(min)s-%(max)s") % {"min": int(item.min_value), "max": int(item.max_value)},
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"item{item.position}"] for item in self.items]
