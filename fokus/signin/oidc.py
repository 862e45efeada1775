"""OpenID Connect single sign-on (mozilla-django-oidc), e.g. Entra ID.

The authorisation-code flow with PKCE (S256), a nonce and a state: the state and the code
verifier live in the session and are used once; the ID token must be signed (RS256, the
provider's JWKS), name Fokus's client id as its audience and the configured issuer, and be
unexpired. The user is found by the subject claim (FOKUS_OIDC_SUBJECT_CLAIM: "sub", or
Entra ID's "oid"), her role and teams by the claims named FOKUS_OIDC_ROLES_CLAIM and
FOKUS_OIDC_GROUPS_CLAIM (docs/sign-in.md)."""

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from fokus.signin import actions, mapping


def _values(claim) -> list[str]:
    if claim is None:
        return []
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list | tuple):
        return [str(value) for value in claim if isinstance(value, str | int)]
    return []


class OidcBackend(OIDCAuthenticationBackend):
    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The ID token's algorithm is not the configured one.")
        try:
            return jwt.decode(payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO],
                              audience=self.OIDC_RP_CLIENT_ID,
                              issuer=settings.FOKUS_OIDC_ISSUER or None,
                              options={"require": ["exp", "iat", "sub"],
                                       "verify_iss": bool(settings.FOKUS_OIDC_ISSUER)})
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation("The ID token was refused.") from exc

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            # The ID token's own claims win over the user info's.
            claims = {**self.get_userinfo(access_token, id_token, payload), **payload}
        subject = claims.get(settings.FOKUS_OIDC_SUBJECT_CLAIM)
        try:
            grant = mapping.grant(_values(claims.get(settings.FOKUS_OIDC_ROLES_CLAIM)),
                                  _values(claims.get(settings.FOKUS_OIDC_GROUPS_CLAIM)))
            user = actions.sso_user(
                "oidc", str(payload.get("iss", "")), str(subject or "").strip(), grant,
                username=str(claims.get("preferred_username") or claims.get("email") or ""),
                first_name=str(claims.get("given_name") or ""),
                last_name=str(claims.get("family_name") or ""),
                email=str(claims.get("email") or ""))
        except mapping.Refused as refused:
            actions.record_sso_refused("oidc", refused.code)
            self.request.session["fokus_sso_refusal"] = refused.code
            return None
        return user


class Authenticate(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (state, nonce, PKCE challenge)."""


class Callback(OIDCAuthenticationCallbackView):
    """Back from the provider: the state looked up (and used up) in this session, the code
    exchanged with its PKCE verifier, the ID token checked (signature, issuer, audience,
    expiry, nonce), the user in.

    Fokus's backend is called directly rather than through Django's authenticate(): a
    refused single sign-on is not a wrong password (the password throttle does not count
    it) and is logged once, with its reason."""

    def get(self, request):
        states = request.session.get("oidc_states") or {}
        state = request.GET.get("state")
        if request.GET.get("error") or not request.GET.get("code") or state not in states:
            if state in states:
                del request.session["oidc_states"][state]
                request.session.modified = True
            return self.login_failure()
        entry = request.session["oidc_states"].pop(state)
        request.session.modified = True
        request.session.save()
        backend = OidcBackend()
        try:
            user = backend.authenticate(request, nonce=entry.get("nonce"),
                                        code_verifier=entry.get("code_verifier"))
        except (SuspiciousOperation, requests.RequestException):
            user = None
        if user is None or not user.is_active:
            return self.login_failure()
        self.user = user
        auth.login(request, user, backend="fokus.signin.oidc.OidcBackend")
        return HttpResponseRedirect(self.success_url)

    @property
    def failure_url(self):
        return reverse("signin:sso_refused")

    def login_failure(self):
        refusal = self.request.session.get("fokus_sso_refusal")
        if refusal is None:
            actions.record_sso_refused("oidc", "failed")
            self.request.session["fokus_sso_refusal"] = "failed"
        return super().login_failure()
