"""Configuration only. Cases, persons and ratings are personal data and are read
through Fokus's own pages, where every read is logged; they are not in the admin.

Every write goes through fokus.cases.actions, with its access-log entry."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fokus.accounts.admin import OrganisationScoped, ScopedAdmin
from fokus.cases import actions
from fokus.cases.models import Organisation, Team, Unit


class UnitInline(OrganisationScoped, admin.StackedInline):  # stacked: each field has its label
    model = Unit
    extra = 0


class TeamInline(OrganisationScoped, admin.StackedInline):
    model = Team
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ("name", "municipality_code")
    inlines = [UnitInline]
    fieldsets = [
        (None, {"fields": ["name", "municipality_code", "leaders_see_caseworker_figures"]}),
        (_("Separation of duties"), {"fields": ["role_grants_need_approval",
                                                "caseworkers_see_own_cases_only"]}),
        (_("Rating links"), {"fields": ["rating_link_sender", "rating_link_reminder_hours"]}),
    ]

    def save_model(self, request, obj, form, change):
        actions.save_organisation(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_organisation(request.user, obj)

    def save_inline(self, request, obj):
        actions.save_unit(request.user, obj)

    def delete_inline(self, request, obj):
        actions.delete_unit(request.user, obj)


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ("name", "organisation")
    inlines = [TeamInline]

    def save_model(self, request, obj, form, change):
        actions.save_unit(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_unit(request.user, obj)

    def save_inline(self, request, obj):
        actions.save_team(request.user, obj)

    def delete_inline(self, request, obj):
        actions.delete_team(request.user, obj)


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ("name", "unit")
    list_filter = ("unit",)

    def save_model(self, request, obj, form, change):
        actions.save_team(request.user, obj)

    def delete_model(self, request, obj):
        actions.delete_team(request.user, obj)
