import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator


class Validator(OAuth2Validator):
    """Adds each user's claims from the JSON file the test writes (PROVIDER_CLAIMS):
    {username: {"roles": [...], "groups": [...], "oid": ..., ...}}; read at every token,
    so the test can change a person's roles between two logins."""

    oidc_claim_scope = None

    def get_additional_claims(self, request):
        with open(os.environ["PROVIDER_CLAIMS"], encoding="utf-8") as f:
            return json.load(f).get(request.user.username, {})
