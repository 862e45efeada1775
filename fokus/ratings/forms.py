"""The paper-entry form. It only parses; the rules live in ratings.actions."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fokus.instruments.languages import family_languages
from fokus.instruments.models import Measures
from fokus.lib.forms import DateInput, FokusForm
from fokus.lib.i18n import current_language


class PaperRatingForm(FokusForm):
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

    def __init__(self, *args, case, instrument, wording=None, **kwargs):
        """`wording`: the instrument's wording in the page's language
        (fokus.instruments.wording), for each item's label, text and the words at its ends."""
        super().__init__(*args, **kwargs)
        self.case = case
        people = [(p.pk, f"{p.full_name} ({p.get_role_display()})") for p in case.persons.all()]
        self.fields["person"].choices = people
        self.fields["rater"].choices = people
        self.fields["rated_on"].initial = timezone.localdate()
        self.items = list(instrument.items.all())
        texts = {t.position: t for t in wording.items} if wording else {}
        for item in self.items:
            text = texts.get(item.position)
            scale = (_("cm from the left end, 0.0-10.0") if item.step < 1 else
                     _("%(min)s-%(max)s") % {"min": int(item.min_value),
                                             "max": int(item.max_value)})
            if text and (text.low or text.high):
                scale = _("%(scale)s; %(min)s = %(low)s, %(max)s = %(high)s") % {
                    "scale": scale, "min": _number(item.min_value), "low": text.low,
                    "max": _number(item.max_value), "high": text.high}
            # Free text, not a number field: a Danish "6,4" must reach the check,
            # which explains any problem in words.
            self.fields[f"item{item.position}"] = forms.CharField(
                label=text.label if text else item.label, max_length=10,
                help_text=f"{text.text} ({scale})" if text and text.text else scale,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )

    def clean(self):
        """The date between the case's opening (and the births of both persons) and
        today; ratings.actions.check_rating checks it again."""
        from fokus.cases.actions import date_problems

        data = super().clean()
        if data.get("rated_on"):
            persons = {p.pk: p for p in self.case.persons.all()}
            chosen = [persons[pk] for pk in dict.fromkeys([data.get("person"), data.get("rater")])
                      if pk in persons]
            for problem in date_problems(self.case, data["rated_on"], persons=chosen):
                self.add_error("rated_on", problem)
        return data

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"item{item.position}"] for item in self.items]


def _number(value) -> str:
    return str(int(value)) if value == int(value) else str(value)


PRIVATE_OPTION_AGE = 13


class MeetingStartForm(FokusForm):
    held_on = forms.DateField(label=_("Date of the meeting"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind of meeting"))
    present = forms.TypedMultipleChoiceField(
        label=_("Who is present"), coerce=int, widget=forms.CheckboxSelectMultiple,
    )

    private_children = forms.TypedMultipleChoiceField(
        label=_("The child has asked that parents don't see the child's ratings"),
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Kept for later meetings; it can be changed on the case page."))

    def __init__(self, *args, case, **kwargs):
        from fokus.cases.models import MeetingKind, PersonRole

        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["held_on"].initial = timezone.localdate()
        self.fields["kind"].choices = MeetingKind.choices
        self.fields["kind"].initial = MeetingKind.HOME_VISIT
        self.fields["present"].choices = [
            (p.pk, f"{p.full_name} ({p.get_role_display()})") for p in case.persons.all()]
        # Offered (never pre-ticked) for children of 13 and older.
        self.fields["private_children"].choices = [
            (p.pk, p.full_name) for p in case.persons.all()
            if p.role == PersonRole.CHILD and p.age_today >= PRIVATE_OPTION_AGE]
        # The language each person rates in on the family screen (the page's by default).
        self.language_fields = []
        for p in case.persons.all():
            name = f"language_{p.pk}"
            self.fields[name] = forms.ChoiceField(
                label=_("%(name)s rates in") % {"name": p.full_name},
                choices=family_languages(), initial=current_language(), required=False)
            self.language_fields.append(name)

    def clean(self):
        """The date between the case's opening (and the births of those present) and
        tomorrow; cases.actions.record_meeting checks it again."""
        from fokus.cases.actions import MEETING_DAYS_AHEAD, date_problems

        data = super().clean()
        if data.get("held_on"):
            present = set(data.get("present") or ())
            persons = [p for p in self.case.persons.all() if p.pk in present]
            for problem in date_problems(self.case, data["held_on"], persons=persons,
                                         days_ahead=MEETING_DAYS_AHEAD):
                self.add_error("held_on", problem)
        return data

    @property
    def language_bound_fields(self):
        return [self[name] for name in self.language_fields]

    def languages(self) -> dict[int, str]:
        """{person id: language} for the persons present."""
        return {pk: self.cleaned_data.get(f"language_{pk}") or current_language()
                for pk in self.cleaned_data["present"]}


class RatingLinkForm(FokusForm):
    CHANNELS = [("email", _("E-mail")), ("sms", _("SMS"))]

    rater = forms.TypedChoiceField(label=_("Send to"), coerce=int)
    person = forms.TypedChoiceField(
        label=_("Who is rated"), coerce=int,
        help_text=_("The same person for a self-rating, or e.g. a child rated by a parent."))
    measures = forms.ChoiceField(label=_("What to rate"), choices=[
        (Measures.OUTCOME, _("How life is going (outcome)")),
        (Measures.ALLIANCE, _("How the last meeting went (session)"))])
    language = forms.ChoiceField(
        label=_("Language of the rating page"), required=False, initial="da",
        help_text=_("The person can change it on the page."))
    channel = forms.ChoiceField(label=_("Send by"), choices=CHANNELS,
                                widget=forms.RadioSelect, initial="sms")
    address = forms.CharField(
        label=_("E-mail address or mobile number"), max_length=200,
        help_text=_("Used only to send this link (and its one reminder): kept until then, then erased."))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        people = [(p.pk, f"{p.full_name} ({p.get_role_display()})") for p in case.persons.all()]
        self.fields["rater"].choices = people
        self.fields["person"].choices = people
        self.fields["language"].choices = family_languages()

    def clean(self):
        data = super().clean()
        address = data.get("address", "")
        if data.get("channel") == "email":
            try:
                forms.EmailField().clean(address)
            except forms.ValidationError:
                self.add_error("address", _("Enter a valid e-mail address."))
        elif data.get("channel") == "sms":
            digits = address.replace(" ", "").replace("+", "")
            if not digits.isdigit() or len(digits) < 8:
                self.add_error("address", _("Enter a mobile number of at least 8 digits."))
        return data


class UnlockForm(FokusForm):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
