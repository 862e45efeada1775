from django.contrib import admin

from fokus.instruments.models import (
    Instrument,
    InstrumentItem,
    InstrumentLicence,
    ItemWording,
    OrganisationSetting,
    ParameterSet,
    ParameterSetInForce,
)


class InstrumentItemInline(admin.TabularInline):
    model = InstrumentItem
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "family", "measures", "item_type", "min_age", "max_age",
                    "in_statistics", "active")
    list_filter = ("family", "measures", "active")
    inlines = [InstrumentItemInline]


@admin.register(InstrumentLicence)
class InstrumentLicenceAdmin(admin.ModelAdmin):
    list_display = ("organisation", "family", "licensee", "valid_from", "valid_until")
    readonly_fields = ("recorded_by", "recorded_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ItemWording)
class ItemWordingAdmin(admin.ModelAdmin):
    list_display = ("organisation", "item", "language")
    list_filter = ("organisation", "language", "item__instrument")


@admin.register(OrganisationSetting)
class OrganisationSettingAdmin(admin.ModelAdmin):
    list_display = ("organisation", "key", "value", "valid_from", "provenance")
    list_filter = ("organisation", "key")


@admin.register(ParameterSet)
class ParameterSetAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "source", "fitted_on", "n_series")


@admin.register(ParameterSetInForce)
class ParameterSetInForceAdmin(admin.ModelAdmin):
    list_display = ("organisation", "parameter_set", "valid_from")
