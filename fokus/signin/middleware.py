"""The sessions' time limits and the second factor's gate."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from fokus.signin import second_factor

STARTED = "fokus_signed_in_at"
LAST_SEEN = "fokus_last_seen"
# The family screen's state outlives the caseworker's login (fokus/ratings/kiosk.py):
# a rating still waiting on the tablet is delivered after she logs in again.
KEPT_ON_EXPIRY = ("fokus_kiosk", "fokus_kiosk_done", "fokus_meeting_languages")
# Pages a session that owes its second factor may still open.
OPEN_BEFORE_SECOND_FACTOR = frozenset({
    "signin:second_factor", "signin:enrol", "logout", "login",
    "set_language", "accessibility"})


def _view_name(request) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _static(path: str) -> bool:
    static = settings.STATIC_URL or "/static/"
    return path.startswith(static if static.startswith("/") else "/" + static)


def on_logged_in(sender, request, user, **kwargs):
    """Every login (a password, single sign-on, the family screen's unlock) starts the
    session's clocks again."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[STARTED] = now
        request.session[LAST_SEEN] = now
        second_factor.on_logged_in(request, user)


def expired(session, now: float) -> str | None:
    """Why a logged-in session is over ("idle", "max"), or None."""
    started = session.get(STARTED)
    last = session.get(LAST_SEEN)
    if started is not None and now - started > settings.FOKUS_SESSION_MAX_HOURS * 3600:
        return "max"
    if last is not None and now - last > settings.FOKUS_SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


class SessionTimeoutMiddleware:
    """A login ends after FOKUS_SESSION_IDLE_MINUTES without a request and after
    FOKUS_SESSION_MAX_HOURS in all; the person lands on the login page, told why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not _static(request.path_info):
            now = time.time()
            quiet = _view_name(request) in settings.FOKUS_SESSION_QUIET_VIEWS
            reason = expired(request.session, now)
            if reason and not quiet:
                return self._end(request, reason)
            if not quiet:
                if STARTED not in request.session:
                    request.session[STARTED] = now
                # Written at most once a minute: a page's many requests write the session once.
                if now - request.session.get(LAST_SEEN, 0) >= 60:
                    request.session[LAST_SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _end(request, reason: str):
        kept = {key: request.session[key] for key in KEPT_ON_EXPIRY if key in request.session}
        logout(request)
        request.session.update(kept)
        if reason == "idle":
            text = _("You were logged out after %(minutes)s minutes without activity. Log in "
                     "again.") % {"minutes": settings.FOKUS_SESSION_IDLE_MINUTES}
        else:
            text = _("You were logged out: a login lasts at most %(hours)s hours. Log in "
                     "again.") % {"hours": settings.FOKUS_SESSION_MAX_HOURS}
        messages.info(request, text)
        if request.method == "GET" and not request.headers.get("HX-Request"):
            return redirect_to_login(request.get_full_path())
        return redirect("login")


class SecondFactorMiddleware:
    """Until a local login has passed its second factor, every page but the TOTP step
    (or its enrolment), logout and the language switch sends it to that step."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.user.is_authenticated and not _static(request.path_info)
                and _view_name(request) not in OPEN_BEFORE_SECOND_FACTOR
                and second_factor.pending(request)):
            if request.method == "GET" and not request.headers.get("HX-Request"):
                request.session[second_factor.NEXT] = request.get_full_path()
            if second_factor.confirmed_device(request.user) is None:
                return redirect("signin:enrol")
            return redirect("signin:second_factor")
        return self.get_response(request)
