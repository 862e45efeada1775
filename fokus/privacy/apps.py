from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The data protection officer's pages, retention and archive, research exports."""

    name = "fokus.privacy"
    verbose_name = _("Privacy")

    def ready(self):
        # Readiness and /metrics (fokus.lib, below this app) read the worker's heartbeat.
        from fokus.lib import health
        from fokus.privacy.worker import newest_heartbeat

        health.set_heartbeat_reader(newest_heartbeat)
