"""Configuration only. Cases, persons and ratings are personal data and are read
through Fokus's own pages, where every read is logged; they are not in the admin."""

from django.contrib import admin

from fokus.cases.models import Organisation, Team, Unit


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality_code")
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation")
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "unit")
    list_filter = ("unit",)
