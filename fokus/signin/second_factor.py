"""The second factor (TOTP, django-otp) of a local login."""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from fokus.accounts import policy

# A login through these needs no local second factor: the identity provider's assurance
# level covers it (docs/sign-in.md).
SSO_BACKENDS = frozenset({"fokus.signin.saml.SamlBackend", "fokus.signin.oidc.OidcBackend"})
FAILED = "fokus_totp_failed"
NEXT = "fokus_after_second_factor"
# The user (pk, role, setting) this session's login asked no second factor of, decided once per login.
NOT_NEEDED = "fokus_second_factor_not_needed"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def signed_in_by_sso(request) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) in SSO_BACKENDS


def required(user) -> bool:
    """Whether this user's local login asks for a TOTP code."""
    if settings.FOKUS_SECOND_FACTOR == "required" and policy.needs_second_factor(user):
        return True
    return confirmed_device(user) is not None


def pending(request) -> bool:
    """A logged-in session that still owes its second factor."""
    user = request.user
    if not user.is_authenticated or signed_in_by_sso(request):
        return False
    if request.session.get(NOT_NEEDED) == _mark(user) or user.is_verified():
        return False
    if required(user):
        return True
    request.session[NOT_NEEDED] = _mark(user)
    return False


def _mark(user) -> list:
    """Decided for this user in this role and setting: a role that needs a code (given
    during the session) or the setting made "required" asks for the code at once."""
    return [user.pk, user.role, settings.FOKUS_SECOND_FACTOR]


def on_logged_in(request, user) -> None:
    """Decide at login whether this login owes a second factor."""
    request.session.pop(FAILED, None)
    if signed_in_by_sso(request) or not required(user):
        request.session[NOT_NEEDED] = _mark(user)
    else:
        request.session.pop(NOT_NEEDED, None)


def count_failure(request) -> int:
    request.session[FAILED] = request.session.get(FAILED, 0) + 1
    return request.session[FAILED]
