"""The FHIR download's URL, included from fokus/interchange/urls.py (namespace
"interchange")."""

from django.urls import path

from fokus.interchange import fhir_views

urlpatterns = [
    path("cases/<int:case_id>/fhir.ndjson", fhir_views.case_fhir, name="case_fhir"),
]
