from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from fokus.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "organisation", "is_active")
    list_filter = ("role", "organisation", "teams", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Fokus"), {"fields": ("organisation", "role", "teams")}),
    )
    filter_horizontal = ("groups", "user_permissions", "teams")
