"""OpenID Connect single sign-on against a real provider started by the test: a tiny Django
project with django-oauth-toolkit (tests/idp/oidc_provider), run as a subprocess on a free
port with an RS256 key generated here. The whole authorisation-code flow with PKCE: Fokus
→ the provider's login page → a password there → back to Fokus with a code → the token
exchanged and checked (issue 11)."""

import re
import uuid
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.urls import reverse

from fokus.accounts.models import User
from fokus.audit.models import AccessAction, AccessLogEntry
from fokus.signin.models import ExternalIdentity
from tests.idp.oidc_idp import OidcProvider

PROVIDER_PASSWORD = "provider-pw-123"  # noqa: S105
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NORD_GROUP = str(uuid.uuid4())  # an Entra ID group's object id


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    server = OidcProvider(tmp_path_factory.mktemp("oidc"),
                          "http://testserver" + reverse("signin:oidc_callback"),
                          {"kari": PROVIDER_PASSWORD, "ole": PROVIDER_PASSWORD})
    yield server
    server.stop()


@pytest.fixture
def oidc(provider, settings, world):
    settings.FOKUS_OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = provider.issuer + "/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = provider.issuer + "/token/"
    settings.OIDC_OP_JWKS_ENDPOINT = provider.issuer + "/.well-known/jwks.json"
    settings.OIDC_OP_USER_ENDPOINT = ""
    settings.FOKUS_OIDC_SUBJECT_CLAIM = "oid"
    settings.FOKUS_SECOND_FACTOR = "required"
    settings.FOKUS_SSO_ORGANISATION = world.org.name
    settings.FOKUS_SSO_ROLES = {"Fokus.TeamLeader": "team_leader",
                                "Fokus.Caseworker": "caseworker"}
    settings.FOKUS_SSO_TEAMS = {NORD_GROUP: "Team Nord"}
    return provider


def claims(oid, roles, groups=(), **extra):
    return {"oid": oid, "roles": list(roles), "groups": list(groups),
            "preferred_username": extra.pop("username", ""), "given_name": "Kari",
            "family_name": "Nordmann", **extra}


