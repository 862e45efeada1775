from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fokus.accounts import policy
from fokus.accounts.admin import OrganisationScoped
from fokus.api import actions
from fokus.api.models import ApiToken
from fokus.audit.admin_writes import ActionAdmin

SCOPE_FIELDS = policy.API_SCOPE_NAMES


@admin.register(ApiToken)
class ApiTokenAdmin(OrganisationScoped, ActionAdmin):
    """Tokens of the administrator's organisation. Created here (the token is shown once,
    in the message after saving), never changed: revoked by the action, and a new one
    made instead. A token that opens case data waits for a second administrator."""

    list_display = ("name", "prefix", *SCOPE_FIELDS, "created_at", "expires_at",
                    "last_used_at", "revoked_at", "needs_approval", "approved_at")
    list_filter = ("revoked_at",)
    fields = ("name", *SCOPE_FIELDS, "expires_at")
    actions = ["revoke", "approve"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("name", "prefix", *SCOPE_FIELDS, "expires_at", "created_by", "created_at",
                "last_used_at", "revoked_at", "revoked_by", "needs_approval", "approved_at",
                "approved_by")

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the log and the list keep what it was

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on the page can be changed
        scopes = [name for name in SCOPE_FIELDS if getattr(obj, name)]
        try:
            _token, raw = actions.create_token(request.user, request.user.organisation,
                                               name=obj.name, scopes=scopes, token=obj)
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
            return
        self.message_user(request, _(
            "The token for %(name)s is below. Copy it now into the system that uses it: it "
            "is shown only this once. %(token)s") % {"name": obj.name, "token": raw},
            messages.WARNING)
        if obj.needs_approval:
            self.message_user(request, _(
                "The token opens case data, so another administrator approves it (the "
                "action Approve the selected tokens) before it can be used."), messages.INFO)

    def delete_model(self, request, obj):
        raise PermissionDenied

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        done = sum(actions.revoke_token(request.user, token) for token in queryset)
        self.message_user(request, ngettext("%(n)s token was revoked.",
                                            "%(n)s tokens were revoked.", done) % {"n": done})

    @admin.action(description=_("Approve the selected tokens"), permissions=["change"])
    def approve(self, request, queryset):
        done = 0
        for token in queryset:
            try:
                done += actions.approve_token(request.user, token)
            except PermissionDenied:
                self.message_user(request, _(
                    "You cannot approve a token you created yourself: another administrator "
                    "approves it."), messages.ERROR)
        self.message_user(request, ngettext("%(n)s token was approved.",
                                            "%(n)s tokens were approved.", done) % {"n": done})
