"""Starts the test OpenID Connect provider (tests/idp/oidc_provider) as a subprocess on a
free port, with an RS256 key generated for the run."""

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.idp.keys import free_port, key_pair

SERVE = Path(__file__).resolve().parent / "oidc_provider" / "serve.py"


class OidcProvider:
    client_id = "fokus-test-client"
    client_secret = "fokus-test-secret-" + "z" * 20  # noqa: S105 - a throwaway test client

    def __init__(self, directory: Path, redirect_uri: str, users: dict):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.issuer = self.base + "/o"
        self.claims_file = directory / "claims.json"
        self.set_claims({})
        key, _cert = key_pair(directory, "oidc")
        env = {"PROVIDER_BASE": self.base, "PROVIDER_PORT": str(self.port),
               "PROVIDER_DB": str(directory / "provider.sqlite3"), "PROVIDER_KEY": key,
               "PROVIDER_CLAIMS": str(self.claims_file),
               "PROVIDER_SETUP": json.dumps({"users": users, "client_id": self.client_id,
                                             "client_secret": self.client_secret,
                                             "redirect_uri": redirect_uri}),
               "PATH": "/usr/bin:/bin"}
        self.process = subprocess.Popen([sys.executable, str(SERVE)], env=env,  # noqa: S603
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode()[-3000:])
            try:
                requests.get(self.issuer + "/.well-known/openid-configuration", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("the test OIDC provider did not start")

    def set_claims(self, claims: dict) -> None:
        self.claims_file.write_text(json.dumps(claims))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
