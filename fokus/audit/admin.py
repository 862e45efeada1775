from django.contrib import admin

from fokus.audit.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the data protection officer answers "who has looked at my son's
    data?" by filtering on the person or case id."""

    list_display = ("at", "username", "action", "object_type", "object_id", "case_id",
                    "person_id", "purpose")
    list_filter = ("action", "object_type")
    search_fields = ("=case_id", "=person_id", "username")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
