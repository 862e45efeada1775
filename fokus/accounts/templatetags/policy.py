"""The policy in templates: {% load policy %} ... {% if user|may:"case_content" %}.

Templates show a link only where fokus.accounts.policy allows the page; the page itself
decides again (a link is not a permission)."""

from django import template

from fokus.accounts import policy

register = template.Library()

CHECKS = {
    "case_content": policy.sees_case_content,
    "team_board": lambda user: policy.sees_case_content(user)
    and not policy.role_may(user.role, "organisation_cases"),
    "aggregates": policy.sees_aggregates,
    "own_figures": policy.sees_own_figures,
    "administration": policy.administers,
    "approve_grants": policy.approves_grants,
    "access_log": policy.reads_access_log,
    "pseudonymised": policy.pseudonymised_only,
    "import_ratings": policy.imports_ratings,
}


@register.filter
def may(user, permission: str) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and CHECKS[permission](user))
