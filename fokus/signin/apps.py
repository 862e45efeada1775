from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigninConfig(AppConfig):
    """Signing in: single sign-on (SAML, OpenID Connect), the second factor, sessions."""

    name = "fokus.signin"
    verbose_name = _("Sign-in")
