"""Writes of staff accounts: a user, her role, organisation, teams and rights, her
password, and the permission groups. Each runs in one transaction with its
access-log entry in it.

The entry's detail names every field that changed. Rights (role, organisation,
teams, active, staff, superuser, groups, permissions) are logged with their old
and new values, by id; a person's name, username and e-mail only by field name.
A password or its hash is never logged: only that one was set or disabled.

Separation of duties (fokus.accounts.policy, issue 11):
- nobody changes his own rights (role, organisation, teams, active, staff, superuser,
  groups, permissions): RightsRefused, and the caller logs the refusal;
- a change that lets a user see case data he could not see before waits for a second
  person's approval where the organisation's role_grants_need_approval is on: the rest of
  the change is saved, the rights stay as they were, and a PendingGrant keeps what was
  asked until approve_grant or reject_grant;
- an administrator never sets a password: send_password_reset e-mails the user a link;
- the user concerned is told of every change by e-mail (when he has an address), after
  the transaction has committed.
"""

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from fokus.accounts import policy
from fokus.accounts.models import GrantStatus, PendingGrant, User
from fokus.audit.actions import record
from fokus.audit.changes import delete_logged, save_logged, values
from fokus.audit.models import AccessAction

USER_FIELDS = ("username", "first_name", "last_name", "email", "role", "organisation",
               "is_active", "is_staff", "is_superuser", "last_login", "date_joined")
USER_M2M = ("teams", "groups", "user_permissions")
PERSONAL = ("username", "first_name", "last_name", "email")


def check_teams(organisation, teams) -> None:
    """A user's teams belong to her own organisation: a team of another
    municipality would open its cases to her."""
    organisation_id = getattr(organisation, "pk", organisation)
    foreign = [team for team in teams if team.unit.organisation_id != organisation_id]
    if foreign:
        raise ValidationError({"teams": [
            _("%(teams)s belongs to another organisation than the user's.")
            % {"teams": ", ".join(str(team) for team in foreign)}]})


def _m2m(teams, groups, user_permissions) -> dict:
    given = {"teams": teams, "groups": groups, "user_permissions": user_permissions}
    return {name: list(value) for name, value in given.items() if value is not None}


def _password_state(user: User) -> str:
    return "usable" if user.has_usable_password() else "unusable"


@transaction.atomic
def create_user(actor, user: User, *, password: str | None = None, teams=(), groups=(),
                user_permissions=()) -> User:
    """Store a new user, built by the caller (or by the admin's form, which may
    already have set her password). password: a raw password to set; without one,
    the user keeps the password set on her, or gets an unusable one."""
    if user.pk is not None:
        raise ValueError("create_user stores a new user; use change_user")
    if password is not None:
        user.set_password(password)
    elif not user.password:
        user.set_unusable_password()
    check_teams(user.organisation_id, teams)
    asked = {"role": user.role, "organisation": user.organisation_id,
             "teams": _ids(teams), "is_active": user.is_active}
    grant = _needs_approval(actor, user, None, asked)
    if grant:  # stored without the rights asked for: inactive, without teams
        user.is_active, teams = False, ()
    saved = save_logged(actor, user, object_type="user", fields=USER_FIELDS,
                        m2m=_m2m(teams, groups, user_permissions), hide=PERSONAL,
                        purpose="create user", extra={"password": _password_state(user)})
    if grant:
        _request_grant(actor, saved, None, asked)
    notify_user(saved, actor, _("Your user account in Fokus was created."))
    return saved


