import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fokus.cases.models import PersonRole
from fokus.lib.forms import DateInput, FokusForm


class CaseSearchForm(FokusForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    closed = forms.BooleanField(label=_("Include closed cases"), required=False)


class PersonForm(FokusForm):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role in the case"), choices=PersonRole.choices)
    birth_date = forms.DateField(
        label=_("Birth date"), required=False,
        widget=DateInput(),
    )
    birth_year = forms.IntegerField(
        label=_("Birth year, if the date is unknown"), required=False, min_value=1900,
        max_value=2100,
    )
    cpr = forms.CharField(
        label=_("CPR number (optional)"), required=False, max_length=11,
        help_text=_("10 digits, DDMMYY-XXXX. Never shown in lists."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_birth_date(self):
        """A birth date in the last 125 years, not in the future (cases.actions.add_person
        refuses a future one too)."""
        born = self.cleaned_data.get("birth_date")
        today = timezone.localdate()
        if born and born > today:
            raise forms.ValidationError(_("The birth date is in the future."))
        if born and born < datetime.date(today.year - 125, 1, 1):
            raise forms.ValidationError(_("The birth date is more than 125 years ago."))
        return born

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("The birth year is in the future."))
        return year
