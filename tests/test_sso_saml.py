"""SAML 2.0 single sign-on against a real identity provider started by the test (pysaml2's
IdP in tests/idp/saml_idp.py, keys generated here): the whole flow, from Fokus's redirect to
the IdP to the IdP's signed response posted back to Fokus (issue 11)."""

import re
import uuid
from html import unescape

import pytest
import requests
from django.urls import reverse

from fokus.accounts.models import User
from fokus.audit.models import AccessAction, AccessLogEntry
from fokus.signin.models import ExternalIdentity
from tests.idp.keys import key_pair
from tests.idp.saml_idp import PRIVILEGES, UUID, SamlIdp, privilege_list

CASEWORKER = "http://fokus.dk/privileges/caseworker"
TEAM_LEADER = "http://fokus.dk/privileges/team_leader"
ORG_UNIT = "urn:dk:kombit:orgUnit"
NORD = "6f1d6a1e-0000-4000-8000-000000000001"
SYD = "6f1d6a1e-0000-4000-8000-000000000002"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def idp(tmp_path, settings, client, world):
    sp_key, sp_cert = key_pair(tmp_path, "fokus-sp")
    server = SamlIdp(tmp_path)
    settings.FOKUS_SAML_IDP_METADATA = server.write_metadata()
    settings.FOKUS_SAML_KEY_FILE, settings.FOKUS_SAML_CERT_FILE = sp_key, sp_cert
    settings.FOKUS_SECOND_FACTOR = "required"  # SSO logins need no local code even so
    settings.FOKUS_SSO_ORGANISATION = world.org.name
    settings.FOKUS_SSO_ROLES = {TEAM_LEADER: "team_leader", CASEWORKER: "caseworker"}
    settings.FOKUS_SSO_TEAMS = {NORD: "Team Nord", SYD: "Team Syd"}
    metadata = client.get(reverse("signin:saml_metadata"))
    assert metadata.status_code == 200
    server.start(metadata.content.decode())
    yield server
    server.stop()


def person(subject, *groups, email="kari@kommune.example"):
    return {"name_id": f"name-id-{subject}",
            "attributes": {UUID: [subject], PRIVILEGES: [privilege_list(*groups)],
                           "email": [email], "givenName": ["Kari"], "sn": ["Nordmann"]}}


def sso(client, idp, next_url="/cases/"):
    """The browser's journey: Fokus → the IdP (redirect) → Fokus (the IdP's form, posted)."""
    start = client.get(reverse("signin:saml_login"), {"next": next_url})
    assert start.status_code == 302 and start["Location"].startswith(idp.base + "/sso/redirect")
    assert "SAMLRequest=" in start["Location"] and "Signature=" in start["Location"]
    at_idp = requests.get(start["Location"], timeout=10)
    assert at_idp.status_code == 200
    form = at_idp.text
    action = unescape(re.search(r'action="([^"]+)"', form).group(1))
    fields = {unescape(n): unescape(v) for n, v in
              re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}
    assert action == "http://testserver" + reverse("signin:saml_acs")
    return client.post(reverse("signin:saml_acs"), fields, **EN)


