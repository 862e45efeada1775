from django.urls import path

from fokus.api.views import api

app_name = "api"
urlpatterns = [path("api/v1/", api.urls)]