@transaction.atomic
def change_user(actor, user: User, *, teams=None, groups=None, user_permissions=None,
                purpose: str = "change user", _approved: PendingGrant | None = None,
                **fields) -> User:
    """Change a stored user: the fields given (or already set on `user`, as the
    admin's form does) and, when given, her teams, groups and permissions.
    Her password is changed only by set_password."""
    if "password" in fields:
        raise ValueError("change_user does not set passwords; use set_password")
    for name, value in fields.items():
        if name not in USER_FIELDS:
            raise ValueError(f"change_user does not change {name!r}")
        setattr(user, name, value)
    stored = User.objects.select_for_update().get(pk=user.pk)
    if user.password != stored.password:
        raise ValueError("change_user does not set passwords; use set_password")
    check_teams(user.organisation_id,
                user.teams.select_related("unit") if teams is None else teams)
    m2m_given = _m2m(teams, groups, user_permissions)
    before_values = values(stored, USER_FIELDS, tuple(m2m_given))
    before = rights_of(stored)
    asked = {"role": user.role, "organisation": user.organisation_id,
             "teams": before["teams"] if teams is None else _ids(teams),
             "is_active": user.is_active}
    if policy.changes_own_rights(actor, user) and (
            _rights_changed(before, asked) or _privileges_changed(stored, user, groups,
                                                                  user_permissions)):
        raise RightsRefused(_("You cannot change your own role, organisation, teams or "
                              "rights. Ask another administrator."))
    if user.email != stored.email and actor is not None and actor.pk != user.pk:
        # A reset link is held for a while (policy.reset_held_until): see send_password_reset.
        user.email_changed_by_other_at = timezone.now()
    grant = _approved is None and _needs_approval(actor, user, before, asked)
    if grant:  # the rights stay as they were until a second person approves
        user.role, user.organisation_id = before["role"], before["organisation"]
        user.is_active, teams = before["is_active"], None
    saved = save_logged(actor, user, object_type="user", fields=USER_FIELDS,
                        m2m=_m2m(teams, groups, user_permissions), hide=PERSONAL,
                        purpose=purpose,
                        extra={"grant": _approved.pk} if _approved is not None else None)
    if grant:
        _request_grant(actor, saved, before, asked)
    after_values = values(saved, USER_FIELDS, tuple(m2m_given))
    entry_changed = [name for name in after_values if name != "last_login"
                     and after_values[name] != before_values[name]]
    if entry_changed:
        # A changed address is told at the old one too: a reset link goes to the new one.
        also = [stored.email] if "email" in entry_changed and stored.email else []
        notify_user(saved, actor, _("These details of your user account in Fokus were "
                                    "changed: %(fields)s.") % {
                                        "fields": ", ".join(_labels(entry_changed))}, also=also)
    return saved


def deactivate_user(actor, user: User) -> User:
    """She can no longer log in; her name stays on what she recorded."""
    return change_user(actor, user, is_active=False, purpose="deactivate user")


@transaction.atomic
def set_password(actor, user: User, password: str | None) -> User:
    """Set a user's password, or (None) disable password login for her. Only for the user
    herself, and for commands run by the operator (actor None): an administrator sends a
    reset link instead (send_password_reset)."""
    if actor is not None and actor.pk != user.pk:
        raise RightsRefused(_("Only the user herself sets her password. Send her a "
                              "password reset instead."))
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    record(actor, AccessAction.UPDATE, "user", user.pk, purpose="set password",
           detail={"changed": ["password"], "password": _password_state(user)})
    return user


@transaction.atomic
def delete_user(actor, user: User) -> None:
    """Delete a user. What she recorded stays, without her name on it; deactivating
    her (deactivate_user) keeps it."""
    delete_logged(actor, user, object_type="user", fields=USER_FIELDS, m2m=USER_M2M,
                  hide=PERSONAL, purpose="delete user")


@transaction.atomic
def save_group(actor, group: Group, *, permissions=None) -> Group:
    """Create or change a permission group (and, when given, its permissions)."""
    m2m = {} if permissions is None else {"permissions": list(permissions)}
    return save_logged(actor, group, object_type="group", fields=("name",), m2m=m2m,
                       purpose="change group" if group.pk else "create group")


@transaction.atomic
def delete_group(actor, group: Group) -> None:
    delete_logged(actor, group, object_type="group", fields=("name",), m2m=("permissions",),
                  purpose="delete group")



class RightsRefused(PermissionDenied):
    """A change the policy refuses (one's own rights, another's password). Nothing is
    written; the caller logs the refusal (record_refused) outside the rolled-back work."""


class ResetHeld(RightsRefused):
    """A password reset link held after another person changed the user's e-mail address
    (policy.reset_held_until). Nothing is sent; the refusal is logged in its own transaction
    (the caller's work may be rolled back, the log entry stays only if the caller commits:
    the admin's action commits it)."""

    def __init__(self, message, until):
        super().__init__(message)
        self.until = until


RIGHTS_FIELDS = ("role", "organisation", "teams", "is_active")
# What an administrator never changes on himself.
OWN_FIELDS = ("role", "organisation", "teams", "is_active", "is_staff", "is_superuser",
              "groups", "user_permissions")


def _ids(objects) -> list[int]:
    return sorted(getattr(o, "pk", o) for o in objects)


