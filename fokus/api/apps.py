from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API for other systems (issue 13): tokens per system, scoped to an
    organisation, decided by the same policy as the pages and logged as any access."""

    name = "fokus.api"
    verbose_name = _("API")
