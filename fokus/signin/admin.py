"""The authenticator apps (TOTP devices) in the admin: an administrator sees whose are set
up and deletes one when its phone is lost (the user sets up a new one at her next login).
He cannot add or change one: that would let him pass another person's second factor.
Registered from SigninConfig.ready(), in place of django-otp's own admin."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from fokus.accounts import policy
from fokus.accounts.admin import ScopedAdmin
from fokus.signin import actions


class SecondFactorAdmin(ScopedAdmin):
    list_display = ("user", "name", "confirmed")
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    fields = ("user", "name", "confirmed")
    readonly_fields = fields

    def has_module_permission(self, request):
        return policy.administers(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.administers(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return policy.administers(request.user)

    def save_model(self, request, obj, form, change):
        raise PermissionDenied(_("An authenticator app is set up by its user."))

    def delete_model(self, request, obj):
        actions.reset_second_factor(request.user, obj)


def register(site=admin.site) -> None:
    if site.is_registered(TOTPDevice):
        site.unregister(TOTPDevice)
    site.register(TOTPDevice, SecondFactorAdmin)
