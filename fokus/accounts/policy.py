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

PERMISSIONS below is the table of what each role may do; docs/roles.md shows it
and a test (tests/test_separation_of_duties.py) checks that the two agree. The
predicates taking a user add what a role alone does not say: an active account,
an organisation, the organisation's settings, the user's teams.
"""

from datetime import timedelta

from fokus.accounts.models import Role

# Roles that see named case content (children, parents, ratings, notes).
CASE_CONTENT_ROLES = frozenset({Role.CASEWORKER, Role.TEAM_LEADER, Role.FIT_SUPERUSER})
# Of those, the roles bound to their teams' cases (a caseworker to her own cases only
# where the organisation says so).
TEAM_ROLES = frozenset({Role.CASEWORKER, Role.TEAM_LEADER})
# Of those, the roles that see every case of the organisation.
ORGANISATION_CASE_ROLES = frozenset({Role.FIT_SUPERUSER})
# Roles that see the organisation's figures (dashboards, FIT use) without names.
AGGREGATE_ROLES = frozenset({Role.TEAM_LEADER, Role.FIT_SUPERUSER, Role.DEPARTMENT_HEAD,
                             Role.ANALYST})
# Of those, the roles whose figures cover the whole organisation (a team leader: her teams).
ORGANISATION_AGGREGATE_ROLES = frozenset({Role.FIT_SUPERUSER, Role.DEPARTMENT_HEAD,
                                          Role.ANALYST})
# Roles with figures of their own cases ("My figures").
OWN_FIGURES_ROLES = frozenset({Role.CASEWORKER, Role.TEAM_LEADER})
# Roles that import historical ratings for their teams (the FIT superuser: for any team of
# the organisation), issue 13.
IMPORT_ROLES = frozenset({Role.TEAM_LEADER, Role.FIT_SUPERUSER})
# Roles that approve a grant of case data made by an administrator (never their own).
APPROVER_ROLES = frozenset({Role.ADMINISTRATOR, Role.DEPARTMENT_HEAD})
# Roles that log in with a second factor on a local account.
SECOND_FACTOR_ROLES = CASE_CONTENT_ROLES | {Role.ADMINISTRATOR, Role.DPO}

# What each role may do: (permission, English description, the roles that have it).
# The rows of docs/roles.md, in this order.
PERMISSIONS: tuple[tuple[str, str, frozenset], ...] = (
    ("case_content", "Named cases: children, parents, ratings, notes, records",
     CASE_CONTENT_ROLES),
    ("organisation_cases", "Every case of the organisation (not only the teams')",
     ORGANISATION_CASE_ROLES),
    ("team_board", "The team's FIT conference board", CASE_CONTENT_ROLES),
    ("import_ratings", "Import historical ratings from a spreadsheet (CSV, XLSX)",
     IMPORT_ROLES),
    ("own_figures", "Figures of one's own cases (My figures)", OWN_FIGURES_ROLES),
    ("aggregates", "Dashboards, FIT use, quarterly report (figures, no names)",
     AGGREGATE_ROLES),
    ("organisation_aggregates", "The figures of the whole organisation (not only the teams')",
     ORGANISATION_AGGREGATE_ROLES),
    ("pseudonymised", "Pseudonymised case list (no names, no exact dates)",
     frozenset({Role.ANALYST})),
    ("administration", "Configuration: users, teams, licences, settings (never case data)",
     frozenset({Role.ADMINISTRATOR})),
    ("approve_grants", "Approve another administrator's grant of case data",
     APPROVER_ROLES),
    ("access_log", "The access log", frozenset({Role.DPO})),
    ("second_factor", "A second factor (TOTP) on a local account", SECOND_FACTOR_ROLES),
)
ROLES_BY_PERMISSION = {name: roles for name, _text, roles in PERMISSIONS}


def role_may(role: str, permission: str) -> bool:
    """Whether a role has a permission of PERMISSIONS (by role alone)."""
    return role in ROLES_BY_PERMISSION[permission]


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _member(user) -> bool:
    """A logged-in, active user of an organisation."""
    return _active(user) and bool(getattr(user, "organisation_id", None))


def _has(user, permission: str) -> bool:
    return _member(user) and role_may(user.role, permission)


# --- Case content -----------------------------------------------------------------------

def sees_case_content(user) -> bool:
    return _has(user, "case_content")


def case_scope(user) -> str | None:
    """Which named cases a user sees: "organisation", "teams", "own" or None (none).

    A caseworker sees only her own cases (Case.caseworkers) where her organisation's
    caseworkers_see_own_cases_only is on."""
    if not sees_case_content(user):
        return None
    if role_may(user.role, "organisation_cases"):
        return "organisation"
    if user.role == Role.CASEWORKER and user.organisation.caseworkers_see_own_cases_only:
        return "own"
    return "teams"


def acts_for_team(user, team, *, is_member: bool) -> bool:
    """The team's board (its named cases): a member of the team with a case role, or a
    role that sees the organisation's cases. is_member: the user is one of the team's."""
    if not _has(user, "team_board") or team.unit.organisation_id != user.organisation_id:
        return False
    if role_may(user.role, "organisation_cases"):
        return True
    return is_member


def filters_caseload_by_member(user) -> bool:
    """A team leader filters her caseload by the members of her teams."""
    return sees_case_content(user) and user.role == Role.TEAM_LEADER


def own_cases_first(user) -> bool:
    """A caseworker's caseload starts with her own cases (and needs no caseworker column)."""
    return sees_case_content(user) and user.role == Role.CASEWORKER


