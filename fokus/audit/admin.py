from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fokus.audit.actions import record
from fokus.audit.models import AccessAction, AccessLogEntry
from fokus.audit.words import object_word, purpose_word


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only, and for the administrator only the configuration's trail: who changed
    users, roles, teams, licences and settings in his organisation. Entries about a
    child or a family (a case, a person, the persons a page showed, a search) are the
    data protection officer's, on her own pages (/dpo/): an administrator sees no case
    data, in the log neither (issue 11)."""

    list_display = ("seq", "at", "username", "action", "what", "object_id", "case_id",
                    "person_id", "why")
    list_filter = ("action", "object_type")
    search_fields = ("=case_id", "=person_id", "username")
    date_hierarchy = "at"
    ordering = ("-seq",)
    # No bulk actions: "delete selected" is not offered (nor allowed by the manager).
    actions = None

    # The stored codes in the reader's language (fokus.audit.words); the codes stay
    # on the entry's page.
    fields = ("seq", "at", "username", "user_id", "action", "what", "what_code", "object_id",
              "case_id", "person_id", "why", "why_code", "detail")
    readonly_fields = fields

    @admin.display(description=_("what (as stored)"))
    def what_code(self, obj):
        return obj.object_type

    @admin.display(description=_("why (as stored)"))
    def why_code(self, obj):
        return obj.purpose or "–"

    @admin.display(description=_("what"), ordering="object_type")
    def what(self, obj):
        return object_word(obj.object_type)

    @admin.display(description=_("why"), ordering="purpose")
    def why(self, obj):
        return purpose_word(obj.purpose) or "–"

    def get_queryset(self, request):
        from django.contrib.auth import get_user_model  # the user model, not an app import

        colleagues = get_user_model().objects.filter(
            organisation_id=getattr(request.user, "organisation_id", None)).values("pk")
        return (super().get_queryset(request)
                .filter(case_id__isnull=True, person_id__isnull=True, user_id__in=colleagues)
                .exclude(detail__has_key="person_ids").exclude(detail__has_key="case_ids")
                .exclude(detail__has_key="search").exclude(object_type="access_log"))

    # Every read of the log is itself in the log (issue 11), with its criterion.
    def changelist_view(self, request, extra_context=None):
        with transaction.atomic():
            record(request.user, AccessAction.LIST, "access_log", purpose="admin: access log",
                   detail={"query": {k: request.GET.getlist(k)[:5] for k in
                                     list(request.GET)[:20]}})
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        with transaction.atomic():
            record(request.user, AccessAction.READ, "access_log", str(object_id)[:64],
                   purpose="admin: access log entry")
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