def rights_of(user: User) -> dict:
    """A stored user's rights: role, organisation, teams (ids), active."""
    return {"role": user.role, "organisation": user.organisation_id,
            "teams": _ids(user.teams.values_list("pk", flat=True)) if user.pk else [],
            "is_active": user.is_active}


def _rights_changed(before: dict, asked: dict) -> bool:
    return any(before[k] != asked[k] for k in RIGHTS_FIELDS)


def _privileges_changed(stored: User, user: User, groups, user_permissions) -> bool:
    if (stored.is_staff, stored.is_superuser) != (user.is_staff, user.is_superuser):
        return True
    if groups is not None and _ids(groups) != _ids(stored.groups.values_list("pk", flat=True)):
        return True
    return user_permissions is not None and _ids(user_permissions) != _ids(
        stored.user_permissions.values_list("pk", flat=True))


def _needs_approval(actor, user: User, before: dict | None, asked: dict) -> bool:
    """A change by a person (not a command: actor None) that opens case data to the user,
    in an organisation that wants a second person to approve it."""
    if actor is None or not policy.grant_opens_case_content(before, asked):
        return False
    organisation = user.organisation
    return bool(organisation is not None and organisation.role_grants_need_approval)


def _request_grant(actor, user: User, before: dict | None, asked: dict) -> PendingGrant:
    grant = PendingGrant.objects.create(
        organisation_id=asked["organisation"], user=user, requested_by=actor,
        role=asked["role"], is_active=asked["is_active"],
        previous=before or {})
    grant.teams.set(asked["teams"])
    record(actor, AccessAction.CREATE, "grant", grant.pk, purpose="grant needs approval",
           detail={"user": user.pk, "old": before or {}, "new": asked})
    notify_user(user, actor, _(
        "You have been given the role %(role)s. It takes effect when a second person has "
        "approved it; until then your rights are as before.") % {
            "role": grant.get_role_display()})
    return grant


@transaction.atomic
def approve_grant(approver, grant: PendingGrant) -> PendingGrant:
    """A second person approves a pending grant: the user gets the role, organisation,
    teams and activation asked for (policy.may_approve decides who may)."""
    grant = PendingGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != GrantStatus.PENDING or not policy.may_approve(approver, grant):
        raise RightsRefused(_("You cannot approve this grant."))
    user = User.objects.select_for_update().get(pk=grant.user_id)
    change_user(approver, user, teams=list(grant.teams.all()), role=grant.role,
                organisation=grant.organisation, is_active=grant.is_active,
                purpose="approve grant", _approved=grant)
    return _decide(approver, grant, GrantStatus.APPROVED)


@transaction.atomic
def reject_grant(approver, grant: PendingGrant) -> PendingGrant:
    grant = PendingGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.status != GrantStatus.PENDING or not policy.may_approve(approver, grant):
        raise RightsRefused(_("You cannot reject this grant."))
    grant = _decide(approver, grant, GrantStatus.REJECTED)
    notify_user(grant.user, approver, _("The role %(role)s asked for you was not approved; "
                                        "your rights are as before.") % {
                                            "role": grant.get_role_display()})
    return grant


def _decide(approver, grant: PendingGrant, status: str) -> PendingGrant:
    grant.status, grant.decided_by, grant.decided_at = status, approver, timezone.now()
    grant.save(update_fields=["status", "decided_by", "decided_at"])
    record(approver, AccessAction.UPDATE, "grant", grant.pk,
           purpose="approve grant" if status == GrantStatus.APPROVED else "reject grant",
           detail={"user": grant.user_id, "requested_by": grant.requested_by_id,
                   "status": status})
    return grant


@transaction.atomic
def record_refused(actor, user, purpose: str, detail: dict | None = None) -> None:
    """A refused change of a user (its own transaction: the refused work was rolled back)."""
    record(actor, AccessAction.DENIED, "user", getattr(user, "pk", user), purpose=purpose,
           detail=detail or {})


def _labels(fields) -> list[str]:
    return [str(User._meta.get_field(name).verbose_name) for name in fields]


def notify_user(user: User, actor, message: str, *, also=()) -> None:
    """Tell the user concerned by e-mail, once the change is committed: what changed, by
    whom, and what to do if it was not expected. Nothing is sent without an address."""
    if not (user.email or also) or (actor is not None and actor.pk == user.pk):
        return
    who = actor.display_name if actor is not None else _("the system")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your Fokus account was changed")
        body = "\n\n".join([
            _("Hello %(name)s,") % {"name": user.display_name},
            str(message),
            _("Changed by: %(who)s, %(when)s.") % {
                "who": who, "when": timezone.localtime().strftime("%d.%m.%Y %H:%M")},
            _("If you did not expect this change, tell your administrator or the data "
              "protection officer (DPO) at once."),
        ])
    addresses = [address for address in (user.email, *also) if address]
    transaction.on_commit(lambda: send_mail(subject, body, None, addresses))


