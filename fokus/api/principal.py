"""The caller of an API request: a token acting as a "system" principal.

fokus.audit.actions.record takes a user and keeps its pk and username: the principal has
no user id (a token is not a user: its id must not be read as one) and its username
names the token, "api:<token id>:<system>", so the access log shows which token did it."""

from dataclasses import dataclass

from fokus.api.models import ApiToken


@dataclass
class SystemPrincipal:
    token: ApiToken

    is_system = True
    # Not a logged-in user: nothing takes it for one (record_rating's entered_by stays
    # empty; the log's username names the token).
    is_authenticated = False
    is_active = True
    is_staff = False
    is_superuser = False
    role = "system"
    pk = None
    id = None

    @property
    def username(self) -> str:
        return f"api:{self.token.pk}:{self.token.name}"[:150]

    @property
    def organisation_id(self) -> int:
        return self.token.organisation_id

    @property
    def organisation(self):
        return self.token.organisation

    @property
    def scopes(self) -> frozenset[str]:
        return self.token.scopes
