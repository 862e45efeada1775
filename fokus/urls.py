from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django.views.i18n import set_language

from fokus.signin.views import LoginView

# The administrator's configuration home, in the product's words (Danish by default).
admin.site.site_header = _("Fokus: configuration")
admin.site.site_title = _("Fokus configuration")
admin.site.index_title = _("Configuration: organisation, users, licences and wording, settings")

urlpatterns = [
    # Each app's URLs carry their full paths; the apps' layers are in .importlinter.
    path("", include("fokus.insights.urls")),
    path("", include("fokus.cases.urls")),
    path("", include("fokus.ratings.urls")),
    path("", include("fokus.privacy.urls")),
    path("", include("fokus.signin.urls")),
    path("", include("fokus.accounts.urls")),
    path("", include("fokus.interchange.urls")),
    path("", include("fokus.api.urls")),
    path("", include("fokus.lib.health")),  # /health/live, /health/ready, /metrics (issue 12)
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    # Public: the accessibility statement (tilgængelighedserklæring), linked from every page.
    path("tilgaengelighed/", TemplateView.as_view(
        template_name="accessibility.html",
        extra_context={"contact": settings.FOKUS_ACCESSIBILITY_CONTACT}), name="accessibility"),
]
