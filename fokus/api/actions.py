"""Changes to API tokens, each with its access-log entry in the same transaction.

A token is `fokus_<prefix>_<secret>`: the prefix finds its row, the SHA-256 of the
whole token is kept and compared in constant time; the token itself is returned once,
by create_token, and never stored."""

import hashlib
import hmac
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fokus.accounts import policy
from fokus.api.models import ApiToken
from fokus.audit.actions import record
from fokus.audit.models import AccessAction

PREFIX = "fokus_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(user, organisation, *, name: str, scopes=("read_ratings",),
                 expires_at=None, token: ApiToken | None = None) -> tuple[ApiToken, str]:
    """A new token of `organisation` for the system `name`: (row, the token to show once).
    `token`: an unsaved row with its fields filled in (the admin's form)."""
    scopes = set(scopes)
    unknown = scopes - set(policy.API_SCOPE_NAMES)
    if unknown or not scopes:
        raise ValidationError(_("Choose one or more scopes."))
    if not name.strip():
        raise ValidationError(_("Give the name of the system that uses the token."))
    prefix = secrets.token_hex(6)
    raw = f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = token or ApiToken()
    row.name, row.organisation, row.prefix, row.key_hash = name.strip(), organisation, prefix, \
        hash_token(raw)
    for scope in policy.API_SCOPE_NAMES:
        setattr(row, scope, scope in scopes)
    if expires_at is not None:
        row.expires_at = expires_at
    row.created_by = user if getattr(user, "pk", None) else None
    row.created_at = timezone.now()
    row.needs_approval = policy.token_needs_approval(organisation, scopes)
    row.save()
    record(user, AccessAction.CREATE, "api_token", row.pk, purpose="api token created",
           detail={"scopes": sorted(scopes), "organisation": organisation.pk,
                   "needs_approval": row.needs_approval})
    return row, raw


@transaction.atomic
def revoke_token(user, token: ApiToken) -> bool:
    """Revoke a token (from its next call on); False if it was revoked already."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.revoked_by = user if getattr(user, "pk", None) else None
    token.save(update_fields=["revoked_at", "revoked_by"])
    record(user, AccessAction.UPDATE, "api_token", token.pk, purpose="api token revoked")
    return True


def approve_token(user, token: ApiToken) -> bool:
    """A second administrator approves a token that opens case data; False if there was
    nothing to approve. Refused (PermissionDenied, logged) for the one who created it."""
    if not policy.may_approve_token(user, token):
        with transaction.atomic():
            record(user, AccessAction.DENIED, "api_token", token.pk,
                   purpose="api token approval")
        raise PermissionDenied
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if not token.needs_approval or token.approved_at is not None or token.revoked_at:
            return False
        token.approved_at, token.approved_by = timezone.now(), user
        token.save(update_fields=["approved_at", "approved_by"])
        record(user, AccessAction.UPDATE, "api_token", token.pk, purpose="api token approved")
    return True


def find_token(raw: str) -> ApiToken | None:
    """The usable token `raw` is, or None (unknown, wrong secret, revoked, expired or
    waiting for approval)."""
    if not raw.startswith(PREFIX):
        return None
    prefix = raw[len(PREFIX):].split("_", 1)[0]
    token = ApiToken.objects.filter(prefix=prefix).select_related("organisation").first()
    if token is None or not hmac.compare_digest(token.key_hash, hash_token(raw)):
        return None
    return token


def mark_used(token: ApiToken) -> None:
    """Keep last_used_at to the minute (not one write per call)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
