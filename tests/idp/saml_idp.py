"""A real SAML 2.0 identity provider for the tests: pysaml2's saml2.server.Server behind a
small WSGI app on a free local port, in a thread.

It takes an AuthnRequest by the HTTP-Redirect binding at /sso/redirect, "logs in" the person
the test chose (`idp.person`), and answers with the HTTP-POST binding's self-submitting
form, as a real IdP does. `idp.mode` makes it misbehave: "signed" (the assertion signed by
the key in its metadata), "unsigned", or "rogue" (signed by another key)."""

import base64
import threading
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

from tests.idp.keys import free_port, key_pair

PRIVILEGES = "dk:gov:saml:attribute:Privileges_intermediate"
UUID = "https://data.gov.dk/model/core/eid/professional/uuid/persistent"


def privilege_list(*groups) -> str:
    """base64 of an OIO Basic Privilege Profile list: groups of (privileges, {name: value})."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<bpp:PrivilegeList xmlns:bpp="http://itst.dk/oiosaml/basic_privilege_profile" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
    for privileges, constraints in groups:
        parts.append('<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:12345678">')
        parts += [f'<Constraint Name="{n}">{v}</Constraint>' for n, v in constraints.items()]
        parts += [f"<Privilege>{p}</Privilege>" for p in privileges]
        parts.append("</PrivilegeGroup>")
    parts.append("</bpp:PrivilegeList>")
    return base64.b64encode("".join(parts).encode()).decode()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class SamlIdp:
    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.base}/idp/metadata"
        self.key, self.cert = key_pair(directory, "idp")
        self.rogue_key, self.rogue_cert = key_pair(directory, "rogue")
        self.mode = "signed"
        self.person: dict = {}
        self.sp_metadata_path = None
        self.server = self.rogue = None
        self.httpd = None

    def config(self, key, cert, sp_metadata=None) -> IdPConfig:
        conf = {
            "entityid": self.entity_id,
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "service": {"idp": {
                "name": "Test Context Handler",
                "endpoints": {"single_sign_on_service": [
                    (f"{self.base}/sso/redirect", BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {"default": {"lifetime": {"minutes": 5},
                                       "attribute_restrictions": None,
                                       "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
                "want_authn_requests_signed": False,
            }},
            "key_file": key, "cert_file": cert,
            "metadata": {"local": [sp_metadata]} if sp_metadata else {},
        }
        config = IdPConfig()
        config.load(conf)
        return config

    def write_metadata(self) -> str:
        path = self.directory / "idp-metadata.xml"
        path.write_bytes(create_metadata_string(None, config=self.config(self.key, self.cert)))
        return str(path)

    def start(self, sp_metadata: str) -> None:
        path = self.directory / "sp-metadata.xml"
        path.write_text(sp_metadata)
        self.server = Server(config=self.config(self.key, self.cert, str(path)))
        self.rogue = Server(config=self.config(self.rogue_key, self.rogue_cert, str(path)))
        self.httpd = make_server("127.0.0.1", self.port, self.app, handler_class=_Quiet)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def app(self, environ, start_response):
        if environ["PATH_INFO"] != "/sso/redirect":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        relay_state = query.get("RelayState", [""])[0]
        message = request.message
        destination = message.assertion_consumer_service_url
        server = self.rogue if self.mode == "rogue" else self.server
        response = server.create_authn_response(
            dict(self.person["attributes"]), in_response_to=message.id, destination=destination,
            sp_entity_id=message.issuer.text,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=self.person["name_id"]),
            userid=self.person["name_id"], authn={"class_ref": PASSWORD, "authn_auth": self.entity_id},
            sign_assertion=self.mode != "unsigned", sign_response=False)
        http = server.apply_binding(BINDING_HTTP_POST, str(response), destination, relay_state,
                                    response=True)
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [http["data"].encode() if isinstance(http["data"], str) else http["data"]]
