"""Administrators edit the conversation prompts (through insights.actions, so every
change is in the audit log). Meeting records are personal data and are read only
through Fokus's own pages, so they are not in the admin."""

from django.contrib import admin

from fokus.accounts.admin import ScopedAdmin
from fokus.insights import actions
from fokus.insights.models import ConversationPrompt


@admin.register(ConversationPrompt)
class ConversationPromptAdmin(ScopedAdmin):
    list_display = ("kind", "language", "text")
    list_filter = ("kind", "language")
    ordering = ("kind", "language")
    fields = ("kind", "language", "text")

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "language") if obj else ()

    def save_model(self, request, obj, form, change):
        actions.update_prompt(request.user, obj, text=obj.text)

    # Every signal has its prompt in every language from the start (seeded): an
    # administrator edits them, she neither adds nor deletes one.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
