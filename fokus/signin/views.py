"""Sign-in pages: the second factor (TOTP) and its enrolment, "my account" (password change,
sign out everywhere), and the page a refused single sign-on lands on."""

from functools import wraps

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fokus.accounts.forms import LoginForm
from fokus.signin import actions, second_factor
from fokus.signin.forms import ChangePasswordForm, CodeForm

WRONG_OLD_PASSWORDS = "fokus_password_change_failed"


def _after(request):
    target = request.session.pop(second_factor.NEXT, "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(settings.LOGIN_REDIRECT_URL)


def _too_many(request, user):
    logout(request)
    messages.error(request, _("Too many wrong codes: you were logged out. Log in again."))
    return redirect("login")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_step(request):
    """After the password: the code from her authenticator app."""
    user = request.user
    if not second_factor.pending(request):
        return _after(request)
    device = second_factor.confirmed_device(user)
    if device is None:
        return redirect("signin:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()  # django-otp's growing delay
        if allowed and device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            request.session.pop(second_factor.FAILED, None)
            actions.record_second_factor(user, passed=True)
            return _after(request)
        actions.record_second_factor(user, passed=False)
        if second_factor.count_failure(request) >= settings.FOKUS_TOTP_ATTEMPTS:
            return _too_many(request, user)
        form.add_error("code", _("That code is not right, or it has been used. Wait for the "
                                 "next code and try again.") if allowed else
                       _("Too many codes in a row. Wait a moment and try again."))
    return render(request, "signin/second_factor.html", {"form": form})


def _enrolment_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Fokus", confirmed=False)
    return device


def _secret_text(device) -> str:
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up the authenticator app: a QR code (and the key as text), then one code to
    confirm it."""
    user = request.user
    if second_factor.confirmed_device(user) is not None:
        return redirect("signin:second_factor" if second_factor.pending(request)
                        else "signin:account")
    device = _enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session.pop(second_factor.FAILED, None)
            actions.record_second_factor(user, passed=True, enrolled=True)
            messages.success(request, _("Your authenticator app is set up. From now on, you "
                                        "log in with your password and a code."))
            return _after(request)
        actions.record_second_factor(user, passed=False, enrolled=True)
        if second_factor.count_failure(request) >= settings.FOKUS_TOTP_ATTEMPTS:
            return _too_many(request, user)
        form.add_error("code", _("That code is not right. Check the time on your phone and "
                                 "try the next code."))
    qr = segno.make(device.config_url, error="m")
    return render(request, "signin/enrol.html", {
        "form": form, "secret": _secret_text(device),
        # Drawn in the page (no style attribute in it: the Content Security Policy forbids
        # inline style); the key is written out below it for screen-reader users.
        "qr": mark_safe(qr.svg_inline(scale=5, light="#fff", svgclass="qr-code",  # noqa: S308
                                      lineclass=None)),
        "issuer": settings.OTP_TOTP_ISSUER, "account": user.username})


@never_cache
@login_required
def account(request):
    """My account: who I am, the second factor, change password, sign out everywhere."""
    return render(request, "signin/account.html", {
        "sso": second_factor.signed_in_by_sso(request),
        "has_password": request.user.has_usable_password(),
        "device": second_factor.confirmed_device(request.user)})


@login_required
@require_POST
def sign_out_everywhere(request):
    actions.sign_out_everywhere(request)
    messages.success(request, _("You were signed out on every other device and browser. "
                                "You are still logged in here."))
    return redirect("signin:account")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Her own password: the old one, then the new one twice. Wrong old passwords are
    counted like wrong codes: after FOKUS_LOGIN_ATTEMPTS the login ends."""
    if not request.user.has_usable_password():
        messages.info(request, _("You log in through your municipality's login, which keeps "
                                 "your password."))
        return redirect("signin:account")
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            actions.change_password(request, form.cleaned_data["new_password1"])
            request.session.pop(WRONG_OLD_PASSWORDS, None)
            return redirect("signin:password_change_done")
        if "old_password" in form.errors:
            tries = request.session.get(WRONG_OLD_PASSWORDS, 0) + 1
            request.session[WRONG_OLD_PASSWORDS] = tries
            if tries >= settings.AXES_FAILURE_LIMIT:
                logout(request)
                messages.error(request, _("Too many wrong passwords: you were logged out. Log "
                                          "in again."))
                return redirect("login")
    return render(request, "registration/password_change_form.html", {"form": form})


@never_cache
@login_required
def password_change_done(request):
    return render(request, "registration/password_change_done.html")


REFUSALS = {
    "no_known_privilege": gettext_lazy(
        "Your municipality's login does not give you a role in Fokus. Ask your manager or "
        "your municipality's user administration for access to Fokus."),
    "no_organisation": gettext_lazy("Fokus is not set up for single sign-on from your "
                                    "organisation. Ask your administrator."),
    "inactive": gettext_lazy("Your account in Fokus is closed. Ask your administrator."),
    "failed": gettext_lazy("The login through your municipality could not be completed. Try "
                           "again, or ask your administrator."),
}


def refusal_message(code: str) -> str:
    return str(REFUSALS.get(code, REFUSALS["failed"]))


def sso_refused(request, exception=None, status=403, **kwargs):
    """A single sign-on Fokus did not accept: why, in the person's language, and a way
    back to the login page. Nothing about the assertion or the person is shown."""
    code = getattr(request, "fokus_sso_refusal", None)
    if code is None:
        code = request.session.pop("fokus_sso_refusal", "failed")
        if exception is not None:  # the SAML response itself was refused (e.g. its signature)
            actions.record_sso_refused("saml", "failed")
    return render(request, "signin/refused.html",
                  {"message": refusal_message(code)}, status=status)


def when_configured(setting: str):
    """A single sign-on view answers only when its provider is configured; 404 otherwise."""
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not getattr(settings, setting):
                raise Http404
            return view(request, *args, **kwargs)
        return wrapped
    return decorator


def login_options():
    """The single sign-on buttons the login page shows (only those configured)."""
    options = []
    if settings.FOKUS_SAML_IDP_METADATA:
        options.append({"url": reverse("signin:saml_login"),
                        "label": _("Log in with your municipality's login")})
    if settings.FOKUS_OIDC_ISSUER:
        options.append({"url": reverse("signin:oidc_login"),
                        "label": _("Log in with your organisation's account")})
    return options


class LoginView(auth_views.LoginView):
    """Django's login page, with the single sign-on buttons that are configured and, in
    the demo, a word on the second factor."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_options"] = login_options()
        context["demo"] = not settings.PRODUCTION
        context["second_factor_optional"] = settings.FOKUS_SECOND_FACTOR == "optional"
        return context
