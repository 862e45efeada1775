"""Writes of staff accounts: a user, her role, organisation, teams and rights, her
password, and the permission groups. Each runs in one transaction with its
access-log entry in it.

The entry's detail names every field that changed. Rights (role, organisation,
teams, active, staff, superuser, groups, permissions) are logged with their old
and new values, by id; a person's name, username and e-mail only by field name.
A password or its hash is never logged: only that one was set or disabled.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fokus.accounts.models import User
from fokus.audit.actions import record
from fokus.audit.changes import delete_logged, save_logged
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
    return save_logged(actor, user, object_type="user", fields=USER_FIELDS,
                       m2m=_m2m(teams, groups, user_permissions), hide=PERSONAL,
                       purpose="create user", extra={"password": _password_state(user)})


@transaction.atomic
def change_user(actor, user: User, *, teams=None, groups=None, user_permissions=None,
                purpose: str = "change user", **fields) -> User:
    """Change a stored user: the fields given (or already set on `user`, as the
    admin's form does) and, when given, her teams, groups and permissions.
    Her password is changed only by set_password."""
    if "password" in fields:
        raise ValueError("change_user does not set passwords; use set_password")
    for name, value in fields.items():
        if name not in USER_FIELDS:
            raise ValueError(f"change_user does not change {name!r}")
        setattr(user, name, value)
    stored_password = User.objects.filter(pk=user.pk).values_list("password", flat=True).get()
    if user.password != stored_password:
        raise ValueError("change_user does not set passwords; use set_password")
    check_teams(user.organisation_id,
                user.teams.select_related("unit") if teams is None else teams)
    return save_logged(actor, user, object_type="user", fields=USER_FIELDS,
                       m2m=_m2m(teams, groups, user_permissions), hide=PERSONAL,
                       purpose=purpose)


def deactivate_user(actor, user: User) -> User:
    """She can no longer log in; her name stays on what she recorded."""
    return change_user(actor, user, is_active=False, purpose="deactivate user")


@transaction.atomic
def set_password(actor, user: User, password: str | None) -> User:
    """Set a user's password, or (None) disable password login for her."""
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
