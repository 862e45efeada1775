from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The data protection officer's pages, retention and archive, research exports."""

    name = "fokus.privacy"
    verbose_name = _("Privacy")