def imports_ratings(user) -> bool:
    """The import page (issue 13): a team leader or a FIT superuser."""
    return _has(user, "import_ratings")


def imports_for_team(user, team, *, is_member: bool) -> bool:
    """New cases of an import go to a team of the user's organisation: one of his own
    teams (a team leader) or any (a FIT superuser). is_member: the user is one of the team's."""
    if not imports_ratings(user) or team.unit.organisation_id != user.organisation_id:
        return False
    return role_may(user.role, "organisation_cases") or is_member


# --- Figures --------------------------------------------------------------------------------

def sees_aggregates(user) -> bool:
    return _has(user, "aggregates")


def aggregates_limited_to_teams(user) -> bool:
    """A team leader's dashboards and FIT use cover her teams only."""
    return sees_aggregates(user) and not role_may(user.role, "organisation_aggregates")


def pseudonymised_only(user) -> bool:
    return _has(user, "pseudonymised")


def sees_own_figures(user) -> bool:
    return _has(user, "own_figures")


def opens_caseworkers_figures(user) -> bool:
    """A team leader opens her caseworkers' figures, one at a time, where the organisation
    has turned leaders_see_caseworker_figures on."""
    return (sees_own_figures(user) and user.role == Role.TEAM_LEADER
            and user.organisation.leaders_see_caseworker_figures)


def has_own_figures(user) -> bool:
    """Whose own figures exist to be opened: a caseworker's or a team leader's."""
    return user.role in OWN_FIGURES_ROLES


# --- Administration, approvals, the access log ------------------------------------------

def administers(user) -> bool:
    """The configuration (Django's admin): an active administrator with staff status."""
    return _active(user) and user.role == Role.ADMINISTRATOR and user.is_staff


def admin_organisation_id(user) -> int | None:
    """The one organisation whose users, units, teams, settings etc. an administrator sees
    and changes in the admin (his own). None: he has none (a platform operator)."""
    return getattr(user, "organisation_id", None) if administers(user) else None


def operates_platform(user) -> bool:
    """An administrator with no organisation, a Django superuser (the platform's operator):
    in the admin he only creates organisations and their first administrator; he sees no
    organisation's users, units, teams or settings."""
    return administers(user) and user.is_superuser and admin_organisation_id(user) is None


def approves_grants(user) -> bool:
    """Sees the approvals page: an administrator or a department head of an organisation."""
    if user is None or not _member(user) or not role_may(user.role, "approve_grants"):
        return False
    return user.role != Role.ADMINISTRATOR or administers(user)


def may_approve(user, grant) -> bool:
    """A pending grant is approved (or rejected) by another person than the one who asked
    for it and the one it is for, an administrator or department head of the same
    organisation."""
    return (approves_grants(user) and grant.organisation_id == user.organisation_id
            and user.pk not in (grant.requested_by_id, grant.user_id))


def reads_access_log(user) -> bool:
    return _has(user, "access_log")


def changes_own_rights(actor, user) -> bool:
    """Nobody changes his own role, organisation or teams (nor activates himself)."""
    return actor is not None and user.pk is not None and actor.pk == user.pk


def role_sees_case_content(role: str) -> bool:
    """A grant of this role needs a second person's approval where the organisation says so."""
    return role in CASE_CONTENT_ROLES


