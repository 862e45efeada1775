"""Instruments, licences, item wordings, FIT settings and ETR parameter sets.
Every write goes through fokus.instruments.actions, with its access-log entry."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from fokus.accounts.admin import ScopedAdmin
from fokus.instruments import actions
from fokus.instruments.models import (
    Instrument,
    InstrumentItem,
    InstrumentLicence,
    InstrumentWording,
    ItemWording,
    OrganisationSetting,
    ParameterSet,
    ParameterSetInForce,
)
from fokus.lib.forms import RefuseControlCharacters


class InstrumentItemInline(admin.StackedInline):  # stacked: each field has its label
    model = InstrumentItem
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(ScopedAdmin):
    list_display = ("code", "name", "family", "measures", "item_type", "min_age", "max_age",
                    "in_statistics", "active")
    list_filter = ("family", "measures", "active")
    inlines = [InstrumentItemInline]

    def save_model(self, request, obj, form, change):
        actions.save_instrument(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        # Ratings refer to their instrument: one that is no longer used is set inactive.
        return False

    def save_inline(self, request, obj):
        actions.save_instrument_item(request.user, obj)

    def delete_inline(self, request, obj):
        actions.delete_instrument_item(request.user, obj)


@admin.register(InstrumentLicence)
class InstrumentLicenceAdmin(ScopedAdmin):
    list_display = ("organisation", "family", "licensee", "valid_from", "valid_until")
    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change):
        actions.save_licence(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_licence(request.user, obj)


class WordingForm(RefuseControlCharacters, forms.ModelForm):
    """The action's licence rule, shown on the form rather than as an error page."""

    def clean(self):
        cleaned = super().clean()
        obj = self.instance
        for name, value in cleaned.items():
            setattr(obj, name, value)
        try:
            if isinstance(obj, ItemWording):
                if obj.item_id is not None:
                    actions.check_item_wording(obj)
            elif obj.instrument_id is not None:
                actions.check_wording(obj.instrument, obj.organisation_id)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


@admin.register(InstrumentWording)
class InstrumentWordingAdmin(ScopedAdmin):
    """An instrument's instruction per language: for the ORS family entered under the
    organisation's licence; WHO-5's Danish and English ship with Fokus."""

    form = WordingForm
    list_display = ("instrument", "language", "organisation")
    list_filter = ("organisation", "language", "instrument")

    def save_model(self, request, obj, form, change):
        actions.save_instrument_wording(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_instrument_wording(request.user, obj)


@admin.register(ItemWording)
class ItemWordingAdmin(ScopedAdmin):
    """An item's label, full text and the words at both ends of its line, per language."""

    form = WordingForm
    list_display = ("item", "language", "organisation", "label", "low_anchor", "high_anchor")
    list_filter = ("organisation", "language", "item__instrument")
    fields = ("organisation", "item", "language", "label", "text", "text_other", "low_anchor",
              "high_anchor")

    def save_model(self, request, obj, form, change):
        actions.save_item_wording(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_item_wording(request.user, obj)


class ValidFromForm(RefuseControlCharacters, forms.ModelForm):
    """The action's date rule, shown on the form rather than as an error page."""

    def clean(self):
        cleaned = super().clean()
        try:
            actions.check_valid_from(self._meta.model, self.instance.pk,
                                     cleaned.get("valid_from"))
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class HistoryAdmin(ScopedAdmin):
    """Rows valid from a date: one from before today is history, read-only (a new
    value is a new row); a bulk delete is not offered."""

    form = ValidFromForm

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._history(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._history(obj)

    def get_actions(self, request):
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found

    @staticmethod
    def _history(obj) -> bool:
        return obj is not None and obj.pk is not None and actions.is_history(obj.valid_from)


@admin.register(OrganisationSetting)
class OrganisationSettingAdmin(HistoryAdmin):
    list_display = ("organisation", "key", "value", "valid_from", "provenance")
    list_filter = ("organisation", "key")

    def save_model(self, request, obj, form, change):
        actions.save_setting(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_setting(request.user, obj)


@admin.register(ParameterSet)
class ParameterSetAdmin(ScopedAdmin):
    list_display = ("name", "organisation", "source", "fitted_on", "n_series")

    def save_model(self, request, obj, form, change):
        actions.save_parameter_set(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_parameter_set(request.user, obj)


@admin.register(ParameterSetInForce)
class ParameterSetInForceAdmin(HistoryAdmin):
    list_display = ("organisation", "parameter_set", "valid_from")

    def save_model(self, request, obj, form, change):
        actions.save_parameter_set_in_force(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_parameter_set_in_force(request.user, obj)
