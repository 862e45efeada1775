"""Users, permission groups and grants waiting for approval. Every write goes through
fokus.accounts.actions, so each change of a role, organisation, team or right has its
entry in the access log, in the same transaction, and the user concerned is told.

Separation of duties (fokus.accounts.policy, issue 11):
- the administrator never sets a password: there is no password form; the action "Send
  a password reset" e-mails the user a link to set one herself (so does a new user's
  creation, when she has an address);
- his own role, organisation, teams and rights are read-only for him; a forged POST that
  tries to change them is refused with a message and logged;
- a grant that opens case data waits for a second person (the approvals page).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fokus.accounts import actions, policy
from fokus.accounts.models import PendingGrant, Role, User
from fokus.audit.actions import record as audit_record
from fokus.audit.admin_writes import ActionAdmin
from fokus.audit.models import AccessAction


def _administers(request) -> bool:
    """The admin site is the administrator's (fokus.accounts.policy.administers): staff
    status alone, e.g. given to a caseworker, does not open it."""
    return policy.administers(request.user)


admin.site.has_permission = _administers


def organisation_lookup(model) -> str | None:
    """How a model's rows reach their organisation (a queryset lookup), or None for rows
    shared by every organisation (instruments, permission groups)."""
    if model._meta.label == "cases.Organisation":
        return "pk"
    names = {field.name for field in model._meta.get_fields() if field.concrete}
    for field, lookup in (("organisation", "organisation"), ("unit", "unit__organisation"),
                          ("user", "user__organisation")):
        if field in names:
            return lookup
    return None


# Rows that, with their organisation left empty, ship with Fokus for every organisation
# (WHO-5's wording, the published ETR parameters): seen by every administrator.
SHARED_WHEN_EMPTY = frozenset({"instruments.InstrumentWording", "instruments.ItemWording",
                               "instruments.ParameterSet"})


def scoped(queryset, user):
    """The rows of `queryset` of the administrator's own organisation (none without one);
    rows shared by every organisation (organisation left empty) stay."""
    lookup = organisation_lookup(queryset.model)
    if lookup is None:
        return queryset
    organisation_id = policy.admin_organisation_id(user)
    if organisation_id is None:
        if policy.operates_platform(user) and lookup == "pk":
            return queryset  # the platform's operator picks an organisation for its admin
        return queryset.none()
    field = queryset.model._meta.get_field(lookup.split("__")[0]) if lookup != "pk" else None
    if field is not None and lookup == "organisation" and field.null and (
            queryset.model._meta.label in SHARED_WHEN_EMPTY):
        return queryset.filter(models.Q(organisation_id=organisation_id)
                               | models.Q(organisation__isnull=True))
    return queryset.filter(**{lookup: organisation_id})


class OrganisationScoped:
    """An admin limited to the administrator's own organisation (issue 11): its lists,
    pages and the choices of its foreign keys. Another organisation's object, asked for by
    URL or a forged POST, answers 404, changes nothing and is logged (DENIED, purpose
    "admin other organisation")."""

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scoped(field.queryset, request.user)
        return field

    def has_add_permission(self, request, *args):
        if (policy.admin_organisation_id(request.user) is None
                and organisation_lookup(self.model) is not None
                and not (policy.operates_platform(request.user)
                         and self.model._meta.label in PLATFORM_ADDS)):
            return False
        return super().has_add_permission(request, *args)

    def _platform_read_only(self, request) -> bool:
        return (policy.admin_organisation_id(request.user) is None
                and organisation_lookup(self.model) is not None)

    def has_change_permission(self, request, obj=None):
        # The platform's operator: no object changed; the lists of what he adds (Django's
        # user admin asks for it to add a user) show him no one's users.
        if self._platform_read_only(request) and (
                obj is not None or self.model._meta.label not in PLATFORM_ADDS):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._platform_read_only(request) and super().has_delete_permission(
            request, obj)

    def _refuse_foreign(self, request, ids) -> None:
        """404 (logged) when any of ids is another organisation's object."""
        model = self.model
        wanted = set()
        for value in ids:
            try:
                wanted.add(model._meta.pk.to_python(unquote(str(value))))
            except ValidationError:
                continue
        if not wanted:
            return
        existing = set(model._default_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        mine = set(self.get_queryset(request).filter(pk__in=existing)
                   .values_list("pk", flat=True))
        foreign = sorted(existing - mine, key=str)
        if foreign:
            with transaction.atomic():
                audit_record(request.user, AccessAction.DENIED, model._meta.model_name,
                             foreign[0], purpose="admin other organisation",
                             detail={"method": request.method, "objects": len(foreign)})
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._refuse_foreign(request, [object_id])
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._refuse_foreign(request, [object_id])
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._refuse_foreign(request, [object_id])
        return super().history_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            self._refuse_foreign(request, request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
        return super().changelist_view(request, extra_context)


# What the platform's operator (no organisation) may add: an organisation and its first
# administrator.
PLATFORM_ADDS = frozenset({"cases.Organisation", "accounts.User"})


class ScopedAdmin(OrganisationScoped, ActionAdmin):
    """ActionAdmin (every write through an action, logged) limited to the administrator's
    own organisation."""


class FokusUserChangeForm(UserChangeForm):
    password = None  # no password here: the user sets her own (a reset link)

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


class FokusUserCreationForm(forms.ModelForm):
    """A new user without a password: she gets a link to set one herself."""

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "organisation", "role",
                  "teams")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("teams") and "organisation" in cleaned:
            try:
                actions.check_teams(cleaned["organisation"], cleaned["teams"])
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


@admin.register(User)
class UserAdmin(OrganisationScoped, ActionAdmin, BaseUserAdmin):
    form = FokusUserChangeForm
    add_form = FokusUserCreationForm
    add_form_template = None
    list_display = ("username", "first_name", "last_name", "role", "organisation", "is_active")
    list_filter = ("role", "organisation", "teams", "is_active")
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Fokus"), {"fields": ("organisation", "role", "teams")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "first_name", "last_name", "email")}),
        (_("Fokus"), {"fields": ("organisation", "role", "teams")}),
    )
    # Plain lists with their labels: the two-box "filter" widget reads badly with a
    # screen reader (its help icons carry aria-label on a span, flagged by axe).
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
    actions = ["deactivate", "send_password_reset"]

    def get_urls(self):
        # Django's UserAdmin adds a page that sets another user's password: not here.
        return super(BaseUserAdmin, self).get_urls()

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.pk == request.user.pk:
            return (*fields, *actions.OWN_FIELDS)
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("teams", "groups"):
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and str(object_id) == str(request.user.pk):
            forged = sorted(name for name in actions.OWN_FIELDS if name in request.POST)
            if forged:
                actions.record_refused(request.user, request.user, "change own rights",
                                       {"fields": forged})
                self.message_user(request, _(
                    "You cannot change your own role, organisation, teams or rights. Nothing "
                    "was saved. Ask another administrator."), messages.ERROR)
                return HttpResponseRedirect(request.path)
        try:
            return super().change_view(request, object_id, form_url, extra_context)
        except actions.RightsRefused as refused:
            actions.record_refused(request.user, object_id, "change user refused")
            self.message_user(request, str(refused.args[0]) if refused.args else _(
                "Refused."), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def save_model(self, request, obj, form, change):
        m2m = {name: form.cleaned_data[name] for name in actions.USER_M2M
               if name in form.cleaned_data}
        if not change and policy.operates_platform(request.user):
            # The platform's operator creates an organisation's first administrator only.
            obj.role, obj.is_staff, m2m["teams"] = Role.ADMINISTRATOR, True, []
        if change:
            actions.change_user(request.user, obj, **m2m)
        else:
            actions.create_user(request.user, obj, **m2m)
            if obj.email:
                actions.send_password_reset(request.user, obj, domain=request.get_host(),
                                            use_https=request.is_secure())
        if obj.pending_grants.filter(status="pending", requested_by=request.user).exists():
            self.message_user(request, _(
                "The role or teams that let %(user)s see case data take effect when another "
                "administrator or a department head approves them.") % {"user": obj.username},
                messages.WARNING)

    def response_add(self, request, obj, post_url_continue=None):
        if policy.operates_platform(request.user):  # not his to open: the list (empty)
            self.message_user(request, _("The administrator was created and sent a link to "
                                         "set a password."), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))
        return super().response_add(request, obj, post_url_continue)

    def delete_model(self, request, obj):
        if obj.pk == request.user.pk:
            actions.record_refused(request.user, obj, "delete own user")
            raise actions.RightsRefused(_("You cannot delete your own user."))
        actions.delete_user(request.user, obj)

    def delete_view(self, request, object_id, extra_context=None):
        if str(object_id) == str(request.user.pk):
            if request.method == "POST":
                actions.record_refused(request.user, request.user, "delete own user")
            self.message_user(request, _("You cannot delete your own user."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset):
        if queryset.filter(pk=request.user.pk).exists():
            actions.record_refused(request.user, request.user, "delete own user")
            raise actions.RightsRefused(_("You cannot delete your own user."))
        super().delete_queryset(request, queryset)

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except actions.RightsRefused as refused:
            self.message_user(request, str(refused.args[0]), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description=_("Deactivate the selected users"), permissions=["change"])
    def deactivate(self, request, queryset):
        if queryset.filter(pk=request.user.pk).exists():
            actions.record_refused(request.user, request.user, "deactivate own user")
            self.message_user(request, _("You cannot deactivate your own user. Nothing was "
                                         "changed."), messages.ERROR)
            return
        with transaction.atomic(using=router.db_for_write(self.model)):
            users = list(queryset.select_for_update())
            for user in users:
                actions.deactivate_user(request.user, user)
        self.message_user(request, ngettext(
            "%(count)d user was deactivated and can no longer log in.",
            "%(count)d users were deactivated and can no longer log in.",
            len(users)) % {"count": len(users)}, messages.SUCCESS)

    @admin.action(description=_("Send a password reset to the selected users"),
                  permissions=["change"])
    def send_password_reset(self, request, queryset):
        """Each user gets an e-mail with a link to set a new password herself."""
        sent, without = 0, []
        with transaction.atomic(using=router.db_for_write(self.model)):
            for user in queryset.order_by("username"):
                if not user.email:
                    without.append(user.username)
                    continue
                try:
                    actions.send_password_reset(request.user, user, domain=request.get_host(),
                                                use_https=request.is_secure())
                except actions.ResetHeld as held:  # logged; the rest are sent
                    self.message_user(request, str(held.args[0]), messages.ERROR)
                    continue
                sent += 1
        if sent:
            self.message_user(request, ngettext(
                "A password reset link was sent to %(count)d user.",
                "A password reset link was sent to %(count)d users.",
                sent) % {"count": sent}, messages.SUCCESS)
        if without:
            self.message_user(request, _(
                "No e-mail address, so no link was sent: %(users)s.") % {
                    "users": ", ".join(without)}, messages.WARNING)


@admin.register(PendingGrant)
class PendingGrantAdmin(OrganisationScoped, admin.ModelAdmin):
    """Read-only here: grants are approved or rejected on the approvals page."""

    list_display = ("user", "role", "status", "requested_by", "requested_at", "decided_by",
                    "decided_at")
    list_filter = ("status", "role")

    def changelist_view(self, request, extra_context=None):
        self.message_user(request, format_html(
            '{} <a href="{}">{}</a>',
            _("Grants are approved or rejected by a second person on"),
            reverse("accounts:approvals"), _("the approvals page")), messages.INFO)
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ActionAdmin, BaseGroupAdmin):
    filter_horizontal = ()  # a plain list with its label (see UserAdmin)

    def save_model(self, request, obj, form, change):
        actions.save_group(request.user, obj, permissions=form.cleaned_data.get("permissions"))

    def delete_model(self, request, obj):
        actions.delete_group(request.user, obj)
