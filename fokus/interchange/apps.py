from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterchangeConfig(AppConfig):
    """Ratings in and out (issue 13): imports from the ratings file, CSV and XLSX,
    exports, and FHIR R4."""

    name = "fokus.interchange"
    verbose_name = _("Import and export")
