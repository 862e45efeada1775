from django import forms
from django.utils.translation import gettext_lazy as _

from fokus.cases.models import PersonRole
from fokus.lib.forms import DateInput


class CaseSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    closed = forms.BooleanField(label=_("Include closed cases"), required=False)


class PersonForm(forms.Form):
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
