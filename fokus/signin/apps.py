from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    """Signing in: single sign-on (SAML, OpenID Connect), the second factor, sessions."""

    name = "fokus.signin"
    verbose_name = _("Sign-in")

    def ready(self):
        from django.contrib.auth import signals

        from fokus.signin import admin, middleware

        admin.register()  # after every app's admin module: in place of django-otp's

        signals.user_logged_in.connect(middleware.on_logged_in, dispatch_uid="fokus-clocks")
