"""Retention rules and research projects, configured by the administrator. Every
write goes through fokus.privacy.actions, with its access-log entry; the retention
job's record of what it did (retained cases) is read-only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from fokus.accounts.admin import OrganisationScoped, ScopedAdmin
from fokus.privacy import actions
from fokus.privacy.models import ResearchProject, RetainedCase, RetentionPolicy


class RetentionPolicyForm(forms.ModelForm):
    """The archive rule on the form, as a message rather than an error page."""

    class Meta:
        model = RetentionPolicy
        fields = ("organisation", "keep_months", "action", "archive_allows_deletion")

    def clean(self):
        cleaned = super().clean()
        candidate = RetentionPolicy(action=cleaned.get("action"),
                                    archive_allows_deletion=bool(
                                        cleaned.get("archive_allows_deletion")))
        try:
            actions.check_retention_policy(candidate)
        except ValidationError as error:
            self.add_error("action", error)
        return cleaned


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ScopedAdmin):
    form = RetentionPolicyForm
    list_display = ("organisation", "keep_months", "action", "archive_allows_deletion",
                    "updated_at")

    def save_model(self, request, obj, form, change):
        actions.save_retention_policy(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        # Without a rule nothing is ever anonymised: change it instead.
        return False


@admin.register(ResearchProject)
class ResearchProjectAdmin(ScopedAdmin):
    list_display = ("name", "organisation", "active", "created_by", "created_at")
    list_filter = ("active",)
    fields = ("organisation", "name", "purpose", "active", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        actions.save_research_project(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        # The access log names the project of every download: a project ends by being
        # set inactive, never deleted.
        return False


@admin.register(RetainedCase)
class RetainedCaseAdmin(OrganisationScoped, admin.ModelAdmin):
    list_display = ("case_id", "organisation", "action", "closed_on", "done_at", "archive")
    list_filter = ("action",)
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
