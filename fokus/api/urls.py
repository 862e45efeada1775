from django.urls import path, re_path

from fokus.api.views import api, unknown

app_name = "api"
urlpatterns = [
    path("api/v1/", api.urls),
    # Any other address, a newline in it too (a path converter stops at one).
    re_path(r"^api/v1/(?P<rest>[\s\S]*)\Z", unknown, name="unknown"),
]
