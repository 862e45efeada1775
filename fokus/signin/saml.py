"""SAML 2.0 single sign-on as KOMBIT's Context Handler (OIOSAML 3) sends it (djangosaml2,
pysaml2, xmlsec1).

The assertion must be signed by the identity provider's key in its metadata. The user is
found by the assertion's subject (OIOSAML's persistent uuid attribute, else the NameID),
her role and teams by the privileges in `dk:gov:saml:attribute:Privileges_intermediate`:
base64 of an OIO Basic Privilege Profile list, e.g.

    <bpp:PrivilegeList xmlns:bpp="http://itst.dk/oiosaml/basic_privilege_profile">
      <PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:12345678">
        <Constraint Name="urn:dk:kombit:orgUnit">team-nord</Constraint>
        <Privilege>http://fokus.dk/roles/caseworker</Privilege>
      </PrivilegeGroup>
    </bpp:PrivilegeList>

The privilege maps to a role (settings.FOKUS_SSO_ROLES), the group's constraint named
settings.FOKUS_SAML_TEAM_CONSTRAINT to a team (settings.FOKUS_SSO_TEAMS)."""

import base64
import binascii
from pathlib import Path

import saml2
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeXML
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from djangosaml2.backends import Saml2Backend
from djangosaml2.views import AssertionConsumerServiceView
from saml2.config import SPConfig

from fokus.signin import actions, mapping

BPP_NAMESPACES = ("http://itst.dk/oiosaml/basic_privilege_profile",
                  "http://digst.dk/oiosaml/basic_privilege_profile")
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"


def saml_config(request=None) -> SPConfig:
    """Fokus as a service provider, from the settings (docs/sign-in.md)."""
    base = settings.FOKUS_BASE_URL.rstrip("/")
    if request is not None:
        base = f"{request.scheme}://{request.get_host()}"
    acs = base + reverse("signin:saml_acs")
    metadata = settings.FOKUS_SAML_IDP_METADATA
    source = ({"remote": [{"url": metadata}]} if metadata.startswith(("https://", "http://"))
              else {"local": [metadata]} if metadata else {})
    config = {
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "entityid": settings.FOKUS_SAML_SP_ENTITY_ID or base + reverse("signin:saml_metadata"),
        "allow_unknown_attributes": True,
        "attribute_map_dir": str(Path(saml2.__file__).parent / "attributemaps"),
        "service": {"sp": {
            "name": "Fokus",
            "endpoints": {"assertion_consumer_service": [(acs, saml2.BINDING_HTTP_POST)]},
            "name_id_format": [NAMEID_PERSISTENT],
            "authn_requests_signed": bool(settings.FOKUS_SAML_KEY_FILE),
            # Every assertion signed by the IdP's key in its metadata; nothing unsigned.
            "want_assertions_signed": True,
            "want_response_signed": False,
            "allow_unsolicited": False,
        }},
        "metadata": source,
        "debug": False,
    }
    if settings.FOKUS_SAML_KEY_FILE:
        config["key_file"] = settings.FOKUS_SAML_KEY_FILE
        config["cert_file"] = settings.FOKUS_SAML_CERT_FILE
        config["encryption_keypairs"] = [{"key_file": settings.FOKUS_SAML_KEY_FILE,
                                          "cert_file": settings.FOKUS_SAML_CERT_FILE}]
    conf = SPConfig()
    conf.load(config)
    return conf


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def privileges(encoded_values) -> list[tuple[list[str], dict[str, list[str]]]]:
    """The privilege groups of an OIO BPP attribute: [(privileges, {constraint: [values]})].
    Unreadable values are skipped."""
    groups = []
    for value in encoded_values or []:
        try:
            raw = base64.b64decode(str(value).strip(), validate=True)
            root = SafeXML.fromstring(raw)
        except (binascii.Error, ValueError, SafeXML.ParseError, DefusedXmlException):
            continue
        for group in root.iter():
            if _local(group.tag) != "PrivilegeGroup":
                continue
            granted, constraints = [], {}
            for child in group:
                name = _local(child.tag)
                text = (child.text or "").strip()
                if name == "Privilege" and text:
                    granted.append(text)
                elif name == "Constraint" and text:
                    constraints.setdefault(child.get("Name", ""), []).append(text)
            groups.append((granted, constraints))
    return groups


def grant_from(attributes) -> mapping.Grant:
    groups = privileges(attributes.get(settings.FOKUS_SAML_PRIVILEGES_ATTRIBUTE))
    role = mapping.role_for([p for granted, _c in groups for p in granted])
    if role is None:
        raise mapping.Refused("no_known_privilege")
    role_privileges = {value for value, r in settings.FOKUS_SSO_ROLES.items() if r == role}
    teams = [team for granted, constraints in groups if role_privileges & set(granted)
             for team in constraints.get(settings.FOKUS_SAML_TEAM_CONSTRAINT, [])]
    org = mapping.organisation()
    return mapping.Grant(role=role, organisation=org, teams=mapping.teams_for(org, teams))


def _first(attributes, *names) -> str:
    for name in names:
        values = attributes.get(name)
        if values:
            return str(values[0])
    return ""


class SamlBackend(Saml2Backend):
    """Logs in the user a signed assertion names (see the module's doc)."""

    def authenticate(self, request, session_info=None, attribute_mapping=None,
                     create_unknown_user=True, assertion_info=None, **kwargs):
        if session_info is None or "ava" not in session_info:
            return None
        attributes = session_info["ava"]
        issuer = session_info.get("issuer") or ""
        name_id = session_info.get("name_id")
        subject = _first(attributes, settings.FOKUS_SAML_SUBJECT_ATTRIBUTE) or (
            getattr(name_id, "text", "") or "")
        try:
            grant = grant_from(attributes)
            user = actions.sso_user(
                "saml", issuer, subject.strip(), grant,
                username=_first(attributes, "email", "mail",
                                "https://data.gov.dk/model/core/eid/email"),
                first_name=_first(attributes, "givenName", "givenname"),
                last_name=_first(attributes, "sn", "surname"),
                email=_first(attributes, "email", "mail",
                             "https://data.gov.dk/model/core/eid/email"))
        except mapping.Refused as refused:
            actions.record_sso_refused("saml", refused.code)
            if request is not None:
                request.fokus_sso_refusal = refused.code
            return None
        return user if self.user_can_authenticate(user) else None


class AcsView(AssertionConsumerServiceView):
    """The assertion's return. djangosaml2 has checked the response (signature, audience,
    time, the request it answers); Fokus's backend alone then decides, without Django's
    authenticate(): a refused single sign-on is not a wrong password (no lock of the address
    by the password throttle) and is logged once, with its reason; nothing of the assertion
    reaches the server log."""

    def authenticate_user(self, request, session_info, attribute_mapping, create_unknown_user,
                          assertion_info):
        user = SamlBackend().authenticate(request, session_info=session_info)
        if user is None:
            raise PermissionDenied("single sign-on refused")
        auth.login(request, user, backend="fokus.signin.saml.SamlBackend")
        name_id = session_info.get("name_id")
        if name_id is not None:
            from djangosaml2.views import _set_subject_id  # noqa: PLC0415

            _set_subject_id(request.saml_session, name_id)
        return user
