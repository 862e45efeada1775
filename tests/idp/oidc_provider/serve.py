"""Run the test OpenID Connect provider: migrate its database, create its users and Fokus's
client (from PROVIDER_SETUP, JSON), and serve on PROVIDER_PORT until killed."""

import json
import os
import sys
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.idp.oidc_provider.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main():
    setup = json.loads(os.environ["PROVIDER_SETUP"])
    call_command("migrate", verbosity=0)
    for username, password in setup["users"].items():
        User.objects.create_user(username, password=password)
    Application.objects.create(
        name="Fokus", client_id=setup["client_id"], client_secret=setup["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=setup["redirect_uri"], algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True)
    server = make_server("127.0.0.1", int(os.environ["PROVIDER_PORT"]),
                         get_wsgi_application(), handler_class=Quiet)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