def logged_in_as(client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


def test_a_signed_assertion_logs_in_with_role_and_team_from_the_privileges(client, idp, world):
    subject = str(uuid.uuid4())
    idp.person = person(subject, ([CASEWORKER], {ORG_UNIT: NORD}))
    response = sso(client, idp)
    assert response.status_code == 302 and response["Location"] == "/cases/"
    user = logged_in_as(client)
    assert user.role == "caseworker" and user.organisation == world.org
    assert list(user.teams.values_list("name", flat=True)) == ["Team Nord"]
    assert not user.has_usable_password()
    assert ExternalIdentity.objects.get(user=user).subject == subject
    # The IdP's assurance covers the second factor: no TOTP step, the cases open.
    assert client.get(reverse("insights:case_list")).status_code == 200
    entry = AccessLogEntry.objects.filter(user_id=user.pk, action=AccessAction.LOGIN).get()
    assert entry.object_id == str(user.pk)


def test_the_same_subject_is_the_same_user_and_a_changed_privilege_changes_the_role(
        client, idp, world):
    subject = str(uuid.uuid4())
    idp.person = person(subject, ([CASEWORKER], {ORG_UNIT: NORD}))
    sso(client, idp)
    first = logged_in_as(client)
    client.post(reverse("logout"))
    # The municipality's user administration made her team leader of Team Syd.
    idp.person = person(subject, ([TEAM_LEADER], {ORG_UNIT: SYD}))
    assert sso(client, idp).status_code == 302
    again = logged_in_as(client)
    assert again.pk == first.pk
    assert again.role == "team_leader"
    assert list(again.teams.values_list("name", flat=True)) == ["Team Syd"]
    change = AccessLogEntry.objects.filter(object_type="user", object_id=str(again.pk),
                                           purpose="single sign-on").get()
    assert change.action == AccessAction.UPDATE


def test_another_subject_with_the_same_email_is_another_user(client, idp, world):
    idp.person = person(str(uuid.uuid4()), ([CASEWORKER], {ORG_UNIT: NORD}))
    sso(client, idp)
    first = logged_in_as(client)
    client.post(reverse("logout"))
    idp.person = person(str(uuid.uuid4()), ([CASEWORKER], {ORG_UNIT: NORD}))
    sso(client, idp)
    assert logged_in_as(client).pk != first.pk


def test_without_a_known_privilege_the_login_is_refused_with_a_message(client, idp, world):
    idp.person = person(str(uuid.uuid4()), (["http://other.system/privileges/read"],
                                            {ORG_UNIT: NORD}))
    response = sso(client, idp)
    assert response.status_code == 403
    assert "does not give you a role in Fokus" in response.content.decode()
    assert logged_in_as(client) is None
    assert not ExternalIdentity.objects.exists()
    refused = AccessLogEntry.objects.filter(action=AccessAction.LOGIN_FAILED).get()
    assert refused.detail == {"method": "saml", "reason": "no_known_privilege"}


@pytest.mark.parametrize("mode", ["unsigned", "rogue"])
def test_an_unsigned_or_wrongly_signed_assertion_is_refused(client, idp, world, mode):
    users = User.objects.count()
    idp.mode = mode
    idp.person = person(str(uuid.uuid4()), ([CASEWORKER], {ORG_UNIT: NORD}))
    response = sso(client, idp)
    assert response.status_code in {400, 403}
    assert "could not be completed" in response.content.decode()
    assert logged_in_as(client) is None
    assert not ExternalIdentity.objects.exists() and User.objects.count() == users
    refused = AccessLogEntry.objects.filter(action=AccessAction.LOGIN_FAILED).get()
    assert refused.detail == {"method": "saml", "reason": "failed"}
    # The same IdP, signing as its metadata says, is let in: the refusal was the signature.
    idp.mode = "signed"
    assert sso(client, idp).status_code == 302 and logged_in_as(client) is not None


def test_the_login_page_offers_the_municipality_s_login(client, idp):
    page = client.get(reverse("login"), **EN).content.decode()
    assert "Log in with your municipality&#x27;s login" in page
    assert reverse("signin:saml_login") in page


def test_the_privileges_reader_takes_several_groups_and_skips_garbage():
    from fokus.signin.saml import privileges

    encoded = privilege_list(([CASEWORKER], {ORG_UNIT: NORD}), ([TEAM_LEADER], {ORG_UNIT: SYD}))
    assert privileges([encoded, "not base64!", "PHg+"]) == [
        ([CASEWORKER], {ORG_UNIT: [NORD]}), ([TEAM_LEADER], {ORG_UNIT: [SYD]})]


def test_the_identity_provider_s_post_needs_no_csrf_token(idp, world):
    """The IdP's form posts across sites, without Fokus's CSRF token: the signed assertion
    and its answer to this browser's request are the protection."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    idp.person = person(str(uuid.uuid4()), ([CASEWORKER], {ORG_UNIT: NORD}))
    assert sso(browser, idp).status_code == 302
    assert logged_in_as(browser) is not None


def test_a_response_posted_twice_is_refused_the_second_time(client, idp, world):
    idp.person = person(str(uuid.uuid4()), ([CASEWORKER], {ORG_UNIT: NORD}))
    start = client.get(reverse("signin:saml_login"), {"next": "/cases/"})
    form = requests.get(start["Location"], timeout=10).text
    fields = {unescape(n): unescape(v) for n, v in
              re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}
    assert client.post(reverse("signin:saml_acs"), fields).status_code == 302
    client.post(reverse("logout"))
    replay = client.post(reverse("signin:saml_acs"), fields, **EN)
    assert replay.status_code in {400, 403} and logged_in_as(client) is None