def send_password_reset(actor, user: User, *, domain: str, use_https: bool = True) -> None:
    """E-mail the user a link to set a new password herself (Django's reset token), after
    the transaction has committed; logged. The administrator never sees or sets it.

    Held (ResetHeld, the refusal logged) for a while after another person changed the
    address of a user whose role sees case data (policy.reset_held_until)."""
    if not user.email:
        raise ValidationError(_("%(user)s has no e-mail address: a reset link cannot be "
                                "sent.") % {"user": user.username})
    held = policy.reset_held_until(user, timezone.now()) if (
        actor is not None and actor.pk != user.pk) else None
    if held is not None:
        record_refused(actor, user, "password reset held",
                       {"reason": "e-mail changed by another person",
                        "held_until": held.isoformat()})
        raise ResetHeld(_("The e-mail address of %(user)s was changed by another person "
                          "recently, so no password reset link is sent to it before "
                          "%(date)s. She was told of the change at her old address.") % {
                              "user": user.username,
                              "date": timezone.localtime(held).strftime("%d.%m.%Y %H:%M")},
                        held)
    _send_reset(actor, user, domain=domain, use_https=use_https)


@transaction.atomic
def _send_reset(actor, user: User, *, domain: str, use_https: bool) -> None:
    record(actor, AccessAction.UPDATE, "user", user.pk, purpose="password reset sent",
           detail={"changed": [], "password_reset": "sent"})
    context = {"email": user.email, "domain": domain, "site_name": "Fokus",
               "uid": urlsafe_base64_encode(force_bytes(user.pk)), "user": user,
               "token": default_token_generator.make_token(user),
               "protocol": "https" if use_https else "http",
               "requested_by": actor.display_name if actor is not None else ""}

    def send():
        with translation.override(settings.LANGUAGE_CODE):
            PasswordResetForm().send_mail(
                "registration/password_reset_subject.txt",
                "registration/password_reset_email.html", context, None, user.email)

    transaction.on_commit(send)


@transaction.atomic
def record_password_reset(user: User) -> None:
    """The user set a new password from a reset link."""
    record(user, AccessAction.UPDATE, "user", user.pk, purpose="password reset by the user",
           detail={"changed": ["password"], "password": "usable"})


# Logins, failed logins, lockouts and logouts, from Django's and axes' signals (connected in
# apps.py). A failed login names the account only when the username tried is a user's: what
# was typed as a username may be a password typed in the wrong field, so it is never
# written anywhere. The password never reaches these functions' entries. The entries are
# about the account logged in to (object type "account", its id), not changes of a user.

def _known_user(username) -> User | None:
    if not isinstance(username, str) or not username:
        return None
    return User.objects.filter(username=username).first()


def _tried(username) -> dict:
    """The account a failed attempt was aimed at, as object id and detail, or nothing."""
    user = _known_user(username)
    if user is None:
        return {"object_id": None, "detail": {"known_user": False}}
    return {"object_id": user.pk, "detail": {"known_user": True, "username": user.username}}


@transaction.atomic
def record_login(user) -> None:
    record(user, AccessAction.LOGIN, "account", user.pk, purpose="login")


@transaction.atomic
def record_login_failed(username) -> None:
    record(None, AccessAction.LOGIN_FAILED, "account", purpose="login", **_tried(username))


@transaction.atomic
def record_locked_out(username) -> None:
    record(None, AccessAction.LOCKED_OUT, "account", purpose="login", **_tried(username))


@transaction.atomic
def record_logout(user) -> None:
    if user is not None and getattr(user, "pk", None) is not None:
        record(user, AccessAction.LOGOUT, "account", user.pk, purpose="logout")


def on_logged_in(sender, request, user, **kwargs):
    record_login(user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    # Django has already replaced the password in `credentials`; only the username is read.
    record_login_failed(credentials.get("username"))


def on_locked_out(sender, request=None, username=None, **kwargs):
    record_locked_out(username)


def on_logged_out(sender, request=None, user=None, **kwargs):
    record_logout(user)
