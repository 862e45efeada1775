"""The login page shown to a locked-out login (settings.AXES_LOCKOUT_CALLABLE)."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from fokus.accounts.forms import LoginForm


def locked_out(request, original_response=None, credentials=None):
    """The login page again, with a message that says when to try again and nothing about
    whether the username exists (an unknown username is locked out the same way); 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = LoginForm(request)
    message = _("Too many failed logins. Wait %(minutes)s minutes and try again, or ask your "
                "administrator for help.") % {"minutes": minutes}
    return render(request, "registration/login.html",
                  {"form": form, "locked_out": message,
                   "next": request.POST.get("next", request.GET.get("next", ""))},
                  status=429)