def authorise(client, provider, username="kari"):
    """Fokus sends the browser to the provider; she logs in there; the provider sends her
    back with a code. Returns the callback's path and query, not yet opened."""
    start = client.get(reverse("signin:oidc_login"), {"next": "/cases/"})
    assert start.status_code == 302
    location = start["Location"]
    query = parse_qs(urlparse(location).query)
    assert location.startswith(provider.issuer + "/authorize/")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0]
    browser = requests.Session()
    login_page = browser.get(location, timeout=10)  # to the provider's own login page
    assert "/accounts/login/" in login_page.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    nxt = unescape(re.search(r'name="next" value="([^"]*)"', login_page.text).group(1))
    back = browser.post(login_page.url, {"csrfmiddlewaretoken": token, "username": username,
                                         "password": PROVIDER_PASSWORD, "next": nxt},
                        headers={"Referer": login_page.url}, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    at_authorize = browser.get(provider.base + back.headers["Location"]
                               if back.headers["Location"].startswith("/")
                               else back.headers["Location"], allow_redirects=False,
                               timeout=10)
    assert at_authorize.status_code == 302
    callback = at_authorize.headers["Location"]
    assert callback.startswith("http://testserver" + reverse("signin:oidc_callback"))
    parsed = urlparse(callback)
    assert parse_qs(parsed.query)["state"] == query["state"]
    return parsed.path + "?" + parsed.query


def logged_in_as(client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


def test_the_code_flow_logs_in_with_role_and_team_from_the_claims(client, oidc, world):
    oid = str(uuid.uuid4())
    oidc.set_claims({"kari": claims(oid, ["Fokus.Caseworker"], [NORD_GROUP, "other-group"],
                                    username="kari@kommune.example")})
    response = client.get(authorise(client, oidc), **EN)
    assert response.status_code == 302 and response["Location"] == "/cases/"
    user = logged_in_as(client)
    assert user.role == "caseworker" and user.organisation == world.org
    assert list(user.teams.values_list("name", flat=True)) == ["Team Nord"]
    assert user.username == "kari@kommune.example" and not user.has_usable_password()
    assert ExternalIdentity.objects.get(user=user).subject == oid
    assert ExternalIdentity.objects.get(user=user).issuer == oidc.issuer
    assert client.get(reverse("insights:case_list")).status_code == 200  # no local TOTP
    assert AccessLogEntry.objects.filter(user_id=user.pk, action=AccessAction.LOGIN).exists()


def test_the_user_is_matched_by_her_id_and_a_changed_role_changes_hers(client, oidc, world):
    oid = str(uuid.uuid4())
    oidc.set_claims({"kari": claims(oid, ["Fokus.Caseworker"], [NORD_GROUP])})
    client.get(authorise(client, oidc))
    first = logged_in_as(client)
    client.post(reverse("logout"))
    oidc.set_claims({"kari": claims(oid, ["Fokus.TeamLeader", "Fokus.Caseworker"],
                                    [NORD_GROUP])})
    client.get(authorise(client, oidc))
    again = logged_in_as(client)
    assert again.pk == first.pk and again.role == "team_leader"
    # Another person at the provider, another id: another user.
    client.post(reverse("logout"))
    oidc.set_claims({"ole": claims(str(uuid.uuid4()), ["Fokus.Caseworker"])})
    client.get(authorise(client, oidc, "ole"))
    assert logged_in_as(client).pk != first.pk


def test_without_a_known_role_the_login_is_refused_with_a_message(client, oidc, world):
    oidc.set_claims({"kari": claims(str(uuid.uuid4()), ["Other.App.Admin"])})
    response = client.get(authorise(client, oidc), **EN)
    assert response.status_code == 302
    assert response["Location"] == reverse("signin:sso_refused")
    assert logged_in_as(client) is None
    page = client.get(response["Location"], **EN)
    assert page.status_code == 403
    assert "does not give you a role in Fokus" in page.content.decode()
    entry = AccessLogEntry.objects.filter(action=AccessAction.LOGIN_FAILED).get()
    assert entry.detail == {"method": "oidc", "reason": "no_known_privilege"}


def test_a_wrong_state_is_refused_and_a_code_is_used_once(client, oidc, world):
    oidc.set_claims({"kari": claims(str(uuid.uuid4()), ["Fokus.Caseworker"])})
    callback = authorise(client, oidc)
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    assert client.get(forged)["Location"] == reverse("signin:sso_refused")
    assert logged_in_as(client) is None
    assert client.get(callback).status_code == 302 and logged_in_as(client) is not None
    client.post(reverse("logout"))
    replay = client.get(callback)  # the same state and code again
    assert replay["Location"] == reverse("signin:sso_refused") and logged_in_as(client) is None


def test_a_wrong_nonce_is_refused(client, oidc, world):
    oidc.set_claims({"kari": claims(str(uuid.uuid4()), ["Fokus.Caseworker"])})
    callback = authorise(client, oidc)
    session = client.session
    state = parse_qs(urlparse(callback).query)["state"][0]
    session["oidc_states"][state]["nonce"] = "not-the-nonce-sent"
    session.save()
    assert client.get(callback)["Location"] == reverse("signin:sso_refused")
    assert logged_in_as(client) is None


def test_a_code_without_its_pkce_verifier_is_refused(client, oidc, world):
    oidc.set_claims({"kari": claims(str(uuid.uuid4()), ["Fokus.Caseworker"])})
    callback = authorise(client, oidc)
    session = client.session
    state = parse_qs(urlparse(callback).query)["state"][0]
    session["oidc_states"][state]["code_verifier"] = "x" * 64  # not the one challenged
    session.save()
    assert client.get(callback)["Location"] == reverse("signin:sso_refused")
    assert logged_in_as(client) is None
