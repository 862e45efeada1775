"""Who may do what: the one module that decides every permission.

Pages, exports, the API and the admin ask these functions; no view compares
roles itself. The roles (design/roadmap.md, issue 11):

- caseworker: her teams' cases (or only her own, an organisation setting);
- team leader: his teams' cases and their figures;
- FIT superuser: the organisation's cases, to support the practice;
- department head: aggregates only, no case content;
- analyst: pseudonymised rows only;
- administrator: configuration only, never case data;
- data protection officer (DPO): the access log, nothing else.
"""

from fokus.accounts.models import Role

# Roles that see named case content (children, parents, ratings, notes).
CASE_CONTENT_ROLES = frozenset({Role.CASEWORKER, Role.TEAM_LEADER, Role.FIT_SUPERUSER})
# Of those, the roles bound to their teams' cases.
TEAM_ROLES = frozenset({Role.CASEWORKER, Role.TEAM_LEADER})
# Roles that see the organisation's figures (dashboards) without names.
AGGREGATE_ROLES = frozenset({Role.TEAM_LEADER, Role.FIT_SUPERUSER, Role.DEPARTMENT_HEAD,
                             Role.ANALYST})


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def sees_case_content(user) -> bool:
    return _active(user) and bool(user.organisation_id) and user.role in CASE_CONTENT_ROLES


def sees_aggregates(user) -> bool:
    return _active(user) and bool(user.organisation_id) and user.role in AGGREGATE_ROLES


def pseudonymised_only(user) -> bool:
    return _active(user) and user.role == Role.ANALYST


def administers(user) -> bool:
    return _active(user) and user.role == Role.ADMINISTRATOR and user.is_staff


def reads_access_log(user) -> bool:
    return _active(user) and user.role == Role.DPO


def role_sees_case_content(role: str) -> bool:
    """A grant of this role needs a second person's approval where the organisation says so."""
    return role in CASE_CONTENT_ROLES


def needs_second_factor(user) -> bool:
    """Local accounts of roles that see case data or administer log in with TOTP too."""
    return user.role in CASE_CONTENT_ROLES or user.role in {Role.ADMINISTRATOR, Role.DPO}
