from django.urls import include, path

app_name = "interchange"
urlpatterns: list = [
    path("", include("fokus.interchange.fhir_urls")),
]
