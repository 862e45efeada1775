"""Writes of signing in: single sign-on users, the second factor, passwords changed and
"sign out everywhere". Each runs in one transaction with its access-log entry."""

import hashlib

from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.db.models import F

from fokus.accounts import actions as accounts
from fokus.accounts.models import User
from fokus.audit.actions import record
from fokus.audit.models import AccessAction
from fokus.signin.mapping import Grant, Refused
from fokus.signin.models import ExternalIdentity

SSO_PURPOSE = "single sign-on"


def _username(method: str, issuer: str, subject: str, wanted: str) -> str:
    wanted = (wanted or "").strip()[:150]
    if wanted and not User.objects.filter(username=wanted).exists():
        return wanted
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:16]
    return f"{method}-{digest}"


@transaction.atomic
def sso_user(method: str, issuer: str, subject: str, grant: Grant, *, username: str = "",
             first_name: str = "", last_name: str = "", email: str = "") -> User:
    """The user the identity provider names, created at her first login; her role,
    organisation and teams are the provider's at every login.

    Roles from the municipality's identity provider are taken as they come: they were
    granted and approved in the municipality's own user administration (KOMBIT's
    administration module, Entra ID), so Fokus's own approval of a second person, which
    guards grants made inside Fokus, does not apply to them (docs/sign-in.md)."""
    if not subject:
        raise Refused("no_subject")
    identity = (ExternalIdentity.objects.select_related("user")
                .filter(issuer=issuer, subject=subject).first())
    names = {"first_name": first_name[:150], "last_name": last_name[:150],
             "email": email[:254]}
    if identity is None:
        user = User(username=_username(method, issuer, subject, username), role=grant.role,
                    organisation=grant.organisation, **names)
        user = accounts.create_user(None, user, teams=grant.teams)
        ExternalIdentity.objects.create(issuer=issuer, subject=subject, user=user)
        return user
    user = identity.user
    if not user.is_active:
        raise Refused("inactive")
    changes = {"role": grant.role, "organisation": grant.organisation}
    changes.update({k: v for k, v in names.items() if v})
    current_teams = set(user.teams.values_list("pk", flat=True))
    if (any(getattr(user, k) != v for k, v in changes.items())
            or current_teams != {t.pk for t in grant.teams}):
        user = accounts.change_user(None, user, teams=grant.teams, purpose=SSO_PURPOSE,
                                    **changes)
    return user


@transaction.atomic
def record_sso_refused(method: str, code: str) -> None:
    record(None, AccessAction.LOGIN_FAILED, "account", purpose="login",
           detail={"method": method, "reason": code})


@transaction.atomic
def record_second_factor(user, *, passed: bool, enrolled: bool = False) -> None:
    action = AccessAction.LOGIN if passed else AccessAction.LOGIN_FAILED
    purpose = "second factor enrolled" if enrolled else "second factor"
    record(user, action, "account", user.pk, purpose=purpose, detail={"method": "totp"})


@transaction.atomic
def change_password(request, password: str) -> User:
    """Her own new password; every other session of hers ends (its auth hash changes),
    this one goes on."""
    user = accounts.set_password(request.user, request.user, password)
    update_session_auth_hash(request, user)
    return user


@transaction.atomic
def sign_out_everywhere(request) -> User:
    """Ends every other session of the user (their auth hash carried the old
    generation); this one goes on with the new one."""
    user = request.user
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    update_session_auth_hash(request, user)
    record(user, AccessAction.UPDATE, "user", user.pk, purpose="sign out everywhere",
           detail={"changed": ["session_generation"]})
    return user


@transaction.atomic
def reset_second_factor(actor, device) -> None:
    """An administrator deletes a user's authenticator app (a lost phone); she sets up a new
    one at her next login. Logged with the user's id, never the key."""
    record(actor, AccessAction.DELETE, "second_factor", device.pk, purpose="reset second factor",
           detail={"user_id": device.user_id})
    device.delete()
