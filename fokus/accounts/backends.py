"""The login's guard against password guessing (django-axes)."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a login from a username and address that are locked out (settings.AXES_*),
    before any password is checked; it never logs anyone in itself.

    A web login always comes with its request. Without one (a management command, or code
    that checks a password outside a request) there is no client to throttle, and the
    decision is left to the next backend instead of failing as axes' own backend does."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