def grant_opens_case_content(old: dict | None, new: dict) -> bool:
    """Whether a change of a user's rights lets him see case data he could not see before:
    a case role given, a new team for a case role, or a user with a case role made active.
    old/new: {"role", "organisation", "teams" (ids), "is_active"}; old None for a new user."""
    if not (new["is_active"] and role_sees_case_content(new["role"])):
        return False
    if old is None or not old["is_active"] or not role_sees_case_content(old["role"]):
        return True
    if old["organisation"] != new["organisation"] or old["role"] != new["role"]:
        return True
    return bool(set(new["teams"]) - set(old["teams"]))


# Roles whose account, once taken over, opens case data, approvals or the access log: a
# password reset for them is held after another person changed their e-mail address.
RESET_HOLD_ROLES = CASE_CONTENT_ROLES | APPROVER_ROLES | {Role.DPO}
RESET_HOLD_AFTER_EMAIL_CHANGE = timedelta(days=7)


def reset_held_until(user, now):
    """Until when a password reset link for `user` is held (None: not held). An
    administrator who changed her address to one of his own and then sent her a reset link
    would log in as her: for a role of RESET_HOLD_ROLES, no link is sent for
    RESET_HOLD_AFTER_EMAIL_CHANGE after another person changed her address. She is told of
    the change at her old address meanwhile; she changing it herself holds nothing."""
    changed = getattr(user, "email_changed_by_other_at", None)
    if changed is None or user.role not in RESET_HOLD_ROLES:
        return None
    until = changed + RESET_HOLD_AFTER_EMAIL_CHANGE
    return until if now < until else None


def needs_second_factor(user) -> bool:
    """Local accounts of roles that see case data or administer log in with TOTP too."""
    return role_may(user.role, "second_factor")


# The DPO's start page, once the privacy app has it (the DPO's pages are another part of
# issue 11); until then the DPO starts on the caseload, which shows her no case.
DPO_HOME = "privacy:home"


def home_url_name(user) -> str:
    """Where each role starts: an administrator at the configuration, a department head at
    the outcomes (with the approvals waiting for him), the DPO at the access log, everyone
    else at the caseload (an analyst's is pseudonymised)."""
    from django.urls import NoReverseMatch, reverse

    if administers(user):
        return "admin:index"
    if _member(user) and user.role == Role.DEPARTMENT_HEAD:
        return "insights:dashboard"
    if reads_access_log(user):
        try:
            reverse(DPO_HOME)
            return DPO_HOME
        except NoReverseMatch:
            pass
    return "insights:case_list"


# --- Systems: API tokens (issue 13) -----------------------------------------------------
# Another system (the case system, a data warehouse) calls the REST API with a token of
# its organisation (fokus.api). The token acts as a "system" principal: no role, only the
# scopes given to it when it was created; every API call asks the functions below.

API_SCOPES: tuple[tuple[str, str], ...] = (
    ("read_ratings", "Cases, persons (no names), meetings, ratings and their outcome series"),
    ("write_ratings", "Store ratings"),
    ("read_aggregates", "Figures by team, intervention, age group (small groups suppressed)"),
    ("read_names", "Persons' names and birth dates"),
    ("read_cpr", "Persons' CPR numbers"),
)
API_SCOPE_NAMES = tuple(name for name, _text in API_SCOPES)
# Scopes that open case data: such a token is a grant of case data, approved by a second
# administrator where the organisation's role_grants_need_approval is on.
API_CASE_DATA_SCOPES = frozenset({"read_ratings", "write_ratings", "read_names", "read_cpr"})


def is_system(principal) -> bool:
    return bool(getattr(principal, "is_system", False))


def system_may(principal, scope: str) -> bool:
    """An active, approved token of an organisation with this scope (read_names and
    read_cpr also need read_ratings: they add to the persons it reads)."""
    if not (is_system(principal) and principal.is_active and principal.organisation_id):
        return False
    scopes = principal.scopes
    if scope in ("read_names", "read_cpr") and "read_ratings" not in scopes:
        return False
    return scope in scopes


def system_case_scope(principal) -> str | None:
    """Which cases a token reads: its organisation's, with read_ratings; else none."""
    return "organisation" if system_may(principal, "read_ratings") else None


def token_needs_approval(organisation, scopes) -> bool:
    """A token that opens case data needs a second person's approval where the
    organisation says so (as a role grant does)."""
    return bool(organisation.role_grants_need_approval
                and API_CASE_DATA_SCOPES & set(scopes))


def may_approve_token(user, token) -> bool:
    """Another administrator of the token's organisation than the one who created it."""
    return (administers(user) and admin_organisation_id(user) == token.organisation_id
            and user.pk != token.created_by_id)
