"""From what the identity provider says to a Fokus role, organisation and teams.

The mapping is configuration (settings.FOKUS_SSO_*; docs/sign-in.md):
- FOKUS_SSO_ROLES: {privilege URI or role claim value: Fokus role}. When a person holds
  several, the one listed first in the setting wins.
- FOKUS_SSO_TEAMS: {constraint or group claim value: team name}; a value not in it is
  matched against the names of the organisation's teams.
- FOKUS_SSO_ORGANISATION: the organisation's name (optional when there is only one).
"""

from dataclasses import dataclass, field

from django.conf import settings

from fokus.accounts.models import Role
from fokus.cases.models import Organisation, Team


class Refused(Exception):
    """A single sign-on that Fokus refuses; `code` is logged, the message is shown."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Grant:
    role: str
    organisation: Organisation
    teams: list = field(default_factory=list)


def role_for(values) -> str | None:
    """The Fokus role of the first configured privilege/role value the person holds."""
    held = set(values)
    known = {r.value for r in Role}
    for value, role in settings.FOKUS_SSO_ROLES.items():
        if value in held and role in known:
            return role
    return None


def organisation() -> Organisation:
    name = settings.FOKUS_SSO_ORGANISATION
    if name:
        found = Organisation.objects.filter(name=name).first()
    else:
        found = Organisation.objects.first() if Organisation.objects.count() == 1 else None
    if found is None:
        raise Refused("no_organisation")
    return found


def teams_for(org: Organisation, values) -> list:
    names = {settings.FOKUS_SSO_TEAMS.get(value, value) for value in values}
    if not names:
        return []
    return list(Team.objects.filter(unit__organisation=org, name__in=names).order_by("pk"))


def grant(role_values, team_values) -> Grant:
    role = role_for(role_values)
    if role is None:
        raise Refused("no_known_privilege")
    org = organisation()
    return Grant(role=role, organisation=org, teams=teams_for(org, team_values))
