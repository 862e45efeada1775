"""Users and permission groups. Every write goes through fokus.accounts.actions,
so each change of a role, organisation, team, right or password has its entry in
the access log, in the same transaction."""

from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from fokus.accounts import actions
from fokus.accounts.models import User
from fokus.audit.admin_writes import ActionAdmin

# The administrator changing a password: Django's password view builds its form
# itself, so the form finds the actor here (set for the one request only).
_password_actor: ContextVar = ContextVar("password_actor")


class FokusUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def clean(self):
        cleaned = super().clean()
        if "teams" in cleaned and "organisation" in cleaned:
            try:
                actions.check_teams(cleaned["organisation"], cleaned["teams"])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class FokusPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        password = (self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"]
                    else None)
        return actions.set_password(_password_actor.get(), self.user, password)


@admin.register(User)
class UserAdmin(ActionAdmin, BaseUserAdmin):
    form = FokusUserChangeForm
    change_password_form = FokusPasswordChangeForm
    list_display = ("username", "first_name", "last_name", "role", "organisation", "is_active")
    list_filter = ("role", "organisation", "teams", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Fokus"), {"fields": ("organisation", "role", "teams")}),
    )
    # Plain lists with their labels: the two-box "filter" widget reads badly with a
    # screen reader (its help icons carry aria-label on a span, flagged by axe).
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("teams", "groups"):
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        m2m = {name: form.cleaned_data[name] for name in actions.USER_M2M
               if name in form.cleaned_data}
        if change:
            actions.change_user(request.user, obj, **m2m)
        else:
            actions.create_user(request.user, obj, **m2m)

    def delete_model(self, request, obj):
        actions.delete_user(request.user, obj)

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    @admin.action(description=_("Deactivate the selected users"), permissions=["change"])
    def deactivate(self, request, queryset):
        with transaction.atomic(using=router.db_for_write(self.model)):
            users = list(queryset.select_for_update())
            for user in users:
                actions.deactivate_user(request.user, user)
        self.message_user(request, ngettext(
            "%(count)d user was deactivated and can no longer log in.",
            "%(count)d users were deactivated and can no longer log in.",
            len(users)) % {"count": len(users)}, messages.SUCCESS)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ActionAdmin, BaseGroupAdmin):
    filter_horizontal = ()  # a plain list with its label (see UserAdmin)

    def save_model(self, request, obj, form, change):
        actions.save_group(request.user, obj, permissions=form.cleaned_data.get("permissions"))

    def delete_model(self, request, obj):
        actions.delete_group(request.user, obj)
